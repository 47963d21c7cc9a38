"""Run dbt as a user does (a subprocess in the repo root) against an isolated warehouse, for end-to-end tests."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO / ".." / "shared" / "data"
SAMPLE_RAW = REPO / "data" / "raw" / "sample"
DBT = str(Path(sys.executable).with_name("dbt"))


@dataclass
class DbtResult:
    success: bool
    output: str


@dataclass
class DbtProject:
    """One isolated build: its own warehouse file, target dir and output dir under a temp folder."""

    root: Path
    vars: dict = field(default_factory=dict)

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def out_dir(self) -> Path:
        return self.root / "output"

    def invoke(self, *args: str, vars: dict | None = None, env: dict | None = None) -> DbtResult:
        """Run `dbt <args>`; returns success and the combined output (never raises on model errors)."""
        all_vars = {"out_dir": str(self.out_dir), **self.vars, **(vars or {})}
        command = [
            DBT,
            *args,
            "--vars",
            json.dumps(all_vars),
            "--target-path",
            str(self.root / "target"),
            "--log-path",
            str(self.root / "logs"),
        ]
        environment = {
            **os.environ,
            "SID_WAREHOUSE": str(self.warehouse),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            **(env or {}),
        }
        done = subprocess.run(command, cwd=REPO, env=environment, capture_output=True, text=True)
        return DbtResult(done.returncode == 0, done.stdout + done.stderr)

    def build(self, *select: str, vars: dict | None = None, env: dict | None = None) -> DbtResult:
        result = self.invoke("build", *select, vars=vars, env=env)
        if not result.success:
            raise AssertionError(f"dbt build failed:\n{failure_messages(result)}")
        return result

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.sql(sql).fetchall()


def copy_of(project: DbtProject, dest: Path) -> DbtProject:
    """A private copy of a finished build (warehouse, outputs, caches, registry) for a test that changes it: it
    starts from the shared build's state without a build of its own and without disturbing the other readers."""
    shutil.copytree(project.root, dest, ignore=shutil.ignore_patterns("target", "logs"), dirs_exist_ok=True)
    moved = {k: v.replace(str(project.root), str(dest)) if isinstance(v, str) else v for k, v in project.vars.items()}
    return DbtProject(dest, vars=moved)


def sample_raw_copy(raw_dir: Path, category: str) -> Path:
    """The bundled sample's raw files under another category name (`<raw_dir>/<category>/`); returns `raw_dir`."""
    folder = raw_dir / category
    folder.mkdir(parents=True)
    shutil.copy(SAMPLE_RAW / "meta_sample.jsonl.gz", folder / f"meta_{category}.jsonl.gz")
    shutil.copy(SAMPLE_RAW / "sample.train.csv.gz", folder / f"{category}.train.csv.gz")
    return raw_dir


def failure_messages(result: DbtResult) -> str:
    """The error part of dbt's output (the tail, where dbt summarises failures)."""
    lines = result.output.splitlines()
    start = next((i for i, line in enumerate(lines) if "Completed with" in line or "Encountered an error" in line), 0)
    return "\n".join(lines[start:])[-6000:]
