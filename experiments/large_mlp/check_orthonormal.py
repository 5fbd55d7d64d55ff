#!/usr/bin/python3
"""Check that the k stored vectors of a [k, D] dataset are orthonormal:
G = V V_S^T against the identity, for all k vectors against a random subset
S of them, plus every vector's norm; streams row blocks of entries.

    /usr/bin/python3 experiments/large_mlp/check_orthonormal.py FILE [DATASET] [SUBSET]

A vector with any wrong block of entries (e.g. written to the wrong place)
shows in its row of G: its inner products with the subset leave 0 (or 1).
Prints the largest deviation |G - I| and the worst vectors. Right vectors
stay far below 1e-4 (2e-8 for a k = 100, D = 269,322 result); a block of
wrong entries moves its row by about that block's share of the norm.
"""
import sys
import time

import h5py
import numpy as np


def main(path, name="/eigenvectors", subset=200):
    with h5py.File(path, "r") as f:
        V = f[name]
        k, D = V.shape
        rng = np.random.default_rng(0)
        S = np.sort(rng.choice(k, size=min(subset, k), replace=False))
        G = np.zeros((k, len(S)))
        norms = np.zeros(k)
        step = V.chunks[1] if V.chunks else 1 << 18
        t0 = time.time()
        for a in range(0, D, step):
            B = V[:, a:min(D, a + step)].astype(np.float64)
            G += B @ B[S].T
            norms += np.einsum("ij,ij->i", B, B)
            if (a // step) % 8 == 0:
                print(f"  [{time.time() - t0:6.0f} s] entries {a + B.shape[1]}/{D}", flush=True)
    I = np.zeros_like(G)
    I[S, np.arange(len(S))] = 1.0
    dev = np.abs(G - I)
    worst = np.argsort(dev.max(axis=1))[::-1][:5]
    print(f"{path}{name}: k = {k}, D = {D}, subset of {len(S)} vectors")
    print(f"max |G - I| = {dev.max():.3e}, max |norm^2 - 1| = {np.abs(norms - 1).max():.3e}")
    print("worst vectors (row max |G - I|):", ", ".join(f"{i}: {dev[i].max():.2e}" for i in worst))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1], *(sys.argv[2:3]), *(int(x) for x in sys.argv[3:4]))
