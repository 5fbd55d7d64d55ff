#!/usr/bin/env bash
# The record run of issue #8: the top 1500 Hessian eigenpairs of a
# 10^7-parameter MLP on one 2-core, 24 GB machine, out-of-core.
#
#   1. train mlp(784-3000-3000-10,tanh) (D = 11,388,010) on Fashion-MNIST
#      28x28 for 300 steps (plain SGD, lr 0.1, batch 128: the size sweep's
#      settings), checkpoints at 0 and 300;
#   2. SEIGH at step 300: k = outer = 1500, inner = 3000, sparse-sign test
#      matrices (zeta 8), float32 products in blocks of 32, on
#      train:250,test:250 (500 class-balanced samples), --out-of-core (the
#      D x 1500 sketch, 68 GB in float32, streams through the HDF5 files),
#      10 a-posteriori error probes; the sketch file is kept (--keep-sketch)
#      until the overlap is done, then removed;
#   3. the magnitude mask vs the eigenspaces at k = 10, 100, 1500.
#
# While step 2 runs, the disk used by the run directory is sampled every
# 10 s into RUN/disk.tsv (seconds, bytes allocated on disk: the sketch file
# is sparse until written, so not its apparent size); the peak is reported at
# the end.
# Resumable: run the script again; training continues from its latest
# checkpoint, SEIGH from its sketch file (--resume). Takes about an hour
# or more on the VM (see RESULTS.md); meant for the background:
#
#   nohup bash experiments/large_mlp/run.sh > runs/large_mlp/run.log 2>&1 &
#
# Environment: SEIGH_NP (ranks, default 2), SEIGH_BUILD_DIR (default ./build;
# built only when its executable is missing, e.g. a native build made with
# SEIGH_CMAKE_ARGS=-DSEIGH_NATIVE_ARCH=ON cmake/bootstrap.sh DIR), SEIGH_RUN_DIR
# (default runs/large_mlp; needs ~75 GB free), SEIGH_ROW_BLOCK (--row-block of
# the out-of-core passes; default: seigh's, 2^18 rows here, whose two float32
# block buffers of 2^18 x 1500 take 3 GB per rank: 131072 halves them).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
RUN_DIR="${SEIGH_RUN_DIR:-$ROOT/runs/large_mlp}"
NP="${SEIGH_NP:-2}"
MODEL="mlp(784-3000-3000-10,tanh)"
STEPS=300
K=1500
INNER=3000
source "$ROOT/experiments/long_run.sh"   # BUILD_DIR, SEIGH, mpirun set-up, timed
TRAIN="$RUN_DIR/train"
mkdir -p "$RUN_DIR/eig"
checkpoint() { printf '%s/checkpoints/step_%08d.h5' "$TRAIN" "$1"; }

echo "== 1. Train $MODEL ($STEPS steps, sgd lr 0.1, batch 128), $NP ranks  [$(date -Is)]"
if [ -f "$(checkpoint $STEPS)" ]; then
  echo "   finished run found in $TRAIN, kept"
elif [ -f "$TRAIN/run.ini" ]; then
  timed "train (resumed)" mpirun -np "$NP" "$SEIGH" train --config "$TRAIN/run.ini" --resume latest
else
  timed "train" mpirun -np "$NP" "$SEIGH" train --model "$MODEL" --dataset fmnist --select train:all \
    --eval-train train:1000 --eval-test test:all --optimizer sgd --lr 0.1 --batch 128 \
    --steps $STEPS --checkpoints 0,$STEPS --seed 0 --out "$TRAIN"
fi

out="$RUN_DIR/eig/$(basename "$(checkpoint $STEPS)" .h5).eig.h5"
echo
echo "== 2. SEIGH out-of-core, k = outer = $K, inner = $INNER, sparse sign, at step $STEPS  [$(date -Is)]"
if [ -f "$out" ]; then
  echo "   $out exists, kept"
else
  extra=()
  if [ -n "${SEIGH_ROW_BLOCK:-}" ]; then extra+=(--row-block "$SEIGH_ROW_BLOCK"); fi
  if [ -f "$out.sketch.h5" ]; then extra+=(--resume); echo "   continuing from $out.sketch.h5"; fi
  # Disk sampler: the run directory's bytes every 10 s while SEIGH runs.
  ( t0=$EPOCHREALTIME
    while sleep 10; do
      printf '%.0f\t%s\n' "$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')" \
        "$(du -s --block-size=1 "$RUN_DIR" | cut -f1)" >> "$RUN_DIR/disk.tsv"
    done ) &
  sampler=$!
  trap 'kill $sampler 2>/dev/null || true' EXIT
  timed "seigh step $STEPS" mpirun -np "$NP" "$SEIGH" hessian --checkpoint "$(checkpoint $STEPS)" \
    --hessian-data train:250,test:250 --k $K --outer $K --inner $INNER --test-matrix sparse-sign \
    --block 32 --precision float32 --out-of-core --keep-sketch --out "$out" "${extra[@]}"
  kill $sampler 2>/dev/null || true
  echo "   peak disk of the run directory: $(sort -k2,2n "$RUN_DIR/disk.tsv" | tail -1 | awk '{ printf "%.1f GB", $2 / 1e9 }')"
fi

echo
echo "== 3. Masks vs eigenspaces at k = 10, 100, $K  [$(date -Is)]"
mpirun -np "$NP" "$SEIGH" overlap --eig "$out" --k 10,100,$K --out "$RUN_DIR/overlap.h5"
"$SEIGH" info "$RUN_DIR/overlap.h5"
rm -f "$out.sketch.h5"
