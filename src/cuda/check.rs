//! Cross-checking a buffer against the CPU stream: for users who fill
//! buffers in their own kernels (with `kernels/cbrng.cuh`) and want proof
//! that they drew cbrng's numbers. [`compare_bytes`] works on host bytes;
//! [`super::Gpu::cross_check`] copies a device buffer and calls it.

use crate::dist::Prepared;
use crate::error::Error;
use crate::stream::Stream;

/// The outcome of a cross-check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CrossCheck {
    /// Every element equals the CPU's.
    Equal {
        /// Number of elements compared.
        elements: u64,
    },
    /// The first element that differs.
    Differs {
        /// Its index in the buffer.
        index: u64,
        /// Its index in the stream (`offset + index`).
        stream_index: u128,
        /// The buffer's bits, as hex (`cbrng fill --format hex` style).
        found: String,
        /// The CPU's bits.
        expected: String,
    },
}

impl CrossCheck {
    /// True for [`CrossCheck::Equal`].
    pub fn is_equal(&self) -> bool {
        matches!(self, CrossCheck::Equal { .. })
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().rev().map(|x| format!("{x:02x}")).collect()
}

/// Elements compared per step, so any length runs in bounded memory.
const STEP: usize = 1 << 22;

/// Compares `bytes` (native-order elements of `prepared.dtype`, e.g. copied
/// from a device buffer) with elements `[offset, ...)` of `stream`.
///
/// ```
/// use cbrng::{Algorithm, Stream, dist::{DType, Distribution}};
/// use cbrng::cuda::check::{compare_bytes, CrossCheck};
/// let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 42, 0)?;
/// let p = Distribution::Uniform.prepare(DType::F32)?;
/// let mut b = s.fill_bytes(&p, 10, 100)?;
/// assert_eq!(compare_bytes(&s, &p, 10, &b)?, CrossCheck::Equal { elements: 100 });
/// b[4 * 7] ^= 1;
/// assert!(matches!(compare_bytes(&s, &p, 10, &b)?, CrossCheck::Differs { index: 7, .. }));
/// # Ok::<(), cbrng::Error>(())
/// ```
pub fn compare_bytes(
    stream: &Stream,
    prepared: &Prepared,
    offset: u64,
    bytes: &[u8],
) -> Result<CrossCheck, Error> {
    let size = prepared.dtype.size();
    if !bytes.len().is_multiple_of(size) {
        return Err(Error::BadParameter {
            reason: format!(
                "{} bytes are not a whole number of {} elements",
                bytes.len(),
                prepared.dtype
            ),
        });
    }
    let n = bytes.len() / size;
    let mut done = 0usize;
    while done < n {
        let k = (n - done).min(STEP);
        let want = stream.fill_bytes(prepared, u128::from(offset) + done as u128, k)?;
        let got = &bytes[done * size..(done + k) * size];
        if got != want.as_slice() {
            let i = got
                .chunks(size)
                .zip(want.chunks(size))
                .position(|(a, b)| a != b)
                .expect("the slices differ");
            let index = (done + i) as u64;
            return Ok(CrossCheck::Differs {
                index,
                stream_index: u128::from(offset) + u128::from(index),
                found: hex(&got[i * size..(i + 1) * size]),
                expected: hex(&want[i * size..(i + 1) * size]),
            });
        }
        done += k;
    }
    Ok(CrossCheck::Equal { elements: n as u64 })
}
