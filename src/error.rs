//! The crate's one error type. Every fallible call returns it; nothing panics
//! on bad input.

use thiserror::Error as ThisError;

/// What went wrong, with enough detail to fix the call.
#[derive(Debug, Clone, PartialEq, ThisError)]
#[non_exhaustive]
pub enum Error {
    /// The generator name is not one of the eight known ones.
    #[error(
        "unknown algorithm '{name}' (expected philox|threefry + 2x32|4x32|2x64|4x64, optionally -ROUNDS, e.g. philox4x32-10)"
    )]
    UnknownAlgorithm {
        /// What was asked for.
        name: String,
    },
    /// A round count outside `1..=MAX_ROUNDS`.
    #[error("round count {rounds} is out of range (1..=255)")]
    BadRounds {
        /// What was asked for.
        rounds: u32,
    },
    /// The seed does not fit the generator's key.
    #[error("seed {seed} is too wide for {algo}: its key holds {bits} bits")]
    SeedTooWide {
        /// The seed.
        seed: u64,
        /// The generator name.
        algo: String,
        /// Key width in bits.
        bits: u32,
    },
    /// A key given word by word does not fit the generator.
    #[error("bad key: {reason}")]
    BadKey {
        /// Why.
        reason: String,
    },
    /// The stream id is beyond the generator's limit.
    #[error("stream id {stream} is out of range for {algo} (must be < 2^{limit_bits})")]
    StreamOutOfRange {
        /// The stream id.
        stream: u64,
        /// The generator name.
        algo: String,
        /// log2 of the number of streams.
        limit_bits: u32,
    },
    /// The requested elements run past the end of the stream (or the index overflows).
    #[error(
        "elements [{offset}, {offset}+{count}) run past the end of the {algo} stream, which holds {len} elements of this dtype and distribution"
    )]
    PastEndOfStream {
        /// First element asked for.
        offset: u128,
        /// Number of elements asked for.
        count: u128,
        /// The generator name.
        algo: String,
        /// Elements in the stream for this dtype and distribution.
        len: u128,
    },
    /// Unknown dtype name.
    #[error("unknown dtype '{name}' (expected u32|u64|f32|f64|f16|bf16|u8|i32|i64|bool)")]
    UnknownDType {
        /// What was asked for.
        name: String,
    },
    /// Unknown or malformed distribution.
    #[error("bad distribution '{spec}': {reason}")]
    BadDistribution {
        /// What was asked for.
        spec: String,
        /// Why it is rejected.
        reason: String,
    },
    /// The distribution cannot produce this dtype.
    #[error("distribution {dist} cannot produce dtype {dtype} (it gives: {allowed})")]
    DTypeMismatch {
        /// Distribution name.
        dist: String,
        /// Requested dtype.
        dtype: String,
        /// The dtypes it can give.
        allowed: String,
    },
    /// A parameter out of its domain (p outside \[0, 1\], empty int range, std < 0, ...).
    #[error("bad parameter: {reason}")]
    BadParameter {
        /// Why.
        reason: String,
    },
    /// Two buffers that must have matching lengths do not.
    #[error("{what} holds {got} elements, expected {want}")]
    LengthMismatch {
        /// Which buffer.
        what: String,
        /// Its length.
        got: usize,
        /// The length it must have.
        want: usize,
    },
    /// A known-answer file could not be parsed.
    #[error("{path}:{line}: {reason}")]
    KatParse {
        /// File.
        path: String,
        /// Line number (1-based).
        line: usize,
        /// Why.
        reason: String,
    },
    /// An I/O failure, with the path involved.
    #[error("{path}: {reason}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        reason: String,
    },
    /// A serialised reduction state could not be read.
    #[error("bad reduction state: {reason}")]
    BadState {
        /// Why it is rejected.
        reason: String,
    },
    /// A result would pass a documented limit (for example an exact-sum
    /// state's term count); nothing was changed.
    #[error("overflow: {what}")]
    Overflow {
        /// What would overflow, and its limit.
        what: String,
    },
    /// A compat-layer request (`cbrng::compat`) the named system would not
    /// accept, or one outside what cbrng reproduces of it.
    #[error("{system}: {reason}")]
    Compat {
        /// The system: numpy, jax, curand or torch.
        system: String,
        /// Why it is rejected.
        reason: String,
    },
    /// The GPU side is unavailable or failed.
    #[error("GPU: {reason}")]
    Gpu {
        /// Why.
        reason: String,
    },
}

#[cfg(feature = "cuda")]
impl From<cudarc::driver::DriverError> for Error {
    /// A CUDA driver error as [`Error::Gpu`], so `?` works on cudarc's calls
    /// (`gpu.stream().alloc_zeros::<f32>(n)?`).
    fn from(e: cudarc::driver::DriverError) -> Error {
        Error::Gpu {
            reason: format!("CUDA driver: {e:?}"),
        }
    }
}
