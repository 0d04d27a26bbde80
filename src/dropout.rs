//! Deterministic dropout: the mask is a pure function of (stream, offset), so
//! the backward pass regenerates it instead of storing it, and CPU and GPU
//! drop the same elements with the same bits.
//!
//! Element `i` of a tensor passed at stream offset `o` is dropped iff
//! Bernoulli(p) element `o + i` of the stream is 1 (the stream contract's
//! rule, see [`crate::dist::bernoulli`]); a kept element is scaled by
//! `1 / (1 - p)`, with the arithmetic fixed per dtype in
//! [`crate::dist::dropout`]. The offset is the index of the slice's first
//! element in the whole activation tensor, so a shard of a tensor (tensor or
//! sequence parallelism, or a tensor made in pieces) drops exactly what the
//! whole tensor would.
//!
//! [`DropoutKeys`] hands out one stream per (step, layer) from a root seed,
//! so a training loop is reproducible without bookkeeping of its own.
//!
//! ```
//! use cbrng::{Algorithm, dropout::DropoutKeys};
//! let keys = DropoutKeys::new(Algorithm::PHILOX4X32_10, 1234)?;
//! let (step, layer) = (0, 3);
//! let d = keys.dropout(step, layer, 0.1)?;
//! let x = vec![1.0f32; 1000];
//! let mut y = vec![0.0f32; 1000];
//! d.forward(0, &x, &mut y)?; // y[i] = 0 or 1/0.9
//! let dy = vec![1.0f32; 1000];
//! let mut dx = vec![0.0f32; 1000];
//! d.backward(0, &dy, &mut dx)?; // the same mask, regenerated
//! assert_eq!(y, dx);
//! # Ok::<(), cbrng::Error>(())
//! ```

use crate::cpu::{CpuOptions, dropout as engine};
use crate::derive::{DerivedKey, Label};
use crate::dist::bernoulli;
use crate::dist::dropout::{DropoutElement, DropoutScale};
use crate::error::Error;
use crate::generator::Algorithm;
use crate::stream::{Key, Stream, stream_len_u32};

/// The string label under which [`DropoutKeys`] derives its root key.
pub const DROPOUT_LABEL: &str = "cbrng.dropout";

/// Number of u32 words of a packed bitmask for `count` elements (bit `j` of
/// word `w` is element `32w + j`; 1 = kept).
pub const fn bitmask_words(count: usize) -> usize {
    count.div_ceil(32)
}

/// Dropout with probability `p` on one stream.
///
/// Every method takes `offset`, the stream index of the tensor's element 0.
/// The forward pass, the backward pass and the masks of one (stream, offset)
/// agree element for element.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dropout {
    stream: Stream,
    p: f64,
    threshold: u64,
    scale: DropoutScale,
    cpu: CpuOptions,
}

/// Optional mask outputs of [`Dropout::forward_with_mask`]: one byte per
/// element (1 = kept, 0 = dropped) and/or a packed bitmask
/// ([`bitmask_words`]`(n)` u32 words, bit `j` of word `w` is element
/// `32w + j`, 1 = kept, bits past the end 0).
#[derive(Debug, Default)]
pub struct MaskOut<'a> {
    /// One byte per element.
    pub bytes: Option<&'a mut [u8]>,
    /// Packed bits.
    pub bits: Option<&'a mut [u32]>,
}

impl Dropout {
    /// Dropout with drop probability `p` in [0, 1] on `stream`. p = 0 keeps
    /// everything unchanged, p = 1 gives all zeros; p is resolved to a
    /// multiple of 2^-32 (see [`bernoulli::threshold`]) while the scale is
    /// `1 / (1 - p)` of `p` itself, as in PyTorch.
    pub fn new(stream: Stream, p: f64) -> Result<Dropout, Error> {
        Ok(Dropout {
            stream,
            p,
            threshold: bernoulli::threshold(p)?,
            scale: DropoutScale::new(p)?,
            cpu: CpuOptions::auto(),
        })
    }

    /// The same dropout on an explicit CPU backend and thread count (the
    /// bits never depend on them).
    pub fn with_cpu_options(mut self, opts: CpuOptions) -> Dropout {
        self.cpu = opts;
        self
    }

    /// The stream the mask is drawn from.
    pub fn stream(&self) -> &Stream {
        &self.stream
    }
    /// The drop probability.
    pub fn p(&self) -> f64 {
        self.p
    }
    /// The Bernoulli threshold: element `i` is dropped iff u32 stream
    /// element `i` is below it (in [0, 2^32]).
    pub fn threshold(&self) -> u64 {
        self.threshold
    }
    /// The scale of kept elements.
    pub fn scale(&self) -> DropoutScale {
        self.scale
    }

    /// Checks that stream elements `[offset, offset + count)` exist.
    pub(crate) fn check_range(&self, offset: u64, count: usize) -> Result<(), Error> {
        let len = stream_len_u32(self.stream.algorithm().shape());
        self.stream
            .check_range(offset.into(), count as u128, len)
            .map(|_| ())
    }

