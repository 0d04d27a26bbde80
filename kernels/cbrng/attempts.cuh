// The attempt space of the rejection samplers, twin of src/dist/attempts.rs.
//
// A rejection sampler's kernel gets the fill's attempt key (derived on the
// host from the stream's key, the distribution's name and the stream id) in
// place of the stream key. Attempt a of output element i reads the u32 words
// [i*W, (i+1)*W) of stream a of that key; W (a power of two, 1 to 8) is the
// distribution's words per attempt. At most CBRNG_MAX_ATTEMPTS attempts are
// made; then the element takes its sampler's documented fallback value.
#ifndef CBRNG_ATTEMPTS_CUH
#define CBRNG_ATTEMPTS_CUH
#include "config.cuh"
#include "constants.cuh"
#include "stream.cuh"

// Words of attempt a of element i, for a generator G of fill.cuh's kind
// (G::U32S_PER_BLOCK words per block, G::block(key, stream, block, out)).
// Either W whole blocks' worth (W a multiple of the block) or one part of a
// block (the block a multiple of W): no attempt straddles two blocks, and
// block indices stay below the stream's end whenever element i is inside it
// (the host checks the range), so nothing here can overflow.
template <class G, int W>
CBRNG_FN void cbrng_attempt_words(const cbrng_key& k, cbrng_u64 a, cbrng_u64 i, cbrng_u32* out) {
    constexpr int N = G::U32S_PER_BLOCK;
    static_assert(W == 1 || W == 2 || W == 4 || W == 8, "W is a power of two up to 8");
    // Blocks per attempt (W >= N) and attempts per block (W < N), each at
    // least 1 so that the branch not taken compiles without a division by 0.
    constexpr int BLOCKS = W >= N ? W / N : 1;
    constexpr int PER = W >= N ? 1 : N / W;
    if (W >= N) {
        for (int j = 0; j < BLOCKS; ++j) G::block(k, a, i * (cbrng_u64)BLOCKS + (cbrng_u64)j, out + j * N);
    } else {
        cbrng_u32 b[N];
        G::block(k, a, i / (cbrng_u64)PER, b);
        // Part r of the block, chosen by selects with compile-time indices
        // (an index known only at run time would put b in local memory).
        const int r = (int)(i % (cbrng_u64)PER);
#pragma unroll
        for (int j = 0; j < W; ++j) {
            cbrng_u32 v = b[j];
#pragma unroll
            for (int q = 1; q < PER; ++q) v = r == q ? b[q * W + j] : v;
            out[j] = v;
        }
    }
}

#endif // CBRNG_ATTEMPTS_CUH
