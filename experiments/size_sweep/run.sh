#!/usr/bin/env bash
# Model-size study (issue #9): does the magnitude-mask / Hessian-eigenspace
# overlap, relative to chance, grow with network size?
#
# For each width w of WIDTHS and each seed of SEEDS (w <= SEED_MAX_WIDTH get
# all seeds, wider nets seed 0 only):
#   1. train mlp(784-w-w-10,tanh) on Fashion-MNIST 28x28 with the same
#      settings for every size (plain SGD, lr 0.1, batch 128, 2000 steps,
#      checkpoints at 0 and 2000);
#   2. SEIGH on the same 500 class-balanced Hessian samples (train:500:
#      the first 50 of each class) at steps 0 and 2000, for every
#      k in {10, 100, 1000} with k <= D/10 (outer = k, inner = 2k, Gaussian,
#      float32); the exact Hessian as a cross-check where D <= 30000 (seed 0
#      only: one float64 dense solve of D = 13,002 costs more than all
#      three seeds' SEIGH runs together);
#   3. seigh overlap per k (mask vs eigenspace, chance, random control).
# Then plot.py draws overlap/chance against D and writes the tables, taking
# the cells this run directory lacks from measured.csv (earlier sessions).
#
# Resumable: every finished training run and Hessian result is kept; run the
# script again and it continues (seigh train --resume, seigh hessian
# --skip-existing).
#
#   bash experiments/size_sweep/run.sh                   # all sizes
#   WIDTHS="16 64 256" bash experiments/size_sweep/run.sh   # a subset
# Environment: SEIGH_NP (ranks, default 2), SEIGH_RUN_DIR (default
# runs/size_sweep), WIDTHS, SEEDS, SEED_MAX_WIDTH, KS (default "10 100 1000";
# e.g. KS="10 100" to do the cheap k of a large width first),
# TEST_MATRIX (default gaussian; the w = 3000, k = 1000 cell runs with
# TEST_MATRIX=sparse-sign: out of core, a Gaussian Φ is redrawn for every
# b-column batch of the core sketch: (s/b)·(D/P)·s draws per rank, about
# 3.7 h per checkpoint at D = 11.4 M, s = 2000, 2 ranks; see RESULTS.md),
# KEEP_VECTORS_MAX (default 10^9 = 4 GB of float32: results with D·k above it
# have their /eigenvectors removed by drop_vectors.py once the overlap is
# written, keeping eigenvalues and attributes), SEIGH_BUILD_DIR (default
# ./build; built here only when its seigh executable is missing, so that a
# sweep resumed across sessions keeps one binary, e.g. a build configured with
# SEIGH_CMAKE_ARGS=-DSEIGH_NATIVE_ARCH=ON).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
RUN_DIR="${SEIGH_RUN_DIR:-$ROOT/runs/size_sweep}"
NP="${SEIGH_NP:-2}"
WIDTHS="${WIDTHS:-16 64 256 1024 3000}"
SEEDS="${SEEDS:-0 1 2}"
SEED_MAX_WIDTH="${SEED_MAX_WIDTH:-256}"
KS="${KS:-10 100 1000}"
KEEP_VECTORS_MAX="${KEEP_VECTORS_MAX:-1000000000}"   # D·k entries; larger results drop /eigenvectors after the overlap
TEST_MATRIX="${TEST_MATRIX:-gaussian}"   # sparse-sign for the w = 3000, k = 1000 cell (RESULTS.md)
STEPS=2000
HESSIAN_DATA=train:500
source "$ROOT/experiments/long_run.sh"   # BUILD_DIR, SEIGH, mpirun set-up, timed
mkdir -p "$RUN_DIR"

parameters() { echo $(( 784 * $1 + $1 + $1 * $1 + $1 + $1 * 10 + 10 )); }

for w in $WIDTHS; do
  D=$(parameters "$w")
  for seed in $SEEDS; do
    if [ "$seed" != 0 ] && [ "$w" -gt "$SEED_MAX_WIDTH" ]; then continue; fi
    dir="$RUN_DIR/w${w}_seed${seed}"
    echo "== w = $w (D = $D), seed $seed"
    if [ -f "$dir/train/checkpoints/$(printf 'step_%08d.h5' $STEPS)" ]; then
      echo "   training done"
    elif [ -f "$dir/train/run.ini" ]; then
      timed "train w=$w seed=$seed (resumed)" mpirun -np "$NP" "$SEIGH" train --config "$dir/train/run.ini" --resume latest --quiet
    else
      timed "train w=$w seed=$seed" mpirun -np "$NP" "$SEIGH" train --model "mlp(784-$w-$w-10,tanh)" --dataset fmnist \
        --select train:all --eval-train train:1000 --eval-test test:all --optimizer sgd --lr 0.1 --batch 128 \
        --steps $STEPS --checkpoints 0,$STEPS --seed "$seed" --out "$dir/train" --quiet
    fi
    for k in $KS; do
      if [ $(( 10 * k )) -gt "$D" ]; then continue; fi
      timed "seigh w=$w seed=$seed k=$k" mpirun -np "$NP" "$SEIGH" hessian --run "$dir/train" --hessian-data $HESSIAN_DATA \
        --k "$k" --outer "$k" --inner $(( 2 * k )) --test-matrix "$TEST_MATRIX" --seed "$seed" --out-dir "$dir/seigh_k$k" \
        --skip-existing --quiet
      # An overlap file newer than every result is kept (it cannot change,
      # and results without their vectors, below, could not redo it).
      overlap="$dir/overlap_seigh_k$k.h5"
      if [ -f "$overlap" ] && [ -z "$(find "$dir/seigh_k$k" -name '*.eig.h5' -newer "$overlap")" ]; then
        echo "   overlap k=$k done"
      else
        mpirun -np "$NP" "$SEIGH" overlap --eig "$dir"/seigh_k$k/*.eig.h5 --k "$k" --out "$overlap"
      fi
      # Large results (w = 3000, k = 1000: 45 GB per checkpoint) give their
      # vectors back once the overlap is written.
      if [ $(( D * k )) -gt "$KEEP_VECTORS_MAX" ]; then
        /usr/bin/python3 "$HERE/drop_vectors.py" "$dir"/seigh_k$k/*.eig.h5
        touch "$overlap"   # still the overlap of these results
      fi
    done
    if [ "$D" -le 30000 ] && [ "$seed" = 0 ]; then
      timed "exact w=$w seed=$seed" mpirun -np "$NP" "$SEIGH" hessian --run "$dir/train" --hessian-data $HESSIAN_DATA \
        --method exact --k 1000 --precision float64 --out-dir "$dir/exact" --skip-existing --quiet
      mpirun -np "$NP" "$SEIGH" overlap --eig "$dir"/exact/*.eig.h5 --k 10,100,1000 --out "$dir/overlap_exact.h5"
    fi
  done
done

# Cells measured in earlier sessions whose run directories are gone come
# from measured.csv; this directory's own results replace them.
/usr/bin/python3 "$HERE/plot.py" "$RUN_DIR" --archive "$HERE/measured.csv"
