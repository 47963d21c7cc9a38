"""Residual k-means (RQ-KMeans): the no-training baseline quantizer behind the same interface as the RQ-VAE.

Level 0 runs k-means on the embeddings; level l runs k-means on what the earlier levels left over
(x - c_0 - ... - c_{l-1}). Codes are the nearest centre per level. GRID and other peers report it is as good
as an RQ-VAE for retrieval; its known weakness is a higher collision rate (uneven cluster sizes).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from python_jobs.semantic_ids.codebook import squared_distances


@dataclass(frozen=True)
class RQKMeansConfig:
    input_dim: int
    levels: int
    codebook_size: int
    standardize: bool  # z-score inputs per dimension before clustering (as the RQ-VAE; same dbt var)
    max_iter: int  # Lloyd iterations per level
    n_init: int  # k-means restarts per level (best inertia kept)
    minibatch: bool  # MiniBatchKMeans: faster on very large catalogues, slightly worse clusters

    def __post_init__(self) -> None:
        if min(self.input_dim, self.levels, self.codebook_size, self.max_iter, self.n_init) < 1:
            raise ValueError("input_dim, levels, codebook_size, max_iter and n_init must be positive")

    def to_dict(self) -> dict:
        return asdict(self)


class RQKMeans:
    kind = "rqkmeans"

    def __init__(self, config: RQKMeansConfig) -> None:
        self.config = config
        self.mean = np.zeros(config.input_dim, dtype=np.float64)
        self.scale = np.ones(config.input_dim, dtype=np.float64)
        self.centres = np.zeros((config.levels, config.codebook_size, config.input_dim), dtype=np.float64)

    def _prepare(self, x: np.ndarray) -> np.ndarray:
        return (np.asarray(x, dtype=np.float64) - self.mean) / self.scale

    def fit(self, x: np.ndarray, seed: int) -> RQKMeans:
        from sklearn.cluster import KMeans, MiniBatchKMeans  # heavy import, only when fitting

        k = self.config.codebook_size
        x = np.asarray(x, dtype=np.float64)
        if x.shape[0] < k:
            raise ValueError(f"RQ-KMeans needs at least codebook_size={k} items, got {x.shape[0]}")
        if x.shape[1] != self.config.input_dim:
            raise ValueError(f"embeddings have {x.shape[1]} dims, config says input_dim={self.config.input_dim}")
        if self.config.standardize:
            self.mean = x.mean(0)
            self.scale = np.maximum(x.std(0), 1e-6)
        r = self._prepare(x)
        for level in range(self.config.levels):
            if self.config.minibatch:
                km = MiniBatchKMeans(
                    n_clusters=k,
                    n_init=self.config.n_init,
                    max_iter=self.config.max_iter,
                    batch_size=4096,
                    random_state=seed + level,
                )
            else:
                km = KMeans(
                    n_clusters=k, n_init=self.config.n_init, max_iter=self.config.max_iter, random_state=seed + level
                )
            km.fit(r)
            self.centres[level] = km.cluster_centers_
            r = r - self.centres[level][self._nearest(r, level)]
        return self

    def _nearest(self, r: np.ndarray, level: int) -> np.ndarray:
        out = np.empty(r.shape[0], dtype=np.int64)
        for start in range(0, r.shape[0], 8192):  # bounded memory: 8192 x K distances at a time
            out[start : start + 8192] = squared_distances(r[start : start + 8192], self.centres[level]).argmin(1)
        return out

    def encode(self, x: np.ndarray) -> np.ndarray:
        r = self._prepare(x)
        codes = np.empty((r.shape[0], self.config.levels), dtype=np.int64)
        for level in range(self.config.levels):
            codes[:, level] = self._nearest(r, level)
            r = r - self.centres[level][codes[:, level]]
        return codes

    def last_level_distances(self, x: np.ndarray) -> np.ndarray:
        """Squared distances [N, K] from each item's last-level residual to every last-level centre."""
        r = self._prepare(x)
        last = self.config.levels - 1
        for level in range(last):
            r = r - self.centres[level][self._nearest(r, level)]
        return squared_distances(r, self.centres[last])

    def reconstruct(self, x: np.ndarray) -> np.ndarray:
        codes = self.encode(x)
        approx = sum(self.centres[level][codes[:, level]] for level in range(self.config.levels))
        return approx * self.scale + self.mean

    def state_dict(self) -> dict:
        return {"mean": self.mean, "scale": self.scale, "centres": self.centres}

    def load_state_dict(self, state: dict) -> None:
        self.mean = np.asarray(state["mean"], dtype=np.float64)
        self.scale = np.asarray(state["scale"], dtype=np.float64)
        self.centres = np.asarray(state["centres"], dtype=np.float64)
