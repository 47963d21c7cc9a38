"""RQ-VAE for Semantic IDs, in one file.

An MLP encoder maps an item embedding to a small latent; a residual quantizer replaces that latent with a
sum of one code vector per level (level l quantizes what levels < l left over); an MLP decoder maps the
quantized latent back to the embedding. The per-level code indices are the item's Semantic ID.

    x --(standardize)--> encoder --> z --ResidualQuantizer--> q = q_0 + q_1 + q_2 --> decoder --> x_hat
                                         codes (c_0, c_1, c_2)

Loss = recon(x_hat, x) + sum_l [ ||sg(r_l) - q_l||^2  +  commitment * ||r_l - sg(q_l)||^2 ].

Choices that differ from the original (see notes/reference on codebook collapse):
* inputs are z-scored per dimension and the reconstruction term is a *sum* over input dimensions, so a
  unit-norm 384/1024-d input does not give a per-dim MSE of ~1e-4 that the 32-d VQ terms swamp (either remedy
  alone helps; both together gave the best IDs on the sample and on Industrial);
* codebooks are initialised by k-means on latents of a *trained* encoder (the trainer warms the
  autoencoder up first), not on the output of a random encoder;
* dead codes are re-seeded only during the first part of training, so final usage is learned, not forced;
* codebooks get no weight decay (the trainer builds the parameter groups with `param_groups`).

Training (optimizer, schedule, checkpoints, held-out selection) lives in `python_jobs.semantic_ids.train`; this
file is the model.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import NamedTuple

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from python_jobs.semantic_ids.codebook import squared_distances


@dataclass(frozen=True)
class RQVAEConfig:
    input_dim: int
    hidden_dims: tuple[int, ...]
    latent_dim: int
    levels: int
    codebook_size: int
    commitment: float  # beta: weight of ||r - sg(q)||^2 (the encoder's pull towards its code)
    gradient: str  # "rotation" (Fifty et al. 2024) or "ste" (straight-through)
    recon_loss: str  # "sum": squared error summed over input dims; "mean": per-dim MSE (the original)
    standardize: bool  # z-score inputs per dimension (stats from the training items) before encoding

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden_dims", tuple(int(h) for h in self.hidden_dims))
        if self.gradient not in ("rotation", "ste"):
            raise ValueError(f"gradient must be 'rotation' or 'ste', not {self.gradient!r}")
        if self.recon_loss not in ("sum", "mean"):
            raise ValueError(f"recon_loss must be 'sum' or 'mean', not {self.recon_loss!r}")
        if min(self.input_dim, self.latent_dim, self.levels, self.codebook_size) < 1:
            raise ValueError("input_dim, latent_dim, levels and codebook_size must be positive")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["hidden_dims"] = list(self.hidden_dims)
        return d


def mlp(dims: list[int]) -> nn.Sequential:
    """Linear layers with SiLU between them and none after the last (the latent / output is unbounded)."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(dims[:-1], dims[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(dims) - 2:
            layers.append(nn.SiLU())
    return nn.Sequential(*layers)


def rotate_to(r: Tensor, q: Tensor, eps: float = 1e-8) -> Tensor:
    """Rotation trick: returns q in the forward pass; the gradient reaches r through the fixed rotation and
    rescaling that maps r onto q (Fifty et al. 2024), so it keeps the angle between r and its code."""
    r_norm = r.norm(dim=-1, keepdim=True).clamp_min(eps)
    q_norm = q.norm(dim=-1, keepdim=True).clamp_min(eps)
    u = (r / r_norm).detach()
    q_hat = (q / q_norm).detach()
    w = F.normalize(u + q_hat, dim=-1, eps=eps).detach()
    rotated = r - 2 * (r * w).sum(-1, keepdim=True) * w + 2 * (r * u).sum(-1, keepdim=True) * q_hat
    return (q_norm / r_norm).detach() * rotated


def nearest_code(r: Tensor, codebook: Tensor) -> Tensor:
    """Index of the closest code (squared Euclidean distance; first index on ties)."""
    return squared_distances(r, codebook).argmin(dim=1)


