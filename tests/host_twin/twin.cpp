// Host twin of the fill kernels: the kernels' own work unit (cbrng_fill_group
// from kernels/cbrng/fill.cuh, with every block function, conversion and
// distribution it calls) compiled for the CPU with g++, so CI checks the CUDA
// code's arithmetic against the Rust definition without a GPU
// (tests/host_twin.rs builds this with -std=c++17 -O2 -ffp-contract=off).
//
// Reads cases from stdin, one a line:
//   GEN ROUNDS DIST K0 K1 K2 K3 STREAM OFFSET COUNT P0 P1 F0 F1 MISALIGN
// (GEN e.g. philox4x32, DIST e.g. normal_f32 as in the kernel names; integers
// in decimal; F0 F1 the IEEE bits of the doubles in hex; for categorical_*
// P1 decimal table words follow the line; MISALIGN the number
// of elements the output starts past a 16-byte boundary) and writes, for each
// case in order, the COUNT elements' little-endian bytes to stdout, as the
// kernel cbrng_fill_GEN_DIST would write them to device memory.
#include "cbrng.cuh"
#include "cbrng/fill.cuh"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

struct Case {
    cbrng_key key;
    cbrng_u64 stream, offset, count, misalign;
    cbrng_fill_params p;
};

[[noreturn]] static void die(const std::string& why) {
    std::fprintf(stderr, "host_twin: %s\n", why.c_str());
    std::exit(2);
}

// A group-wise distribution (cbrng_fill_group) or, with ATTEMPTS, a
// rejection sampler (cbrng_fill_attempts_element, one element at a time).
template <class Gen, class Dist, bool ATTEMPTS = false>
static void run(const Case& c) {
    typedef typename Dist::T T;
    // Like a cudaMalloc'd buffer: 16-byte aligned base, output MISALIGN
    // elements in, then guard bytes: everything outside the output (the
    // misaligned head and GUARD bytes after it) must come back untouched.
    const size_t GUARD = 64;
    const size_t out_bytes = c.count * sizeof(T);
    std::vector<unsigned char> buf(16 + c.misalign * sizeof(T) + out_bytes + GUARD);
    unsigned char* base = buf.data() + (16 - ((unsigned long long)buf.data() & 15)) % 16;
    std::memset(buf.data(), 0xa5, buf.size());
    T* out = reinterpret_cast<T*>(base) + c.misalign;
    if constexpr (ATTEMPTS) {
        for (cbrng_u64 t = 0; t < c.count; ++t) cbrng_fill_attempts_element<Gen, Dist>(out, c.offset, c.key, c.p, t);
    } else if (c.count > 0) {
        const cbrng_u64 groups = cbrng_fill_groups<Gen, Dist>(c.count, c.offset);
        for (cbrng_u64 t = 0; t < groups; ++t)
            cbrng_fill_group<Gen, Dist>(out, c.count, c.offset, c.stream, c.key, c.p, t);
    }
    const unsigned char* first = reinterpret_cast<const unsigned char*>(out);
    for (size_t i = 0; i < buf.size(); ++i) {
        const unsigned char* b = buf.data() + i;
        if ((b < first || b >= first + out_bytes) && *b != 0xa5) {
            const long long at = (long long)(b - first);
            die("the fill wrote outside its buffer: byte " + std::to_string(at) +
                " relative to the output start (output is " + std::to_string(out_bytes) +
                " bytes; offset " + std::to_string(c.offset) + ", count " + std::to_string(c.count) + ")");
        }
    }
    if (std::fwrite(out, sizeof(T), c.count, stdout) != c.count) die("short write");
}

