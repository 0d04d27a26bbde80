// Host driver for tests/reduce_device.rs: runs the device accumulator's
// arithmetic (kernels/cbrng/reduce.cuh) on the host, emulating the warp
// layout of kernels/reduce.cu: each shard is one "warp" whose 32 lanes hold
// digits lane + 32r; every term is routed with cbrng_reduce_lane_piece;
// shards are normalised and their digits added in order, as the block and
// combine passes do. Prints the resulting cbrng_reduce_state, one hex word a line.
//
// usage: reduce_host FORMAT SHARDS < hex encodings, one a line
#include "cbrng/reduce.cuh"
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

int main(int argc, char** argv) {
    if (argc != 3) return 2;
    const char* fmt = argv[1];
    const int shards = atoi(argv[2]);
    std::vector<cbrng_u64> xs;
    unsigned long long v;
    while (scanf("%llx", &v) == 1) xs.push_back(v);
    cbrng_reduce_state out;
    memset(&out, 0, sizeof out);
    const size_t n = xs.size();
    for (int s = 0; s < shards; ++s) {
        cbrng_i64 lanes[32][5];
        memset(lanes, 0, sizeof lanes);
        for (size_t i = n * s / shards; i < n * (s + 1) / shards; ++i) {
            cbrng_reduce_term t;
            if (!strcmp(fmt, "f32")) t = cbrng_reduce_decode_f32((cbrng_u32)xs[i]);
            else if (!strcmp(fmt, "f64")) t = cbrng_reduce_decode_f64(xs[i]);
            else if (!strcmp(fmt, "f16")) t = cbrng_reduce_decode_f16((cbrng_u16)xs[i]);
            else t = cbrng_reduce_decode_bf16((cbrng_u16)xs[i]);
            out.flags |= t.flags;
            out.count += 1;
            for (int lane = 0; lane < 32; ++lane) {
                int r;
                const cbrng_i64 p = cbrng_reduce_lane_piece(t.k, t.p0, t.p1, t.p2, lane, &r);
                for (int j = 0; j < 5; ++j) lanes[lane][j] += (j == r) ? p : 0;
            }
        }
        cbrng_i64 row[CBRNG_REDUCE_DIGITS];
        for (int t = 0; t < CBRNG_REDUCE_DIGITS; ++t) row[t] = lanes[t & 31][t >> 5];
        cbrng_reduce_normalize(row);
        for (int t = 0; t < CBRNG_REDUCE_DIGITS; ++t) out.digits[t] += row[t];
    }
    for (int t = 0; t < CBRNG_REDUCE_DIGITS; ++t) printf("%llx\n", (unsigned long long)out.digits[t]);
    printf("%llx\n%llx\n", out.count, out.flags);
    return 0;
}
