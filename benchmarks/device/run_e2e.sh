#!/bin/bash
# Device-side (.gpu/ built by benchmarks/device/pack.sh, carried as .gpu): the full-preset category from raw files, stages 1-5, one dbt build per stage (benchmarks/bench_e2e.py),
# then the CUDA tests with what time is left. Everything lands in $OUT.
set -u
cd "$(dirname "$0")/.."
START=$(date +%s)
. .gpu/setup.sh
mkdir -p /tmp/mini && tar -C /tmp/mini -xJf .gpu/minilm.tar.xz && python3 .gpu/unpack_model.py /tmp/mini /tmp/site312 || exit 4
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c "import torch, duckdb, dbt.version, sentence_transformers as st, transformers, pyarrow, numpy; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'duckdb', duckdb.__version__, 'dbt', dbt.version.__version__, 'st', st.__version__, 'transformers', transformers.__version__, 'pyarrow', pyarrow.__version__, 'numpy', numpy.__version__)" || exit 5
nproc; free -g | head -2
nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used --format=csv -l 2 > /tmp/gpu_util.csv 2>&1 &
echo "setup $(( $(date +%s) - START )) s"
timeout ${E2E_TIMEOUT:-450} python3 benchmarks/bench_e2e.py --category Synthetic --preset full --out /tmp/res/e2e_Synthetic_gpu ${E2E_ARGS:-}
echo "e2e rc=$? at $(( $(date +%s) - START )) s"
cp /tmp/res/e2e_Synthetic_gpu.md /tmp/res/e2e_Synthetic_gpu.csv /tmp/res/e2e_Synthetic_gpu.png "$OUT"/ 2>/dev/null
tar -czf "$OUT"/logs.tgz -C /tmp/res e2e_Synthetic_gpu_logs /tmp/gpu_util.csv 2>/dev/null
cat /tmp/res/e2e_Synthetic_gpu.md 2>/dev/null
LEFT=$(( ${TOTAL_BUDGET:-560} - ($(date +%s) - START) ))
if [ "$LEFT" -gt 40 ]; then
  timeout $(( LEFT - 10 )) python3 -m pytest tests/unit/test_cuda.py -n 4 -p no:cacheprovider -q -o addopts="" -x 2>&1 | tail -15 | tee "$OUT"/cuda_tests.txt
fi
echo "done at $(( $(date +%s) - START )) s"