class QuantizerOutput(NamedTuple):
    quantized: Tensor  # [N, D] sum of the per-level codes, carrying the chosen gradient estimator
    codes: Tensor  # [N, L] int64
    residuals: Tensor  # [N, L, D] input of each level, detached (used to re-seed dead codes)
    codebook_loss: Tensor  # sum over levels of ||sg(r_l) - q_l||^2 (mean over items and dims)
    commitment_loss: Tensor  # sum over levels of ||r_l - sg(q_l)||^2


class ResidualQuantizer(nn.Module):
    def __init__(self, levels: int, codebook_size: int, dim: int, gradient: str = "rotation") -> None:
        super().__init__()
        self.gradient = gradient
        bound = 1.0 / codebook_size
        self.codebooks = nn.Parameter(torch.empty(levels, codebook_size, dim).uniform_(-bound, bound))
        # set by `kmeans_init`; saved with the weights so a resumed run does not initialise twice
        self.register_buffer("initialized", torch.zeros((), dtype=torch.bool))

    @property
    def levels(self) -> int:
        return self.codebooks.shape[0]

    def forward(self, z: Tensor) -> QuantizerOutput:
        r = z
        out = torch.zeros_like(z)
        codes, residuals = [], []
        codebook_loss = z.new_zeros(())
        commitment_loss = z.new_zeros(())
        for level in range(self.levels):
            cb = self.codebooks[level]
            idx = nearest_code(r.detach(), cb.detach())
            q = cb[idx]
            codebook_loss = codebook_loss + F.mse_loss(q, r.detach())
            commitment_loss = commitment_loss + F.mse_loss(r, q.detach())
            out = out + (rotate_to(r, q) if self.gradient == "rotation" else r + (q - r).detach())
            codes.append(idx)
            residuals.append(r.detach())
            r = r - q.detach()
        return QuantizerOutput(out, torch.stack(codes, 1), torch.stack(residuals, 1), codebook_loss, commitment_loss)

    @torch.no_grad()
    def encode(self, z: Tensor) -> Tensor:
        r, codes = z, []
        for level in range(self.levels):
            idx = nearest_code(r, self.codebooks[level])
            codes.append(idx)
            r = r - self.codebooks[level][idx]
        return torch.stack(codes, 1)

    @torch.no_grad()
    def last_level_distances(self, z: Tensor) -> Tensor:
        """Squared distances [N, K] from each item's last-level residual to every last-level code (used to move
        colliding items to their next-nearest free code, see collisions.resolve_collisions)."""
        r = z
        for level in range(self.levels - 1):
            r = r - self.codebooks[level][nearest_code(r, self.codebooks[level])]
        return squared_distances(r, self.codebooks[-1])

    @torch.no_grad()
    def decode_codes(self, codes: Tensor) -> Tensor:
        return sum(self.codebooks[level][codes[:, level]] for level in range(self.levels))

    @torch.no_grad()
    def kmeans_init(self, z: Tensor, seed: int, max_iter: int = 100) -> None:
        """Level by level: k-means on the current residuals, centres become the codebook, residuals move on."""
        from sklearn.cluster import KMeans  # heavy import, only needed once per training

        k = self.codebooks.shape[1]
        if z.shape[0] < k:
            raise ValueError(f"k-means init needs at least codebook_size={k} items, got {z.shape[0]}")
        r = z.detach().to("cpu", torch.float64).numpy()
        for level in range(self.levels):
            km = KMeans(n_clusters=k, n_init=1, max_iter=max_iter, random_state=seed + level).fit(r)
            centres = km.cluster_centers_
            self.codebooks.data[level] = torch.as_tensor(
                centres, dtype=self.codebooks.dtype, device=self.codebooks.device
            )
            r = r - centres[km.predict(r)]
        self.initialized.fill_(True)

    @torch.no_grad()
    def reseed(self, level: int, dead: Tensor, candidates: Tensor, generator: torch.Generator) -> int:
        """Move the dead codes of one level onto residuals drawn (without replacement where possible) from
        `candidates`; returns how many codes moved."""
        n_dead = int(dead.sum())
        if n_dead == 0 or candidates.shape[0] == 0:
            return 0
        if candidates.shape[0] >= n_dead:
            pick = torch.randperm(candidates.shape[0], generator=generator)[:n_dead]
        else:
            pick = torch.randint(candidates.shape[0], (n_dead,), generator=generator)
        self.codebooks.data[level, dead] = candidates[pick.to(candidates.device)].to(self.codebooks.dtype)
        return n_dead


