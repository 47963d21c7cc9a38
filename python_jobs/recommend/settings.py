"""Stage-5 settings: the `rec_*` vars of dbt_project.yml (defaults live there only), validated."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import (
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    ValidationInfo,
    field_validator,
)

from python_jobs.common.paths import CategoryPaths
from python_jobs.common.settings import StageSettings

ModelName = Literal["popularity", "transition", "sasrec_bce", "sasrec_ce", "sid_sasrec"]
REFERENCE_MODELS = ("popularity", "transition")  # scored in DuckDB SQL, nothing to train
NEURAL_MODELS = ("sasrec_bce", "sasrec_ce", "sid_sasrec")

# the original Semantic-ID SASRec's sizes (src/train_sasrec_semantic_id.py), for rec_sid_preset = original
ORIGINAL_SID_SIZES = {"rec_hidden": 384, "rec_blocks": 4, "rec_heads": 6, "rec_ffn": 1024, "rec_dropout": 0.1}


class RecommendSettings(StageSettings):
    category: str
    out_dir: str
    sid_registry_dir: str
    sid_codebook_size: PositiveInt
    wandb_project: str

    rec_models: list[ModelName] = Field(min_length=1)
    rec_loss: Literal["ce", "bce"]
    rec_max_len: PositiveInt
    rec_hidden: PositiveInt
    rec_blocks: PositiveInt
    rec_heads: PositiveInt
    rec_ffn: PositiveInt
    rec_dropout: float = Field(ge=0.0, lt=1.0)
    rec_sid_preset: Literal["matched", "original"]
    rec_epochs: PositiveInt
    rec_patience: PositiveInt
    rec_batch_size: PositiveInt
    rec_lr: PositiveFloat
    rec_warmup_steps: NonNegativeInt
    rec_weight_decay: NonNegativeFloat
    rec_holdout_share: float = Field(gt=0.0, lt=1.0)
    rec_seed: int
    rec_seeds: PositiveInt
    rec_device: str
    rec_registry_dir: str
    rec_protocols: list[Literal["sampled", "full"]] = Field(min_length=1)
    rec_eval_negatives: PositiveInt
    rec_eval_max_items: int = Field(ge=2)
    rec_eval_seed: int
    rec_exclude_history: bool
    rec_bootstrap_samples: PositiveInt

    @field_validator("rec_heads")
    @classmethod
    def _heads_divide_width(cls, heads: int, info: ValidationInfo) -> int:
        hidden = info.data.get("rec_hidden")
        if hidden and hidden % heads:
            raise ValueError(f"must divide rec_hidden ({hidden})")
        return heads

    def registry_root(self) -> Path:
        """rec_registry_dir, else stage 3's registry (one registry per build), else data/registry/<category>."""
        return Path(self.rec_registry_dir or self.sid_registry_dir or CategoryPaths(self.category).registry_dir)

    def for_model(self, model: str) -> RecommendSettings:
        """The settings a model trains with: sid_sasrec under the `original` preset takes the original's sizes."""
        if model == "sid_sasrec" and self.rec_sid_preset == "original":
            return self.replace(**ORIGINAL_SID_SIZES)
        return self
