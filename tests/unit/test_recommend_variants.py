"""ID-scheme variants (rec_sid_variants): spelling and validation, the collision index of int_rec_variant_ids, and
each variant as its own sid_sasrec (catalogue, codebook, registry key)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from python_jobs.common.settings import SettingsError
from python_jobs.recommend.settings import RecommendSettings
from python_jobs.recommend.variants import CODES_SCHEMA, canonical, parse_variant, variant_catalogues
from tests.sql_models import run_sql_model


def test_a_variant_is_a_set_of_stage3_vars_spelt_one_way():
    assert parse_variant("sid_codebook_size=128  quantizer=rqkmeans") == {
        "sid_codebook_size": "128",
        "quantizer": "rqkmeans",
    }
    assert canonical("sid_codebook_size=128 quantizer=rqkmeans") == "quantizer=rqkmeans sid_codebook_size=128"
    settings = RecommendSettings.load({"rec_sid_variants": ["sid_levels=2  quantizer=rqkmeans"]})
    assert settings.rec_sid_variants == ["quantizer=rqkmeans sid_levels=2"]


@pytest.mark.parametrize(
    "variants, message",
    [
        (["quantizer=kmeans"], "'rqvae' or 'rqkmeans'"),  # refused as the stage-3 var would be
        (["sid_codebook_size=0"], "sid_codebook_size"),
        (["sid_lr=0.1"], "cannot vary"),
        (["rqkmeans"], "var=value"),
        (["quantizer=rqkmeans", "quantizer=rqkmeans "], "listed twice"),
    ],
)
def test_a_bad_variant_stops_the_run_naming_it(variants, message):
    with pytest.raises(SettingsError, match="rec_sid_variants") as error:
        RecommendSettings.load({"rec_sid_variants": variants})
    assert message in str(error.value)


def variant_codes(rows: list[tuple[str, str, list[int]]], codebook_size: int = 4) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "variant": v,
                "parent_asin": a,
                "codes": c,
                "levels": len(c),
                "codebook_size": codebook_size,
                "quantizer": "rqkmeans",
                "quantizer_model_id": "m",
                "quantizer_train_seconds": 1.0,
            }
            for v, a, c in rows
        ],
        schema=CODES_SCHEMA,
    )


def test_the_collision_index_follows_train_popularity_within_each_variant():
    codes = variant_codes(
        [
            ("v1", "A", [0, 1]),
            ("v1", "B", [0, 1]),
            ("v1", "C", [0, 1]),
            ("v1", "D", [2, 3]),
            ("v2", "A", [1, 1, 1]),
            ("v2", "B", [0, 0, 0]),
            ("v2", "C", [1, 1, 1]),
            ("v2", "D", [0, 0, 1]),
        ]
    )
    popularity = pa.table({"parent_asin": ["B", "C"], "popularity": [5, 9]})
    ids = run_sql_model("int_rec_variant_ids", {"int_rec_variant_codes": codes, "int_item_popularity": popularity})
    sid = {(r["variant"], r["parent_asin"]): r["sid"] for r in ids.to_pylist()}
    # v1: C (9) before B (5) before A (0); D alone
    assert [sid[("v1", a)] for a in "ABCD"] == [[0, 1, 2], [0, 1, 1], [0, 1, 0], [2, 3, 0]]
    # v2: C before A; levels of their own (3 codes + the index)
    assert [sid[("v2", a)] for a in "ABCD"] == [[1, 1, 1, 1], [0, 0, 0, 0], [1, 1, 1, 0], [0, 0, 1, 0]]
    catalogues = variant_catalogues(ids)
    assert list(catalogues) == ["v1", "v2"]
    catalogue, codebook = catalogues["v2"]
    assert codebook == 4 and list(catalogue.asins) == list("ABCD") and catalogue.codes.shape == (4, 4)
    assert np.array_equal(catalogue.codes[0], [1, 1, 1, 1])


def test_a_group_larger_than_the_codebook_stops_the_build():
    codes = variant_codes([("v", a, [0, 0]) for a in "ABC"], codebook_size=2)
    empty = pa.table({"parent_asin": pa.array([], pa.string()), "popularity": pa.array([], pa.int64())})
    with pytest.raises(Exception, match="more than 2 items share the codes"):
        run_sql_model("int_rec_variant_ids", {"int_rec_variant_codes": codes, "int_item_popularity": empty})


def test_each_variant_is_its_own_sid_sasrec_in_the_registry(tmp_path):
    from python_jobs.recommend.data import Catalogue
    from python_jobs.recommend.scoring import training_data
    from python_jobs.recommend.train import model_fingerprint
    from tests.unit.test_recommend_models import toy_catalogue, toy_sequences, toy_settings

    settings = toy_settings(tmp_path)
    ids = run_sql_model(
        "int_rec_variant_ids",
        {
            "int_rec_variant_codes": variant_codes(
                [("v", a, [int(a[1]), int(a[2]) % 2]) for a in toy_catalogue().column("parent_asin").to_pylist()]
            ),
            "int_item_popularity": pa.table({"parent_asin": ["I00"], "popularity": [3]}),
        },
    )
    variant, codebook = variant_catalogues(ids)["v"]
    build = Catalogue.from_arrow(toy_catalogue())
    assert list(variant.asins) == list(build.asins)  # the same items, other IDs
    train = toy_sequences(20, 1)
    keys = {
        model_fingerprint("sid_sasrec", training_data(c, train, None), settings.replace(sid_codebook_size=k))
        for c, k in ((build, 8), (variant, codebook), (variant, 8))
    }
    assert len(keys) == 3


def test_recommenders_and_curves_name_a_variant_s_model_as_the_ranks_do():
    """The registry summary of a variant's sid_sasrec says sid_sasrec; recommenders and rec_training_curves carry
    the ranks' (and rec_metrics') name sid_sasrec@<variant>, as the build's own sid_sasrec keeps its plain name."""
    ranks = pa.table(
        {
            "model": ["sid_sasrec", "sid_sasrec", "sid_sasrec@quantizer=rqkmeans"],
            "model_id": ["sid_sasrec-1", "sid_sasrec-1", "sid_sasrec-2"],
        }
    )
    summaries = {"model": ["sid_sasrec", "sid_sasrec"], "model_id": ["sid_sasrec-1", "sid_sasrec-2"]}
    numbers = ("parameters", "n_items", "train_sequences", "holdout_users", "epochs_run", "best_epoch", "steps")
    floats = ("holdout_ndcg_at_10", "train_seconds", "seconds_per_epoch")
    registry = pa.table(
        {**summaries, **{k: [1, 2] for k in numbers}, **{k: [0.5, 0.5] for k in floats}}
        | {"stopped_by": ["patience"] * 2, "device": ["cpu"] * 2, "config": ["{}"] * 2}
    )
    curves = pa.table(
        {**summaries, "epoch": [1, 1], **{k: [0.5, 0.5] for k in ("loss", "holdout_hit_at_10", "holdout_ndcg_at_10")}}
        | {"seconds": [1.0, 1.0]}
    )
    expected = [("sid_sasrec-1", "sid_sasrec"), ("sid_sasrec-2", "sid_sasrec@quantizer=rqkmeans")]
    for name, inputs in (
        ("recommenders", {"int_rec_model_ranks": ranks, "int_rec_registry_models": registry}),
        ("rec_training_curves", {"int_rec_model_ranks": ranks, "int_rec_registry_curves": curves}),
    ):
        out = run_sql_model(name, inputs)
        assert list(zip(out.column("model_id").to_pylist(), out.column("model").to_pylist())) == expected, name
