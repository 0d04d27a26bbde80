// PyTorch's CUDA distribution kernels replayed for a launch geometry: twin
// of src/compat/torch.rs (the definition; ATen's DistributionTemplates.h,
// Distributions.cuh and Dropout.cu, PyTorch 2.x). One device thread here is
// one thread `idx` of ATen's grid: curand_init(seed, idx, philox offset),
// then one curand_uniform4 / curand_normal4 (unroll 4: float, half,
// bfloat16) or curand_uniform2_double / curand_normal2_double (unroll 2:
// double) per round; lane ii of round r is element r*S*unroll + ii*S + idx
// with S = 256 * ATen's grid. The host computes ATen's grid, round count and
// philox offset (calc_execution_policy, philox_cuda_state) with the CPU
// definition's own functions.
#ifndef CBRNG_COMPAT_TORCH_CUH
#define CBRNG_COMPAT_TORCH_CUH
#include "../cbrng/config.cuh"
#include "../cbrng/dropout.cuh"
#include "curand.cuh"
#include "math.cuh"

// Ops and dtypes (src/cuda/compat.rs names them).
#define CBRNG_TORCH_OP_UNIFORM 0
#define CBRNG_TORCH_OP_NORMAL 1
#define CBRNG_TORCH_OP_BERNOULLI 2
#define CBRNG_TORCH_DT_F32 0
#define CBRNG_TORCH_DT_F64 1
#define CBRNG_TORCH_DT_F16 2
#define CBRNG_TORCH_DT_BF16 3

struct cbrng_torch_args {
    cbrng_u64 numel;   // elements
    cbrng_u64 seed;    // the generator's seed
    cbrng_u64 offset;  // its philox offset for this call
    cbrng_u64 stride;  // 256 * ATen's grid: the threads
    cbrng_u64 rounds;  // rounds each thread runs
    double a, b;       // uniform: from, to; normal: mean, std; bernoulli, dropout: p
    cbrng_u64 vec;     // dropout: ATen's vector size (1, 2, 4 or 8)
};

// Narrowed to DT's precision and back (f16/bf16 through their bits).
template <int DT>
CBRNG_FN float cbrng_torch_round(float x) {
    if (DT == CBRNG_TORCH_DT_F16) return cbrng_f16_bits_to_f32(cbrng_f32_to_f16_bits(x));
    if (DT == CBRNG_TORCH_DT_BF16)
        return cbrng_bits_to_f32((cbrng_u32)cbrng_f32_to_bf16_bits(x) << 16);
    return x;
}

// Stores the opmath float x as DT (f32: float, f16/bf16: their bits).
template <int DT>
CBRNG_FN void cbrng_torch_store(void* out, cbrng_u64 e, float x) {
    if (DT == CBRNG_TORCH_DT_F16)
        ((cbrng_u16*)out)[e] = cbrng_f32_to_f16_bits(x);
    else if (DT == CBRNG_TORCH_DT_BF16)
        ((cbrng_u16*)out)[e] = cbrng_f32_to_bf16_bits(x);
    else
        ((float*)out)[e] = x;
}

// uniform_kernel for float, half, bfloat16: (scalar_t)(rand * range + from)
// (one FMA), then `to` becomes `from`. range is `to - from` in scalar_t.
template <int DT>
CBRNG_FN float cbrng_torch_uniform(float r, float from, float to) {
    const float range = cbrng_torch_round<DT>(cbrng_fsub(to, from));
    const float v = cbrng_torch_round<DT>(cbrng_compat_fmadd_f32(r, range, from));
    return v == to ? from : v;
}

