# Sourced by the long, resumable experiment drivers (cnn_fmnist, large_mlp,
# size_sweep/run.sh) after they set ROOT and RUN_DIR. Provides:
#   BUILD_DIR  SEIGH_BUILD_DIR or ./build, built only when its seigh executable
#              is missing, so a run resumed across sessions keeps one binary
#              (e.g. one made with SEIGH_CMAKE_ARGS=-DSEIGH_NATIVE_ARCH=ON);
#   SEIGH      that executable, with cmake/mpi-env.sh sourced for mpirun;
#   timed WHAT CMD...  run CMD and append "WHAT<TAB>wall seconds" to
#              RUN_DIR/timings.tsv.
BUILD_DIR="${SEIGH_BUILD_DIR:-$ROOT/build}"
[ -x "$BUILD_DIR/apps/seigh" ] || "$ROOT/cmake/bootstrap.sh" "$BUILD_DIR"
source "$ROOT/cmake/mpi-env.sh"
SEIGH="$BUILD_DIR/apps/seigh"
mkdir -p "$RUN_DIR"

timed() {
  local what="$1"; shift
  local t0="$EPOCHREALTIME"
  "$@"
  awk -v w="$what" -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%s\t%.1f\n", w, b - a }' >> "$RUN_DIR/timings.tsv"
}
