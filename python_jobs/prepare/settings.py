"""Stage-1 settings: where a category's files live and which items and sequences are kept (block "stage 1")."""

from __future__ import annotations

from pydantic import PositiveInt

from python_jobs.common.settings import StageSettings, setting

# paths and names never change what a model learns from given data
_PLACE = {"affects_model": False}


class PrepareSettings(StageSettings):
    category: str = setting("Category: the data/*/CATEGORY/ folders and the warehouse schema.", **_PLACE)
    raw_dir: str = setting(
        "Raw files live in RAW_DIR/CATEGORY/ (sample and download write them, dbt reads them).", **_PLACE
    )
    out_dir: str = setting("dbt writes its outputs to OUT_DIR/CATEGORY/*.parquet (the CLIs read them there).", **_PLACE)
    # a length must be longer than the limit, so -1 keeps items whose title or description is empty
    # (a titles-only category: min_description_length -1)
    min_title_length: int = setting("Keep items whose title is longer than this many characters (-1: keep all).", ge=-1)
    min_description_length: int = setting(
        "... and whose joined description is longer than this (-1: keep items without a description).", ge=-1
    )
    min_sequence_length: PositiveInt = setting("Drop sequences shorter than this (after removing unknown items).")
    max_sequence_length: PositiveInt = setting("Keep the last N items of a sequence.")
    max_line_bytes: PositiveInt = setting("Raw lines longer than this many bytes are rejects.")
