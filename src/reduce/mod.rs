//! Exact, deterministic reductions: sums, means, sums of squares, L2 norms,
//! dot products and row sums of `f32`, `f64`, `half::f16` and `half::bf16`
//! data, each the **correctly rounded value of the exact mathematical
//! result** (round to nearest, ties to even, rounded once).
//!
//! Because nothing is rounded before the end, the result does not depend on
//! the order of the terms: any number of threads, any split into shards
//! merged in any order, and the GPU kernels (`kernels/reduce.cu`) all give
//! the same bits.
//!
//! # How
//!
//! An [`Accumulator`] is a signed fixed-point number of 136 digits of 32 bits
//! (weights 2^-2176 … 2^2175), each digit held in an `i64` so that carries
//! are propagated only every 2^30 additions. Every f64 (2^-1074 … 2^1024) and
//! every exact product of two f64 (2^-2148 … 2^2048) is a whole number of
//! units of 2^-2176, so adding a term is an exact integer addition of at most
//! three (six for a product) digits, and merging two states is digit-wise
//! addition. Long slices first go through exponent bins (one `i64` per
//! exponent value, four interleaved copies), folded into the accumulator once
//! per 2^32 terms; see `bins.rs`.
//!
//! Sums of f32 and f64 slices on the SIMD CPU backends ([`CpuBackend`]:
//! AVX-512, AVX2, NEON; not [`CpuBackend::Scalar`], whose bins are the
//! definition they are tested against) go faster: chunks of 1024 terms whose
//! magnitudes are close enough are summed **exactly in f64** with vector
//! additions (f32: when the exponents span fewer than 20 binades every
//! partial sum is an f64; f64: two error-free extraction levels), and only
//! each chunk's exact total enters the accumulator; other chunks go through
//! the bins. The state is the same bit for bit; see `fast.rs`.
//! [`Accumulator::add_slice_with`] picks the backend.
//!
//! [`CpuBackend`]: crate::CpuBackend
//! [`CpuBackend::Scalar`]: crate::CpuBackend::Scalar
//! # What is exact
//!
//! * sums and means of every format; a mean is the exact sum divided by the
//!   count, rounded once;
//! * sums of squares and dot products of every format, f64 included: each
//!   product is formed exactly (f32, f16, bf16 products are exact in f64;
//!   f64 products as 106-bit integers) and added exactly;
//! * the L2 norm is the correctly rounded square root of the exact sum of
//!   squares (no overflow or underflow in between).
//!
//! # Special values
//!
//! A NaN term gives NaN (the canonical quiet NaN of the output type); +inf
//! and -inf together give NaN; otherwise an infinite term gives that
//! infinity; an exact result beyond the output type's range gives ±inf;
//! subnormals are exact; an exact zero is -0.0 only when every term was
//! -0.0; an empty sum is +0.0 and an empty mean NaN.
//!
//! ```
//! use cbrng::reduce;
//! let xs = [1e30f32, 1.0, -1e30];
//! assert_eq!(reduce::sum(&xs), 1.0);               // plain summation gives 0
//! assert_eq!(reduce::sum_f64(&[0.1f32, 0.2]), 0.1f32 as f64 + 0.2f32 as f64);
//! assert_eq!(reduce::norm2(&[3.0f32, 4.0]), 5.0);
//! ```

mod accumulator;
mod bins;
mod fast;
mod float;
mod limbs;
#[cfg(feature = "mpi")]
pub mod mpi;
mod state;

pub use accumulator::{Accumulator, DIGITS, MAX_TERMS, OFFSET};
pub use float::Float;
pub use limbs::{LIMBS, LIMBS_TAG, MAX_LIMB_STATES};
pub use state::{DEVICE_STATE_WORDS, STATE_MAGIC, STATE_VERSION};

use crate::Error;

/// The correctly rounded exact sum of `xs`, in `T`. Long slices use several
/// threads (the result does not depend on how many).
///
/// ```
/// assert_eq!(cbrng::reduce::sum(&[0.1f64, 0.2, -0.3]), 2.0f64.powi(-55));
/// ```
pub fn sum<T: Float>(xs: &[T]) -> T {
    of_slice(xs).finish()
}

/// The exact sum of `xs` rounded once to f64.
///
/// ```
/// let xs = [half::f16::MAX, half::f16::MAX];
/// assert_eq!(cbrng::reduce::sum_f64(&xs), 131008.0);
/// assert!(cbrng::reduce::sum(&xs).is_infinite()); // overflows f16
/// ```
pub fn sum_f64<T: Float>(xs: &[T]) -> f64 {
    of_slice(xs).finish()
}

