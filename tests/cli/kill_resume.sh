#!/usr/bin/env bash
# Really kill a SEIGH measurement with SIGKILL, resume it, and check that the
# result is bit for bit the uninterrupted run's (h5diff exits 0 only when the
# datasets are identical).
#
#   kill_resume.sh NP WORKDIR
set -uo pipefail
np="$1"; work="$(realpath -m "$2")"
seigh="${SEIGH_EXE:?}"; mpiexec="${SEIGH_MPIEXEC:-mpirun}"
rm -rf "$work"; mkdir -p "$work"; cd "$work"
# Small blocks of a cheap operator: 15 Y blocks and 3 Z batches, a few seconds.
args=(eig --operator synthetic:poly,D=100000,R=10,p=2,seed=5 --k 20 --outer 60 --inner 180 --block 4
      --seed 11 --error-probes 4 --quiet)

"$mpiexec" -np "$np" "$seigh" "${args[@]}" --out reference.h5 >reference.log 2>&1 || { cat reference.log; echo "FAIL: reference run"; exit 1; }

# Kill every rank with SIGKILL (no handler runs) once the measurement is
# under way. Timing on a loaded machine varies, so an attempt that kills too
# early (nothing counted yet) or too late (already finished) is repeated with
# another delay.
killed_mid_run=0
for delay in 1.0 2.5 0.5 4.0; do
  rm -f killed.h5 killed.h5.sketch.h5 killed.h5.partial
  "$mpiexec" -np "$np" "$seigh" "${args[@]}" --out "$work/killed.h5" >killed.log 2>&1 &
  launcher=$!
  for _ in $(seq 1 1200); do  # up to 60 s for start-up under load
    [[ -f killed.h5.sketch.h5 ]] && break
    sleep 0.05
  done
  sleep "$delay"
  pkill -KILL -f -- "--out $work/killed.h5" || true  # only this test's ranks
  wait "$launcher" 2>/dev/null
  echo "attempt with delay ${delay}s: killed run exit status $?"
  [[ -f killed.h5 ]] && { echo "  finished before the kill; retrying"; continue; }
  info="$("$mpiexec" -np 1 "$seigh" info killed.h5.sketch.h5 2>&1)" || { echo "$info"; echo "  no readable sketch file; retrying"; continue; }
  y_done=$(echo "$info" | sed -n 's/.*y_columns_done = \([0-9]*\).*/\1/p')
  z_done=$(echo "$info" | sed -n 's/.*z_columns_done = \([0-9]*\).*/\1/p')
  echo "  sketch file: y_columns_done=$y_done z_columns_done=$z_done"
  if [[ "$y_done" == "0" && "$z_done" == "0" ]]; then echo "  killed before any block was counted; retrying"; continue; fi
  killed_mid_run=1
  break
done
((killed_mid_run)) || { echo "FAIL: no attempt killed the run in mid-measurement"; exit 1; }

"$mpiexec" -np "$np" "$seigh" "${args[@]}" --out "$work/killed.h5" --resume >resumed.log 2>&1 || { cat resumed.log; echo "FAIL: resume"; exit 1; }
for dataset in /eigenvalues /eigenvectors; do
  h5diff reference.h5 killed.h5 "$dataset" || { echo "FAIL: $dataset differs after kill + resume"; exit 1; }
done
[[ -f killed.h5.sketch.h5 ]] && { echo "FAIL: sketch file left after success"; exit 1; }
# The products: the resumed run reports its own and those the killed run had
# measured (the counted columns), which add up to the uninterrupted run's.
attribute() { "$mpiexec" -np 1 "$seigh" info "$1" | sed -n "s/^ *$2 = \([0-9]*\)$/\1/p"; }
total=$(attribute reference.h5 hvps); mine=$(attribute killed.h5 hvps); earlier=$(attribute killed.h5 hvps_resumed)
echo "products: uninterrupted $total; resumed run $mine + earlier ${earlier:-none}"
[[ "$earlier" == "$((y_done + z_done))" ]] || { echo "FAIL: hvps_resumed = '$earlier', expected $((y_done + z_done))"; exit 1; }
[[ "$((mine + earlier))" == "$total" ]] || { echo "FAIL: products do not add up to the uninterrupted run's"; exit 1; }
echo "PASS: killed at y_columns_done=$y_done z_columns_done=$z_done, resumed result identical"
