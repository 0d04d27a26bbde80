// Exact, deterministic sums: two passes, no read-modify-write of shared or
// global memory by more than one thread, so no result depends on timing.
//
// NOT YET RUN on a GPU (written in a session without one). The per-lane
// arithmetic it uses (kernels/cbrng/reduce.cuh: the window fast path, the
// window's hand-over to the digits, the slow path's decode and digit routing,
// the re-anchoring rule, the split of the input) is checked on the host
// against the Rust accumulator by tests/reduce_device.rs, which replays this
// file's grid, warps and lanes in plain C++; the warp intrinsics, the vector
// loads and the block and combine steps below are unverified until a GPU runs
// tests/gpu_reduce.rs.
//
// Pass 1, cbrng_reduce_partial_<type>(x, n, partials): each warp owns one
// exact accumulator, a row of CBRNG_REDUCE_DIGITS digits in shared memory in
// which lane L alone touches digits L, L+32, L+64, ... Every lane also keeps
// a window of 32 binades in registers (cbrng_reduce_window_add): a term in the
// window costs a shift and two or three 64-bit additions, nothing else. The
// warp reads groups of 32 * E terms (E per lane: two 16-byte vectors),
// grid-stride; a group with any term outside the window takes the slow path
// (cbrng_reduce_slow): the window may move (its contents go to the digits
// first), and the remaining terms are decoded and broadcast one by one with
// warp shuffles to the lanes owning their digits. At the end each warp adds
// its windows to its row, normalises it, the block adds its warps' rows in
// warp order and writes one cbrng_reduce_state to partials[blockIdx.x].
//
// Pass 2, cbrng_reduce_combine(partials, blocks, out): one block; thread t
// adds digit t of every partial state in block order and writes *out. The
// host turns *out into an Accumulator (Accumulator::from_device_state) and
// rounds once, so the bits equal the CPU's for any grid and block size.
//
// Launch contract (checked by the host, src/cuda/reduce.rs):
// * pass 1: blockDim.x a multiple of 32, from 32 to the kernel's
//   CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK (its register use sets it: with
//   NVRTC 13.0, 1024 down to 320 by format and architecture; at least 256
//   on every architecture, checked by tests/kernel_compile.rs);
//   CBRNG_REDUCE_DIGITS * 8 bytes of dynamic shared memory per warp;
//   1 <= gridDim.x <= 2^24; x aligned to its element size;
// * pass 2: one block of any size (CBRNG_REDUCE_DIGITS + 2 threads or more
//   do it in one step), `blocks` = pass 1's gridDim.x.
#include "cbrng/config.cuh"
#include "cbrng/reduce.cuh"

#define CBRNG_REDUCE_WARPS_MAX 32
#define CBRNG_FULL_MASK 0xffffffffu
// 16-byte vectors each lane reads per group.
#define CBRNG_REDUCE_UNROLL 2
// Groups between normalisations of a warp's row and windows. Per group a
// digit gains less than 2^32 from each of at most 32 * 16 slow terms and
// 2^39 from a window hand-over, a window counter less than 2^32 from each of
// at most 16 terms: 2^16 groups keep every i64 below 2^62.
#ifndef CBRNG_REDUCE_GROUPS_PER_NORMALIZE
#define CBRNG_REDUCE_GROUPS_PER_NORMALIZE (1u << 16)
#endif

__device__ __forceinline__ cbrng_i64 cbrng_warp_sum_i64(cbrng_i64 v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(CBRNG_FULL_MASK, v, o);
    return v;
}

// Normalises the warp's row (lane 0 carries, the others wait).
__device__ __forceinline__ void cbrng_reduce_warp_normalize(cbrng_i64* row, int lane) {
    __syncwarp();
    if (lane == 0) cbrng_reduce_normalize(row);
    __syncwarp();
}

// Adds every lane's window to the row and empties the windows.
template <class F>
__device__ __forceinline__ void cbrng_reduce_warp_take(cbrng_reduce_lane& L, cbrng_i64* row, int lane) {
    cbrng_i64 c[F::PIECES + 2];
    const int k = cbrng_reduce_window_take<F>(L, c);  // the same k on every lane
#pragma unroll
    for (int j = 0; j < F::PIECES + 2; ++j) {
        const cbrng_i64 s = cbrng_warp_sum_i64(c[j]);  // |s| < 32 * 3 * 2^32
        if (((k + j) & 31) == lane) row[k + j] += s;
    }
}

