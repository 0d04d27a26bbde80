// Host driver for tests/reduce_device.rs: replays kernels/reduce.cu on the
// host with the device arithmetic itself (kernels/cbrng/reduce.cuh).
//
// The grid, its warps and their 32 lanes run one after another: every lane
// keeps its cbrng_reduce_lane, every warp its row of digits; the input is
// split as cbrng_reduce_plan splits it, groups go to warps grid-stride,
// elements to lanes as the kernel's 16-byte vectors give them, and the
// ragged head and tail to the same warp. Where the kernel uses a warp
// intrinsic (__all_sync, __any_sync, a max or a sum by shuffles, the
// broadcast of a slow term), this file does the same over the 32 lanes in
// plain C++; everything else is the header's code. Then pass 2 (block order)
// and the cbrng_reduce_state, one hex word a line.
//
// usage: reduce_host FORMAT BLOCKS THREADS MISALIGN < hex encodings, one a line
//   MISALIGN: the input starts this many elements after a 16-byte boundary.
#include "cbrng/reduce.cuh"
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

// Groups between normalisations, far below the kernel's 2^16 so the path runs.
static const int GROUPS_PER_NORMALIZE = 3;
static const int UNROLL = 2;  // CBRNG_REDUCE_UNROLL

static void fail(const char* why) {
    fprintf(stderr, "reduce_host: %s\n", why);
    exit(3);
}

template <class F> struct Warp {
    cbrng_reduce_lane L[32];
    cbrng_i64 row[CBRNG_REDUCE_DIGITS];
};

// cbrng_reduce_warp_take: every lane's window into the row (warp sums).
template <class F> static void take(Warp<F>& W) {
    cbrng_i64 c[32][F::PIECES + 2];
    int k = -1;
    for (int lane = 0; lane < 32; ++lane) {
        const int kk = cbrng_reduce_window_take<F>(W.L[lane], c[lane]);
        if (k >= 0 && kk != k) fail("lanes disagree on the window's digit");
        k = kk;
    }
    for (int j = 0; j < F::PIECES + 2; ++j) {
        cbrng_i64 s = 0;
        for (int lane = 0; lane < 32; ++lane) s += c[lane][j];
        if (k + j >= CBRNG_REDUCE_DIGITS) fail("window digit out of range");
        W.row[k + j] += s;
    }
}

// cbrng_reduce_warp_add_term: broadcast the live terms in lane order.
template <class F> static void add_terms(Warp<F>& W, const cbrng_reduce_wterm* t) {
    for (int src = 0; src < 32; ++src) {
        if ((t[src].w0 | t[src].w1 | t[src].w2) == 0) continue;
        for (int lane = 0; lane < 32; ++lane) {
            int d;
            const cbrng_i64 p = cbrng_reduce_lane_word(t[src].kn, t[src].w0, t[src].w1, t[src].w2, lane, &d);
            if (p == 0) continue;
            if (d % 32 != lane || d >= CBRNG_REDUCE_DIGITS) fail("a piece routed to a digit the lane does not own");
            W.row[d] += p;
        }
    }
}

// cbrng_reduce_group and cbrng_reduce_slow for one warp: b[lane * E + j].
template <class F, int E> static void group(Warp<F>& W, const typename F::B* b) {
    bool all = true;
    for (int lane = 0; lane < 32; ++lane)
        for (int j = 0; j < E; ++j) all = cbrng_reduce_window_add<F>(W.L[lane], b[lane * E + j]) && all;
    if (all) return;
    bool ok[32][E];
    cbrng_reduce_scan M;
    cbrng_reduce_scan_init(M);
    for (int lane = 0; lane < 32; ++lane) {
        cbrng_reduce_scan S;
        cbrng_reduce_scan_init(S);
        for (int j = 0; j < E; ++j) {
            ok[lane][j] = cbrng_reduce_window_ok<F>(W.L[lane].e0, b[lane * E + j]);
            cbrng_reduce_scan_term<F>(W.L[lane], b[lane * E + j], ok[lane][j], S);
        }
        M.above = M.above || S.above;
        M.below = M.below || S.below;
        M.fast_nonzero = M.fast_nonzero || S.fast_nonzero;
        M.max_e = cbrng_reduce_maxi(M.max_e, S.max_e);
    }
    const int e0 = cbrng_reduce_reanchor<F>(W.L[0].e0, M);
    if (e0 != W.L[0].e0) {
        take(W);
        for (int lane = 0; lane < 32; ++lane) {
            W.L[lane].e0 = e0;
            for (int j = 0; j < E; ++j)
                if (!ok[lane][j]) ok[lane][j] = cbrng_reduce_window_add<F>(W.L[lane], b[lane * E + j]);
        }
    }
    for (int j = 0; j < E; ++j) {
        cbrng_reduce_wterm w[32];
        for (int lane = 0; lane < 32; ++lane) {
            w[lane].kn = w[lane].w0 = w[lane].w1 = w[lane].w2 = 0;
            if (!ok[lane][j]) {
                const cbrng_reduce_term t = cbrng_reduce_decode_fmt<F>(b[lane * E + j]);
                W.L[lane].flags |= t.flags;
                w[lane] = cbrng_reduce_term_words(t);
            }
        }
        add_terms(W, w);
    }
}

template <class F> static void normalize_row(Warp<F>& W) { cbrng_reduce_normalize(W.row); }

