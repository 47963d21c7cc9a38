"""`python -m python_jobs report`: one HTML page per category from the pipeline's output tables."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from python_jobs.common.settings import setting_option

if TYPE_CHECKING:
    from python_jobs.report.tables import OutputTables


def write_report(category: str, out_dir: Path, output: Path | None = None) -> tuple[Path, list]:
    """Read OUT_DIR/CATEGORY/*.parquet and write the report (default OUT_DIR/CATEGORY/report.html)."""
    from python_jobs.common.files import atomic_write
    from python_jobs.common.paths import validate_category
    from python_jobs.common.settings import project_vars
    from python_jobs.report.render import render
    from python_jobs.report.sections import build_sections
    from python_jobs.report.tables import OutputTables

    directory = Path(out_dir) / validate_category(category)
    tables = OutputTables(directory)
    sections = build_sections(tables, category, project_vars()["category"])
    html = render(sections, category, source=str(directory), run=_run_summary(tables))
    target = Path(output) if output else directory / "report.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, lambda p: p.write_text(html, encoding="utf-8"))
    return target, sections


def _run_summary(t: OutputTables) -> str:
    """What built these tables, from sid_model (quantizer) and enrich_calls (provider), when present."""
    parts = []
    if t.has("enrich_calls"):
        parts.append(
            "enrichment: "
            + ", ".join(r["providers"] for r in t.rows("select distinct providers from {enrich_calls} order by 1"))
        )
    if t.has("sid_model") and (model := t.one("sid_model")):
        parts.append(f"quantizer: {model['quantizer']} {model['model_id']}")
    return " · ".join(parts)


@click.command(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.option("--category", default="sample", show_default=True, help="Category whose outputs to report on.")
@setting_option("out_dir", "--out-dir", help="Where `dbt build` wrote its parquet outputs (the var out_dir).")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The HTML file to write  [default: OUT_DIR/CATEGORY/report.html]",
)
def report(category: str, out_dir: str | None, output: Path | None) -> None:
    """Write one self-contained HTML report of CATEGORY's build: a section per stage with its figures and tables.

    It reads the parquet outputs only (so it runs beside a running `dbt build`), computes no new results and
    needs no network; a stage not built yet shows the command that builds it. Open the file in any browser;
    it prints one section per page.
    """
    from python_jobs.common.settings import project_vars

    try:
        target, sections = write_report(category, Path(out_dir or project_vars()["out_dir"]), output)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    built = [s.title for s in sections if s.built]
    click.echo(f"wrote {target} ({len(built)} of {len(sections)} sections built)")
    for s in sections:
        if not s.built:
            click.echo(f"  not built yet: {s.title} -> {s.command}")
