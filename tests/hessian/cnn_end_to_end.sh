#!/usr/bin/env bash
# End to end on convolutional networks: `seigh info --model 3c3d`, a few
# training steps of the 3c3d preset on Fashion-MNIST 28x28 (the checkpoint
# stores the expanded canonical spec), then a small CNN trained for 4 steps
# and `seigh hessian` on its checkpoint (exact at 1 and 2 ranks, SEIGH at 2
# ranks), checked by cnn_end_to_end.py against an independent NumPy forward
# pass of the CNN (loss, and the eigenvalues as Rayleigh quotients by second
# differences of the NumPy loss).
set -euo pipefail
tmp="$SEIGH_TEST_TMP"
rm -rf "$tmp" && mkdir -p "$tmp"
run() { "$SEIGH_MPIEXEC" -np "$1" "$SEIGH_EXE" "${@:2}"; }

run 2 info --model 3c3d > "$tmp/info.txt"
grep -q "^spec cnn(1x28x28,conv(64,5,1,0),relu,maxpool(3,2,1),conv(96,3,1,0)," "$tmp/info.txt"
grep -q "D = 892,010 parameters" "$tmp/info.txt"

run 2 train --model 3c3d --dataset fmnist --select train:40 --eval-train train:10 --eval-test test:10 \
  --lr 0.01 --batch 8 --steps 2 --checkpoints 2 --out "$tmp/preset" --quiet

spec='cnn(1x28x28,conv(4,5,2,0),softplus,maxpool(3,2,1),conv(6,3,1,1),tanh,avgpool(2,2,0),flatten,linear(10))'
run 2 train --model "$spec" --dataset fmnist --select train:200 --eval-train train:50 --eval-test test:50 \
  --lr 0.1 --batch 20 --steps 4 --checkpoints 0,4 --out "$tmp/run" --quiet
ckpt="$(ls "$tmp"/run/checkpoints/step_*4.h5)"
common=(--hessian-data train:20,test:20 --precision float64 --quiet)
run 1 hessian --checkpoint "$ckpt" --method exact --k 10 "${common[@]}" --out "$tmp/exact_np1.h5"
run 2 hessian --checkpoint "$ckpt" --method exact --k 10 "${common[@]}" --out "$tmp/exact_np2.h5"
run 2 hessian --checkpoint "$ckpt" --k 10 --outer 60 --inner 120 "${common[@]}" --out "$tmp/sketched.h5"
run 1 dataset --dataset fmnist --select train:20,test:20 --out "$tmp/samples.h5"
/usr/bin/python3 "$(dirname "$0")/cnn_end_to_end.py" "$tmp" "$spec"
