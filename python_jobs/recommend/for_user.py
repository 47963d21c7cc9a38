"""One user's top-K from any stage-5 model: what `python -m python_jobs recommend` prints.

Read-only: the history comes from a user's sequence in sequences_train / sequences_val (the whole sequence: what
comes next after everything known) or from a list of ASINs; titles from items, Semantic IDs from semantic_ids (the
parquet stage 1-3 wrote under out_dir); trained models from the registry (never trained here: NotTrained says how).
Every model scores the whole catalogue and the top K are taken with ties by Semantic ID (as in beam search);
sid_sasrec can instead generate its list by constrained beam search (`beam=True`, width rec_beam_width).
    popularity   occurrences in the train users' sequences
    transition   (times the item directly followed the history's last item in training, popularity), in that order:
                 the SQL reference row's rule (int_rec_reference_ranks.sql)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import torch

from python_jobs.generate.beam import TopK, exhaustive_top_k
from python_jobs.generate.trie import CodeTrie
from python_jobs.recommend.data import Catalogue, Sequences
from python_jobs.recommend.settings import REFERENCE_MODELS, RecommendSettings

TABLES = ("semantic_ids", "items", "sequences_train", "sequences_val")


class UnknownInput(LookupError):
    """A user, ASIN or output file the request names does not exist."""


@dataclass(frozen=True)
class Outputs:
    catalogue: Catalogue
    semantic_ids: pa.Table
    titles: dict[str, str]
    train: pa.Table
    val: pa.Table

    @classmethod
    def read(cls, out_dir: str | Path, category: str) -> Outputs:
        folder = Path(out_dir) / category
        missing = [str(folder / f"{t}.parquet") for t in TABLES if not (folder / f"{t}.parquet").is_file()]
        if missing:
            raise UnknownInput(
                f"missing {', '.join(missing)}: build stages 1-3 first, e.g. dbt build --vars '{{category: {category}}}'"
            )
        tables = {t: pq.read_table(folder / f"{t}.parquet") for t in TABLES}
        items = tables["items"].select(["parent_asin", "title"]).to_pylist()
        return cls(
            Catalogue.from_arrow(tables["semantic_ids"]),
            tables["semantic_ids"],
            {r["parent_asin"]: r["title"] or "" for r in items},
            tables["sequences_train"],
            tables["sequences_val"],
        )

    def user_history(self, user_id: str) -> list[str]:
        for split in (self.val, self.train):
            for user, sequence in zip(split.column("user_id").to_pylist(), split.column("sequence").to_pylist()):
                if user == user_id:
                    return list(sequence)
        raise UnknownInput(f"user {user_id!r} is in neither sequences_train nor sequences_val")

    def history_indices(self, asins: list[str]) -> np.ndarray:
        index = self.catalogue.index()
        unknown = [a for a in asins if a not in index]
        if unknown:
            raise UnknownInput(f"not in the catalogue (semantic_ids): {', '.join(unknown)}")
        if not asins:
            raise UnknownInput("the history is empty: give at least one ASIN")
        return np.asarray([index[a] for a in asins], dtype=np.int64)


def reference_scores(name: str, train: Sequences, n_items: int, history: np.ndarray) -> torch.Tensor:
    """[N] popularity or transition scores of items 1..N (as columns 0..N-1)."""
    items = np.concatenate(train.items) if train.items else np.zeros(0, dtype=np.int64)
    popularity = np.bincount(items, minlength=n_items + 1)[1:].astype(np.float64)
    if name == "popularity":
        return torch.from_numpy(popularity)
    follows = np.zeros(n_items + 1)
    for seq in train.items:
        np.add.at(follows, seq[1:][seq[:-1] == history[-1]], 1)
    return torch.from_numpy(follows[1:] * (popularity.max() + 1) + popularity)  # lexicographic: followers first


def recommend(
    name: str, outputs: Outputs, history: np.ndarray, settings: RecommendSettings, k: int, beam: bool = False
) -> tuple[TopK, str]:
    """The top k items (rows 0..N-1) for a history of catalogue indices, and the model's id ('sql' for the reference
    rows). Raises NotTrained when the registry lacks the model for these data and settings."""
    from python_jobs.recommend.generative import beam_generator, model_generate
    from python_jobs.recommend.train import TrainingData, get_or_train, score_histories

    catalogue = outputs.catalogue
    train = Sequences.from_arrow(outputs.train, catalogue)
    trie = CodeTrie.from_codes(catalogue.codes, settings.sid_codebook_size)
    exclude = torch.from_numpy(history - 1) if settings.rec_exclude_history else None
    if name in REFERENCE_MODELS:
        scores, model_id = reference_scores(name, train, catalogue.n_items, history), "sql"
    else:
        trained = get_or_train(name, TrainingData(catalogue, train), settings, train=False)
        model_id, label = trained.model_id, f"{name} ({trained.model_id})"
        if beam:
            width = max(k, settings.rec_beam_width)
            top = model_generate(beam_generator, trained.model, trie, settings.rec_max_len, width, label)([history])
            return TopK(top.items[:, :k], top.scores[:, :k], top.codes[:, :k]), model_id
        device = next(trained.model.parameters()).device.type
        ((_, scores),) = score_histories(trained.model, [history], settings.rec_max_len, device, 1)
        scores = scores[0, 1:].double()
    if exclude is not None:
        scores[exclude] = float("-inf")
    return exhaustive_top_k(scores[None], trie, k), model_id


def top_k_text(top: TopK, outputs: Outputs, title_chars: int = 80) -> str:
    """rank, parent_asin, Semantic ID, score, title: one line per item of the first list."""
    sids = dict(
        zip(
            outputs.semantic_ids.column("parent_asin").to_pylist(),
            outputs.semantic_ids.column("semantic_id").to_pylist(),
        )
    )
    rows = [("rank", "parent_asin", "semantic_id", "score", "title")]
    for rank, (item, score) in enumerate(zip(top.items[0].tolist(), top.scores[0].tolist()), 1):
        if item < 0:
            break
        asin = str(outputs.catalogue.asins[item])
        title = outputs.titles.get(asin, "")
        rows.append((str(rank), asin, sids[asin], f"{score:.4g}", title[:title_chars]))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join("  ".join([*(c.ljust(w) for c, w in zip(r[:4], widths)), r[4]]) for r in rows)
