#!/usr/bin/env bash
# Two eigen-result files are the same bit for bit: /eigenvalues and
# /eigenvectors (h5diff exits 0 only when the datasets are identical) and the
# error estimate's sums. Exit 0 if so; else say what differs, `WHEN`.
#
#   same_result.sh REFERENCE OTHER WHEN
set -uo pipefail
reference="$1"; other="$2"; when="$3"
for dataset in /eigenvalues /eigenvectors; do
  h5diff "$reference" "$other" "$dataset" || { echo "FAIL: $dataset differs $when"; exit 1; }
done
for attribute in residual_frobenius2 operator_frobenius2; do
  a=$(h5dump -a "/$attribute" "$reference" | grep -o '(0): .*'); b=$(h5dump -a "/$attribute" "$other" | grep -o '(0): .*')
  [[ -n "$a" && "$a" == "$b" ]] || { echo "FAIL: $attribute '$a' vs '$b' $when"; exit 1; }
done
