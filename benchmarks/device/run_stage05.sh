#!/bin/bash
# Device-side (.gpu/ built by benchmarks/device/pack.sh, carried as .gpu): stage 5 alone at the full preset, on stage 1-3 tables built on the CPU machine (.gpu/wh.duckdb).
set -u
cd "$(dirname "$0")/.."
START=$(date +%s)
. .gpu/setup.sh
mkdir -p data
cp .gpu/wh.duckdb data/warehouse.duckdb
nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader,nounits -l 1 > /tmp/gpu_util.csv 2>&1 &
echo "setup $(( $(date +%s) - START )) s"
timeout ${E2E_TIMEOUT:-380} python3 benchmarks/bench_e2e.py --category Synthetic --preset full --stage stage_05 --out /tmp/res/e2e_Synthetic_gpu_stage05
echo "e2e rc=$? at $(( $(date +%s) - START )) s"
cp /tmp/res/e2e_Synthetic_gpu_stage05.md /tmp/res/e2e_Synthetic_gpu_stage05.csv "$OUT"/ 2>/dev/null
cp /tmp/gpu_util.csv "$OUT"/ 2>/dev/null
tar -czf "$OUT"/logs5.tgz -C /tmp/res e2e_Synthetic_gpu_stage05_logs 2>/dev/null
grep -E "OK created|ERROR|Error|in [0-9.]+s\]" /tmp/res/e2e_Synthetic_gpu_stage05_logs/stage_05.log | tail -30
awk -F', ' '{u+=$1; if($1>0)b++; if($2>m)m=$2; n++} END{print "gpu samples",n,"busy(>0%)",b,"mean util",u/n,"max MiB",m}' /tmp/gpu_util.csv
echo "done at $(( $(date +%s) - START )) s"
