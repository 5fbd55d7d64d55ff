#!/usr/bin/env bash
# Fixtures of the seigh hessian bad-input tests: a small Fashion-MNIST 16x16
# subset (toy.h5: 20 samples per class), a 2-step run of mlp(256-4-10,tanh)
# (D = 1078) on it, and a copy of its last checkpoint whose `model`
# attribute names a model family seigh does not know (unknown_model.h5).
#   make_fixtures.sh DIR
set -euo pipefail
dir="$1"
rm -rf "$dir" && mkdir -p "$dir"
"$SEIGH_MPIEXEC" -np 1 "$SEIGH_EXE" dataset --dataset fmnist16 --select train:200 --out "$dir/toy.h5"
"$SEIGH_MPIEXEC" -np 1 "$SEIGH_EXE" train --model 'mlp(256-4-10,tanh)' --dataset "$dir/toy.h5" --select all \
  --eval-train all:50 --eval-test all --lr 0.1 --batch 20 --steps 2 --out "$dir/run" --quiet
cp "$dir/run/checkpoints/step_00000002.h5" "$dir/unknown_model.h5"
/usr/bin/python3 - "$dir/unknown_model.h5" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "r+") as f:
    f.attrs["model"] = "resnet(18)"
PY
echo PASS
