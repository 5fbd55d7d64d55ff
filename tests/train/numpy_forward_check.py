#!/usr/bin/python3
"""Independent check of the checkpoint's parameter layout: rebuild the MLP
from /params in PyTorch's nn.Sequential order (per Linear: weight [out, in]
row-major, then bias), evaluate it in NumPy on the exported evaluation set,
and compare with seigh's metrics.h5 and the checkpoint's attributes.

    numpy_forward_check.py RUN_DIR EVAL_SET.h5
"""
import glob
import re
import sys

import h5py
import numpy as np

run, eval_file = sys.argv[1], sys.argv[2]
with h5py.File(eval_file) as f:
    x = f["/x"][...].astype(np.float64)
    y = f["/y"][...]
with h5py.File(f"{run}/metrics.h5") as m:
    steps = m["/step"][...]
    test_acc, test_loss = m["/test_accuracy"][...], m["/test_loss"][...]

checked = 0
for path in sorted(glob.glob(f"{run}/checkpoints/step_*.h5")):
    with h5py.File(path) as f:
        theta = f["/params"][...]
        assert theta.dtype == np.float32 and theta.ndim == 1
        spec, step = f.attrs["model"], int(f.attrs["step"])
        ck_acc = float(f.attrs["test_accuracy"])
    widths = [int(w) for w in re.fullmatch(r"mlp\(([0-9-]+),tanh\)", spec).group(1).split("-")]
    h, offset = x, 0
    for layer, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
        W = theta[offset:offset + n_out * n_in].reshape(n_out, n_in).astype(np.float64)
        offset += n_out * n_in
        b = theta[offset:offset + n_out].astype(np.float64)
        offset += n_out
        h = h @ W.T + b
        if layer < len(widths) - 2:
            h = np.tanh(h)
    assert offset == theta.size, (offset, theta.size)
    z = h - h.max(axis=1, keepdims=True)
    loss = float(np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(y)), y]))
    acc = float(np.mean(h.argmax(axis=1) == y))
    row = int(np.flatnonzero(steps == step)[0])
    print(f"step {step}: numpy test accuracy {acc:.4f} loss {loss:.6f}; seigh {test_acc[row]:.4f} {test_loss[row]:.6f}")
    # seigh evaluates in float32 (summed in another order): the loss agrees
    # to ~1e-6 relative, and a prediction can flip only on a near-tie, so
    # the accuracies may differ by one sample.
    assert abs(loss - test_loss[row]) <= 1e-5 * max(1.0, abs(loss)), (loss, test_loss[row])
    assert abs(acc - test_acc[row]) <= 1.0 / len(y) + 1e-12, (acc, test_acc[row])
    assert ck_acc == test_acc[row]
    checked += 1
assert checked >= 2, checked
print(f"PASS: {checked} checkpoints, layout and metrics agree")
