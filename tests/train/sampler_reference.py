#!/usr/bin/python3
"""Independent NumPy reference of seigh's training-sample order (the recipe
in include/seigh/nn/sampler.hpp and the README): Philox4x32-10 written out
from Salmon et al. (SC 2011) / Random123, then epoch permutations sorted by
64-bit keys and batches cut from their concatenation.

    sampler_reference.py            self-check + print the pinned values
    sampler_reference.py SEED N B STEPS
                                    print the batches, one line each
"""
import sys

import numpy as np

M0, M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
W0, W1 = np.uint32(0x9E3779B9), np.uint32(0xBB67AE85)
MASK = np.uint64(0xFFFFFFFF)


def philox4x32_10(counters, key):
    """counters: uint32 [n, 4]; key: (k0, k1). Returns uint32 [n, 4]."""
    c = [counters[:, i].astype(np.uint64) for i in range(4)]
    k0, k1 = np.uint32(key[0]), np.uint32(key[1])
    for r in range(10):
        if r > 0:
            k0 = np.uint32((int(k0) + int(W0)) & 0xFFFFFFFF)
            k1 = np.uint32((int(k1) + int(W1)) & 0xFFFFFFFF)
        p0 = M0 * c[0]
        p1 = M1 * c[2]
        hi0, lo0 = p0 >> np.uint64(32), p0 & MASK
        hi1, lo1 = p1 >> np.uint64(32), p1 & MASK
        c = [hi1 ^ c[1] ^ np.uint64(k0), lo1, hi0 ^ c[3] ^ np.uint64(k1), lo0]
    return np.stack([x.astype(np.uint32) for x in c], axis=1)


def epoch_permutation(seed, epoch, n):
    c = np.zeros((n, 4), np.uint32)
    c[:, 0] = epoch & 0xFFFFFFFF
    c[:, 1] = epoch >> 32
    c[:, 2] = np.arange(n, dtype=np.uint32)
    c[:, 3] = 6 << 24  # role sampler, user stream 0
    w = philox4x32_10(c, (seed & 0xFFFFFFFF, seed >> 32))
    keys = w[:, 0].astype(np.uint64) | (w[:, 1].astype(np.uint64) << np.uint64(32))
    return np.lexsort((np.arange(n), keys))


def batch(seed, n, b, step):
    positions = np.arange(step * b, (step + 1) * b)
    perms = {}
    out = []
    for p in positions:
        e = int(p // n)
        if e not in perms:
            perms[e] = epoch_permutation(seed, e, n)
        out.append(int(perms[e][p % n]))
    return out


def self_check():
    # Random123's known-answer vectors for Philox4x32-10 (kat_vectors).
    kat = [((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
           ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
           ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
            (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1))]
    for ctr, key, expected in kat:
        got = philox4x32_10(np.array([ctr], np.uint32), key)[0]
        assert tuple(int(x) for x in got) == expected, (ctr, key, [hex(int(x)) for x in got])


if __name__ == "__main__":
    self_check()
    if len(sys.argv) == 5:
        seed, n, b, steps = map(int, sys.argv[1:])
        for t in range(steps):
            print(" ".join(map(str, batch(seed, n, b, t))))
    else:
        # The values pinned in test_train_units.cpp (C++ must produce these).
        assert list(epoch_permutation(7, 0, 10)) == [7, 3, 9, 1, 4, 8, 6, 5, 2, 0]
        assert [batch(7, 10, 4, t) for t in range(6)][2] == [2, 0, 7, 8]
        print("Philox4x32-10 known-answer vectors: ok")
        print("seed 7, n 10, epoch 0:", list(epoch_permutation(7, 0, 10)))
        print("seed 7, n 10, epoch 1:", list(epoch_permutation(7, 1, 10)))
        print("seed 7, n 10, B 4, batches 0..5:", [batch(7, 10, 4, t) for t in range(6)])
        print("seed 2**40+3, n 1000, epoch 5, first 8:", list(epoch_permutation(2**40 + 3, 5, 1000)[:8]))
