# Sourced by the project's scripts before they call mpirun: OpenMPI refuses
# to run as root unless told, and refuses more ranks than cores unless told.
# Both are harmless for an unprivileged user on a big node.
export OMPI_ALLOW_RUN_AS_ROOT=1
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_hwloc_base_binding_policy=none
export OMPI_MCA_btl_vader_single_copy_mechanism=none
# Transparent huge pages for glibc's large allocations (glibc >= 2.35; older
# versions ignore the tunable). On VMs that first-touch fresh memory slowly
# this cut a D = 10^6 SEIGH solve from 70.6 s to 24.6 s
# (experiments/benchmarks/RESULTS.md). Results do not change.
case ":${GLIBC_TUNABLES:-}:" in
  *glibc.malloc.hugetlb*) ;;
  *) export GLIBC_TUNABLES="${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}glibc.malloc.hugetlb=1" ;;
esac
