#!/usr/bin/env bash
# Really kill a training run with SIGKILL after a checkpoint has appeared,
# resume it from its run directory ('--config OUT/run.ini --resume latest'),
# and check that the final checkpoint is bit for bit the uninterrupted
# run's (h5diff exits 0 only for identical datasets), as is the metrics
# table's loss column.
#   kill_resume_train.sh NP WORKDIR FIXTURES
set -uo pipefail
np="$1"; work="$(realpath -m "$2")"; fixtures="$3"
seigh="${SEIGH_EXE:?}"; mpiexec="${SEIGH_MPIEXEC:-mpirun}"
rm -rf "$work"; mkdir -p "$work"; cd "$work"
args=(train --model 'mlp(256-32-10,tanh)' --dataset "$fixtures/toy.h5" --select all --eval-train all:50
      --eval-test all --optimizer momentum --lr 0.05 --batch 30 --steps 1000 --checkpoint-every 100 --quiet)

"$mpiexec" -np "$np" "$seigh" "${args[@]}" --out "$work/reference" >reference.log 2>&1 || { cat reference.log; echo "FAIL: reference run"; exit 1; }

killed_mid_run=0
for attempt in 1 2 3; do
  rm -rf killed
  "$mpiexec" -np "$np" "$seigh" "${args[@]}" --out "$work/killed" >killed.log 2>&1 &
  launcher=$!
  for _ in $(seq 1 1200); do  # up to 60 s for start-up under load
    [[ -f killed/checkpoints/step_00000200.h5 ]] && break
    sleep 0.05
  done
  pkill -KILL -f -- "--out $work/killed" || true  # only this test's ranks
  wait "$launcher" 2>/dev/null
  echo "attempt $attempt: killed run exit status $?"
  [[ -f killed/checkpoints/step_00001000.h5 ]] && { echo "  finished before the kill; retrying"; continue; }
  [[ -f killed/checkpoints/step_00000200.h5 ]] || { echo "  killed before step 200; retrying"; continue; }
  killed_mid_run=1
  break
done
((killed_mid_run)) || { echo "FAIL: no attempt killed the run in mid-training"; exit 1; }
echo "checkpoints left by the killed run: $(ls killed/checkpoints | tr '\n' ' ')"

"$mpiexec" -np "$np" "$seigh" train --config "$work/killed/run.ini" --resume latest >resumed.log 2>&1 || { cat resumed.log; echo "FAIL: resume"; exit 1; }
grep -q "resuming from latest" resumed.log || { cat resumed.log; echo "FAIL: no resume line"; exit 1; }
for dataset in /params /optimizer/momentum; do
  h5diff reference/checkpoints/step_00001000.h5 killed/checkpoints/step_00001000.h5 "$dataset" ||
    { echo "FAIL: $dataset differs after kill + resume"; exit 1; }
done
for dataset in /step /test_loss /train_accuracy; do
  h5diff reference/metrics.h5 killed/metrics.h5 "$dataset" || { echo "FAIL: metrics $dataset differs"; exit 1; }
done
echo "PASS: killed after a checkpoint, resumed from the latest, final checkpoint and metrics identical"
