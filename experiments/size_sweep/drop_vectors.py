#!/usr/bin/python3
"""Remove the /eigenvectors dataset from seigh result files, keeping every
other dataset and attribute (eigenvalues, HVP counts, timings), so that a
sweep's large results stop filling the disk once their overlaps are done.

    /usr/bin/python3 experiments/size_sweep/drop_vectors.py FILE.eig.h5 ...

Each file is rewritten to FILE.slim and renamed over FILE (HDF5 does not
give freed space back to the file system). The file keeps its name, so
`seigh hessian --skip-existing` still skips it and plot.py still reads its
attributes; the attribute eigenvectors_removed records what was done.
Recompute the vectors with the same `seigh hessian` command (deterministic).
"""
import os
import sys

import h5py


def drop(path):
    with h5py.File(path, "r") as src:
        if "eigenvectors" not in src:
            return 0
    slim = path + ".slim"
    with h5py.File(path, "r") as src, h5py.File(slim, "w") as dst:
        for key, value in src.attrs.items():
            dst.attrs[key] = value
        for name in src:
            if name != "eigenvectors":
                src.copy(name, dst)
        dst.attrs["eigenvectors_removed"] = "after the overlap, to free disk (experiments/size_sweep/drop_vectors.py)"
    freed = os.path.getsize(path) - os.path.getsize(slim)
    os.replace(slim, path)
    return freed


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for p in sys.argv[1:]:
        print(f"{p}: {drop(p) / 1e9:.2f} GB freed")
