// Host twin of the compat kernels (kernels/compat/compat.cu): their work
// units (cbrng_curand_chunk, cbrng_torch_thread, cbrng_torch_dropout_thread,
// cbrng_jax_element) compiled for the CPU with g++ and run for every unit, in
// reverse order (the kernels' grid-stride loops run them in any order), so
// tests/compat_host_twin.rs can compare the bytes with src/compat.
//
// CUDA's math library is not available on the host: the functions that
// kernels/compat/math.cuh declares for host builds are defined here as the
// CPU definition's stand-ins (src/compat/curand.rs): the C library's logf,
// log and expf, sinf/cosf for the special-function unit's sine-cosine, and
// sin/cos of pi times the argument reduced to [-1, 1] for sincospi; for
// JAX's normal, src/compat/libdevice.rs's add.rz.f32, its model of
// rcp.approx.ftz.f64 and the correctly rounded square root for
// sqrt.approx.f32. Every other operation is the kernels' own.
//
// Reads cases from stdin, one a line (integers decimal, floats as IEEE bits
// in hex, MISALIGN = elements the output starts past a 16-byte boundary):
//   curand FN SEED SUBSEQUENCE OFFSET COUNT MEAN STDDEV MISALIGN
//   torch KERNEL NUMEL SEED OFFSET STRIDE ROUNDS A B VEC MISALIGN
//   jax KERNEL K0 K1 N PARTITIONABLE MISALIGN
//   fn NAME COUNT X1 .. XCOUNT   (NAME: log1pf, log1p, erf_inv_f32,
//                                 erf_inv_f64; X as IEEE bits in hex)
// (FN as CBRNG_CURAND_FN_*; KERNEL the kernel's name) and writes each case's
// elements, little-endian, to stdout.
#include "cbrng.cuh"
#include "compat/math.cuh"
#include "compat/curand.cuh"
#include "compat/torch.cuh"
#include "compat/jax.cuh"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

float cbrng_compat_host_logf(float x) { return logf(x); }
double cbrng_compat_host_log(double x) { return std::log(x); }
float cbrng_compat_host_expf(float x) { return expf(x); }
void cbrng_compat_host_sincosf(float v, float* s, float* c) {
    *s = sinf(v);
    *c = cosf(v);
}
void cbrng_compat_host_sincospi(double v, double* s, double* c) {
    const double r = v - 2.0 * std::round(v / 2.0);
    const double pi = 3.141592653589793;
    *s = std::sin(r * pi);
    *c = std::cos(r * pi);
}

// a + b rounded toward zero: the exact sum s + t (TwoSum in double, where
// float sums cannot overflow), then s rounded to float, stepped toward zero
// when that rounded away from the exact sum.
float cbrng_compat_host_fadd_rz(float a, float b) {
    if (!std::isfinite(a) || !std::isfinite(b)) return a + b;
    const double x = a, y = b;
    const double s = x + y;
    const double bb = s - x;
    const double t = (x - (s - bb)) + (y - bb);
    if (s == 0.0) return t == 0.0 ? a + b : (float)t;
    float c = (float)s;
    const auto toward_zero = [](float f) {
        unsigned int u;
        std::memcpy(&u, &f, 4);
        u -= 1;
        std::memcpy(&f, &u, 4);
        return f;
    };
    if (std::fabs((double)c) > std::fabs(s)) c = toward_zero(c);
    else if ((double)c == s && t != 0.0 && (t < 0.0) != (s < 0.0)) c = toward_zero(c);
    return c;
}
float cbrng_compat_host_sqrt_approx_f32(float x) { return std::sqrt(x); }
double cbrng_compat_host_rcp_approx_ftz_f64(double y) {
    double r = 1.0 / y;
    unsigned long long u;
    std::memcpy(&u, &r, 8);
    u &= 0xFFFFFFFF00000000ull;
    std::memcpy(&r, &u, 8);
    return r;
}

[[noreturn]] static void die(const std::string& why) {
    std::fprintf(stderr, "compat_twin: %s\n", why.c_str());
    std::exit(2);
}

static double f64_of_bits(unsigned long long b) {
    double x;
    std::memcpy(&x, &b, 8);
    return x;
}
static float f32_of_bits(unsigned long long b) {
    const unsigned int u = (unsigned int)b;
    float x;
    std::memcpy(&x, &u, 4);
    return x;
}

// A buffer like a cudaMalloc'd one: 16-byte aligned base, the output
// MISALIGN elements in, guard bytes around it that must come back untouched.
struct Guarded {
    std::vector<unsigned char> buf;
    unsigned char* out;
    size_t bytes;
    Guarded(size_t count, size_t size, size_t misalign) {
        const size_t GUARD = 64;
        bytes = count * size;
        buf.assign(16 + misalign * size + bytes + GUARD, 0xa5);
        unsigned char* base = buf.data() + (16 - ((unsigned long long)buf.data() & 15)) % 16;
        out = base + misalign * size;
    }
    void finish(const char* what) {
        for (size_t i = 0; i < buf.size(); ++i) {
            const unsigned char* b = buf.data() + i;
            if ((b < out || b >= out + bytes) && *b != 0xa5)
                die(std::string(what) + " wrote outside its buffer at byte " +
                    std::to_string((long long)(b - out)) + " (output " + std::to_string(bytes) + " bytes)");
        }
        if (bytes && std::fwrite(out, 1, bytes, stdout) != bytes) die("short write");
    }
};

