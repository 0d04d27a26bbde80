//! The eight Random123 generators: their block functions (the definition, in
//! [`philox`] and [`threefry`]), their names, and keyed instances that map a
//! (block index, stream id) pair to a block through the stream contract.

pub mod philox;
pub mod threefry;

use crate::error::Error;
use crate::stream::counter;
use std::fmt;
use std::str::FromStr;

/// The two Random123 families implemented here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// Multiply-based Philox.
    Philox,
    /// Add-rotate-xor Threefry (Threefish without the tweak).
    Threefry,
}

impl Family {
    /// The family's default round count: Philox 10, Threefry 20.
    pub const fn default_rounds(self) -> u32 {
        match self {
            Family::Philox => philox::PHILOX_DEFAULT_ROUNDS,
            Family::Threefry => threefry::THREEFRY_DEFAULT_ROUNDS,
        }
    }
}

/// Shape of a block: number of words and bits per word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shape {
    /// 2 words of 32 bits.
    X2x32,
    /// 4 words of 32 bits.
    X4x32,
    /// 2 words of 64 bits.
    X2x64,
    /// 4 words of 64 bits.
    X4x64,
}

impl Shape {
    /// Words per block (the N of NxW).
    pub const fn words(self) -> usize {
        match self {
            Shape::X2x32 | Shape::X2x64 => 2,
            Shape::X4x32 | Shape::X4x64 => 4,
        }
    }
    /// Bits per word (the W of NxW).
    pub const fn word_bits(self) -> u32 {
        match self {
            Shape::X2x32 | Shape::X4x32 => 32,
            Shape::X2x64 | Shape::X4x64 => 64,
        }
    }
    fn suffix(self) -> &'static str {
        match self {
            Shape::X2x32 => "2x32",
            Shape::X4x32 => "4x32",
            Shape::X2x64 => "2x64",
            Shape::X4x64 => "4x64",
        }
    }
}

/// A generator: family, shape and round count, named like Random123
/// (`philox4x32-10`, `threefry2x64-20`).
///
/// ```
/// use cbrng::Algorithm;
/// let a: Algorithm = "threefry4x32".parse().unwrap();
/// assert_eq!(a.to_string(), "threefry4x32-20"); // default rounds
/// assert_eq!(a.key_words(), 4);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Algorithm {
    family: Family,
    shape: Shape,
    rounds: u32,
}

/// Largest round count accepted. Random123 defines Philox up to 16 rounds and
/// Threefry up to 72; the round functions extend naturally beyond that, and
/// this bound only keeps a typo from asking for a billion rounds.
pub const MAX_ROUNDS: u32 = 255;

impl Algorithm {
    /// A generator with an explicit round count in `1..=MAX_ROUNDS`.
    pub fn new(family: Family, shape: Shape, rounds: u32) -> Result<Self, Error> {
        if rounds == 0 || rounds > MAX_ROUNDS {
            return Err(Error::BadRounds { rounds });
        }
        Ok(Algorithm {
            family,
            shape,
            rounds,
        })
    }
    /// A generator with its family's default round count (Philox 10, Threefry 20).
    pub const fn with_default_rounds(family: Family, shape: Shape) -> Self {
        Algorithm {
            family,
            shape,
            rounds: family.default_rounds(),
        }
    }
    /// `philox4x32-10`, the default generator (cuRAND's Philox4_32_10).
    pub const PHILOX4X32_10: Algorithm =
        Algorithm::with_default_rounds(Family::Philox, Shape::X4x32);
    /// `philox2x32-10`.
    pub const PHILOX2X32_10: Algorithm =
        Algorithm::with_default_rounds(Family::Philox, Shape::X2x32);
    /// `philox2x64-10`.
    pub const PHILOX2X64_10: Algorithm =
        Algorithm::with_default_rounds(Family::Philox, Shape::X2x64);
    /// `philox4x64-10` (NumPy's `Philox` bit generator).
    pub const PHILOX4X64_10: Algorithm =
        Algorithm::with_default_rounds(Family::Philox, Shape::X4x64);
    /// `threefry2x32-20` (JAX's default generator).
    pub const THREEFRY2X32_20: Algorithm =
        Algorithm::with_default_rounds(Family::Threefry, Shape::X2x32);
    /// `threefry4x32-20`.
    pub const THREEFRY4X32_20: Algorithm =
        Algorithm::with_default_rounds(Family::Threefry, Shape::X4x32);
    /// `threefry2x64-20`.
    pub const THREEFRY2X64_20: Algorithm =
        Algorithm::with_default_rounds(Family::Threefry, Shape::X2x64);
    /// `threefry4x64-20`.
    pub const THREEFRY4X64_20: Algorithm =
        Algorithm::with_default_rounds(Family::Threefry, Shape::X4x64);