class RQVAEOutput(NamedTuple):
    loss: Tensor
    recon_loss: Tensor
    codebook_loss: Tensor
    commitment_loss: Tensor
    codes: Tensor
    residuals: Tensor
    x_hat: Tensor  # in the (standardised) space the loss is computed in


class RQVAE(nn.Module):
    def __init__(self, config: RQVAEConfig) -> None:
        super().__init__()
        self.config = config
        dims = [config.input_dim, *config.hidden_dims, config.latent_dim]
        self.encoder = mlp(dims)
        self.decoder = mlp(dims[::-1])
        self.quantizer = ResidualQuantizer(config.levels, config.codebook_size, config.latent_dim, config.gradient)
        # identity unless `set_input_stats` is called (config.standardize)
        self.register_buffer("input_mean", torch.zeros(config.input_dim))
        self.register_buffer("input_scale", torch.ones(config.input_dim))

    @torch.no_grad()
    def set_input_stats(self, x: Tensor) -> None:
        if self.config.standardize:
            self.input_mean.copy_(x.mean(0))
            self.input_scale.copy_(x.std(0).clamp_min(1e-6))

    def prepare(self, x: Tensor) -> Tensor:
        return (x - self.input_mean) / self.input_scale

    def recon(self, x_hat: Tensor, x: Tensor) -> Tensor:
        err = (x_hat - x).pow(2)
        return err.sum(-1).mean() if self.config.recon_loss == "sum" else err.mean()

    def forward(self, x: Tensor, quantize: bool = True) -> RQVAEOutput:
        xs = self.prepare(x)
        z = self.encoder(xs)
        if not quantize:  # autoencoder warm-up before the codebooks are initialised
            x_hat = self.decoder(z)
            zero = x.new_zeros(())
            empty = torch.zeros(x.shape[0], 0, dtype=torch.long, device=x.device)
            rec = self.recon(x_hat, xs)
            return RQVAEOutput(rec, rec, zero, zero, empty, z.detach()[:, None, :], x_hat)
        qo = self.quantizer(z)
        x_hat = self.decoder(qo.quantized)
        rec = self.recon(x_hat, xs)
        loss = rec + qo.codebook_loss + self.config.commitment * qo.commitment_loss
        return RQVAEOutput(loss, rec, qo.codebook_loss, qo.commitment_loss, qo.codes, qo.residuals, x_hat)

    @torch.no_grad()
    def latents(self, x: Tensor) -> Tensor:
        return self.encoder(self.prepare(x))

    @torch.no_grad()
    def encode(self, x: Tensor) -> Tensor:
        return self.quantizer.encode(self.latents(x))

    @torch.no_grad()
    def last_level_distances(self, x: Tensor) -> Tensor:
        return self.quantizer.last_level_distances(self.latents(x))

    @torch.no_grad()
    def reconstruct(self, x: Tensor) -> Tensor:
        """Decoded embedding in the original input space (standardisation undone)."""
        codes = self.encode(x)
        return self.decoder(self.quantizer.decode_codes(codes)) * self.input_scale + self.input_mean

    def param_groups(self, weight_decay: float) -> list[dict]:
        """Weight decay on the linear weights only: decaying codebooks pulls codes towards 0 (original bug)."""
        decay = [p for n, p in self.named_parameters() if n.endswith("weight") and p.ndim == 2 and "codebooks" not in n]
        no_decay = [
            p for n, p in self.named_parameters() if not (n.endswith("weight") and p.ndim == 2 and "codebooks" not in n)
        ]
        return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
