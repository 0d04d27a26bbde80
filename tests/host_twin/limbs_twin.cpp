// Host twin of the exact all-reduce's limb kernels (kernels/reduce.cu:
// cbrng_reduce_to_limbs, cbrng_reduce_from_limbs; their arithmetic is
// kernels/cbrng/limbs.cuh), compiled with g++ by tests/limbs_twin.rs and
// compared with the Rust definition (src/reduce/limbs.rs).
//
// Reads one request a line from stdin and answers one line on stdout:
//   S ROWS w0 w1 ... (ROWS states of 138 words in hex)
//       -> the ROWS * 144 limbs in decimal
//   L ROWS l0 l1 ... (ROWS * 144 limbs in decimal)
//       -> the ROWS verdicts, then the ROWS * 138 state words in hex
// replaying the kernels' own loops (block-stride over rows, one thread per
// row, 64 blocks) over buffers followed by guard words that must come back
// untouched.
#include "cbrng.cuh"
#include "cbrng/reduce.cuh"
#include "cbrng/limbs.cuh"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

static const unsigned long long GUARD = 0xa5a5a5a5a5a5a5a5ull;
static const size_t GUARD_WORDS = 8;
static const cbrng_u32 BLOCKS = 64;
static const size_t STATE_WORDS = CBRNG_REDUCE_DIGITS + 2;

[[noreturn]] static void die(const std::string& why) {
    std::fprintf(stderr, "limbs_twin: %s\n", why.c_str());
    std::exit(2);
}

template <class T>
static void check_guard(const std::vector<T>& buf, size_t used, const char* what) {
    for (size_t i = used; i < buf.size(); ++i) {
        unsigned long long w;
        std::memcpy(&w, &buf[i], sizeof w);
        if (w != GUARD) die(std::string("wrote past the end of the ") + what);
    }
}

int main() {
    static_assert(sizeof(cbrng_reduce_state) == STATE_WORDS * 8, "state layout");
    std::string line;
    while (std::getline(std::cin, line)) {
        std::istringstream in(line);
        std::string op;
        cbrng_u32 rows = 0;
        in >> op >> rows;
        if (op == "S") {
            std::vector<cbrng_reduce_state> states(rows);
            std::vector<cbrng_u64> words(rows * STATE_WORDS);
            for (auto& w : words)
                if (!(in >> std::hex >> w)) die("short S line");
            std::memcpy(states.data(), words.data(), words.size() * 8);
            std::vector<cbrng_i64> limbs(rows * CBRNG_LIMBS + GUARD_WORDS);
            std::memset(limbs.data(), 0xa5, limbs.size() * 8);
            // cbrng_reduce_to_limbs, every block's thread 0.
            for (cbrng_u32 block = 0; block < BLOCKS; ++block)
                for (cbrng_u32 r = block; r < rows; r += BLOCKS)
                    cbrng_limbs_from_state(&states[r], limbs.data() + (cbrng_u64)r * CBRNG_LIMBS);
            check_guard(limbs, rows * CBRNG_LIMBS, "limb buffer");
            for (size_t i = 0; i < rows * CBRNG_LIMBS; ++i) std::printf("%s%lld", i ? " " : "", limbs[i]);
            std::printf("\n");
        } else if (op == "L") {
            std::vector<cbrng_i64> limbs(rows * CBRNG_LIMBS);
            for (auto& l : limbs)
                if (!(in >> std::dec >> l)) die("short L line");
            std::vector<cbrng_reduce_state> states(rows + 1);
            std::memset(states.data(), 0xa5, states.size() * sizeof(cbrng_reduce_state));
            std::vector<cbrng_u32> verdicts(rows);
            // cbrng_reduce_from_limbs, every block's thread 0.
            for (cbrng_u32 block = 0; block < BLOCKS; ++block)
                for (cbrng_u32 r = block; r < rows; r += BLOCKS)
                    verdicts[r] = cbrng_limbs_to_state(limbs.data() + (cbrng_u64)r * CBRNG_LIMBS, &states[r]);
            std::vector<cbrng_u64> words(states.size() * STATE_WORDS);
            std::memcpy(words.data(), states.data(), words.size() * 8);
            check_guard(words, rows * STATE_WORDS, "state buffer");
            for (cbrng_u32 r = 0; r < rows; ++r) std::printf("%s%u", r ? " " : "", verdicts[r]);
            for (size_t i = 0; i < rows * STATE_WORDS; ++i) std::printf(" %" PRIx64, (uint64_t)words[i]);
            std::printf("\n");
        } else {
            die("unknown request " + op);
        }
        std::fflush(stdout);
    }
    return 0;
}
