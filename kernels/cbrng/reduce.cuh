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

// ---- The kernels' fast path: a window of binades per lane ----------------
//
// A warp keeps a window of F::WIN consecutive binades, biased exponents
// [e0, e0 + WIN), with e0 the same on every lane. A term of the window,
// m * 2^(e - bias - FRAC_BITS) with m its significand, is m << (e - e0) units
// of 2^(e0 - bias - FRAC_BITS): at most FRAC_BITS + WIN bits, i.e. F::PIECES
// 32-bit words w_i. The lane adds them to its counters a[i] (a[i] weighs
// 2^(32 i) units): w_i for a positive term, ~w_i = -w_i - 1 for a negative
// one, which then also counts one in `neg`. So the window holds exactly
//     sum_i (a[i] + neg) 2^(32 i) units
// with one 64-bit addition per word and no negation. Zeros are windowed as
// well (they add nothing). Every other term (outside the window, a subnormal
// unless the window starts at the lowest binade, inf, NaN) is left to the
// slow path: decoded (cbrng_reduce_decode) and added to the warp's digits.
//
// When a group's terms lie above the window (or all of its nonzero terms
// below it) the warp moves the window: it adds every lane's window to its
// digits (cbrng_reduce_window_take) and re-anchors it so that its top is
// CBRNG_REDUCE_MARGIN binades above the group's largest term
// (cbrng_reduce_reanchor). Nothing is rounded anywhere: the window only
// decides which integer additions do the work.

#define CBRNG_REDUCE_MARGIN 3

template <bool WIDE> struct cbrng_reduce_word { typedef cbrng_u32 T; };
template <> struct cbrng_reduce_word<true> { typedef cbrng_u64 T; };

// A binary format and its window. B holds a value's encoding, zero-extended.
template <int BITS_, int EXP_BITS_, int FRAC_BITS_> struct cbrng_reduce_format {
    static constexpr int BITS = BITS_;
    static constexpr int EXP_BITS = EXP_BITS_;
    static constexpr int FRAC_BITS = FRAC_BITS_;
    typedef typename cbrng_reduce_word<(BITS_ > 32)>::T B;
    static constexpr int EXP_MAX = (1 << EXP_BITS_) - 1;
    static constexpr int BIAS = (1 << (EXP_BITS_ - 1)) - 1;
    // 32 binades, or every finite binade of a narrower format (f16: 30).
    static constexpr int WIN = EXP_MAX - 1 < 32 ? EXP_MAX - 1 : 32;
    // Highest e0: the window never reaches the inf/NaN exponent.
    static constexpr int E0_MAX = EXP_MAX - WIN;
    // A window that always starts at the lowest binade also takes subnormals.
    static constexpr bool SUB_FAST = E0_MAX == 1;
    static constexpr int PIECES = (FRAC_BITS_ + WIN + 31) / 32;
    static constexpr B SIGN = (B)1 << (BITS_ - 1);
    static constexpr B FRAC_MASK = ((B)1 << FRAC_BITS_) - 1;
};
typedef cbrng_reduce_format<32, 8, 23> cbrng_reduce_f32;
typedef cbrng_reduce_format<64, 11, 52> cbrng_reduce_f64;
typedef cbrng_reduce_format<16, 5, 10> cbrng_reduce_f16;
typedef cbrng_reduce_format<16, 8, 7> cbrng_reduce_bf16;

template <class F> CBRNG_FN cbrng_reduce_term cbrng_reduce_decode_fmt(typename F::B b) {
    return cbrng_reduce_decode<F::BITS, F::EXP_BITS, F::FRAC_BITS>(b);
}

CBRNG_FN int cbrng_reduce_maxi(int a, int b) { return a > b ? a : b; }

// One lane's share of a warp's exact sum.
struct cbrng_reduce_lane {
    cbrng_i64 a[3];   // window counters (F::PIECES of them are used)
    cbrng_u32 neg;    // negative windowed terms since the window was last taken
    int e0;           // the window's lowest biased exponent (warp-uniform)
    cbrng_u64 nz;     // OR of (bits ^ sign bit) of every term: nonzero iff some term is not -0.0
    cbrng_u32 flags;  // CBRNG_REDUCE_FLAG_* of the slow-path terms
    cbrng_u64 count;  // terms read by this lane
};

CBRNG_FN void cbrng_reduce_lane_init(cbrng_reduce_lane& L) {
    L.a[0] = L.a[1] = L.a[2] = 0;
    L.neg = 0;
    L.e0 = 1;
    L.nz = 0;
    L.flags = 0;
    L.count = 0;
}

