// cuRAND's device API for curandStatePhilox4_32_10_t: twin of
// src/compat/curand.rs (the definition; CUDA 12.9 headers, nvidia-curand-cu12
// 10.3.10.19). Written from that definition, not from the headers, which
// this crate does not include. Each step names the header function it
// reproduces.
#ifndef CBRNG_COMPAT_CURAND_CUH
#define CBRNG_COMPAT_CURAND_CUH
#include "../cbrng/config.cuh"
#include "../cbrng/philox.cuh"
#include "math.cuh"

// curand_globals.h's constants (exact hexadecimal literals of the values in
// src/compat/curand.rs).
#define CBRNG_CURAND_2POW32_INV 0x1.000000p-32f
#define CBRNG_CURAND_2POW32_INV_2PI 0x1.921fb6p-30f  // 2^-32 * 6.2831855f, a float product
#define CBRNG_CURAND_2POW32_INV_DOUBLE 0x1.0000000000000p-32
#define CBRNG_CURAND_2POW53_INV_DOUBLE 0x1.0000000000000p-53
#define CBRNG_CURAND_EXTRA_FLAG_NORMAL 0x00000001u
#define CBRNG_CURAND_EXTRA_FLAG_LOG_NORMAL 0x00000002u

// curandStatePhilox4_32_10_t.
struct cbrng_curand_state {
    cbrng_u32 ctr[4];
    cbrng_u32 key[2];
    cbrng_u32 output[4];
    cbrng_u32 state;
    cbrng_u32 boxmuller_flag;
    cbrng_u32 boxmuller_flag_double;
    float boxmuller_extra;
    double boxmuller_extra_double;
};

// curand_Philox4x32_10(ctr, key).
CBRNG_FN void cbrng_curand_block(cbrng_curand_state* s) {
    cbrng_u32 c[4] = {s->ctr[0], s->ctr[1], s->ctr[2], s->ctr[3]};
    cbrng_philox4x32<10>(c, s->key);
    for (int i = 0; i < 4; ++i) s->output[i] = c[i];
}

// Philox_State_Incr(s, n): the carries as the header writes them.
CBRNG_FN void cbrng_curand_incr_n(cbrng_curand_state* s, cbrng_u64 n) {
    const cbrng_u32 nlo = (cbrng_u32)n;
    cbrng_u32 nhi = (cbrng_u32)(n >> 32);
    s->ctr[0] += nlo;
    if (s->ctr[0] < nlo) nhi++;
    s->ctr[1] += nhi;
    if (nhi <= s->ctr[1]) return;
    if (++s->ctr[2]) return;
    ++s->ctr[3];
}

// Philox_State_Incr_hi(s, n).
CBRNG_FN void cbrng_curand_incr_hi(cbrng_curand_state* s, cbrng_u64 n) {
    const cbrng_u32 nlo = (cbrng_u32)n;
    cbrng_u32 nhi = (cbrng_u32)(n >> 32);
    s->ctr[2] += nlo;
    if (s->ctr[2] < nlo) nhi++;
    s->ctr[3] += nhi;
}

// Philox_State_Incr(s).
CBRNG_FN void cbrng_curand_incr(cbrng_curand_state* s) {
    for (int i = 0; i < 4; ++i)
        if (++s->ctr[i]) return;
}

// skipahead(n, &state).
CBRNG_FN void cbrng_curand_skipahead(cbrng_curand_state* s, cbrng_u64 n) {
    s->state += (cbrng_u32)(n & 3);
    n /= 4;
    if (s->state > 3) {
        n += 1;
        s->state -= 4;
    }
    cbrng_curand_incr_n(s, n);
    cbrng_curand_block(s);
}

// skipahead_sequence(n, &state).
CBRNG_FN void cbrng_curand_skipahead_sequence(cbrng_curand_state* s, cbrng_u64 n) {
    cbrng_curand_incr_hi(s, n);
    cbrng_curand_block(s);
}

