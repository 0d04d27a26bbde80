//! Key derivation: a child key from a parent key and a path of labels and
//! integers (rank, worker, epoch, "dropout", layer), so that workers and
//! layers get unrelated streams without the pitfalls of "the same seed in
//! every worker" or "base_seed + worker_id" (where worker 1 of run 0 equals
//! worker 0 of run 1).
//!
//! # The function (stream contract v1)
//! The path is encoded as a sequence of 256-bit blocks (four u64 words) that
//! no other path shares (each part says its kind and length before its data):
//!
//! 1. `[TAG_PARENT, n, 0, 0]`, then the parent's `n` key words zero-padded to four;
//! 2. per integer label `v`: `[TAG_INT, v, 0, 0]`;
//! 3. per string label of `len` bytes: `[TAG_STR, len, 0, 0]`, then its UTF-8
//!    bytes, zero-padded to a multiple of 32 bytes, four little-endian u64 a block;
//! 4. `[TAG_END, number of labels, 0, 0]`.
//!
//! The blocks are chained Matyas–Meyer–Oseas style through Threefry4x64 with
//! 72 rounds (Threefish-256's round count): `h' = threefry4x64_72(m, key = h) ^ m`,
//! from `h = 0`. The final `h` is the 256-bit [`DerivedKey`]; a generator
//! takes its first key words from it (32-bit words: low half of each u64
//! first). Threefry without its tweak is not a vetted cryptographic hash; the
//! aim is that distinct paths never collide by accident and give unrelated keys.
//!
//! ```
//! use cbrng::{Algorithm, Key, derive::{DerivedKey, Label}};
//! let root = Key::from_seed(Algorithm::PHILOX4X32_10, 1234)?;
//! let a = DerivedKey::new(&root, &[Label::from("dropout"), 3u64.into(), 0u64.into()]);
//! let b = DerivedKey::new(&root, &[Label::from("dropout"), 3u64.into(), 1u64.into()]);
//! assert_ne!(a, b);
//! let key = a.key_for(Algorithm::PHILOX4X32_10);
//! assert_eq!(key.words().len(), 2);
//! # Ok::<(), cbrng::Error>(())
//! ```

use crate::generator::{Algorithm, threefry::threefry4x64};
use crate::stream::Key;

/// Block tag of the parent key header.
pub const TAG_PARENT: u64 = 0x6362_726e_6750_4152; // "cbrngPAR"
/// Block tag of an integer label.
pub const TAG_INT: u64 = 0x6362_726e_6749_4e54; // "cbrngINT"
/// Block tag of a string label.
pub const TAG_STR: u64 = 0x6362_726e_6753_5452; // "cbrngSTR"
/// Block tag of the end of the path.
pub const TAG_END: u64 = 0x6362_726e_6745_4e44; // "cbrngEND"
/// Rounds of Threefry4x64 in the chaining function.
pub const DERIVE_ROUNDS: u32 = 72;

/// One element of a derivation path. Strings and unsigned integers of any
/// width convert with `.into()`, so ordinary loop indices work:
///
/// ```
/// use cbrng::{Algorithm, Key, derive::DerivedKey};
/// let root = Key::from_seed(Algorithm::PHILOX4X32_10, 42)?;
/// for layer in 0..3usize {
///     let step: u32 = 1000;
///     let k = DerivedKey::new(&root, &["dropout".into(), layer.into(), step.into()]);
///     assert_eq!(k, DerivedKey::new(&root, &["dropout".into(), (layer as u64).into(), 1000u64.into()]));
/// }
/// # Ok::<(), cbrng::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Label<'a> {
    /// An integer: rank, worker, epoch, step, layer index...
    Int(u64),
    /// A name: "dropout", "init", "data"...
    Str(&'a str),
}

impl From<u64> for Label<'_> {
    fn from(v: u64) -> Self {
        Label::Int(v)
    }
}
impl From<u32> for Label<'_> {
    fn from(v: u32) -> Self {
        Label::Int(v.into())
    }
}
impl From<u16> for Label<'_> {
    fn from(v: u16) -> Self {
        Label::Int(v.into())
    }
}
impl From<u8> for Label<'_> {
    fn from(v: u8) -> Self {
        Label::Int(v.into())
    }
}
impl From<usize> for Label<'_> {
    /// A loop index (`for layer in 0..n`); `usize` is at most 64 bits on
    /// every target Rust supports, so the value is kept exactly.
    fn from(v: usize) -> Self {
        Label::Int(v as u64)
    }
}
impl<'a> From<&'a str> for Label<'a> {
    fn from(s: &'a str) -> Self {
        Label::Str(s)
    }
}

/// A 256-bit key derived from a parent key and a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DerivedKey([u64; 4]);

struct Chain([u64; 4]);

impl Chain {
    fn absorb(&mut self, m: [u64; 4]) {
        let e = threefry4x64(m, self.0, DERIVE_ROUNDS);
        self.0 = [e[0] ^ m[0], e[1] ^ m[1], e[2] ^ m[2], e[3] ^ m[3]];
    }
}

impl DerivedKey {
    /// Derives the child key of `parent` along `path`.
    pub fn new(parent: &Key, path: &[Label<'_>]) -> DerivedKey {
        Self::from_words(parent.words(), path)
    }

    /// Derives from raw parent words (a key has at most four).
    fn from_words(parent: &[u64], path: &[Label<'_>]) -> DerivedKey {
        let mut h = Chain([0; 4]);
        h.absorb([TAG_PARENT, parent.len() as u64, 0, 0]);
        let mut p = [0u64; 4];
        p[..parent.len()].copy_from_slice(parent);
        h.absorb(p);
        for label in path {
            match *label {
                Label::Int(v) => h.absorb([TAG_INT, v, 0, 0]),
                Label::Str(s) => {
                    h.absorb([TAG_STR, s.len() as u64, 0, 0]);
                    for chunk in s.as_bytes().chunks(32) {
                        let mut bytes = [0u8; 32];
                        bytes[..chunk.len()].copy_from_slice(chunk);
                        h.absorb(core::array::from_fn(|i| {
                            u64::from_le_bytes(bytes[8 * i..8 * i + 8].try_into().expect("8 bytes"))
                        }));
                    }
                }
            }
        }
        h.absorb([TAG_END, path.len() as u64, 0, 0]);
        DerivedKey(h.0)
    }

    /// Derives a further child along `path` (the derived key is the parent).
    pub fn child(&self, path: &[Label<'_>]) -> DerivedKey {
        Self::from_words(&self.0, path)
    }

    /// The 256 bits as four u64 words.
    pub fn words(&self) -> [u64; 4] {
        self.0
    }

    /// The key for `algo`: its first key words of this derived key.
    pub fn key_for(&self, algo: Algorithm) -> Key {
        let n = algo.key_words();
        let words: Vec<u64> = if algo.shape().word_bits() == 64 {
            self.0[..n].to_vec()
        } else {
            self.0
                .iter()
                .flat_map(|w| [w & 0xFFFF_FFFF, w >> 32])
                .take(n)
                .collect()
        };
        Key::from_words(algo, &words).expect("derived words fit the key by construction")
    }
}