// A contract v3 rejection sampler: the kernel's per-element step
// (cbrng_fill_rejection_element) for every t < COUNT, the sampler's
// constants made once as each device thread makes them.
template <class Gen, class R>
static void run_rejection(const Case& c) {
    typedef typename R::T T;
    const size_t GUARD = 64;
    const size_t out_bytes = c.count * sizeof(T);
    std::vector<unsigned char> buf(16 + c.misalign * sizeof(T) + out_bytes + GUARD);
    unsigned char* base = buf.data() + (16 - ((unsigned long long)buf.data() & 15)) % 16;
    std::memset(buf.data(), 0xa5, buf.size());
    T* out = reinterpret_cast<T*>(base) + c.misalign;
    const typename R::Sampler s = R::setup(c.p);
    for (cbrng_u64 t = 0; t < c.count; ++t) cbrng_fill_rejection_element<Gen, R>(out, c.offset, c.key, s, t);
    const unsigned char* first = reinterpret_cast<const unsigned char*>(out);
    for (size_t i = 0; i < buf.size(); ++i) {
        const unsigned char* b = buf.data() + i;
        if ((b < first || b >= first + out_bytes) && *b != 0xa5) die("the rejection fill wrote outside its buffer");
    }
    if (std::fwrite(out, sizeof(T), c.count, stdout) != c.count) die("short write");
}

