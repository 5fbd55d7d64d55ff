#!/usr/bin/env bash
# End to end: train a tiny MLP for a few steps, compute its loss Hessian
# with `seigh hessian` (exact at 1 and 3 ranks, sketched over a run at 2
# ranks, then continued with --skip-existing, also after an interrupted
# measurement), and check the results against an independent NumPy computation
# (hessian_numpy_check.py: the network, the class-balanced samples and the
# Hessian by finite differences of a NumPy gradient).
set -euo pipefail
tmp="$SEIGH_TEST_TMP"
rm -rf "$tmp" && mkdir -p "$tmp"
run() { "$SEIGH_MPIEXEC" -np "$1" "$SEIGH_EXE" "${@:2}"; }
run 1 train --model 'mlp(256-6-10,tanh)' --dataset fmnist16 --select train:1000 --eval-train train:100 \
  --eval-test test:100 --lr 0.3 --batch 100 --steps 4 --checkpoints 0,2 --out "$tmp/run" --quiet
ckpt="$(ls "$tmp"/run/checkpoints/step_*4.h5)"
common=(--hessian-data train:50,test:50 --precision float64 --quiet)
run 1 hessian --checkpoint "$ckpt" --method exact --k 8 "${common[@]}" --out "$tmp/exact_np1.h5"
run 3 hessian --checkpoint "$ckpt" --method exact --k 8 "${common[@]}" --out "$tmp/exact_np3.h5"
run 2 hessian --run "$tmp/run" --steps 0,4 --k 8 --outer 40 --inner 80 "${common[@]}" --out-dir "$tmp/sketched"
# --skip-existing keeps the finished results (same bytes) and adds step 2.
before="$(sha256sum "$tmp"/sketched/*.eig.h5)"
log="$(run 2 hessian --run "$tmp/run" --steps 0:4:2 --k 8 --outer 40 --inner 80 "${common[@]}" \
  --out-dir "$tmp/sketched" --skip-existing)"
grep -q "step_00000000.eig.h5 exists, skipped" <<<"$log"
grep -q "step_00000004.eig.h5 exists, skipped" <<<"$log"
[ "$(sha256sum "$tmp"/sketched/step_0000000[04].eig.h5)" = "$before" ]
[ -f "$tmp/sketched/step_00000002.eig.h5" ]
# A measurement interrupted mid-way (here after one stored block) leaves its
# sketch file; --skip-existing continues it, to the same result bit for bit.
if run 2 hessian --run "$tmp/run" --steps 2 --k 8 --outer 40 --inner 80 "${common[@]}" --out-dir "$tmp/stopped" \
  --stop-after-blocks 1 >"$tmp/stopped.log" 2>&1; then
  echo "FAIL: --stop-after-blocks 1 did not stop"; exit 1
fi
[ -f "$tmp/stopped/step_00000002.eig.h5.sketch.h5" ]
log="$(run 2 hessian --run "$tmp/run" --steps 2 --k 8 --outer 40 --inner 80 "${common[@]}" --out-dir "$tmp/stopped" \
  --skip-existing)"
grep -q "continuing the interrupted measurement in .*step_00000002.eig.h5.sketch.h5" <<<"$log"
for d in /eigenvalues /eigenvectors; do
  h5diff -q "$tmp/stopped/step_00000002.eig.h5" "$tmp/sketched/step_00000002.eig.h5" "$d" \
    || { echo "FAIL: continued result differs in $d"; exit 1; }
done
run 1 dataset --dataset fmnist16 --select train:50,test:50 --out "$tmp/samples.h5"
/usr/bin/python3 "$(dirname "$0")/hessian_numpy_check.py" "$tmp"
