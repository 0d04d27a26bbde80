//! Exact distributions. Each element is a pure function of a fixed set of
//! stream elements, so any slice can be made on its own and CPU and GPU agree
//! bit for bit. The per-element functions live in the submodules (the
//! definition; their CUDA twins are in `kernels/cbrng/dist.cuh`); this module
//! names the distributions and dtypes and says which stream elements each
//! output element consumes.
//!
//! | distribution | dtype | element i consumes |
//! |---|---|---|
//! | bits | u32 | u32 element i |
//! | bits | u64 | u64 element i |
//! | bits | u8  | byte i mod 4 (little-endian) of u32 element i/4 |
//! | uniform | f32 | u32 element i: `(x >> 8) * 2^-24` |
//! | uniform | f64 | u64 element i: `(x >> 11) * 2^-53` |
//! | uniform | f16, bf16 | half (low for even i) of u32 element i/2 |
//! | normal | f32 | u32 element i ([`normal`]) |
//! | normal | f64 | u64 element i ([`normal`]) |
//! | bernoulli(p) | u8 | u32 element i: `x < round_half_even(p * 2^32)` |
//! | dropout(p) of a tensor | f32, f64, f16, bf16 | u32 element i: dropped iff its Bernoulli(p) is 1 ([`dropout`]) |
//! | int \[lo,hi) | u8 | u32 element i ([`int`]) |
//! | int \[lo,hi) | u32 | u64 element i |
//! | int \[lo,hi) | u64 | u64 elements 2i and 2i+1 |
//!
//! Contract version 2 adds (every version 1 element is unchanged):
//!
//! | distribution | dtype | element i consumes |
//! |---|---|---|
//! | bits | i32 | u32 element i, its bits as two's complement (`x as i32`) |
//! | bits | i64 | u64 element i, its bits as two's complement (`x as i64`) |
//! | bernoulli(p) | bool | as u8: `true` iff the u8 element is 1 |
//! | int \[lo,hi) | i32 | u64 element i: `lo + t`, t the u32 element of int \[0, hi-lo) ([`int`]) |
//! | int \[lo,hi) | i64 | u64 elements 2i and 2i+1: `lo + t`, t the u64 element of int \[0, hi-lo) |
//! | normal | f16, bf16 | u32 element i: `mean + std * z` in f32 (as for f32), rounded once to nearest even ([`continuous::normal_f16`]) |
//! | uniform:LO,HI | f32 | u32 element i: `lo + (hi - lo) * u`, `u` the f32 uniform; where that rounds to `hi`, the float below `hi`: values in `[lo, hi)`, `lo` included ([`continuous::uniform_range_f32`]) |
//! | uniform:LO,HI | f64 | u64 element i: the same with the f64 uniform |
//! | exponential:LAMBDA | f32 / f64 | u32 / u64 element i: `E / lambda` ([`continuous`]) |
//! | log-normal:MU,SIGMA | f32 / f64 | u32 / u64 element i: `exp(mu + sigma * z)`, `z` the normal of the same element |
//! | gumbel:MU,BETA | f32 / f64 | u32 / u64 element i: `mu + beta * (-ln E)` |
//! | cauchy:X0,GAMMA | f32 / f64 | u32 / u64 element i: `x0 + gamma * cot(pi q)`, signed |
//! | logistic:MU,S | f32 / f64 | u32 / u64 element i: `mu + s * log1p(2d / q)`, signed |
//! | laplace:MU,B | f32 / f64 | u32 / u64 element i: `mu + b * ln(2q)`, signed |
//!
//! The signed and bool rows add no new stream use: an i32/i64 element reads
//! exactly the stream elements of the u32/u64 element of the same
//! distribution, with the range `hi - lo` for int, and is the same bits
//! (two's complement) when `lo` is 0 or, for bits, always; a bool is the u8
//! Bernoulli element's byte (0 or 1, Rust's `bool` layout and NumPy's `|b1`).
//! For int, `lo + t` is exact: t < hi - lo, so the sum is in \[lo, hi), which
//! [`Distribution::prepare`] checked lies in the dtype; it is never wrapped.
//!
//! The v2 continuous maps split the element as the normal does (top bit: the half of
//! (0, 1); the rest: the tail probability `q`), use only the crate's own
//! elementary functions ([`exact_math`]: IEEE `+ - * /`, `sqrt`, no FMA, no
//! libm) and never give inf or NaN: parameters that could overflow are
//! refused by [`Distribution::prepare`]. See [`continuous`] for the exact
//! formulas and their measured accuracy.
//!
//! Contract version 3 adds the rejection samplers (every version 1 and 2
//! element is unchanged). Their elements read their own **attempt space**
//! ([`attempts`]): attempt `a` of element `i` reads u32 elements
//! `[i w, (i + 1) w)` of stream `a` of the attempt key
//! `DerivedKey::new(key, ["cbrng.attempts", NAME, stream id])`, NAME the
//! distribution's [`Distribution::name`]; at most [`attempts::MAX_ATTEMPTS`]
//! attempts, then a documented fallback value. The stream itself is not read.
//!
//! | distribution | dtype | w | words of an attempt | fixed extra words | acceptance, fallback |
//! |---|---|---|---|---|---|
//! | gamma:K,THETA | f32 | 2 | u32 0: normal `x`, u32 1: uniform `u` (Marsaglia-Tsang, [`gamma`]) | K < 1: u32 0 of stream 64 (the boost uniform) | >= 0.951 per attempt; `d = K' - 1/3` |
//! | gamma:K,THETA | f64 | 4 | u64 0: `x`, u64 1: `u` | K < 1: u64 0 of stream 64 | as f32 |
//! | chi-squared:K | f32 / f64 | 2 / 4 | as gamma, shape K/2, value `2 G` | K < 2: as gamma | as gamma |
//! | student-t:NU | f32 / f64 | 2 / 4 | as gamma, shape NU/2 | unit 1 of stream 64: `Z`; NU < 2: unit 0, the boost uniform | as gamma |
//! | beta:A,B | f32 / f64 | 4 / 8 | units 0, 1: `X`'s attempt (shape A); units 2, 3: `Y`'s (shape B) | A < 1: unit 0, B < 1: unit 2 of stream 64 | each as gamma |
//!
//! (A unit is a u32 for f32, a u64 for f64; "stream 64" is attempt stream
//! [`gamma::EXTRAS`] = `MAX_ATTEMPTS`, words `[i w, (i + 1) w)` as for an
//! attempt. The fallback has probability below 2^-270 per element.)
//!
//! The discrete samplers ([`discrete`]):
//!
//! | distribution | dtype | w | element i |
//! |---|---|---|---|
//! | poisson:LAMBDA | u32, i32, u64, i64 | 4 | u64 words `x0, x1` of each attempt: LAMBDA < 10 inversion on `x0` (an attempt whose search passes 100 is rejected: probability < 1e-14), else Hörmann's PTRS on `x0` (U) and `x1` (V), acceptance >= 0.75 (0.89 for large LAMBDA); fallback `floor(LAMBDA)`; LAMBDA <= 2^30 (32-bit dtypes) or 2^40 (64-bit) ([`discrete`]) |
//! | binomial:N,P | u32, i32, u64, i64 | 4 | the same words: `p = min(P, 1-P)`, `N - k` when P > 1/2; N p < 10 inversion on `x0`, else Hörmann's BTRS on `x0`, `x1`, acceptance >= 0.70; fallback the mode; P = 0, P = 1, N = 0 exact constants; N <= 2^32-1 (u32), 2^31-1 (i32), 2^53-1 (64-bit) |
//!
//! The u32 and u64 (and i32, i64) elements of one (key, stream, parameters)
//! of these two are the same number: the dtype only limits the parameters.
//! The fallback (all 64 attempts rejected) has probability below 2^-111 per
//! element.
//!
//! The truncated normal ([`truncnorm`]) and uniform:LO,HI in f16/bf16 (not a
//! rejection sampler: it reads u32 element i of the stream):
//!
//! | distribution | dtype | element i consumes |
//! |---|---|---|
//! | truncated-normal:A,B,MEAN,STD | f32 | attempts of 2 u32 words (proposal, acceptance), up to 64, then the mode ([`truncnorm`]): `mean + std * z`, `z` the standard normal conditioned on `[A, B]`, by the normal, uniform or Robert's exponential proposal (chosen per interval); acceptance >= 0.4939 |
//! | truncated-normal:A,B,MEAN,STD | f64 | attempts of 2 u64 elements (4 u32 words), as f32 |
//! | uniform:LO,HI | f16, bf16 | u32 element i: the f32 `uniform:LO,HI` value (LO, HI rounded to the 16-bit type), rounded once to the 16-bit type; where that gives HI, the value below HI ([`continuous::uniform_range_f16`]) |
//!
//! and, outside [`Distribution`] (it holds a table), [`categorical`]: index i
//! of a [`categorical::Categorical`] reads u64 element i (an inverse CDF on
//! exact cumulative sums, probabilities within 2^-64 of `w_j / sum w`).
//!
//! **Different dtypes of one stream are not independent**: they read the
//! same stream elements. Uniform f64 element 0 reads u64 element 0, which is
//! u32 elements 0 and 1, and uniform f32 element 1 reads u32 element 1 (the
//! high half of that u64), so the two values are nearly equal. Give each
//! tensor its own stream id (or a derived key, [`crate::derive`]).