template <class Gen>
static void run_dist(const std::string& d, const Case& c) {
#define CBRNG_TWIN_REJECTION(NAME) \
    if (d == #NAME) return run_rejection<Gen, cbrng_rej_##NAME>(c);
    CBRNG_TWIN_REJECTION(poisson_u32)
    CBRNG_TWIN_REJECTION(poisson_u64)
    CBRNG_TWIN_REJECTION(binomial_u32)
    CBRNG_TWIN_REJECTION(binomial_u64)
#undef CBRNG_TWIN_REJECTION
#define CBRNG_TWIN_DIST(NAME) \
    if (d == #NAME) return run<Gen, cbrng_dist_##NAME>(c);
    CBRNG_TWIN_DIST(bits_u32)
    CBRNG_TWIN_DIST(bits_u64)
    CBRNG_TWIN_DIST(bits_u8)
    CBRNG_TWIN_DIST(uniform_f32)
    CBRNG_TWIN_DIST(uniform_f64)
    CBRNG_TWIN_DIST(uniform_f16)
    CBRNG_TWIN_DIST(uniform_bf16)
    CBRNG_TWIN_DIST(normal_f32)
    CBRNG_TWIN_DIST(normal_f64)
    CBRNG_TWIN_DIST(bernoulli_u8)
    CBRNG_TWIN_DIST(int_u8)
    CBRNG_TWIN_DIST(int_u32)
    CBRNG_TWIN_DIST(int_u64)
    CBRNG_TWIN_DIST(normal_f16)
    CBRNG_TWIN_DIST(normal_bf16)
    CBRNG_TWIN_DIST(uniform_range_f32)
    CBRNG_TWIN_DIST(uniform_range_f64)
    CBRNG_TWIN_DIST(exponential_f32)
    CBRNG_TWIN_DIST(exponential_f64)
    CBRNG_TWIN_DIST(log_normal_f32)
    CBRNG_TWIN_DIST(log_normal_f64)
    CBRNG_TWIN_DIST(gumbel_f32)
    CBRNG_TWIN_DIST(gumbel_f64)
    CBRNG_TWIN_DIST(cauchy_f32)
    CBRNG_TWIN_DIST(cauchy_f64)
    CBRNG_TWIN_DIST(logistic_f32)
    CBRNG_TWIN_DIST(logistic_f64)
    CBRNG_TWIN_DIST(laplace_f32)
    CBRNG_TWIN_DIST(laplace_f64)
    CBRNG_TWIN_DIST(uniform_range_f16)
    CBRNG_TWIN_DIST(uniform_range_bf16)
    CBRNG_TWIN_DIST(categorical_u32)
    CBRNG_TWIN_DIST(categorical_u64)
#undef CBRNG_TWIN_DIST
#define CBRNG_TWIN_RDIST(NAME) \
    if (d == #NAME) return run<Gen, cbrng_dist_##NAME, true>(c);
    CBRNG_TWIN_RDIST(truncated_normal_f32)
    CBRNG_TWIN_RDIST(truncated_normal_f64)
#undef CBRNG_TWIN_RDIST
#define CBRNG_TWIN_ATTEMPTS(NAME) \
    if (d == #NAME) return run<Gen, cbrng_dist_##NAME, true>(c);
    CBRNG_TWIN_ATTEMPTS(gamma_f32)
    CBRNG_TWIN_ATTEMPTS(gamma_f64)
    CBRNG_TWIN_ATTEMPTS(chi_squared_f32)
    CBRNG_TWIN_ATTEMPTS(chi_squared_f64)
    CBRNG_TWIN_ATTEMPTS(student_t_f32)
    CBRNG_TWIN_ATTEMPTS(student_t_f64)
    CBRNG_TWIN_ATTEMPTS(beta_f32)
    CBRNG_TWIN_ATTEMPTS(beta_f64)
#undef CBRNG_TWIN_ATTEMPTS
    die("unknown distribution " + d);
}

// Round counts built into the twin (the kernels take any, as templates).
#define CBRNG_TWIN_PHILOX_ROUNDS(X, GEN) X(GEN, 10) X(GEN, 7) X(GEN, 16)
#define CBRNG_TWIN_THREEFRY_ROUNDS(X, GEN) X(GEN, 20) X(GEN, 13) X(GEN, 72)

static void run_case(const std::string& gen, int rounds, const std::string& d, const Case& c) {
#define CBRNG_TWIN_ONE(GEN, R) \
    if (gen == #GEN && rounds == R) return run_dist<cbrng_gen_##GEN<R>>(d, c);
    CBRNG_TWIN_PHILOX_ROUNDS(CBRNG_TWIN_ONE, philox2x32)
    CBRNG_TWIN_PHILOX_ROUNDS(CBRNG_TWIN_ONE, philox4x32)
    CBRNG_TWIN_PHILOX_ROUNDS(CBRNG_TWIN_ONE, philox2x64)
    CBRNG_TWIN_PHILOX_ROUNDS(CBRNG_TWIN_ONE, philox4x64)
    CBRNG_TWIN_THREEFRY_ROUNDS(CBRNG_TWIN_ONE, threefry2x32)
    CBRNG_TWIN_THREEFRY_ROUNDS(CBRNG_TWIN_ONE, threefry4x32)
    CBRNG_TWIN_THREEFRY_ROUNDS(CBRNG_TWIN_ONE, threefry2x64)
    CBRNG_TWIN_THREEFRY_ROUNDS(CBRNG_TWIN_ONE, threefry4x64)
#undef CBRNG_TWIN_ONE
    die("generator " + gen + "-" + std::to_string(rounds) + " is not built into the twin");
}

static double f64_of_bits(unsigned long long b) {
    double x;
    std::memcpy(&x, &b, 8);
    return x;
}

int main() {
    char gen[32], dist[32];
    int rounds;
    unsigned long long k0, k1, k2, k3, s, off, n, p0, p1, f0, f1, mis;
    for (;;) {
        const int got = std::scanf("%31s %d %31s %llu %llu %llu %llu %llu %llu %llu %llu %llu %llx %llx %llu",
                                   gen, &rounds, dist, &k0, &k1, &k2, &k3, &s, &off, &n, &p0, &p1,
                                   &f0, &f1, &mis);
        if (got == EOF) break;
        if (got != 15) die("malformed case line");
        Case c;
        c.key = cbrng_key{{k0, k1, k2, k3}};
        c.stream = s;
        c.offset = off;
        c.count = n;
        c.misalign = mis;
        c.p = cbrng_fill_params{p0, p1, f64_of_bits(f0), f64_of_bits(f1)};
        // categorical_*: P1 threshold words follow (decimal); P0 becomes
        // their address, as the device gets the uploaded table's.
        std::vector<cbrng_u64> table;
        if (std::strncmp(dist, "categorical", 11) == 0) {
            table.resize(p1 > 0 ? p1 : 1);
            for (unsigned long long k = 0; k < p1; ++k) {
                unsigned long long v;
                if (std::scanf("%llu", &v) != 1) die("short categorical table");
                table[k] = v;
            }
            c.p.p0 = (cbrng_u64)(unsigned long long)table.data();
        }
        run_case(gen, rounds, dist, c);
    }
    return std::fflush(stdout) == 0 ? 0 : 1;
}