// Thread `idx` of distribution_elementwise_grid_stride_kernel for OP in DT.
template <int OP, int DT>
CBRNG_FN void cbrng_torch_thread(void* out, const cbrng_torch_args& a, cbrng_u64 idx) {
    cbrng_curand_state s;
    cbrng_curand_init(a.seed, idx, a.offset, &s);
    if (DT == CBRNG_TORCH_DT_F64) {
        for (cbrng_u64 round = 0; round < a.rounds; ++round) {
            const cbrng_u64 base = round * a.stride * 2;
            if (base >= a.numel) break;
            double r[2];
            if (OP == CBRNG_TORCH_OP_NORMAL)
                cbrng_curand_normal2_double(&s, r);
            else
                cbrng_curand_uniform2_double(&s, r);
            for (int ii = 0; ii < 2; ++ii) {
                const cbrng_u64 e = base + (cbrng_u64)ii * a.stride + idx;
                if (e >= a.numel) continue;
                double v;
                if (OP == CBRNG_TORCH_OP_NORMAL) {
                    v = cbrng_compat_fmadd_f64(r[ii], a.b, a.a);  // rand * std + mean
                } else {
                    v = cbrng_compat_fmadd_f64(r[ii], cbrng_dsub(a.b, a.a), a.a);
                    if (v == a.b) v = a.a;
                }
                ((double*)out)[e] = v;
            }
        }
        return;
    }
    const float fa = (float)a.a, fb = (float)a.b;  // exact: the host passes DT's values
    for (cbrng_u64 round = 0; round < a.rounds; ++round) {
        const cbrng_u64 base = round * a.stride * 4;
        if (base >= a.numel) break;
        float r[4];
        if (OP == CBRNG_TORCH_OP_NORMAL)
            cbrng_curand_normal4(&s, r);
        else
            cbrng_curand_uniform4(&s, r);
        for (int ii = 0; ii < 4; ++ii) {
            const cbrng_u64 e = base + (cbrng_u64)ii * a.stride + idx;
            if (e >= a.numel) continue;
            if (OP == CBRNG_TORCH_OP_BERNOULLI) {
                ((float*)out)[e] = (double)r[ii] < a.a ? 1.0f : 0.0f;
            } else if (OP == CBRNG_TORCH_OP_NORMAL) {
                cbrng_torch_store<DT>(out, e, cbrng_compat_fmadd_f32(r[ii], fb, fa));
            } else {
                cbrng_torch_store<DT>(out, e, cbrng_torch_uniform<DT>(r[ii], fa, fb));
            }
        }
    }
}

// Thread `idx` of fused_dropout_kernel_vec / fused_dropout_kernel: the keep
// mask (u8, 1 = kept) of dropout(p) on an input of dtype DT. keep = 1 - p in
// double; compared in float for float, half and bfloat16, in double for
// double. VEC = 1 maps elements as the distribution kernels do; VEC = 2, 4,
// 8 give thread idx the VEC consecutive elements of chunk it*S + idx from
// ceil(VEC/4) curand_uniform4 calls (lanes in order, the rest unused).
template <int DT>
CBRNG_FN void cbrng_torch_dropout_thread(cbrng_u8* mask, const cbrng_torch_args& a, cbrng_u64 idx) {
    const double keep = cbrng_dsub(1.0, a.a);
    const float keep_f = (float)keep;
    cbrng_curand_state s;
    cbrng_curand_init(a.seed, idx, a.offset, &s);
    if (a.vec == 1) {
        for (cbrng_u64 round = 0; round < a.rounds; ++round) {
            const cbrng_u64 base = round * a.stride * 4;
            if (base >= a.numel) break;
            float r[4];
            cbrng_curand_uniform4(&s, r);
            for (int ii = 0; ii < 4; ++ii) {
                const cbrng_u64 e = base + (cbrng_u64)ii * a.stride + idx;
                if (e >= a.numel) continue;
                mask[e] = DT == CBRNG_TORCH_DT_F64 ? (double)r[ii] < keep : r[ii] < keep_f;
            }
        }
        return;
    }
    const cbrng_u64 calls = (a.vec + 3) / 4;
    for (cbrng_u64 it = 0;; ++it) {
        const cbrng_u64 chunk = it * a.stride + idx;
        if (chunk >= a.numel / a.vec) break;
        for (cbrng_u64 c = 0; c < calls; ++c) {
            float r[4];
            cbrng_curand_uniform4(&s, r);
            for (cbrng_u64 lane = 0; lane < 4; ++lane) {
                const cbrng_u64 within = 4 * c + lane;
                if (within >= a.vec) continue;
                const cbrng_u64 e = chunk * a.vec + within;
                mask[e] = DT == CBRNG_TORCH_DT_F64 ? (double)r[lane] < keep : r[lane] < keep_f;
            }
        }
    }
}

#endif // CBRNG_COMPAT_TORCH_CUH
