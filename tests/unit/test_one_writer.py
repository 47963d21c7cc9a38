"""Only dbt writes warehouse tables and data/output/<category>/*.parquet: no module of python_jobs/ (the library
and its CLIs) writes a table. The dbt Python models return tables; the CLIs fill caches and the model registry
or read. A new write anywhere in python_jobs/ fails here until it is listed with the reason it is not an output."""

from __future__ import annotations

import re

from tests.dbt_helpers import REPO

# a statement or call that writes a table somewhere
WRITES = re.compile(
    r"create\s+(or\s+replace\s+)?(temp\w*\s+)?table|insert\s+into|copy\s+.+\s+to\s|\bwrite_table\(|\.to_parquet\(|"
    r"write_dataset\(|\bwrite_parquet\(|\bwrite_csv\(",
    re.IGNORECASE,
)
# file -> why its writes are not output tables (counted: a second write in one of these files fails too)
ALLOWED = {
    "python_jobs/enrich/cache.py": (5, "the enrichment cache, data/cache/<category>/enrichment.sqlite"),
    "python_jobs/semantic_ids/embed.py": (1, "the embedding cache, data/cache/<category>/embeddings/"),
    "python_jobs/semantic_ids/registry.py": (1, "a quantizer's codes inside its registry entry"),
    "python_jobs/semantic_ids/stable.py": (1, "the ID ledger inside the pinned model's registry entry"),
    "python_jobs/semantic_ids/cli.py": (2, "--output / --codes-out files the user names (dbt's own path refused)"),
}
SKIP = ("python_jobs/data/",)  # the sample generator writes the raw input files, upstream of dbt


def test_no_module_outside_the_dbt_models_writes_an_output_table():
    found: dict[str, int] = {}
    for path in sorted((REPO / "python_jobs").rglob("*.py")):
        name = path.relative_to(REPO).as_posix()
        if name.startswith(SKIP):
            continue
        n = len(WRITES.findall(path.read_text()))
        if n:
            found[name] = n
    unexpected = {f: n for f, n in found.items() if f not in ALLOWED or n > ALLOWED[f][0]}
    assert not unexpected, f"table writes outside the dbt models (dbt owns every output table): {unexpected}"
    assert set(found) == set(ALLOWED), f"listed but no longer writing: {set(ALLOWED) - set(found)}"
