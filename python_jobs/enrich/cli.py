"""`python -m python_jobs enrich`: the enrichment tasks over a whole category, outside dbt.

For large categories (hundreds of thousands of calls) run this first; it fills the answer cache that the
dbt models read, so the following `dbt build` calls the API for nothing that was already answered.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from python_jobs.common.settings import options_for
from python_jobs.enrich.settings import EnrichSettings

TASK_CHOICES = ("all", "descriptions", "titles", "metadata")


@click.command(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@options_for(EnrichSettings, exclude=("enrich_min_coverage",))  # a dbt test threshold, nothing to run here
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data"),
    show_default=True,
    help="Root of data/ (output/, cache/ live under it).",
)
@click.option(
    "--items",
    "items_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Items parquet to read instead of <data-dir>/output/<category>/items.parquet.",
)
@click.option(
    "--task",
    "task_name",
    type=click.Choice(TASK_CHOICES),
    default="all",
    show_default=True,
    help="Which task: descriptions (NB02), titles (NB03), metadata (NB04, reads the cleaned text), or all.",
)
@click.option(
    "--batch-api/--no-batch-api",
    default=False,
    show_default=True,
    help="Use the Gemini Batch API (half price, answers within hours): one uploaded JSONL file per job, with "
    "the per-request batch sizes above. Submitted jobs are recorded in the cache; an interrupted run collects "
    "them later instead of submitting again.",
)
@click.option(
    "--wait/--no-wait",
    default=True,
    show_default=True,
    help="With --batch-api: wait for the jobs and collect them, or only submit (run again to collect).",
)
@click.option(
    "--poll-interval",
    "batch_poll_s",
    type=click.FloatRange(0.01),
    default=30.0,
    show_default=True,
    help="With --batch-api: seconds between job status checks.",
)
@click.option(
    "--limit", type=click.IntRange(1), default=None, help="Only the first N items (by parent_asin), to try things out."
)
@click.option("--dry-run", is_flag=True, help="Only count what is cached and what would be sent; no API calls.")
@click.option("--progress/--no-progress", default=True, show_default=True, help="Show progress bars.")
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Log every request (httpx and SDK messages); default: progress bars and a summary per task.",
)
def enrich(
    settings: EnrichSettings,
    data_dir: Path,
    items_path: Path | None,
    task_name: str,
    batch_api: bool,
    wait: bool,
    batch_poll_s: float,
    limit: int | None,
    dry_run: bool,
    progress: bool,
    verbose: bool,
) -> None:
    """Clean descriptions and titles and extract metadata for a category (seed notebooks 02-04).

    Answers go to the cache shared with `dbt build` as they arrive; a killed run loses nothing and a re-run
    only calls the API for inputs that are not answered yet (failed ones are tried again).
    """
    import pyarrow.parquet as pq

    from python_jobs.common.paths import CategoryPaths
    from python_jobs.enrich import pipeline

    configure_logging(verbose)
    try:
        config = settings.config(data_dir, batch_poll_s=batch_poll_s, progress=progress).resolved()
        paths = CategoryPaths(settings.category, data_dir)
    except ValueError as exc:  # gemini without a key, a category that is no folder name
        raise click.ClickException(str(exc)) from None
    category = settings.category
    items_file = items_path or (paths.out_dir / "items.parquet")
    if not items_file.is_file():
        raise click.ClickException(
            f"{items_file} not found: build the items first (dbt build --vars '{{category: {category}}}' -s items)"
        )
    if batch_api and config.provider != "gemini":
        raise click.ClickException("--batch-api needs the gemini provider (set GEMINI_API_KEY)")

    items = pq.read_table(items_file).sort_by("parent_asin")
    if limit:
        items = items.slice(0, limit)
    click.echo(
        f"enrich {category}: {items.num_rows} items, provider={config.provider}"
        + (
            f" model={config.model} concurrency={config.concurrency} rpm={config.requests_per_minute}"
            f" per-request titles={config.title_batch_size} descriptions={config.description_batch_size}"
            f" base_url={config.base_url or 'default'}"
            if config.provider == "gemini"
            else ""
        )
        + f", cache={config.cache_path}",
        err=True,
    )

    if dry_run:
        _dry_run(items, config, task_name)
        return

    run = lambda name, inputs: pipeline.run_named_task(name, inputs, config, batch_api=batch_api, wait=wait)  # noqa: E731
    titles = descriptions = None
    if task_name in ("all", "descriptions"):
        descriptions, stats = run("clean_description", pipeline.description_items(items))
        click.echo(stats.summary())
    if task_name in ("all", "titles"):
        titles, stats = run("clean_title", pipeline.title_items(items))
        click.echo(stats.summary())
    if task_name in ("all", "metadata"):
        if batch_api and task_name == "all" and (_pending(descriptions) or _pending(titles)):
            click.echo("metadata waits for the cleaned text: run again once the batch jobs are collected", err=True)
            return
        clean_titles = (
            pipeline.as_mapping(titles, "clean_title")
            if titles is not None
            else _cached_clean(items, config, "clean_title")
        )
        clean_desc = (
            pipeline.as_mapping(descriptions, "clean_description")
            if descriptions is not None
            else _cached_clean(items, config, "clean_description")
        )
        _, stats = run("extract_metadata", pipeline.metadata_items(items, clean_titles, clean_desc))
        click.echo(stats.summary())


def configure_logging(verbose: bool) -> None:
    """Quiet by default: httpx logs every request and the SDK every call at INFO, which drowns the progress bar."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    for name in ("httpx", "httpcore", "google_genai", "google.genai"):
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.WARNING)


