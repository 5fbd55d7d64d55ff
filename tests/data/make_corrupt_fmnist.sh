#!/usr/bin/env bash
# make_corrupt_fmnist.sh OUT_DIR [FMNIST_DIR]
# Damaged copies of Fashion-MNIST's test split for the CLI tests:
#   OUT_DIR/truncated: the images file cut after 100000 bytes (re-gzip'd),
#                      the real labels file;
#   OUT_DIR/swapped:   the labels file name holding the images file (so its
#                      magic number says 3 dimensions, not 1).
set -euo pipefail
out="$1"
src="${2:-/usr/share/datasets/fashion-mnist}"
rm -rf "$out/truncated" "$out/swapped"
mkdir -p "$out/truncated" "$out/swapped"
(zcat "$src/t10k-images-idx3-ubyte.gz" || true) | head -c 100000 | gzip -1 > "$out/truncated/t10k-images-idx3-ubyte.gz"
ln -s "$src/t10k-labels-idx1-ubyte.gz" "$out/truncated/t10k-labels-idx1-ubyte.gz"
ln -s "$src/t10k-images-idx3-ubyte.gz" "$out/swapped/t10k-images-idx3-ubyte.gz"
ln -s "$src/t10k-images-idx3-ubyte.gz" "$out/swapped/t10k-labels-idx1-ubyte.gz"
echo "fixtures in $out"
