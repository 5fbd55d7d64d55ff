#!/usr/bin/env bash
# expect_failure.sh NP MAX_SECONDS REGEX -- COMMAND [ARGS...]
#
# Runs COMMAND under mpirun with NP ranks and passes if, and only if:
#   - it exits non-zero,
#   - within MAX_SECONDS (a hang is a failure, not a pass),
#   - and its output (stdout + stderr) contains REGEX exactly once
#     (the error is reported once, not once per rank).
set -uo pipefail
np="$1"; max_seconds="$2"; regex="$3"; shift 3
[[ "${1:-}" == "--" ]] && shift

output="$(mktemp)"
trap 'rm -f "$output"' EXIT
start_ms=$(($(date +%s%N) / 1000000))
timeout --kill-after=5 "$((max_seconds + 5))" \
  "${SEIGH_MPIEXEC:-mpirun}" -np "$np" "$@" >"$output" 2>&1
code=$?
elapsed_ms=$(($(date +%s%N) / 1000000 - start_ms))
elapsed="$((elapsed_ms / 1000)).$(printf %03d $((elapsed_ms % 1000)))"
count=$(grep -cE -- "$regex" "$output")

echo "--- exit code $code after ${elapsed}s; '$regex' seen $count time(s); output:"
cat "$output"
echo "---"
fail=0
if [[ $code -eq 0 ]]; then echo "FAIL: exit code 0, expected non-zero"; fail=1; fi
if [[ $code -eq 124 || $code -eq 137 ]]; then echo "FAIL: timed out (hang)"; fail=1; fi
if ((elapsed_ms > max_seconds * 1000)); then echo "FAIL: took ${elapsed}s > ${max_seconds}s"; fail=1; fi
if [[ $count -ne 1 ]]; then echo "FAIL: message seen $count times, expected exactly once"; fail=1; fi
[[ $fail -eq 0 ]] && echo "PASS"
exit $fail