// curand_init(seed, subsequence, offset, &state).
CBRNG_FN void cbrng_curand_init(cbrng_u64 seed, cbrng_u64 subsequence, cbrng_u64 offset,
                                cbrng_curand_state* s) {
    for (int i = 0; i < 4; ++i) s->ctr[i] = 0;
    s->key[0] = (cbrng_u32)seed;
    s->key[1] = (cbrng_u32)(seed >> 32);
    s->state = 0;
    s->boxmuller_flag = 0;
    s->boxmuller_flag_double = 0;
    s->boxmuller_extra = 0.0f;
    s->boxmuller_extra_double = 0.0;
    cbrng_curand_skipahead_sequence(s, subsequence);
    cbrng_curand_skipahead(s, offset);
}

// The state after `blocks` more calls of Philox_State_Incr(s) (each a
// carry through all four words), with the block at the new counter: what
// `4 * blocks` calls of curand(), or `blocks` calls of curand4(), leave.
// Not a cuRAND function: the kernels use it to start a thread at a later
// call of the same sequence.
CBRNG_FN void cbrng_curand_advance_blocks(cbrng_curand_state* s, cbrng_u64 blocks) {
    if (blocks == 0) return;
    const cbrng_u64 lo = ((cbrng_u64)s->ctr[1] << 32) | s->ctr[0];
    const cbrng_u64 sum = lo + blocks;
    s->ctr[0] = (cbrng_u32)sum;
    s->ctr[1] = (cbrng_u32)(sum >> 32);
    if (sum < lo) {  // carry into the high 64 bits
        if (++s->ctr[2] == 0) ++s->ctr[3];
    }
    cbrng_curand_block(s);
}

// The state after `n` more calls of curand().
CBRNG_FN void cbrng_curand_advance_u32(cbrng_curand_state* s, cbrng_u64 n) {
    const cbrng_u64 t = (cbrng_u64)s->state + n;
    s->state = (cbrng_u32)(t & 3);
    cbrng_curand_advance_blocks(s, t >> 2);
}

// curand(&state).
CBRNG_FN cbrng_u32 cbrng_curand(cbrng_curand_state* s) {
    const cbrng_u32 ret = s->output[s->state++];
    if (s->state == 4) {
        cbrng_curand_incr(s);
        cbrng_curand_block(s);
        s->state = 0;
    }
    return ret;
}

// curand4(&state): the position in the block stays where it was.
CBRNG_FN void cbrng_curand4(cbrng_curand_state* s, cbrng_u32 r[4]) {
    const cbrng_u32 tmp[4] = {s->output[0], s->output[1], s->output[2], s->output[3]};
    cbrng_curand_incr(s);
    cbrng_curand_block(s);
    const cbrng_u32* o = s->output;
    switch (s->state) {
    case 1: r[0] = tmp[1]; r[1] = tmp[2]; r[2] = tmp[3]; r[3] = o[0]; break;
    case 2: r[0] = tmp[2]; r[1] = tmp[3]; r[2] = o[0]; r[3] = o[1]; break;
    case 3: r[0] = tmp[3]; r[1] = o[0]; r[2] = o[1]; r[3] = o[2]; break;
    default: r[0] = tmp[0]; r[1] = tmp[1]; r[2] = tmp[2]; r[3] = tmp[3]; break;
    }
}

// _curand_uniform(x): x * 2^-32 + 2^-33, the u32 rounded to float first
// (one FMA on the device; the product is exact, so fused or not it rounds
// the same: written fused as nvcc forms it).
CBRNG_FN float cbrng_curand_uniform_of(cbrng_u32 x) {
    return cbrng_compat_fmadd_f32(cbrng_u32_to_f32(x), CBRNG_CURAND_2POW32_INV,
                             CBRNG_CURAND_2POW32_INV / 2.0f);
}

