"""LLM enrichment of items (seed notebooks 02-04): clean descriptions, clean titles, extract metadata.

config.py     EnrichConfig (provider, model, pacing, retries, cache) and the API-key rules
tasks.py      the three tasks: input preparation, versioned prompts (python_jobs/enrich/prompts), answer parsing
providers/    offline (rules.py + extract.py) and gemini (google-genai, async, paced, retried, Batch API)
normalize.py  metadata validation and one spelling per value
cache.py      the SQLite answer cache (every answer committed as it arrives)
runner.py     one task over items -> pyarrow table + call statistics
pipeline.py   the tasks over an items table (used by the dbt models and the `enrich` job)
cli.py        `python -m python_jobs enrich`
"""