pub mod attempts;
pub mod bernoulli;
pub mod categorical;
pub mod continuous;
pub mod discrete;
pub mod dropout;
pub mod exact_math;
pub mod gamma;
pub mod int;
pub mod normal;
pub mod sampler;
pub mod truncnorm;
pub mod uniform;

pub use sampler::Sampler;

use crate::error::Error;
use crate::grammar::{decimal_i128, real};
use half::{bf16, f16};
use std::fmt;
use std::str::FromStr;

/// Element types a fill can produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DType {
    /// u32
    U32,
    /// u64
    U64,
    /// f32
    F32,
    /// f64
    F64,
    /// IEEE half (`half::f16`)
    F16,
    /// bfloat16 (`half::bf16`)
    BF16,
    /// u8
    U8,
    /// i32 (two's complement)
    I32,
    /// i64 (two's complement)
    I64,
    /// bool (one byte, 0 or 1)
    Bool,
}

impl DType {
    /// All dtypes.
    pub const ALL: [DType; 10] = [
        DType::U32,
        DType::U64,
        DType::F32,
        DType::F64,
        DType::F16,
        DType::BF16,
        DType::U8,
        DType::I32,
        DType::I64,
        DType::Bool,
    ];
    /// Bytes per element.
    pub const fn size(self) -> usize {
        match self {
            DType::U32 | DType::F32 | DType::I32 => 4,
            DType::U64 | DType::F64 | DType::I64 => 8,
            DType::F16 | DType::BF16 => 2,
            DType::U8 | DType::Bool => 1,
        }
    }
    /// Lower-case name (`u32`, `bf16`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            DType::U32 => "u32",
            DType::U64 => "u64",
            DType::F32 => "f32",
            DType::F64 => "f64",
            DType::F16 => "f16",
            DType::BF16 => "bf16",
            DType::U8 => "u8",
            DType::I32 => "i32",
            DType::I64 => "i64",
            DType::Bool => "bool",
        }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for DType {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        DType::ALL
            .into_iter()
            .find(|d| d.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| Error::UnknownDType {
                name: crate::grammar::escape(s),
            })
    }
}

