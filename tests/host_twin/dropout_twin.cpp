// Host twin of the dropout kernels: their own work unit (cbrng_dropout_group
// from kernels/cbrng/dropout.cuh) compiled with g++, driven the way
// kernels/dropout.cu drives it (a warp's lanes, the shuffle butterfly that
// forms each bitmask word, one writer per word), with guard bytes around
// every buffer.
//
// Reads cases from stdin, one a line:
//   GEN ROUNDS DTYPE K0 K1 K2 K3 STREAM OFFSET COUNT THRESHOLD S32 S64 XSEED MISALIGN
// (DTYPE f32|f64|f16|bf16; S32 and S64 the scales' IEEE bits in hex; the
// input x[i] is the low bytes of SplitMix64 output i from XSEED, as
// tests/common/mod.rs makes it; MISALIGN the number of elements x and y
// start past a 16-byte boundary). Writes, per case, y (COUNT elements), the
// byte mask (COUNT bytes) and the bitmask (ceil(COUNT / 32) u32 words),
// little-endian. It also runs the case in place and with masks only, and
// fails if those differ.
#include "cbrng.cuh"
#include "cbrng/dropout.cuh"
#include "cbrng/fill.cuh"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

struct Case {
    cbrng_key key;
    cbrng_u64 stream, offset, count, xseed, misalign;
    cbrng_dropout_params p;
};

[[noreturn]] static void die(const std::string& why) {
    std::fprintf(stderr, "dropout_twin: %s\n", why.c_str());
    std::exit(2);
}

