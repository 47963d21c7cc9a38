"""Stage-3 settings: the `embedding_*`, `quantizer` and `sid_*` vars of dbt_project.yml, typed and checked.

The defaults live in dbt_project.yml only; this model validates them and turns them into the library's
configs (`embed_config()`, `quantizer_spec()`), for the dbt Python models and the CLI alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, NonNegativeInt, PositiveFloat, PositiveInt

from python_jobs.common.paths import CategoryPaths
from python_jobs.common.settings import StageSettings

Fraction = Field(ge=0.0, le=1.0)


class SemanticIdSettings(StageSettings):
    category: str
    # embeddings
    embedding_model: str
    embedding_batch_size: PositiveInt
    embedding_max_length: NonNegativeInt  # 0 = the model's default
    embedding_instruction: str  # "default" = the model's own; "" = none
    embedding_device: str
    embedding_dtype: Literal["float32", "float16", "bfloat16"]
    embedding_cache_dir: str  # "" = data/cache/<category>/embeddings
    # quantizer and registry
    quantizer: Literal["rqvae", "rqkmeans"]
    sid_registry_model: str  # "" = train or load by fingerprint
    sid_registry_dir: str  # "" = data/registry/<category>
    # stable IDs across catalogue refreshes (python_jobs.semantic_ids.stable)
    sid_mode: Literal["fresh", "assign"]  # assign = keep the pinned model's ledger IDs, place new items only
    sid_changed_items: Literal["keep", "reencode"]  # assign: an item whose text changed keeps its ID or not
    sid_reference_ids: str  # "" = the ledger next to the model; else a parquet of earlier IDs
    sid_levels: PositiveInt  # dbt builds need 3 (the Semantic-ID format); the CLI trains other shapes too
    sid_codebook_size: int = Field(ge=2)
    sid_latent_dim: PositiveInt
    sid_hidden_dims: tuple[PositiveInt, ...] = Field(min_length=1)
    sid_steps: int = Field(ge=2)
    sid_batch_size: PositiveInt
    sid_lr: PositiveFloat
    sid_min_lr_ratio: float = Fraction
    sid_warmup_steps: NonNegativeInt
    sid_weight_decay: float = Field(ge=0.0)
    sid_grad_clip: PositiveFloat
    sid_commitment: float = Field(ge=0.0)
    sid_recon_loss: Literal["sum", "mean"]
    sid_standardize: bool
    sid_gradient: Literal["rotation", "ste"]
    sid_ae_warmup_steps: NonNegativeInt
    sid_kmeans_init: bool
    sid_kmeans_iters: PositiveInt
    sid_kmeans_max_items: PositiveInt
    sid_dead_code: Literal["reset", "none"]
    sid_dead_code_every: PositiveInt
    sid_dead_code_until: float = Fraction
    sid_eval_every: PositiveInt
    sid_log_every: PositiveInt
    sid_val_fraction: float = Field(ge=0.0, lt=0.5)
    sid_seed: int
    sid_collision_policy: Literal["last_level", "none"]
    sid_n_init: PositiveInt
    sid_minibatch: bool
    sid_device: str
    wandb_project: str

    def paths(self, data_dir: Path | str = "data") -> CategoryPaths:
        return CategoryPaths(self.category, Path(data_dir))

    @property
    def embedding_cache(self) -> Path:
        return Path(self.embedding_cache_dir) if self.embedding_cache_dir else self.paths().cache_dir / "embeddings"

    @property
    def registry_dir(self) -> Path:
        return Path(self.sid_registry_dir) if self.sid_registry_dir else self.paths().registry_dir

    def embed_config(self):
        from python_jobs.semantic_ids.embed import EmbedConfig

        return EmbedConfig(
            model=self.embedding_model,
            batch_size=self.embedding_batch_size,
            max_length=self.embedding_max_length or None,
            instruction=None if self.embedding_instruction == "default" else self.embedding_instruction,
            device=self.embedding_device,
            dtype=self.embedding_dtype,
        )

    def quantizer_spec(self, input_dim: int):
        """The typed model + training config of `quantizer`, for embeddings of `input_dim` dimensions."""
        from python_jobs.semantic_ids.quantizer import QuantizerSpec, TrainConfig

        train = TrainConfig(
            steps=self.sid_steps,
            batch_size=self.sid_batch_size,
            lr=self.sid_lr,
            min_lr_ratio=self.sid_min_lr_ratio,
            warmup_steps=self.sid_warmup_steps,
            weight_decay=self.sid_weight_decay,
            grad_clip=self.sid_grad_clip,
            ae_warmup_steps=self.sid_ae_warmup_steps,
            kmeans_init=self.sid_kmeans_init,
            kmeans_max_items=self.sid_kmeans_max_items,
            kmeans_iters=self.sid_kmeans_iters,
            dead_code=self.sid_dead_code,
            dead_code_every=self.sid_dead_code_every,
            dead_code_until=self.sid_dead_code_until,
            eval_every=self.sid_eval_every,
            log_every=self.sid_log_every,
            val_fraction=self.sid_val_fraction,
            seed=self.sid_seed,
            collision_policy=self.sid_collision_policy,
        )
        if self.quantizer == "rqkmeans":
            from python_jobs.semantic_ids.rqkmeans import RQKMeansConfig

            model = RQKMeansConfig(
                input_dim=input_dim,
                levels=self.sid_levels,
                codebook_size=self.sid_codebook_size,
                standardize=self.sid_standardize,
                max_iter=self.sid_kmeans_iters,
                n_init=self.sid_n_init,
                minibatch=self.sid_minibatch,
            )
        else:
            from python_jobs.semantic_ids.rqvae import RQVAEConfig  # imports torch: only for the RQ-VAE

            model = RQVAEConfig(
                input_dim=input_dim,
                hidden_dims=self.sid_hidden_dims,
                latent_dim=self.sid_latent_dim,
                levels=self.sid_levels,
                codebook_size=self.sid_codebook_size,
                commitment=self.sid_commitment,
                gradient=self.sid_gradient,
                recon_loss=self.sid_recon_loss,
                standardize=self.sid_standardize,
            )
        return QuantizerSpec(self.quantizer, model, train)
