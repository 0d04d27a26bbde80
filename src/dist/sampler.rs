//! [`Sampler`]: one distribution and dtype drawn element by element from any
//! rand_core RNG, reading its words as a fill reads stream elements, and
//! (feature `rand`) rand's `Distribution` trait on top.

use super::{Distribution, Element, Layout, Params, Prepared};
use super::{bernoulli, continuous, int, normal, uniform};
use crate::error::Error;
use core::marker::PhantomData;
use rand_core::Rng;

/// A distribution in the dtype of `T`, drawn one element at a time from any
/// `rand_core::Rng`: each element consumes the RNG's words exactly as
/// element `i` of a fill consumes stream elements (table in
/// [`crate::dist`]): one `next_u32` where the element reads a u32 element,
/// one `next_u64` where it reads a u64 element, two (low word first) for
/// int u64/i64.
///
/// So sampling from one of cbrng's own generators ([`crate::rng`]) from word
/// position 0 gives exactly the values [`crate::Stream::fill`] gives from
/// offset 0; from any other RNG it gives the contract's map of that RNG's
/// words. With the `rand` feature it is a `rand::distr::Distribution<T>`.
///
/// Defined for every (distribution, dtype) whose element reads whole stream
/// elements: bits as u32, u64, i32, i64; uniform and normal as f32, f64;
/// bernoulli as u8, bool; int as u8, u32, u64, i32, i64; normal as f16,
/// bf16; every continuous distribution of contract v2 (exponential,
/// log-normal, ...) as f32, f64. Bits as u8 and
/// uniform f16/bf16 pack several elements into one u32 element, which a
/// draw of whole words cannot reproduce: [`Sampler::new`] refuses them.
///
/// ```
/// use cbrng::dist::Sampler;
/// use cbrng::rng::Philox4x32Rng;
/// use cbrng::{Algorithm, Dist, Stream};
/// use rand_core::SeedableRng;
/// let normal = Sampler::<f64>::new(&Dist::Normal { mean: 1.0, std: 2.0 })?;
/// let mut rng = Philox4x32Rng::seed_from_u64(42);
/// let drawn: Vec<f64> = (0..5).map(|_| normal.sample(&mut rng)).collect();
/// let mut filled = [0f64; 5];
/// let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 42, 0)?;
/// s.fill(&Dist::Normal { mean: 1.0, std: 2.0 }, 0, &mut filled)?;
/// assert_eq!(drawn, filled);
/// # Ok::<(), cbrng::Error>(())
/// ```
#[derive(Debug, PartialEq)]
pub struct Sampler<T> {
    prepared: Prepared,
    _t: PhantomData<fn() -> T>,
}

impl<T> Clone for Sampler<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Sampler<T> {}

impl<T: Element> Sampler<T> {
    /// `dist` in the dtype of `T`: an error when the distribution does not
    /// give that dtype, its parameters are invalid (as for a fill), or its
    /// elements are packed several to a u32 element (bits u8, uniform
    /// f16/bf16).
    pub fn new(dist: &Distribution) -> Result<Self, Error> {
        let prepared = dist.prepare(T::DTYPE)?;
        if let Layout::PackedU32 { per_word } = prepared.layout {
            return Err(Error::BadParameter {
                reason: format!(
                    "{dist} as {} packs {per_word} elements into one u32 stream element, which a sampler cannot draw one at a time (fill a slice instead)",
                    T::DTYPE
                ),
            });
        }
        if let Layout::Attempts { .. } = prepared.layout {
            return Err(Error::BadParameter {
                reason: format!(
                    "{dist} is a rejection sampler: its elements read their own counter space (cbrng::dist::attempts), which an RngCore cannot give (fill a slice, or use a cbrng::Generator)"
                ),
            });
        }
        Ok(Sampler {
            prepared,
            _t: PhantomData,
        })
    }

    /// The checked distribution and dtype.
    pub fn prepared(&self) -> &Prepared {
        &self.prepared
    }
}

