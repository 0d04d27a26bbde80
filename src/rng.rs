//! rand_core 0.10 adapters: each generator as a sequential `Rng` +
//! `SeedableRng` over one stream of the contract, with O(1) seeking.
//!
//! The generator's position counts u32 elements of the stream. `next_u32`
//! returns u32 element `pos`; `next_u64` joins elements `pos` (low) and
//! `pos + 1` (high), which at an even position is exactly u64 element `pos/2`;
//! `fill_bytes` writes the u32 elements little-endian, a trailing partial
//! word using (and consuming) a whole element. rand's distributions then work
//! on top.
//!
//! ```
//! use cbrng::rng::Philox4x32Rng;
//! use rand_core::{Rng, SeedableRng};
//! let mut rng = Philox4x32Rng::seed_from_u64(42).with_stream(3)?;
//! let first = rng.next_u32();
//! rng.seek(1_000_000_000_000)?; // O(1)
//! let far = rng.next_u32();
//! rng.seek(0)?;
//! assert_eq!(rng.next_u32(), first);
//! # let _ = far;
//! # Ok::<(), cbrng::Error>(())
//! ```

use crate::cpu::CpuBackend;
use crate::cpu::views::{fill_u8_view, fill_u32_view};
use crate::error::Error;
use crate::generator::{self, Algorithm, KeyedBlocks};
use crate::stream::{Key, Stream, stream_len_u32};
use core::convert::Infallible;
use rand_core::{SeedableRng, TryRng};

/// u32 elements buffered per refill: 32 Philox4x32 blocks (four AVX2 steps),
/// 16 of 4x64.
const BUF: usize = 128;

/// A generator of this crate as a rand_core RNG over one stream.
#[derive(Clone, Debug)]
pub struct CounterRng<G: KeyedBlocks> {
    blocks: G,
    backend: CpuBackend,
    stream: Stream,
    /// u32 index of `buf[0]`; the position is `buf_start + idx`.
    buf_start: u128,
    /// Index in `buf` of the next element (may equal `buf_len`: refill first).
    idx: usize,
    /// Valid elements in `buf` (0 = empty).
    buf_len: usize,
    buf: [u32; BUF],
}

impl<G: KeyedBlocks> CounterRng<G> {
    /// The RNG over `stream`, positioned at element 0. The stream's generator
    /// must be `G`'s (any round count).
    pub fn from_stream(stream: &Stream) -> Result<Self, Error> {
        let algo = stream.algorithm();
        if algo.family() != G::FAMILY || algo.shape() != G::SHAPE {
            return Err(Error::BadKey {
                reason: format!(
                    "stream is {algo}, but this RNG type is {:?}{:?}",
                    G::FAMILY,
                    G::SHAPE
                ),
            });
        }
        Ok(CounterRng {
            blocks: G::from_key(stream.key(), algo.rounds()),
            backend: CpuBackend::default_for_process(),
            stream: *stream,
            buf_start: 0,
            idx: 0,
            buf_len: 0,
            buf: [0; BUF],
        })
    }

    /// The RNG for `seed` (the contract's seed-to-key mapping), `stream` id
    /// and round count, at element 0.
    pub fn new(seed: u64, stream: u64, rounds: u32) -> Result<Self, Error> {
        let algo = Algorithm::new(G::FAMILY, G::SHAPE, rounds)?;
        Self::from_stream(&Stream::from_seed(algo, seed, stream)?)
    }

    /// The same key and rounds on stream `id`, at element 0.
    pub fn with_stream(self, id: u64) -> Result<Self, Error> {
        let s = Stream::new(self.stream.algorithm(), *self.stream.key(), id)?;
        Self::from_stream(&s)
    }

    /// The same RNG making its blocks with another CPU backend (by default
    /// [`CpuBackend::default_for_process`]); an error when this CPU cannot
    /// run it. The numbers are the same.
    pub fn with_cpu_backend(mut self, backend: CpuBackend) -> Result<Self, Error> {
        backend.check_available()?;
        self.backend = backend;
        Ok(self)
    }

    /// The stream this RNG walks.
    pub fn stream(&self) -> &Stream {
        &self.stream
    }

    /// Index of the next u32 element.
    pub fn position(&self) -> u128 {
        self.buf_start + self.idx as u128
    }

    /// u32 elements left before the end of the stream.
    pub fn remaining(&self) -> u128 {
        self.len() - self.position()
    }

    fn len(&self) -> u128 {
        stream_len_u32(G::SHAPE)
    }

