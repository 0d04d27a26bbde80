// Exact all-reduce: the limb form of an exact-sum state, device twin of
// src/reduce/limbs.rs (Rust: Accumulator::to_limbs, Accumulator::from_limb_sum;
// the layout is documented on cbrng::reduce::LIMBS).
//
// A state's limbs are signed 64-bit integers below 2^32 in magnitude whose
// element-wise integer sum over up to 2^30 states is the limb form of their
// merge, so an all-reduce with the collective's own integer SUM (ncclInt64,
// ncclSum) is exact and associative. cbrng_limbs_from_state normalises the
// carries of one state (one thread: 136 sequential steps);
// cbrng_limbs_to_state checks a limb sum's ranges and turns it back into a
// state (digits not normalised, as the reduce kernels write them).
//
// These functions compile as CUDA and as plain C++ (host): tests/reduce_limbs.rs
// builds tests/host_twin/limbs_twin.cpp with g++ and checks them against the
// Rust definition.
#ifndef CBRNG_LIMBS_CUH
#define CBRNG_LIMBS_CUH
#include "config.cuh"
#include "reduce.cuh"

#define CBRNG_LIMBS (CBRNG_REDUCE_DIGITS + 8)
// "CB", then the layout version 1: below 2^31, so 2^30 tags sum exactly.
#define CBRNG_LIMBS_TAG 0x43420001ll
#define CBRNG_LIMBS_MAX_STATES (1ll << 30)
#define CBRNG_LIMBS_COUNT_LO CBRNG_REDUCE_DIGITS
#define CBRNG_LIMBS_COUNT_HI (CBRNG_REDUCE_DIGITS + 1)
#define CBRNG_LIMBS_FLAGS (CBRNG_REDUCE_DIGITS + 2)
#define CBRNG_LIMBS_STATES (CBRNG_REDUCE_DIGITS + 6)
#define CBRNG_LIMBS_TAG_AT (CBRNG_REDUCE_DIGITS + 7)

// cbrng_limbs_to_state's verdicts. A refused sum becomes a state whose flags
// word is CBRNG_LIMBS_ERROR | verdict: Accumulator::from_device_state reads
// it as the matching error (src/reduce/state.rs), so the check travels with
// the state and nothing is read back early.
#define CBRNG_LIMBS_OK 0u
#define CBRNG_LIMBS_BAD_STATES 1u
#define CBRNG_LIMBS_BAD_TAG 2u
#define CBRNG_LIMBS_BAD_DIGIT 3u
#define CBRNG_LIMBS_BAD_COUNT 4u
#define CBRNG_LIMBS_COUNT_OVERFLOW 5u
#define CBRNG_LIMBS_BAD_FLAG 6u
#define CBRNG_LIMBS_ERROR 0x100ull

// One state's limbs (Rust: Accumulator::to_limbs). The state's digits may be
// unnormalised (|digit| < 2^62, as cbrng_reduce_combine writes them).
CBRNG_FN void cbrng_limbs_from_state(const cbrng_reduce_state* s, cbrng_i64* limbs) {
    cbrng_i64 carry = 0;
    for (int k = 0; k < CBRNG_REDUCE_DIGITS - 1; ++k) {
        const cbrng_i64 v = s->digits[k] + carry;
        limbs[k] = v & 0xffffffffll;
        carry = v >> 32;  // arithmetic: floor division by 2^32
    }
    limbs[CBRNG_REDUCE_DIGITS - 1] = s->digits[CBRNG_REDUCE_DIGITS - 1] + carry;
    limbs[CBRNG_LIMBS_COUNT_LO] = (cbrng_i64)(s->count & 0xffffffffull);
    limbs[CBRNG_LIMBS_COUNT_HI] = (cbrng_i64)(s->count >> 32);
    for (int f = 0; f < 4; ++f) limbs[CBRNG_LIMBS_FLAGS + f] = (cbrng_i64)((s->flags >> f) & 1u);
    limbs[CBRNG_LIMBS_STATES] = 1;
    limbs[CBRNG_LIMBS_TAG_AT] = CBRNG_LIMBS_TAG;
}

// lo * states <= x <= hi * states, with |lo|, |hi| <= 2^32 and states <= 2^30
// (so no product overflows).
CBRNG_FN bool cbrng_limbs_within(cbrng_i64 x, cbrng_i64 lo, cbrng_i64 hi, cbrng_i64 states) {
    return x >= lo * states && x <= hi * states;
}

// The state of a limb sum (Rust: Accumulator::from_limb_sum, up to the state
// invariants, which the host checks when it reads the state). Returns the
// verdict; a refused sum writes an empty state flagged with the verdict.
CBRNG_FN cbrng_u32 cbrng_limbs_to_state(const cbrng_i64* limbs, cbrng_reduce_state* s) {
    cbrng_u32 verdict = CBRNG_LIMBS_OK;
    const cbrng_i64 states = limbs[CBRNG_LIMBS_STATES];
    if (states < 1 || states > CBRNG_LIMBS_MAX_STATES) {
        verdict = CBRNG_LIMBS_BAD_STATES;
    } else if (limbs[CBRNG_LIMBS_TAG_AT] != states * CBRNG_LIMBS_TAG) {
        verdict = CBRNG_LIMBS_BAD_TAG;
    } else {
        for (int k = 0; k < CBRNG_REDUCE_DIGITS && verdict == CBRNG_LIMBS_OK; ++k) {
            const bool top = k == CBRNG_REDUCE_DIGITS - 1;
            if (!cbrng_limbs_within(limbs[k], top ? -1 : 0, top ? 0 : 0xffffffffll, states))
                verdict = CBRNG_LIMBS_BAD_DIGIT;
        }
        const cbrng_i64 lo = limbs[CBRNG_LIMBS_COUNT_LO], hi = limbs[CBRNG_LIMBS_COUNT_HI];
        if (verdict == CBRNG_LIMBS_OK &&
            (!cbrng_limbs_within(lo, 0, 0xffffffffll, states) || !cbrng_limbs_within(hi, 0, 1ll << 31, states)))
            verdict = CBRNG_LIMBS_BAD_COUNT;
        // count = hi * 2^32 + lo <= 2^63, without forming it (it may not fit).
        const cbrng_u64 high = (cbrng_u64)hi + ((cbrng_u64)lo >> 32), low = (cbrng_u64)lo & 0xffffffffull;
        if (verdict == CBRNG_LIMBS_OK && (high > (1ull << 31) || (high == (1ull << 31) && low != 0)))
            verdict = CBRNG_LIMBS_COUNT_OVERFLOW;
        for (int f = 0; f < 4 && verdict == CBRNG_LIMBS_OK; ++f)
            if (!cbrng_limbs_within(limbs[CBRNG_LIMBS_FLAGS + f], 0, 1, states)) verdict = CBRNG_LIMBS_BAD_FLAG;
        if (verdict == CBRNG_LIMBS_OK) {
            for (int k = 0; k < CBRNG_REDUCE_DIGITS; ++k) s->digits[k] = limbs[k];
            s->count = (high << 32) | low;
            cbrng_u64 flags = 0;
            for (int f = 0; f < 4; ++f) flags |= (cbrng_u64)(limbs[CBRNG_LIMBS_FLAGS + f] > 0) << f;
            s->flags = flags;
            return verdict;
        }
    }
    for (int k = 0; k < CBRNG_REDUCE_DIGITS; ++k) s->digits[k] = 0;
    s->count = 0;
    s->flags = CBRNG_LIMBS_ERROR | verdict;
    return verdict;
}

#endif
