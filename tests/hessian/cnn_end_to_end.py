"""Independent check of `seigh train` + `seigh hessian` on a CNN (run by
cnn_end_to_end.sh).

NumPy only, nothing from seigh's code: the CNN of the spec written out from
PyTorch's definitions (nn.Conv2d with weight [O, C, kh, kw] then bias,
nn.MaxPool2d with -inf padding, nn.AvgPool2d with count_include_pad, the
flat parameter vector in parameters_to_vector order), mean softmax
cross-entropy. Checks: the checkpoints' model attributes, the loss seigh
records at the checkpoint, exact eigenvalues equal at 1 and 2 ranks, and
each exact eigenpair (lambda, v) against the Rayleigh quotient v'Hv by a
second difference of the NumPy loss along v; SEIGH's leading eigenvalues
against the exact ones.
"""
import os
import re
import sys

import h5py
import numpy as np

tmp, spec = sys.argv[1], sys.argv[2]
failures = []


def check(condition, message):
    print(("ok   " if condition else "FAIL ") + message)
    if not condition:
        failures.append(message)


def parse(spec):
    """cnn(CxHxW,term,...) -> input shape, [(word, [ints])]."""
    body = spec[len("cnn("):-1]
    terms = re.findall(r"([a-z]+)(?:\(([0-9,]*)\))?|([0-9]+x[0-9]+x[0-9]+)", body)
    shape = tuple(int(v) for v in terms[0][2].split("x"))
    layers = [(w, [int(v) for v in a.split(",")] if a else []) for w, a, _ in terms[1:]]
    return shape, layers


def windows(x, k, s, p, fill):
    """All k*k strided views of the padded x (N, C, H, W): list of (N, C, Ho, Wo)."""
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=fill)
    Ho = (x.shape[2] + 2 * p - k) // s + 1
    Wo = (x.shape[3] + 2 * p - k) // s + 1
    return [xp[:, :, i:i + s * (Ho - 1) + 1:s, j:j + s * (Wo - 1) + 1:s] for i in range(k) for j in range(k)]


def forward(theta, shape, layers, X, frozen=None):
    """Logits (N x classes) and the argmax pattern of every max pool; with
    `frozen` (such patterns), each max pool takes the value at the given
    argmax instead (the locally linear function the R-operator
    differentiates: it equals max pooling wherever no window has a tie)."""
    x = X.reshape(-1, *shape)
    offset, argmaxes = 0, []
    for word, a in layers:
        if word == "conv":
            O, k, s, p = a
            C = x.shape[1]
            W = theta[offset:offset + O * C * k * k].reshape(O, C, k, k)
            b = theta[offset + O * C * k * k:offset + O * C * k * k + O]
            offset += O * C * k * k + O
            views = windows(x, k, s, p, 0.0)
            x = sum(np.einsum("nchw,oc->nohw", views[i * k + j], W[:, :, i, j]) for i in range(k) for j in range(k))
            x = x + b[None, :, None, None]
        elif word == "maxpool":
            stack = np.stack(windows(x, a[0], a[1], a[2], -np.inf))
            arg = stack.argmax(axis=0) if frozen is None else frozen[len(argmaxes)]
            argmaxes.append(arg)
            x = np.take_along_axis(stack, arg[None], axis=0)[0]
        elif word == "avgpool":
            x = sum(windows(x, a[0], a[1], a[2], 0.0)) / (a[0] * a[0])
        elif word == "flatten":
            x = x.reshape(x.shape[0], -1, 1, 1)
        elif word == "linear":
            F = x.shape[1]
            W = theta[offset:offset + a[0] * F].reshape(a[0], F)
            b = theta[offset + a[0] * F:offset + a[0] * F + a[0]]
            offset += a[0] * F + a[0]
            x = (x[:, :, 0, 0] @ W.T + b)[:, :, None, None]
        elif word == "tanh":
            x = np.tanh(x)
        elif word == "softplus":
            x = np.where(x > 20, x, np.log1p(np.exp(np.minimum(x, 20))))
        else:
            raise ValueError(word)
    assert offset == theta.size, (offset, theta.size)
    return x[:, :, 0, 0], argmaxes


