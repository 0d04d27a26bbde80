// Exact reductions, device twin of src/reduce/accumulator.rs (Rust: Accumulator).
//
// The exact sum is a signed fixed-point number of CBRNG_REDUCE_DIGITS digits
// of 32 bits; digit k weighs 2^(32k - CBRNG_REDUCE_OFFSET) and is held in a
// signed 64-bit word, so up to 2^30 additions of less than 2^32 fit before
// carries must move (deferred carry normalisation). Adding a term is an exact
// integer addition of three pieces to digits k, k+1, k+2; merging two states
// is digit-wise addition. Nothing is rounded, so the state does not depend on
// the order of the terms, the grid, the block size or the number of partial
// states: the host rounds it once (Accumulator::from_device_state, finish).
//
// These functions compile as CUDA and as plain C++ (host), like every cbrng
// header; tests/reduce_device.rs builds them with g++ and checks them against
// the Rust accumulator.
#ifndef CBRNG_REDUCE_CUH
#define CBRNG_REDUCE_CUH
#include "config.cuh"

typedef long long cbrng_i64;

#define CBRNG_REDUCE_DIGITS 136
#define CBRNG_REDUCE_OFFSET 2176
#define CBRNG_REDUCE_PENDING_LIMIT (1u << 30)
#define CBRNG_REDUCE_FLAG_NAN 1u
#define CBRNG_REDUCE_FLAG_POS_INF 2u
#define CBRNG_REDUCE_FLAG_NEG_INF 4u
#define CBRNG_REDUCE_FLAG_NOT_NEG_ZERO 8u

// The layout the kernels write and Accumulator::from_device_state reads:
// CBRNG_REDUCE_DIGITS digits (not normalised), then the term count, then the
// flags, all 8-byte little-endian words.
struct cbrng_reduce_state {
    cbrng_i64 digits[CBRNG_REDUCE_DIGITS];
    cbrng_u64 count;
    cbrng_u64 flags;
};

// One term, ready to add: its lowest digit k and three signed pieces, each of
// magnitude below 2^32, for digits k, k+1, k+2 (all zero for zeros, NaN, inf).
struct cbrng_reduce_term {
    int k;
    cbrng_i64 p0, p1, p2;
    cbrng_u32 flags;
};

// Decodes a value of the binary format (BITS, EXP_BITS, FRAC_BITS) given by
// its encoding: value = m * 2^q with m the significand and q the exponent of
// its last bit, as in src/reduce/float.rs (decode).
template <int BITS, int EXP_BITS, int FRAC_BITS>
CBRNG_FN cbrng_reduce_term cbrng_reduce_decode(cbrng_u64 bits) {
    const int bias = (1 << (EXP_BITS - 1)) - 1;
    const int qmin = 1 - bias - FRAC_BITS;
    const cbrng_u64 exp_max = (1ull << EXP_BITS) - 1;
    cbrng_reduce_term t;
    t.k = 0;
    t.p0 = t.p1 = t.p2 = 0;
    const bool neg = ((bits >> (BITS - 1)) & 1) != 0;
    const cbrng_u64 e = (bits >> FRAC_BITS) & exp_max;
    const cbrng_u64 frac = bits & ((1ull << FRAC_BITS) - 1);
    if (e == exp_max) {
        t.flags = CBRNG_REDUCE_FLAG_NOT_NEG_ZERO |
                  (frac != 0 ? CBRNG_REDUCE_FLAG_NAN
                             : (neg ? CBRNG_REDUCE_FLAG_NEG_INF : CBRNG_REDUCE_FLAG_POS_INF));
        return t;
    }
    if (e == 0 && frac == 0) {
        t.flags = neg ? 0u : CBRNG_REDUCE_FLAG_NOT_NEG_ZERO;
        return t;
    }
    t.flags = CBRNG_REDUCE_FLAG_NOT_NEG_ZERO;
    const cbrng_u64 m = frac | ((cbrng_u64)(e != 0) << FRAC_BITS);
    const int q = qmin + (int)(e > 1 ? e : 1) - 1;
    const int pos = q + CBRNG_REDUCE_OFFSET;  // >= 0 for every supported format
    const int s = pos & 31;
    t.k = pos >> 5;
    // m < 2^53 shifted by s < 32: at most 85 bits, as (hi:lo).
    const cbrng_u64 lo = m << s;
    const cbrng_u64 hi = s == 0 ? 0 : m >> (64 - s);
    const cbrng_i64 sg = neg ? -1 : 0;
    t.p0 = (((cbrng_i64)(lo & 0xffffffffull)) ^ sg) - sg;
    t.p1 = (((cbrng_i64)(lo >> 32)) ^ sg) - sg;
    t.p2 = (((cbrng_i64)hi) ^ sg) - sg;
    return t;
}

// The formats, by name.
CBRNG_FN cbrng_reduce_term cbrng_reduce_decode_f32(cbrng_u32 b) { return cbrng_reduce_decode<32, 8, 23>(b); }
CBRNG_FN cbrng_reduce_term cbrng_reduce_decode_f64(cbrng_u64 b) { return cbrng_reduce_decode<64, 11, 52>(b); }
CBRNG_FN cbrng_reduce_term cbrng_reduce_decode_f16(cbrng_u16 b) { return cbrng_reduce_decode<16, 5, 10>(b); }
CBRNG_FN cbrng_reduce_term cbrng_reduce_decode_bf16(cbrng_u16 b) { return cbrng_reduce_decode<16, 8, 7>(b); }

// Warp routing (kernels/reduce.cu): lane L of a warp holds digits L + 32r,
// r = 0..4. For a broadcast term with lowest digit k and pieces q0..q2, the
// piece this lane adds and the register r it goes to (piece 0: nothing).
CBRNG_FN cbrng_i64 cbrng_reduce_lane_piece(int k, cbrng_i64 q0, cbrng_i64 q1, cbrng_i64 q2, int lane, int* r) {
    const int dl = (lane - k) & 31;  // which piece lands on a digit of this lane
    *r = (k + dl) >> 5;
    return dl == 0 ? q0 : (dl == 1 ? q1 : (dl == 2 ? q2 : 0));
}

// Adds term t to a whole digit array (the host and the single-thread path).
CBRNG_FN void cbrng_reduce_add(cbrng_i64* d, const cbrng_reduce_term& t) {
    d[t.k] += t.p0;
    d[t.k + 1] += t.p1;
    d[t.k + 2] += t.p2;
}

// Carry normalisation: digits 0..DIGITS-2 into [0, 2^32), the top digit keeps
// the sign. Rust: normalize_digits.
CBRNG_FN void cbrng_reduce_normalize(cbrng_i64* d) {
    cbrng_i64 carry = 0;
    for (int k = 0; k < CBRNG_REDUCE_DIGITS - 1; ++k) {
        const cbrng_i64 v = d[k] + carry;
        d[k] = v & 0xffffffffll;
        carry = v >> 32;  // arithmetic shift: floor division by 2^32
    }
    d[CBRNG_REDUCE_DIGITS - 1] += carry;
}

#endif // CBRNG_REDUCE_CUH
