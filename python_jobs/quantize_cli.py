"""`python -m python_jobs train-rqvae`: train (or reuse) a Semantic-ID quantizer and register it.

Defaults here equal the library defaults (`TrainConfig`, `RQVAEConfig`, `RQKMeansConfig`) and the stage-3
vars in dbt_project.yml (a unit test checks all three), so a model trained here with default settings is the
one `dbt build` finds in the registry. They are literals, not read from the dataclasses, so `--help` does not
import torch.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import click

from python_jobs.paths import CategoryPaths

# the options that are library settings (passed to build_spec by name)
SETTINGS = ["levels", "codebook_size", "latent_dim", "hidden_dims", "steps", "batch_size", "lr", "min_lr_ratio",
            "warmup_steps", "weight_decay", "grad_clip", "commitment", "recon_loss", "standardize", "gradient",
            "ae_warmup_steps", "kmeans_init", "kmeans_iters", "kmeans_max_items", "dead_code", "dead_code_every",
            "dead_code_until", "eval_every", "log_every", "val_fraction", "seed", "collision_policy", "n_init", "minibatch"]


def _hidden_dims(ctx, param, value: str) -> list[int]:
    try:
        dims = [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise click.BadParameter("comma-separated integers, e.g. 512,256,128") from None
    if not dims or min(dims) < 1:
        raise click.BadParameter("at least one positive width, e.g. 512,256,128")
    return dims


@click.command(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.option("--category", default="sample", show_default=True, help="Category; selects data/*/CATEGORY/ folders.")
@click.option("--embeddings", type=click.Path(dir_okay=False, path_type=Path),
              help="Embeddings parquet (parent_asin, embedding). Default: data/output/CATEGORY/item_embeddings.parquet "
                   "(written by `python -m python_jobs embed` or by dbt's item_embeddings model).")
@click.option("--quantizer", type=click.Choice(["rqvae", "rqkmeans"]), default="rqvae", show_default=True,
              help="rqvae: MLP autoencoder + residual codebooks; rqkmeans: residual k-means, no training loop.")
@click.option("--levels", default=3, show_default=True, type=click.IntRange(1), help="Code levels (3 + the collision index).")
@click.option("--codebook-size", default=256, show_default=True, type=click.IntRange(2), help="Codes per level.")
@click.option("--latent-dim", "--dims", "latent_dim", default=32, show_default=True, type=click.IntRange(1),
              help="RQ-VAE latent / code vector size.")
@click.option("--hidden-dims", default="512,256,128", show_default=True, callback=_hidden_dims,
              help="RQ-VAE encoder widths between the input and the latent (decoder mirrors them), SiLU between.")
@click.option("--steps", default=600, show_default=True, type=click.IntRange(2),
              help="Optimizer steps. Sized for the ~3k-item sample on CPU; use more (or --epochs) at full scale.")
@click.option("--epochs", type=click.IntRange(1),
              help="Set --steps to this many passes over the training items instead (full scale: e.g. 100-300).")
@click.option("--batch-size", default=512, show_default=True, type=click.IntRange(1), help="Items per step.")
@click.option("--lr", default=2e-3, show_default=True, type=click.FloatRange(0, min_open=True), help="AdamW peak learning rate.")
@click.option("--min-lr-ratio", default=0.02, show_default=True, type=click.FloatRange(0, 1),
              help="Cosine decay ends at lr x this.")
@click.option("--warmup-steps", default=50, show_default=True, type=click.IntRange(0), help="Linear learning-rate warm-up.")
@click.option("--weight-decay", default=0.01, show_default=True, type=click.FloatRange(0),
              help="AdamW weight decay on linear weights (never on codebooks or biases).")
@click.option("--grad-clip", default=1.0, show_default=True, type=click.FloatRange(0, min_open=True), help="Gradient-norm clip.")
@click.option("--commitment", default=0.25, show_default=True, type=click.FloatRange(0),
              help="Commitment weight beta on ||r - sg(q)||^2.")
@click.option("--recon-loss", type=click.Choice(["sum", "mean"]), default="sum", show_default=True,
              help="Reconstruction scaling: sum of squared errors over input dims (keeps it from being swamped by the "
                   "VQ terms on unit-norm embeddings) or per-dim mean (the original, prone to collapse).")
@click.option("--standardize/--no-standardize", default=True, show_default=True,
              help="Z-score each input dimension (training-item stats) before encoding; the other collapse remedy.")
@click.option("--gradient", type=click.Choice(["rotation", "ste"]), default="rotation", show_default=True,
              help="Gradient through the quantizer: rotation trick or straight-through estimator.")
@click.option("--ae-warmup-steps", default=150, show_default=True, type=click.IntRange(0),
              help="Autoencoder-only steps before k-means initialises the codebooks on the encoder's latents.")
@click.option("--kmeans-init/--no-kmeans-init", default=True, show_default=True,
              help="Initialise codebooks by k-means on encoded latents (off: uniform random init).")
@click.option("--kmeans-iters", default=100, show_default=True, type=click.IntRange(1),
              help="Lloyd iterations of the k-means init (RQ-VAE) or of each RQ-KMeans level.")
@click.option("--kmeans-max-items", default=65536, show_default=True, type=click.IntRange(1),
              help="RQ-VAE k-means init runs on at most this many (seeded) training items.")
@click.option("--dead-code", type=click.Choice(["reset", "none"]), default="reset", show_default=True,
              help="reset: a code no item used during a window is moved onto a random residual of the batch; none: never.")
@click.option("--dead-code-every", default=50, show_default=True, type=click.IntRange(1), help="Dead-code window, in steps.")
@click.option("--dead-code-until", default=0.6, show_default=True, type=click.FloatRange(0, 1),
              help="Re-seeding stops after this fraction of the steps; the model is selected only after it, so the "
                   "reported usage is what training kept, not what a reset forced.")
@click.option("--eval-every", default=100, show_default=True, type=click.IntRange(1),
              help="Evaluate (held-out reconstruction, IDs over all items), checkpoint and maybe select every N steps.")
@click.option("--log-every", default=10, show_default=True, type=click.IntRange(1), help="Training metrics every N steps.")
@click.option("--val-fraction", default=0.05, show_default=True, type=click.FloatRange(0, 0.5, max_open=True),
              help="Held-out share of items (seeded) used to select the checkpoint.")
@click.option("--seed", default=42, show_default=True, type=int, help="Seed for init, split, batches and k-means.")
@click.option("--collision-policy", type=click.Choice(["last_level", "none"]), default="last_level", show_default=True,
              help="After selection, items sharing all codes move to their nearest free last-level code (last_level; "
                   "items that were unique never move), or keep their nearest codes (none). The collision index "
                   "separates whatever still collides.")
@click.option("--n-init", default=1, show_default=True, type=click.IntRange(1), help="RQ-KMeans restarts per level.")
@click.option("--minibatch/--no-minibatch", default=False, show_default=True,
              help="RQ-KMeans with MiniBatchKMeans (faster, slightly worse).")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True,
              help="auto uses CUDA when torch sees a GPU. Not part of the registry key: a GPU-trained model serves CPU builds.")
@click.option("--data-dir", default="data", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="Root of output/, registry/ and wandb/.")
@click.option("--registry", "registry_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Model registry folder (default data/registry/CATEGORY).")
@click.option("--codes-out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write parent_asin, sid_0..sid_{L-1} to this parquet.")
@click.option("--force", is_flag=True, help="Retrain even if the registry holds this exact model.")
@click.option("--wandb-project", default="semantic-ids", show_default=True,
              help="W&B project; used only when WANDB_MODE=offline|online or WANDB_API_KEY is set.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def train_rqvae(category, embeddings, quantizer, epochs, device, data_dir, registry_dir, codes_out, force,
                wandb_project, quiet, **settings) -> None:
    """Train a Semantic-ID quantizer on item embeddings, or reuse the registered one.

    The registry entry (data/registry/CATEGORY/<quantizer>-<fingerprint>/) is keyed by the embeddings' content,
    the quantizer settings and the seed; it holds the selected model with its config, per-step metrics, the
    codes and a summary. A killed run resumes from its last checkpoint when started again with the same
    settings. Prints the entry's id; `dbt build` reuses it when its stage-3 vars match these settings, or
    `--vars '{sid_registry_model: <id>}'` pins it.
    """
    import pyarrow.parquet as pq

    from python_jobs.quantize import EmbeddingSet, Registry, build_spec, split_indices

    paths = CategoryPaths(category, data_dir)
    data = EmbeddingSet.from_parquet(embeddings or paths.out_dir / "item_embeddings.parquet")
    settings["hidden_dims"] = tuple(settings["hidden_dims"])
    if epochs:
        n_train = len(split_indices(data.n, settings["val_fraction"], settings["seed"])[0])
        settings["steps"] = epochs * math.ceil(n_train / settings["batch_size"])
    spec = build_spec(quantizer, data.dim, settings)
    registry = Registry(registry_dir or paths.registry_dir)
    result = registry.get_or_train(data, spec, device=device, wandb_project=wandb_project, data_dir=data_dir,
                                   force=force, progress=not quiet)
    if codes_out:
        codes_out.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(result.codes, codes_out)
    s = result.summary
    final = s["final"]
    click.echo(json.dumps({
        "model_id": result.run_dir.name, "trained": result.trained, "items": data.n, "dim": data.dim,
        "best_step": s["best_step"], "steps_per_epoch": s["steps_per_epoch"],
        "seconds_per_epoch": round(s["seconds_per_epoch"], 3), "train_seconds": round(s["train_seconds"], 1),
        "device": s["device"], "unique_share": round(final["unique_share"], 4), "max_group_size": final["max_group_size"],
        "unique_share_before_collision_policy": round(s["raw_final"]["unique_share"], 4),
        "usage": [round(u, 4) for u in final["usage"]], "perplexity": [round(p, 1) for p in final["perplexity"]],
        "val_rel_recon": round(s["best_metrics"]["val_rel_recon"], 4), "registry": str(result.run_dir),
    }, indent=2))
