//! The stream contract: how (generator, key, stream id, element index) maps to
//! (key, counter) and so to bits. This is a promise to users: the same spec
//! gives the same bits on every machine, CPU or GPU, in every future version.
//! [`CONTRACT_VERSION`] counts the contract's versions: a version may only add
//! (distributions, dtypes); no element of an earlier version ever changes
//! (`tests/data/contract_v1.txt`, `contract_v2.txt` and `contract_v3.txt`
//! are frozen).
//!
//! A stream is (generator, key, stream id `s`). Its block `b` is the block
//! function at this counter:
//!
//! | shape | counter words                                  | limits          |
//! |-------|------------------------------------------------|-----------------|
//! | 4x32  | `[b mod 2^32, b >> 32, s mod 2^32, s >> 32]`   | b, s < 2^64     |
//! | 2x64  | `[b, s]`                                       | b, s < 2^64     |
//! | 4x64  | `[b, 0, s, 0]`                                 | b, s < 2^64     |
//! | 2x32  | `[b, s]`                                       | b, s < 2^32     |
//!
//! Element order: u32 element `i` of a 32-bit generator is word `i mod N` of
//! block `i / N`; u64 element `j` of a 64-bit generator is word `j mod N` of
//! block `j / N`. The u32 view of a 64-bit stream splits each word low half
//! first; the u64 view of a 32-bit stream joins u32 elements `2j` (low) and
//! `2j+1` (high).
//!
//! This module defines the layout and checks ranges; the CPU engine
//! (`crate::cpu`, its `views` module) makes the words and views, called by
//! [`Stream`]'s fills after the check. The engines sit below the API and
//! above the contract: nothing in `crate::cpu` calls back into this module.
//!
//! With these rules the u32 stream of `philox4x32-10` for (seed, stream s,
//! element i) is exactly cuRAND's `curand_init(seed, s, i, &st); curand(&st)`
//! for Philox4_32_10.

use crate::cpu::views::{fill_u32_view, fill_u64_view};
use crate::cpu::{CpuOptions, threads};
use crate::dist::{Distribution, Element, OutSlice, Prepared};
use crate::error::Error;
use crate::generator::{Algorithm, Shape};

/// Version of the stream contract (counter layout, seed-to-key mapping and
/// distribution definitions). Recorded by `cbrng info`. Version 2 added the
/// i32 and i64 outputs of bits and int, the bool output of bernoulli, the
/// inverse-CDF continuous distributions, `uniform:LO,HI` and the normal in
/// f16/bf16 ([`crate::dist::continuous`]); every version 1 element is
/// unchanged (tests/data/contract_v1.txt, contract_v2.txt). Version 3 added
/// the rejection samplers and their attempt space
/// ([`crate::dist::attempts`]: gamma, chi-squared, beta, student-t in
/// [`crate::dist::gamma`], and what came with them); every version 1 and 2
/// element is unchanged (tests/data/contract_v3.txt).
pub const CONTRACT_VERSION: u32 = 3;

/// Counter layouts of the contract, one per block shape.
pub mod counter {
    /// 2x32 counter for block `b`, stream `s` (both < 2^32, checked by callers).
    #[inline(always)]
    pub fn ctr_2x32(b: u64, s: u64) -> [u32; 2] {
        [b as u32, s as u32]
    }
    /// 4x32 counter: `[b lo, b hi, s lo, s hi]`.
    #[inline(always)]
    pub fn ctr_4x32(b: u64, s: u64) -> [u32; 4] {
        [b as u32, (b >> 32) as u32, s as u32, (s >> 32) as u32]
    }
    /// 2x64 counter: `[b, s]`.
    #[inline(always)]
    pub fn ctr_2x64(b: u64, s: u64) -> [u64; 2] {
        [b, s]
    }
    /// 4x64 counter: `[b, 0, s, 0]`.
    #[inline(always)]
    pub fn ctr_4x64(b: u64, s: u64) -> [u64; 4] {
        [b, 0, s, 0]
    }
}

/// Number of blocks in one stream of this shape.
pub fn blocks_per_stream(shape: Shape) -> u128 {
    match shape {
        Shape::X2x32 => 1 << 32,
        _ => 1 << 64,
    }
}

/// log2 of the number of stream ids for this shape.
pub fn stream_id_bits(shape: Shape) -> u32 {
    match shape {
        Shape::X2x32 => 32,
        _ => 64,
    }
}

