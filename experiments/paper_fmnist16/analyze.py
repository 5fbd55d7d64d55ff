#!/usr/bin/python3
"""Tables and plots of the paper experiment (run.sh), from its HDF5 files only.

    /usr/bin/python3 experiments/paper_fmnist16/analyze.py runs/paper_fmnist16

Reads RUN/exact/*.eig.h5, RUN/sketched/*.eig.h5, RUN/overlap_exact.h5,
RUN/overlap_sketched.h5 and RUN/train/metrics.h5, and writes into RUN:
  tables.md                    the tables below (also printed)
  overlap_vs_step.png          mask-eigenspace overlap vs step, rho = 0.01,
                               0.05, 0.2, with chance and the random control
  sketched_vs_exact.png        SEIGH vs exact eigenvalues at three steps
  mask_stability.png           |M_t & M_T| / k and the eigenspace overlap
                               with the last checkpoint T
Every number is recomputed from the files; nothing is typed in.
"""
import glob
import os
import sys

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

RHO_K = {0.01: 70, 0.05: 352, 0.2: 1406}  # k = round(rho * D), D = 7030


def results_by_step(directory):
    """{step: path} of the eigen-result files in directory."""
    out = {}
    for path in glob.glob(os.path.join(directory, "*.eig.h5")):
        with h5py.File(path) as f:
            out[int(f.attrs["step"])] = path
    return dict(sorted(out.items()))


def load_overlap(path):
    with h5py.File(path) as f:
        data = {name: f[name][...] for name in f if isinstance(f[name], h5py.Dataset)}
        data["D"] = int(f.attrs["D"])
    data["row"] = {int(s): i for i, s in enumerate(data["step"])}
    data["col"] = {int(k): j for j, k in enumerate(data["k"])}
    return data


def eigenspace_overlap(a, b, k):
    """||A_k^T B_k||_F^2 / k of two [K, D] eigenvector arrays (rows = vectors)."""
    return float(np.sum((a[:k] @ b[:k].T) ** 2) / k)


