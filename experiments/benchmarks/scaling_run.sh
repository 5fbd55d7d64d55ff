#!/usr/bin/env bash
# Strong scaling 1 -> 2 ranks of a whole HVP-bound `seigh hessian` run
# (issue #8): one checkpoint of mlp(784-1024-1024-10,tanh) (D = 1,863,690,
# 100 SGD steps on Fashion-MNIST), its Hessian on N class-balanced training
# samples (default 1000, so that the samples' passes, not the D x b
# reduction or the stores, dominate each product), SEIGH k = 32, outer 64,
# inner 384 (448 products in 14 blocks of 32), sparse-sign test matrices,
# no error probes, in memory. ROUNDS rounds of (1 rank, 2 ranks), page cache
# dropped and memory compacted before each run when running as root.
#
#   SEIGH_BUILD_DIR=build-native bash experiments/benchmarks/scaling_run.sh
#
# Environment: SEIGH_BUILD_DIR (default ./build, built if missing), RUN_DIR
# (default runs/scaling_run), ROUNDS (default 3), SAMPLES (default 1000),
# WIDTH (default 1024). Prints, per run, the seconds of the whole run, the
# measurement and the operator (the result file's attributes `seconds`,
# `seconds_measure_outer` + `seconds_measure_core`, `operator_seconds`), and
# at the end the 1 -> 2 ratios per round and their medians.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RUN_DIR="${RUN_DIR:-$ROOT/runs/scaling_run}"
ROUNDS="${ROUNDS:-3}"
SAMPLES="${SAMPLES:-1000}"
WIDTH="${WIDTH:-1024}"
source "$ROOT/experiments/long_run.sh"   # BUILD_DIR, SEIGH, mpirun set-up
train="$RUN_DIR/train_w$WIDTH"
if [ ! -f "$train/checkpoints/step_00000100.h5" ]; then
  rm -rf "$train"
  mpirun -np 2 "$SEIGH" train --model "mlp(784-$WIDTH-$WIDTH-10,tanh)" --dataset fmnist --select train:all \
    --optimizer sgd --lr 0.1 --batch 128 --steps 100 --checkpoints 100 --seed 0 --out "$train" --quiet
fi
checkpoint="$train/checkpoints/step_00000100.h5"

quiesce() {
  sync
  if [ -w /proc/sys/vm/drop_caches ]; then
    echo 3 > /proc/sys/vm/drop_caches
    echo 1 > /proc/sys/vm/compact_memory 2>/dev/null || true
  fi
}

table="$RUN_DIR/scaling.tsv"
printf "round\tranks\tseconds\tmeasurement\toperator\n" > "$table"
for round in $(seq 1 "$ROUNDS"); do
  for np in 1 2; do
    out="$RUN_DIR/r${round}_np$np.eig.h5"
    rm -f "$out" "$out".*
    quiesce
    echo "== round $round, $np rank(s), $(date +%T)"
    mpirun -np "$np" "$SEIGH" hessian --checkpoint "$checkpoint" --hessian-data "train:$SAMPLES" \
      --k 32 --outer 64 --inner 384 --test-matrix sparse-sign --error-probes 0 --seed 0 --out "$out" \
      > "$RUN_DIR/r${round}_np$np.log" 2>&1
    /usr/bin/python3 - "$out" "$round" "$np" >> "$table" <<'PY'
import sys
import h5py
with h5py.File(sys.argv[1]) as f:
    a = f.attrs
    measure = a["seconds_measure_outer"] + a["seconds_measure_core"]
    print(f"{sys.argv[2]}\t{sys.argv[3]}\t{a['seconds']:.1f}\t{measure:.1f}\t{a['operator_seconds']:.1f}")
PY
    tail -1 "$table"
  done
done

/usr/bin/python3 - "$table" <<'PY'
import csv
import statistics
import sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
by = {(r["round"], r["ranks"]): r for r in rows}
rounds = sorted({r["round"] for r in rows}, key=int)
print("\n1 -> 2 ranks (ratio of seconds), per round:")
ratios = {c: [] for c in ("seconds", "measurement", "operator")}
for rd in rounds:
    one, two = by[(rd, "1")], by[(rd, "2")]
    line = []
    for c in ratios:
        ratios[c].append(float(one[c]) / float(two[c]))
        line.append(f"{c} {one[c]} / {two[c]} s = {ratios[c][-1]:.2f}x")
    print(f"  round {rd}: " + ", ".join(line))
print("medians: " + ", ".join(f"{c} {statistics.median(v):.2f}x" for c, v in ratios.items()))
PY
