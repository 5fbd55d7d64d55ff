#!/usr/bin/python3
"""Accuracy and loss curves of a `seigh train` run from its metrics.h5.

    /usr/bin/python3 experiments/paper_fmnist16/plot_training.py \
        runs/paper_fmnist16/train/metrics.h5 [OUT.png]

Default OUT: training_curves.png beside this script. Also prints a table
at selected steps (the one in TRAINING.md).
"""
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

path = sys.argv[1] if len(sys.argv) > 1 else "runs/paper_fmnist16/train/metrics.h5"
out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "training_curves.png")
with h5py.File(path) as f:
    m = {k: f[k][...] for k in ("step", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "lr", "seconds")}
    title = f"{f.attrs['model']} on {f.attrs['dataset']} ({f.attrs['optimizer']}, lr {m['lr'][0]:g})"
    evals = f"eval: train {f.attrs['eval_train']}, test {f.attrs['eval_test']}"

fig, (ax_acc, ax_loss) = plt.subplots(1, 2, figsize=(11, 4))
for key, label in (("train", "train (eval subset)"), ("test", "test")):
    ax_acc.plot(m["step"], 100 * m[f"{key}_accuracy"], label=label)
    ax_loss.plot(m["step"], m[f"{key}_loss"], label=label)
ax_acc.axhline(80, color="grey", lw=0.8, ls="--")
ax_acc.set(xlabel="step", ylabel="accuracy (%)", ylim=(0, 100))
ax_loss.set(xlabel="step", ylabel="mean cross-entropy", yscale="log")
for ax in (ax_acc, ax_loss):
    ax.grid(alpha=0.3)
    ax.legend()
fig.suptitle(f"{title}\n{evals}", fontsize=9)
fig.tight_layout()
fig.savefig(out, dpi=80)
print(f"wrote {out}")

print("| step | train loss | train acc. | test loss | test acc. | seconds |")
print("|---:|---:|---:|---:|---:|---:|")
for s in (0, 5, 50, 100, 200, 500, 1000, 2000, 3000, 4000, 5000):
    rows = np.flatnonzero(m["step"] == s)
    if rows.size:
        r = rows[0]
        print(f"| {s} | {m['train_loss'][r]:.4f} | {100 * m['train_accuracy'][r]:.1f} % | {m['test_loss'][r]:.4f} | "
              f"{100 * m['test_accuracy'][r]:.2f} % | {m['seconds'][r]:.1f} |")
best = int(np.argmax(m["test_accuracy"]))
print(f"final test accuracy {100 * m['test_accuracy'][-1]:.2f} % at step {m['step'][-1]}; "
      f"best {100 * m['test_accuracy'][best]:.2f} % at step {m['step'][best]}")
