#!/usr/bin/python3
"""Tables and the plot of the model-size sweep (run.sh), from its HDF5 files.

    /usr/bin/python3 experiments/size_sweep/plot.py RUN [--archive CSV]

Reads RUN/w<W>_seed<S>/overlap_seigh_k*.h5 (and overlap_exact.h5, the
eigen-result files for HVP counts and seconds, train/metrics.h5) and writes
  RUN/tables.md        overlap / chance per width, k and step (mean and
                       spread over seeds), the exact cross-check, costs
  RUN/summary.csv      the same per-cell summary, one row per (method, w,
                       k, step), in the format of measured.csv
  RUN/size_sweep.png   overlap / chance against D, one panel per k

--archive CSV adds the cells of an earlier sweep (measured.csv here: the
summaries of the cells measured in earlier sessions, whose run directories
are gone) wherever RUN has no result for that cell; RUN's own results win.
The tables mark archived cells. A cell's spread needs the per-seed ratios,
which the archive keeps only as mean and standard deviation, so archived
and fresh cells are never averaged together.
"""
import argparse
import collections
import csv
import glob
import os
import re

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# One row per cell; "method" is seigh or exact. Exact rows fill only
# ratio_mean and seigh_seed0_ratio (SEIGH's ratio for the same seed-0
# network, the cross-check's other column).
FIELDS = ["method", "w", "D", "test_accuracy", "k", "step", "n", "overlap", "ratio_mean", "ratio_sd",
          "random_ratio", "best_ratio", "seigh_seed0_ratio", "source"]


def read_overlap(path):
    """A `seigh overlap` file as {D, k [nk], step [n], overlap, chance, best, random_mean [n, nk]}.

    A file of one result has no /step (its step is an attribute) and 1-D
    [nk] datasets; it is read as a run of one.
    """
    with h5py.File(path) as f:
        single = "step" not in f
        rows = (lambda name: f[name][...][np.newaxis, :]) if single else (lambda name: f[name][...])
        return {"D": int(f.attrs["D"]), "k": f["/k"][...],
                "step": np.array([f.attrs["step"]]) if single else f["/step"][...],
                "overlap": rows("/overlap"), "chance": rows("/chance"), "best": rows("/best"),
                "random_mean": rows("/random_mean")}


def cells_from_run(run):
    """Per-cell summaries of RUN's HDF5 files: {(method, w, k, step): row}, and costs {(w, k): [(hvps, s)]}."""
    records = collections.defaultdict(list)  # (w, k, step) -> per seed (overlap, chance, best, random)
    seed0 = {}  # (w, k, step) -> SEIGH's overlap / chance for seed 0
    exact = {}
    costs = collections.defaultdict(list)
    accuracy = collections.defaultdict(list)
    dims = {}
    for directory in sorted(glob.glob(os.path.join(run, "w*_seed*"))):
        match = re.fullmatch(r"w(\d+)_seed(\d+)", os.path.basename(directory))
        if not match:
            continue
        w = int(match.group(1))
        # overlap_seigh_k<K>.h5 holds every checkpoint of one k; a run that
        # wrote one file per checkpoint (overlap_seigh_k<K>_step<S>.h5) is read the same way.
        for path in glob.glob(os.path.join(directory, "overlap_seigh_k*.h5")):
            o = read_overlap(path)
            dims[w] = o["D"]
            for r, step in enumerate(o["step"]):
                for j, k in enumerate(o["k"]):
                    records[(w, int(k), int(step))].append(
                        (o["overlap"][r, j], o["chance"][r, j], o["best"][r, j], o["random_mean"][r, j]))
                    if match.group(2) == "0":
                        seed0[(w, int(k), int(step))] = o["overlap"][r, j] / o["chance"][r, j]
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

    cells = {}
    for (w, k, step), rows in records.items():
        a = np.array(rows)
        ratio = a[:, 0] / a[:, 1]
        cells[("seigh", w, k, step)] = {
            "method": "seigh", "w": w, "D": dims[w],
            "test_accuracy": np.mean(accuracy[w]) if accuracy[w] else float("nan"),
            "k": k, "step": step, "n": len(rows), "overlap": a[:, 0].mean(), "ratio_mean": ratio.mean(),
            "ratio_sd": ratio.std(ddof=1) if len(rows) > 1 else float("nan"),
            "random_ratio": np.mean(a[:, 3] / a[:, 1]), "best_ratio": np.mean(a[:, 2] / a[:, 1]),
            "source": run}
    for w, o in exact.items():
        for r, step in enumerate(o["step"]):
            for j, k in enumerate(o["k"]):
                cells[("exact", w, int(k), int(step))] = {
                    "method": "exact", "w": w, "D": o["D"], "k": int(k), "step": int(step), "n": 1,
                    "ratio_mean": o["overlap"][r, j] / o["chance"][r, j],
                    "seigh_seed0_ratio": seed0.get((w, int(k), int(step)), float("nan")), "source": run}
    return cells, costs


def read_archive(path):
    cells = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(line for line in f if not line.startswith("#")):
            cell = {}
            for key in FIELDS:
                value = row.get(key, "")
                if key in ("method", "source"):
                    cell[key] = value
                elif key in ("w", "D", "k", "step", "n"):
                    cell[key] = int(value)
                else:
                    cell[key] = float(value) if value not in ("", "nan") else float("nan")
            cells[(cell["method"], cell["w"], cell["k"], cell["step"])] = cell
    return cells