    fn run<T: DropoutElement>(
        &self,
        offset: u64,
        values: engine::Values<'_, T>,
        len: usize,
        mask: MaskOut<'_>,
    ) -> Result<(), Error> {
        self.check_range(offset, len)?;
        if let Some(b) = &mask.bytes {
            check_len("byte mask", b.len(), len)?;
        }
        if let Some(b) = &mask.bits {
            check_len("bitmask (words)", b.len(), bitmask_words(len))?;
        }
        let job = engine::Job {
            values,
            bytes: mask.bytes,
            bits: mask.bits,
            len,
        };
        let (s, t, scale, opts) = (self.stream.id(), self.threshold, &self.scale, &self.cpu);
        crate::dispatch_keyed!(self.stream.algorithm(), self.stream.key(), |g| {
            engine::dropout(&g, opts, s, offset.into(), t, scale, job)
        });
        Ok(())
    }

    /// Forward pass: `y[i]` is `x[i]` dropped or scaled.
    pub fn forward<T: DropoutElement>(
        &self,
        offset: u64,
        x: &[T],
        y: &mut [T],
    ) -> Result<(), Error> {
        self.forward_with_mask(offset, x, y, MaskOut::default())
    }

    /// Forward pass in place.
    pub fn forward_in_place<T: DropoutElement>(
        &self,
        offset: u64,
        x: &mut [T],
    ) -> Result<(), Error> {
        let len = x.len();
        self.run(offset, engine::Values::InPlace(x), len, MaskOut::default())
    }

    /// Forward pass that also writes the mask (for frameworks that keep
    /// one), in the same pass over the stream.
    pub fn forward_with_mask<T: DropoutElement>(
        &self,
        offset: u64,
        x: &[T],
        y: &mut [T],
        mask: MaskOut<'_>,
    ) -> Result<(), Error> {
        check_len("output", y.len(), x.len())?;
        self.run(offset, engine::Values::OutOfPlace(x, y), x.len(), mask)
    }

    /// Backward pass: `dx[i]` is `dy[i]` dropped or scaled by the mask of
    /// the forward pass at the same offset, regenerated (this is the
    /// forward function applied to the gradient).
    pub fn backward<T: DropoutElement>(
        &self,
        offset: u64,
        dy: &[T],
        dx: &mut [T],
    ) -> Result<(), Error> {
        self.forward(offset, dy, dx)
    }

    /// Backward pass in place.
    pub fn backward_in_place<T: DropoutElement>(
        &self,
        offset: u64,
        g: &mut [T],
    ) -> Result<(), Error> {
        self.forward_in_place(offset, g)
    }

    /// The mask as bytes, 1 = kept (the complement of the Bernoulli(p) fill).
    pub fn mask_bytes(&self, offset: u64, out: &mut [u8]) -> Result<(), Error> {
        let len = out.len();
        let mask = MaskOut {
            bytes: Some(out),
            bits: None,
        };
        self.run::<f32>(offset, engine::Values::None, len, mask)
    }

    /// The mask of `count` elements as a packed bitmask of
    /// [`bitmask_words`]`(count)` words.
    pub fn mask_bits(&self, offset: u64, count: usize, out: &mut [u32]) -> Result<(), Error> {
        let mask = MaskOut {
            bytes: None,
            bits: Some(out),
        };
        self.run::<f32>(offset, engine::Values::None, count, mask)
    }
}

pub(crate) fn check_len(what: &str, got: usize, want: usize) -> Result<(), Error> {
    if got == want {
        Ok(())
    } else {
        Err(Error::LengthMismatch {
            what: what.to_string(),
            got,
            want,
        })
    }
}

/// Streams for dropout in a training loop, derived from one root seed: layer
/// `layer` at step `step` gets its own key, `DerivedKey(root, [step, layer])`
/// of the key `DerivedKey(seed key, ["cbrng.dropout"])`, and the stream id is
/// the replica (data-parallel rank: replicas see different data, so they
/// drop differently; pass 0 when there is one). A rerun with the same seed
/// drops the same elements in every layer and step, on CPU or GPU, with any
/// number of threads, whatever else the program draws.
///
/// Record the algorithm and the seed (and [`crate::stream::CONTRACT_VERSION`])
/// to reproduce a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DropoutKeys {
    algo: Algorithm,
    root: DerivedKey,
}

impl DropoutKeys {
    /// The keys of a run seeded with `seed` (through [`Key::from_seed`]).
    pub fn new(algo: Algorithm, seed: u64) -> Result<DropoutKeys, Error> {
        Ok(DropoutKeys::from_key(algo, &Key::from_seed(algo, seed)?))
    }

    /// The keys of a run whose root key is `key`.
    pub fn from_key(algo: Algorithm, key: &Key) -> DropoutKeys {
        DropoutKeys {
            algo,
            root: DerivedKey::new(key, &[Label::Str(DROPOUT_LABEL)]),
        }
    }

    /// The generator.
    pub fn algorithm(&self) -> Algorithm {
        self.algo
    }

    /// The stream of (`step`, `layer`) for `replica` (its id; below 2^32 for
    /// the 2x32 generators).
    pub fn stream(&self, step: u64, layer: u64, replica: u64) -> Result<Stream, Error> {
        let key = self
            .root
            .child(&[Label::Int(step), Label::Int(layer)])
            .key_for(self.algo);
        Stream::new(self.algo, key, replica)
    }

    /// Dropout with probability `p` for (`step`, `layer`), replica 0.
    pub fn dropout(&self, step: u64, layer: u64, p: f64) -> Result<Dropout, Error> {
        Dropout::new(self.stream(step, layer, 0)?, p)
    }
}
