// The compat kernels: other systems' streams on the GPU, twins of
// src/compat (launched by src/cuda/compat.rs). Every kernel is a grid-stride
// loop over its work units; each unit is a device function of
// kernels/compat/{curand,torch,jax}.cuh, which the host twin
// (tests/host_twin/compat_twin.cpp) runs for every unit in turn.
//
//   cbrng_compat_curand_<fn>(out, seed, subsequence, offset, count, mean, stddev)
//       units: chunks of CBRNG_CURAND_CHUNK calls
//   cbrng_compat_torch_<op>_<dtype>(out, numel, seed, offset, stride, rounds, a, b, vec)
//       units: ATen's threads 0 .. stride-1
//   cbrng_compat_jax_<fn>_<dtype>(out, k0, k1, n, partitionable)
//       units: elements
//
// The host checks every range and buffer; f16/bf16 are written as their
// 16-bit patterns.
#include "../cbrng.cuh"
#include "math.cuh"
#include "curand.cuh"
#include "torch.cuh"
#include "jax.cuh"

#define CBRNG_GRID_STRIDE(UNITS, BODY)                                                       \
    for (cbrng_u64 unit = (cbrng_u64)blockIdx.x * blockDim.x + threadIdx.x; unit < (UNITS); \
         unit += (cbrng_u64)gridDim.x * blockDim.x) {                                        \
        BODY;                                                                                \
    }

#define CBRNG_COMPAT_CURAND(NAME, FN, T)                                                        \
    extern "C" __global__ void cbrng_compat_curand_##NAME(T* out, cbrng_u64 seed,               \
                                                          cbrng_u64 subsequence, cbrng_u64 offset, \
                                                          cbrng_u64 count, float mean, float stddev) { \
        const cbrng_curand_args a = {seed, subsequence, offset, count, mean, stddev};           \
        CBRNG_GRID_STRIDE(cbrng_curand_chunks(count), (cbrng_curand_chunk<FN, T>(out, a, unit))) \
    }
CBRNG_COMPAT_CURAND(curand, CBRNG_CURAND_FN_CURAND, cbrng_u32)
CBRNG_COMPAT_CURAND(uniform, CBRNG_CURAND_FN_UNIFORM, float)
CBRNG_COMPAT_CURAND(uniform4, CBRNG_CURAND_FN_UNIFORM4, float)
CBRNG_COMPAT_CURAND(uniform_double, CBRNG_CURAND_FN_UNIFORM_DOUBLE, double)
CBRNG_COMPAT_CURAND(normal, CBRNG_CURAND_FN_NORMAL, float)
CBRNG_COMPAT_CURAND(normal2, CBRNG_CURAND_FN_NORMAL2, float)
CBRNG_COMPAT_CURAND(normal_double, CBRNG_CURAND_FN_NORMAL_DOUBLE, double)
CBRNG_COMPAT_CURAND(log_normal, CBRNG_CURAND_FN_LOG_NORMAL, float)
#undef CBRNG_COMPAT_CURAND

#define CBRNG_TORCH_ARGS                                                                     \
    cbrng_u64 numel, cbrng_u64 seed, cbrng_u64 offset, cbrng_u64 stride, cbrng_u64 rounds,   \
        double pa, double pb, cbrng_u64 vec
#define CBRNG_TORCH_PACK const cbrng_torch_args a = {numel, seed, offset, stride, rounds, pa, pb, vec}
#define CBRNG_COMPAT_TORCH(NAME, OP, DT, T)                                                   \
    extern "C" __global__ void cbrng_compat_torch_##NAME(T* out, CBRNG_TORCH_ARGS) {          \
        CBRNG_TORCH_PACK;                                                                     \
        CBRNG_GRID_STRIDE(stride, (cbrng_torch_thread<OP, DT>(out, a, unit)))                 \
    }
