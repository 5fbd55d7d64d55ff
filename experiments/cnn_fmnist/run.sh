#!/usr/bin/env bash
# The paper's CNN regime (issue #7) on Fashion-MNIST 28x28, end to end:
#   1. train 3c3d (DeepOBS cifar10_3c3d on 1x28x28, D = 892,010) with
#      momentum SGD, DeepOBS-like: lr 0.01, momentum 0.9, batch 128, 8000
#      steps (~17 epochs), no weight decay (seigh train has none; DeepOBS
#      adds L2 0.002), checkpoints every 500 steps (0, 2000 and 8000 are the
#      ones analysed; the others make an interrupted run lose <= 500 steps);
#   2. SEIGH (k = outer = 1000, inner = 2000, Gaussian test matrices,
#      float32 products, block 8) of the mean cross-entropy Hessian on
#      train:250,test:250 (the first 25 samples of each class of each
#      split) at steps 0, 2000 and 8000;
#   3. magnitude masks vs eigenspaces at k = 10, 100, 1000 (seigh overlap);
#   4. analyze.py: overlap vs chance per step (the paper's CIFAR-10 table),
#      timings per phase, a plot.
#
# Resumable at every stage: a finished training run and every finished
# eigen-result are kept; training continues from its latest checkpoint; a
# SEIGH run that was interrupted continues from its sketch file
# (--resume), ending with the same eigenpairs as an uninterrupted run at the
# same rank count. Just run the script again. Many hours on the 2-core VM
# (README.md has the estimate); meant to run in the background:
#
#   nohup bash experiments/cnn_fmnist/run.sh > runs/cnn_fmnist/run.log 2>&1 &
#
# Environment: SEIGH_NP (ranks, default 2), SEIGH_BUILD_DIR (default
# ./build), SEIGH_RUN_DIR (default runs/cnn_fmnist), SEIGH_BLOCK (probe
# vectors per Hessian product, default 8: with 250 samples per rank the
# R-pass workspace is 754 KB per sample and direction, 1.5 GB per rank at
# 8, 3.0 GB at 16, 6.0 GB at 32, on top of SEIGH's own D x 1000 blocks;
# a larger block is not faster on this net, see README.md).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
RUN_DIR="${SEIGH_RUN_DIR:-$ROOT/runs/cnn_fmnist}"
NP="${SEIGH_NP:-2}"
BLOCK="${SEIGH_BLOCK:-8}"
STEPS=8000
HESSIAN_STEPS="0 2000 8000"
HESSIAN_DATA=train:250,test:250
K=1000
OUTER=1000
INNER=2000
SEED=0
source "$ROOT/experiments/long_run.sh"   # BUILD_DIR, SEIGH, mpirun set-up, timed
mkdir -p "$RUN_DIR/eig"
TRAIN="$RUN_DIR/train"
checkpoint() { printf '%s/checkpoints/step_%08d.h5' "$TRAIN" "$1"; }

echo "== 1. Train 3c3d on fmnist (momentum 0.9, lr 0.01, batch 128, $STEPS steps), $NP ranks  [$(date -Is)]"
if [ -f "$(checkpoint $STEPS)" ]; then
  echo "   finished run found in $TRAIN, kept"
elif [ -f "$TRAIN/run.ini" ] && ls "$TRAIN"/checkpoints/step_*.h5 > /dev/null 2>&1; then
  timed "train (resumed)" mpirun -np "$NP" "$SEIGH" train --config "$TRAIN/run.ini" --resume latest
else
  timed "train" mpirun -np "$NP" "$SEIGH" train --model 3c3d --dataset fmnist --select train:all \
    --eval-train train:1000 --eval-test test:all --optimizer momentum --momentum 0.9 --lr 0.01 --batch 128 \
    --steps $STEPS --checkpoints 0:$STEPS:500 --seed $SEED --out "$TRAIN" --overwrite
fi

echo
echo "== 2. SEIGH (k = outer = $K, inner = $INNER, block $BLOCK, float32) on $HESSIAN_DATA at steps $HESSIAN_STEPS  [$(date -Is)]"
for t in $HESSIAN_STEPS; do
  out="$RUN_DIR/eig/$(basename "$(checkpoint "$t")" .h5).eig.h5"
  if [ -f "$out" ]; then echo "   step $t: $out exists, kept"; continue; fi
  resume=()
  if [ -f "$out.sketch.h5" ]; then resume=(--resume); echo "   step $t: continuing the measurement in $out.sketch.h5"; fi
  timed "seigh step $t" mpirun -np "$NP" "$SEIGH" hessian --checkpoint "$(checkpoint "$t")" \
    --hessian-data "$HESSIAN_DATA" --k $K --outer $OUTER --inner $INNER --seed $SEED --block "$BLOCK" \
    --precision float32 --out "$out" "${resume[@]}"
done

echo
echo "== 3. Masks vs eigenspaces at k = 10, 100, 1000  [$(date -Is)]"
mpirun -np "$NP" "$SEIGH" overlap --eig "$RUN_DIR"/eig/*.eig.h5 --k 10,100,1000 --out "$RUN_DIR/overlap.h5"

echo
echo "== 4. Tables and plot  [$(date -Is)]"
/usr/bin/python3 "$HERE/analyze.py" "$RUN_DIR"