/// Number of u32 elements in one stream of this generator.
pub fn stream_len_u32(shape: Shape) -> u128 {
    blocks_per_stream(shape) * shape.words() as u128 * u128::from(shape.word_bits() / 32)
}

/// A key: the generator's key words (32-bit words are held in u64).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    words: [u64; 4],
    len: usize,
}

impl Key {
    /// The key a u64 seed gives under the contract:
    /// Philox4x32 and Threefry2x32 `[seed mod 2^32, seed >> 32]`;
    /// Threefry4x32 `[seed mod 2^32, seed >> 32, 0, 0]`; Philox2x64 `[seed]`;
    /// Philox4x64 and Threefry2x64 `[seed, 0]`; Threefry4x64 `[seed, 0, 0, 0]`;
    /// Philox2x32 `[seed]`, which needs `seed < 2^32`.
    pub fn from_seed(algo: Algorithm, seed: u64) -> Result<Key, Error> {
        let n = algo.key_words();
        let mut words = [0u64; 4];
        if algo.shape().word_bits() == 64 {
            words[0] = seed;
        } else if n == 1 {
            if seed > u64::from(u32::MAX) {
                return Err(Error::SeedTooWide {
                    seed,
                    algo: algo.to_string(),
                    bits: 32,
                });
            }
            words[0] = seed;
        } else {
            words[0] = seed & 0xFFFF_FFFF;
            words[1] = seed >> 32;
        }
        Ok(Key { words, len: n })
    }

    /// A key given word by word; the count must be the generator's key size
    /// and each word must fit the generator's word size.
    pub fn from_words(algo: Algorithm, words: &[u64]) -> Result<Key, Error> {
        let n = algo.key_words();
        if words.len() != n {
            return Err(Error::BadKey {
                reason: format!("{algo} takes {n} key word(s), got {}", words.len()),
            });
        }
        if algo.shape().word_bits() == 32
            && let Some(w) = words.iter().find(|&&w| w > u64::from(u32::MAX))
        {
            return Err(Error::BadKey {
                reason: format!("{algo} key words are 32-bit, {w:#x} does not fit"),
            });
        }
        let mut k = [0u64; 4];
        k[..n].copy_from_slice(words);
        Ok(Key { words: k, len: n })
    }

    /// A key written as hex words separated by commas (`--key` of `cbrng
    /// fill`): as many words as the generator takes, each in the hex-word
    /// grammar of [`crate::grammar`] (one optional `0x`, no sign, no spaces)
    /// and within the generator's word size.
    ///
    /// ```
    /// use cbrng::{Algorithm, Key};
    /// let k = Key::parse(Algorithm::PHILOX4X32_10, "0x2a,0")?;
    /// assert_eq!(k, Key::from_seed(Algorithm::PHILOX4X32_10, 42)?);
    /// assert!(Key::parse(Algorithm::PHILOX4X32_10, "0x0x2a,0").is_err());
    /// # Ok::<(), cbrng::Error>(())
    /// ```
    pub fn parse(algo: Algorithm, text: &str) -> Result<Key, Error> {
        let bits = algo.shape().word_bits();
        let words = text
            .split(',')
            .map(|w| crate::grammar::hex_word(w, bits).map_err(|reason| Error::BadKey { reason }))
            .collect::<Result<Vec<_>, _>>()?;
        Key::from_words(algo, &words)
    }

    /// The key words, as many as the generator takes.
    pub fn words(&self) -> &[u64] {
        &self.words[..self.len]
    }
}

/// One stream: generator, key and stream id, validated against each other.
///
/// Element positions (`offset`) are `u128`: a 4x32 or 4x64 stream holds 2^66
/// u32 elements, a 2x64 stream 2^65, and every one can be read. A range past
/// the end of the stream is [`Error::PastEndOfStream`], never a wrap.
///
/// ```
/// use cbrng::{Algorithm, Stream};
/// let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 42, 7)?;
/// let mut a = [0u32; 8];
/// s.fill_u32(0, &mut a)?;
/// let mut b = [0u32; 3];
/// s.fill_u32(5, &mut b)?; // any slice, directly
/// assert_eq!(&a[5..8], &b);
/// # Ok::<(), cbrng::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Stream {
    algo: Algorithm,
    key: Key,
    id: u64,
}

