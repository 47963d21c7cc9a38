"""`python -m python_jobs sample`: write a synthetic Video-Games-like category."""

from __future__ import annotations

from pathlib import Path

import click

from python_jobs.common.settings import options_for
from python_jobs.data.sample.config import PRESETS, default_workers, preset
from python_jobs.prepare.settings import PrepareSettings

_BAD_HELP = (
    "Extra bad records to inject on top of the clean counts (default: 9 for small, 0 for full/10x). Kinds "
    "cycle in this order: meta line cut mid-object (malformed JSON); CSV row with 3 fields; meta line with "
    'invalid UTF-8 bytes; CSV timestamp \'2019-07-14 10:22:31\'; meta "features": "not a list"; CSV rating '
    "'five'; meta line without parent_asin; meta line repeating the previous row's parent_asin; meta "
    '"title": 123. In each file they sit at evenly spaced rows; their line numbers are printed.'
)


@click.command(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@options_for(PrepareSettings, only=("category", "raw_dir"))  # the vars: files go to RAW_DIR/CATEGORY/
@click.option(
    "--preset",
    "preset_name",
    type=click.Choice(sorted(PRESETS)),
    default="small",
    show_default=True,
    help="small: 6,000 meta rows, 4,000 users, 30,000 interactions (the committed sample). "
    "full: 137,269 meta rows, 91,562 users, 736,827 interactions, like real Video_Games. "
    "10x: ten times full.",
)
@click.option(
    "--seed",
    type=int,
    default=42,
    show_default=True,
    help="Random seed; the same config and seed give byte-identical files.",
)
@click.option("--items", type=click.IntRange(min=50), default=None, help="Override the number of clean meta rows.")
@click.option("--users", type=click.IntRange(min=1), default=None, help="Override the number of users.")
@click.option(
    "--interactions",
    type=click.IntRange(min=1),
    default=None,
    help="Override the number of clean CSV rows (at least one per user).",
)
@click.option("--bad-lines", type=click.IntRange(min=0), default=None, help=_BAD_HELP)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for text generation and compression (default: up to 4, by CPU count). "
    "Never changes the output.",
)
@click.option(
    "--compresslevel",
    type=click.IntRange(0, 9),
    default=None,
    help="gzip level (default: 6 for small, 3 for full and 10x). Part of the output bytes.",
)
@click.option(
    "--listing-weight",
    type=click.Choice(["light", "real"]),
    default=None,
    help="light: the committed sample's listings (about 1.5 KB a meta line). real: the real catalogue's weight on "
    "top (images with three URLs each, videos on one listing in four, 10-18 detail keys, 4-9 long feature bullets; "
    "about 3 KB a line); the other fields stay the light ones. Default: light for small, real for full and 10x.",
)
@click.option(
    "--progress/--no-progress", default=None, help="Progress bars (default: on for full and 10x, off for small)."
)
def sample(
    settings: PrepareSettings,
    preset_name: str,
    seed: int,
    items: int | None,
    users: int | None,
    interactions: int | None,
    bad_lines: int | None,
    workers: int | None,
    compresslevel: int | None,
    listing_weight: str | None,
    progress: bool | None,
) -> None:
    """Generate a deterministic Video-Games-like category in the Amazon Reviews 2023 raw layout.

    Writes RAW_DIR/CATEGORY/meta_CATEGORY.jsonl.gz (every field of the real meta files, with the mess of a
    real catalogue: HTML, truncated and duplicated text, ALL CAPS, symbols, empty and very long
    descriptions; about half the rows fail notebook 01's title/description filter) and
    RAW_DIR/CATEGORY/CATEGORY.train.csv.gz (user_id,parent_asin,rating,timestamp,history; one row per
    interaction, grouped by user, oldest first). Users follow latent tastes (platform, genres, franchises,
    accessories), so next-item prediction is learnable.
    """
    category, raw_dir = settings.category, Path(settings.raw_dir)
    try:
        cfg = preset(
            preset_name,
            category=category,
            seed=seed,
            n_items=items,
            n_users=users,
            n_interactions=interactions,
            bad_lines=bad_lines,
            workers=workers or default_workers(),
            compresslevel=compresslevel,
            listing_weight=listing_weight,
            progress=progress,
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc

    from python_jobs.data.sample import generate

    report = generate(cfg, raw_dir, on_stage=click.echo if cfg.progress else None)
    total = sum(report.seconds.values())
    for path in (report.meta_path, report.csv_path):
        click.echo(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
    click.echo(
        f"{report.meta_lines:,} meta lines, {report.csv_rows:,} interaction rows, {report.users:,} users, "
        f"seed {cfg.seed}, {total:.1f} s "
        f"({', '.join(f'{k} {v:.1f} s' for k, v in report.seconds.items())})"
    )
    for bad in report.bad_lines:
        path = report.meta_path if bad.file == "meta" else report.csv_path
        click.echo(f"bad line: {path.name} line {bad.line_number}: {bad.kind}")
