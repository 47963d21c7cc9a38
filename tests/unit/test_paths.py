from pathlib import Path

import pytest

from python_jobs.common.paths import CategoryPaths, validate_category, validate_category_schema


@pytest.mark.parametrize("name", ["Video_Games", "sample", "All_Beauty", "X1"])
def test_valid_categories(name):
    assert validate_category(name) == name


@pytest.mark.parametrize("name", ["", "../etc", "a/b", "Video-Games", "a b", "cat;drop", "..", "é"])
def test_invalid_categories_cannot_name_a_path(name):
    with pytest.raises(ValueError, match="letters, digits and underscore"):
        validate_category(name)


def test_category_paths_follow_the_raw_layout():
    paths = CategoryPaths("Video_Games", Path("data"))
    assert paths.meta_file == Path("data/raw/Video_Games/meta_Video_Games.jsonl.gz")
    assert paths.interactions_file == Path("data/raw/Video_Games/Video_Games.train.csv.gz")
    assert paths.out_dir == Path("data/output/Video_Games")
    with pytest.raises(ValueError):
        CategoryPaths("../x")


@pytest.mark.parametrize("name", ["system", "System", "TEMP", "memory", "main", "information_schema", "pg_catalog"])
def test_duckdb_own_names_cannot_be_a_category_schema(name):
    with pytest.raises(ValueError, match="DuckDB uses"):
        validate_category_schema(name, ["warehouse"])


@pytest.mark.parametrize(("name", "catalog"), [("Office", "office"), ("office", "Office"), ("sample", "sample")])
def test_a_category_named_like_a_catalog_is_refused(name, catalog):
    with pytest.raises(ValueError, match="collides with the warehouse's catalog"):
        validate_category_schema(name, ["system", "temp", catalog])


def test_other_categories_pass_the_schema_check():
    assert validate_category_schema("Office", ["warehouse", "system", "temp"]) == "Office"
    with pytest.raises(ValueError, match="letters, digits and underscore"):
        validate_category_schema("a.b", ["warehouse"])


def test_category_paths_honour_the_out_dir_and_raw_dir_vars():
    paths = CategoryPaths.from_vars({"category": "Office", "raw_dir": "/mnt/raw", "out_dir": "/mnt/out"})
    assert paths.out_dir == Path("/mnt/out/Office")
    assert paths.meta_file == Path("/mnt/raw/Office/meta_Office.jsonl.gz")
    assert paths.cache_dir == Path("data/cache/Office")  # not a var: under data_dir