/// A distribution, with its parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Distribution {
    /// Raw stream bits (u32, u64, or bytes of the u32 stream; i32 and i64 are
    /// the u32 and u64 bits as two's complement).
    Bits,
    /// Uniform in [0, 1).
    Uniform,
    /// Normal with this mean and standard deviation (converted to the output
    /// type, then `mean + std * z` in that type, without FMA).
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation (finite, >= 0).
        std: f64,
    },
    /// Bernoulli(p), p in [0, 1]: 0/1 bytes (u8) or `bool`.
    Bernoulli {
        /// Probability of a 1.
        p: f64,
    },
    /// Integers in `[lo, hi)`, which must lie in the dtype: `0 <= lo < hi
    /// <= 2^bits` for u8, u32, u64 (so `hi` may be 2^64 for u64 output),
    /// `MIN <= lo < hi <= MAX + 1` for i32, i64. Out-of-range bounds are an
    /// error of [`Distribution::prepare`], never wrapped.
    Int {
        /// Smallest value.
        lo: i128,
        /// One past the largest value.
        hi: i128,
    },
    /// Uniform on `[lo, hi)` in f32 or f64 (contract v2;
    /// [`continuous::uniform_range_f32`]): `lo` can occur, `hi` never.
    UniformRange {
        /// Smallest value.
        lo: f64,
        /// The bound no value reaches.
        hi: f64,
    },
    /// Exponential with rate `lambda` > 0 (contract v2; [`continuous`]).
    Exponential {
        /// Rate (the mean is 1 / lambda).
        lambda: f64,
    },
    /// Log-normal: `exp(mu + sigma * Z)` (contract v2; [`continuous`]).
    LogNormal {
        /// Mean of the logarithm.
        mu: f64,
        /// Standard deviation of the logarithm (>= 0).
        sigma: f64,
    },
    /// Gumbel (maximum) with location `mu`, scale `beta` > 0 (contract v2).
    Gumbel {
        /// Location (the mode).
        mu: f64,
        /// Scale.
        beta: f64,
    },
    /// Cauchy with location `x0`, scale `gamma` > 0 (contract v2).
    Cauchy {
        /// Location (the median).
        x0: f64,
        /// Scale (half the interquartile range).
        gamma: f64,
    },
    /// Logistic with location `mu`, scale `s` > 0 (contract v2).
    Logistic {
        /// Location (the mean).
        mu: f64,
        /// Scale.
        s: f64,
    },
    /// Laplace with location `mu`, scale `b` > 0 (contract v2).
    Laplace {
        /// Location (the median).
        mu: f64,
        /// Scale.
        b: f64,
    },
    /// Poisson with mean `lambda` >= 0 (contract v3, a rejection sampler;
    /// [`discrete`]): u32, i32 (lambda <= 2^30), u64, i64 (lambda <= 2^40).
    Poisson {
        /// Mean.
        lambda: f64,
    },
    /// Binomial: successes in `n` trials of probability `p` (contract v3, a
    /// rejection sampler; [`discrete`]): u32 (n <= 2^32 - 1), i32
    /// (n <= 2^31 - 1), u64, i64 (n <= 2^53 - 1).
    Binomial {
        /// Trials.
        n: u64,
        /// Probability of success, in [0, 1].
        p: f64,
    },
    /// The standard normal truncated to `[a, b]`, then `mean + std * z`
    /// (contract v3; [`truncnorm`]): `a < b`, `a` may be `-inf`, `b` `+inf`.
    TruncatedNormal {
        /// Lower bound of the standard variate.
        a: f64,
        /// Upper bound of the standard variate.
        b: f64,
        /// Mean (location of the output).
        mean: f64,
        /// Standard deviation (scale of the output, >= 0).
        std: f64,
    },
    /// Gamma with shape `k` and scale `theta` (contract v3, a rejection
    /// sampler: [`gamma`]).
    Gamma {
        /// Shape, in `[1e-30, 1e8]`.
        k: f64,
        /// Scale (> 0; the mean is `k * theta`).
        theta: f64,
    },
    /// Chi-squared with `k` degrees of freedom: `2 * Gamma(k / 2)`
    /// (contract v3, [`gamma`]).
    ChiSquared {
        /// Degrees of freedom, in `[2e-30, 2e8]`.
        k: f64,
    },
    /// Beta(a, b): `X / (X + Y)` of two gammas (contract v3, [`gamma`]).
    Beta {
        /// First shape, in `[1e-30, 1e8]`.
        a: f64,
        /// Second shape, in `[1e-30, 1e8]`.
        b: f64,
    },
    /// Student's t with `nu` degrees of freedom: `Z / sqrt(V / nu)`, `V`
    /// chi-squared (contract v3, [`gamma`]).
    StudentT {
        /// Degrees of freedom, in `[2e-30, 2e8]`.
        nu: f64,
    },
}

