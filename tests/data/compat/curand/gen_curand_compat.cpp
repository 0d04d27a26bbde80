// Reference values for cbrng::compat::curand (tests/compat_curand.rs):
// cuRAND's own device-API code for curandStatePhilox4_32_10_t, compiled for
// the host by make_vectors.sh. Only what the host build computes as the
// device does is printed: the raw draws and the uniform conversions, whose
// products are exact, so nvcc's FMA contraction cannot change them. The
// normal draws are not: on the host the headers take their sinf/cosf branch.
//
// Line format: SEED SUBSEQUENCE OFFSET CALLS : VALUES (hex of the bits), where
// CALLS is a ','-separated list of curand | curand4 | uniform | uniform4 |
// uniform_double | uniform2_double made in order on one state.
#include <curand_kernel.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

static unsigned f2u(float f) { unsigned u; std::memcpy(&u, &f, 4); return u; }
static unsigned long long d2u(double d) { unsigned long long u; std::memcpy(&u, &d, 8); return u; }

static void run(unsigned long long seed, unsigned long long subseq, unsigned long long offset,
                const char* calls) {
    curandStatePhilox4_32_10_t st;
    curand_init(seed, subseq, offset, &st);
    std::printf("%llu %llu %llu %s :", seed, subseq, offset, calls);
    std::string c(calls);
    size_t at = 0;
    while (at <= c.size()) {
        size_t end = c.find(',', at);
        if (end == std::string::npos) end = c.size();
        std::string f = c.substr(at, end - at);
        if (f == "curand") std::printf(" %08x", curand(&st));
        else if (f == "curand4") { uint4 v = curand4(&st); std::printf(" %08x %08x %08x %08x", v.x, v.y, v.z, v.w); }
        else if (f == "uniform") std::printf(" %08x", f2u(curand_uniform(&st)));
        else if (f == "uniform4") { float4 v = curand_uniform4(&st); std::printf(" %08x %08x %08x %08x", f2u(v.x), f2u(v.y), f2u(v.z), f2u(v.w)); }
        else if (f == "uniform_double") std::printf(" %016llx", d2u(curand_uniform_double(&st)));
        else if (f == "uniform2_double") { double2 v = curand_uniform2_double(&st); std::printf(" %016llx %016llx", d2u(v.x), d2u(v.y)); }
        else { std::fprintf(stderr, "unknown call %s\n", f.c_str()); std::exit(1); }
        at = end + 1;
    }
    std::printf("\n");
}

int main() {
    const unsigned long long P32 = 1ULL << 32;
    const unsigned long long seeds[] = {0ULL, 42ULL, 0xdeadbeefcafef00dULL, ~0ULL};
    const unsigned long long subs[] = {0ULL, 1ULL, P32 + 5, ~0ULL};
    const unsigned long long offs[] = {0ULL, 1ULL, 2ULL, 3ULL, 4ULL * (P32 - 1) + 2, ~0ULL};
    const char* seqs[] = {
        "curand,curand,curand,curand,curand,curand,curand",
        "curand4,curand4,curand,curand4",
        "uniform,uniform,uniform,uniform,uniform",
        "uniform4,uniform,uniform4",
        "uniform_double,uniform_double,uniform_double",
        "uniform2_double,uniform,uniform2_double,uniform_double",
        "curand,uniform4,uniform2_double,curand4,uniform_double,uniform",
    };
    for (auto s : seeds)
        for (auto q : subs)
            for (auto o : offs)
                for (auto c : seqs) run(s, q, o, c);
    // Long runs: every uniform conversion across many blocks.
    run(7, 3, 1, "uniform4,uniform4,uniform4,uniform4,uniform4,uniform4,uniform4,uniform4,uniform4,uniform4");
    return 0;
}