    /// All eight generators with default round counts.
    pub fn all_default() -> [Algorithm; 8] {
        let mut out = [Self::PHILOX4X32_10; 8];
        let mut i = 0;
        for family in [Family::Philox, Family::Threefry] {
            for shape in [Shape::X2x32, Shape::X4x32, Shape::X2x64, Shape::X4x64] {
                out[i] = Self::with_default_rounds(family, shape);
                i += 1;
            }
        }
        out
    }
    /// The family.
    pub const fn family(self) -> Family {
        self.family
    }
    /// The block shape.
    pub const fn shape(self) -> Shape {
        self.shape
    }
    /// The round count.
    pub const fn rounds(self) -> u32 {
        self.rounds
    }
    /// Number of key words: N/2 for Philox, N for Threefry.
    pub const fn key_words(self) -> usize {
        match self.family {
            Family::Philox => self.shape.words() / 2,
            Family::Threefry => self.shape.words(),
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fam = match self.family {
            Family::Philox => "philox",
            Family::Threefry => "threefry",
        };
        write!(f, "{fam}{}-{}", self.shape.suffix(), self.rounds)
    }
}

impl FromStr for Algorithm {
    type Err = Error;
    /// Parses `philox4x32`, `philox4x32-10`, `Threefry2x64-13`, ... (names in
    /// any case; the round count a decimal integer of [`crate::grammar`]: no
    /// sign, no leading zero).
    fn from_str(name: &str) -> Result<Self, Error> {
        let unknown = || Error::UnknownAlgorithm {
            name: crate::grammar::escape(name),
        };
        let lower = name.to_ascii_lowercase();
        let (base, rounds) = match lower.split_once('-') {
            Some((b, r)) => {
                let r = crate::grammar::decimal_u64(r).map_err(|_| unknown())?;
                (b, Some(u32::try_from(r).unwrap_or(u32::MAX)))
            }
            None => (lower.as_str(), None),
        };
        let (family, rest) = if let Some(r) = base.strip_prefix("philox") {
            (Family::Philox, r)
        } else if let Some(r) = base.strip_prefix("threefry") {
            (Family::Threefry, r)
        } else {
            return Err(unknown());
        };
        let shape = match rest {
            "2x32" => Shape::X2x32,
            "4x32" => Shape::X4x32,
            "2x64" => Shape::X2x64,
            "4x64" => Shape::X4x64,
            _ => return Err(unknown()),
        };
        match rounds {
            Some(r) => Algorithm::new(family, shape, r),
            None => Ok(Algorithm::with_default_rounds(family, shape)),
        }
    }
}

/// A word of a block: `u32` or `u64`.
pub trait Word:
    Copy
    + Default
    + Send
    + Sync
    + fmt::Debug
    + PartialEq
    + bytemuck::Pod
    + crate::cpu::views::Views
    + 'static
{
    /// Bits in the word.
    const BITS: u32;
}
impl Word for u32 {
    const BITS: u32 = 32;
}
impl Word for u64 {
    const BITS: u32 = 64;
}

/// A keyed generator laid out by the stream contract: block `b` of stream `s`
/// is the block function at the contract's counter for (b, s).
///
/// Implemented by the eight keyed types below; generic bulk code (fills, the
/// rand_core adapter) is written once against this trait.
pub trait KeyedBlocks: Copy + Send + Sync + 'static {
    /// Word type of the block.
    type Word: Word;
    /// Words per block.
    const N: usize;
    /// The family.
    const FAMILY: Family;
    /// The block shape.
    const SHAPE: Shape;
    /// The keyed generator for a validated key of this generator.
    fn from_key(key: &crate::Key, rounds: u32) -> Self;
    /// Block `b` of stream `s`, written into `out[..N]`. Callers have already
    /// checked `b` and `s` against the stream's limits.
    fn block(&self, b: u64, s: u64, out: &mut [Self::Word]);
    /// Blocks `b0, b0 + 1, ...` of stream `s`, one after another, filling
    /// `out` (whose length must be a multiple of `N`), made with the CPU
    /// backend `be` where it has a kernel for this generator. The same words
    /// as calling [`KeyedBlocks::block`] for each block.
    fn blocks(&self, be: crate::CpuBackend, b0: u64, s: u64, out: &mut [Self::Word]);
}

