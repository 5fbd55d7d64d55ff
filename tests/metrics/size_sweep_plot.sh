#!/usr/bin/env bash
# experiments/size_sweep/plot.py on `seigh overlap` files: a sweep directory
# laid out as run.sh lays it out (w<W>_seed<S>/overlap_seigh_k*.h5), with a
# file of one result (1-D datasets, step as an attribute), the same result
# from a second seed, and a file of a three-checkpoint run, plus an archive
# CSV (measured.csv's format) with one cell the directory also has and one
# it lacks. Checks every summary number against the HDF5 files, that the
# directory's cell wins over the archive's, and that the archived cell is
# kept and marked. Usage: size_sweep_plot.sh FIXTURE_PROGRAM; environment
# from seigh_add_cli_test.
set -euo pipefail
fixtures="$1"
plot="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/experiments/size_sweep/plot.py"
tmp="$SEIGH_TEST_TMP"
rm -rf "$tmp" && mkdir -p "$tmp"
"$SEIGH_MPIEXEC" -np 1 "$fixtures" "$tmp"
run() { local np="$1"; shift; "$SEIGH_MPIEXEC" -np "$np" "$SEIGH_EXE" overlap "$@" >/dev/null; }
sweep="$tmp/sweep"
mkdir -p "$sweep/w5_seed0" "$sweep/w5_seed1" "$sweep/w7_seed0"
run 2 --eig "$tmp/eig_200.h5" --k 1,3,8 --random-masks 20 --seed 1 --out "$sweep/w5_seed0/overlap_seigh_k8_step200.h5"
run 1 --eig "$tmp/eig_200.h5" --k 1,3,8 --random-masks 20 --seed 2 --out "$sweep/w5_seed1/overlap_seigh_k8_step200.h5"
run 3 --eig "$tmp/eig_100.h5" "$tmp/eig_200.h5" "$tmp/eig_300.h5" --k 2,5 --out "$sweep/w7_seed0/overlap_seigh_k5.h5"
cat > "$tmp/archive.csv" <<'CSV'
# a comment line, as in measured.csv
method,w,D,test_accuracy,k,step,n,overlap,ratio_mean,ratio_sd,random_ratio,best_ratio,source
seigh,5,60,0.5,3,200,3,0.5,999,1,1,9,archive
seigh,9,1000,0.8,3,200,1,0.042,42,,1.1,90,archive
exact,9,1000,,3,200,1,,40.5,,,,archive
CSV
/usr/bin/python3 "$plot" "$sweep" --archive "$tmp/archive.csv" > "$tmp/plot.log"
test -s "$sweep/size_sweep.png"

/usr/bin/python3 - "$sweep" <<'PY'
import csv
import sys
import h5py
import numpy as np
sweep = sys.argv[1]
with open(f"{sweep}/summary.csv") as f:
    cells = {(r["method"], int(r["w"]), int(r["k"]), int(r["step"])): r for r in csv.DictReader(f)}
# Two seeds of the one-result file: same eigenvectors and checkpoint, so
# the same overlap; n = 2 and a spread of 0; the directory wins over the
# archive's 999.
with h5py.File(f"{sweep}/w5_seed0/overlap_seigh_k8_step200.h5") as a, \
     h5py.File(f"{sweep}/w5_seed1/overlap_seigh_k8_step200.h5") as b:
    for j, k in enumerate([1, 3, 8]):
        c = cells[("seigh", 5, k, 200)]
        ratio = a["/overlap"][j] / a["/chance"][j]
        assert c["source"] == sweep and int(c["n"]) == 2 and int(c["D"]) == 60, c
        assert abs(float(c["ratio_mean"]) - ratio) <= 1e-5 * ratio, (k, c, ratio)
        assert float(c["ratio_sd"]) <= 1e-6 * ratio, c
        random = (a["/random_mean"][j] + b["/random_mean"][j]) / 2 / a["/chance"][j]
        assert abs(float(c["random_ratio"]) - random) <= 1e-5 * max(random, 1), (k, c, random)
        assert abs(float(c["best_ratio"]) - a["/best"][j] / a["/chance"][j]) <= 1e-5 * float(c["best_ratio"])
# The three-checkpoint run: one row per step and k.
with h5py.File(f"{sweep}/w7_seed0/overlap_seigh_k5.h5") as f:
    for t, step in enumerate([100, 200, 300]):
        for j, k in enumerate([2, 5]):
            c = cells[("seigh", 7, k, step)]
            ratio = f["/overlap"][t, j] / f["/chance"][t, j]
            assert int(c["n"]) == 1 and c["ratio_sd"] == "", c
            assert abs(float(c["ratio_mean"]) - ratio) <= 1e-5 * ratio, (step, k, c, ratio)
# The archive-only cells are kept as they were.
c = cells[("seigh", 9, 3, 200)]
assert c["source"] == "archive" and float(c["ratio_mean"]) == 42 and int(c["D"]) == 1000, c
assert float(cells[("exact", 9, 3, 200)]["ratio_mean"]) == 40.5
assert len(cells) == 3 + 6 + 2, sorted(cells)
tables = open(f"{sweep}/tables.md").read()
assert "| 9 | 1,000 | 80.0 % | 3 | 200 | 1 | 0.0420 | 42.00 * |" in tables, tables
assert "999" not in tables
print("plot.py: directory cells match the overlap files, archive cells kept and marked")
PY
echo PASS