// The words of m << sh (sh < 32): two for a narrow significand, three for f64's.
CBRNG_FN void cbrng_reduce_shift_words(cbrng_u32 m, cbrng_u32 sh, cbrng_u32* w) {
    const cbrng_u64 v = (cbrng_u64)m << sh;
    w[0] = (cbrng_u32)v;
    w[1] = (cbrng_u32)(v >> 32);
}
CBRNG_FN void cbrng_reduce_shift_words(cbrng_u64 m, cbrng_u32 sh, cbrng_u32* w) {
    const cbrng_u64 lo = m << sh;
    const cbrng_u64 hi = (m >> 1) >> (63 - sh);  // m >> (64 - sh), and 0 for sh = 0
    w[0] = (cbrng_u32)lo;
    w[1] = (cbrng_u32)(lo >> 32);
    w[2] = (cbrng_u32)hi;
}

// Where term b stands against the window starting at e0: `fast` when it lies
// in the window (then its significand m and shift sh), `ok` when it is fast
// or a zero, i.e. when the fast path takes it.
template <class F>
CBRNG_FN bool cbrng_reduce_window_split(int e0, typename F::B b, bool* fast, typename F::B* m, cbrng_u32* sh) {
    typedef typename F::B B;
    const cbrng_u32 e = (cbrng_u32)(b >> F::FRAC_BITS) & (cbrng_u32)F::EXP_MAX;
    const B frac = b & F::FRAC_MASK;
    cbrng_u32 ee;
    if (F::SUB_FAST) {
        *m = frac | ((B)(e != 0) << F::FRAC_BITS);
        ee = e != 0 ? e : 1;
    } else {
        *m = frac | ((B)1 << F::FRAC_BITS);
        ee = e;
    }
    *sh = ee - (cbrng_u32)e0;  // wraps when below the window
    *fast = *sh < (cbrng_u32)F::WIN;
    return *fast || (b & ~F::SIGN) == 0;
}

// True when the fast path takes term b (window_add returns the same).
template <class F> CBRNG_FN bool cbrng_reduce_window_ok(int e0, typename F::B b) {
    bool fast;
    typename F::B m;
    cbrng_u32 sh;
    return cbrng_reduce_window_split<F>(e0, b, &fast, &m, &sh);
}

// The fast path for one term (encoding b): adds it to the lane's window and
// returns true when it is in the window or a zero; otherwise adds nothing and
// returns false (the slow path's term). Always records b for the -0.0 rule.
template <class F> CBRNG_FN bool cbrng_reduce_window_add(cbrng_reduce_lane& L, typename F::B b) {
    typedef typename F::B B;
    static_assert(F::PIECES == (sizeof(B) == 8 ? 3 : 2), "window words");
    bool fast;
    B m;
    cbrng_u32 sh;
    const bool ok = cbrng_reduce_window_split<F>(L.e0, b, &fast, &m, &sh);
    const B mm = fast ? m : (B)0;
    const cbrng_u32 s = ok ? 0u - (cbrng_u32)(b >> (F::BITS - 1)) : 0u;  // all ones: negative
    cbrng_u32 w[F::PIECES];
    cbrng_reduce_shift_words(mm, sh & 31, w);
    for (int i = 0; i < F::PIECES; ++i)
        L.a[i] += (cbrng_i64)(((cbrng_u64)s << 32) | (cbrng_u64)(w[i] ^ s));
    L.neg += s & 1;
    L.nz |= (cbrng_u64)(b ^ F::SIGN);
    return ok;
}

// A slow-path term as the kernels broadcast it across a warp: the magnitudes
// of its pieces for digits k, k+1, k+2 and its sign, kn = 2k + sign (a zero
// term has zero words). Four 32-bit words instead of a term's seven.
struct cbrng_reduce_wterm {
    cbrng_u32 kn, w0, w1, w2;
};

CBRNG_FN cbrng_reduce_wterm cbrng_reduce_term_words(const cbrng_reduce_term& t) {
    const bool neg = (t.p0 | t.p1 | t.p2) < 0;  // every piece of a negative term is <= 0
    cbrng_reduce_wterm w;
    w.kn = ((cbrng_u32)t.k << 1) | (neg ? 1u : 0u);
    w.w0 = (cbrng_u32)(neg ? -t.p0 : t.p0);
    w.w1 = (cbrng_u32)(neg ? -t.p1 : t.p1);
    w.w2 = (cbrng_u32)(neg ? -t.p2 : t.p2);
    return w;
}

// Warp routing of a broadcast term: lane `lane` owns digits lane + 32r; the
// piece it adds (0: none) and the digit it goes to.
CBRNG_FN cbrng_i64 cbrng_reduce_lane_word(cbrng_u32 kn, cbrng_u32 w0, cbrng_u32 w1, cbrng_u32 w2, int lane,
                                          int* digit) {
    const int k = (int)(kn >> 1);
    const int dl = (lane - k) & 31;  // which piece lands on a digit of this lane
    const cbrng_u32 w = dl == 0 ? w0 : (dl == 1 ? w1 : (dl == 2 ? w2 : 0u));
    *digit = k + dl;
    return (kn & 1) ? -(cbrng_i64)w : (cbrng_i64)w;
}

