#!/bin/sh
# alternate.sh OLD_BINARY NEW_BINARY PAIRS OUT
# One warm-up pair, then PAIRS pairs, old first in odd pairs and new first in even ones, each run one
# PCD-5 f32 epoch on MNIST with Fissore's settings (no checkpoints or spectra). Appends to OUT one line
# per run: "<tag> <pair> <epoch seconds from metrics.csv> <process wall seconds> <reconstruction error>".
old=$1; new=$2; pairs=$3; out=$4
run() { # $1 binary $2 tag $3 pair
  d=/tmp/alt-$2; rm -rf "$d"
  t0=$(date +%s.%N)
  "$1" train --dataset mnist --epochs 1 --out "$d" --quiet --checkpoints-per-decade 0 \
    --spectrum-per-decade 0 --gibbs-steps 5 --precision f32 >/dev/null 2>&1 || { echo "$2 failed" >&2; exit 1; }
  t1=$(date +%s.%N)
  # metrics.csv: epoch,step,seconds,reconstruction_error,... (columns found by name)
  line=$(python3 -c "import csv,sys; r=list(csv.DictReader(open('$d/metrics.csv')))[-1]; print(r['seconds'], r['reconstruction_error'])")
  [ "$3" -gt 0 ] && echo "$2 $3 $(echo $line | cut -d' ' -f1) $(echo "$t1 - $t0" | bc) $(echo $line | cut -d' ' -f2)" >> "$out"
}
run "$old" old 0; run "$new" new 0
i=1
while [ $i -le "$pairs" ]; do
  if [ $((i % 2)) -eq 1 ]; then run "$old" old $i; run "$new" new $i; else run "$new" new $i; run "$old" old $i; fi
  i=$((i + 1))
done
