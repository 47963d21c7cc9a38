"""The code trie over a catalogue's Semantic IDs: which codes exist under which prefix.

Item i of a catalogue of N items has L codes (sid_0..sid_3: three quantizer levels + the collision index), each
in 0..K-1. Two views of one structure, both built by `build_trie`:
  `TrieLevel` (numpy, per level)   what sid_sasrec's exact scorer and training mask read (catalogue items 1..N,
                                   row 0 = padding, as the models index items)
  `CodeTrie` (torch)               what beam search walks (python_jobs.generate.beam): per level, the valid codes
                                   under each prefix and the child node each (prefix, code) leads to.
Node numbering: the length-l prefixes are numbered in lexicographic order of their codes (np.unique), so a node id
orders like its code tuple, and the (prefix, code) pairs of level l are exactly the prefixes of level l + 1: the
child of a pair IS its node at the next level. At the last level a node is a full ID, one item when IDs are unique.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class TrieLevel:
    """Level l of the code trie over catalogue items 1..N (row 0 of every item array is padding)."""

    item_prefix: np.ndarray  # [N+1] id of the item's length-l prefix
    prefix_tokens: np.ndarray  # [P_l, l] token ids of each distinct length-l prefix
    child_parent: np.ndarray  # [C_l] parent prefix of each distinct (prefix, code) pair
    child_code: np.ndarray  # [C_l] the pair's code at level l
    item_child: np.ndarray  # [N+1] the item's pair
    valid: np.ndarray  # [P_l, K] bool: code c exists under prefix p


def build_trie(tokens: np.ndarray, codebook_size: int) -> list[TrieLevel]:
    """tokens [N+1, L] (row 0 = padding, 0s) -> one TrieLevel per level."""
    n_rows, levels = tokens.shape
    codes = (tokens[1:] - 1) - np.arange(levels) * codebook_size  # [N, L] codes in 0..K-1
    out = []
    for level in range(levels):
        if level == 0:
            item_prefix = np.zeros(n_rows - 1, dtype=np.int64)
        else:
            item_prefix = np.unique(codes[:, :level], axis=0, return_inverse=True)[1].ravel()
        pairs, item_child = np.unique(codes[:, : level + 1], axis=0, return_inverse=True)
        item_child = item_child.ravel()
        n_prefixes = int(item_prefix.max()) + 1
        prefix_tokens = np.zeros((n_prefixes, level), dtype=np.int64)
        prefix_tokens[item_prefix] = tokens[1:, :level]
        child_parent = np.zeros(len(pairs), dtype=np.int64)
        child_parent[item_child] = item_prefix
        valid = np.zeros((n_prefixes, codebook_size), dtype=bool)
        valid[child_parent, pairs[:, level]] = True
        pad = np.zeros(1, dtype=np.int64)
        out.append(
            TrieLevel(
                np.concatenate([pad, item_prefix]),
                prefix_tokens,
                child_parent,
                pairs[:, level].astype(np.int64),
                np.concatenate([pad, item_child]),
                valid,
            )
        )
    return out


def item_tokens(codes: np.ndarray, codebook_size: int) -> np.ndarray:
    """codes [N, L] (catalogue order) -> tokens [N+1, L]: row 0 = padding (0), token = 1 + level * K + code."""
    codes = np.asarray(codes, dtype=np.int64)
    if codes.min() < 0 or codes.max() >= codebook_size:
        raise ValueError(f"codes must lie in 0..{codebook_size - 1}")
    body = 1 + np.arange(codes.shape[1]) * codebook_size + codes
    return np.concatenate([np.zeros((1, codes.shape[1]), dtype=np.int64), body])


@dataclass(frozen=True)
class CodeTrie:
    """The trie as beam search reads it; built from codes [N, L] (item row i = codes[i]), full IDs unique.

    pair_key[l]    [P_{l+1}] sorted keys p * K + c of the existing (length-l prefix node p, code c) pairs; a pair's
                   position is its node at level l + 1 (at the last level: its leaf, one item)
    first_item[l]  [P_{l+1}] the lowest item row under each of those nodes (a representative: a scorer that keeps
                   one vector per prefix, like prefix_ngram's, finds the vector through any item under it)
    leaf_item      [N] the item row of each leaf; item_leaf [N] its inverse (the rank of the item's code tuple)
    """

    codebook_size: int
    codes: torch.Tensor
    pair_key: list[torch.Tensor]
    first_item: list[torch.Tensor]
    leaf_item: torch.Tensor
    item_leaf: torch.Tensor

    @property
    def levels(self) -> int:
        return len(self.pair_key)

    @property
    def n_items(self) -> int:
        return len(self.leaf_item)

    @classmethod
    def from_codes(cls, codes: np.ndarray, codebook_size: int) -> CodeTrie:
        codes = np.asarray(codes, dtype=np.int64)
        levels = build_trie(item_tokens(codes, codebook_size), codebook_size)
        item_leaf = levels[-1].item_child[1:]
        if len(np.unique(item_leaf)) != len(item_leaf):
            raise ValueError(
                "two items share a full Semantic ID: the last level (collision index) must make IDs unique"
            )
        rows = np.arange(len(item_leaf))
        leaf_item = np.empty_like(item_leaf)
        leaf_item[item_leaf] = rows
        pair_key, first_item = [], []
        for level in levels:
            pair_key.append(torch.from_numpy(level.child_parent * codebook_size + level.child_code))
            first = np.full(len(level.child_code), len(rows), dtype=np.int64)
            np.minimum.at(first, level.item_child[1:], rows)
            first_item.append(torch.from_numpy(first))
        return cls(
            codebook_size,
            torch.from_numpy(codes),
            pair_key,
            first_item,
            torch.from_numpy(leaf_item),
            torch.from_numpy(item_leaf),
        )

    def to(self, device: torch.device | str) -> CodeTrie:
        return CodeTrie(
            self.codebook_size,
            self.codes.to(device),
            [t.to(device) for t in self.pair_key],
            [t.to(device) for t in self.first_item],
            self.leaf_item.to(device),
            self.item_leaf.to(device),
        )

    def children(self, level: int, nodes: torch.Tensor) -> torch.Tensor:
        """nodes [...] length-`level` prefix nodes -> [..., K] the child node of each code (-1: no such code)."""
        keys = nodes[..., None] * self.codebook_size + torch.arange(self.codebook_size, device=nodes.device)
        table = self.pair_key[level]
        at = torch.searchsorted(table, keys).clamp(max=len(table) - 1)
        return torch.where(table[at] == keys, at, -1)