/// The exact mean of `xs` (exact sum / length) rounded once to `T`; NaN when empty.
///
/// ```
/// assert_eq!(cbrng::reduce::mean(&[1.0f32, 2.0]), 1.5);
/// ```
pub fn mean<T: Float>(xs: &[T]) -> T {
    of_slice(xs).finish_mean()
}

/// The exact sum of squares of `xs`, rounded once to `T`.
///
/// ```
/// assert_eq!(cbrng::reduce::sum_squares(&[1e-30f32, 1.0]), 1.0);
/// ```
pub fn sum_squares<T: Float>(xs: &[T]) -> T {
    let mut a = Accumulator::new();
    a.add_squares_threads(xs, 0);
    a.finish()
}

/// The L2 norm of `xs`: the square root of the exact sum of squares, rounded
/// once to `T`. No overflow or underflow in between.
///
/// ```
/// assert_eq!(cbrng::reduce::norm2(&[3e30f32, 4e30]), 5e30);
/// let big = 2f64.powi(900); // the squares are far beyond f64's range
/// assert_eq!(cbrng::reduce::norm2(&[3.0 * big, 4.0 * big]), 5.0 * big);
/// ```
pub fn norm2<T: Float>(xs: &[T]) -> T {
    let mut a = Accumulator::new();
    a.add_squares_threads(xs, 0);
    a.finish_sqrt()
}

/// The dot product of `a` and `b`: the exact sum of the exact products,
/// rounded once to `T`. Different lengths are an error.
///
/// ```
/// let d = cbrng::reduce::dot(&[1.0f32, 2.0], &[3.0, 4.0]).unwrap();
/// assert_eq!(d, 11.0);
/// ```
pub fn dot<T: Float>(a: &[T], b: &[T]) -> Result<T, Error> {
    let mut acc = Accumulator::new();
    acc.add_products_threads(a, b, 0)?;
    Ok(acc.finish())
}

/// Row sums of a row-major matrix with `cols` columns: one correctly rounded
/// exact sum per row. `m.len()` must be a multiple of `cols`.
///
/// ```
/// let m = [1.0f32, 2.0, 3.0, 1e30, 1.0, -1e30];
/// assert_eq!(cbrng::reduce::sum_rows(&m, 3).unwrap(), vec![6.0, 1.0]);
/// assert!(cbrng::reduce::sum_rows(&m, 4).is_err());
/// ```
pub fn sum_rows<T: Float>(m: &[T], cols: usize) -> Result<Vec<T>, Error> {
    sum_rows_as::<T, T>(m, cols)
}

/// Row sums rounded to another format `U` (e.g. f64 sums of f32 rows).
///
/// ```
/// let m = [0.1f32, 0.2];
/// let s: Vec<f64> = cbrng::reduce::sum_rows_as(&m, 2).unwrap();
/// assert_eq!(s, vec![0.1f32 as f64 + 0.2f32 as f64]);
/// ```
pub fn sum_rows_as<T: Float, U: Float>(m: &[T], cols: usize) -> Result<Vec<U>, Error> {
    if cols == 0 || !m.len().is_multiple_of(cols) {
        if m.is_empty() {
            return Ok(Vec::new());
        }
        return Err(Error::BadParameter {
            reason: format!(
                "a row-major matrix of {} elements cannot have {cols} columns",
                m.len()
            ),
        });
    }
    let rows = m.len() / cols;
    if rows == 0 {
        return Ok(Vec::new());
    }
    let mut out = vec![U::from_bits_u64(0); rows];
    let threads = bins::auto_threads(m.len()).min(rows).max(1);
    let per = rows.div_ceil(threads);
    std::thread::scope(|s| {
        for (t, chunk) in out.chunks_mut(per).enumerate() {
            let first = t * per;
            s.spawn(move || {
                for (i, o) in chunk.iter_mut().enumerate() {
                    let r = first + i;
                    let mut a = Accumulator::new();
                    a.add_slice(&m[r * cols..(r + 1) * cols]);
                    *o = a.finish();
                }
            });
        }
    });
    Ok(out)
}

/// The exact state of a whole slice, on as many threads as useful.
fn of_slice<T: Float>(xs: &[T]) -> Accumulator {
    let mut a = Accumulator::new();
    a.add_slice_threads(xs, 0);
    a
}
