"""The report of the shared sample build, as a user makes it (the CLI) and sees it (a real headless Chromium).

Chromium is Debian's `chromium` package, which `.ci/run` installs; where it is missing the browser tests skip,
unless SID_REQUIRE_CHROMIUM=1 (CI) makes that a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from python_jobs.report.sections import SECTIONS
from tests.dbt_helpers import REPO, DbtProject

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# the flags a sandboxed, offline machine needs (no background connections, no GPU, root without a sandbox)
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]
# appended to a copy of the page: after load, what the browser made of every image and section
PROBE = """<pre id="probe-result"></pre><script>
addEventListener("load", () => {
  const images = [...document.images];
  document.getElementById("probe-result").textContent = JSON.stringify({
    images: images.length,
    loaded: images.filter((i) => i.complete && i.naturalWidth > 0).length,
    pageHeight: document.documentElement.scrollHeight,
    sections: [...document.querySelectorAll("main > section")].map((s) => ({
      id: s.id, built: s.dataset.built, height: s.getBoundingClientRect().height,
      images: s.querySelectorAll("img").length, rows: s.querySelectorAll("tbody tr").length })),
  });
});
</script>"""


@pytest.fixture(scope="module")
def report_file(sample_build: DbtProject, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("report") / "report.html"
    done = subprocess.run(
        [sys.executable, "-m", "python_jobs", "report", "--category", "sample", "--out-dir", str(sample_build.out_dir),
         "--output", str(target)],
        cwd=REPO, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "6 of 7 sections built" in done.stdout
    return target


def chromium(*args: str, user_data: Path) -> str:
    if CHROMIUM is None:
        if os.environ.get("SID_REQUIRE_CHROMIUM") == "1":
            pytest.fail("chromium is not installed (apt-get install chromium), and SID_REQUIRE_CHROMIUM=1")
        pytest.skip("chromium not installed (Debian package chromium; .ci/run installs it)")
    done = subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={user_data}", *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_every_section_shows_the_build_s_own_numbers(report_file: Path, sample_build: DbtProject):
    html = report_file.read_text()
    # every stage a default build runs; stage 6 (key "llm") is off unless llm_evaluate, so its section says so
    assert re.findall(r'<section id="([\w-]+)" data-built="yes"', html) == [s.key for s in SECTIONS if s.key != "llm"]
    assert re.findall(r'<section id="([\w-]+)" data-built="no"', html) == ["llm"]
    out = sample_build.out_dir / "sample"
    rec = duckdb.sql(
        f"select value, ci_low, ci_high from '{out}/rec_metrics.parquet' "
        "where model = 'sid_sasrec' and protocol = 'full' and metric = 'hit@10'"
    ).fetchall()[0]
    assert "{:.3f} [{:.3f}, {:.3f}]".format(*rec) in html
    stage5 = html.split('<section id="recommenders"')[1].split("</section>")[0]
    assert "<li><b>not built</b><span>generative ranking" in stage5  # rec_protocols has no generative by default
    items = duckdb.sql(f"select count(*) from '{out}/items.parquet'").fetchall()[0][0]
    assert f'<td class="num">{items:,}</td>' in html  # the last stage-1 step's rows out
    assert "http://" not in html.replace("http://www.w3.org/", "")  # nothing to fetch: works offline
    assert "<script" not in html


def test_chromium_loads_every_image_and_no_section_is_empty(report_file: Path, tmp_path):
    probe_page = tmp_path / "probe.html"
    probe_page.write_text(report_file.read_text().replace("</body>", PROBE + "</body>"))
    dom = chromium("--virtual-time-budget=10000", "--dump-dom", probe_page.as_uri(), user_data=tmp_path / "profile")
    found = re.search(r'<pre id="probe-result">(.*?)</pre>', dom, re.S)
    assert found and found.group(1), "the probe did not run"
    probe = json.loads(found.group(1))
    assert probe["images"] >= 15 and probe["loaded"] == probe["images"]
    assert [s["id"] for s in probe["sections"]] == [s.key for s in SECTIONS]
    for section in probe["sections"]:
        if section["id"] == "llm":  # stage 6: not in a default build
            assert section["built"] == "no", section
            continue
        assert section["built"] == "yes" and section["images"] >= 1 and section["rows"] >= 1, section
        assert section["height"] > 300, section


def test_chromium_screenshot_shows_the_page(report_file: Path, tmp_path):
    from PIL import Image

    shot = tmp_path / "report.png"
    chromium("--window-size=1280,2400", f"--screenshot={shot}", report_file.as_uri(), user_data=tmp_path / "profile")
    image = Image.open(shot).convert("L")
    assert image.size == (1280, 2400)
    histogram = image.histogram()
    inked = sum(histogram[:200]) / (image.size[0] * image.size[1])  # pixels darker than the page's near-white
    assert inked > 0.03, f"only {inked:.1%} of the screenshot is drawn"