template <int FN, class T>
static void curand_case(const cbrng_curand_args& a, size_t per_call, size_t misalign) {
    Guarded g(a.count * per_call, sizeof(T), misalign);
    for (cbrng_u64 c = cbrng_curand_chunks(a.count); c-- > 0;)
        cbrng_curand_chunk<FN, T>(reinterpret_cast<T*>(g.out), a, c);
    g.finish("cbrng_curand_chunk");
}

static void curand_line() {
    int fn;
    unsigned long long seed, sub, off, count, mean, sd, mis;
    if (std::scanf("%d %llu %llu %llu %llu %llx %llx %llu", &fn, &seed, &sub, &off, &count, &mean, &sd, &mis) != 8)
        die("malformed curand line");
    const cbrng_curand_args a = {seed, sub, off, count, f32_of_bits(mean), f32_of_bits(sd)};
    switch (fn) {
    case CBRNG_CURAND_FN_CURAND: return curand_case<CBRNG_CURAND_FN_CURAND, cbrng_u32>(a, 1, mis);
    case CBRNG_CURAND_FN_UNIFORM: return curand_case<CBRNG_CURAND_FN_UNIFORM, float>(a, 1, mis);
    case CBRNG_CURAND_FN_UNIFORM4: return curand_case<CBRNG_CURAND_FN_UNIFORM4, float>(a, 4, mis);
    case CBRNG_CURAND_FN_UNIFORM_DOUBLE: return curand_case<CBRNG_CURAND_FN_UNIFORM_DOUBLE, double>(a, 1, mis);
    case CBRNG_CURAND_FN_NORMAL: return curand_case<CBRNG_CURAND_FN_NORMAL, float>(a, 1, mis);
    case CBRNG_CURAND_FN_NORMAL2: return curand_case<CBRNG_CURAND_FN_NORMAL2, float>(a, 2, mis);
    case CBRNG_CURAND_FN_NORMAL_DOUBLE: return curand_case<CBRNG_CURAND_FN_NORMAL_DOUBLE, double>(a, 1, mis);
    case CBRNG_CURAND_FN_LOG_NORMAL: return curand_case<CBRNG_CURAND_FN_LOG_NORMAL, float>(a, 1, mis);
    }
    die("unknown curand function " + std::to_string(fn));
}

template <int OP, int DT, class T>
static void torch_case(const cbrng_torch_args& a, size_t misalign) {
    Guarded g(a.numel, sizeof(T), misalign);
    for (cbrng_u64 idx = a.stride; idx-- > 0;) cbrng_torch_thread<OP, DT>(g.out, a, idx);
    g.finish("cbrng_torch_thread");
}

template <int DT>
static void dropout_case(const cbrng_torch_args& a, size_t misalign) {
    Guarded g(a.numel, 1, misalign);
    for (cbrng_u64 idx = a.stride; idx-- > 0;) cbrng_torch_dropout_thread<DT>(g.out, a, idx);
    g.finish("cbrng_torch_dropout_thread");
}