impl Distribution {
    /// The standard normal.
    pub const STANDARD_NORMAL: Distribution = Distribution::Normal {
        mean: 0.0,
        std: 1.0,
    };

    /// Short name (`bits`, `uniform`, `normal`, `bernoulli`, `int`).
    pub fn name(&self) -> &'static str {
        match self {
            Distribution::Bits => "bits",
            Distribution::Uniform => "uniform",
            Distribution::Normal { .. } => "normal",
            Distribution::Bernoulli { .. } => "bernoulli",
            Distribution::Int { .. } => "int",
            Distribution::UniformRange { .. } => "uniform",
            Distribution::Exponential { .. } => "exponential",
            Distribution::LogNormal { .. } => "log-normal",
            Distribution::Gumbel { .. } => "gumbel",
            Distribution::Cauchy { .. } => "cauchy",
            Distribution::Logistic { .. } => "logistic",
            Distribution::Laplace { .. } => "laplace",
            Distribution::Poisson { .. } => "poisson",
            Distribution::Binomial { .. } => "binomial",
            Distribution::TruncatedNormal { .. } => "truncated-normal",
            Distribution::Gamma { .. } => "gamma",
            Distribution::ChiSquared { .. } => "chi-squared",
            Distribution::Beta { .. } => "beta",
            Distribution::StudentT { .. } => "student-t",
        }
    }

    /// The dtypes this distribution can produce.
    pub fn dtypes(&self) -> &'static [DType] {
        match self {
            Distribution::Bits => &[DType::U32, DType::U64, DType::U8, DType::I32, DType::I64],
            Distribution::Uniform | Distribution::UniformRange { .. } => {
                &[DType::F32, DType::F64, DType::F16, DType::BF16]
            }
            Distribution::Normal { .. } => &[DType::F32, DType::F64, DType::F16, DType::BF16],
            Distribution::Bernoulli { .. } => &[DType::U8, DType::Bool],
            Distribution::Int { .. } => {
                &[DType::U32, DType::U64, DType::U8, DType::I32, DType::I64]
            }
            Distribution::Poisson { .. } | Distribution::Binomial { .. } => {
                &[DType::U32, DType::U64, DType::I32, DType::I64]
            }
            _ => &[DType::F32, DType::F64], // the continuous distributions of contract v2
        }
    }

    /// The dtype used when none is named: the first of [`Distribution::dtypes`].
    pub fn default_dtype(&self) -> DType {
        self.dtypes()[0]
    }

    /// Checks the parameters and the dtype, and precomputes what the
    /// per-element functions need.
    pub fn prepare(&self, dtype: DType) -> Result<Prepared, Error> {
        if !self.dtypes().contains(&dtype) {
            return Err(Error::DTypeMismatch {
                dist: self.name().to_string(),
                dtype: dtype.to_string(),
                allowed: self
                    .dtypes()
                    .iter()
                    .map(|d| d.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        let bad = |reason: String| Err(Error::BadParameter { reason });
        let params = match *self {
            Distribution::Bits | Distribution::Uniform => Params::None,
            Distribution::Normal { mean, std } => {
                if !mean.is_finite() || !std.is_finite() || std < 0.0 {
                    return bad(format!(
                        "normal needs a finite mean and a finite std >= 0, got mean {mean}, std {std}"
                    ));
                }
                // Every output is mean + std * z in the dtype, |z| <= z_max:
                // its extremes are at +-z_max, so check those, in the dtype.
                let finite = match dtype {
                    DType::F16 | DType::BF16 => continuous::normal_16_is_finite(mean, std, dtype),
                    DType::F32 => {
                        let (m, s, z) = (mean as f32, std as f32, normal::Z_MAX_F32);
                        m.is_finite()
                            && s.is_finite()
                            && (m + s * z).is_finite()
                            && (m - s * z).is_finite()
                    }
                    _ => {
                        let z = normal::Z_MAX_F64;
                        (mean + std * z).is_finite() && (mean - std * z).is_finite()
                    }
                };
                if !finite {
                    return bad(format!(
                        "normal mean {mean}, std {std}: mean +- std * {} (the largest |z|) overflows {dtype}",
                        if dtype != DType::F64 {
                            f64::from(normal::Z_MAX_F32)
                        } else {
                            normal::Z_MAX_F64
                        }
                    ));
                }
                Params::Normal { mean, std }
            }
            Distribution::Bernoulli { p } => Params::Threshold(bernoulli::threshold(p)?),
            Distribution::Int { lo, hi } => {
                if lo >= hi {
                    return bad(format!("int range [{lo}, {hi}) is empty"));
                }
                // The values the dtype holds: [min, max + 1).
                let bits = 8 * dtype.size() as u32;
                let (min, end): (i128, i128) = match dtype {
                    DType::I32 | DType::I64 => (-(1 << (bits - 1)), 1 << (bits - 1)),
                    _ => (0, 1 << bits),
                };
                if lo < min {
                    let hint = if min == 0 {
                        "; i32 and i64 take negative values"
                    } else {
                        ""
                    };
                    return bad(format!(
                        "int range [{lo}, {hi}) does not fit {dtype} (lo must be >= {min}{hint})"
                    ));
                }
                if hi > end {
                    return bad(format!(
                        "int range [{lo}, {hi}) does not fit {dtype} (hi must be <= {end})"
                    ));
                }
                // Both bounds lie in [-2^63, 2^64]: the difference is exact.
                Params::Int {
                    lo,
                    range: (hi - lo) as u128,
                }
            }
            Distribution::Poisson { lambda } => {
                let wide = matches!(dtype, DType::U64 | DType::I64);
                let kmax = discrete::check_poisson(lambda, wide).map_err(|reason| {
                    Error::BadParameter {
                        reason: format!("{reason} ({dtype})"),
                    }
                })?;
                Params::Poisson { lambda, kmax }
            }
            Distribution::Binomial { n, p } => {
                let n_max = match dtype {
                    DType::U32 => u64::from(u32::MAX),
                    DType::I32 => i32::MAX as u64,
                    _ => discrete::BINOMIAL_N_MAX_64,
                };
                discrete::check_binomial(n, p, n_max, dtype.name())
                    .map_err(|reason| Error::BadParameter { reason })?;
                Params::Binomial { n, p }
            }
            Distribution::TruncatedNormal { a, b, mean, std } => {
                truncnorm::check(a, b, mean, std, dtype)?
            }
            Distribution::Gamma { .. }
            | Distribution::ChiSquared { .. }
            | Distribution::Beta { .. }
            | Distribution::StudentT { .. } => gamma::check(self, dtype)?,
            _ => continuous::check(self, dtype)?,
        };
        let layout = match (self, dtype) {
            (Distribution::Poisson { .. } | Distribution::Binomial { .. }, _) => {
                Layout::Attempts { words: 4 }
            }
            (Distribution::TruncatedNormal { .. }, DType::F32) => Layout::Attempts {
                words: truncnorm::WORDS_F32,
            },
            (Distribution::TruncatedNormal { .. }, _) => Layout::Attempts {
                words: truncnorm::WORDS_F64,
            },
            (Distribution::Beta { .. }, _) => Layout::Attempts {
                words: gamma::words_per_attempt(2, dtype == DType::F64),
            },
            (
                Distribution::Gamma { .. }
                | Distribution::ChiSquared { .. }
                | Distribution::StudentT { .. },
                _,
            ) => Layout::Attempts {
                words: gamma::words_per_attempt(1, dtype == DType::F64),
            },
            (Distribution::Bits, DType::U8) => Layout::PackedU32 { per_word: 4 },
            (Distribution::Uniform, DType::F16 | DType::BF16) => Layout::PackedU32 { per_word: 2 },
            (Distribution::Int { .. }, DType::U64 | DType::I64) => Layout::U64 { per_element: 2 },
            (Distribution::Int { .. }, DType::U32 | DType::I32) => Layout::U64 { per_element: 1 },
            (_, DType::U64 | DType::F64 | DType::I64) => Layout::U64 { per_element: 1 },
            _ => Layout::U32,
        };
        Ok(Prepared {
            dist: *self,
            dtype,
            params,
            layout,
        })
    }
}

impl fmt::Display for Distribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Distribution::Normal { mean, std } => write!(f, "normal:{mean},{std}"),
            Distribution::Bernoulli { p } => write!(f, "bernoulli:{p}"),
            Distribution::Int { lo, hi } => write!(f, "int:{lo}..{hi}"),
            Distribution::UniformRange { lo, hi } => write!(f, "uniform:{lo},{hi}"),
            Distribution::Exponential { lambda } => write!(f, "exponential:{lambda}"),
            Distribution::LogNormal { mu, sigma } => write!(f, "log-normal:{mu},{sigma}"),
            Distribution::Gumbel { mu, beta } => write!(f, "gumbel:{mu},{beta}"),
            Distribution::Cauchy { x0, gamma } => write!(f, "cauchy:{x0},{gamma}"),
            Distribution::Logistic { mu, s } => write!(f, "logistic:{mu},{s}"),
            Distribution::Laplace { mu, b } => write!(f, "laplace:{mu},{b}"),
            Distribution::Poisson { lambda } => write!(f, "poisson:{lambda}"),
            Distribution::Binomial { n, p } => write!(f, "binomial:{n},{p}"),
            Distribution::TruncatedNormal { a, b, mean, std } => {
                write!(f, "truncated-normal:{a},{b},{mean},{std}")
            }
            Distribution::Gamma { k, theta } => write!(f, "gamma:{k},{theta}"),
            Distribution::ChiSquared { k } => write!(f, "chi-squared:{k}"),
            Distribution::Beta { a, b } => write!(f, "beta:{a},{b}"),
            Distribution::StudentT { nu } => write!(f, "student-t:{nu}"),
            d => f.write_str(d.name()),
        }
    }
}