// _curand_uniform_double(x) for a u32: x * 2^-32 + 2^-32.
CBRNG_FN double cbrng_curand_uniform_double_of(cbrng_u32 x) {
    return cbrng_compat_fmadd_f64((double)x, CBRNG_CURAND_2POW32_INV_DOUBLE,
                            CBRNG_CURAND_2POW32_INV_DOUBLE);
}

// _curand_uniform_double_hq(x, y): 53 bits x ^ (y << 21), * 2^-53 + 2^-54.
CBRNG_FN double cbrng_curand_uniform_double_hq(cbrng_u32 x, cbrng_u32 y) {
    const cbrng_u64 z = (cbrng_u64)x ^ ((cbrng_u64)y << (53 - 32));
    return cbrng_compat_fmadd_f64(cbrng_u64_to_f64(z), CBRNG_CURAND_2POW53_INV_DOUBLE,
                            CBRNG_CURAND_2POW53_INV_DOUBLE / 2.0);
}

// _curand_box_muller(x, y), device branch: s = sqrtf(-2 logf(u)),
// (sin v, cos v) * s from the special-function unit; v's multiply-add is
// one FMA.
CBRNG_FN void cbrng_curand_box_muller(cbrng_u32 x, cbrng_u32 y, float r[2]) {
    const float u = cbrng_curand_uniform_of(x);
    const float v = cbrng_compat_fmadd_f32(cbrng_u32_to_f32(y), CBRNG_CURAND_2POW32_INV_2PI,
                                      CBRNG_CURAND_2POW32_INV_2PI / 2.0f);
    const float s = cbrng_fsqrt(cbrng_fmul(-2.0f, cbrng_compat_logf(u)));
    float sn, cs;
    cbrng_compat_sincosf_sfu(v, &sn, &cs);
    r[0] = cbrng_fmul(sn, s);
    r[1] = cbrng_fmul(cs, s);
}

// _curand_box_muller_double(x0, x1, y0, y1), device branch:
// s = sqrt(-2 log(u)), sincospi(v) * s.
CBRNG_FN void cbrng_curand_box_muller_double(cbrng_u32 x0, cbrng_u32 x1, cbrng_u32 y0,
                                             cbrng_u32 y1, double r[2]) {
    const double u = cbrng_curand_uniform_double_hq(x0, x1);
    const cbrng_u64 zy = (cbrng_u64)y0 ^ ((cbrng_u64)y1 << (53 - 32));
    const double v = cbrng_compat_fmadd_f64(cbrng_u64_to_f64(zy), CBRNG_CURAND_2POW53_INV_DOUBLE * 2.0,
                                      CBRNG_CURAND_2POW53_INV_DOUBLE);
    const double s = cbrng_dsqrt(cbrng_dmul(-2.0, cbrng_compat_log(u)));
    double sn, cs;
    cbrng_compat_sincospi(v, &sn, &cs);
    r[0] = cbrng_dmul(sn, s);
    r[1] = cbrng_dmul(cs, s);
}

// curand_uniform(&state).
CBRNG_FN float cbrng_curand_uniform(cbrng_curand_state* s) {
    return cbrng_curand_uniform_of(cbrng_curand(s));
}

// curand_uniform4(&state).
CBRNG_FN void cbrng_curand_uniform4(cbrng_curand_state* s, float r[4]) {
    cbrng_u32 x[4];
    cbrng_curand4(s, x);
    for (int i = 0; i < 4; ++i) r[i] = cbrng_curand_uniform_of(x[i]);
}

// curand_uniform_double(&state) for Philox: one 32-bit draw.
CBRNG_FN double cbrng_curand_uniform_double(cbrng_curand_state* s) {
    return cbrng_curand_uniform_double_of(cbrng_curand(s));
}