impl Stream {
    /// A stream from a key (see [`Key`]) and a stream id.
    pub fn new(algo: Algorithm, key: Key, id: u64) -> Result<Stream, Error> {
        // Re-validate: a Key made for another generator may not fit this one.
        let key = Key::from_words(algo, key.words())?;
        let bits = stream_id_bits(algo.shape());
        if bits < 64 && id >> bits != 0 {
            return Err(Error::StreamOutOfRange {
                stream: id,
                algo: algo.to_string(),
                limit_bits: bits,
            });
        }
        Ok(Stream { algo, key, id })
    }

    /// A stream from a u64 seed (see [`Key::from_seed`]) and a stream id.
    pub fn from_seed(algo: Algorithm, seed: u64, id: u64) -> Result<Stream, Error> {
        Stream::new(algo, Key::from_seed(algo, seed)?, id)
    }

    /// The generator.
    pub fn algorithm(&self) -> Algorithm {
        self.algo
    }
    /// The key.
    pub fn key(&self) -> &Key {
        &self.key
    }
    /// The stream id.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Checks that elements `[offset, offset + count)` of a view holding
    /// `len` elements exist, and returns the end index.
    pub(crate) fn check_range(&self, offset: u128, count: u128, len: u128) -> Result<u128, Error> {
        match offset.checked_add(count) {
            Some(end) if end <= len => Ok(end),
            _ => Err(Error::PastEndOfStream {
                offset,
                count,
                algo: self.algo.to_string(),
                len,
            }),
        }
    }

    /// Fills `out` with u32 elements `[offset, offset + out.len())`.
    pub fn fill_u32(&self, offset: u128, out: &mut [u32]) -> Result<(), Error> {
        self.fill_u32_with(&CpuOptions::auto(), offset, out)
    }

    /// [`Stream::fill_u32`] with an explicit backend and thread count; the
    /// bits are the same whatever they are.
    pub fn fill_u32_with(
        &self,
        opts: &CpuOptions,
        offset: u128,
        out: &mut [u32],
    ) -> Result<(), Error> {
        let len = stream_len_u32(self.algo.shape());
        self.check_range(offset, out.len() as u128, len)?;
        let (id, be) = (self.id, opts.backend());
        crate::dispatch_keyed!(self.algo, &self.key, |g| threads::for_parts(
            out,
            opts.threads(),
            |at, part| fill_u32_view(&g, be, id, offset + at as u128, part)
        ));
        Ok(())
    }

    /// Fills `out` with u64 elements `[offset, offset + out.len())`.
    pub fn fill_u64(&self, offset: u128, out: &mut [u64]) -> Result<(), Error> {
        self.fill_u64_with(&CpuOptions::auto(), offset, out)
    }

    /// [`Stream::fill_u64`] with an explicit backend and thread count; the
    /// bits are the same whatever they are.
    pub fn fill_u64_with(
        &self,
        opts: &CpuOptions,
        offset: u128,
        out: &mut [u64],
    ) -> Result<(), Error> {
        let len = stream_len_u32(self.algo.shape()) / 2;
        self.check_range(offset, out.len() as u128, len)?;
        let (id, be) = (self.id, opts.backend());
        crate::dispatch_keyed!(self.algo, &self.key, |g| threads::for_parts(
            out,
            opts.threads(),
            |at, part| fill_u64_view(&g, be, id, offset + at as u128, part)
        ));
        Ok(())
    }
}

impl Stream {
    /// Fills `out` with elements `[offset, offset + out.len())` of `dist` in
    /// the dtype of `T` (u32, u64, f32, f64, `half::f16`, `half::bf16`, u8,
    /// i32, i64, bool).
    ///
    /// Uses [`CpuOptions::auto`]: the best SIMD backend and, for large
    /// buffers, every core. [`Stream::fill_with`] picks them; the bits never
    /// depend on that choice.
    ///
    /// ```
    /// use cbrng::{Algorithm, Stream, dist::Distribution};
    /// let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 1, 0)?;
    /// let mut x = vec![0f32; 1000];
    /// s.fill(&Distribution::Uniform, 0, &mut x)?;
    /// assert!(x.iter().all(|&v| (0.0..1.0).contains(&v)));
    /// let mut mask = vec![0u8; 1000];
    /// s.fill(&Distribution::Bernoulli { p: 0.1 }, 0, &mut mask)?;
    /// # Ok::<(), cbrng::Error>(())
    /// ```
    pub fn fill<T: Element>(
        &self,
        dist: &Distribution,
        offset: u128,
        out: &mut [T],
    ) -> Result<(), Error> {
        self.fill_with(&CpuOptions::auto(), dist, offset, out)
    }