impl FromStr for Distribution {
    type Err = Error;
    /// Parses `bits`, `uniform`, `normal`, `normal:MEAN,STD`, `bernoulli:P`,
    /// `int:LO..HI` (HI exclusive), and (contract v2) `uniform:LO,HI`,
    /// `exponential[:LAMBDA]`, `log-normal[:MU,SIGMA]`, `gumbel[:MU,BETA]`,
    /// `cauchy[:X0,GAMMA]`, `logistic[:MU,S]`, `laplace[:MU,B]` (without
    /// parameters: rate 1, or location 0 and scale 1), and (contract v3)
    /// `poisson:LAMBDA` (a real), `binomial:N,P` (N a decimal integer
    /// without sign, P a real), `truncated-normal:A,B` and `truncated-normal:A,B,MEAN,STD` (A and B
    /// reals or `-inf` / `inf`; MEAN 0 and STD 1 when left out),
    /// `gamma:K,THETA` (or `gamma:K`, scale 1), `chi-squared:K`, `beta:A,B`,
    /// `student-t:NU`; names in any case,
    /// numbers in the grammar of [`crate::grammar`] (reals for MEAN, STD, P
    /// and the v2 parameters; signed decimal integers for LO and HI of `int`, negative for the i32 and i64 dtypes), no
    /// spaces.
    fn from_str(spec: &str) -> Result<Self, Error> {
        let bad = |reason: &str| Error::BadDistribution {
            spec: crate::grammar::escape(spec),
            reason: reason.to_string(),
        };
        let (name, arg) = match spec.split_once(':') {
            Some((n, a)) => (n, Some(a)),
            None => (spec, None),
        };
        match (name.to_ascii_lowercase().as_str(), arg) {
            ("bits", None) => Ok(Distribution::Bits),
            ("uniform", None) => Ok(Distribution::Uniform),
            ("normal", None) => Ok(Distribution::STANDARD_NORMAL),
            ("normal", Some(a)) => {
                let (m, s) = a
                    .split_once(',')
                    .ok_or_else(|| bad("expected normal:MEAN,STD"))?;
                let mean = real(m).map_err(|e| bad(&format!("mean: {e}")))?;
                let std = real(s).map_err(|e| bad(&format!("std: {e}")))?;
                Ok(Distribution::Normal { mean, std })
            }
            ("bernoulli", Some(a)) => {
                let p = real(a).map_err(|e| bad(&format!("p: {e}")))?;
                Ok(Distribution::Bernoulli { p })
            }
            ("bernoulli", None) => Err(bad("expected bernoulli:P")),
            ("int", Some(a)) => {
                let (lo, hi) = a
                    .split_once("..")
                    .ok_or_else(|| bad("expected int:LO..HI"))?;
                let lo = decimal_i128(lo).map_err(|e| bad(&format!("LO: {e}")))?;
                let hi = decimal_i128(hi).map_err(|e| bad(&format!("HI: {e}")))?;
                Ok(Distribution::Int { lo, hi })
            }
            ("int", None) => Err(bad("expected int:LO..HI")),
            ("bits", Some(_)) => Err(bad("takes no parameters")),
            ("poisson", Some(a)) => {
                let lambda = real(a).map_err(|e| bad(&format!("LAMBDA: {e}")))?;
                Ok(Distribution::Poisson { lambda })
            }
            ("poisson", None) => Err(bad("expected poisson:LAMBDA")),
            ("binomial", Some(a)) => {
                let (n, p) = a
                    .split_once(',')
                    .ok_or_else(|| bad("expected binomial:N,P"))?;
                let n = crate::grammar::decimal_u64(n).map_err(|e| bad(&format!("N: {e}")))?;
                let p = real(p).map_err(|e| bad(&format!("P: {e}")))?;
                Ok(Distribution::Binomial { n, p })
            }
            ("binomial", None) => Err(bad("expected binomial:N,P")),
            ("truncated-normal", a) => truncnorm::parse(a).map_err(|reason| bad(&reason)),
            (name, arg) => match continuous::parse(name, arg).or_else(|| gamma::parse(name, arg)) {
                Some(r) => r.map_err(|reason| bad(&reason)),
                None => Err(bad(
                    "unknown distribution (expected bits, uniform, uniform:LO,HI, normal, bernoulli:P, int:LO..HI, exponential:LAMBDA, log-normal:MU,SIGMA, gumbel:MU,BETA, cauchy:X0,GAMMA, logistic:MU,S, laplace:MU,B, gamma:K,THETA, chi-squared:K, beta:A,B, student-t:NU, poisson:LAMBDA, binomial:N,P, truncated-normal:A,B[,MEAN,STD])",
                )),
            },
        }
    }
}