macro_rules! keyed {
    ($ty:ident, $fam:ident, $shape:ident, $w:ty, $n:expr, $k:expr, $f:path, $ctr:path, $simd:path, $doc:literal) => {
        #[doc = $doc]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct $ty {
            /// Key words.
            pub key: [$w; $k],
            /// Round count.
            pub rounds: u32,
        }
        impl KeyedBlocks for $ty {
            type Word = $w;
            const N: usize = $n;
            const FAMILY: Family = Family::$fam;
            const SHAPE: Shape = Shape::$shape;
            fn from_key(key: &crate::Key, rounds: u32) -> Self {
                let w = key.words();
                $ty {
                    key: core::array::from_fn(|i| w[i] as $w),
                    rounds,
                }
            }
            #[inline(always)]
            fn block(&self, b: u64, s: u64, out: &mut [$w]) {
                out[..$n].copy_from_slice(&$f($ctr(b, s), self.key, self.rounds));
            }
            #[inline]
            fn blocks(&self, be: crate::CpuBackend, b0: u64, s: u64, out: &mut [$w]) {
                debug_assert!(out.len() % $n == 0);
                let done = $simd(be, self.key, self.rounds, b0, s, out);
                let mut b = b0.wrapping_add((done / $n) as u64);
                for c in out[done..].chunks_exact_mut($n) {
                    self.block(b, s, c);
                    b = b.wrapping_add(1);
                }
            }
        }
    };
}

keyed!(
    Philox2x32,
    Philox,
    X2x32,
    u32,
    2,
    1,
    philox::philox2x32,
    counter::ctr_2x32,
    crate::cpu::simd::philox2x32,
    "Keyed Philox2x32."
);
keyed!(
    Philox4x32,
    Philox,
    X4x32,
    u32,
    4,
    2,
    philox::philox4x32,
    counter::ctr_4x32,
    crate::cpu::simd::philox4x32,
    "Keyed Philox4x32."
);
keyed!(
    Philox2x64,
    Philox,
    X2x64,
    u64,
    2,
    1,
    philox::philox2x64,
    counter::ctr_2x64,
    crate::cpu::simd::philox2x64,
    "Keyed Philox2x64."
);
keyed!(
    Philox4x64,
    Philox,
    X4x64,
    u64,
    4,
    2,
    philox::philox4x64,
    counter::ctr_4x64,
    crate::cpu::simd::philox4x64,
    "Keyed Philox4x64."
);
keyed!(
    Threefry2x32,
    Threefry,
    X2x32,
    u32,
    2,
    2,
    threefry::threefry2x32,
    counter::ctr_2x32,
    crate::cpu::simd::threefry2x32,
    "Keyed Threefry2x32."
);
keyed!(
    Threefry4x32,
    Threefry,
    X4x32,
    u32,
    4,
    4,
    threefry::threefry4x32,
    counter::ctr_4x32,
    crate::cpu::simd::threefry4x32,
    "Keyed Threefry4x32."
);
keyed!(
    Threefry2x64,
    Threefry,
    X2x64,
    u64,
    2,
    2,
    threefry::threefry2x64,
    counter::ctr_2x64,
    crate::cpu::simd::threefry2x64,
    "Keyed Threefry2x64."
);
keyed!(
    Threefry4x64,
    Threefry,
    X4x64,
    u64,
    4,
    4,
    threefry::threefry4x64,
    counter::ctr_4x64,
    crate::cpu::simd::threefry4x64,
    "Keyed Threefry4x64."
);

