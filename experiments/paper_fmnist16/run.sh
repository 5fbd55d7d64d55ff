#!/usr/bin/env bash
# The paper's experiment (Fernandez et al. 2025, 16x16 MNIST MLP), on
# Fashion-MNIST 16x16, end to end:
#   1. train mlp(256-20-20-20-20-20-10,tanh) (train.ini: plain SGD, lr 0.3,
#      batch 500, 5000 steps, D = 7030);
#   2. exact Hessians (float64 products, dense solve on rank 0) at 21
#      checkpoints spread over the run, top k = 1406 = 0.2·D eigenvectors;
#   3. sketched Hessians (SEIGH, k = outer = 355, inner = 710, float32
#      products) at steps 0..1000 every 100;
#   4. magnitude masks vs eigenspaces for rho = k/D in {0.01, 0.05, 0.2}
#      (k = 70, 352, 1406) with chance and a random-mask control, mask
#      stability and eigenspace overlap along the run (seigh overlap);
#   5. sketched vs exact, tables and plots (analyze.py, /usr/bin/python3).
# The Hessian is that of the mean cross-entropy on train:500,test:500 (the
# first 50 samples of each class of each split).
#
# Resumable: a finished training run, and every finished Hessian result, is
# kept; run the script again after an interruption and it continues. About
# 35 minutes on the 2-core VM, almost all in the 21 exact solves.
#
#   bash experiments/paper_fmnist16/run.sh          # SEIGH_NP ranks (default 2)
# Output: runs/paper_fmnist16/ (SEIGH_RUN_DIR overrides).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BUILD_DIR="${SEIGH_BUILD_DIR:-$ROOT/build}"
RUN_DIR="${SEIGH_RUN_DIR:-$ROOT/runs/paper_fmnist16}"
NP="${SEIGH_NP:-2}"
"$ROOT/cmake/bootstrap.sh" "$BUILD_DIR"
source "$ROOT/cmake/mpi-env.sh"
SEIGH="$BUILD_DIR/apps/seigh"
mkdir -p "$RUN_DIR"

EXACT_STEPS=0,25,50,100:1000:100,1500:5000:500   # 21 checkpoints
SKETCH_STEPS=0:1000:100                          # 11 checkpoints
HESSIAN_DATA=train:500,test:500

echo "== 1. Train (train.ini), $NP ranks"
if [ -f "$RUN_DIR/train/checkpoints/step_00005000.h5" ]; then
  echo "   finished run found in $RUN_DIR/train, kept"
elif [ -f "$RUN_DIR/train/run.ini" ]; then
  mpirun -np "$NP" "$SEIGH" train --config "$RUN_DIR/train/run.ini" --resume latest
else
  mpirun -np "$NP" "$SEIGH" train --config "$HERE/train.ini" --out "$RUN_DIR/train"
fi

echo
echo "== 2. Exact Hessians at steps $EXACT_STEPS (k = 1406, float64)"
mpirun -np "$NP" "$SEIGH" hessian --run "$RUN_DIR/train" --steps "$EXACT_STEPS" --hessian-data "$HESSIAN_DATA" \
  --method exact --k 1406 --precision float64 --out-dir "$RUN_DIR/exact" --skip-existing | \
  grep -v "^ \{1,5\}[0-9]\{2,4\} "   # the result table's first 10 rows are enough on screen

echo
echo "== 3. SEIGH at steps $SKETCH_STEPS (k = outer = 355, inner = 710, Gaussian, float32)"
mpirun -np "$NP" "$SEIGH" hessian --run "$RUN_DIR/train" --steps "$SKETCH_STEPS" --hessian-data "$HESSIAN_DATA" \
  --k 355 --outer 355 --inner 710 --seed 0 --out-dir "$RUN_DIR/sketched" --skip-existing --quiet | \
  grep -v "^ \{1,5\}[0-9]\{2,4\} "

echo
echo "== 4. Masks vs eigenspaces (rho = 0.01, 0.05, 0.2: k = 70, 352, 1406; also k = 10, 50)"
mpirun -np "$NP" "$SEIGH" overlap --eig "$RUN_DIR"/exact/*.eig.h5 --k 10,50,70,352,1406 \
  --out "$RUN_DIR/overlap_exact.h5"
mpirun -np "$NP" "$SEIGH" overlap --eig "$RUN_DIR"/sketched/*.eig.h5 --k 10,50,70,352 \
  --out "$RUN_DIR/overlap_sketched.h5"

echo
echo "== 5. Sketched vs exact, tables and plots"
/usr/bin/python3 "$HERE/analyze.py" "$RUN_DIR"
