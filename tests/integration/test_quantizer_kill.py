"""A real SIGKILL of `python -m python_jobs train-rqvae`: the rerun resumes and matches an uninterrupted run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.unit.test_quantizer import clustered

REPO = Path(__file__).resolve().parents[2]


def test_cli_resumes_after_a_real_kill(tmp_path):
    """SIGKILL the CLI once its first checkpoint exists; the rerun resumes and matches an uninterrupted run."""
    data = clustered(n=800)
    emb = tmp_path / "emb.parquet"
    pq.write_table(
        pa.table(
            {
                "parent_asin": list(data.asins),
                "embedding": pa.FixedSizeListArray.from_arrays(pa.array(data.x.reshape(-1)), data.dim),
            }
        ),
        emb,
    )
    args = [
        sys.executable,
        "-m",
        "python_jobs",
        "train-rqvae",
        "--embeddings",
        str(emb),
        "--levels",
        "3",
        "--codebook-size",
        "16",
        "--latent-dim",
        "8",
        "--hidden-dims",
        "32,16",
        "--steps",
        "240",
        "--batch-size",
        "64",
        "--ae-warmup-steps",
        "20",
        "--eval-every",
        "20",
        "--dead-code-every",
        "10",
        "--kmeans-iters",
        "20",
        "--device",
        "cpu",
        "--quiet",
    ]
    env = {**os.environ, "WANDB_MODE": "disabled", "OMP_NUM_THREADS": "1"}
    killed_reg = tmp_path / "killed"
    proc = subprocess.Popen(
        [*args, "--registry", str(killed_reg)], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )

    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if list(killed_reg.glob("*/checkpoints/latest.pt")):
            break
        time.sleep(0.05)
    if proc.poll() is not None:
        pytest.skip("training finished before it could be killed (machine too fast for this check)")
    proc.kill()
    proc.wait()
    (run_dir,) = list(killed_reg.iterdir())
    assert not (run_dir / "summary.json").exists()
    done = subprocess.run([*args, "--registry", str(killed_reg)], cwd=REPO, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["trained"] is True
    clean = subprocess.run(
        [*args, "--registry", str(tmp_path / "clean")], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert clean.returncode == 0, clean.stderr[-2000:]
    (clean_dir,) = list((tmp_path / "clean").iterdir())
    assert (run_dir / "codes.parquet").read_bytes() == (clean_dir / "codes.parquet").read_bytes()