def main(run):
    exact = results_by_step(os.path.join(run, "exact"))
    sketched = results_by_step(os.path.join(run, "sketched"))
    ov_e = load_overlap(os.path.join(run, "overlap_exact.h5"))
    ov_s = load_overlap(os.path.join(run, "overlap_sketched.h5"))
    D = ov_e["D"]
    with h5py.File(os.path.join(run, "train", "metrics.h5")) as f:
        accuracy = dict(zip(f["/step"][...].tolist(), f["/test_accuracy"][...].tolist()))
    lines = []

    def emit(text=""):
        print(text)
        lines.append(text)

    # --- Table 1: the paper's quantity along the run (exact eigenvectors).
    emit(f"## Magnitude mask vs top-k Hessian eigenspace along the run (exact, D = {D})")
    emit()
    emit("overlap = ||V_k[M_k,:]||_F^2 / k; chance = k/D; x = overlap / chance; random = mean of the "
         "random-mask control; stability = |M_t & M_T|/k and eigenspace = ||V_t^T V_T||_F^2/k against "
         f"the last checkpoint T = {int(ov_e['step'][-1])}, both at rho = 0.05.")
    emit()
    emit("| step | test acc. | rho=0.01 (k=70) | rho=0.05 (k=352) | rho=0.2 (k=1406) | random (k=352) "
         "| best mask (k=352) | stability (k=352) | eigenspace (k=352) |")
    emit("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for step in ov_e["step"]:
        r = ov_e["row"][int(step)]
        cells = []
        for rho, k in RHO_K.items():
            j = ov_e["col"][k]
            cells.append(f"{ov_e['overlap'][r, j]:.4f} ({ov_e['overlap'][r, j] / ov_e['chance'][r, j]:.2f}x)")
        j = ov_e["col"][352]
        acc = accuracy.get(int(step), float("nan"))
        emit(f"| {int(step)} | {100 * acc:.2f} % | " + " | ".join(cells) +
             f" | {ov_e['random_mean'][r, j]:.4f} | {ov_e['best'][r, j]:.4f} | "
             f"{ov_e['mask_stability'][r, j]:.3f} | {ov_e['eigenspace_overlap'][r, j]:.3f} |")
    emit()
    emit("chance: " + ", ".join(f"rho={rho}: {ov_e['chance'][0, ov_e['col'][k]]:.4f}" for rho, k in RHO_K.items()))
    emit()

    # --- Table 2: SEIGH against exact at the common steps.
    common = [s for s in sketched if s in exact]
    emit(f"## SEIGH (k = outer = 355, inner = 710, float32) vs exact (float64), steps {common[0]}..{common[-1]}")
    emit()
    emit("eigenvalues: both lists are ordered by |lambda|; err = max_i | |l_s,i| - |l_e,i| | / |l_e,i| over the "
         "top 10 (top 50); swaps = positions in the top 10 where the signs differ (near-equal magnitudes of "
         "opposite sign trade places, so index-by-index signed errors of 2 would be meaningless there); "
         "eigenspace: ||V_s,k^T V_e,k||_F^2/k; mask overlap: |SEIGH - exact| of ||V_k[M_k,:]||_F^2/k; "
         "est. = SEIGH's a-posteriori relative error; seconds on the shared VM while other jobs ran.")
    emit()
    emit("| step | top-10 err | top-50 err | swaps | eigenspace k=10 | k=50 | k=352 | mask diff k=10 | k=50 | k=70 "
         "| k=352 | est. | HVPs | SEIGH s | exact s |")
    emit("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    comparison = {}
    for step in common:
        with h5py.File(sketched[step]) as f, h5py.File(exact[step]) as g:
            lam_s, V_s = f["/eigenvalues"][...], f["/eigenvectors"][...].astype(np.float64)
            lam_e, V_e = g["/eigenvalues"][...], g["/eigenvectors"][...].astype(np.float64)
            est, hvps, sec_s, sec_e = (float(f.attrs["relative_error"]), int(f.attrs["hvps"]),
                                       float(f.attrs["seconds"]), float(g.attrs["seconds"]))
        head = lam_e[: lam_s.size]
        rel = np.abs(np.abs(lam_s) - np.abs(head)) / np.abs(head)
        swaps = int(np.sum(np.sign(lam_s[:10]) != np.sign(head[:10])))
        spaces = [eigenspace_overlap(V_s, V_e, k) for k in (10, 50, 352)]
        rs, re_ = ov_s["row"][step], ov_e["row"][step]
        diffs = [abs(ov_s["overlap"][rs, ov_s["col"][k]] - ov_e["overlap"][re_, ov_e["col"][k]])
                 for k in (10, 50, 70, 352)]
        comparison[step] = (lam_s, lam_e, rel)
        emit(f"| {step} | {rel[:10].max():.1e} | {rel[:50].max():.1e} | {swaps} | " +
             " | ".join(f"{v:.4f}" for v in spaces) + " | " + " | ".join(f"{v:.4f}" for v in diffs) +
             f" | {est:.3f} | {hvps} | {sec_s:.1f} | {sec_e:.1f} |")
    worst10 = max(c[2][:10].max() for c in comparison.values())
    worst_diff = {k: max(abs(ov_s["overlap"][ov_s["row"][s], ov_s["col"][k]] -
                             ov_e["overlap"][ov_e["row"][s], ov_e["col"][k]]) for s in common)
                  for k in (10, 50, 70, 352)}
    emit()
    emit(f"worst over the steps: top-10 |eigenvalue| error {worst10:.2e}; mask-overlap difference " +
         ", ".join(f"k={k}: {v:.4f}" for k, v in worst_diff.items()))
    emit()
    with open(os.path.join(run, "tables.md"), "w") as out:
        out.write("\n".join(lines) + "\n")

    # --- Figure 1: overlap vs step with chance.
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    colors = {0.01: "tab:blue", 0.05: "tab:orange", 0.2: "tab:green"}
    for rho, k in RHO_K.items():
        j = ov_e["col"][k]
        ax.plot(ov_e["step"], ov_e["overlap"][:, j], "o-", color=colors[rho], ms=4,
                label=f"rho = {rho} (k = {k}), exact")
        ax.axhline(ov_e["chance"][0, j], color=colors[rho], ls="--", lw=1)
        ax.plot(ov_e["step"], ov_e["random_mean"][:, j], "x", color=colors[rho], ms=4)
        if k in ov_s["col"]:
            ax.plot(ov_s["step"], ov_s["overlap"][:, ov_s["col"][k]], "s", mfc="none", color=colors[rho], ms=7,
                    label=f"rho = {rho}, SEIGH")
    ax.set_xscale("symlog", linthresh=25)
    ax.set(xlabel="step (linear below 25, log above)", yscale="log", ylabel="overlap ||V_k[M_k,:]||^2 / k",
           title="Magnitude mask vs top-k Hessian eigenspace\n(dashed: chance k/D; x: random masks)")
    ax.set_xlim(left=0)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(run, "overlap_vs_step.png"), dpi=110)

    # --- Figure 2: sketched vs exact eigenvalues at three steps.
    shown = [common[0], common[len(common) // 2], common[-1]]
    fig, axes = plt.subplots(2, 3, figsize=(12, 6), sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    for col, step in enumerate(shown):
        lam_s, lam_e, rel = comparison[step]
        i = np.arange(1, lam_s.size + 1)
        axes[0, col].semilogy(i, np.abs(lam_e[: lam_s.size]), "k-", label="exact")
        axes[0, col].semilogy(i, np.abs(lam_s), "r.", ms=3, label="SEIGH")
        axes[0, col].set(title=f"step {step}", ylabel="|eigenvalue|")
        axes[0, col].legend(fontsize=8)
        axes[1, col].semilogy(i, rel, "r.", ms=3)
        axes[1, col].set(xlabel="index i (both ordered by |eigenvalue|)", ylabel="relative error of |eigenvalue|")
    fig.tight_layout()
    fig.savefig(os.path.join(run, "sketched_vs_exact.png"), dpi=110)

    # --- Figure 3: mask stability and eigenspace overlap with the end of training.
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    for rho, k in RHO_K.items():
        j = ov_e["col"][k]
        a.plot(ov_e["step"], ov_e["mask_stability"][:, j], "o-", color=colors[rho], ms=4, label=f"k = {k}")
        a.axhline(k / D, color=colors[rho], ls="--", lw=1)
        b.plot(ov_e["step"], ov_e["eigenspace_overlap"][:, j], "o-", color=colors[rho], ms=4, label=f"k = {k}")
        b.axhline(k / D, color=colors[rho], ls="--", lw=1)
    T = int(ov_e["step"][-1])
    a.set_xscale("symlog", linthresh=25)
    b.set_xscale("symlog", linthresh=25)
    a.set(xlabel="step", ylabel=f"|M_t & M_{T}| / k", title="magnitude-mask stability")
    b.set(xlabel="step", ylabel=f"||V_t^T V_{T}||^2 / k", title="eigenspace overlap with the end")
    for axis in (a, b):
        axis.set_xlim(left=0)
        axis.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(run, "mask_stability.png"), dpi=110)
    print("wrote", ", ".join(os.path.join(run, n) for n in
                             ("tables.md", "overlap_vs_step.png", "sketched_vs_exact.png", "mask_stability.png")))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