def _pending(table) -> bool:
    return table is not None and "pending" in set(table.column("status").to_pylist())


def _cached_clean(items, config, task_name: str) -> dict[str, str]:
    """Cleaned text for the metadata inputs, as the dbt models see it: the cached answer, else the rules'."""
    from python_jobs.enrich import pipeline
    from python_jobs.enrich.cache import AnswerCache
    from python_jobs.enrich.providers.offline import OfflineProvider
    from python_jobs.enrich.runner import build_jobs
    from python_jobs.enrich.tasks import get_task

    task = get_task(task_name, config.title_max_chars, config.description_max_words)
    source = pipeline.description_items(items) if task_name == "clean_description" else pipeline.title_items(items)
    jobs, keys = build_jobs(task, source)
    cached: dict[str, str] = {}
    if config.provider == "gemini" and config.cache_path and Path(config.cache_path).exists():
        with AnswerCache(config.cache_path) as cache:
            rows = cache.get_many(
                task.name, task.cache_version(config.temperature), config.model, [j.key for j in jobs]
            )
            cached = {k: r.value for k, r in rows.items() if r.status == "ok"}
    rules = OfflineProvider(workers=1)
    by_key = {j.key: j for j in jobs}
    return {
        asin: (cached[key] if key in cached else rules.answer(task, by_key[key].payload)) if key else ""
        for (asin, _), key in zip(source, keys)
    }


def _dry_run(items, config, task_name: str) -> None:
    from python_jobs.enrich import pipeline
    from python_jobs.enrich.cache import AnswerCache
    from python_jobs.enrich.runner import build_jobs
    from python_jobs.enrich.tasks import get_task

    plans = []
    if task_name in ("all", "descriptions"):
        plans.append(("clean_description", pipeline.description_items(items)))
    if task_name in ("all", "titles"):
        plans.append(("clean_title", pipeline.title_items(items)))
    if task_name in ("all", "metadata"):
        plans.append(
            (
                "extract_metadata",
                pipeline.metadata_items(
                    items,
                    _cached_clean(items, config, "clean_title"),
                    _cached_clean(items, config, "clean_description"),
                ),
            )
        )
    for name, inputs in plans:
        task = get_task(name, config.title_max_chars, config.description_max_words)
        jobs, _ = build_jobs(task, inputs)
        cached = 0
        if config.provider == "gemini" and config.cache_path and Path(config.cache_path).exists():
            with AnswerCache(config.cache_path) as cache:
                rows = cache.get_many(
                    task.name, task.cache_version(config.temperature), config.model, [j.key for j in jobs]
                )
                cached = sum(1 for r in rows.values() if r.status == "ok")
        click.echo(
            f"{name}: {len(inputs)} items, {len(jobs)} distinct inputs, {cached} cached, "
            f"{len(jobs) - cached} to send" + ("" if config.provider == "gemini" else " (offline: rules, not cached)")
        )
