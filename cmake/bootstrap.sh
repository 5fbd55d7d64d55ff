#!/usr/bin/env bash
# Install what is missing (Debian 12 packages), then configure and build
# seigh (Release) in ./build. Used by the README's two commands; safe to run
# again (it only installs packages that are absent and rebuilds incrementally).
#
#   cmake/bootstrap.sh [BUILD_DIR]
#
# Extra CMake options come from SEIGH_CMAKE_ARGS, e.g.
#   SEIGH_CMAKE_ARGS="-DSEIGH_NATIVE_ARCH=ON" cmake/bootstrap.sh build-native
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${1:-${SEIGH_BUILD_DIR:-$ROOT/build}}"

PACKAGES=(
  g++ make cmake pkg-config
  openmpi-bin libopenmpi-dev
  libeigen3-dev
  libhdf5-openmpi-dev hdf5-tools
  libboost-program-options-dev
  catch2
  librandom123-dev
  zlib1g-dev
  libspectra-dev
  liblapack-dev libopenblas0-pthread
  dataset-fashion-mnist
  python3-h5py python3-numpy python3-matplotlib python3-pil
)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]})); then
  echo "seigh: installing missing Debian packages: ${missing[*]}"
  SUDO=""
  if [[ $EUID -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "seigh: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    SUDO="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

echo "seigh: configuring and building (Release) in $BUILD_DIR"
# shellcheck disable=SC2086  # SEIGH_CMAKE_ARGS is a list of options
cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release ${SEIGH_CMAKE_ARGS:-} >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)"
