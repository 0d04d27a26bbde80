// The read-bandwidth reference of `cbrng bench` (benches/README.md): reads
// every 16-byte vector of x once, in the exact-sum kernels' pattern (each warp
// reads two contiguous 512-byte spans per step, grid-stride over warps), and
// adds the words up. A thread writes only when its total equals `never`, a
// value the host chooses, so the loads cannot be optimised away and (almost
// surely) nothing is written.
//
// NOT YET RUN on a GPU; compiled in CI by tests/kernel_compile.rs.
#include "cbrng/config.cuh"

extern "C" __global__ void cbrng_bench_read(const uint4* __restrict__ x, cbrng_u64 nvec, cbrng_u32 never,
                                            cbrng_u32* out) {
    const int lane = threadIdx.x & 31;
    const cbrng_u64 tid = (cbrng_u64)blockIdx.x * blockDim.x + threadIdx.x;
    const cbrng_u64 threads = (cbrng_u64)gridDim.x * blockDim.x;
    const cbrng_u64 gwarp = tid >> 5;
    const cbrng_u64 twarps = threads >> 5;
    const cbrng_u64 groups = nvec / 64;
    cbrng_u32 acc = 0;
    for (cbrng_u64 g = gwarp; g < groups; g += twarps) {
        const uint4 a = x[g * 64 + lane];
        const uint4 b = x[g * 64 + 32 + lane];
        acc += (a.x + a.y) + (a.z + a.w) + (b.x + b.y) + (b.z + b.w);
    }
    for (cbrng_u64 i = groups * 64 + tid; i < nvec; i += threads) {
        const uint4 a = x[i];
        acc += (a.x + a.y) + (a.z + a.w);
    }
    if (acc == never) out[tid] = acc;
}
