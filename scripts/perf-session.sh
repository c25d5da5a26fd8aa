#!/bin/sh
# One measuring session for notes/performance.md (issue 7): every figure back to back, on one
# machine, in one run (the dev machine is noisy; only figures of one session are compared).
#
#   cargo build --release
#   scripts/perf-session.sh [OUT]        # default /tmp/perf-session; ~10-15 minutes
#
# With TORCH_PY set to a Python that has PyTorch (`pip install torch numpy`), each round also times
# scripts/pcd_torch.py (PyTorch on the CPU, same computation as pcd_numpy.py).
#
# Needs ../shared/perf (numpy, scikit-learn) and the MNIST files for the epoch comparisons;
# without them only the criterion benches run.
set -u
OUT=${1:-/tmp/perf-session}
mkdir -p "$OUT"
ROOT=$(pwd)
PERF=$ROOT/../shared/perf
B=$ROOT/target/release/rbmdyn
{ date -u; lscpu | grep -E "Model name|^CPU\(s\)|L1d|L2|L3"; uptime; } > "$OUT/machine.txt"


if [ -d "$PERF" ] && [ -d "$ROOT/../shared/data/mnist" ]; then
    : > "$OUT/epochs.txt"
    for round in 1 2 3; do
        rm -rf "$OUT/x"; "$B" train --dataset mnist --epochs 1 --out "$OUT/x" --quiet \
            --checkpoints-per-decade 0 --spectrum-per-decade 0 --gibbs-steps 5 --precision f32 >/dev/null 2>&1
        printf 'rbmdyn_pcd5_f32_sparse_r%s %s\n' $round "$(tail -1 "$OUT/x/metrics.csv" | cut -d, -f3)" >> "$OUT/epochs.txt"
        rm -rf "$OUT/x"; "$B" train --dataset mnist --epochs 1 --out "$OUT/x" --quiet \
            --checkpoints-per-decade 0 --spectrum-per-decade 0 --gibbs-steps 5 --precision f32 --dense-products >/dev/null 2>&1
        printf 'rbmdyn_pcd5_f32_dense_r%s %s\n' $round "$(tail -1 "$OUT/x/metrics.csv" | cut -d, -f3)" >> "$OUT/epochs.txt"
        (cd "$PERF" && python3 pcd_numpy.py --dtype f32 --epochs 1) >> "$OUT/numpy.txt" 2>&1
        if [ -n "${TORCH_PY:-}" ]; then
            "$TORCH_PY" "$ROOT/scripts/pcd_torch.py" --dtype f32 >> "$OUT/torch.txt" 2>&1
        fi
    done
    rm -rf "$OUT/x"; "$B" train --dataset mnist --epochs 1 --out "$OUT/x" --quiet \
        --checkpoints-per-decade 0 --spectrum-per-decade 0 --gibbs-steps 5 --precision f64 >/dev/null 2>&1
    printf 'rbmdyn_pcd5_f64_sparse %s\n' "$(tail -1 "$OUT/x/metrics.csv" | cut -d, -f3)" >> "$OUT/epochs.txt"
    (cd "$PERF" && python3 pcd_numpy.py --dtype f64 --epochs 1) >> "$OUT/numpy.txt" 2>&1
    if [ -n "${TORCH_PY:-}" ]; then
        "$TORCH_PY" "$ROOT/scripts/pcd_torch.py" --dtype f64 >> "$OUT/torch.txt" 2>&1
    fi
    for round in 1 2; do
        rm -rf "$OUT/x"; "$B" train --dataset mnist --epochs 1 --out "$OUT/x" --quiet \
            --checkpoints-per-decade 0 --spectrum-per-decade 0 --gibbs-steps 1 --precision f32 >/dev/null 2>&1
        printf 'rbmdyn_pcd1_f32_sparse_r%s %s\n' $round "$(tail -1 "$OUT/x/metrics.csv" | cut -d, -f3)" >> "$OUT/epochs.txt"
        (cd "$PERF" && python3 sklearn_rbm.py --dtype f32) >> "$OUT/sklearn.txt" 2>&1
    done
else
    echo "no ../shared/perf or MNIST: epoch comparisons skipped" > "$OUT/epochs.txt"
fi

bench() {
    cargo bench --bench "$1" -- --warm-up-time 1 --measurement-time "$2" ${3:-} > "$OUT/bench-$1.txt" 2>&1
}
bench products 3
bench gibbs_sweep 3
bench weight_svd 3
bench tap_solver 5
bench ais 5
cargo bench --bench gemm -- --warm-up-time 1 --measurement-time 3 > "$OUT/bench-gemm-faer.txt" 2>&1
date -u >> "$OUT/machine.txt"
echo "done: $OUT"
