"""Metadata normalisation: one spelling per value, null-likes are null, lists are lists, unknown keys counted."""

from __future__ import annotations

import pytest

from python_jobs.enrich.normalize import MetadataValidationError, normalize_metadata, normalize_platforms


@pytest.mark.parametrize("spelling", ["PS4", "PlayStation 4", "Playstation4", "ps-4", "Sony PlayStation 4", "PS 4"])
def test_every_playstation_4_spelling_is_one_platform(spelling):
    assert normalize_platforms(spelling) == ["PlayStation 4"]


def test_platform_lists_are_split_deduplicated_and_keep_order():
    assert normalize_platforms(["PS4", "PlayStation 4", "Xbox One/PC", "Nintendo Switch"]) == [
        "PlayStation 4",
        "Xbox One",
        "PC",
        "Nintendo Switch",
    ]
    assert normalize_platforms("Xbox Series X/S") == ["Xbox Series X|S"]  # one platform, not two
    assert normalize_platforms("Wii U, Wii") == ["Wii U", "Wii"]
    assert normalize_platforms("Amiga") == ["Amiga"]  # unknown ones are kept


@pytest.mark.parametrize("value", ["null", "None", "N/A", "n/a", "NA", "", "  ", "unknown", "Not applicable", None])
def test_null_like_strings_become_null(value):
    meta = normalize_metadata({"product_type": "Game", "brand": value, "franchise": value, "platform": value})
    assert meta.brand is None and meta.franchise is None and meta.platform == []


def test_scalar_and_list_shapes_are_forced():
    meta = normalize_metadata(
        {
            "product_type": ["DLC|Bundle"],
            "platform": "PS5",
            "genre": "Action, RPG",
            "multiplayer": ["single player", "Online Multiplayer"],
            "brand": ["Nintendo", "Sega"],
            "hardware_type": "controller",
        }
    )
    assert meta.product_type == "DLC"  # first recognised part of "DLC|Bundle"
    assert meta.platform == ["PlayStation 5"] and meta.genre == ["Action", "RPG"]
    assert meta.multiplayer == "Single-player, Online Multiplayer"
    assert meta.brand == "Nintendo" and meta.hardware_type == "Controller"


def test_product_type_is_a_closed_set():
    assert normalize_metadata({"product_type": "Video Game"}).product_type == "Game"
    assert normalize_metadata({"product_type": "Spaceship"}).product_type == "Other"
    assert normalize_metadata({"product_type": "null"}).product_type is None


def test_unknown_keys_are_dropped_and_reported():
    meta = normalize_metadata(
        {"Product Type": "Game", "platforms": ["PC"], "features": ["x"], "rating": 5, "sub_franchise": "y"}
    )
    assert meta.product_type == "Game" and meta.platform == ["PC"]
    assert meta.dropped_keys == ["features", "rating", "sub_franchise"]


@pytest.mark.parametrize("raw", [["Game"], "Game", 3, {"features": 1}, {"brand": {"name": "x"}}])
def test_unusable_answers_are_rejected(raw):
    with pytest.raises(MetadataValidationError):
        normalize_metadata(raw)