    /// Moves to u32 element `pos` in O(1); `pos` may equal the stream length
    /// (the end), not exceed it.
    pub fn seek(&mut self, pos: u128) -> Result<(), Error> {
        if pos > self.len() {
            return Err(Error::PastEndOfStream {
                offset: pos,
                count: 0,
                algo: self.stream.algorithm().to_string(),
                len: self.len(),
            });
        }
        if pos >= self.buf_start && pos <= self.buf_start + self.buf_len as u128 {
            self.idx = (pos - self.buf_start) as usize; // still in the buffer
        } else {
            (self.buf_start, self.idx, self.buf_len) = (pos, 0, 0);
        }
        Ok(())
    }

    /// Refills the buffer so that it starts at the position.
    #[cold]
    fn refill(&mut self) {
        let (len, pos) = (self.len(), self.position());
        assert!(
            pos < len,
            "cbrng: end of the {} stream reached after {len} u32 elements (check remaining())",
            self.stream.algorithm()
        );
        (self.buf_start, self.idx) = (pos, 0);
        self.buf_len = (len - pos).min(BUF as u128) as usize;
        fill_u32_view(
            &self.blocks,
            self.backend,
            self.stream.id(),
            self.buf_start,
            &mut self.buf[..self.buf_len],
        );
    }

    #[inline]
    fn next_word(&mut self) -> u32 {
        if self.idx >= self.buf_len {
            self.refill();
        }
        let w = self.buf[self.idx];
        self.idx += 1;
        w
    }
}

impl<G: KeyedBlocks> TryRng for CounterRng<G> {
    type Error = Infallible;

    /// # Panics
    /// At the end of the stream: 2^33 elements for 2x32 generators (32 GiB),
    /// 2^66 or more for the others.
    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.next_word())
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        if self.idx + 2 <= self.buf_len {
            // Both halves buffered: one bounds check, no refill test.
            let pair = &self.buf[self.idx..self.idx + 2];
            self.idx += 2;
            return Ok(u64::from(pair[0]) | (u64::from(pair[1]) << 32));
        }
        let lo = self.next_word();
        let hi = self.next_word();
        Ok(u64::from(lo) | (u64::from(hi) << 32))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        let mut words = dst.chunks_exact_mut(4);
        // Large requests bypass the buffer: whole words straight from the stream.
        let whole = words.len();
        let mut pos = self.position();
        if whole > BUF && pos + whole as u128 <= self.len() {
            // The u32 elements little-endian are the stream's bytes: written
            // straight into `dst` (words of a 64-bit generator unsplit).
            let n = 4 * whole;
            fill_u8_view(
                &self.blocks,
                self.backend,
                self.stream.id(),
                4 * pos,
                &mut dst[..n],
            );
            pos += whole as u128;
            (self.buf_start, self.idx, self.buf_len) = (pos, 0, 0);
            words = dst[n..].chunks_exact_mut(4);
        } else {
            for c in &mut words {
                c.copy_from_slice(&self.next_word().to_le_bytes());
            }
        }
        let rest = words.into_remainder();
        if !rest.is_empty() {
            let n = rest.len();
            rest.copy_from_slice(&self.next_word().to_le_bytes()[..n]);
        }
        Ok(())
    }
}

macro_rules! seedable {
    ($alias:ident, $g:ident, $w:ty, $kbytes:expr, doc = $seed_doc:expr) => {
        seedable!(@ $alias, $g, $w, $kbytes, $seed_doc);
    };
    ($alias:ident, $g:ident, $w:ty, $kbytes:expr $(, $contract_seed:ident)?) => {
        seedable!(@ $alias, $g, $w, $kbytes,
            "`seed_from_u64` is the stream contract's seed mapping (as `Stream::from_seed` and `cbrng fill --seed`), stream 0."
            $(, $contract_seed)?);
    };
    (@ $alias:ident, $g:ident, $w:ty, $kbytes:expr, $seed_doc:expr $(, $contract_seed:ident)?) => {
        #[doc = concat!("`", stringify!($g), "` as a rand_core RNG (default rounds unless made with `new`).\n\n", $seed_doc)]
        pub type $alias = CounterRng<generator::$g>;

        impl SeedableRng for CounterRng<generator::$g> {
            /// The key words, little-endian.
            type Seed = [u8; $kbytes];

            fn from_seed(seed: Self::Seed) -> Self {
                let algo = Algorithm::with_default_rounds(
                    <generator::$g as KeyedBlocks>::FAMILY,
                    <generator::$g as KeyedBlocks>::SHAPE,
                );
                let words: Vec<u64> = seed
                    .chunks_exact(core::mem::size_of::<$w>())
                    .map(|c| {
                        let mut b = [0u8; 8];
                        b[..c.len()].copy_from_slice(c);
                        u64::from_le_bytes(b)
                    })
                    .collect();
                let key = Key::from_words(algo, &words).expect("seed bytes always make a valid key");
                let stream = Stream::new(algo, key, 0).expect("stream 0 always exists");
                Self::from_stream(&stream).expect("types match")
            }


            $(
                /// The stream contract's seed-to-key mapping (as `cbrng fill --seed`), stream 0.
                fn seed_from_u64(state: u64) -> Self {
                    let _ = stringify!($contract_seed);
                    let rounds = <generator::$g as KeyedBlocks>::FAMILY.default_rounds();
                    Self::new(state, 0, rounds).expect("every u64 seed fits this key")
                }
            )?
        }
    };
}

