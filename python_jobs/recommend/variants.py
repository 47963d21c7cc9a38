"""ID-scheme variants (var rec_sid_variants): other Semantic IDs for the same items, each fed to sid_sasrec.

A variant is a set of stage-3 vars written `var=value var=value` ("quantizer=rqkmeans",
"sid_collision_policy=none sid_codebook_size=128"); the other stage-3 vars are the build's. Its codes come from the
stage-3 model registry (python_jobs.semantic_ids.registry: trained once per embeddings x settings, then loaded), its
collision index from the same popularity rule as semantic_ids (SQL: int_rec_variant_ids), and its sid_sasrec is
the model `sid_sasrec@<variant>` in every stage-5 table (python_jobs.recommend.scoring).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from python_jobs.semantic_ids.settings import SemanticIdSettings

VARIANT_VARS = ("quantizer", "sid_collision_policy", "sid_codebook_size", "sid_levels")
MODEL_PREFIX = "sid_sasrec@"
CODES_SCHEMA = pa.schema(
    [
        ("variant", pa.string()),
        ("parent_asin", pa.string()),
        ("codes", pa.list_(pa.int32())),
        ("levels", pa.int32()),
        ("codebook_size", pa.int32()),
        ("quantizer", pa.string()),
        ("quantizer_model_id", pa.string()),
        ("quantizer_train_seconds", pa.float64()),
    ]
)


def parse_variant(text: str) -> dict[str, str]:
    """'quantizer=rqkmeans sid_codebook_size=128' -> {'quantizer': 'rqkmeans', 'sid_codebook_size': '128'}."""
    pairs = [p.split("=", 1) for p in text.split()]
    if not pairs or any(len(p) != 2 or not p[1] for p in pairs):
        raise ValueError(f"{text!r}: write a variant as var=value pairs, e.g. 'quantizer=rqkmeans sid_levels=3'")
    unknown = sorted({k for k, _ in pairs} - set(VARIANT_VARS))
    if unknown:
        raise ValueError(f"{text!r}: {unknown} cannot vary; a variant sets some of {list(VARIANT_VARS)}")
    if len({k for k, _ in pairs}) != len(pairs):
        raise ValueError(f"{text!r}: a var is set twice")
    return dict(pairs)


def variant_settings(base: SemanticIdSettings, text: str) -> SemanticIdSettings:
    """The build's stage-3 settings with the variant's vars (validated as stage-3 vars)."""
    return base.replace(**parse_variant(text))


def canonical(text: str) -> str:
    """One spelling per variant: its pairs in VARIANT_VARS order, single spaces."""
    pairs = parse_variant(text)
    return " ".join(f"{k}={pairs[k]}" for k in VARIANT_VARS if k in pairs)


def variant_codes(embeddings: pa.Table, variants: list[str], base: SemanticIdSettings) -> pa.Table:
    """int_rec_variant_codes: every item's learned codes under each variant (train-or-load in the stage-3 registry,
    under the variant's collision policy), in (variant order, parent_asin) order."""
    from python_jobs.semantic_ids.embeddings import EmbeddingSet
    from python_jobs.semantic_ids.registry import QuantizerRegistry

    if not variants:
        return CODES_SCHEMA.empty_table()
    data = EmbeddingSet.from_arrow(embeddings)
    parts = []
    for text in variants:
        s = variant_settings(base, text)
        result = QuantizerRegistry(s.registry_dir).get_or_train(
            data, s.quantizer_spec(data.dim), device=s.sid_device, wandb_project=s.wandb_project, progress=False
        )
        codes = np.stack([result.codes.column(f"sid_{i}").to_numpy() for i in range(s.sid_levels)], 1)
        n = len(codes)
        parts.append(
            pa.table(
                {
                    "variant": [text] * n,
                    "parent_asin": result.codes.column("parent_asin"),
                    "codes": pa.array(codes.astype(np.int32).tolist(), pa.list_(pa.int32())),
                    "levels": pa.array([s.sid_levels] * n, pa.int32()),
                    "codebook_size": pa.array([s.sid_codebook_size] * n, pa.int32()),
                    "quantizer": [s.quantizer] * n,
                    "quantizer_model_id": [result.run_dir.name] * n,
                    "quantizer_train_seconds": [float(result.summary["train_seconds"])] * n,
                },
                schema=CODES_SCHEMA,
            )
        )
    return pa.concat_tables(parts)


def variant_catalogues(ids: pa.Table) -> dict[str, tuple[object, int]]:
    """int_rec_variant_ids (variant, parent_asin, sid: the codes + collision index, codebook_size) -> per variant
    (Catalogue in parent_asin order, codebook size), in the table's variant order."""
    from python_jobs.recommend.data import Catalogue

    out: dict[str, tuple[Catalogue, int]] = {}
    rows = ids.to_pylist()
    for variant in dict.fromkeys(r["variant"] for r in rows):
        mine = sorted((r["parent_asin"], r["sid"], r["codebook_size"]) for r in rows if r["variant"] == variant)
        asins = np.asarray([a for a, _, _ in mine], dtype=object)
        codes = np.asarray([s for _, s, _ in mine], dtype=np.int64)
        out[variant] = (Catalogue(asins, codes), int(mine[0][2]))
    return out
