from pathlib import Path

import pytest

from python_jobs.common.paths import CategoryPaths, validate_category


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
