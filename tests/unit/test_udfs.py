import duckdb
import pytest

from udfs import functions
from udfs.registry import register_all


@pytest.fixture
def con():
    connection = duckdb.connect()
    register_all(connection)
    yield connection
    connection.close()


def test_strip_tags_removes_leftover_tags_and_collapses_space(con):
    text = "<clean_title>Super  Racer <b>Deluxe</b></clean_title>\n Edition"
    assert con.execute("select strip_tags(?)", [text]).fetchone()[0] == "Super Racer Deluxe Edition"
    assert con.execute("select strip_tags(null)").fetchone()[0] is None


def test_strip_tags_keeps_comparisons_that_are_not_tags():
    assert functions.strip_tags("for ages 3 < 5 and 7 > 2") == "for ages 3 < 5 and 7 > 2"


def test_require_file_names_the_fix(tmp_path, con):
    missing = tmp_path / "meta_x.jsonl.gz"
    with pytest.raises(duckdb.Error, match="python -m python_jobs download --category x"):
        con.execute("select require_file(?, 'python -m python_jobs download --category x')", [str(missing)]).fetchall()
    missing.write_bytes(b"")
    with pytest.raises(duckdb.Error, match="is empty"):
        con.execute("select require_file(?, 'hint')", [str(missing)]).fetchall()
    missing.write_bytes(b"x")
    assert con.execute("select require_file(?, 'hint')", [str(missing)]).fetchone()[0] == str(missing)


def test_ensure_dir_creates_nested_folders(tmp_path, con):
    target = tmp_path / "a" / "b"
    con.execute("select ensure_dir(?)", [str(target)]).fetchall()
    assert target.is_dir()


@pytest.mark.parametrize(
    ("content", "lines"),
    [
        (b"", 0),
        (b"a\n", 1),
        (b"a\nb", 2),  # an unterminated last line is a line
        (b"a\r\n\nb\n", 3),  # a blank line is a line; \r\n is one end of line
        (b"\xff\xfe\n{\n", 2),  # bytes, not text: invalid UTF-8 cannot hide a line
    ],
)
def test_count_raw_lines_counts_newlines_of_the_decompressed_file(tmp_path, con, content, lines):
    import gzip

    plain, packed = tmp_path / "f.csv", tmp_path / "f.csv.gz"
    plain.write_bytes(content)
    with gzip.open(packed, "wb") as f:
        f.write(content)
    assert functions.count_raw_lines(str(plain)) == lines
    assert con.execute("select count_raw_lines(?)", [str(packed)]).fetchone()[0] == lines
