// Host twin of the permutation's kernels: the device functions of
// kernels/cbrng/shuffle.cuh (cbrng_permutation_make, _index, _inverse and
// the gathers' per-thread step cbrng_permute_gather_one) compiled with g++,
// driven the way kernels/shuffle.cu drives them (a grid-stride loop, here
// with the threads taken in a scrambled order), with guard bytes around
// every buffer.
//
// Reads cases from stdin, one a line:
//   N W0 W1 W2 W3 W4 W5 FIRST COUNT SIZE
// (decimal; W the round keys in pairs, Permutation::round_key_words; SIZE
// 0 for no gather, else 1, 2, 4, 8 or 16 with N small enough to hold the
// source). Writes per case, little-endian: index(FIRST + t) for t < COUNT
// (u64), inverse(FIRST + t) for t < COUNT (u64), then, when SIZE > 0, the
// gather's COUNT elements of SIZE bytes from the source whose element j has
// byte b = src_byte(j, b) (tests/shuffle_twin.rs makes the same).
#include "cbrng/shuffle.cuh"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

[[noreturn]] static void die(const std::string& why) {
    std::fprintf(stderr, "shuffle_twin: %s\n", why.c_str());
    std::exit(2);
}

static unsigned char src_byte(cbrng_u64 j, cbrng_u64 b) {
    return (unsigned char)((j * 0x9e3779b97f4a7c15ull + b * 0xbf58476d1ce4e5b9ull) >> 56);
}

// A 16-byte aligned buffer of n elements of `size` bytes, GUARD bytes of a
// pattern before and after that check() requires untouched.
struct Buf {
    static constexpr size_t GUARD = 64;
    std::vector<unsigned char> raw;
    unsigned char* p;
    size_t bytes;
    Buf(size_t n, size_t size) : raw(16 + 2 * GUARD + n * size, 0xa5), bytes(n * size) {
        unsigned char* base = raw.data() + (16 - ((unsigned long long)raw.data() & 15)) % 16;
        p = base + GUARD;
    }
    void check(const char* what) const {
        for (const unsigned char* b = raw.data(); b < raw.data() + raw.size(); ++b)
            if ((b < p || b >= p + bytes) && *b != 0xa5)
                die(std::string("wrote outside the ") + what + " buffer at byte " +
                    std::to_string((long long)(b - p)) + " of " + std::to_string(bytes));
    }
};

// The kernel's loop over t < count, its threads in a scrambled order (each
// thread's output is its own element, so the order cannot matter).
template <class T>
static void gather(const Buf& src, Buf& dst, const cbrng_permutation& p, cbrng_u64 first, cbrng_u64 count) {
    const cbrng_u64 threads = 96;  // a grid of 3 blocks of 32
    for (cbrng_u64 tid = threads; tid-- > 0;)
        for (cbrng_u64 t = tid; t < count; t += threads)
            cbrng_permute_gather_one<T>(reinterpret_cast<const T*>(src.p), reinterpret_cast<T*>(dst.p), p, first, t);
}

int main() {
    unsigned long long n, w[6], first, count, size;
    while (std::scanf("%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &n, &w[0], &w[1], &w[2], &w[3], &w[4],
                      &w[5], &first, &count, &size) == 10) {
        const cbrng_permutation p = cbrng_permutation_make(n, w);
        if (count > n || first > n - count) die("positions past n");
        std::vector<cbrng_u64> idx(count), inv(count);
        for (cbrng_u64 t = 0; t < count; ++t) {
            idx[t] = cbrng_permutation_index(p, first + t);
            inv[t] = cbrng_permutation_inverse(p, first + t);
        }
        if (count && std::fwrite(idx.data(), 8, count, stdout) != count) die("short write");
        if (count && std::fwrite(inv.data(), 8, count, stdout) != count) die("short write");
        if (size == 0) continue;
        if (n > (1ull << 24)) die("source too large");
        Buf src(n, size), dst(count, size);
        for (cbrng_u64 j = 0; j < n; ++j)
            for (cbrng_u64 b = 0; b < size; ++b) src.p[j * size + b] = src_byte(j, b);
        switch (size) {
            case 1: gather<cbrng_u8>(src, dst, p, first, count); break;
            case 2: gather<cbrng_u16>(src, dst, p, first, count); break;
            case 4: gather<cbrng_u32>(src, dst, p, first, count); break;
            case 8: gather<cbrng_u64>(src, dst, p, first, count); break;
            case 16: gather<cbrng_b16>(src, dst, p, first, count); break;
            default: die("bad element size " + std::to_string(size));
        }
        src.check("source");
        dst.check("destination");
        for (cbrng_u64 j = 0; j < n; ++j)
            for (cbrng_u64 b = 0; b < size; ++b)
                if (src.p[j * size + b] != src_byte(j, b)) die("the source changed");
        if (count && std::fwrite(dst.p, size, count, stdout) != count) die("short write");
    }
    if (!std::feof(stdin)) die("unreadable case line");
    return 0;
}
