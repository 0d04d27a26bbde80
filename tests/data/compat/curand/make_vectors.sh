#!/usr/bin/env bash
# Regenerates tests/data/compat/curand/curand_philox_compat.txt from cuRAND's
# own headers compiled for the host (see gen_curand_compat.cpp), the same way
# as tests/data/curand/make_vectors.sh: pip download the header wheels, unzip
# their include/ trees to a temporary folder, g++, run. Nothing of NVIDIA's is
# written into the repository.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/curand_philox_compat.txt}"
PKGS=(nvidia-curand-cu12==10.3.10.19 nvidia-cuda-runtime-cu12==12.9.79 nvidia-cuda-nvcc-cu12==12.9.86 nvidia-cuda-cccl-cu12==12.9.27)
tmp="$(mktemp -d /tmp/cbrng-curand-compat.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --only-binary=:all: \
    --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 --platform manylinux_2_12_x86_64 \
    --platform manylinux2010_x86_64 -d "$tmp/wheels" "${PKGS[@]}"
for w in "$tmp"/wheels/*.whl; do unzip -q -o "$w" 'nvidia/*/include/*' -d "$tmp/x"; done
inc="$tmp/x/nvidia"
"${CXX:-g++}" -std=c++17 -O2 -Wall \
    -I "$inc/curand/include" -I "$inc/cuda_runtime/include" \
    -I "$inc/cuda_nvcc/include" -I "$inc/cuda_cccl/include" \
    "$here/gen_curand_compat.cpp" -o "$tmp/gen"
{
    echo "# cuRAND Philox4_32_10 device API (curand_kernel.h of ${PKGS[0]}), host-compiled with $("${CXX:-g++}" --version | head -n1)"
    echo "# by tests/data/compat/curand/make_vectors.sh from gen_curand_compat.cpp. Format: see the .cpp."
    "$tmp/gen"
} > "$out"
echo "wrote $(grep -vc '^#' "$out") cases to $out" >&2