static void torch_line() {
    char kernel[64];
    unsigned long long n, seed, off, stride, rounds, pa, pb, vec, mis;
    if (std::scanf("%63s %llu %llu %llu %llu %llu %llx %llx %llu %llu", kernel, &n, &seed, &off, &stride,
                   &rounds, &pa, &pb, &vec, &mis) != 10)
        die("malformed torch line");
    const cbrng_torch_args a = {n, seed, off, stride, rounds, f64_of_bits(pa), f64_of_bits(pb), vec};
    const std::string k(kernel);
#define CBRNG_TWIN_TORCH(NAME, OP, DT, T) \
    if (k == "cbrng_compat_torch_" #NAME) return torch_case<OP, DT, T>(a, mis);
    CBRNG_TWIN_TORCH(uniform_f32, CBRNG_TORCH_OP_UNIFORM, CBRNG_TORCH_DT_F32, float)
    CBRNG_TWIN_TORCH(uniform_f64, CBRNG_TORCH_OP_UNIFORM, CBRNG_TORCH_DT_F64, double)
    CBRNG_TWIN_TORCH(uniform_f16, CBRNG_TORCH_OP_UNIFORM, CBRNG_TORCH_DT_F16, cbrng_u16)
    CBRNG_TWIN_TORCH(uniform_bf16, CBRNG_TORCH_OP_UNIFORM, CBRNG_TORCH_DT_BF16, cbrng_u16)
    CBRNG_TWIN_TORCH(normal_f32, CBRNG_TORCH_OP_NORMAL, CBRNG_TORCH_DT_F32, float)
    CBRNG_TWIN_TORCH(normal_f64, CBRNG_TORCH_OP_NORMAL, CBRNG_TORCH_DT_F64, double)
    CBRNG_TWIN_TORCH(normal_f16, CBRNG_TORCH_OP_NORMAL, CBRNG_TORCH_DT_F16, cbrng_u16)
    CBRNG_TWIN_TORCH(normal_bf16, CBRNG_TORCH_OP_NORMAL, CBRNG_TORCH_DT_BF16, cbrng_u16)
    CBRNG_TWIN_TORCH(bernoulli_f32, CBRNG_TORCH_OP_BERNOULLI, CBRNG_TORCH_DT_F32, float)
#undef CBRNG_TWIN_TORCH
    if (k == "cbrng_compat_torch_dropout_mask_f32") return dropout_case<CBRNG_TORCH_DT_F32>(a, mis);
    if (k == "cbrng_compat_torch_dropout_mask_f64") return dropout_case<CBRNG_TORCH_DT_F64>(a, mis);
    if (k == "cbrng_compat_torch_dropout_mask_f16") return dropout_case<CBRNG_TORCH_DT_F16>(a, mis);
    if (k == "cbrng_compat_torch_dropout_mask_bf16") return dropout_case<CBRNG_TORCH_DT_BF16>(a, mis);
    die("unknown torch kernel " + k);
}

template <int FN, class T>
static void jax_case(const cbrng_jax_args& a, size_t misalign) {
    Guarded g(a.n, sizeof(T), misalign);
    for (cbrng_u64 i = a.n; i-- > 0;) cbrng_jax_element<FN>(g.out, a, i);
    g.finish("cbrng_jax_element");
}

static void jax_line() {
    char kernel[64];
    unsigned long long k0, k1, n, part, mis;
    if (std::scanf("%63s %llu %llu %llu %llu %llu", kernel, &k0, &k1, &n, &part, &mis) != 6)
        die("malformed jax line");
    const cbrng_jax_args a = {{(cbrng_u32)k0, (cbrng_u32)k1}, n, (cbrng_u32)part};
    const std::string k(kernel);
#define CBRNG_TWIN_JAX(NAME, FN, T) \
    if (k == "cbrng_compat_jax_" #NAME) return jax_case<FN, T>(a, mis);
    CBRNG_TWIN_JAX(bits_u8, CBRNG_JAX_BITS_U8, cbrng_u8)
    CBRNG_TWIN_JAX(bits_u16, CBRNG_JAX_BITS_U16, cbrng_u16)
    CBRNG_TWIN_JAX(bits_u32, CBRNG_JAX_BITS_U32, cbrng_u32)
    CBRNG_TWIN_JAX(bits_u64, CBRNG_JAX_BITS_U64, cbrng_u64)
    CBRNG_TWIN_JAX(uniform_f32, CBRNG_JAX_UNIFORM_F32, float)
    CBRNG_TWIN_JAX(uniform_f64, CBRNG_JAX_UNIFORM_F64, double)
    CBRNG_TWIN_JAX(uniform_f16, CBRNG_JAX_UNIFORM_F16, cbrng_u16)
    CBRNG_TWIN_JAX(uniform_bf16, CBRNG_JAX_UNIFORM_BF16, cbrng_u16)
    CBRNG_TWIN_JAX(normal_f32, CBRNG_JAX_NORMAL_F32, float)
    CBRNG_TWIN_JAX(normal_f64, CBRNG_JAX_NORMAL_F64, double)
#undef CBRNG_TWIN_JAX
    die("unknown jax kernel " + k);
}

// The JAX normal's device functions themselves, on given inputs.
static void fn_line() {
    char name[32];
    unsigned long long count;
    if (std::scanf("%31s %llu", name, &count) != 2) die("malformed fn line");
    const std::string f(name);
    const bool single = f == "log1pf" || f == "erf_inv_f32";
    if (!single && f != "log1p" && f != "erf_inv_f64") die("unknown fn " + f);
    for (unsigned long long i = 0; i < count; ++i) {
        unsigned long long b;
        if (std::scanf("%llx", &b) != 1) die("malformed fn input");
        if (single) {
            const float x = f32_of_bits(b);
            const float y = f == "log1pf" ? cbrng_libdevice_log1pf(x) : cbrng_jax_erf_inv_f32_gpu(x);
            if (std::fwrite(&y, 4, 1, stdout) != 1) die("short write");
        } else {
            const double x = f64_of_bits(b);
            const double y = f == "log1p" ? cbrng_libdevice_log1p(x) : cbrng_jax_erf_inv_f64_gpu(x);
            if (std::fwrite(&y, 8, 1, stdout) != 1) die("short write");
        }
    }
}

int main() {
    char system[16];
    for (;;) {
        const int got = std::scanf("%15s", system);
        if (got == EOF) break;
        if (got != 1) die("malformed line");
        const std::string s(system);
        if (s == "curand") curand_line();
        else if (s == "torch") torch_line();
        else if (s == "jax") jax_line();
        else if (s == "fn") fn_line();
        else die("unknown system " + s);
    }
    return std::fflush(stdout) == 0 ? 0 : 1;
}
