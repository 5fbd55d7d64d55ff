"""Compare seigh's fmnist16 with PIL's resize, image by image.

usage: pil_resize_check.py FMNIST16.h5 FMNIST.h5 DATA_DIR
  FMNIST16.h5  `seigh dataset --dataset fmnist16 --select train:all,test:all`
  FMNIST.h5    `seigh dataset --dataset fmnist --select test:all`

The reference is what torchvision does for FashionMNIST + Resize(16) +
ToTensor: Image.fromarray(uint8 28x28, mode="L").resize((16, 16),
Image.BILINEAR), then float32(value) / 255. The IDX files are decoded here
independently (Python's gzip + numpy), not by seigh. Exits non-zero on any
difference. A control checks the comparison is sharp enough to see PIL's
fixed-point details: the same filter in exact arithmetic, rounded once at
the end, must differ from PIL (and from seigh) somewhere.
"""
import gzip
import sys

import h5py
import numpy as np
from PIL import Image

BILINEAR = getattr(Image, "Resampling", Image).BILINEAR


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    assert data[0] == 0 and data[1] == 0 and data[2] == 8, f"{path}: bad magic"
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(data[3])]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * len(dims)).reshape(dims)


def exact_filter(images, out=16):
    """The same antialiased triangle filter in float64, one rounding at the end."""
    n = images.shape[1]
    scale = n / out
    W = np.zeros((out, n))
    for o in range(out):
        c = (o + 0.5) * scale
        lo, hi = max(int(c - scale + 0.5), 0), min(int(c + scale + 0.5), n)
        w = np.array([max(1 - abs((i - c + 0.5) / scale), 0) for i in range(lo, hi)])
        W[o, lo:hi] = w / w.sum()
    return np.clip(np.floor(np.einsum("oh,nhw,pw->nop", W, images.astype(np.float64), W) + 0.5), 0, 255).astype(np.uint8)


def main():
    f16_path, f28_path, data_dir = sys.argv[1:4]
    failures = []
    train = read_idx(f"{data_dir}/train-images-idx3-ubyte.gz")
    test = read_idx(f"{data_dir}/t10k-images-idx3-ubyte.gz")
    labels = np.concatenate([read_idx(f"{data_dir}/train-labels-idx1-ubyte.gz"),
                             read_idx(f"{data_dir}/t10k-labels-idx1-ubyte.gz")])
    images = np.concatenate([train, test])

    with h5py.File(f16_path) as f:
        x = f["/x"][...]
        y = f["/y"][...]
        assert f.attrs["split_names"] == "train,test"
        assert np.array_equal(f["/source_index"][...], np.concatenate([np.arange(60000), np.arange(10000)]))
    assert x.dtype == np.float32 and x.shape == (70000, 256), (x.dtype, x.shape)
    if not np.array_equal(y, labels):
        failures.append("labels differ")

    ref = np.stack([np.asarray(Image.fromarray(img, mode="L").resize((16, 16), BILINEAR)) for img in images])
    ref = ref.reshape(len(images), 256)
    scaled = x.astype(np.float64) * 255
    ours = np.rint(scaled).astype(np.int64)
    off_grid = np.abs(scaled - ours).max()
    diff = np.abs(ours - ref.astype(np.int64))
    bad_images = np.nonzero(diff.max(axis=1))[0]
    exact_float = np.array_equal(x, ref.astype(np.float32) / np.float32(255))
    print(f"fmnist16 vs PIL Image.resize((16, 16), BILINEAR): {len(images)} images "
          f"(60000 train, 10000 test), {diff.size} pixels; differing pixels {np.count_nonzero(diff)}, "
          f"differing images {len(bad_images)}, max |difference| {diff.max()} (uint8 units); "
          f"max distance of x*255 from an integer {off_grid:.2e}; float32 bit-identical to ToTensor: {exact_float}")
    if diff.max() != 0 or off_grid > 1e-4 or not exact_float:
        failures.append(f"fmnist16 differs from PIL (first bad images: {bad_images[:10].tolist()})")

    # Control: a resize that ignores PIL's fixed point and intermediate uint8
    # image must be distinguishable, else this comparison proves little.
    control = exact_filter(images[:2000]).reshape(2000, 256)
    control_diff = np.count_nonzero(control != ref[:2000])
    print(f"control (same filter, exact arithmetic, one rounding) differs from PIL in {control_diff} of "
          f"{control.size} pixels of the first 2000 images")
    if control_diff == 0:
        failures.append("control resize agrees with PIL: the comparison cannot see rounding details")

    with h5py.File(f28_path) as f:
        x28 = f["/x"][...]
    if not np.array_equal(x28, test.reshape(10000, 784).astype(np.float32) / np.float32(255)):
        failures.append("fmnist test:all differs from the raw bytes / 255")
    else:
        print("fmnist test:all: bit-identical to the raw bytes / 255 (10000 x 784)")

    for failure in failures:
        print("FAIL:", failure)
    print("PASS" if not failures else "FAILED")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
