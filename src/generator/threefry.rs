//! Threefry block functions (Salmon et al., SC'11; the Threefish cipher of
//! Skein without the tweak), exactly as Random123's `threefry.h` defines them,
//! for any round count.
//!
//! This is the definition: SIMD backends and the CUDA twin
//! (`kernels/cbrng/threefry.cuh`) must give the same bits.
//!
//! Each round is add-rotate-xor on pairs of words with a rotation taken from a
//! table of 8 (indexed by round mod 8); after every 4th round the extended key
//! schedule is injected, as in Threefish.

/// Skein key-schedule parity constant, 64-bit words.
pub const SKEIN_KS_PARITY64: u64 = 0x1BD1_1BDA_A9FC_1A22;
/// Skein key-schedule parity constant, 32-bit words.
pub const SKEIN_KS_PARITY32: u32 = 0x1BD1_1BDA;

/// Threefry2x64 rotations, by round mod 8.
pub const ROTATIONS_2X64: [u32; 8] = [16, 42, 12, 31, 16, 32, 24, 21];
/// Threefry2x32 rotations, by round mod 8.
pub const ROTATIONS_2X32: [u32; 8] = [13, 15, 26, 6, 17, 29, 16, 24];
/// Threefry4x64 rotations (first pair, second pair), by round mod 8.
pub const ROTATIONS_4X64: [[u32; 2]; 8] = [
    [14, 16],
    [52, 57],
    [23, 40],
    [5, 37],
    [25, 33],
    [46, 12],
    [58, 22],
    [32, 32],
];
/// Threefry4x32 rotations (first pair, second pair), by round mod 8.
pub const ROTATIONS_4X32: [[u32; 2]; 8] = [
    [10, 26],
    [11, 21],
    [13, 27],
    [23, 5],
    [6, 20],
    [17, 11],
    [25, 10],
    [18, 20],
];

/// Default Threefry round count (Random123's `threefry4x64_20` etc.).
pub const THREEFRY_DEFAULT_ROUNDS: u32 = 20;

/// One generic body for both word sizes: the algorithm is the same, only the
/// word type, the parity constant and the rotation tables differ.
macro_rules! threefry_2 {
    ($name:ident, $w:ty, $parity:expr, $rot:expr, $doc:literal) => {
        #[doc = $doc]
        #[inline(always)]
        pub fn $name(ctr: [$w; 2], key: [$w; 2], rounds: u32) -> [$w; 2] {
            let ks = [key[0], key[1], $parity ^ key[0] ^ key[1]];
            let mut x0 = ctr[0].wrapping_add(ks[0]);
            let mut x1 = ctr[1].wrapping_add(ks[1]);
            for r in 0..rounds {
                x0 = x0.wrapping_add(x1);
                x1 = x1.rotate_left($rot[(r % 8) as usize]);
                x1 ^= x0;
                if r % 4 == 3 {
                    // Key injection number s after round 4s.
                    let s = (r / 4 + 1) as usize;
                    x0 = x0.wrapping_add(ks[s % 3]);
                    x1 = x1.wrapping_add(ks[(s + 1) % 3]).wrapping_add(s as $w);
                }
            }
            [x0, x1]
        }
    };
}

macro_rules! threefry_4 {
    ($name:ident, $w:ty, $parity:expr, $rot:expr, $doc:literal) => {
        #[doc = $doc]
        #[inline(always)]
        pub fn $name(ctr: [$w; 4], key: [$w; 4], rounds: u32) -> [$w; 4] {
            let ks = [
                key[0],
                key[1],
                key[2],
                key[3],
                $parity ^ key[0] ^ key[1] ^ key[2] ^ key[3],
            ];
            let mut x = [
                ctr[0].wrapping_add(ks[0]),
                ctr[1].wrapping_add(ks[1]),
                ctr[2].wrapping_add(ks[2]),
                ctr[3].wrapping_add(ks[3]),
            ];
            for r in 0..rounds {
                let [ra, rb] = $rot[(r % 8) as usize];
                // Even rounds mix (0,1),(2,3); odd rounds mix (0,3),(2,1).
                let (a, b) = if r % 2 == 0 { (1, 3) } else { (3, 1) };
                x[0] = x[0].wrapping_add(x[a]);
                x[a] = x[a].rotate_left(ra) ^ x[0];
                x[2] = x[2].wrapping_add(x[b]);
                x[b] = x[b].rotate_left(rb) ^ x[2];
                if r % 4 == 3 {
                    let s = (r / 4 + 1) as usize;
                    x[0] = x[0].wrapping_add(ks[s % 5]);
                    x[1] = x[1].wrapping_add(ks[(s + 1) % 5]);
                    x[2] = x[2].wrapping_add(ks[(s + 2) % 5]);
                    x[3] = x[3].wrapping_add(ks[(s + 3) % 5]).wrapping_add(s as $w);
                }
            }
            x
        }
    };
}

threefry_2!(
    threefry2x32,
    u32,
    SKEIN_KS_PARITY32,
    ROTATIONS_2X32,
    "Threefry2x32 with `rounds` rounds: counter of 2 words, key of 2 words."
);
threefry_2!(
    threefry2x64,
    u64,
    SKEIN_KS_PARITY64,
    ROTATIONS_2X64,
    "Threefry2x64 with `rounds` rounds: counter of 2 words, key of 2 words."
);
threefry_4!(
    threefry4x32,
    u32,
    SKEIN_KS_PARITY32,
    ROTATIONS_4X32,
    "Threefry4x32 with `rounds` rounds: counter of 4 words, key of 4 words."
);
threefry_4!(
    threefry4x64,
    u64,
    SKEIN_KS_PARITY64,
    ROTATIONS_4X64,
    "Threefry4x64 with `rounds` rounds: counter of 4 words, key of 4 words."
);