// Takes the lane's window: its value as F::PIECES + 2 digit contributions
// c[j] for digits k + j (each |c[j]| < 3 * 2^32), where k is returned, and
// empties the window. Every lane of a warp gets the same k.
template <class F> CBRNG_FN int cbrng_reduce_window_take(cbrng_reduce_lane& L, cbrng_i64* c) {
    const int pos = L.e0 - F::BIAS - F::FRAC_BITS + CBRNG_REDUCE_OFFSET;  // bit of one unit
    const int s = pos & 31;
    for (int j = 0; j < F::PIECES + 2; ++j) c[j] = 0;
    for (int i = 0; i < F::PIECES; ++i) {
        // t * 2^s = u + hi * 2^64 with u unsigned: |t| < 2^62, so |hi| < 2^30.
        const cbrng_i64 t = L.a[i] + (cbrng_i64)L.neg;
        const cbrng_u64 u = (cbrng_u64)t << s;
        const cbrng_i64 hi = (t >> 32) >> (32 - s);
        c[i] += (cbrng_i64)(u & 0xffffffffull);
        c[i + 1] += (cbrng_i64)(u >> 32);
        c[i + 2] += hi;
        L.a[i] = 0;
    }
    L.neg = 0;
    return pos >> 5;
}

// What the slow path learns about a group's terms: the largest effective
// exponent of its finite nonzero slow terms, whether any lies above or below
// the window, and whether any windowed term was nonzero. Lanes' scans are
// merged (OR, max) across the warp before cbrng_reduce_reanchor.
struct cbrng_reduce_scan {
    int max_e;
    bool above, below, fast_nonzero;
};

CBRNG_FN void cbrng_reduce_scan_init(cbrng_reduce_scan& S) {
    S.max_e = 0;
    S.above = S.below = S.fast_nonzero = false;
}

template <class F>
CBRNG_FN void cbrng_reduce_scan_term(const cbrng_reduce_lane& L, typename F::B b, bool ok, cbrng_reduce_scan& S) {
    if (ok) {
        S.fast_nonzero = S.fast_nonzero || (b & ~F::SIGN) != 0;
        return;
    }
    const int e = (int)((b >> F::FRAC_BITS) & (typename F::B)F::EXP_MAX);
    if (e == F::EXP_MAX) return;  // inf or NaN: flags only
    const int ee = e != 0 ? e : 1;  // subnormals lie in the lowest binade
    S.max_e = cbrng_reduce_maxi(S.max_e, ee);
    if (ee >= L.e0 + F::WIN) S.above = true;
    else S.below = true;
}

// The window's new e0 after a group with the warp's merged scan S: moved when
// a term lies above it, or when every nonzero term lies below it, so that its
// top is CBRNG_REDUCE_MARGIN binades above the largest slow term; else e0.
template <class F> CBRNG_FN int cbrng_reduce_reanchor(int e0, const cbrng_reduce_scan& S) {
    if (!(S.above || (S.below && !S.fast_nonzero))) return e0;
    int e = S.max_e + CBRNG_REDUCE_MARGIN - F::WIN + 1;
    if (e < 1) e = 1;
    if (e > F::E0_MAX) e = F::E0_MAX;
    return e;
}

// The partial kernel's split of its input (n elements of `size` bytes at
// device address addr): a head of elements before the first 16-byte boundary,
// `groups` whole warp groups of 32 * E elements read as 16-byte vectors, and
// the tail after them. Head and tail, `ragged` elements, are read one per
// lane by warp `groups % warps` of the grid.
struct cbrng_reduce_layout {
    cbrng_u64 head, groups, body_end, ragged;
};

CBRNG_FN cbrng_reduce_layout cbrng_reduce_plan(cbrng_u64 addr, cbrng_u64 n, int size, int E) {
    cbrng_reduce_layout P;
    P.head = ((16 - (addr & 15)) & 15) / (cbrng_u64)size;
    if (P.head > n) P.head = n;
    P.groups = (n - P.head) / (32ull * E);
    P.body_end = P.head + P.groups * 32ull * E;
    P.ragged = n - P.groups * 32ull * E;
    return P;
}

// Element index of ragged element i (the head first, then the tail).
CBRNG_FN cbrng_u64 cbrng_reduce_ragged_index(const cbrng_reduce_layout& P, cbrng_u64 i) {
    return i < P.head ? i : P.body_end + (i - P.head);
}

// Element index of lane `lane`'s element j in body group g, V elements per
// 16-byte vector: the warp reads E / V vectors per lane, each a contiguous
// 512 bytes across the warp.
CBRNG_FN cbrng_u64 cbrng_reduce_body_index(const cbrng_reduce_layout& P, cbrng_u64 g, int lane, int j, int E, int V) {
    return P.head + g * 32ull * E + ((cbrng_u64)(j / V) * 32 + lane) * V + j % V;
}

#endif // CBRNG_REDUCE_CUH
