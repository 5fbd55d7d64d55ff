#!/usr/bin/python3
"""Post-process seigh eigen-result files with h5py, as a user would.

    /usr/bin/python3 experiments/quickstart_check.py eig.h5 [other.h5 ...]

Checks the documented layout (/eigenvalues float64 [k], /eigenvectors
float32 [k, D], row i = unit eigenvector i) and compares the eigenspaces of
several files by the singular values of V1 V2^T (cosines of principal angles).
"""
import sys

import h5py
import numpy as np


def load(path):
    with h5py.File(path, "r") as f:
        values = f["/eigenvalues"][...]
        vectors = f["/eigenvectors"][...].astype(np.float64)
        attrs = dict(f.attrs)
    return values, vectors, attrs


def main(paths):
    first = None
    for path in paths:
        values, vectors, attrs = load(path)
        k, D = vectors.shape
        gram = vectors @ vectors.T
        print(f"{path}: method={attrs['method']} k={k} D={D} hvps={attrs['hvps']}")
        print(f"    top eigenvalues {np.array2string(values[:5], precision=6)}")
        print(f"    ||V V^T - I||_max = {np.abs(gram - np.eye(k)).max():.2e} (float32 storage)")
        if first is None:
            first = (path, vectors)
        else:
            cosines = np.linalg.svd(first[1] @ vectors.T, compute_uv=False)
            print(f"    principal-angle cosines vs {first[0]}: min {cosines.min():.6f}, "
                  f"mean {cosines.mean():.6f}")


if __name__ == "__main__":
    main(sys.argv[1:])