/// Evaluates `$body` with `$g` bound to the concrete keyed generator for a
/// runtime (algorithm, key): one generic body, eight monomorphic copies.
#[macro_export]
#[doc(hidden)]
macro_rules! dispatch_keyed {
    ($algo:expr, $key:expr, |$g:ident| $body:expr) => {{
        use $crate::generator::{Family, Shape};
        let algo: $crate::Algorithm = $algo;
        let key: &$crate::Key = $key;
        match (algo.family(), algo.shape()) {
            (Family::Philox, Shape::X2x32) => {
                let $g =
                    <$crate::generator::Philox2x32 as $crate::generator::KeyedBlocks>::from_key(
                        key,
                        algo.rounds(),
                    );
                $body
            }
            (Family::Philox, Shape::X4x32) => {
                let $g =
                    <$crate::generator::Philox4x32 as $crate::generator::KeyedBlocks>::from_key(
                        key,
                        algo.rounds(),
                    );
                $body
            }
            (Family::Philox, Shape::X2x64) => {
                let $g =
                    <$crate::generator::Philox2x64 as $crate::generator::KeyedBlocks>::from_key(
                        key,
                        algo.rounds(),
                    );
                $body
            }
            (Family::Philox, Shape::X4x64) => {
                let $g =
                    <$crate::generator::Philox4x64 as $crate::generator::KeyedBlocks>::from_key(
                        key,
                        algo.rounds(),
                    );
                $body
            }
            (Family::Threefry, Shape::X2x32) => {
                let $g =
                    <$crate::generator::Threefry2x32 as $crate::generator::KeyedBlocks>::from_key(
                        key,
                        algo.rounds(),
                    );
                $body
            }
            (Family::Threefry, Shape::X4x32) => {
                let $g =
                    <$crate::generator::Threefry4x32 as $crate::generator::KeyedBlocks>::from_key(
                        key,
                        algo.rounds(),
                    );
                $body
            }
            (Family::Threefry, Shape::X2x64) => {
                let $g =
                    <$crate::generator::Threefry2x64 as $crate::generator::KeyedBlocks>::from_key(
                        key,
                        algo.rounds(),
                    );
                $body
            }
            (Family::Threefry, Shape::X4x64) => {
                let $g =
                    <$crate::generator::Threefry4x64 as $crate::generator::KeyedBlocks>::from_key(
                        key,
                        algo.rounds(),
                    );
                $body
            }
        }
    }};
}

/// Applies the bare block function of `algo` to a counter and key given as
/// words (u32 values held in u64 for 32-bit generators). Used by the KAT
/// checker, which needs counters outside the stream layout.
pub fn block_raw(algo: Algorithm, ctr: &[u64], key: &[u64]) -> Result<Vec<u64>, Error> {
    let n = algo.shape().words();
    if ctr.len() != n || key.len() != algo.key_words() {
        return Err(Error::BadKey {
            reason: format!(
                "{algo} takes {n} counter words and {} key words, got {} and {}",
                algo.key_words(),
                ctr.len(),
                key.len()
            ),
        });
    }
    let r = algo.rounds();
    let bits = algo.shape().word_bits();
    if bits == 32 && ctr.iter().chain(key).any(|&w| w > u64::from(u32::MAX)) {
        return Err(Error::BadKey {
            reason: format!("{algo} words must fit in 32 bits"),
        });
    }
    let c32 = |i: usize| ctr[i] as u32;
    let k32 = |i: usize| key[i] as u32;
    let out: Vec<u64> = match (algo.family(), algo.shape()) {
        (Family::Philox, Shape::X2x32) => philox::philox2x32([c32(0), c32(1)], [k32(0)], r)
            .map(u64::from)
            .to_vec(),
        (Family::Philox, Shape::X4x32) => {
            philox::philox4x32([c32(0), c32(1), c32(2), c32(3)], [k32(0), k32(1)], r)
                .map(u64::from)
                .to_vec()
        }
        (Family::Philox, Shape::X2x64) => {
            philox::philox2x64([ctr[0], ctr[1]], [key[0]], r).to_vec()
        }
        (Family::Philox, Shape::X4x64) => {
            philox::philox4x64([ctr[0], ctr[1], ctr[2], ctr[3]], [key[0], key[1]], r).to_vec()
        }
        (Family::Threefry, Shape::X2x32) => {
            threefry::threefry2x32([c32(0), c32(1)], [k32(0), k32(1)], r)
                .map(u64::from)
                .to_vec()
        }
        (Family::Threefry, Shape::X4x32) => threefry::threefry4x32(
            [c32(0), c32(1), c32(2), c32(3)],
            [k32(0), k32(1), k32(2), k32(3)],
            r,
        )
        .map(u64::from)
        .to_vec(),
        (Family::Threefry, Shape::X2x64) => {
            threefry::threefry2x64([ctr[0], ctr[1]], [key[0], key[1]], r).to_vec()
        }
        (Family::Threefry, Shape::X4x64) => threefry::threefry4x64(
            [ctr[0], ctr[1], ctr[2], ctr[3]],
            [key[0], key[1], key[2], key[3]],
            r,
        )
        .to_vec(),
    };
    Ok(out)
}