// Adds one term per lane (zero terms add nothing) to the row: the live terms
// are broadcast one at a time; the (at most three) lanes owning a term's
// digits add its pieces.
__device__ __forceinline__ void cbrng_reduce_warp_add_term(const cbrng_reduce_wterm& t, cbrng_i64* row, int lane) {
    cbrng_u32 live = __ballot_sync(CBRNG_FULL_MASK, (t.w0 | t.w1 | t.w2) != 0);
    while (live) {
        const int src = __ffs(live) - 1;
        live &= live - 1;
        const cbrng_u32 kn = __shfl_sync(CBRNG_FULL_MASK, t.kn, src);
        const cbrng_u32 w0 = __shfl_sync(CBRNG_FULL_MASK, t.w0, src);
        const cbrng_u32 w1 = __shfl_sync(CBRNG_FULL_MASK, t.w1, src);
        const cbrng_u32 w2 = __shfl_sync(CBRNG_FULL_MASK, t.w2, src);
        int d;
        const cbrng_i64 p = cbrng_reduce_lane_word(kn, w0, w1, w2, lane, &d);
        if (p != 0) row[d] += p;
    }
}

// A group with some term outside the window: maybe move the window, then add
// the remaining terms to the row. Warp-uniform. The group's terms are loaded
// again (`load`), so that none of the fast path's registers stay live here.
template <class F, int E, class Load>
__device__ __forceinline__ void cbrng_reduce_slow(cbrng_reduce_lane& L, const Load& load, cbrng_i64* row, int lane) {
    typename F::B b[E];
    load(b);
    bool ok[E];
    cbrng_reduce_scan S;
    cbrng_reduce_scan_init(S);
#pragma unroll
    for (int j = 0; j < E; ++j) {
        ok[j] = cbrng_reduce_window_ok<F>(L.e0, b[j]);  // as in the fast pass
        cbrng_reduce_scan_term<F>(L, b[j], ok[j], S);
    }
    S.above = __any_sync(CBRNG_FULL_MASK, S.above);
    S.below = __any_sync(CBRNG_FULL_MASK, S.below);
    S.fast_nonzero = __any_sync(CBRNG_FULL_MASK, S.fast_nonzero);
#pragma unroll
    for (int o = 16; o > 0; o >>= 1)
        S.max_e = cbrng_reduce_maxi(S.max_e, __shfl_xor_sync(CBRNG_FULL_MASK, S.max_e, o));
    const int e0 = cbrng_reduce_reanchor<F>(L.e0, S);
    if (e0 != L.e0) {
        cbrng_reduce_warp_take<F>(L, row, lane);
        L.e0 = e0;
#pragma unroll
        for (int j = 0; j < E; ++j)
            if (!ok[j]) ok[j] = cbrng_reduce_window_add<F>(L, b[j]);
    }
#pragma unroll
    for (int j = 0; j < E; ++j) {
        cbrng_reduce_wterm w;
        w.kn = w.w0 = w.w1 = w.w2 = 0;
        if (!ok[j]) {
            const cbrng_reduce_term t = cbrng_reduce_decode_fmt<F>(b[j]);
            L.flags |= t.flags;
            w = cbrng_reduce_term_words(t);
        }
        cbrng_reduce_warp_add_term(w, row, lane);
    }
}

// E terms per lane: the fast path, and the slow path when any lane needs it.
template <class F, int E, class Load>
__device__ __forceinline__ void cbrng_reduce_group(cbrng_reduce_lane& L, const Load& load, cbrng_i64* row, int lane) {
    typename F::B b[E];
    load(b);
    bool all = true;
#pragma unroll
    for (int j = 0; j < E; ++j) all = cbrng_reduce_window_add<F>(L, b[j]) && all;
    if (!__all_sync(CBRNG_FULL_MASK, all)) cbrng_reduce_slow<F, E>(L, load, row, lane);
}

