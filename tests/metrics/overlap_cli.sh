#!/usr/bin/env bash
# `seigh overlap` end to end: small eig files and checkpoints from
# make_overlap_fixtures, one result at 2 ranks (θ from the eig file's
# checkpoint attribute), a run of three results given out of order (sorted
# by step), explicit --params, and the same result at 3 ranks; the numbers
# are recomputed independently in numpy (Debian's /usr/bin/python3).
# Usage: overlap_cli.sh FIXTURE_PROGRAM; environment from seigh_add_cli_test.
set -euo pipefail
fixtures="$1"
tmp="$SEIGH_TEST_TMP"
rm -rf "$tmp" && mkdir -p "$tmp"
"$SEIGH_MPIEXEC" -np 1 "$fixtures" "$tmp"
run() { local np="$1"; shift; "$SEIGH_MPIEXEC" -np "$np" "$SEIGH_EXE" overlap "$@"; }

run 2 --eig "$tmp/eig_200.h5" --k 8,1,3 --random-masks 40 --seed 7 --out "$tmp/one.h5" | tee "$tmp/one.log"
grep -q "seigh overlap: D = 60, 1 result, random masks R = 40 (seed 7)" "$tmp/one.log"
grep -qE "^ +3 +[0-9.e+-]+ +5\.0000e-02 " "$tmp/one.log"   # k = 3: chance 3/60
run 3 --eig "$tmp/eig_200.h5" --k 1,3,8 --random-masks 40 --seed 7 --out "$tmp/one3.h5" >/dev/null
run 2 --eig "$tmp/eig_300.h5" "$tmp/eig_100.h5" "$tmp/eig_200.h5" --k 2,5 --out "$tmp/run.h5" | tee "$tmp/run.log"
grep -q "stability  eig-overlap" "$tmp/run.log"
run 1 --eig "$tmp/eig_noattr.h5" --params "$tmp/ckpt_100.h5" --k 4 --random-masks 0 --out "$tmp/explicit.h5" >/dev/null

/usr/bin/python3 - "$tmp" <<'PY'
import sys
import h5py
import numpy as np
tmp = sys.argv[1]

def mask(theta, k):
    order = np.lexsort((np.arange(theta.size), -np.abs(theta)))  # |θ| descending, then index
    return np.sort(order[:k])

def expected(eig, ckpt, k):
    with h5py.File(eig) as f:
        V = f["/eigenvectors"][:k].astype(np.float64).T          # D x k
    with h5py.File(ckpt) as f:
        theta = f["/params"][...]
    D = V.shape[0]
    M = mask(theta, k)
    A = V[M]
    c = np.clip(np.linalg.svd(A, compute_uv=False), 0, 1)
    th = np.arccos(c)
    ov = (A ** 2).sum() / k
    rows = (V ** 2).sum(axis=1)
    return dict(overlap=ov, chance=k / D, best=np.sort(rows)[::-1][:k].sum() / k,
                geodesic=np.linalg.norm(th), chordal=np.linalg.norm(2 * np.sin(th / 2)),
                projection=np.linalg.norm(np.sin(th)), fubini_study=np.arccos(np.prod(c)),
                binet_cauchy=np.sqrt(1 - np.prod(c) ** 2), iou=ov / (2 - ov)), M, V

# One result: [nk] datasets, k sorted.
with h5py.File(f"{tmp}/one.h5") as f, h5py.File(f"{tmp}/one3.h5") as g:
    assert list(f["/k"][...]) == [1, 3, 8], f["/k"][...]
    assert f.attrs["D"] == 60 and f.attrs["random_masks"] == 40 and f.attrs["seed"] == 7 and f.attrs["run"] == 0
    assert f.attrs["step"] == 200 and f.attrs["eig_files"].endswith("eig_200.h5")
    assert f.attrs["params_files"].endswith("ckpt_200.h5"), f.attrs["params_files"]
    assert "step" not in f and "mask_stability" not in f
    for j, k in enumerate([1, 3, 8]):
        e, _, _ = expected(f"{tmp}/eig_200.h5", f"{tmp}/ckpt_200.h5", k)
        for name, value in e.items():
            got = f[f"/{name}"][j]
            # float32 eigenvectors, float64 arithmetic on both sides; angles
            # near 0 are ill-conditioned (arccos at 1), hence 1e-6 absolute.
            assert abs(got - value) <= 1e-6 + 1e-9 * abs(value), (name, k, got, value)
        assert f["/best"][j] >= f["/overlap"][j] - 1e-12
        # random control at chance: within 4 standard errors
        se = f["/random_std"][j] / np.sqrt(40)
        assert abs(f["/random_mean"][j] - k / 60) <= 4 * se + 1e-12, (k, f["/random_mean"][j], se)
    # The same result at 3 ranks: every number to rounding (sums in another order).
    for name in f:
        a, b = f[name][...], g[name][...]
        assert a.shape == b.shape and np.allclose(a, b, rtol=1e-12, atol=1e-14, equal_nan=True), (name, a, b)

# A run: [n_results, nk], rows ordered by step, the last one the reference.
with h5py.File(f"{tmp}/run.h5") as f:
    assert list(f["/step"][...]) == [100, 200, 300], f["/step"][...]
    assert f.attrs["run"] == 1 and f.attrs["n_results"] == 3
    files = f.attrs["eig_files"].split("\n")
    assert [x.rsplit("/", 1)[1] for x in files] == ["eig_100.h5", "eig_200.h5", "eig_300.h5"], files
    assert f["/overlap"].shape == (3, 2) and f["/eigenspace_overlap"].shape == (3, 2)
    for t, step in enumerate([100, 200, 300]):
        for j, k in enumerate([2, 5]):
            e, M, V = expected(f"{tmp}/eig_{step}.h5", f"{tmp}/ckpt_{step}.h5", k)
            _, MT, VT = expected(f"{tmp}/eig_300.h5", f"{tmp}/ckpt_300.h5", k)
            assert abs(f["/overlap"][t, j] - e["overlap"]) <= 1e-7, (t, k)
            assert f["/chance"][t, j] == k / 60
            stab = np.intersect1d(M, MT).size / k
            assert f["/mask_stability"][t, j] == stab, (t, k, f["/mask_stability"][t, j], stab)
            eo = ((V.T @ VT) ** 2).sum() / k
            assert abs(f["/eigenspace_overlap"][t, j] - eo) <= 1e-7, (t, k, f["/eigenspace_overlap"][t, j], eo)
    assert np.all(f["/mask_stability"][2] == 1.0)
    assert np.all(np.abs(f["/eigenspace_overlap"][2] - 1.0) < 1e-6)
    assert np.all(f["/eigenspace_geodesic"][2] < 3e-3)
    # the fixtures drift towards the last basis: overlap grows with the step
    assert f["/eigenspace_overlap"][0, 1] < f["/eigenspace_overlap"][1, 1] < f["/eigenspace_overlap"][2, 1]

# Explicit --params, no random masks: NaN control, numbers from that checkpoint.
with h5py.File(f"{tmp}/explicit.h5") as f:
    e, _, _ = expected(f"{tmp}/eig_noattr.h5", f"{tmp}/ckpt_100.h5", 4)
    assert abs(f["/overlap"][0] - e["overlap"]) <= 1e-7
    assert np.isnan(f["/random_mean"][0]) and np.isnan(f["/random_std"][0])
    assert f.attrs["params_files"].endswith("ckpt_100.h5")
print("seigh overlap: one result, 3-rank agreement, run, explicit --params all match numpy")
PY
echo PASS
