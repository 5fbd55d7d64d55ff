#!/usr/bin/python3
"""Post-process the quickstart run with h5py, as a user would.

    /usr/bin/python3 experiments/quickstart_plot.py runs/quickstart

Compares the sketched eigenpairs at the last step with the exact ones
(eigenvalues, principal angles of the eigenspaces) and draws
runs/quickstart/quickstart.png: eigenvalues sketched vs exact, and the
mask-eigenspace overlap against k with the chance level k/D.
"""
import glob
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

run = sys.argv[1]
last = sorted(glob.glob(os.path.join(run, "sketched", "*.eig.h5")))[-1]
exact_path = glob.glob(os.path.join(run, "exact", "*.eig.h5"))[0]
with h5py.File(last) as f, h5py.File(exact_path) as g:
    lam_s, V_s = f["/eigenvalues"][...], f["/eigenvectors"][...].astype(np.float64)
    lam_e, V_e = g["/eigenvalues"][...], g["/eigenvectors"][...].astype(np.float64)
    step, D = int(f.attrs["step"]), int(f.attrs["D"])
    print(f"step {step}, D = {D}: sketched ({f.attrs['hvps']} HVPs, a-posteriori relative error "
          f"{f.attrs['relative_error']:.3g}) vs exact ({g.attrs['hvps']} HVPs)")
# Both lists are ordered by |lambda|; eigenvalues of nearly equal magnitude
# and opposite sign can trade places, so compare magnitudes index by index
# and count the sign swaps separately.
rel = np.abs(np.abs(lam_s) - np.abs(lam_e)) / np.abs(lam_e)
swaps = int(np.sum(np.sign(lam_s[:50]) != np.sign(lam_e[:50])))
print("top-10 eigenvalues, sketched:", np.array2string(lam_s[:10], precision=4))
print("top-10 eigenvalues, exact:   ", np.array2string(lam_e[:10], precision=4))
# Index by index: the tail of a sketch of size o is less accurate (and
# near-equal magnitudes of opposite sign may swap places), so look at heads.
print(f"max relative error of |eigenvalue|, top 10: {rel[:10].max():.2e}, top 25: {rel[:25].max():.2e}, "
      f"top 50: {rel[:50].max():.2e} ({swaps} sign swaps of near-equal magnitudes in the top 50)")
for k in (10, 22, 100):
    cosines = np.linalg.svd(V_s[:k] @ V_e[:k].T, compute_uv=False)
    print(f"eigenspace overlap sketched vs exact, k = {k:3d}: {np.mean(cosines ** 2):.4f}")

with h5py.File(os.path.join(run, "overlap.h5")) as f:
    ks, steps = f["/k"][...], f["/step"][...]
    overlap, chance, best = f["/overlap"][...], f["/chance"][...], f["/best"][...]
    random_mean = f["/random_mean"][...]

fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
a.semilogy(np.abs(lam_e), "k-", label="exact")
a.semilogy(np.abs(lam_s), "r.", ms=4, label="SEIGH (sketched)")
a.set(xlabel="i", ylabel="|eigenvalue|", title=f"Hessian spectrum at step {step} (D = {D})")
a.legend()
for row, t in enumerate(steps):
    b.plot(ks, overlap[row], "o-", label=f"magnitude mask, step {t}")
b.plot(ks, chance[0], "k--", label="chance k/D")
b.plot(ks, random_mean[0], "kx", label="random masks (mean)")
b.set(xscale="log", yscale="log", xlabel="k", ylabel="overlap", title="mask vs top-k eigenspace")
b.legend(fontsize=8)
fig.tight_layout()
out = os.path.join(run, "quickstart.png")
fig.savefig(out, dpi=100)
print("overlap / chance:", {int(t): np.round(overlap[r] / chance[r], 1).tolist() for r, t in enumerate(steps)})
print("wrote", out)
