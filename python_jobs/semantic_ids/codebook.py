"""Distances from residuals to codebook vectors: one definition for the RQ-VAE (torch) and RQ-KMeans (numpy)."""

from __future__ import annotations

from typing import TypeVar

A = TypeVar("A")  # numpy.ndarray or torch.Tensor: only operators both support are used


def squared_distances(r: A, codebook: A) -> A:
    """[N, K] squared Euclidean distances from each row of r [N, D] to each code of codebook [K, D].

    Expanded as |r|^2 - 2 r.c + |c|^2, so the [N, K, D] difference tensor is never built."""
    return (r * r).sum(-1)[:, None] - 2 * (r @ codebook.T) + (codebook * codebook).sum(-1)[None, :]