def loss(theta, X, y, frozen=None):
    logits, _ = forward(theta, shape, layers, X, frozen)
    z = logits - logits.max(axis=1, keepdims=True)
    return np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(y)), y])


shape, layers = parse(spec)

# Checkpoints store the canonical spec; the preset expands to its cnn(...) string.
preset_dir = os.path.join(tmp, "preset", "checkpoints")
with h5py.File(os.path.join(preset_dir, sorted(os.listdir(preset_dir))[-1]), "r") as f:
    check(f.attrs["model"].startswith("cnn(1x28x28,conv(64,5,1,0),relu,maxpool(3,2,1)") and f["/params"].shape == (892010,),
          f"3c3d checkpoint: model attribute '{f.attrs['model'][:40]}...', {f['/params'].shape[0]} parameters")

exact1 = h5py.File(os.path.join(tmp, "exact_np1.h5"), "r")
exact2 = h5py.File(os.path.join(tmp, "exact_np2.h5"), "r")
sketched = h5py.File(os.path.join(tmp, "sketched.h5"), "r")
samples = h5py.File(os.path.join(tmp, "samples.h5"), "r")
checkpoint = h5py.File(exact1.attrs["checkpoint"], "r")
check(checkpoint.attrs["model"] == spec, "checkpoint model attribute = the spec")
theta = checkpoint["/params"][...].astype(np.float64)
X = samples["/x"][...].astype(np.float64)
y = samples["/y"][...].astype(np.int64)
check(exact1.attrs["D"] == theta.size, f"D = {theta.size}")

L0 = loss(theta, X, y)
check(abs(L0 - exact1.attrs["loss_value"]) <= 1e-6 * abs(L0), f"loss {exact1.attrs['loss_value']:.9f} vs NumPy {L0:.9f}")

lam1 = exact1["/eigenvalues"][...]
lam2 = exact2["/eigenvalues"][...]
check(np.max(np.abs(lam2 - lam1)) <= 1e-10 * np.abs(lam1[0]), "exact at 2 ranks = exact at 1 rank (1e-10)")

# Rayleigh quotients v'Hv = (L(θ+hv) - 2L(θ) + L(θ-hv)) / h² with h = 1e-4:
# truncation h²/12·|∂⁴L| and rounding 4ε|L|/h² ≈ 1e-7 absolute; the
# eigenvectors are float32 (error ~1e-7 relative in v'Hv). Max pooling is
# evaluated with the argmax of θ held fixed (at θ itself that is max
# pooling; along ±hv it is the smooth function whose Hessian at θ is the
# network's, while a switching argmax would add a kink of O(1/h)).
# Tolerance 1e-5·|λ1|: a wrong layer, layout or pass moves these by O(|λ1|).
V = exact1["/eigenvectors"][...].astype(np.float64)
h = 1e-4
_, arg0 = forward(theta, shape, layers, X)
check(abs(loss(theta, X, y, arg0) - L0) == 0.0, "frozen argmax = max pooling at θ")
for i in range(len(lam1)):
    v = V[i] / np.linalg.norm(V[i])
    q = (loss(theta + h * v, X, y, arg0) - 2 * L0 + loss(theta - h * v, X, y, arg0)) / h**2
    check(abs(q - lam1[i]) <= 1e-5 * abs(lam1[0]), f"eigenpair {i}: λ = {lam1[i]:.8f}, NumPy v'Hv = {q:.8f}")

# SEIGH (o = 60, s = 120) runs on the CNN operator: its top eigenvalue
# within 5% of exact (as the MLP check; the solver's accuracy is tested on
# operators with known spectra in tests/eig).
top = sketched["/eigenvalues"][0]
check(sketched.attrs["method"] == "seigh" and abs(top - lam1[0]) <= 0.05 * abs(lam1[0]),
      f"sketched top eigenvalue {top:.6f} vs exact {lam1[0]:.6f} (5%)")

sys.exit(1 if failures else 0)