/// Draws one element of each kind; `Sampler::new` admitted only the pairs
/// that reach these arms.
macro_rules! sample {
    ($t:ty, |$p:ident, $rng:ident| $body:expr) => {
        impl Sampler<$t> {
            /// The next element, from the RNG's next word(s) (see [`Sampler`]).
            #[inline]
            pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> $t {
                let $p = &self.prepared;
                let $rng = rng;
                debug_assert_eq!($p.dtype, <$t as Element>::DTYPE);
                $body
            }
        }

        #[cfg(feature = "rand")]
        impl rand::distr::Distribution<$t> for Sampler<$t> {
            #[inline]
            fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> $t {
                Sampler::<$t>::sample(self, rng)
            }
        }
    };
}

const ADMITTED: &str = "Sampler::new admits only the pairs of its dtype";

sample!(u8, |p, rng| match p.params {
    Params::Threshold(t) => bernoulli::bernoulli(rng.next_u32(), t),
    Params::Int { lo, range } => int::int_u8(rng.next_u32(), lo as u64, range as u64),
    _ => unreachable!("{ADMITTED}"),
});
sample!(u32, |p, rng| match p.params {
    Params::None => rng.next_u32(),
    Params::Int { lo, range } => int::int_u32(rng.next_u64(), lo as u64, range as u64),
    _ => unreachable!("{ADMITTED}"),
});
sample!(u64, |p, rng| match p.params {
    Params::None => rng.next_u64(),
    Params::Int { lo, range } => {
        let (low, high) = (rng.next_u64(), rng.next_u64());
        int::int_u64(low, high, lo as u64, range)
    }
    _ => unreachable!("{ADMITTED}"),
});
sample!(i32, |p, rng| match p.params {
    Params::None => rng.next_u32() as i32,
    Params::Int { lo, range } => int::int_i32(rng.next_u64(), lo as i32, range as u64),
    _ => unreachable!("{ADMITTED}"),
});
sample!(i64, |p, rng| match p.params {
    Params::None => rng.next_u64() as i64,
    Params::Int { lo, range } => {
        let (low, high) = (rng.next_u64(), rng.next_u64());
        int::int_i64(low, high, lo as i64, range)
    }
    _ => unreachable!("{ADMITTED}"),
});
sample!(f32, |p, rng| match p.params {
    Params::None => uniform::uniform_f32(rng.next_u32()),
    // As the fill: parameters converted to f32, then mean + std * z in f32.
    Params::Normal { mean, std } => {
        mean as f32 + std as f32 * normal::standard_normal_f32(rng.next_u32())
    }
    Params::Real { a, b } => continuous::real_f32(&p.dist, rng.next_u32(), a as f32, b as f32),
    _ => unreachable!("{ADMITTED}"),
});
sample!(f64, |p, rng| match p.params {
    Params::None => uniform::uniform_f64(rng.next_u64()),
    Params::Normal { mean, std } => mean + std * normal::standard_normal_f64(rng.next_u64()),
    Params::Real { a, b } => continuous::real_f64(&p.dist, rng.next_u64(), a, b),
    _ => unreachable!("{ADMITTED}"),
});
// Uniform f16/bf16 is packed (refused by `new`); the normal and uniform:LO,HI
// (contract v3; LO, HI already rounded to the 16-bit type) read one u32.
sample!(half::f16, |p, rng| match p.params {
    Params::Normal { mean, std } => continuous::normal_f16(rng.next_u32(), mean as f32, std as f32),
    Params::Real { a, b } => continuous::uniform_range_f16(rng.next_u32(), a as f32, b as f32),
    _ => unreachable!("{ADMITTED}"),
});
sample!(half::bf16, |p, rng| match p.params {
    Params::Normal { mean, std } =>
        continuous::normal_bf16(rng.next_u32(), mean as f32, std as f32),
    Params::Real { a, b } => continuous::uniform_range_bf16(rng.next_u32(), a as f32, b as f32),
    _ => unreachable!("{ADMITTED}"),
});
sample!(bool, |p, rng| match p.params {
    Params::Threshold(t) => bernoulli::bernoulli(rng.next_u32(), t) == 1,
    _ => unreachable!("{ADMITTED}"),
});
