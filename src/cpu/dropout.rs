//! Dropout on the CPU: the stream's u32 elements a chunk at a time (through
//! the SIMD backend), mapped through the element definitions of
//! [`crate::dist::dropout`], with the tensor and its masks cut into the same
//! parts for threads. Twin of `kernels/dropout.cu`.

use super::views::fill_u32_view;
use crate::cpu::{CpuBackend, CpuOptions, threads};
use crate::dist::dropout::{DropoutElement, DropoutScale};
use crate::generator::KeyedBlocks;

/// Stream elements per chunk; a multiple of 32, so a chunk fills whole
/// bitmask words.
const CHUNK: usize = 256;

/// The values a dropout call reads and writes.
pub(crate) enum Values<'a, T> {
    /// Masks only.
    None,
    /// `y` is read and overwritten.
    InPlace(&'a mut [T]),
    /// `x` is read, `y` written.
    OutOfPlace(&'a [T], &'a mut [T]),
}

/// What one dropout call reads and writes, indexed alike: element `i` of each
/// slice is tensor element `i`; bitmask word `w` holds elements `32w..32w+32`.
pub(crate) struct Job<'a, T> {
    pub values: Values<'a, T>,
    pub bytes: Option<&'a mut [u8]>,
    pub bits: Option<&'a mut [u32]>,
    /// Number of tensor elements.
    pub len: usize,
}

impl<T: Send + Sync> threads::Parts for Job<'_, T> {
    fn len(&self) -> usize {
        self.len
    }
    fn element_bytes(&self) -> usize {
        std::mem::size_of::<T>() + 1
    }
    fn split_at(self, mid: usize) -> (Self, Self) {
        let values = match self.values {
            Values::None => (Values::None, Values::None),
            Values::InPlace(y) => {
                let (a, b) = y.split_at_mut(mid);
                (Values::InPlace(a), Values::InPlace(b))
            }
            Values::OutOfPlace(x, y) => {
                let (xa, xb) = x.split_at(mid);
                let (ya, yb) = y.split_at_mut(mid);
                (Values::OutOfPlace(xa, ya), Values::OutOfPlace(xb, yb))
            }
        };
        let bytes = match self.bytes {
            Some(m) => {
                let (a, b) = m.split_at_mut(mid);
                (Some(a), Some(b))
            }
            None => (None, None),
        };
        // `mid` is a multiple of 64 (threads::GRAIN), so of 32: whole words.
        let bits = match self.bits {
            Some(m) => {
                let (a, b) = m.split_at_mut(mid / 32);
                (Some(a), Some(b))
            }
            None => (None, None),
        };
        (
            Job {
                values: values.0,
                bytes: bytes.0,
                bits: bits.0,
                len: mid,
            },
            Job {
                values: values.1,
                bytes: bytes.1,
                bits: bits.1,
                len: self.len - mid,
            },
        )
    }
}

/// Runs `job` for stream elements `[first, first + job.len)` of stream `s`
/// with Bernoulli threshold `t`, on `opts`'s backend and threads. The range
/// and the slices' lengths are already checked.
pub(crate) fn dropout<G: KeyedBlocks, T: DropoutElement>(
    g: &G,
    opts: &CpuOptions,
    s: u64,
    first: u128,
    t: u64,
    scale: &DropoutScale,
    job: Job<'_, T>,
) {
    let be = opts.backend();
    threads::for_parts(job, opts.threads(), |at, part| {
        dropout_part(g, be, s, first + at as u128, t, scale, part)
    })
}

/// Whether every element is kept (`Some(true)`, p = 0) or dropped
/// (`Some(false)`, p = 1): then no stream element is needed.
fn constant_mask(t: u64) -> Option<bool> {
    match t {
        0 => Some(true),
        t if t >= 1 << 32 => Some(false),
        _ => None,
    }
}

fn dropout_part<G: KeyedBlocks, T: DropoutElement>(
    g: &G,
    be: CpuBackend,
    s: u64,
    first: u128,
    t: u64,
    scale: &DropoutScale,
    mut job: Job<'_, T>,
) {
    let mut kept = [false; CHUNK];
    let mut raw = [0u32; CHUNK];
    let constant = constant_mask(t);
    if let Some(k) = constant {
        kept = [k; CHUNK];
    }
    // Below 2^32 here, so the comparison is a u32 one (it vectorises).
    let t32 = t.min(u64::from(u32::MAX)) as u32;
    let mut at = 0;
    while at < job.len {
        let n = CHUNK.min(job.len - at);
        let kept = &mut kept[..n];
        if constant.is_none() {
            let raw = &mut raw[..n];
            fill_u32_view(g, be, s, first + at as u128, raw);
            for (k, &x) in kept.iter_mut().zip(raw.iter()) {
                *k = x >= t32;
            }
        }
        match &mut job.values {
            Values::None => {}
            Values::InPlace(y) => {
                for (v, &k) in y[at..at + n].iter_mut().zip(kept.iter()) {
                    *v = v.dropout(k, scale);
                }
            }
            Values::OutOfPlace(x, y) => {
                for ((v, &u), &k) in y[at..at + n]
                    .iter_mut()
                    .zip(&x[at..at + n])
                    .zip(kept.iter())
                {
                    *v = u.dropout(k, scale);
                }
            }
        }
        if let Some(m) = &mut job.bytes {
            for (b, &k) in m[at..at + n].iter_mut().zip(kept.iter()) {
                *b = u8::from(k);
            }
        }
        if let Some(words) = &mut job.bits {
            // `at` is a multiple of CHUNK, so of 32; the last word of the
            // tensor has zeros past its end.
            for (w, ks) in words[at / 32..].iter_mut().zip(kept.chunks(32)) {
                *w = ks
                    .iter()
                    .enumerate()
                    .fold(0u32, |acc, (j, &k)| acc | (u32::from(k) << j));
            }
        }
        at += n;
    }
}
