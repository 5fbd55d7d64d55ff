#!/usr/bin/env bash
# The README's second command: install what is missing, build, and run the
# whole test suite with ctest (MPI tests at 1, 2 and 3 ranks, each with a
# timeout). Exit code is ctest's.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${SEIGH_BUILD_DIR:-$ROOT/build}"
"$ROOT/cmake/bootstrap.sh" "$BUILD_DIR"
source "$ROOT/cmake/mpi-env.sh"
cd "$BUILD_DIR"
ctest --output-on-failure -j 2 "$@"