// Philox2x32's key is 32 bits, so `seed_from_u64` keeps rand_core's own seed
// expansion there; `CounterRng::new` applies the contract (seed < 2^32).
seedable!(
    Philox2x32Rng,
    Philox2x32,
    u32,
    4,
    doc = "`seed_from_u64` is **not** the stream contract's seed mapping here: the key is 32 bits, so a u64 seed cannot map to it one to one, and `seed_from_u64` is rand_core's default (the seed expanded by a PCG32 into the 4 key bytes, little-endian), stream 0. For the contract's mapping (seed < 2^32 is the key) use `CounterRng::new(seed, stream, rounds)` or `Stream::from_seed`."
);
seedable!(Philox4x32Rng, Philox4x32, u32, 8, contract_seed);
seedable!(Philox2x64Rng, Philox2x64, u64, 8, contract_seed);
seedable!(Philox4x64Rng, Philox4x64, u64, 16, contract_seed);
seedable!(Threefry2x32Rng, Threefry2x32, u32, 8, contract_seed);
seedable!(Threefry4x32Rng, Threefry4x32, u32, 16, contract_seed);
seedable!(Threefry2x64Rng, Threefry2x64, u64, 16, contract_seed);
seedable!(Threefry4x64Rng, Threefry4x64, u64, 32, contract_seed);

/// rand_chacha's stream and position API: names a rand user knows, over
/// this crate's stream ids and u32 positions.
impl<G: KeyedBlocks> CounterRng<G> {
    /// The stream id (rand_chacha's `get_stream`).
    pub fn get_stream(&self) -> u64 {
        self.stream.id()
    }

    /// Moves to stream `id` of the same key, keeping the word position, as
    /// rand_chacha's `set_stream` does; an error (and no change) when `id`
    /// is past the generator's stream limit.
    pub fn set_stream(&mut self, id: u64) -> Result<(), Error> {
        let s = Stream::new(self.stream.algorithm(), *self.stream.key(), id)?;
        let pos = self.position();
        self.stream = s;
        (self.buf_start, self.idx, self.buf_len) = (pos, 0, 0);
        Ok(())
    }

    /// The position in u32 elements (rand_chacha's `get_word_pos`; the same
    /// as [`CounterRng::position`]).
    pub fn get_word_pos(&self) -> u128 {
        self.position()
    }

    /// Moves to u32 element `pos` (rand_chacha's `set_word_pos`; the same as
    /// [`CounterRng::seek`]): an error past the end of the stream.
    pub fn set_word_pos(&mut self, pos: u128) -> Result<(), Error> {
        self.seek(pos)
    }
}

/// Equal when they walk the same stream (generator, rounds, key, id) and are
/// at the same position: they will give the same numbers. The CPU backend
/// does not matter (it never changes the numbers).
impl<G: KeyedBlocks> PartialEq for CounterRng<G> {
    fn eq(&self, other: &Self) -> bool {
        self.stream == other.stream && self.position() == other.position()
    }
}

impl<G: KeyedBlocks> Eq for CounterRng<G> {}

/// A generator's state for checkpoints (feature `serde`): the generator name
/// with its rounds, the key words, the stream id and the word position, e.g.
/// `{"algorithm":"philox4x32-10","key":[42,0],"stream":3,"word_pos":1000}`.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename = "CounterRng", deny_unknown_fields)]
struct SavedRng {
    algorithm: String,
    key: Vec<u64>,
    stream: u64,
    word_pos: u128,
}

#[cfg(feature = "serde")]
impl<G: KeyedBlocks> serde::Serialize for CounterRng<G> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        SavedRng {
            algorithm: self.stream.algorithm().to_string(),
            key: self.stream.key().words().to_vec(),
            stream: self.stream.id(),
            word_pos: self.position(),
        }
        .serialize(s)
    }
}

/// Every field is checked as when the generator is made: a generator of
/// another type, a bad key, stream id or position is an error.
#[cfg(feature = "serde")]
impl<'de, G: KeyedBlocks> serde::Deserialize<'de> for CounterRng<G> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let saved = SavedRng::deserialize(d)?;
        let build = || -> Result<Self, Error> {
            let algo: Algorithm = saved.algorithm.parse()?;
            let key = Key::from_words(algo, &saved.key)?;
            let mut rng = Self::from_stream(&Stream::new(algo, key, saved.stream)?)?;
            rng.seek(saved.word_pos)?;
            Ok(rng)
        };
        build().map_err(D::Error::custom)
    }
}