/// Parameters checked and precomputed by [`Distribution::prepare`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Params {
    /// No parameters.
    None,
    /// Normal mean and std (as given; converted to the output type by the fill).
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        std: f64,
    },
    /// Bernoulli threshold t(p).
    Threshold(u64),
    /// The truncated normal's bounds, mean and std as given (contract v3;
    /// converted to the output type by the fill).
    TruncNormal {
        /// Lower bound (may be -inf).
        a: f64,
        /// Upper bound (may be inf).
        b: f64,
        /// Mean.
        mean: f64,
        /// Standard deviation.
        std: f64,
    },
    /// Integer range start and size.
    Int {
        /// Smallest value (within the dtype).
        lo: i128,
        /// hi - lo, in 1..=2^bits of the dtype.
        range: u128,
    },
    /// The two real parameters of a contract v2 distribution as given, in
    /// its order (`uniform:LO,HI`: lo, hi; `exponential`: lambda, 0; the
    /// others: location, scale), or of a v3 gamma-family one (gamma: K,
    /// THETA; chi-squared: K, 0; beta: A, B; student-t: NU, 0); converted
    /// to the output type by the fill.
    Real {
        /// First parameter.
        a: f64,
        /// Second parameter.
        b: f64,
    },
    /// Poisson LAMBDA and the largest candidate the dtype accepts
    /// ([`discrete::KMAX_32`] or [`discrete::KMAX_64`]).
    Poisson {
        /// Mean.
        lambda: f64,
        /// Largest value a candidate may have.
        kmax: u64,
    },
    /// Binomial N and P, checked against the dtype.
    Binomial {
        /// Trials.
        n: u64,
        /// Probability of success.
        p: f64,
    },
}

