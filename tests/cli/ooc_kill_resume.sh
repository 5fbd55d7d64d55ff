#!/usr/bin/env bash
# Really kill an out-of-core `seigh eig` (float32: Y overwritten by V in
# place in OUT.partial, journalled through the sketch file) with SIGKILL
# while the streamed in-place pass (vectors) is running, resume
# it, and check the result is bit for bit the uninterrupted run's (h5diff
# exits 0 only when the datasets are identical).
#
#   ooc_kill_resume.sh NP WORKDIR
set -uo pipefail
np="$1"; work="$(realpath -m "$2")"
seigh="${SEIGH_EXE:?}"; mpiexec="${SEIGH_MPIEXEC:-mpirun}"
here="$(cd "$(dirname "$0")" && pwd)"
rm -rf "$work"; mkdir -p "$work"; cd "$work"
# D = 3·10^5 float32, o = 48: a 58 MB tall matrix in row blocks of
# 12288/NP rows, so the in-place pass (vectors, the only one) is 25 flushed
# steps per rank at any rank count. History: with a fixed 16384 rows it was
# 7 steps at 3 ranks, and three runs in a row finished before the poll
# below saw the pass; with o = 24 and 13 steps (0.3 s in all) six attempts
# in a row at 1 and 3 ranks did, under load, once the gram pass no longer
# had a second CholeskyQR pass after it.
args=(eig --operator synthetic:poly,D=300000,R=6,p=2,seed=7 --k 24 --outer 48 --inner 96 --block 8
      --test-matrix sparse-sign --seed 3 --error-probes 4 --precision float32 --row-block $(( 12288 / np ))
      --out-of-core --quiet)

"$mpiexec" -np "$np" "$seigh" "${args[@]}" --out reference.h5 >reference.log 2>&1 || { cat reference.log; echo "FAIL: reference run"; exit 1; }

# The phase the sketch file records ("" while it cannot be read).
phase() { h5dump -a /phase killed.h5.sketch.h5 2>/dev/null | sed -n 's/.*(0): "\(.*\)".*/\1/p'; }
steps() { h5dump -a /phase_steps killed.h5.sketch.h5 2>/dev/null | sed -n 's/.*(0): \([0-9]*\).*/\1/p'; }

# mpirun runs in a session of its own (setsid), so kill -KILL of its process
# group takes it and its ranks down at once, with no handler running. A run
# that finishes before a pass is seen, or is killed outside one, is retried
# (h5dump often cannot read the file while a pass writes it, so a poll can
# miss the whole pass: under load about half the attempts at 3 ranks did).
killed_in=""
for attempt in 1 2 3 4 5 6; do
  rm -f killed.h5 killed.h5.sketch.h5 killed.h5.partial
  setsid "$mpiexec" -np "$np" "$seigh" "${args[@]}" --out "$work/killed.h5" >killed.log 2>&1 &
  group=$!
  seen=""
  for _ in $(seq 1 1200); do  # up to 60 s for start-up and measurement under load
    kill -0 "$group" 2>/dev/null || break
    p="$(phase)"
    if [[ "$p" == vectors ]] && [[ "$(steps)" -ge 1 ]]; then seen="$p"; break; fi
    sleep 0.05
  done
  kill -KILL -- "-$group" 2>/dev/null
  wait "$group" 2>/dev/null
  # Ranks that outlived the group kill (none expected): this run's only.
  for pid in $(pgrep -f -- "--out $work/killed.h5"); do kill -KILL "$pid" 2>/dev/null; done
  [[ -f killed.h5 ]] && { echo "attempt $attempt: finished before the kill; retrying"; continue; }
  [[ -z "$seen" ]] && { echo "attempt $attempt: no in-place pass seen; retrying"; continue; }
  at="$(phase) $(steps)"
  echo "attempt $attempt: killed in pass $seen; the sketch file then said phase/steps = $at"
  killed_in="$at"
  break
done
[[ -n "$killed_in" ]] || { cat killed.log; echo "FAIL: no attempt killed the run inside an in-place pass"; exit 1; }
[[ -f killed.h5.partial ]] || { echo "FAIL: killed.h5.partial (the tall matrix) missing after the kill"; exit 1; }

"$mpiexec" -np "$np" "$seigh" "${args[@]}" --out "$work/killed.h5" --resume >resumed.log 2>&1 || { cat resumed.log; echo "FAIL: resume"; exit 1; }
bash "$here/same_result.sh" reference.h5 killed.h5 "after kill + resume" || exit 1
[[ -f killed.h5.sketch.h5 || -f killed.h5.partial ]] && { echo "FAIL: state left after success"; exit 1; }
echo "PASS: killed at phase/steps $killed_in, resumed result identical"