// curand_uniform2_double(&state).
CBRNG_FN void cbrng_curand_uniform2_double(cbrng_curand_state* s, double r[2]) {
    cbrng_u32 x[4];
    cbrng_curand4(s, x);
    r[0] = cbrng_curand_uniform_double_hq(x[0], x[1]);
    r[1] = cbrng_curand_uniform_double_hq(x[2], x[3]);
}

// curand_normal(&state).
CBRNG_FN float cbrng_curand_normal(cbrng_curand_state* s) {
    if (s->boxmuller_flag != CBRNG_CURAND_EXTRA_FLAG_NORMAL) {
        const cbrng_u32 x = cbrng_curand(s);
        const cbrng_u32 y = cbrng_curand(s);
        float v[2];
        cbrng_curand_box_muller(x, y, v);
        s->boxmuller_extra = v[1];
        s->boxmuller_flag = CBRNG_CURAND_EXTRA_FLAG_NORMAL;
        return v[0];
    }
    s->boxmuller_flag = 0;
    return s->boxmuller_extra;
}

// curand_normal2(&state).
CBRNG_FN void cbrng_curand_normal2(cbrng_curand_state* s, float r[2]) {
    const cbrng_u32 x = cbrng_curand(s);
    const cbrng_u32 y = cbrng_curand(s);
    cbrng_curand_box_muller(x, y, r);
}

// curand_normal4(&state).
CBRNG_FN void cbrng_curand_normal4(cbrng_curand_state* s, float r[4]) {
    cbrng_u32 x[4];
    cbrng_curand4(s, x);
    cbrng_curand_box_muller(x[0], x[1], r);
    cbrng_curand_box_muller(x[2], x[3], r + 2);
}

// curand_normal_double(&state).
CBRNG_FN double cbrng_curand_normal_double(cbrng_curand_state* s) {
    if (s->boxmuller_flag_double != CBRNG_CURAND_EXTRA_FLAG_NORMAL) {
        cbrng_u32 x[4];
        cbrng_curand4(s, x);
        double v[2];
        cbrng_curand_box_muller_double(x[0], x[1], x[2], x[3], v);
        s->boxmuller_extra_double = v[1];
        s->boxmuller_flag_double = CBRNG_CURAND_EXTRA_FLAG_NORMAL;
        return v[0];
    }
    s->boxmuller_flag_double = 0;
    return s->boxmuller_extra_double;
}

// curand_normal2_double(&state).
CBRNG_FN void cbrng_curand_normal2_double(cbrng_curand_state* s, double r[2]) {
    cbrng_u32 x[4];
    cbrng_curand4(s, x);
    cbrng_curand_box_muller_double(x[0], x[1], x[2], x[3], r);
}

// curand_log_normal(&state, mean, stddev): expf(mean + stddev * z), the
// multiply-add one FMA.
CBRNG_FN float cbrng_curand_log_normal(cbrng_curand_state* s, float mean, float stddev) {
    if (s->boxmuller_flag != CBRNG_CURAND_EXTRA_FLAG_LOG_NORMAL) {
        const cbrng_u32 x = cbrng_curand(s);
        const cbrng_u32 y = cbrng_curand(s);
        float v[2];
        cbrng_curand_box_muller(x, y, v);
        s->boxmuller_extra = cbrng_compat_expf(cbrng_compat_fmadd_f32(stddev, v[1], mean));
        s->boxmuller_flag = CBRNG_CURAND_EXTRA_FLAG_LOG_NORMAL;
        return cbrng_compat_expf(cbrng_compat_fmadd_f32(stddev, v[0], mean));
    }
    s->boxmuller_flag = 0;
    return s->boxmuller_extra;
}

// ---- The `cbrng compat curand` sequence on many threads: `count` calls of
// one function after curand_init(seed, subsequence, offset), cut into
// chunks of CBRNG_CURAND_CHUNK calls (even, so a Box-Muller pair never
// straddles two chunks). Chunk c starts from the state `c * CHUNK` calls in
// (cbrng_curand_advance_*) and makes the calls one by one, as a single
// thread would.
#define CBRNG_CURAND_CHUNK 64