/// Which stream view an output element reads and how many of its elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Element i reads u32 element i.
    U32,
    /// Element i reads part `i mod per_word` of u32 element `i / per_word`.
    PackedU32 {
        /// Elements per u32.
        per_word: u32,
    },
    /// Element i reads u64 elements `[per_element * i, per_element * (i + 1))`.
    U64 {
        /// u64 elements per output element.
        per_element: u32,
    },
    /// A rejection sampler (contract v3, [`attempts`]): attempt `a` of element
    /// `i` reads u32 elements `[i * words, (i + 1) * words)` of stream `a` of
    /// the fill's attempt key; the stream itself is not read.
    Attempts {
        /// u32 elements per attempt (even for the 64-bit outputs).
        words: u32,
    },
}

/// A distribution checked against a dtype, ready to fill.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prepared {
    /// The distribution.
    pub dist: Distribution,
    /// The output dtype.
    pub dtype: DType,
    /// Its checked parameters.
    pub params: Params,
    /// Which stream elements each output element consumes.
    pub layout: Layout,
}

impl Prepared {
    /// Number of output elements one stream holds, given its length in u32 elements.
    pub fn stream_len(&self, len_u32: u128) -> u128 {
        match self.layout {
            Layout::U32 => len_u32,
            Layout::PackedU32 { per_word } => len_u32 * u128::from(per_word),
            Layout::U64 { per_element } => len_u32 / 2 / u128::from(per_element),
            Layout::Attempts { words } => len_u32 / u128::from(words),
        }
    }
}