template <class F>
static void run(const std::vector<cbrng_u64>& xs, int blocks, int threads, int misalign) {
    typedef typename F::B B;
    const int size = F::BITS / 8;
    const int V = 16 / size;
    const int E = UNROLL * (16 / size);
    const cbrng_u64 n = xs.size();
    std::vector<int> seen(n, 0);
    auto x = [&](cbrng_u64 i) -> B {
        if (i >= n) fail("read past the end");
        ++seen[i];
        return (B)xs[i];
    };
    const cbrng_u64 addr = 0x7f0000001000ull + (cbrng_u64)misalign * size;
    const cbrng_reduce_layout P = cbrng_reduce_plan(addr, n, size, E);
    const int warps = threads / 32;
    const cbrng_u64 twarps = (cbrng_u64)blocks * warps;
    // One state per block, then a guard state that must stay untouched.
    std::vector<cbrng_reduce_state> partials(blocks + 1);
    memset(&partials[blocks], 0xa5, sizeof(cbrng_reduce_state));
    for (int blk = 0; blk < blocks; ++blk) {
        cbrng_reduce_state& out = partials[blk];
        memset(&out, 0, sizeof out);
        for (int wi = 0; wi < warps; ++wi) {
            static Warp<F> W;
            memset(W.row, 0, sizeof W.row);
            for (int lane = 0; lane < 32; ++lane) cbrng_reduce_lane_init(W.L[lane]);
            const cbrng_u64 gwarp = (cbrng_u64)blk * warps + wi;
            int groups = 0;
            for (cbrng_u64 g = gwarp; g < P.groups; g += twarps) {
                std::vector<B> b(32 * E);
                for (int lane = 0; lane < 32; ++lane) {
                    for (int j = 0; j < E; ++j) b[lane * E + j] = x(cbrng_reduce_body_index(P, g, lane, j, E, V));
                    W.L[lane].count += E;
                }
                if (E == 8) group<F, 8>(W, b.data());
                else if (E == 4) group<F, 4>(W, b.data());
                else if (E == 16) group<F, 16>(W, b.data());
                else fail("unexpected E");
                if (++groups == GROUPS_PER_NORMALIZE) {
                    take(W);
                    normalize_row(W);
                    groups = 0;
                }
            }
            if (gwarp == P.groups % twarps) {
                for (cbrng_u64 r0 = 0; r0 < P.ragged; r0 += 32) {
                    B b[32];
                    for (int lane = 0; lane < 32; ++lane) {
                        const cbrng_u64 i = r0 + lane;
                        b[lane] = F::SIGN;
                        if (i < P.ragged) {
                            b[lane] = x(cbrng_reduce_ragged_index(P, i));
                            ++W.L[lane].count;
                        }
                    }
                    group<F, 1>(W, b);
                }
            }
            take(W);
            cbrng_u32 flags = 0;
            cbrng_u64 count = 0;
            for (int lane = 0; lane < 32; ++lane) {
                flags |= W.L[lane].flags | (W.L[lane].nz != 0 ? CBRNG_REDUCE_FLAG_NOT_NEG_ZERO : 0u);
                count += W.L[lane].count;
            }
            normalize_row(W);
            for (int t = 0; t < CBRNG_REDUCE_DIGITS; ++t) out.digits[t] += W.row[t];
            out.count += count;
            out.flags |= flags;
        }
    }
    for (cbrng_u64 i = 0; i < n; ++i)
        if (seen[i] != 1) fail("an element was not read exactly once");
    const unsigned char* guard = reinterpret_cast<const unsigned char*>(&partials[blocks]);
    for (size_t i = 0; i < sizeof(cbrng_reduce_state); ++i)
        if (guard[i] != 0xa5) fail("a block wrote past the partial states");
    cbrng_reduce_state out;
    memset(&out, 0, sizeof out);
    for (int blk = 0; blk < blocks; ++blk) {
        for (int t = 0; t < CBRNG_REDUCE_DIGITS; ++t) out.digits[t] += partials[blk].digits[t];
        out.count += partials[blk].count;
        out.flags |= partials[blk].flags;
    }
    for (int t = 0; t < CBRNG_REDUCE_DIGITS; ++t) printf("%llx\n", (unsigned long long)out.digits[t]);
    printf("%llx\n%llx\n", out.count, out.flags);
}

int main(int argc, char** argv) {
    if (argc != 5) return 2;
    const char* fmt = argv[1];
    const int blocks = atoi(argv[2]);
    const int threads = atoi(argv[3]);
    const int misalign = atoi(argv[4]);
    if (blocks < 1 || threads < 32 || threads % 32 != 0 || threads > 1024 || misalign < 0) return 2;
    std::vector<cbrng_u64> xs;
    unsigned long long v;
    while (scanf("%llx", &v) == 1) xs.push_back(v);
    if (!strcmp(fmt, "f32")) run<cbrng_reduce_f32>(xs, blocks, threads, misalign);
    else if (!strcmp(fmt, "f64")) run<cbrng_reduce_f64>(xs, blocks, threads, misalign);
    else if (!strcmp(fmt, "f16")) run<cbrng_reduce_f16>(xs, blocks, threads, misalign);
    else if (!strcmp(fmt, "bf16")) run<cbrng_reduce_bf16>(xs, blocks, threads, misalign);
    else return 2;
    return 0;
}
