#!/usr/bin/env bash
# Train a few steps on Fashion-MNIST 16x16, export the evaluation set with
# `seigh dataset`, and check /params and metrics.h5 with NumPy
# (numpy_forward_check.py).
set -euo pipefail
tmp="$SEIGH_TEST_TMP"
rm -rf "$tmp" && mkdir -p "$tmp"
"$SEIGH_MPIEXEC" -np 2 "$SEIGH_EXE" train --model 'mlp(256-20-20-10,tanh)' --dataset fmnist16 --select train:1000 \
  --eval-train train:100 --eval-test test:1000 --lr 0.3 --batch 100 --steps 30 --checkpoints 0,15 --out "$tmp/run" --quiet
"$SEIGH_MPIEXEC" -np 1 "$SEIGH_EXE" dataset --dataset fmnist16 --select test:1000 --out "$tmp/test.h5"
/usr/bin/python3 "$(dirname "$0")/numpy_forward_check.py" "$tmp/run" "$tmp/test.h5"
