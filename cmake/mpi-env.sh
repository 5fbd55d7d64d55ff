# Sourced by the project's scripts before they call mpirun: OpenMPI refuses
# to run as root unless told, and refuses more ranks than cores unless told.
# Both are harmless for an unprivileged user on a big node.
export OMPI_ALLOW_RUN_AS_ROOT=1
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_hwloc_base_binding_policy=none
export OMPI_MCA_btl_vader_single_copy_mechanism=none
