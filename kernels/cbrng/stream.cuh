// The stream contract on the device, twin of src/stream.rs.
//
// Block b of stream s is the block function at the counter
//   4x32: [b lo, b hi, s lo, s hi]   2x64: [b, s]   4x64: [b, 0, s, 0]   2x32: [b, s]
// u32 element i of a 32-bit generator is word i mod N of block i / N; u64
// element j of a 64-bit generator is word j mod N of block j / N; the u32 view
// of a 64-bit stream splits words low half first, the u64 view of a 32-bit
// stream joins u32 elements 2j (low) and 2j+1 (high). Callers keep b and s
// within the contract's limits (b, s < 2^32 for 2x32).
//
// Each cbrng_<gen>_block_u32 writes block b as its u32 view: CBRNG_<GEN>_U32
// words (2, 4, 4 or 8). Round counts are template parameters; the defaults
// are CBRNG_PHILOX_DEFAULT_ROUNDS and CBRNG_THREEFRY_DEFAULT_ROUNDS.
#ifndef CBRNG_STREAM_CUH
#define CBRNG_STREAM_CUH
#include "config.cuh"
#include "philox.cuh"
#include "threefry.cuh"

#define CBRNG_PHILOX_DEFAULT_ROUNDS 10
#define CBRNG_THREEFRY_DEFAULT_ROUNDS 20

// The key of any generator: up to four words (32-bit words in the low half).
struct cbrng_key {
    cbrng_u64 w[4];
};

CBRNG_FN void cbrng_split64(cbrng_u64 x, cbrng_u32* out) {
    out[0] = (cbrng_u32)x;
    out[1] = (cbrng_u32)(x >> 32);
}

template <int R>
CBRNG_FN void cbrng_philox2x32_block_u32(const cbrng_key& k, cbrng_u64 s, cbrng_u64 b, cbrng_u32* out) {
    cbrng_u32 c[2] = {(cbrng_u32)b, (cbrng_u32)s};
    const cbrng_u32 kk[1] = {(cbrng_u32)k.w[0]};
    cbrng_philox2x32<R>(c, kk);
    out[0] = c[0]; out[1] = c[1];
}
template <int R>
CBRNG_FN void cbrng_philox4x32_block_u32(const cbrng_key& k, cbrng_u64 s, cbrng_u64 b, cbrng_u32* out) {
    cbrng_u32 c[4] = {(cbrng_u32)b, (cbrng_u32)(b >> 32), (cbrng_u32)s, (cbrng_u32)(s >> 32)};
    const cbrng_u32 kk[2] = {(cbrng_u32)k.w[0], (cbrng_u32)k.w[1]};
    cbrng_philox4x32<R>(c, kk);
    out[0] = c[0]; out[1] = c[1]; out[2] = c[2]; out[3] = c[3];
}
template <int R>
CBRNG_FN void cbrng_philox2x64_block_u32(const cbrng_key& k, cbrng_u64 s, cbrng_u64 b, cbrng_u32* out) {
    cbrng_u64 c[2] = {b, s};
    const cbrng_u64 kk[1] = {k.w[0]};
    cbrng_philox2x64<R>(c, kk);
    cbrng_split64(c[0], out); cbrng_split64(c[1], out + 2);
}
template <int R>
CBRNG_FN void cbrng_philox4x64_block_u32(const cbrng_key& k, cbrng_u64 s, cbrng_u64 b, cbrng_u32* out) {
    cbrng_u64 c[4] = {b, 0, s, 0};
    const cbrng_u64 kk[2] = {k.w[0], k.w[1]};
    cbrng_philox4x64<R>(c, kk);
    cbrng_split64(c[0], out); cbrng_split64(c[1], out + 2);
    cbrng_split64(c[2], out + 4); cbrng_split64(c[3], out + 6);
}
template <int R>
CBRNG_FN void cbrng_threefry2x32_block_u32(const cbrng_key& k, cbrng_u64 s, cbrng_u64 b, cbrng_u32* out) {
    cbrng_u32 c[2] = {(cbrng_u32)b, (cbrng_u32)s};
    const cbrng_u32 kk[2] = {(cbrng_u32)k.w[0], (cbrng_u32)k.w[1]};
    cbrng_threefry2x32<R>(c, kk);
    out[0] = c[0]; out[1] = c[1];
}
template <int R>
CBRNG_FN void cbrng_threefry4x32_block_u32(const cbrng_key& k, cbrng_u64 s, cbrng_u64 b, cbrng_u32* out) {
    cbrng_u32 c[4] = {(cbrng_u32)b, (cbrng_u32)(b >> 32), (cbrng_u32)s, (cbrng_u32)(s >> 32)};
    const cbrng_u32 kk[4] = {(cbrng_u32)k.w[0], (cbrng_u32)k.w[1], (cbrng_u32)k.w[2], (cbrng_u32)k.w[3]};
    cbrng_threefry4x32<R>(c, kk);
    out[0] = c[0]; out[1] = c[1]; out[2] = c[2]; out[3] = c[3];
}
template <int R>
CBRNG_FN void cbrng_threefry2x64_block_u32(const cbrng_key& k, cbrng_u64 s, cbrng_u64 b, cbrng_u32* out) {
    cbrng_u64 c[2] = {b, s};
    const cbrng_u64 kk[2] = {k.w[0], k.w[1]};
    cbrng_threefry2x64<R>(c, kk);
    cbrng_split64(c[0], out); cbrng_split64(c[1], out + 2);
}
template <int R>
CBRNG_FN void cbrng_threefry4x64_block_u32(const cbrng_key& k, cbrng_u64 s, cbrng_u64 b, cbrng_u32* out) {
    cbrng_u64 c[4] = {b, 0, s, 0};
    const cbrng_u64 kk[4] = {k.w[0], k.w[1], k.w[2], k.w[3]};
    cbrng_threefry4x64<R>(c, kk);
    cbrng_split64(c[0], out); cbrng_split64(c[1], out + 2);
    cbrng_split64(c[2], out + 4); cbrng_split64(c[3], out + 6);
}

