#!/usr/bin/env bash
# expect_success.sh NP REGEX -- COMMAND [ARGS...]
# Runs COMMAND under mpirun with NP ranks; passes if it exits 0 and its
# output matches REGEX (use '.' to accept any output).
set -uo pipefail
np="$1"; regex="$2"; shift 2
[[ "${1:-}" == "--" ]] && shift
output="$(mktemp)"
trap 'rm -f "$output"' EXIT
"${SEIGH_MPIEXEC:-mpirun}" -np "$np" "$@" >"$output" 2>&1
code=$?
cat "$output"
if [[ $code -ne 0 ]]; then echo "FAIL: exit code $code"; exit 1; fi
if ! grep -qE -- "$regex" "$output"; then echo "FAIL: output does not match '$regex'"; exit 1; fi
echo "PASS"
