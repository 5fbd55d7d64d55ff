#!/usr/bin/env bash
# fmnist16 as `seigh dataset` exports it against PIL's own resize of the
# same images (pil_resize_check.py), and fmnist against the raw bytes.
# Environment from seigh_add_cli_test: SEIGH_EXE, SEIGH_MPIEXEC, SEIGH_TEST_TMP.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$SEIGH_TEST_TMP"
data_dir="${1:-/usr/share/datasets/fashion-mnist}"
rm -rf "$tmp" && mkdir -p "$tmp"
"$SEIGH_MPIEXEC" -np 1 "$SEIGH_EXE" dataset --dataset fmnist16 --select train:all,test:all --out "$tmp/fmnist16.h5"
"$SEIGH_MPIEXEC" -np 1 "$SEIGH_EXE" dataset --dataset fmnist --select test:all --out "$tmp/fmnist.h5"
/usr/bin/python3 "$here/pil_resize_check.py" "$tmp/fmnist16.h5" "$tmp/fmnist.h5" "$data_dir"
rm -rf "$tmp"