// Function ids (src/cuda/compat.rs names them).
#define CBRNG_CURAND_FN_CURAND 0
#define CBRNG_CURAND_FN_UNIFORM 1
#define CBRNG_CURAND_FN_UNIFORM4 2
#define CBRNG_CURAND_FN_UNIFORM_DOUBLE 3
#define CBRNG_CURAND_FN_NORMAL 4
#define CBRNG_CURAND_FN_NORMAL2 5
#define CBRNG_CURAND_FN_NORMAL_DOUBLE 6
#define CBRNG_CURAND_FN_LOG_NORMAL 7

struct cbrng_curand_args {
    cbrng_u64 seed, subsequence, offset, count;
    float mean, stddev;
};

CBRNG_FN cbrng_u64 cbrng_curand_chunks(cbrng_u64 count) {
    return count / CBRNG_CURAND_CHUNK + (count % CBRNG_CURAND_CHUNK != 0);
}

// Chunk `c` of function FN: writes the elements of calls [c*CHUNK, ...)
// (uniform4: 4 a call, normal2: 2 a call, otherwise 1) to `out`.
template <int FN, class T>
CBRNG_FN void cbrng_curand_chunk(T* out, const cbrng_curand_args& a, cbrng_u64 c) {
    const cbrng_u64 first = c * CBRNG_CURAND_CHUNK;
    const cbrng_u64 left = a.count - first;
    const cbrng_u64 calls = left < CBRNG_CURAND_CHUNK ? left : CBRNG_CURAND_CHUNK;
    cbrng_curand_state s;
    cbrng_curand_init(a.seed, a.subsequence, a.offset, &s);
    // Skip the earlier calls: u32 draws for the curand()-based functions,
    // blocks for the curand4()-based ones (first is even).
    if (FN == CBRNG_CURAND_FN_UNIFORM4) {
        cbrng_curand_advance_blocks(&s, first);
    } else if (FN == CBRNG_CURAND_FN_NORMAL_DOUBLE) {
        cbrng_curand_advance_blocks(&s, first / 2);
    } else if (FN == CBRNG_CURAND_FN_NORMAL2) {
        cbrng_curand_advance_u32(&s, 2 * first);
    } else {
        cbrng_curand_advance_u32(&s, first);
    }
    for (cbrng_u64 k = 0; k < calls; ++k) {
        const cbrng_u64 i = first + k;
        if (FN == CBRNG_CURAND_FN_CURAND) {
            out[i] = (T)cbrng_curand(&s);
        } else if (FN == CBRNG_CURAND_FN_UNIFORM) {
            out[i] = (T)cbrng_curand_uniform(&s);
        } else if (FN == CBRNG_CURAND_FN_UNIFORM4) {
            float r[4];
            cbrng_curand_uniform4(&s, r);
            for (int j = 0; j < 4; ++j) out[4 * i + j] = (T)r[j];
        } else if (FN == CBRNG_CURAND_FN_UNIFORM_DOUBLE) {
            out[i] = (T)cbrng_curand_uniform_double(&s);
        } else if (FN == CBRNG_CURAND_FN_NORMAL) {
            out[i] = (T)cbrng_curand_normal(&s);
        } else if (FN == CBRNG_CURAND_FN_NORMAL2) {
            float r[2];
            cbrng_curand_normal2(&s, r);
            out[2 * i] = (T)r[0];
            out[2 * i + 1] = (T)r[1];
        } else if (FN == CBRNG_CURAND_FN_NORMAL_DOUBLE) {
            out[i] = (T)cbrng_curand_normal_double(&s);
        } else {
            out[i] = (T)cbrng_curand_log_normal(&s, a.mean, a.stddev);
        }
    }
}

#endif // CBRNG_COMPAT_CURAND_CUH
