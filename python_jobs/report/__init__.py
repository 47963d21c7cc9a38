"""One self-contained HTML report per category, drawn from the pipeline's output tables.

`python -m python_jobs report --category X` reads data/output/X/*.parquet (what `dbt build` and
`python -m python_jobs eval` wrote), draws the figures with matplotlib as inline SVG and writes
data/output/X/report.html: no new results are computed, nothing is fetched, no JavaScript runs.
"""
