"""Stage-3 settings: the `embedding_*`, `quantizer` and `sid_*` vars of dbt_project.yml, typed and checked.

The defaults live in dbt_project.yml only; this model validates them and turns them into the library's
configs (`embed_config()`, `quantizer_spec()`), for the dbt Python models and the CLI alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import NonNegativeInt, PositiveFloat, PositiveInt

from python_jobs.common.settings import StageSettings, setting, uses
from python_jobs.prepare.settings import PrepareSettings

Fraction = {"ge": 0.0, "le": 1.0}
VAE = ("rqvae",)  # affects only an RQ-VAE's registry key
KMEANS = ("rqkmeans",)
# covered by the embeddings' content hash in the key, or used only after the quantizer is trained
NOT_KEY = {"affects_model": False}


class SemanticIdSettings(uses(PrepareSettings, "category", "out_dir"), StageSettings):
    flag_prefixes = ("embedding_", "sid_")

    # embeddings
    embedding_model: str = setting(
        "'minilm' (packaged offline all-MiniLM-L6-v2, 384-d), 'Qwen/Qwen3-Embedding-0.6B' (1024-d, last-token "
        "pooling; needs the weights in the local HF cache or --allow-download), or any sentence-transformers name "
        "or local folder.",
        **NOT_KEY,
    )
    embedding_batch_size: PositiveInt = setting("Texts per encoder batch.", **NOT_KEY)
    embedding_max_length: NonNegativeInt = setting(
        "Max tokens per text; 0 = the model's default (MiniLM 256, Qwen 2048).", **NOT_KEY
    )
    embedding_instruction: str = setting(
        "Prefix put before every text: 'default' = the model's own (none for MiniLM, the original's "
        "'Instruct: ...\\nQuery: ' task prompt for Qwen3), '' = none.",
        **NOT_KEY,
    )
    embedding_device: str = setting("auto (CUDA when present), cpu, cuda or cuda:N.", **NOT_KEY)
    embedding_dtype: Literal["float32", "float16", "bfloat16"] = setting(
        "Encoder precision; half precision only on a GPU. Part of the cache key.", **NOT_KEY
    )
    embedding_cpu_precision: Literal["bf16-autocast", "fp32"] = setting(
        "How the float32 encoder runs on the CPU: bf16-autocast = matrix products in bf16, LayerNorm, softmax "
        "and pooling in fp32 (1.5-2.0x less CPU time than fp32 where the CPU has AVX512-BF16 or AMX; cosine to fp32 "
        ">= 0.9999, benchmarks/bench_embed.py); fp32 = the plain model (pick it on a CPU without native bf16). "
        "A GPU and a half-precision embedding_dtype keep their own path. Part of the cache key.",
        **NOT_KEY,
    )
    embedding_cache_dir: str = setting(
        "Embedding cache folder ('' = data/cache/CATEGORY/embeddings; shared with dbt's item_embeddings).", **NOT_KEY
    )
    # quantizer and registry
    quantizer: Literal["rqvae", "rqkmeans"] = setting(
        "rqvae: MLP autoencoder + residual codebooks; rqkmeans: residual k-means, no training loop."
    )
    sid_registry_model: str = setting(
        "Pin a registry entry by id (e.g. rqvae-0123abcd4567ef89); '' = train or load by fingerprint.", **NOT_KEY
    )
    sid_registry_dir: str = setting(
        "Model registry folder ('' = data/registry/CATEGORY).", flag="--registry", **NOT_KEY
    )
    # stable IDs across catalogue refreshes (python_jobs.semantic_ids.stable)
    sid_mode: Literal["fresh", "assign"] = setting(
        "fresh = IDs from today's catalogue; assign = keep the pinned model's ledger IDs, place new items only.",
        **NOT_KEY,
    )
    sid_changed_items: Literal["keep", "reencode"] = setting(
        "assign: an item whose text changed keeps its ID (keep) or gets a new one (reencode).", **NOT_KEY
    )
    sid_reference_ids: str = setting(
        "'' = the pinned model's ledger; a path = a parquet of earlier IDs to keep instead.", **NOT_KEY
    )
    sid_levels: PositiveInt = setting("Code levels (dbt builds need 3).")
    sid_codebook_size: int = setting("Codes per level.", ge=2)
    sid_latent_dim: PositiveInt = setting(
        "RQ-VAE latent / code size.", flag=("--latent-dim", "--dims"), affects_model=VAE
    )
    sid_hidden_dims: tuple[PositiveInt, ...] = setting(
        "RQ-VAE encoder widths between the input and the latent (decoder mirrors them), SiLU between.",
        min_length=1,
        affects_model=VAE,
    )
    sid_steps: int = setting(
        "Optimizer steps. The default is sized for the ~3k-item sample on CPU; use --epochs at full scale.",
        ge=2,
        affects_model=VAE,
    )
    sid_batch_size: PositiveInt = setting("Items per step.", affects_model=VAE)
    sid_lr: PositiveFloat = setting("AdamW peak learning rate.", affects_model=VAE)
    sid_min_lr_ratio: float = setting("Cosine decay ends at lr x this.", **Fraction, affects_model=VAE)
    sid_warmup_steps: NonNegativeInt = setting("Linear learning-rate warm-up.", affects_model=VAE)
    sid_weight_decay: float = setting(
        "AdamW weight decay on linear weights (never on codebooks or biases).", ge=0.0, affects_model=VAE
    )
    sid_grad_clip: PositiveFloat = setting("Gradient-norm clip.", affects_model=VAE)
    sid_commitment: float = setting("Commitment weight beta on ||r - sg(q)||^2.", ge=0.0, affects_model=VAE)
    sid_recon_loss: Literal["sum", "mean"] = setting(
        "Reconstruction scaling: sum of squared errors over input dims (keeps it from being swamped by the VQ "
        "terms on unit-norm embeddings) or per-dim mean (the original, prone to collapse).",
        affects_model=VAE,
    )
    sid_standardize: bool = setting(
        "Z-score each input dimension (training-item stats) before encoding; the other collapse remedy."
    )
    sid_gradient: Literal["rotation", "ste"] = setting(
        "Gradient through the quantizer: rotation trick or straight-through estimator.", affects_model=VAE
    )
    sid_ae_warmup_steps: NonNegativeInt = setting(
        "Autoencoder-only steps before k-means initialises the codebooks on the encoder's latents.",
        affects_model=VAE,
    )
    sid_kmeans_init: bool = setting(
        "Initialise codebooks by k-means on encoded latents (off: uniform random init).", affects_model=VAE
    )
    sid_kmeans_iters: PositiveInt = setting("Lloyd iterations of the k-means init (RQ-VAE) or of each RQ-KMeans level.")
    sid_kmeans_max_items: PositiveInt = setting(
        "RQ-VAE k-means init runs on at most this many (seeded) training items.", affects_model=VAE
    )
    sid_dead_code: Literal["reset", "none"] = setting(
        "reset: a code no item used during a window is moved onto a random residual of the batch; none: never.",
        affects_model=VAE,
    )
    sid_dead_code_every: PositiveInt = setting("Dead-code window, in steps.", affects_model=VAE)
    sid_dead_code_until: float = setting(
        "Re-seeding stops after this fraction of the steps; the model is selected only after it, so the reported "
        "usage is what training kept, not what a reset forced.",
        **Fraction,
        affects_model=VAE,
    )
    sid_eval_every: PositiveInt = setting(
        "Evaluate (held-out reconstruction, IDs over all items), checkpoint and maybe select every N steps.",
        affects_model=VAE,
    )
    sid_log_every: PositiveInt = setting("Training metrics every N steps.", **NOT_KEY)
    sid_val_fraction: float = setting("Held-out share of items (seeded) used to select the checkpoint.", ge=0.0, lt=0.5)
    sid_seed: int = setting("Seed for init, split, batches and k-means.")
    sid_collision_policy: Literal["last_level", "none"] = setting(
        "After selection, items sharing all codes move to their nearest free last-level code (last_level; items "
        "that were unique never move), or keep their nearest codes (none). The collision index separates "
        "whatever still collides."
    )
    sid_n_init: PositiveInt = setting("RQ-KMeans restarts per level.", affects_model=KMEANS)
    sid_minibatch: bool = setting("RQ-KMeans with MiniBatchKMeans (faster, slightly worse).", affects_model=KMEANS)
    sid_device: str = setting(
        "auto (CUDA when torch sees a GPU), cpu, cuda or cuda:N. Not part of the registry key: a GPU-trained "
        "model serves CPU builds.",
        **NOT_KEY,
    )
    wandb_project: str = setting(
        "W&B project; used only when WANDB_MODE=offline|online or WANDB_API_KEY is set.", **NOT_KEY
    )
    # sequences in Semantic IDs (SQL: int_user_split)
    sid_val_share: float = setting("Share of users in the validation split.", gt=0.0, lt=1.0, **NOT_KEY)
    sid_split_salt: str = setting("Salt of the user bucket md5(user_id || salt); change to re-draw.", **NOT_KEY)

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
            cpu_precision=self.embedding_cpu_precision,
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
        return QuantizerSpec(self.quantizer, model, train, key=self.model_key(self.quantizer))