    /// [`Stream::fill`] with an explicit CPU backend and thread count.
    pub fn fill_with<T: Element>(
        &self,
        opts: &CpuOptions,
        dist: &Distribution,
        offset: u128,
        out: &mut [T],
    ) -> Result<(), Error> {
        let prepared = dist.prepare(T::DTYPE)?;
        self.fill_prepared_with(opts, &prepared, offset, T::as_out(out))
    }

    /// Number of elements of a prepared distribution that this stream holds.
    pub fn len_of(&self, prepared: &Prepared) -> u128 {
        prepared.stream_len(stream_len_u32(self.algo.shape()))
    }

    /// [`Stream::fill`] for an already prepared distribution and an untyped slice
    /// (whose dtype must be `prepared.dtype`).
    pub fn fill_prepared(
        &self,
        prepared: &Prepared,
        offset: u128,
        out: OutSlice<'_>,
    ) -> Result<(), Error> {
        self.fill_prepared_with(&CpuOptions::auto(), prepared, offset, out)
    }

    /// [`Stream::fill_prepared`] with an explicit CPU backend and thread count.
    pub fn fill_prepared_with(
        &self,
        opts: &CpuOptions,
        prepared: &Prepared,
        offset: u128,
        out: OutSlice<'_>,
    ) -> Result<(), Error> {
        let n = out.len();
        if out.dtype() != prepared.dtype {
            return Err(Error::DTypeMismatch {
                dist: prepared.dist.name().to_string(),
                dtype: out.dtype().to_string(),
                allowed: prepared.dtype.to_string(),
            });
        }
        self.check_range(offset, n as u128, self.len_of(prepared))?;
        // A rejection sampler fills from its attempt key (dist::attempts).
        let (key, id) = crate::dist::attempts::engine_key(self, prepared);
        crate::dispatch_keyed!(self.algo, &key, |g| crate::cpu::fill::fill_parallel(
            &g, opts, id, prepared, offset, out
        ));
        Ok(())
    }
}

/// Key width of a generator in bits (for error messages and docs).
pub fn key_bits(algo: Algorithm) -> u32 {
    algo.key_words() as u32 * algo.shape().word_bits()
}

impl Stream {
    /// Elements `[offset, offset + count)` of a prepared distribution as
    /// bytes in native order (little-endian on every CUDA host): what a device
    /// buffer of that dtype holds after a fill. Used by the CPU-against-GPU
    /// checks and the host-twin test.
    ///
    /// ```
    /// use cbrng::{Algorithm, Stream, dist::{DType, Distribution}};
    /// let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 42, 0)?;
    /// let p = Distribution::Uniform.prepare(DType::F32)?;
    /// let b = s.fill_bytes(&p, 0, 1)?;
    /// assert_eq!(b, 0x3f1c_eaf0u32.to_le_bytes());
    /// # Ok::<(), cbrng::Error>(())
    /// ```
    pub fn fill_bytes(
        &self,
        prepared: &Prepared,
        offset: u128,
        count: usize,
    ) -> Result<Vec<u8>, Error> {
        fn typed<T: Element>(
            s: &Stream,
            p: &Prepared,
            offset: u128,
            count: usize,
        ) -> Result<Vec<u8>, Error> {
            let mut v = vec![T::default(); count];
            s.fill_prepared(p, offset, T::as_out(&mut v))?;
            Ok(bytemuck::cast_slice(&v).to_vec())
        }
        use crate::dist::DType;
        match prepared.dtype {
            DType::U32 => typed::<u32>(self, prepared, offset, count),
            DType::U64 => typed::<u64>(self, prepared, offset, count),
            DType::F32 => typed::<f32>(self, prepared, offset, count),
            DType::F64 => typed::<f64>(self, prepared, offset, count),
            DType::F16 => typed::<half::f16>(self, prepared, offset, count),
            DType::BF16 => typed::<half::bf16>(self, prepared, offset, count),
            DType::U8 => typed::<u8>(self, prepared, offset, count),
            DType::I32 => typed::<i32>(self, prepared, offset, count),
            DType::I64 => typed::<i64>(self, prepared, offset, count),
            DType::Bool => typed::<bool>(self, prepared, offset, count),
        }
    }
}
