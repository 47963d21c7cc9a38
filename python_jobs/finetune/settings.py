"""Stage-4 settings: the `ft_*` vars of block "stage 4" (the SQL models read them with var(); checked here)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, NonNegativeInt, PositiveInt

from python_jobs.common.settings import StageSettings, setting

Share = Annotated[float, Field(ge=0.0, le=1.0)]


class FinetuneSettings(StageSettings):
    flag_prefixes = ("ft_",)

    ft_system_prompt: str = setting("System message of every conversation.")
    ft_heldout_item_share: float = setting(
        "Share of items whose ID-recall records form split heldout, not train.", ge=0.0, lt=1.0
    )
    ft_heldout_types: list[str] = setting("The ID-recall types that the held-out items are kept out of.")
    ft_heldout_salt: str = setting("Salt of the held-out item bucket; change to re-draw.")
    ft_sample_salt: str = setting("Salt of record_hash: the records' order, sampling and F's example users.")
    ft_task_weights: dict[str, Share] = setting("task -> share of its distinct records kept (0..1).")
    ft_task_caps: dict[str, NonNegativeInt] = setting("task -> at most this many records per split.")
    ft_sid_separator: str = setting("Between IDs in a list (histories, examples).")
    ft_max_history: PositiveInt = setting("Items shown by C's `history` (the <|rec|> prompt).")
    ft_copurchase_window: PositiveInt = setting("E co-purchase: pairs at most this many positions apart.")
    ft_similar_max: PositiveInt = setting("D similar_products: at most this many IDs sharing the first two codes.")
    ft_prefix_examples: PositiveInt = setting("D prefix_examples: IDs listed per prefix.")
    ft_description_excerpt_chars: PositiveInt = setting("B description_to_sid: first characters of the description.")
    ft_description_snippet_offsets: list[NonNegativeInt] = setting(
        "B description_contains_to_sid: snippet start offsets.", min_length=1
    )
    ft_description_snippet_chars: PositiveInt = setting("B description_contains_to_sid: snippet length.")
    ft_sequence_example_lengths: list[PositiveInt] = setting(
        "F sequence_length_example: lengths L (first L IDs of a user).", min_length=1
    )
    ft_memory_limit: str = setting("DuckDB memory limit of the stage-4 models; '' = DuckDB's default.")