// The input formats: the element type, elements per 16-byte vector, and how a
// vector's words hold them (little-endian: lower address, lower bits).
#define CBRNG_REDUCE_INPUT(NAME, WORD, V, UNPACK)                                                          \
    struct cbrng_reduce_in_##NAME {                                                                   \
        typedef cbrng_reduce_##NAME F;                                                                \
        typedef WORD W;                                                                               \
        static constexpr int VEC = V;                                                                 \
        static __device__ __forceinline__ void unpack(const uint4& q, F::B* b) { UNPACK }             \
    };
CBRNG_REDUCE_INPUT(f32, cbrng_u32, 4, b[0] = q.x; b[1] = q.y; b[2] = q.z; b[3] = q.w;)
CBRNG_REDUCE_INPUT(f64, cbrng_u64, 2,
                   b[0] = (cbrng_u64)q.x | ((cbrng_u64)q.y << 32); b[1] = (cbrng_u64)q.z | ((cbrng_u64)q.w << 32);)
#define CBRNG_REDUCE_UNPACK16                                                                         \
    b[0] = q.x & 0xffffu; b[1] = q.x >> 16; b[2] = q.y & 0xffffu; b[3] = q.y >> 16;                   \
    b[4] = q.z & 0xffffu; b[5] = q.z >> 16; b[6] = q.w & 0xffffu; b[7] = q.w >> 16;
CBRNG_REDUCE_INPUT(f16, cbrng_u16, 8, CBRNG_REDUCE_UNPACK16)
CBRNG_REDUCE_INPUT(bf16, cbrng_u16, 8, CBRNG_REDUCE_UNPACK16)
#undef CBRNG_REDUCE_UNPACK16
#undef CBRNG_REDUCE_INPUT

// Lane `lane`'s terms of a body group: CBRNG_REDUCE_UNROLL 16-byte vectors,
// vector u at v[u * 32 + lane] (cbrng_reduce_body_index).
template <class In> struct cbrng_reduce_body_load {
    const uint4* v;
    int lane;
    __device__ __forceinline__ void operator()(typename In::F::B* b) const {
        uint4 q[CBRNG_REDUCE_UNROLL];
#pragma unroll
        for (int u = 0; u < CBRNG_REDUCE_UNROLL; ++u) q[u] = v[u * 32 + lane];
#pragma unroll
        for (int u = 0; u < CBRNG_REDUCE_UNROLL; ++u) In::unpack(q[u], b + u * In::VEC);
    }
};

// Ragged term i (cbrng_reduce_ragged_index), or -0.0 past the end: adds nothing.
template <class In> struct cbrng_reduce_ragged_load {
    const typename In::W* x;
    cbrng_reduce_layout P;
    cbrng_u64 i;
    __device__ __forceinline__ void operator()(typename In::F::B* b) const {
        b[0] = i < P.ragged ? (typename In::F::B)x[cbrng_reduce_ragged_index(P, i)] : In::F::SIGN;
    }
};

