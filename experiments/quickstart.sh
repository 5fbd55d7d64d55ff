#!/usr/bin/env bash
# The README's first command: install what is missing, build (Release) and
# run a small version of the main job end to end on 2 ranks, in a couple of
# minutes:
#   1. train a small tanh MLP on Fashion-MNIST 16x16 (seigh train),
#   2. top-100 Hessian eigenpairs at two checkpoints by SEIGH, and exactly at
#      the last one (seigh hessian, 500 train + 500 test class-balanced samples),
#   3. magnitude masks vs Hessian eigenspaces, against chance (seigh overlap),
#   4. a plot and a sketched-vs-exact comparison with h5py/matplotlib.
# Output: runs/quickstart/ (SEIGH_RUN_DIR overrides).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${SEIGH_BUILD_DIR:-$ROOT/build}"
RUN_DIR="${SEIGH_RUN_DIR:-$ROOT/runs/quickstart}"
"$ROOT/cmake/bootstrap.sh" "$BUILD_DIR"
source "$ROOT/cmake/mpi-env.sh"
SEIGH="$BUILD_DIR/apps/seigh"
MODEL='mlp(256-8-8-10,tanh)'   # D = 2,218: small enough for the exact solver in seconds
rm -rf "$RUN_DIR" && mkdir -p "$RUN_DIR"

echo
echo "== 1. Train $MODEL on fmnist16 (plain SGD, lr 0.3, batch 500, 300 steps), 2 ranks"
mpirun -np 2 "$SEIGH" train --model "$MODEL" --dataset fmnist16 --lr 0.3 --batch 500 --steps 300 \
  --checkpoints 0,100,300 --seed 0 --out "$RUN_DIR/train"

echo
echo "== 2a. SEIGH: top-100 Hessian eigenpairs at steps 0 and 300 (outer 200, inner 400: 600 HVPs each)"
mpirun -np 2 "$SEIGH" hessian --run "$RUN_DIR/train" --steps 0,300 --hessian-data train:500,test:500 \
  --k 100 --outer 200 --inner 400 --test-matrix sparse-sign --seed 1 --out-dir "$RUN_DIR/sketched" | \
  grep -v "^ \{1,5\}[0-9]\{2,3\} "   # the first 10 eigenvalues of each table are enough here
echo
echo "== 2b. Exact Hessian at step 300 (2,218 products, dense eigendecomposition on rank 0)"
mpirun -np 2 "$SEIGH" hessian --run "$RUN_DIR/train" --steps 300 --hessian-data train:500,test:500 \
  --method exact --k 100 --quiet --out-dir "$RUN_DIR/exact" | grep -v "^ \{1,5\}[0-9]\{2,3\} "

echo
echo "== 3. Magnitude masks vs the sketched eigenspaces (k = 10, 22 = 1% of D, 100)"
mpirun -np 2 "$SEIGH" overlap --eig "$RUN_DIR"/sketched/*.eig.h5 --k 10,22,100 --out "$RUN_DIR/overlap.h5"

echo
echo "== 4. Sketched vs exact, and the plot (/usr/bin/python3: h5py, matplotlib)"
/usr/bin/python3 "$ROOT/experiments/quickstart_plot.py" "$RUN_DIR"
