"""Run a dbt SQL model's own file on in-memory arrow tables: `ref('x')` reads the table given as x, `var('v')`
is the given value or the dbt_project.yml default, macros/recommend.sql's macros are defined. Unit tests test the SQL that
`dbt build` runs, without a build."""

from __future__ import annotations

from typing import Any

import duckdb
import jinja2
import pyarrow as pa

from python_jobs.common.settings import project_vars
from python_jobs.recommend.cases import sampled_negatives
from python_jobs.recommend.settings import RecommendSettings
from tests.dbt_helpers import REPO


def run_sql_model(name: str, tables: dict[str, pa.Table], **dbt_vars: Any) -> pa.Table:
    (path,) = REPO.glob(f"models/**/{name}.sql")
    values = {**project_vars(), **dbt_vars}
    # stage 5's macros and the shared hash bucket rule (with the sql_string it calls), callable from its models
    macros = "".join((REPO / "macros" / f).read_text() for f in ("recommend.sql", "hash_bucket.sql", "run_vars.sql"))
    sql = jinja2.Template(macros + path.read_text()).render(ref=lambda table: f'"{table}"', var=lambda key: values[key])
    con = duckdb.connect()
    try:
        for table_name, table in tables.items():
            con.register(table_name, table)
        return con.sql(sql).to_arrow_table()
    finally:
        con.close()


def eval_cases(train: pa.Table, val: pa.Table, settings: RecommendSettings) -> pa.Table:
    """int_rec_eval_cases as `dbt build` makes it: the numpy negatives, then the SQL model."""
    negatives = sampled_negatives(val, settings.rec_eval_negatives, settings.rec_eval_seed)
    return run_sql_model(
        "int_rec_eval_cases",
        {"int_rec_train_sequences": train, "sequences_val": val, "int_rec_sampled_negatives": negatives},
        **settings.model_dump(),
    )
