// Exact, deterministic sums: two passes, no read-modify-write of shared or
// global memory by more than one thread, so no result depends on timing.
//
// NOT YET RUN on a GPU (written in a session without one). The arithmetic it
// uses (kernels/cbrng/reduce.cuh) is checked on the host against the Rust
// accumulator by tests/reduce_device.rs; the warp and block plumbing below is
// unverified until the GPU engine launches it.
//
// Pass 1, cbrng_reduce_partial_<type>(x, n, partials): each warp owns one
// exact accumulator spread over its lanes: lane L holds digits L, L+32, L+64,
// L+96 and L+128 in registers. The warp reads 32 terms at a time (grid-stride
// over groups of 32), each lane decodes one, and the terms are broadcast one
// by one with warp shuffles; the (at most three) lanes owning a term's digits
// add its pieces. At the end each warp normalises its digits in shared memory,
// the block adds its warps' digits in warp order and writes one
// cbrng_reduce_state per block to partials[blockIdx.x].
//
// Pass 2, cbrng_reduce_combine(partials, blocks, out): one block; thread t
// adds digit t of every partial state in block order and writes *out. The
// host turns *out into an Accumulator (Accumulator::from_device_state) and
// rounds once, so the bits equal the CPU's for any grid and block size.
//
// Launch contract: blockDim.x a multiple of 32, at most 1024; at most 2^30
// terms per warp between normalisations (the kernel normalises every
// CBRNG_REDUCE_GROUPS_PER_NORMALIZE groups); pass 2 with at least
// CBRNG_REDUCE_DIGITS + 2 threads and at most 2^24 partial states.
#include "cbrng/config.cuh"
#include "cbrng/reduce.cuh"

#define CBRNG_REDUCE_WARPS_MAX 32
#define CBRNG_REDUCE_REGS 5  // ceil(136 / 32) digits per lane
#define CBRNG_REDUCE_GROUPS_PER_NORMALIZE (1u << 24)  // 2^29 terms per warp
#define CBRNG_FULL_MASK 0xffffffffu

__device__ __forceinline__ cbrng_i64 cbrng_shfl_i64(cbrng_i64 v, int src) {
    return __shfl_sync(CBRNG_FULL_MASK, v, src);
}

// Lane `lane`'s register digits into the warp's row of shared memory,
// normalised by lane 0, and back.
__device__ void cbrng_reduce_warp_normalize(cbrng_i64* d, cbrng_i64* row, int lane) {
    for (int r = 0; r < CBRNG_REDUCE_REGS; ++r) {
        const int t = lane + 32 * r;
        if (t < CBRNG_REDUCE_DIGITS) row[t] = d[r];
    }
    __syncwarp();
    if (lane == 0) cbrng_reduce_normalize(row);
    __syncwarp();
    for (int r = 0; r < CBRNG_REDUCE_REGS; ++r) {
        const int t = lane + 32 * r;
        d[r] = t < CBRNG_REDUCE_DIGITS ? row[t] : 0;
    }
    __syncwarp();
}

// The input formats: the word type and its decoder.
#define CBRNG_REDUCE_FORMAT(NAME, WORD)                                                  \
    struct cbrng_reduce_fmt_##NAME {                                                     \
        typedef WORD W;                                                                  \
        static __device__ __forceinline__ cbrng_reduce_term decode(WORD b) {             \
            return cbrng_reduce_decode_##NAME(b);                                        \
        }                                                                                \
    };
CBRNG_REDUCE_FORMAT(f32, cbrng_u32)
CBRNG_REDUCE_FORMAT(f64, cbrng_u64)
CBRNG_REDUCE_FORMAT(f16, cbrng_u16)
CBRNG_REDUCE_FORMAT(bf16, cbrng_u16)
#undef CBRNG_REDUCE_FORMAT

