"""Stage-5 settings: the `rec_*` vars of dbt_project.yml (defaults live there only), validated."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import (
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    ValidationInfo,
    field_validator,
)

from python_jobs.common.paths import CategoryPaths
from python_jobs.common.settings import StageSettings, setting, uses
from python_jobs.prepare.settings import PrepareSettings
from python_jobs.semantic_ids.settings import SemanticIdSettings

ModelName = Literal["popularity", "transition", "sasrec_bce", "sasrec_ce", "sid_sasrec"]
REFERENCE_MODELS = ("popularity", "transition")  # scored in DuckDB SQL, nothing to train
NEURAL_MODELS = ("sasrec_bce", "sasrec_ce", "sid_sasrec")

# the original Semantic-ID SASRec's sizes (src/train_sasrec_semantic_id.py), for rec_sid_preset = original
ORIGINAL_SID_SIZES = {"rec_hidden": 384, "rec_blocks": 4, "rec_heads": 6, "rec_ffn": 1024, "rec_dropout": 0.1}


# evaluation-only, paths and devices: never part of a trained model's registry key
NOT_KEY = {"affects_model": False}


class RecommendSettings(
    uses(PrepareSettings, "category", "out_dir"),
    uses(SemanticIdSettings, "sid_registry_dir", "sid_codebook_size", "wandb_project"),
    StageSettings,
):
    flag_prefixes = ("rec_",)

    rec_models: list[ModelName] = setting("Rows of the comparison table, in this order.", min_length=1, **NOT_KEY)
    # the model's name (sasrec_ce / sasrec_bce) carries the loss into the key
    rec_loss: Literal["ce", "bce"] = setting(
        "sasrec's loss: ce = full softmax over the catalogue; bce = one sampled negative (the original).", **NOT_KEY
    )
    rec_ce_negatives: NonNegativeInt = setting(
        "sasrec_ce: 0 = full softmax over the catalogue; K > 0 = sampled softmax against K negatives shared by each "
        "batch, log-Q corrected, accidental hits masked.",
        affects_model=("sasrec_ce",),
    )
    rec_sid_negatives: NonNegativeInt = setting(
        "sid_sasrec's softmax over items (prefix_ngram, hybrid): 0 = full softmax; K > 0 = sampled as rec_ce_negatives, "
        "with the target's siblings under its first code scored exactly (factorised: always exact, small softmaxes).",
        affects_model=("sid_sasrec",),
    )
    rec_ce_sampler: Literal["uniform", "popularity"] = setting(
        "The sampled softmaxes' negatives: drawn uniformly or by training-target count + 1.",
        affects_model=("sasrec_ce", "sid_sasrec"),
    )
    rec_max_len: PositiveInt = setting("Most recent items a model reads.")
    rec_hidden: PositiveInt = setting("Embedding and hidden width.")
    rec_blocks: PositiveInt = setting("Transformer blocks.")
    rec_heads: PositiveInt = setting("Attention heads (must divide --hidden).")
    rec_ffn: PositiveInt = setting("Feed-forward width inside a block.")
    rec_dropout: float = setting("Dropout rate.", ge=0.0, lt=1.0)
    # for_model() turns the preset into the sizes above, which are in the key
    rec_sid_preset: Literal["matched", "original"] = setting(
        "sid_sasrec sizes: matched = the sizes above; original = 384 wide, 4 blocks, 6 heads, FFN 1024, dropout 0.1.",
        **NOT_KEY,
    )
    rec_sid_representation: Literal["factorised", "prefix_ngram", "hybrid"] = setting(
        "sid_sasrec's item representation: factorised = sum of code tokens, per-level softmaxes; prefix_ngram = sum "
        "of prefix n-gram vectors, one softmax over items; hybrid = prefix_ngram + a hashed item-ID vector.",
        affects_model=("sid_sasrec",),
    )
    rec_sid_item_buckets: PositiveInt = setting(
        "hybrid representation: rows of the hashed item-ID table.", affects_model=("sid_sasrec",)
    )
    # the variant's codes are in the catalogue hash of its model's key, its codebook size in sid_codebook_size
    rec_sid_variants: list[str] = setting(
        "ID-scheme variants, each a set of stage-3 vars 'var=value ...' (quantizer, sid_collision_policy, "
        "sid_codebook_size, sid_levels); each variant's IDs feed sid_sasrec as model 'sid_sasrec@<variant>'.",
        **NOT_KEY,
    )
    rec_epochs: PositiveInt = setting("Most epochs (a safety cap: early stopping should end training).")
    rec_patience: PositiveInt = setting("Stop after this many epochs without a better held-out NDCG@10.")
    rec_batch_size: PositiveInt = setting("Sequences per step.")
    rec_lr: PositiveFloat = setting("AdamW learning rate.")
    rec_warmup_steps: NonNegativeInt = setting("Linear lr warm-up steps.")
    rec_weight_decay: NonNegativeFloat = setting("AdamW weight decay on linear weights.")
    rec_holdout_share: float = setting(
        "Share of train users whose last item is held out for early stopping.", gt=0.0, lt=1.0
    )
    # the cut sequences are the training data, whose content hash is in the key already
    rec_cold_item_share: float = setting(
        "Share of catalogue items held out of training (hash bucket of parent_asin), so val has cold targets.",
        ge=0.0,
        lt=1.0,
        **NOT_KEY,
    )
    rec_seed: int = setting("Seed of init, batch order, dropout, negatives, hold-out.")
    # each seed is its own model (rec_seed + i is in the key); the count only says how many are trained
    rec_seeds: PositiveInt = setting(
        "Train each neural model with this many seeds (rec_seed, rec_seed + 1, ...); rec_metrics adds their mean and std.",
        **NOT_KEY,
    )
    rec_device: str = setting("auto (CUDA when present) | cpu | cuda[:N].", **NOT_KEY)
    rec_score_batch_size: NonNegativeInt = setting(
        "Users per scoring pass (early stopping and evaluation); 0 = auto: 256 on CPU, on CUDA as many as fill "
        "half the free GPU memory. Ranks do not depend on it.",
        **NOT_KEY,
    )
    rec_registry_dir: str = setting(
        "Model registry root ('' = sid_registry_dir, else data/registry/CATEGORY, shared with dbt build).", **NOT_KEY
    )
    rec_protocols: list[Literal["sampled", "full", "generative"]] = setting(
        "Evaluation protocols: sampled (the original's negatives), full (the whole catalogue), generative (a ranked "
        "list of rec_beam_width items per user: beam search over the Semantic-ID trie, or exhaustive top-K).",
        min_length=1,
        **NOT_KEY,
    )
    rec_beam_width: PositiveInt = setting(
        "Generative protocol: beams kept per level, and items in each user's list (its metrics are truncated there).",
        **NOT_KEY,
    )
    rec_eval_negatives: PositiveInt = setting("Sampled protocol: negatives per user.", flag="--negatives", **NOT_KEY)
    rec_eval_max_items: int = setting(
        "Sampled protocol: each val sequence is first cut to its last N items.", ge=2, **NOT_KEY
    )
    rec_eval_seed: int = setting("Seed of the sampled negatives and the bootstrap.", **NOT_KEY)
    rec_exclude_history: bool = setting(
        "Leave the items of the user's own history out of the full protocol's candidates (the target is ranked all "
        "the same; the sampled and generative protocols ignore this) and out of `recommend`'s top K (exhaustive "
        "scoring only: --beam refuses it).",
        flag="--exclude-history/--keep-history",
        **NOT_KEY,
    )
    rec_bootstrap_samples: PositiveInt = setting("Bootstrap resamples per interval.", flag="--bootstrap", **NOT_KEY)

    @field_validator("rec_sid_variants")
    @classmethod
    def _variants_are_stage3_vars(cls, variants: list[str]) -> list[str]:
        from python_jobs.recommend.variants import canonical, variant_settings

        out = [canonical(v) for v in variants]
        for text in out:
            variant_settings(SemanticIdSettings.load(), text)  # a bad value is refused as the stage-3 var would be
        if len(set(out)) != len(out):
            raise ValueError(f"a variant is listed twice: {out}")
        return out

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
