//! [`Generator`]: a stream with a position that advances across calls.

use crate::dist::{Distribution, Element, Layout};
use crate::error::Error;
use crate::generator::Algorithm;
use crate::stream::{Stream, stream_len_u32};

/// A stream (seed or key, stream id) and a position in it that advances
/// across calls, like NumPy's `Generator` or `torch.Generator`: for users
/// who do not want to track offsets.
///
/// The position counts u32 elements of the stream (the same unit as the
/// rand_core adapters' word position, [`crate::rng::CounterRng::position`]).
/// A call fills from the first whole output element at or after the
/// position and moves the position past the stream elements it read: for a
/// dtype whose element reads one u32 element (f32, u32, i32 bits, normal
/// f32, bernoulli u8 and bool) element `k` of the call is element `pos + k`
/// of the stream; for one that reads u64 elements (f64, u64, i64 bits, int
/// u32, u64, i32, i64) the position
/// first rounds up to a whole output element; elements packed into a u32
/// (u8 bits, f16, bf16) start at the next whole u32 element and a call that
/// ends inside one moves past it. So calls of one dtype give exactly the
/// elements [`Stream::fill`] gives at consecutive offsets:
///
/// ```
/// use cbrng::{Algorithm, Dist, Generator, Stream};
/// let mut g = Generator::new(Algorithm::PHILOX4X32_10, 42, 0)?;
/// let a: Vec<f32> = g.random(&Dist::Uniform, 3)?;
/// let mut b = [0f32; 5];
/// g.fill(&Dist::Uniform, &mut b)?;
/// let mut whole = [0f32; 8];
/// Stream::from_seed(Algorithm::PHILOX4X32_10, 42, 0)?.fill(&Dist::Uniform, 0, &mut whole)?;
/// assert_eq!(a, whole[..3]);
/// assert_eq!(b, whole[3..]);
/// assert_eq!(g.word_pos(), 8);
/// # Ok::<(), cbrng::Error>(())
/// ```
///
/// Different dtypes of one stream are not independent (a u64 element is
/// two u32 elements): mixing them in one generator is well defined, but use
/// separate streams for tensors that must be independent.
#[derive(Clone, Debug, PartialEq)]
pub struct Generator {
    stream: Stream,
    pos: u128,
}

impl Generator {
    /// Stream `stream_id` of the contract's key for `seed`, at position 0.
    pub fn new(algo: Algorithm, seed: u64, stream_id: u64) -> Result<Generator, Error> {
        Ok(Generator::from_stream(Stream::from_seed(
            algo, seed, stream_id,
        )?))
    }

    /// `stream` at position 0.
    pub fn from_stream(stream: Stream) -> Generator {
        Generator { stream, pos: 0 }
    }

    /// The stream.
    pub fn stream(&self) -> &Stream {
        &self.stream
    }

    /// The position, in u32 elements of the stream.
    pub fn word_pos(&self) -> u128 {
        self.pos
    }

    /// Moves to u32 element `pos` (at most the stream's length: there the
    /// next call with any element is [`Error::PastEndOfStream`]).
    pub fn set_word_pos(&mut self, pos: u128) -> Result<(), Error> {
        let len = stream_len_u32(self.stream.algorithm().shape());
        if pos > len {
            return Err(Error::PastEndOfStream {
                offset: pos,
                count: 0,
                algo: self.stream.algorithm().to_string(),
                len,
            });
        }
        self.pos = pos;
        Ok(())
    }

    /// Fills `out` with the next `out.len()` elements of `dist` in the dtype
    /// of `T` and advances. On an error the position does not move.
    pub fn fill<T: Element>(&mut self, dist: &Distribution, out: &mut [T]) -> Result<(), Error> {
        let prepared = dist.prepare(T::DTYPE)?;
        let n = out.len() as u128;
        // (first output element, u32 elements per output element or, packed,
        // output elements per u32 element)
        let (start, next_pos) = match prepared.layout {
            Layout::U32 => (self.pos, self.pos.checked_add(n)),
            Layout::PackedU32 { per_word } => {
                let per = u128::from(per_word);
                let start = self.pos * per;
                (start, start.checked_add(n).map(|e| e.div_ceil(per)))
            }
            // A rejection sampler's position counts u32 elements of its
            // attempt-0 stream: `words` per element, as U64 counts them.
            Layout::Attempts { words } => {
                let words = u128::from(words);
                let start = self.pos.div_ceil(words);
                (
                    start,
                    start.checked_add(n).and_then(|e| e.checked_mul(words)),
                )
            }
            Layout::U64 { per_element } => {
                let words = 2 * u128::from(per_element);
                let start = self.pos.div_ceil(words);
                (
                    start,
                    start.checked_add(n).and_then(|e| e.checked_mul(words)),
                )
            }
        };
        self.stream
            .fill_prepared(&prepared, start, T::as_out(out))?;
        // The fill checked the range, so the end is inside the stream.
        self.pos = next_pos.ok_or(Error::PastEndOfStream {
            offset: start,
            count: n,
            algo: self.stream.algorithm().to_string(),
            len: self.stream.len_of(&prepared),
        })?;
        Ok(())
    }

    /// The next `n` elements of `dist` in the dtype of `T`, as a vector.
    pub fn random<T: Element>(&mut self, dist: &Distribution, n: usize) -> Result<Vec<T>, Error> {
        let mut v = vec![T::default(); n];
        self.fill(dist, &mut v)?;
        Ok(v)
    }
}