template <class F>
__device__ void cbrng_reduce_partial(const typename F::W* __restrict__ x, cbrng_u64 n,
                                     cbrng_reduce_state* __restrict__ partials) {
    __shared__ cbrng_i64 s_digits[CBRNG_REDUCE_WARPS_MAX][CBRNG_REDUCE_DIGITS];
    __shared__ cbrng_u64 s_count[CBRNG_REDUCE_WARPS_MAX];
    __shared__ cbrng_u32 s_flags[CBRNG_REDUCE_WARPS_MAX];
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    const int warps = blockDim.x >> 5;
    cbrng_i64 d[CBRNG_REDUCE_REGS];
    for (int r = 0; r < CBRNG_REDUCE_REGS; ++r) d[r] = 0;
    cbrng_u32 flags = 0;
    cbrng_u64 count = 0;
    cbrng_u32 groups = 0;
    const cbrng_u64 stride = (cbrng_u64)gridDim.x * warps * 32;
    for (cbrng_u64 base = ((cbrng_u64)blockIdx.x * warps + warp) * 32; base < n; base += stride) {
        const cbrng_u64 i = base + lane;
        cbrng_reduce_term t;
        t.k = 0;
        t.p0 = t.p1 = t.p2 = 0;
        t.flags = 0;
        if (i < n) {
            t = F::decode(x[i]);
            ++count;
        }
        flags |= t.flags;
        // Broadcast only the lanes holding a nonzero finite term (a warp-uniform mask).
        cbrng_u32 live = __ballot_sync(CBRNG_FULL_MASK, (t.p0 | t.p1 | t.p2) != 0);
        while (live) {
            const int src = __ffs(live) - 1;
            live &= live - 1;
            const int k = __shfl_sync(CBRNG_FULL_MASK, t.k, src);
            const cbrng_i64 q0 = cbrng_shfl_i64(t.p0, src);
            const cbrng_i64 q1 = cbrng_shfl_i64(t.p1, src);
            const cbrng_i64 q2 = cbrng_shfl_i64(t.p2, src);
            int r;
            const cbrng_i64 p = cbrng_reduce_lane_piece(k, q0, q1, q2, lane, &r);
#pragma unroll
            for (int j = 0; j < CBRNG_REDUCE_REGS; ++j) d[j] += (j == r) ? p : 0;
        }
        if (++groups == CBRNG_REDUCE_GROUPS_PER_NORMALIZE) {
            cbrng_reduce_warp_normalize(d, s_digits[warp], lane);
            groups = 0;
        }
    }
    // Warp totals of flags and count by butterfly shuffles.
    for (int o = 16; o > 0; o >>= 1) {
        flags |= __shfl_xor_sync(CBRNG_FULL_MASK, flags, o);
        count += __shfl_xor_sync(CBRNG_FULL_MASK, count, o);
    }
    cbrng_reduce_warp_normalize(d, s_digits[warp], lane);
    if (lane == 0) {
        s_count[warp] = count;
        s_flags[warp] = flags;
    }
    __syncthreads();
    // The block's state: digit t is the sum over warps in warp order.
    cbrng_reduce_state* out = &partials[blockIdx.x];
    for (int t = threadIdx.x; t < CBRNG_REDUCE_DIGITS; t += blockDim.x) {
        cbrng_i64 s = 0;
        for (int w = 0; w < warps; ++w) s += s_digits[w][t];
        out->digits[t] = s;
    }
    if (threadIdx.x == 0) {
        cbrng_u64 c = 0;
        cbrng_u32 f = 0;
        for (int w = 0; w < warps; ++w) {
            c += s_count[w];
            f |= s_flags[w];
        }
        out->count = c;
        out->flags = f;
    }
}

extern "C" __global__ void cbrng_reduce_partial_f32(const cbrng_u32* x, cbrng_u64 n, cbrng_reduce_state* partials) {
    cbrng_reduce_partial<cbrng_reduce_fmt_f32>(x, n, partials);
}
extern "C" __global__ void cbrng_reduce_partial_f64(const cbrng_u64* x, cbrng_u64 n, cbrng_reduce_state* partials) {
    cbrng_reduce_partial<cbrng_reduce_fmt_f64>(x, n, partials);
}
extern "C" __global__ void cbrng_reduce_partial_f16(const cbrng_u16* x, cbrng_u64 n, cbrng_reduce_state* partials) {
    cbrng_reduce_partial<cbrng_reduce_fmt_f16>(x, n, partials);
}
extern "C" __global__ void cbrng_reduce_partial_bf16(const cbrng_u16* x, cbrng_u64 n, cbrng_reduce_state* partials) {
    cbrng_reduce_partial<cbrng_reduce_fmt_bf16>(x, n, partials);
}

// Pass 2: adds `blocks` partial states digit by digit in block order. Each
// partial digit is a sum of at most 32 normalised warp digits (< 2^37 in
// magnitude), so up to 2^24 partial states cannot overflow.
extern "C" __global__ void cbrng_reduce_combine(const cbrng_reduce_state* partials, cbrng_u32 blocks,
                                                cbrng_reduce_state* out) {
    for (int t = threadIdx.x; t < CBRNG_REDUCE_DIGITS + 2; t += blockDim.x) {
        if (t < CBRNG_REDUCE_DIGITS) {
            cbrng_i64 s = 0;
            for (cbrng_u32 b = 0; b < blocks; ++b) s += partials[b].digits[t];
            out->digits[t] = s;
        } else if (t == CBRNG_REDUCE_DIGITS) {
            cbrng_u64 c = 0;
            for (cbrng_u32 b = 0; b < blocks; ++b) c += partials[b].count;
            out->count = c;
        } else {
            cbrng_u64 f = 0;
            for (cbrng_u32 b = 0; b < blocks; ++b) f |= partials[b].flags;
            out->flags = f;
        }
    }
}
