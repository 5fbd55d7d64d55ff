"""Independent check of `seigh hessian` (run by hessian_numpy_check.sh).

NumPy only, nothing from seigh's code: the MLP 256-6-10 tanh with mean
softmax cross-entropy written out by hand in PyTorch's parameter layout
(per Linear: weight [out, in] row-major, then bias), its gradient by
backpropagation, the Hessian by central differences of that gradient, and
the class-balanced Hessian samples recomputed from the raw IDX labels.
"""
import gzip
import os
import sys

import h5py
import numpy as np

tmp = sys.argv[1]
failures = []


def check(condition, message):
    print(("ok   " if condition else "FAIL ") + message)
    if not condition:
        failures.append(message)


def unpack(theta, widths):
    layers, offset = [], 0
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        W = theta[offset:offset + n_out * n_in].reshape(n_out, n_in)
        offset += n_out * n_in
        b = theta[offset:offset + n_out]
        offset += n_out
        layers.append((W, b))
    assert offset == theta.size
    return layers


def loss_and_gradient(theta, widths, X, y):
    """Mean cross-entropy and its gradient (X: N x F, rows are samples)."""
    layers = unpack(theta, widths)
    zs, a = [X], X
    for i, (W, b) in enumerate(layers):
        a = a @ W.T + b
        if i + 1 < len(layers):
            a = np.tanh(a)
        zs.append(a)
    logits = zs[-1]
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted)
    p /= p.sum(axis=1, keepdims=True)
    N = X.shape[0]
    loss = -np.mean(np.log(p[np.arange(N), y]))
    delta = p.copy()
    delta[np.arange(N), y] -= 1.0
    delta /= N
    grads = []
    for i in range(len(layers) - 1, -1, -1):
        W, _ = layers[i]
        grads.append((delta.T @ zs[i]).ravel())
        grads.append(delta.sum(axis=0))
        if i > 0:
            delta = (delta @ W) * (1.0 - zs[i] ** 2)
    # grads were collected last layer first as (W, b) pairs
    ordered = []
    for i in range(len(grads) // 2 - 1, -1, -1):
        ordered += [grads[2 * i], grads[2 * i + 1]]
    return loss, np.concatenate(ordered)


def balanced_indices(labels, n, classes=10):
    per = n // classes
    chosen = []
    for c in range(classes):
        chosen += list(np.flatnonzero(labels == c)[:per])
    return np.sort(np.array(chosen))


def idx_labels(name):
    with gzip.open(os.path.join("/usr/share/datasets/fashion-mnist", name)) as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=8)


widths = [256, 6, 10]
exact1 = h5py.File(os.path.join(tmp, "exact_np1.h5"), "r")
exact3 = h5py.File(os.path.join(tmp, "exact_np3.h5"), "r")
samples = h5py.File(os.path.join(tmp, "samples.h5"), "r")
checkpoint = h5py.File(exact1.attrs["checkpoint"], "r")
theta = checkpoint["/params"][...].astype(np.float64)
X = samples["/x"][...].astype(np.float64)
y = samples["/y"][...].astype(np.int64)

# The samples the result records are the class-balanced selection, computed
# here from the raw labels: the first 5 of each class in train, then in test.
expected_train = balanced_indices(idx_labels("train-labels-idx1-ubyte.gz"), 50)
expected_test = balanced_indices(idx_labels("t10k-labels-idx1-ubyte.gz"), 50)
check(np.array_equal(exact1["/hessian_source_index"][...], np.concatenate([expected_train, expected_test])),
      "recorded Hessian samples = first 5 per class of train, then of test")
check(np.array_equal(exact1["/hessian_source_split"][...], np.repeat([0, 1], 50)), "recorded splits")
check(exact1.attrs["hessian_samples"] == 100 and exact1.attrs["step"] == 4, "samples and step attributes")

# Loss at the checkpoint.
loss, grad = loss_and_gradient(theta, widths, X, y)
check(abs(loss - exact1.attrs["loss_value"]) <= 1e-6 * abs(loss),
      f"loss {exact1.attrs['loss_value']:.9f} vs NumPy {loss:.9f}")
check(abs(np.linalg.norm(grad) - exact1.attrs["gradient_norm"]) <= 1e-5 * np.linalg.norm(grad),
      f"|grad| {exact1.attrs['gradient_norm']:.9f} vs NumPy {np.linalg.norm(grad):.9f}")

# Hessian by central differences of the NumPy gradient (float64): error
# O(h^2 * third derivatives) ~ 1e-8 relative at h = 1e-4.
D = theta.size
h = 1e-4
H = np.empty((D, D))
for i in range(D):
    e = np.zeros(D)
    e[i] = h
    H[:, i] = (loss_and_gradient(theta + e, widths, X, y)[1] - loss_and_gradient(theta - e, widths, X, y)[1]) / (2 * h)
H = 0.5 * (H + H.T)
lam, U = np.linalg.eigh(H)
order = np.argsort(-np.abs(lam), kind="stable")
lam, U = lam[order], U[:, order]
seigh1 = exact1["/eigenvalues"][...]
seigh3 = exact3["/eigenvalues"][...]
rel = np.max(np.abs(seigh1 - lam[:8])) / np.abs(lam[0])
check(rel <= 1e-6, f"exact eigenvalues vs NumPy finite-difference Hessian: max rel. error {rel:.2e} (<= 1e-6)")
check(np.max(np.abs(seigh3 - seigh1)) <= 1e-10 * np.abs(seigh1[0]), "exact at 3 ranks = exact at 1 rank (1e-10)")
# Eigenvectors (float32 in the file): |cos| with NumPy's for the separated top ones.
V = exact1["/eigenvectors"][...].astype(np.float64)
gaps_ok = [j for j in range(4) if min(abs(lam[j] - lam[j - 1]) if j else np.inf, abs(lam[j] - lam[j + 1])) > 1e-3 * abs(lam[0])]
cosines = [abs(V[j] @ U[:, j]) for j in gaps_ok]
check(len(gaps_ok) > 0 and min(cosines) >= 1 - 1e-5, f"eigenvectors of separated eigenvalues {gaps_ok}: |cos| {np.round(cosines, 7)}")

# The sketched run over the training run: one result per selected step.
for step in (0, 4):
    names = [n for n in os.listdir(os.path.join(tmp, "sketched")) if n.endswith(".eig.h5")]
    match = [n for n in names if h5py.File(os.path.join(tmp, "sketched", n), "r").attrs["step"] == step]
    check(len(match) == 1, f"one sketched result for step {step} ({names})")
with h5py.File(os.path.join(tmp, "sketched", sorted(os.listdir(os.path.join(tmp, "sketched")))[-1]), "r") as f:
    top = f["/eigenvalues"][0]
    check(f.attrs["method"] == "seigh" and abs(top - lam[0]) <= 0.05 * abs(lam[0]),
          f"sketched top eigenvalue {top:.6f} vs exact {lam[0]:.6f} (5%)")

sys.exit(1 if failures else 0)