def fmt(x, digits):
    return "" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.{digits}f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run")
    parser.add_argument("--archive", help="CSV of earlier cells (measured.csv) for cells RUN does not have")
    args = parser.parse_args()
    cells, costs = cells_from_run(args.run)
    if args.archive:
        for key, cell in read_archive(args.archive).items():
            cells.setdefault(key, cell)
    if not cells:
        raise SystemExit(f"no overlap results under {args.run}")

    seigh = {(w, k, s): c for (m, w, k, s), c in cells.items() if m == "seigh"}
    exact = {(w, k, s): c for (m, w, k, s), c in cells.items() if m == "exact"}
    dims = {c["w"]: c["D"] for c in cells.values()}
    accuracy = {c["w"]: c["test_accuracy"] for c in seigh.values()}
    widths = sorted({w for (w, _, _) in seigh})
    ks = sorted({k for (_, k, _) in seigh})
    steps = sorted({s for (_, _, s) in seigh})
    archived = any(c["source"] != args.run for c in cells.values())
    lines = []

    def emit(text=""):
        print(text)
        lines.append(text)

    emit("## Magnitude mask vs top-k Hessian eigenspace (SEIGH, outer = k, inner = 2k)")
    emit()
    emit("overlap / chance: mean ± standard deviation over seeds (n = number of seeds); "
         "random = the random-mask control / chance (should be 1); best = the best possible mask / chance."
         + (" * = from the archive (an earlier session's measurement)." if archived else ""))
    emit()
    emit("| w | D | test acc. | k | step | n | overlap | overlap / chance | random / chance | best / chance |")
    emit("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for w in widths:
        for k in ks:
            for step in steps:
                c = seigh.get((w, k, step))
                if not c:
                    continue
                spread = f" ± {c['ratio_sd']:.2f}" if c["n"] > 1 else ""
                mark = " *" if c["source"] != args.run else ""
                emit(f"| {w} | {dims[w]:,} | {100 * accuracy[w]:.1f} % | {k} | {step} | {c['n']} | "
                     f"{c['overlap']:.4f} | {c['ratio_mean']:.2f}{spread}{mark} | {c['random_ratio']:.2f} | "
                     f"{c['best_ratio']:.1f} |")
    if exact:
        emit()
        emit("## Exact cross-check (seed 0): overlap / chance, exact eigenvectors vs SEIGH")
        emit()
        emit("| w | D | k | step | exact | SEIGH |")
        emit("|---:|---:|---:|---:|---:|---:|")
        for (w, k, step), c in sorted(exact.items(), key=lambda item: (item[0][0], item[0][2], item[0][1])):
            mark = " *" if c["source"] != args.run else ""
            seigh0 = c.get("seigh_seed0_ratio", float("nan"))
            emit(f"| {w} | {c['D']:,} | {k} | {step} | {c['ratio_mean']:.2f}{mark} | "
                 f"{'-' if np.isnan(seigh0) else f'{seigh0:.2f} (seed 0)'} |")
    if costs:
        emit()
        emit("## Cost of SEIGH per Hessian (median over checkpoints and seeds, this run directory only)")
        emit()
        emit("| w | D | k | HVPs | seconds |")
        emit("|---:|---:|---:|---:|---:|")
        for (w, k), c in sorted(costs.items()):
            a = np.array(c)
            emit(f"| {w} | {dims.get(w, 0):,} | {k} | {int(np.median(a[:, 0]))} | {np.median(a[:, 1]):.1f} |")
    timings = os.path.join(args.run, "timings.tsv")
    if os.path.exists(timings):
        emit()
        emit("Wall seconds per command (timings.tsv):")
        emit()
        with open(timings) as f:
            for line in f:
                what, seconds = line.rstrip("\n").split("\t")
                emit(f"- {what}: {float(seconds):.1f} s")
    with open(os.path.join(args.run, "tables.md"), "w") as out:
        out.write("\n".join(lines) + "\n")
    with open(os.path.join(args.run, "summary.csv"), "w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=FIELDS)
        writer.writeheader()
        for key in sorted(cells):
            c = cells[key]
            writer.writerow({f: (fmt(c[f], 6) if isinstance(c.get(f), float) else c.get(f, "")) for f in FIELDS})

    fig, axes = plt.subplots(1, len(ks), figsize=(4.2 * len(ks), 3.8), squeeze=False)
    for ax, k in zip(axes[0], ks):
        for step, marker in zip(steps, "os^v"):
            points = [seigh[(w, k, step)] for w in widths if (w, k, step) in seigh]
            ax.errorbar([c["D"] for c in points], [c["ratio_mean"] for c in points],
                        yerr=[0.0 if c["n"] < 2 else c["ratio_sd"] for c in points],
                        marker=marker, capsize=3, label=f"step {step}")
        points = [c for (w, kk, s), c in exact.items() if kk == k]
        if points:
            ax.plot([c["D"] for c in points], [c["ratio_mean"] for c in points], "k+", ms=10,
                    label="exact (seed 0)")
        ax.axhline(1.0, color="k", ls="--", lw=1, label="chance")
        ax.set(xscale="log", yscale="log", xlabel="D (parameters)", ylabel="overlap / chance", title=f"k = {k}")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(args.run, "size_sweep.png"), dpi=110)
    print("wrote", os.path.join(args.run, "tables.md"), "summary.csv and size_sweep.png")


if __name__ == "__main__":
    main()
