#!/usr/bin/env bash
# Fixtures of the train CLI tests: a small Fashion-MNIST 16x16 subset as an
# HDF5 dataset (toy.h5, and an identical copy under another name, whose
# dataset spec therefore differs), and a finished 4-step run (run/).
#   make_fixtures.sh DIR
set -euo pipefail
dir="$1"
rm -rf "$dir" && mkdir -p "$dir"
"$SEIGH_MPIEXEC" -np 1 "$SEIGH_EXE" dataset --dataset fmnist16 --select train:200 --out "$dir/toy.h5"
cp "$dir/toy.h5" "$dir/toy2.h5"
mkdir -p "$dir/not_a_run" && echo hello > "$dir/not_a_run/notes.txt"
"$SEIGH_MPIEXEC" -np 1 "$SEIGH_EXE" train --model 'mlp(256-8-10,tanh)' --dataset "$dir/toy.h5" --select all \
  --eval-train all:50 --eval-test all --lr 0.1 --batch 20 --steps 4 --checkpoint-every 2 --out "$dir/run" --quiet
test -f "$dir/run/checkpoints/step_00000004.h5"
echo PASS