template <class In>
__device__ void cbrng_reduce_partial(const typename In::W* __restrict__ x, cbrng_u64 n,
                                     cbrng_reduce_state* __restrict__ partials) {
    typedef typename In::F F;
    const int E = CBRNG_REDUCE_UNROLL * In::VEC;
    extern __shared__ cbrng_i64 s_rows[];  // one row of digits per warp
    __shared__ cbrng_u64 s_count[CBRNG_REDUCE_WARPS_MAX];
    __shared__ cbrng_u32 s_flags[CBRNG_REDUCE_WARPS_MAX];
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    const int warps = blockDim.x >> 5;
    cbrng_i64* row = s_rows + warp * CBRNG_REDUCE_DIGITS;
    for (int t = lane; t < CBRNG_REDUCE_DIGITS; t += 32) row[t] = 0;  // each lane its own digits
    cbrng_reduce_lane L;
    cbrng_reduce_lane_init(L);
    const cbrng_reduce_layout P = cbrng_reduce_plan((cbrng_u64)x, n, (int)sizeof(typename In::W), E);
    const cbrng_u64 gwarp = (cbrng_u64)blockIdx.x * warps + warp;
    const cbrng_u64 twarps = (cbrng_u64)gridDim.x * warps;
    cbrng_u32 groups = 0;
    for (cbrng_u64 g = gwarp; g < P.groups; g += twarps) {
        cbrng_reduce_body_load<In> load;
        load.v = (const uint4*)(x + P.head + g * 32 * E);
        load.lane = lane;
        L.count += E;
        cbrng_reduce_group<F, E>(L, load, row, lane);
        if (++groups == CBRNG_REDUCE_GROUPS_PER_NORMALIZE) {
            cbrng_reduce_warp_take<F>(L, row, lane);
            cbrng_reduce_warp_normalize(row, lane);
            groups = 0;
        }
    }
    if (gwarp == P.groups % twarps) {
        // The head and the tail, one term per lane; -0.0 past the end adds nothing.
        for (cbrng_u64 r0 = 0; r0 < P.ragged; r0 += 32) {
            cbrng_reduce_ragged_load<In> load;
            load.x = x;
            load.P = P;
            load.i = r0 + lane;
            if (load.i < P.ragged) ++L.count;
            cbrng_reduce_group<F, 1>(L, load, row, lane);
        }
    }
    cbrng_reduce_warp_take<F>(L, row, lane);
    cbrng_u32 flags = L.flags | (L.nz != 0 ? CBRNG_REDUCE_FLAG_NOT_NEG_ZERO : 0u);
    cbrng_u64 count = L.count;
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        flags |= __shfl_xor_sync(CBRNG_FULL_MASK, flags, o);
        count += __shfl_xor_sync(CBRNG_FULL_MASK, count, o);
    }
    cbrng_reduce_warp_normalize(row, lane);
    if (lane == 0) {
        s_count[warp] = count;
        s_flags[warp] = flags;
    }
    __syncthreads();
    // The block's state: digit t is the sum over warps in warp order.
    cbrng_reduce_state* out = &partials[blockIdx.x];
    for (int t = threadIdx.x; t < CBRNG_REDUCE_DIGITS; t += blockDim.x) {
        cbrng_i64 s = 0;
        for (int w = 0; w < warps; ++w) s += s_rows[w * CBRNG_REDUCE_DIGITS + t];
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
    cbrng_reduce_partial<cbrng_reduce_in_f32>(x, n, partials);
}
extern "C" __global__ void cbrng_reduce_partial_f64(const cbrng_u64* x, cbrng_u64 n, cbrng_reduce_state* partials) {
    cbrng_reduce_partial<cbrng_reduce_in_f64>(x, n, partials);
}
extern "C" __global__ void cbrng_reduce_partial_f16(const cbrng_u16* x, cbrng_u64 n, cbrng_reduce_state* partials) {
    cbrng_reduce_partial<cbrng_reduce_in_f16>(x, n, partials);
}
extern "C" __global__ void cbrng_reduce_partial_bf16(const cbrng_u16* x, cbrng_u64 n, cbrng_reduce_state* partials) {
    cbrng_reduce_partial<cbrng_reduce_in_bf16>(x, n, partials);
}

// Pass 2: adds `blocks` partial states digit by digit in block order. Each
// partial digit is a sum of at most 32 normalised warp digits (< 2^37 in
// magnitude), so up to 2^24 partial states stay below 2^61.
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

// Exact all-reduce (kernels/cbrng/limbs.cuh): the limbs of `rows` states
// before the collective's integer SUM, and the states of the summed limbs
// after it. One thread per row (block-stride): 136 sequential carry steps
// cost less than the launch.
extern "C" __global__ void cbrng_reduce_to_limbs(const cbrng_reduce_state* states, cbrng_u32 rows,
                                                 cbrng_i64* limbs) {
    if (threadIdx.x != 0) return;
    for (cbrng_u32 r = blockIdx.x; r < rows; r += gridDim.x)
        cbrng_limbs_from_state(&states[r], limbs + (cbrng_u64)r * CBRNG_LIMBS);
}

extern "C" __global__ void cbrng_reduce_from_limbs(const cbrng_i64* limbs, cbrng_u32 rows,
                                                   cbrng_reduce_state* states) {
    if (threadIdx.x != 0) return;
    for (cbrng_u32 r = blockIdx.x; r < rows; r += gridDim.x)
        (void)cbrng_limbs_to_state(limbs + (cbrng_u64)r * CBRNG_LIMBS, &states[r]);
}