// u32 view words per block.
#define CBRNG_PHILOX2X32_U32 2
#define CBRNG_PHILOX4X32_U32 4
#define CBRNG_PHILOX2X64_U32 4
#define CBRNG_PHILOX4X64_U32 8
#define CBRNG_THREEFRY2X32_U32 2
#define CBRNG_THREEFRY4X32_U32 4
#define CBRNG_THREEFRY2X64_U32 4
#define CBRNG_THREEFRY4X64_U32 8

// Element accessors for a user's kernel: u32 element i and u64 element j of a
// stream. Each computes a whole block, so prefer the block functions when a
// thread consumes consecutive elements.
#define CBRNG_ACCESSORS(GEN, U32S, RDEF)                                                   \
    template <int R = RDEF>                                                                \
    CBRNG_FN cbrng_u32 GEN##_u32(const cbrng_key& k, cbrng_u64 s, cbrng_u64 i) {           \
        cbrng_u32 w[U32S];                                                                 \
        GEN##_block_u32<R>(k, s, i / U32S, w);                                             \
        return w[i % U32S];                                                                \
    }                                                                                      \
    template <int R = RDEF>                                                                \
    CBRNG_FN cbrng_u64 GEN##_u64(const cbrng_key& k, cbrng_u64 s, cbrng_u64 j) {           \
        cbrng_u32 w[U32S];                                                                 \
        const cbrng_u64 i = 2 * (j % (U32S / 2));                                          \
        GEN##_block_u32<R>(k, s, j / (U32S / 2), w);                                       \
        return (cbrng_u64)w[i] | ((cbrng_u64)w[i + 1] << 32);                              \
    }
CBRNG_ACCESSORS(cbrng_philox2x32, 2, CBRNG_PHILOX_DEFAULT_ROUNDS)
CBRNG_ACCESSORS(cbrng_philox4x32, 4, CBRNG_PHILOX_DEFAULT_ROUNDS)
CBRNG_ACCESSORS(cbrng_philox2x64, 4, CBRNG_PHILOX_DEFAULT_ROUNDS)
CBRNG_ACCESSORS(cbrng_philox4x64, 8, CBRNG_PHILOX_DEFAULT_ROUNDS)
CBRNG_ACCESSORS(cbrng_threefry2x32, 2, CBRNG_THREEFRY_DEFAULT_ROUNDS)
CBRNG_ACCESSORS(cbrng_threefry4x32, 4, CBRNG_THREEFRY_DEFAULT_ROUNDS)
CBRNG_ACCESSORS(cbrng_threefry2x64, 4, CBRNG_THREEFRY_DEFAULT_ROUNDS)
CBRNG_ACCESSORS(cbrng_threefry4x64, 8, CBRNG_THREEFRY_DEFAULT_ROUNDS)
#undef CBRNG_ACCESSORS

#endif // CBRNG_STREAM_CUH