CBRNG_COMPAT_TORCH(uniform_f32, CBRNG_TORCH_OP_UNIFORM, CBRNG_TORCH_DT_F32, float)
CBRNG_COMPAT_TORCH(uniform_f64, CBRNG_TORCH_OP_UNIFORM, CBRNG_TORCH_DT_F64, double)
CBRNG_COMPAT_TORCH(uniform_f16, CBRNG_TORCH_OP_UNIFORM, CBRNG_TORCH_DT_F16, cbrng_u16)
CBRNG_COMPAT_TORCH(uniform_bf16, CBRNG_TORCH_OP_UNIFORM, CBRNG_TORCH_DT_BF16, cbrng_u16)
CBRNG_COMPAT_TORCH(normal_f32, CBRNG_TORCH_OP_NORMAL, CBRNG_TORCH_DT_F32, float)
CBRNG_COMPAT_TORCH(normal_f64, CBRNG_TORCH_OP_NORMAL, CBRNG_TORCH_DT_F64, double)
CBRNG_COMPAT_TORCH(normal_f16, CBRNG_TORCH_OP_NORMAL, CBRNG_TORCH_DT_F16, cbrng_u16)
CBRNG_COMPAT_TORCH(normal_bf16, CBRNG_TORCH_OP_NORMAL, CBRNG_TORCH_DT_BF16, cbrng_u16)
CBRNG_COMPAT_TORCH(bernoulli_f32, CBRNG_TORCH_OP_BERNOULLI, CBRNG_TORCH_DT_F32, float)
#undef CBRNG_COMPAT_TORCH
#define CBRNG_COMPAT_TORCH_DROPOUT(NAME, DT)                                                  \
    extern "C" __global__ void cbrng_compat_torch_dropout_mask_##NAME(cbrng_u8* out,          \
                                                                      CBRNG_TORCH_ARGS) {     \
        CBRNG_TORCH_PACK;                                                                     \
        CBRNG_GRID_STRIDE(stride, (cbrng_torch_dropout_thread<DT>(out, a, unit)))             \
    }
CBRNG_COMPAT_TORCH_DROPOUT(f32, CBRNG_TORCH_DT_F32)
CBRNG_COMPAT_TORCH_DROPOUT(f64, CBRNG_TORCH_DT_F64)
CBRNG_COMPAT_TORCH_DROPOUT(f16, CBRNG_TORCH_DT_F16)
CBRNG_COMPAT_TORCH_DROPOUT(bf16, CBRNG_TORCH_DT_BF16)
#undef CBRNG_COMPAT_TORCH_DROPOUT
#undef CBRNG_TORCH_PACK
#undef CBRNG_TORCH_ARGS

#define CBRNG_COMPAT_JAX(NAME, FN, T)                                                          \
    extern "C" __global__ void cbrng_compat_jax_##NAME(T* out, cbrng_u32 k0, cbrng_u32 k1,     \
                                                       cbrng_u64 n, cbrng_u32 partitionable) { \
        const cbrng_jax_args a = {{k0, k1}, n, partitionable};                                 \
        CBRNG_GRID_STRIDE(n, (cbrng_jax_element<FN>(out, a, unit)))                            \
    }
CBRNG_COMPAT_JAX(bits_u8, CBRNG_JAX_BITS_U8, cbrng_u8)
CBRNG_COMPAT_JAX(bits_u16, CBRNG_JAX_BITS_U16, cbrng_u16)
CBRNG_COMPAT_JAX(bits_u32, CBRNG_JAX_BITS_U32, cbrng_u32)
CBRNG_COMPAT_JAX(bits_u64, CBRNG_JAX_BITS_U64, cbrng_u64)
CBRNG_COMPAT_JAX(uniform_f32, CBRNG_JAX_UNIFORM_F32, float)
CBRNG_COMPAT_JAX(uniform_f64, CBRNG_JAX_UNIFORM_F64, double)
CBRNG_COMPAT_JAX(uniform_f16, CBRNG_JAX_UNIFORM_F16, cbrng_u16)
CBRNG_COMPAT_JAX(uniform_bf16, CBRNG_JAX_UNIFORM_BF16, cbrng_u16)
CBRNG_COMPAT_JAX(normal_f32, CBRNG_JAX_NORMAL_F32, float)
CBRNG_COMPAT_JAX(normal_f64, CBRNG_JAX_NORMAL_F64, double)
#undef CBRNG_COMPAT_JAX
#undef CBRNG_GRID_STRIDE
