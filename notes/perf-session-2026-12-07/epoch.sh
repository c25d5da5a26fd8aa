#!/bin/sh
# $1 binary, $2 tag: one PCD-5 f32 MNIST epoch; appends the epoch seconds from metrics.csv
d=/tmp/ep-$2; rm -rf $d
$1 train --dataset mnist --epochs 1 --out $d --quiet --checkpoints-per-decade 0 --spectrum-per-decade 0 --gibbs-steps 5 --precision f32 >/dev/null 2>&1 || exit 1
echo "$2 $(head -1 $d/metrics.csv | tr ',' '\n' | grep -n seconds | cut -d: -f1) $(tail -1 $d/metrics.csv)" >> /tmp/ep-$2.txt
