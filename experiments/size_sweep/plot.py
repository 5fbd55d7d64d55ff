#!/usr/bin/python3
"""Tables and the plot of the model-size sweep (run.sh), from its HDF5 files.

    /usr/bin/python3 experiments/size_sweep/plot.py runs/size_sweep

Reads RUN/w<W>_seed<S>/overlap_seigh_k<K>.h5 (and overlap_exact.h5, the
eigen-result files for HVP counts and seconds, train/metrics.h5) and writes
  RUN/tables.md        overlap / chance per width, k and step (mean and
                       spread over seeds), the exact cross-check, costs
  RUN/size_sweep.png   overlap / chance against D, one panel per k
"""
import collections
import glob
import os
import re
import sys

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read_overlap(path):
    with h5py.File(path) as f:
        return {"D": int(f.attrs["D"]), "k": f["/k"][...], "step": f["/step"][...],
                "overlap": f["/overlap"][...], "chance": f["/chance"][...], "best": f["/best"][...],
                "random_mean": f["/random_mean"][...]}


def main(run):
    # records[(w, k, step)] = list over seeds of (overlap, chance, best, random)
    records = collections.defaultdict(list)
    exact = {}
    costs = collections.defaultdict(list)  # (w, k) -> [(hvps, seconds)]
    accuracy = collections.defaultdict(list)  # w -> final test accuracy over seeds
    dims = {}
    for directory in sorted(glob.glob(os.path.join(run, "w*_seed*"))):
        match = re.fullmatch(r"w(\d+)_seed(\d+)", os.path.basename(directory))
        if not match:
            continue
        w = int(match.group(1))
        for path in glob.glob(os.path.join(directory, "overlap_seigh_k*.h5")):
            o = read_overlap(path)
            dims[w] = o["D"]
            for r, step in enumerate(o["step"]):
                for j, k in enumerate(o["k"]):
                    records[(w, int(k), int(step))].append(
                        (o["overlap"][r, j], o["chance"][r, j], o["best"][r, j], o["random_mean"][r, j]))
        exact_path = os.path.join(directory, "overlap_exact.h5")
        if os.path.exists(exact_path) and match.group(2) == "0":
            exact[w] = read_overlap(exact_path)
        for path in glob.glob(os.path.join(directory, "seigh_k*", "*.eig.h5")):
            with h5py.File(path) as f:
                costs[(w, int(f.attrs["k"]))].append((int(f.attrs["hvps"]), float(f.attrs["seconds"])))
        metrics = os.path.join(directory, "train", "metrics.h5")
        if os.path.exists(metrics):
            with h5py.File(metrics) as f:
                accuracy[w].append(float(f["/test_accuracy"][-1]))
    if not records:
        sys.exit(f"no overlap results under {run}")

    widths = sorted(dims)
    ks = sorted({k for (_, k, _) in records})
    steps = sorted({s for (_, _, s) in records})
    lines = []

    def emit(text=""):
        print(text)
        lines.append(text)

    emit("## Magnitude mask vs top-k Hessian eigenspace (SEIGH, outer = k, inner = 2k)")
    emit()
    emit("overlap / chance: mean ± standard deviation over seeds (n = number of seeds); "
         "random = the random-mask control / chance (should be 1); best = the best possible mask / chance.")
    emit()
    emit("| w | D | test acc. | k | step | n | overlap | overlap / chance | random / chance | best / chance |")
    emit("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for w in widths:
        acc = np.mean(accuracy[w]) if accuracy[w] else float("nan")
        for k in ks:
            for step in steps:
                rows = records.get((w, k, step))
                if not rows:
                    continue
                a = np.array(rows)
                ratio = a[:, 0] / a[:, 1]
                spread = f" ± {ratio.std(ddof=1):.2f}" if len(rows) > 1 else ""
                emit(f"| {w} | {dims[w]:,} | {100 * acc:.1f} % | {k} | {step} | {len(rows)} | {a[:, 0].mean():.4f} | "
                     f"{ratio.mean():.2f}{spread} | {np.mean(a[:, 3] / a[:, 1]):.2f} | {np.mean(a[:, 2] / a[:, 1]):.1f} |")
    if exact:
        emit()
        emit("## Exact cross-check (seed 0): overlap / chance, exact eigenvectors vs SEIGH")
        emit()
        emit("| w | D | k | step | exact | SEIGH |")
        emit("|---:|---:|---:|---:|---:|---:|")
        for w, o in sorted(exact.items()):
            for r, step in enumerate(o["step"]):
                for j, k in enumerate(o["k"]):
                    rows = [x for x in records.get((w, int(k), int(step)), [])]
                    seigh = f"{rows[0][0] / rows[0][1]:.2f}" if rows else "-"
                    emit(f"| {w} | {o['D']:,} | {int(k)} | {int(step)} | {o['overlap'][r, j] / o['chance'][r, j]:.2f} "
                         f"| {seigh} (seed 0) |")
    emit()
    emit("## Cost of SEIGH per Hessian (median over checkpoints and seeds)")
    emit()
    emit("| w | D | k | HVPs | seconds |")
    emit("|---:|---:|---:|---:|---:|")
    for (w, k), c in sorted(costs.items()):
        a = np.array(c)
        emit(f"| {w} | {dims.get(w, 0):,} | {k} | {int(np.median(a[:, 0]))} | {np.median(a[:, 1]):.1f} |")
    timings = os.path.join(run, "timings.tsv")
    if os.path.exists(timings):
        emit()
        emit("Wall seconds per command (timings.tsv):")
        emit()
        with open(timings) as f:
            for line in f:
                what, seconds = line.rstrip("\n").split("\t")
                emit(f"- {what}: {float(seconds):.1f} s")
    with open(os.path.join(run, "tables.md"), "w") as out:
        out.write("\n".join(lines) + "\n")

    fig, axes = plt.subplots(1, len(ks), figsize=(4.2 * len(ks), 3.8), squeeze=False)
    for ax, k in zip(axes[0], ks):
        for step, marker in zip(steps, "os^v"):
            xs, ys, es = [], [], []
            for w in widths:
                rows = records.get((w, k, step))
                if rows:
                    a = np.array(rows)
                    ratio = a[:, 0] / a[:, 1]
                    xs.append(dims[w])
                    ys.append(ratio.mean())
                    es.append(ratio.std(ddof=1) if len(rows) > 1 else 0.0)
            ax.errorbar(xs, ys, yerr=es, marker=marker, capsize=3, label=f"step {step}")
        for w, o in exact.items():
            j = list(o["k"]).index(k) if k in o["k"] else None
            if j is not None:
                ax.plot([o["D"]] * len(o["step"]), o["overlap"][:, j] / o["chance"][:, j], "k+", ms=10,
                        label="exact (seed 0)")
        ax.axhline(1.0, color="k", ls="--", lw=1, label="chance")
        ax.set(xscale="log", yscale="log", xlabel="D (parameters)", ylabel="overlap / chance", title=f"k = {k}")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(run, "size_sweep.png"), dpi=110)
    print("wrote", os.path.join(run, "tables.md"), "and", os.path.join(run, "size_sweep.png"))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
