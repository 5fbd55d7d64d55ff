#!/usr/bin/env bash
# Out-of-core `seigh eig` stopped inside a streamed pass and after a stage,
# resumed with --resume: the result file must be bit for bit the
# uninterrupted out-of-core run's (h5diff exits 0 only when the datasets are
# identical), and the automatic choice by --memory-limit must say why.
#
#   ooc_resume.sh NP WORKDIR
set -uo pipefail
np="$1"; work="$(realpath -m "$2")"
seigh="${SEIGH_EXE:?}"; mpiexec="${SEIGH_MPIEXEC:-mpirun}"
here="$(cd "$(dirname "$0")" && pwd)"
rm -rf "$work"; mkdir -p "$work"; cd "$work"
# D = 20000 float32: o = 16 columns, row blocks of 1500 rows (several per rank).
args=(eig --operator synthetic:poly,D=20000,R=6,p=2,seed=7 --k 8 --outer 16 --inner 40 --block 5
      --seed 3 --error-probes 6 --precision float32 --row-block 1500 --quiet)
run() { "$mpiexec" -np "$np" "$seigh" "${args[@]}" "$@"; }

# Chosen by the memory limit (the in-memory model is ~0.5 MB per rank); a
# budget that small leaves no room for more than one block (5 columns) in
# the core batch.
run --memory-limit 0.0001 --out reference.h5 >reference.log 2>&1 || { cat reference.log; echo "FAIL: reference run"; exit 1; }
grep -q "out-of-core (the in-memory model" reference.log || { cat reference.log; echo "FAIL: mode line missing"; exit 1; }
grep -q "out-of-core, row block 1500" reference.log || { cat reference.log; echo "FAIL: memory model line missing"; exit 1; }
grep -q "row block 1500, core batch 5)" reference.log || { cat reference.log; echo "FAIL: core batch 5 not reported"; exit 1; }
[[ -f reference.h5.sketch.h5 || -f reference.h5.partial ]] && { echo "FAIL: state left after success"; exit 1; }

# --out-of-core under the default budget (80 % of the node's memory) takes
# all s = 40 core columns in one batch, --core-batch 12 rounds up to 15
# (three blocks): the same bits as the one-block reference, and the batch
# recorded in the result.
run --out-of-core --out wide.h5 >wide.log 2>&1 || { cat wide.log; echo "FAIL: wide run"; exit 1; }
grep -q "core batch 40)" wide.log || { cat wide.log; echo "FAIL: core batch 40 not reported"; exit 1; }
bash "$here/same_result.sh" reference.h5 wide.h5 "with the core sketch in one batch" || exit 1
run --out-of-core --core-batch 12 --out three.h5 >three.log 2>&1 || { cat three.log; echo "FAIL: --core-batch 12 run"; exit 1; }
h5dump -a /core_batch three.h5 | grep -q "(0): 15" || { h5dump -a /core_batch three.h5; echo "FAIL: core_batch attribute"; exit 1; }
bash "$here/same_result.sh" reference.h5 three.h5 "with core batches of 15" || exit 1

# Stops (the unit test tests/eig/test_out_of_core.cpp stops in and after
# every stage; each run here costs a few seconds of mpirun): with
# --core-batch 5, 4 Y blocks + 8 Z batches are measured (units 1-12), then
# the read-only gram and orth passes, the core, and the row blocks of
# vectors (units 13, 14, ...): the first stop falls inside vectors, after
# its second block. The resumed runs take the default budget's batch.
for stop in "--stop-after-blocks 14" "--stop-after-phase orth" "--stop-after-phase vectors"; do
  rm -f stopped.h5 stopped.h5.sketch.h5 stopped.h5.partial
  # shellcheck disable=SC2086
  run --out-of-core --core-batch 5 --out stopped.h5 $stop >stopped.log 2>&1 && { cat stopped.log; echo "FAIL: '$stop' did not stop"; exit 1; }
  grep -q "continue with --resume" stopped.log || { cat stopped.log; echo "FAIL: '$stop': no stop message"; exit 1; }
  run --out-of-core --out stopped.h5 --resume >resumed.log 2>&1 || { cat resumed.log; echo "FAIL: resume after '$stop'"; exit 1; }
  bash "$here/same_result.sh" reference.h5 stopped.h5 "after '$stop' + resume" || exit 1
  echo "stopped with '$stop', resumed: identical"
done
echo "PASS"
