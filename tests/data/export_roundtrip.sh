#!/usr/bin/env bash
# `seigh dataset` writes the tensors; reading that file back as a dataset
# (`--dataset file:...`) and exporting again gives identical /x and /y;
# `seigh info` lists it; the --split/--subset shorthand selects the first
# samples of each class (a subset of a larger selection's test part).
# Environment from seigh_add_cli_test: SEIGH_EXE, SEIGH_MPIEXEC, SEIGH_TEST_TMP.
set -euo pipefail
tmp="$SEIGH_TEST_TMP"
rm -rf "$tmp" && mkdir -p "$tmp"
run() { local np="$1"; shift; "$SEIGH_MPIEXEC" -np "$np" "$SEIGH_EXE" "$@"; }

run 2 dataset --dataset fmnist16 --select train:500,test:500 --out "$tmp/a.h5" | tee "$tmp/a.log"
grep -q "N = 1000, F = 256 (1x16x16), classes = 10, per class \[100 100 100 100 100 100 100 100 100 100\]" "$tmp/a.log"
test -f "$tmp/a.h5" && test ! -e "$tmp/a.h5.partial"

run 3 dataset --dataset "file:$tmp/a.h5" --select all --out "$tmp/b.h5"
run 1 dataset --dataset fmnist16 --split test --subset 200 --out "$tmp/c.h5"
run 1 info "$tmp/a.h5" | tee "$tmp/info.log"
grep -qE "/x +dataset +float32 +\[1000, 256\]" "$tmp/info.log"
grep -q 'resize_recipe = ' "$tmp/info.log"

/usr/bin/python3 - "$tmp" <<'PY'
import sys
import h5py
import numpy as np
tmp = sys.argv[1]
with h5py.File(f"{tmp}/a.h5") as a, h5py.File(f"{tmp}/b.h5") as b:
    assert a["/x"].dtype == np.float32 and a["/x"].shape == (1000, 256), a["/x"]
    assert np.array_equal(a["/x"][...], b["/x"][...]), "x differs after the round trip"
    assert np.array_equal(a["/y"][...], b["/y"][...]), "y differs after the round trip"
    assert a.attrs["dataset"] == "fmnist16" and a.attrs["selection"] == "train:500,test:500"
    assert a.attrs["split_names"] == "train,test" and a.attrs["classes"] == 10
    assert b.attrs["dataset"] == f"file:{tmp}/a.h5" and b.attrs["split_names"] == "all"
    assert (b.attrs["channels"], b.attrs["height"], b.attrs["width"]) == (1, 16, 16)
    split, index = a["/source_split"][...], a["/source_index"][...]
    assert list(split) == [0] * 500 + [1] * 500
    assert np.all(np.diff(index[:500]) > 0) and np.all(np.diff(index[500:]) > 0)
    assert np.array_equal(b["/source_index"][...], np.arange(1000))
    assert np.array_equal(np.bincount(a["/y"][...], minlength=10), [100] * 10)
with h5py.File(f"{tmp}/a.h5") as a, h5py.File(f"{tmp}/c.h5") as c:
    assert c.attrs["selection"] == "test:200"
    a_rows = {int(i): r for r, i in enumerate(a["/source_index"][500:], start=500)}
    ax, cx = a["/x"][...], c["/x"][...]
    for r, i in enumerate(c["/source_index"][...]):
        assert int(i) in a_rows, f"test index {i} of test:200 is not in train:500,test:500"
        assert np.array_equal(cx[r], ax[a_rows[int(i)]])
    assert np.array_equal(np.bincount(c["/y"][...], minlength=10), [20] * 10)
print("round trip: identical /x and /y (1000 x 256); --split test --subset 200 within test:500")
PY
echo PASS