/// A Rust type that a fill can write: one per [`DType`].
///
/// Every element type is plain bytes with no padding ([`bytemuck::NoUninit`])
/// whose bit patterns can be checked ([`bytemuck::CheckedBitPattern`]): all
/// are valid for the numbers, 0 and 1 only for `bool`, which a fill writes
/// directly into a `&mut [bool]`.
///
/// ```
/// use cbrng::{Algorithm, Dist, Stream};
/// let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 1, 0)?;
/// let mut keep = vec![false; 8];
/// s.fill(&Dist::Bernoulli { p: 0.9 }, 0, &mut keep)?;
/// let mut bytes = vec![0u8; 8];
/// s.fill(&Dist::Bernoulli { p: 0.9 }, 0, &mut bytes)?;
/// assert!(keep.iter().zip(&bytes).all(|(&k, &b)| u8::from(k) == b));
/// let mut dice = vec![0i32; 8];
/// s.fill(&Dist::Int { lo: -3, hi: 3 }, 0, &mut dice)?;
/// assert!(dice.iter().all(|d| (-3..3).contains(d)));
/// # Ok::<(), cbrng::Error>(())
/// ```
pub trait Element:
    bytemuck::NoUninit + bytemuck::CheckedBitPattern + Default + Send + Sync + PartialEq + fmt::Debug
{
    /// Its dtype.
    const DTYPE: DType;
    /// The slice as the tagged enum the fill engine matches on.
    fn as_out(out: &mut [Self]) -> OutSlice<'_>;
}

/// A mutable slice of one of the dtypes.
#[allow(missing_docs)]
pub enum OutSlice<'a> {
    U32(&'a mut [u32]),
    U64(&'a mut [u64]),
    F32(&'a mut [f32]),
    F64(&'a mut [f64]),
    F16(&'a mut [f16]),
    BF16(&'a mut [bf16]),
    U8(&'a mut [u8]),
    I32(&'a mut [i32]),
    I64(&'a mut [i64]),
    Bool(&'a mut [bool]),
}

impl OutSlice<'_> {
    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            OutSlice::U32(s) => s.len(),
            OutSlice::U64(s) => s.len(),
            OutSlice::F32(s) => s.len(),
            OutSlice::F64(s) => s.len(),
            OutSlice::F16(s) => s.len(),
            OutSlice::BF16(s) => s.len(),
            OutSlice::U8(s) => s.len(),
            OutSlice::I32(s) => s.len(),
            OutSlice::I64(s) => s.len(),
            OutSlice::Bool(s) => s.len(),
        }
    }
    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The dtype of the elements.
    pub fn dtype(&self) -> DType {
        match self {
            OutSlice::U32(_) => DType::U32,
            OutSlice::U64(_) => DType::U64,
            OutSlice::F32(_) => DType::F32,
            OutSlice::F64(_) => DType::F64,
            OutSlice::F16(_) => DType::F16,
            OutSlice::BF16(_) => DType::BF16,
            OutSlice::U8(_) => DType::U8,
            OutSlice::I32(_) => DType::I32,
            OutSlice::I64(_) => DType::I64,
            OutSlice::Bool(_) => DType::Bool,
        }
    }
}

macro_rules! element {
    ($t:ty, $d:ident) => {
        impl Element for $t {
            const DTYPE: DType = DType::$d;
            fn as_out(out: &mut [Self]) -> OutSlice<'_> {
                OutSlice::$d(out)
            }
        }
    };
}
element!(u32, U32);
element!(u64, U64);
element!(f32, F32);
element!(f64, F64);
element!(f16, F16);
element!(bf16, BF16);
element!(u8, U8);
element!(i32, I32);
element!(i64, I64);
element!(bool, Bool);