static cbrng_u64 splitmix(cbrng_u64& s) {
    s += 0x9e3779b97f4a7c15ull;
    cbrng_u64 z = s;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

// A 16-byte aligned buffer of n elements starting `misalign` elements in,
// every other byte (the misaligned head and GUARD bytes after the end) set to
// a pattern that check() requires untouched: a kernel that writes outside
// its buffers fails here, not silently on a GPU.
template <class T>
struct Buf {
    static constexpr size_t GUARD = 64;
    std::vector<unsigned char> raw;
    T* p;
    cbrng_u64 n;
    Buf(cbrng_u64 n_, cbrng_u64 misalign) : raw(16 + (n_ + misalign) * sizeof(T) + GUARD, 0xa5), n(n_) {
        unsigned char* base = raw.data() + (16 - ((unsigned long long)raw.data() & 15)) % 16;
        p = reinterpret_cast<T*>(base) + misalign;
    }
    void check(const char* what, const Case& c) const {
        const unsigned char* first = reinterpret_cast<const unsigned char*>(p);
        const unsigned char* end = first + n * sizeof(T);
        for (const unsigned char* b = raw.data(); b < raw.data() + raw.size(); ++b)
            if ((b < first || b >= end) && *b != 0xa5)
                die(std::string("wrote outside the ") + what + " buffer: byte " +
                    std::to_string((long long)(b - first)) + " of " + std::to_string(n * sizeof(T)) +
                    " (offset " + std::to_string(c.offset) + ", count " + std::to_string(c.count) + ")");
    }
};

// What the kernel does (kernels/dropout.cu, cbrng_dropout_body), one warp
// of 32 lanes stepping over the groups as a grid-stride loop does: each
// lane makes its group, the lanes of one bitmask word OR their kept bits
// together (the kernel's __shfl_xor_sync butterfly, replayed on an array)
// and the first lane of each word alone writes it.
template <class Gen, class D>
static void body(const typename D::T* x, typename D::T* y, cbrng_u8* mask, cbrng_u32* bits,
                 const Case& c) {
    const cbrng_u64 groups = cbrng_dropout_groups<D>(c.count);
    const int lanes_per_word = 32 / D::E;
    for (cbrng_u64 base = 0; base < groups; base += 32) {
        cbrng_u32 word[32];
        for (int lane = 0; lane < 32; ++lane) {
            const cbrng_u64 t = base + lane;
            const cbrng_u32 kept =
                t < groups ? cbrng_dropout_group<Gen, D>(x, y, mask, c.count, c.offset, c.stream, c.key, c.p, t) : 0;
            word[lane] = kept << (D::E * (lane % lanes_per_word));
        }
        if (!bits) continue;
        for (int d = 1; d < lanes_per_word; d *= 2) {
            cbrng_u32 next[32];
            for (int lane = 0; lane < 32; ++lane) next[lane] = word[lane] | word[lane ^ d];
            std::memcpy(word, next, sizeof word);
        }
        for (int lane = 0; lane < 32; ++lane) {
            const cbrng_u64 t = base + lane;
            if (t < groups && lane % lanes_per_word == 0) bits[t / lanes_per_word] = word[lane];
        }
    }
}

template <class Gen, class D>
static void run(const Case& c) {
    typedef typename D::T T;
    const cbrng_u64 n = c.count, words = (n + 31) / 32;
    Buf<T> x(n, c.misalign), y(n, c.misalign), z(n, c.misalign);
    cbrng_u64 s = c.xseed;
    for (cbrng_u64 i = 0; i < n; ++i) {
        const cbrng_u64 r = splitmix(s);
        std::memcpy(&x.p[i], &r, sizeof(T));  // the low bytes (little-endian host)
    }
    Buf<cbrng_u8> mask(n, 0), mask2(n, 0);
    Buf<cbrng_u32> bits(words, 0), bits2(words, 0);
    body<Gen, D>(x.p, y.p, mask.p, bits.p, c);
    // In place, and masks only: the same bytes.
    if (n) std::memcpy(z.p, x.p, n * sizeof(T));
    body<Gen, D>(z.p, z.p, nullptr, nullptr, c);
    if (n && std::memcmp(z.p, y.p, n * sizeof(T)) != 0) die("in place differs from out of place");
    body<Gen, D>(nullptr, nullptr, mask2.p, bits2.p, c);
    if (mask.raw != mask2.raw || bits.raw != bits2.raw) die("masks-only run differs");
    x.check("x", c);
    y.check("y", c);
    z.check("in-place", c);
    mask.check("byte mask", c);
    bits.check("bitmask", c);
    if (std::fwrite(y.p, sizeof(T), n, stdout) != n) die("short write");
    if (std::fwrite(mask.p, 1, n, stdout) != n) die("short write");
    if (std::fwrite(bits.p, 4, words, stdout) != words) die("short write");
}

template <class Gen>
static void run_dtype(const std::string& d, const Case& c) {
    if (d == "f32") return run<Gen, cbrng_dropout_dtype_f32>(c);
    if (d == "f64") return run<Gen, cbrng_dropout_dtype_f64>(c);
    if (d == "f16") return run<Gen, cbrng_dropout_dtype_f16>(c);
    if (d == "bf16") return run<Gen, cbrng_dropout_dtype_bf16>(c);
    die("unknown dtype " + d);
}

static void run_case(const std::string& gen, int rounds, const std::string& d, const Case& c) {
#define CBRNG_TWIN_ONE(GEN, R) \
    if (gen == #GEN && rounds == R) return run_dtype<cbrng_gen_##GEN<R>>(d, c);
#define CBRNG_TWIN_PHILOX(GEN) CBRNG_TWIN_ONE(GEN, 10) CBRNG_TWIN_ONE(GEN, 7) CBRNG_TWIN_ONE(GEN, 16)
#define CBRNG_TWIN_THREEFRY(GEN) CBRNG_TWIN_ONE(GEN, 20) CBRNG_TWIN_ONE(GEN, 13) CBRNG_TWIN_ONE(GEN, 72)
    CBRNG_TWIN_PHILOX(philox2x32)
    CBRNG_TWIN_PHILOX(philox4x32)
    CBRNG_TWIN_PHILOX(philox2x64)
    CBRNG_TWIN_PHILOX(philox4x64)
    CBRNG_TWIN_THREEFRY(threefry2x32)
    CBRNG_TWIN_THREEFRY(threefry4x32)
    CBRNG_TWIN_THREEFRY(threefry2x64)
    CBRNG_TWIN_THREEFRY(threefry4x64)
#undef CBRNG_TWIN_PHILOX
#undef CBRNG_TWIN_THREEFRY
#undef CBRNG_TWIN_ONE
    die("generator " + gen + "-" + std::to_string(rounds) + " is not built into the twin");
}

int main() {
    char gen[32], dtype[8];
    int rounds;
    unsigned long long k0, k1, k2, k3, s, off, n, t, s32, s64, xseed, mis;
    for (;;) {
        const int got = std::scanf("%31s %d %7s %llu %llu %llu %llu %llu %llu %llu %llu %llx %llx %llu %llu",
                                   gen, &rounds, dtype, &k0, &k1, &k2, &k3, &s, &off, &n, &t, &s32,
                                   &s64, &xseed, &mis);
        if (got == EOF) break;
        if (got != 15) die("malformed case line");
        Case c;
        c.key = cbrng_key{{k0, k1, k2, k3}};
        c.stream = s;
        c.offset = off;
        c.count = n;
        c.xseed = xseed;
        c.misalign = mis;
        const cbrng_u32 s32b = (cbrng_u32)s32;
        c.p.threshold = t;
        std::memcpy(&c.p.s32, &s32b, 4);
        std::memcpy(&c.p.s64, &s64, 8);
        run_case(gen, rounds, dtype, c);
    }
    return std::fflush(stdout) == 0 ? 0 : 1;
}
