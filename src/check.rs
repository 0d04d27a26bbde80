//! The self-checks behind `cbrng verify`: known answers, the contract's
//! element definitions against the bulk fills, slices against the whole
//! stream, the rand_core adapter, and the stream limits. Exposed so tests and
//! users run the very same matrix.

use crate::dist::{
    DType, Distribution, Element, Params, bernoulli, continuous, discrete, gamma, int, normal,
    truncnorm, uniform,
};
use crate::generator::{Algorithm, block_raw};
use crate::rng;
use crate::stream::{Key, Stream, stream_len_u32};
use crate::{Error, kat};
use half::{bf16, f16};
use rand_core::Rng;

/// The kinds of check, one column of `cbrng verify`'s table each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Check {
    /// Random123's known-answer vectors.
    Kat,
    /// Bulk fills equal the element-by-element definition (counter layout and
    /// distribution formulas applied by hand).
    Definition,
    /// Any slice equals the same slice of a longer fill.
    Slices,
    /// The rand_core adapter walks the same stream.
    Rng,
    /// Past-the-end requests are errors; the last element is reachable.
    Limits,
}

impl Check {
    /// All checks, in table order.
    pub const ALL: [Check; 5] = [
        Check::Kat,
        Check::Definition,
        Check::Slices,
        Check::Rng,
        Check::Limits,
    ];
    /// Column name.
    pub fn name(self) -> &'static str {
        match self {
            Check::Kat => "kat",
            Check::Definition => "definition",
            Check::Slices => "slices",
            Check::Rng => "rng",
            Check::Limits => "limits",
        }
    }
}

/// Counts for one (generator, check) cell, and the first failures.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    /// Cases that passed.
    pub passed: u64,
    /// Cases that failed.
    pub failed: u64,
    /// Messages of the first few failures.
    pub failures: Vec<String>,
}

impl Tally {
    fn record(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if ok {
            self.passed += 1;
        } else {
            self.failed += 1;
            if self.failures.len() < 5 {
                self.failures.push(what());
            }
        }
    }
}

/// How much to check.
#[derive(Clone, Copy, Debug)]
pub struct Matrix {
    /// Length of the reference fill that slices are cut from.
    pub window: usize,
    /// Also check long slices (2^k ± 1 up to 2^16) and more offsets.
    pub long: bool,
}

impl Matrix {
    /// The default matrix (well under a minute on 2 cores in release).
    pub const DEFAULT: Matrix = Matrix {
        window: 1100,
        long: false,
    };
    /// The longer matrix behind `cbrng verify --long`.
    pub const LONG: Matrix = Matrix {
        window: 70_000,
        long: true,
    };
}

/// The generators checked: all eight at default rounds, plus other round counts.
pub fn algorithms() -> Vec<Algorithm> {
    let mut v = Algorithm::all_default().to_vec();
    v.push("philox4x32-7".parse().expect("valid name"));
    v.push("threefry2x64-13".parse().expect("valid name"));
    v.push("threefry4x32-72".parse().expect("valid name"));
    v
}

/// The (distribution, dtype) pairs checked: every pair the contract defines,
/// some with several parameters.
pub fn distributions() -> Vec<(Distribution, DType)> {
    let mut v = distributions_v1();
    v.extend(distributions_v2());
    v.extend(distributions_v3());
    v
}

/// The (distribution, dtype) pairs that contract v3 adds (the rejection
/// samplers, [`crate::dist::attempts`], and what came with them), as frozen
/// in `tests/data/contract_v3.txt`.
pub fn distributions_v3() -> Vec<(Distribution, DType)> {
    use DType::*;
    use Distribution as D;
    let mut v = Vec::new();
    // truncated-normal: every method of its plan (src/dist/truncnorm.rs),
    // both flips, one-sided, far tails and a location-scale pair.
    let inf = f64::INFINITY;
    for (a, b, mean, std) in [
        (-2.0, 2.0, 0.0, 1.0),   // normal proposal
        (-0.1, 0.1, 0.0, 1.0),   // uniform, centre
        (0.0, inf, 0.0, 1.0),    // exponential, one-sided
        (8.0, 9.0, 0.0, 1.0),    // exponential, far tail, bounded
        (-inf, -30.0, 0.0, 1.0), // flipped far tail
        (3.0, 3.5, 0.0, 1.0),    // exponential, rejected above b
        (30.0, 30.01, 0.0, 1.0), // uniform, tail
        (-1.0, 0.5, 0.0, 1.0),   // uniform, centre, asymmetric
        (-inf, 0.0, 0.0, 1.0),   // flipped half line
        (1e3, inf, 0.0, 1.0),    // very far tail
        (-2.0, 2.0, 0.5, 0.02),  // torch.nn.init.trunc_normal_-style scale
        (-inf, inf, -3.0, 2.0),  // the whole line
    ] {
        v.push((D::TruncatedNormal { a, b, mean, std }, F32));
        v.push((D::TruncatedNormal { a, b, mean, std }, F64));
    }
    // uniform:LO,HI in f16 and bf16 (u32 element i each).
    for (lo, hi) in [(-1.5, 2.0), (0.0, 1.0), (1000.0, 1024.0), (-0.001, 0.0)] {
        v.push((D::UniformRange { lo, hi }, F16));
        v.push((D::UniformRange { lo, hi }, BF16));
    }
    let poisson = |lambda| D::Poisson { lambda };
    let binomial = |n, p| D::Binomial { n, p };
    v.extend([
        // Poisson: inversion, PTRS, the edges, the constant.
        (poisson(3.5), U32),
        (poisson(3.5), I64),
        (poisson(1e-6), U32),
        (poisson(30.0), U32),
        (poisson(30.0), U64),
        (poisson(30.0), I32),
        (poisson(1e6), U64),
        (poisson(1e6), I64),
        (poisson(0.0), U32),
        // Binomial: inversion, BTRS, P > 1/2 (the flip), N = 1, N = 10^9,
        // the largest 64-bit N, the constants.
        (binomial(20, 0.3), U32),
        (binomial(1000, 0.3), U32),
        (binomial(1000, 0.3), U64),
        (binomial(1000, 0.3), I64),
        (binomial(1_000_000_000, 0.7), I32),
        (binomial(1_000_000_000, 1e-9), U32),
        (binomial(1, 0.5), U64),
        (binomial((1 << 53) - 1, 0.25), U64),
        (binomial(5, 1.0), I64),
    ]);
    // The gamma family (dist::gamma): a standard set and an edge set each
    // (shapes below 1 take the boost and read the extras).
    for d in [
        D::Gamma { k: 2.0, theta: 1.0 },
        D::Gamma {
            k: 0.01,
            theta: 3.0,
        },
        D::ChiSquared { k: 10.0 },
        D::ChiSquared { k: 1.0 },
        D::Beta { a: 2.0, b: 5.0 },
        D::Beta { a: 0.01, b: 0.01 },
        D::StudentT { nu: 3.0 },
        D::StudentT { nu: 1.0 },
    ] {
        v.push((d, F32));
        v.push((d, F64));
    }
    v
}

/// The (distribution, dtype) pairs of stream contract v1, as frozen in
/// `tests/data/contract_v1.txt`.
pub fn distributions_v1() -> Vec<(Distribution, DType)> {
    use DType::*;
    vec![
        (Distribution::Bits, U32),
        (Distribution::Bits, U64),
        (Distribution::Bits, U8),
        (Distribution::Uniform, F32),
        (Distribution::Uniform, F64),
        (Distribution::Uniform, F16),
        (Distribution::Uniform, BF16),
        (Distribution::STANDARD_NORMAL, F32),
        (Distribution::STANDARD_NORMAL, F64),
        (
            Distribution::Normal {
                mean: -3.5,
                std: 0.25,
            },
            F32,
        ),
        (
            Distribution::Normal {
                mean: 1e3,
                std: 7.0,
            },
            F64,
        ),
        (Distribution::Bernoulli { p: 0.3 }, U8),
        (Distribution::Bernoulli { p: 1.0 }, U8),
        (Distribution::Int { lo: 3, hi: 10 }, U8),
        (Distribution::Int { lo: 0, hi: 256 }, U8),
        (Distribution::Int { lo: 5, hi: 1000 }, U32),
        (Distribution::Int { lo: 0, hi: 1 << 32 }, U32),
        (
            Distribution::Int {
                lo: 7,
                hi: 123_456_789_012,
            },
            U64,
        ),
        (Distribution::Int { lo: 0, hi: 1 << 64 }, U64),
    ]
}

/// The (distribution, dtype) pairs that contract v2 adds (the i32, i64 and
/// bool outputs of bits, int and bernoulli, the inverse-CDF continuous
/// distributions, the normal in f16 and bf16), as frozen in
/// `tests/data/contract_v2.txt`: each in f32 and f64, at one standard and
/// one shifted and scaled parameter set.
pub fn distributions_v2() -> Vec<(Distribution, DType)> {
    use DType::*;
    use Distribution as D;
    let mut v = vec![
        (D::Bits, I32),
        (D::Bits, I64),
        (D::Bernoulli { p: 0.3 }, Bool),
        (D::Int { lo: -5, hi: 5 }, I32),
        (
            D::Int {
                lo: i32::MIN.into(),
                hi: i128::from(i32::MAX) + 1,
            },
            I32,
        ),
        (
            D::Int {
                lo: -1_000_000_007,
                hi: 123_456_789_012,
            },
            I64,
        ),
        (
            D::Int {
                lo: i64::MIN.into(),
                hi: i128::from(i64::MAX) + 1,
            },
            I64,
        ),
        (D::STANDARD_NORMAL, F16),
        (D::STANDARD_NORMAL, BF16),
        (
            D::Normal {
                mean: -2.5,
                std: 3.0,
            },
            F16,
        ),
        (
            D::Normal {
                mean: 100.0,
                std: 0.5,
            },
            BF16,
        ),
    ];
    let dists = [
        D::UniformRange { lo: -1.5, hi: 2.0 },
        D::UniformRange {
            lo: 1e6,
            hi: 1e6 + 1.0,
        },
        D::Exponential { lambda: 1.0 },
        D::Exponential { lambda: 0.25 },
        D::LogNormal {
            mu: 0.0,
            sigma: 1.0,
        },
        D::LogNormal {
            mu: -1.0,
            sigma: 0.5,
        },
        D::Gumbel { mu: 0.0, beta: 1.0 },
        D::Gumbel { mu: 2.0, beta: 3.0 },
        D::Cauchy {
            x0: 0.0,
            gamma: 1.0,
        },
        D::Cauchy {
            x0: -4.0,
            gamma: 0.1,
        },
        D::Logistic { mu: 0.0, s: 1.0 },
        D::Logistic { mu: 5.0, s: 2.0 },
        D::Laplace { mu: 0.0, b: 1.0 },
        D::Laplace { mu: -3.0, b: 0.5 },
    ];
    for d in dists {
        v.push((d, F32));
        v.push((d, F64));
    }
    v
}

/// Runs the matrix for one generator; returns one tally per check.
pub fn run_algorithm(algo: Algorithm, m: &Matrix) -> Vec<(Check, Tally)> {
    let mut t: [Tally; 5] = Default::default();
    check_kat(algo, &mut t[0]);
    for stream in streams(algo) {
        check_definition(&stream, &mut t[1]);
        check_slices(&stream, m, &mut t[2]);
        check_rng(&stream, &mut t[3]);
        check_limits(&stream, &mut t[4]);
    }
    Check::ALL.into_iter().zip(t).collect()
}

/// Streams checked per generator: ids 0, 1 and a large one, several keys.
fn streams(algo: Algorithm) -> Vec<Stream> {
    let big_id = if algo.shape().word_bits() == 32 && algo.shape().words() == 2 {
        u32::MAX as u64
    } else {
        (1 << 32) + 7
    };
    let seeded = |seed, id| Stream::from_seed(algo, seed, id).expect("valid seed and id");
    let mut v = vec![seeded(0, 0), seeded(42, 1), seeded(0xfeed, big_id)];
    let ones: Vec<u64> = (0..algo.key_words())
        .map(|i| {
            if algo.shape().word_bits() == 32 {
                0xffff_fff0 + i as u64
            } else {
                u64::MAX - i as u64
            }
        })
        .collect();
    v.push(Stream::new(algo, Key::from_words(algo, &ones).expect("fits"), 3).expect("valid"));
    v
}

fn check_kat(algo: Algorithm, t: &mut Tally) {
    let Ok((vectors, _)) = kat::parse(kat::RANDOM123_KAT, "random123_kat_vectors.txt") else {
        t.record(false, || "embedded KAT file does not parse".into());
        return;
    };
    // Vectors of this family and shape, at every round count in the file.
    for v in vectors
        .iter()
        .filter(|v| v.algo.family() == algo.family() && v.algo.shape() == algo.shape())
    {
        let got = block_raw(v.algo, &v.ctr, &v.key);
        t.record(got.as_ref() == Ok(&v.expected), || {
            format!("KAT line {}: {} gave {got:x?}", v.line, v.algo)
        });
    }
}

/// u32 element `i` computed by hand from the contract's tables: counter
/// layout, word order and view rules, with the bare block function.
pub fn reference_u32(s: &Stream, i: u128) -> u32 {
    let algo = s.algorithm();
    let n = algo.shape().words() as u128;
    let id = s.id();
    let key = s.key().words();
    if algo.shape().word_bits() == 32 {
        let b = (i / n) as u64;
        let ctr: Vec<u64> = if n == 4 {
            vec![b & 0xffff_ffff, b >> 32, id & 0xffff_ffff, id >> 32]
        } else {
            vec![b, id]
        };
        block_raw(algo, &ctr, key).expect("valid")[(i % n) as usize] as u32
    } else {
        let j = i / 2;
        let b = (j / n) as u64;
        let ctr: Vec<u64> = if n == 4 {
            vec![b, 0, id, 0]
        } else {
            vec![b, id]
        };
        let w = block_raw(algo, &ctr, key).expect("valid")[(j % n) as usize];
        (w >> (32 * (i % 2))) as u32
    }
}

fn reference_u64(s: &Stream, j: u128) -> u64 {
    u64::from(reference_u32(s, 2 * j)) | (u64::from(reference_u32(s, 2 * j + 1)) << 32)
}

/// Fills `n` elements at `offset` of `dist` as bytes (for bitwise comparison).
fn fill_bytes_of(
    s: &Stream,
    dist: &Distribution,
    dtype: DType,
    offset: u128,
    n: usize,
) -> Result<Vec<u8>, Error> {
    fn go<T: Element>(s: &Stream, d: &Distribution, off: u128, n: usize) -> Result<Vec<u8>, Error> {
        let mut v = vec![T::default(); n];
        s.fill(d, off, &mut v)?;
        Ok(bytemuck::cast_slice(&v).to_vec())
    }
    match dtype {
        DType::U32 => go::<u32>(s, dist, offset, n),
        DType::U64 => go::<u64>(s, dist, offset, n),
        DType::F32 => go::<f32>(s, dist, offset, n),
        DType::F64 => go::<f64>(s, dist, offset, n),
        DType::F16 => go::<f16>(s, dist, offset, n),
        DType::BF16 => go::<bf16>(s, dist, offset, n),
        DType::U8 => go::<u8>(s, dist, offset, n),
        DType::I32 => go::<i32>(s, dist, offset, n),
        DType::I64 => go::<i64>(s, dist, offset, n),
        DType::Bool => go::<bool>(s, dist, offset, n),
    }
}

/// Element `i` of `dist` by the definition table of [`crate::dist`], as bytes.
fn reference_element(s: &Stream, dist: &Distribution, dtype: DType, i: u128) -> Vec<u8> {
    let u32_at = |k: u128| reference_u32(s, k);
    let u64_at = |k: u128| reference_u64(s, k);
    match (dist, dtype) {
        (Distribution::Bits, DType::U32) => u32_at(i).to_le_bytes().to_vec(),
        (Distribution::Bits, DType::U64) => u64_at(i).to_le_bytes().to_vec(),
        (Distribution::Bits, DType::U8) => vec![u32_at(i / 4).to_le_bytes()[(i % 4) as usize]],
        (Distribution::Uniform, DType::F32) => {
            uniform::uniform_f32(u32_at(i)).to_le_bytes().to_vec()
        }
        (Distribution::Uniform, DType::F64) => {
            uniform::uniform_f64(u64_at(i)).to_le_bytes().to_vec()
        }
        (Distribution::Uniform, DType::F16) => {
            uniform::uniform_f16(uniform::half_of(u32_at(i / 2), i % 2 == 1))
                .to_le_bytes()
                .to_vec()
        }
        (Distribution::Uniform, DType::BF16) => {
            uniform::uniform_bf16(uniform::half_of(u32_at(i / 2), i % 2 == 1))
                .to_le_bytes()
                .to_vec()
        }
        (Distribution::Normal { mean, std }, DType::F32) => (*mean as f32
            + *std as f32 * normal::standard_normal_f32(u32_at(i)))
        .to_le_bytes()
        .to_vec(),
        (Distribution::Normal { mean, std }, DType::F64) => (mean
            + std * normal::standard_normal_f64(u64_at(i)))
        .to_le_bytes()
        .to_vec(),
        (Distribution::Bernoulli { p }, DType::U8) => {
            vec![bernoulli::bernoulli(
                u32_at(i),
                bernoulli::threshold(*p).expect("valid p"),
            )]
        }
        (Distribution::Int { lo, hi }, DType::U8) => {
            vec![int::int_u8(u32_at(i), *lo as u64, (hi - lo) as u64)]
        }
        (Distribution::Int { lo, hi }, DType::U32) => {
            int::int_u32(u64_at(i), *lo as u64, (hi - lo) as u64)
                .to_le_bytes()
                .to_vec()
        }
        (Distribution::Int { lo, hi }, DType::U64) => int::int_u64(
            u64_at(2 * i),
            u64_at(2 * i + 1),
            *lo as u64,
            (hi - lo) as u128,
        )
        .to_le_bytes()
        .to_vec(),
        (Distribution::Bits, DType::I32) => u32_at(i).to_le_bytes().to_vec(),
        (Distribution::Bits, DType::I64) => u64_at(i).to_le_bytes().to_vec(),
        (Distribution::Bernoulli { p }, DType::Bool) => {
            let t = bernoulli::threshold(*p).expect("valid p");
            vec![u8::from(u64::from(u32_at(i)) < t)]
        }
        // By the table: lo + floor(x r / 2^k), in i128 (exact), then the
        // value's two's complement bytes (it lies in the dtype).
        (Distribution::Int { lo, hi }, DType::I32) => {
            let t = (u128::from(u64_at(i)) * (hi - lo) as u128) >> 64;
            i32::try_from(lo + t as i128)
                .expect("in range")
                .to_le_bytes()
                .to_vec()
        }
        (Distribution::Int { lo, hi }, DType::I64) => {
            let t = int::int_u64(u64_at(2 * i), u64_at(2 * i + 1), 0, (hi - lo) as u128);
            i64::try_from(lo + i128::from(t))
                .expect("in range")
                .to_le_bytes()
                .to_vec()
        }
        (Distribution::Normal { mean, std }, DType::F16) => {
            continuous::normal_f16(u32_at(i), *mean as f32, *std as f32)
                .to_le_bytes()
                .to_vec()
        }
        (Distribution::Normal { mean, std }, DType::BF16) => {
            continuous::normal_bf16(u32_at(i), *mean as f32, *std as f32)
                .to_le_bytes()
                .to_vec()
        }
        // contract v3: the truncated normal's attempts, each read from the
        // attempt key's stream `att` (dist::attempts), and uniform f16/bf16.
        (Distribution::TruncatedNormal { a, b, mean, std }, DType::F32) => {
            let key = crate::dist::attempts::attempt_key(s, dist.name());
            let plan = truncnorm::PlanF32::new(*a as f32, *b as f32);
            truncnorm::truncated_normal_f32(&plan, *mean as f32, *std as f32, |att| {
                let sa = Stream::new(s.algorithm(), key, u64::from(att)).expect("valid key");
                [reference_u32(&sa, 2 * i), reference_u32(&sa, 2 * i + 1)]
            })
            .to_le_bytes()
            .to_vec()
        }
        (Distribution::TruncatedNormal { a, b, mean, std }, DType::F64) => {
            let key = crate::dist::attempts::attempt_key(s, dist.name());
            let plan = truncnorm::PlanF64::new(*a, *b);
            truncnorm::truncated_normal_f64(&plan, *mean, *std, |att| {
                let sa = Stream::new(s.algorithm(), key, u64::from(att)).expect("valid key");
                [reference_u64(&sa, 2 * i), reference_u64(&sa, 2 * i + 1)]
            })
            .to_le_bytes()
            .to_vec()
        }
        (Distribution::UniformRange { lo, hi }, DType::F16 | DType::BF16) => {
            let (lo, hi) = (
                continuous::round_16(*lo, dtype),
                continuous::round_16(*hi, dtype),
            );
            if dtype == DType::F16 {
                continuous::uniform_range_f16(u32_at(i), lo, hi)
                    .to_le_bytes()
                    .to_vec()
            } else {
                continuous::uniform_range_bf16(u32_at(i), lo, hi)
                    .to_le_bytes()
                    .to_vec()
            }
        }
        (
            Distribution::Gamma { .. }
            | Distribution::ChiSquared { .. }
            | Distribution::Beta { .. }
            | Distribution::StudentT { .. },
            _,
        ) => reference_attempts(s, dist, dtype, i),
        (d, DType::F32) => {
            let Ok(Params::Real { a, b }) = continuous::check(d, DType::F32) else {
                unreachable!("distributions() lists only valid parameters")
            };
            let (a, b, x) = (a as f32, b as f32, u32_at(i));
            let v = match d {
                Distribution::UniformRange { .. } => continuous::uniform_range_f32(x, a, b),
                Distribution::Exponential { .. } => continuous::exponential_f32(x, a),
                Distribution::LogNormal { .. } => continuous::log_normal_f32(x, a, b),
                Distribution::Gumbel { .. } => continuous::gumbel_f32(x, a, b),
                Distribution::Cauchy { .. } => continuous::cauchy_f32(x, a, b),
                Distribution::Logistic { .. } => continuous::logistic_f32(x, a, b),
                Distribution::Laplace { .. } => continuous::laplace_f32(x, a, b),
                _ => unreachable!("distributions() lists only defined pairs"),
            };
            v.to_le_bytes().to_vec()
        }
        (d, DType::F64) => {
            let Ok(Params::Real { a, b }) = continuous::check(d, DType::F64) else {
                unreachable!("distributions() lists only valid parameters")
            };
            let x = u64_at(i);
            let v = match d {
                Distribution::UniformRange { .. } => continuous::uniform_range_f64(x, a, b),
                Distribution::Exponential { .. } => continuous::exponential_f64(x, a),
                Distribution::LogNormal { .. } => continuous::log_normal_f64(x, a, b),
                Distribution::Gumbel { .. } => continuous::gumbel_f64(x, a, b),
                Distribution::Cauchy { .. } => continuous::cauchy_f64(x, a, b),
                Distribution::Logistic { .. } => continuous::logistic_f64(x, a, b),
                Distribution::Laplace { .. } => continuous::laplace_f64(x, a, b),
                _ => unreachable!("distributions() lists only defined pairs"),
            };
            v.to_le_bytes().to_vec()
        }
        (Distribution::Poisson { .. } | Distribution::Binomial { .. }, _) => {
            // By the attempt-space contract (dist::attempts) and the
            // sampler's definition (dist::discrete::sample from attempt 0).
            let key = crate::dist::attempts::attempt_key(s, dist.name());
            let words = |a: u32| {
                let st = Stream::new(s.algorithm(), key, u64::from(a)).expect("attempt stream");
                (reference_u64(&st, 2 * i), reference_u64(&st, 2 * i + 1))
            };
            let k = match dist.prepare(dtype).expect("valid pair").params {
                Params::Poisson { lambda, kmax } => {
                    let d = discrete::Poisson::new(lambda, kmax);
                    discrete::sample(|x0, x1| d.attempt(x0, x1), d.fallback(), 0, words)
                }
                Params::Binomial { n, p } => {
                    let d = discrete::Binomial::new(n, p);
                    discrete::sample(|x0, x1| d.attempt(x0, x1), d.fallback(), 0, words)
                }
                _ => unreachable!("discrete parameters"),
            };
            match dtype {
                DType::U32 => u32::try_from(k).expect("fits").to_le_bytes().to_vec(),
                DType::I32 => i32::try_from(k).expect("fits").to_le_bytes().to_vec(),
                DType::U64 => k.to_le_bytes().to_vec(),
                _ => i64::try_from(k).expect("fits").to_le_bytes().to_vec(),
            }
        }
        _ => unreachable!("distributions() lists only defined pairs"),
    }
}

/// Element `i` of a rejection sampler (contract v3) by hand: attempt `a`
/// reads u32 elements `[i w, (i + 1) w)` of stream `a` of the attempt key
/// (`crate::dist::attempts`), each made by [`reference_u32`]; then the
/// element's definition.
fn reference_attempts(s: &Stream, dist: &Distribution, dtype: DType, i: u128) -> Vec<u8> {
    use Distribution as D;
    let p = dist.prepare(dtype).expect("valid pair");
    let crate::dist::Layout::Attempts { words: w } = p.layout else {
        unreachable!("a rejection sampler")
    };
    let key = crate::dist::attempts::attempt_key(s, dist.name());
    let mut words = |a: u32, out: &mut [u32]| {
        let st = Stream::new(s.algorithm(), key, a.into()).expect("a valid attempt stream");
        for (j, o) in out.iter_mut().enumerate() {
            *o = reference_u32(&st, i * u128::from(w) + j as u128);
        }
    };
    let Params::Real { a, b } = p.params else {
        unreachable!("the gamma family has Params::Real")
    };
    if dtype == DType::F32 {
        let (a, b) = (a as f32, b as f32);
        let v = match dist {
            D::Gamma { .. } => gamma::gamma_f32(&gamma::GammaF32::new(a), b, &mut words),
            D::ChiSquared { .. } => {
                gamma::chi_squared_f32(&gamma::GammaF32::new(a * 0.5), &mut words)
            }
            D::StudentT { .. } => {
                gamma::student_t_f32(&gamma::GammaF32::new(a * 0.5), a, &mut words)
            }
            _ => gamma::beta_f32(
                &gamma::GammaF32::new(a),
                &gamma::GammaF32::new(b),
                &mut words,
            ),
        };
        v.to_le_bytes().to_vec()
    } else {
        let v = match dist {
            D::Gamma { .. } => gamma::gamma_f64(&gamma::GammaF64::new(a), b, &mut words),
            D::ChiSquared { .. } => {
                gamma::chi_squared_f64(&gamma::GammaF64::new(a * 0.5), &mut words)
            }
            D::StudentT { .. } => {
                gamma::student_t_f64(&gamma::GammaF64::new(a * 0.5), a, &mut words)
            }
            _ => gamma::beta_f64(
                &gamma::GammaF64::new(a),
                &gamma::GammaF64::new(b),
                &mut words,
            ),
        };
        v.to_le_bytes().to_vec()
    }
}

/// Element offsets where windows start: 0, far into the stream, and the end.
fn bases(s: &Stream, dist: &Distribution, dtype: DType, window: usize) -> Vec<u128> {
    let len = s.len_of(&dist.prepare(dtype).expect("valid pair"));
    // The window's end: the stream's last elements, past 2^64 where it is longer.
    let last = len - window as u128;
    let cross = (u64::MAX as u128 - window as u128 / 2).min(last);
    let far = ((1u128 << 40) + 3).min(last);
    let mid = ((1u128 << 34) + 1).min(last);
    vec![0, mid, far, cross, last]
}

fn check_definition(s: &Stream, t: &mut Tally) {
    for (dist, dtype) in distributions() {
        for base in bases(s, &dist, dtype, 64) {
            let got = fill_bytes_of(s, &dist, dtype, base, 37);
            let size = dtype.size();
            let ok = got.as_ref().is_ok_and(|g| {
                (0..37).all(|k| {
                    g[k * size..(k + 1) * size]
                        == reference_element(s, &dist, dtype, base + k as u128)[..]
                })
            });
            t.record(ok, || {
                format!(
                    "{} stream {} {dist} {dtype} at {base}: fill differs from the definition",
                    s.algorithm(),
                    s.id()
                )
            });
        }
    }
}

fn slice_plan(m: &Matrix) -> (Vec<usize>, Vec<usize>) {
    let mut offsets = vec![0, 1, 2, 3, 4, 5, 7, 8, 9, 63, 64, 65, 511, 512, 513];
    let mut lengths = vec![
        0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 65, 127, 129, 255, 257, 511, 513,
    ];
    if m.long {
        offsets.extend([1023, 1024, 1025, 4097]);
        for k in 10..=16 {
            lengths.extend([(1 << k) - 1, 1 << k, (1 << k) + 1]);
        }
    }
    (offsets, lengths)
}

fn check_slices(s: &Stream, m: &Matrix, t: &mut Tally) {
    let (offsets, lengths) = slice_plan(m);
    for (dist, dtype) in distributions() {
        let size = dtype.size();
        for base in bases(s, &dist, dtype, m.window) {
            let Ok(whole) = fill_bytes_of(s, &dist, dtype, base, m.window) else {
                t.record(false, || {
                    format!(
                        "{} {dist} {dtype}: fill of {} at {base} failed",
                        s.algorithm(),
                        m.window
                    )
                });
                continue;
            };
            for &o in &offsets {
                for &n in lengths.iter().filter(|&&n| o + n <= m.window) {
                    let part = fill_bytes_of(s, &dist, dtype, base + o as u128, n);
                    let ok = part
                        .as_ref()
                        .is_ok_and(|p| p[..] == whole[o * size..(o + n) * size]);
                    t.record(ok, || {
                        format!("{} stream {} {dist} {dtype}: slice [{}+{o}, +{n}) differs from the whole", s.algorithm(), s.id(), base)
                    });
                }
            }
        }
    }
}

fn check_rng(s: &Stream, t: &mut Tally) {
    macro_rules! walk {
        ($rng:ty) => {{
            let Ok(mut r) = rng::CounterRng::<$rng>::from_stream(s) else {
                t.record(false, || format!("{}: no rand_core adapter", s.algorithm()));
                return;
            };
            let len = stream_len_u32(s.algorithm().shape());
            for start in [0u128, 5, 1 << 32, 1 << 40, len - 300].into_iter().filter(|&x| x + 300 <= len) {
                let ok_seek = r.seek(start).is_ok();
                let mut want = vec![0u32; 300];
                let filled = s.fill_u32(start, &mut want).is_ok();
                // The fill itself against the hand-made reference (past 2^64 too).
                let reference = (0..300u128).all(|k| want[k as usize] == reference_u32(s, start + k));
                t.record(filled && reference, || format!("{} stream {}: fill at {start} differs from the reference", s.algorithm(), s.id()));
                let got: Vec<u32> = (0..300).map(|_| r.next_u32()).collect();
                t.record(ok_seek && got == want, || format!("{} stream {}: rng at {start} differs", s.algorithm(), s.id()));
                // next_u64 at an even position is u64 element pos/2; fill_bytes is the u32 stream LE.
                let _ = r.seek(start);
                let x = r.next_u64();
                let mut bytes = [0u8; 13];
                r.fill_bytes(&mut bytes);
                let want64 = u64::from(want[0]) | (u64::from(want[1]) << 32);
                let want_bytes: Vec<u8> = want[2..6].iter().flat_map(|w| w.to_le_bytes()).take(13).collect();
                t.record(x == want64 && bytes[..] == want_bytes[..], || format!("{}: next_u64/fill_bytes at {start} differ", s.algorithm()));
            }
        }};
    }
    use crate::generator::*;
    match (s.algorithm().family(), s.algorithm().shape()) {
        (Family::Philox, Shape::X2x32) => walk!(Philox2x32),
        (Family::Philox, Shape::X4x32) => walk!(Philox4x32),
        (Family::Philox, Shape::X2x64) => walk!(Philox2x64),
        (Family::Philox, Shape::X4x64) => walk!(Philox4x64),
        (Family::Threefry, Shape::X2x32) => walk!(Threefry2x32),
        (Family::Threefry, Shape::X4x32) => walk!(Threefry4x32),
        (Family::Threefry, Shape::X2x64) => walk!(Threefry2x64),
        (Family::Threefry, Shape::X4x64) => walk!(Threefry4x64),
    }
}

fn check_limits(s: &Stream, t: &mut Tally) {
    let algo = s.algorithm();
    for (dist, dtype) in distributions() {
        let len = s.len_of(&dist.prepare(dtype).expect("valid pair"));
        {
            let last = len - 1;
            t.record(fill_bytes_of(s, &dist, dtype, last, 1).is_ok(), || {
                format!("{algo} {dist} {dtype}: last element {last} not reachable")
            });
            t.record(
                matches!(
                    fill_bytes_of(s, &dist, dtype, last, 2),
                    Err(Error::PastEndOfStream { .. })
                ),
                || format!("{algo} {dist} {dtype}: reading past element {last} was not an error"),
            );
        }
        // Indices are not bounded by 2^64: an end past 2^64 is an error only
        // where the stream itself ends sooner.
        let far = fill_bytes_of(s, &dist, dtype, u64::MAX.into(), 2);
        if u64::MAX as u128 + 2 <= len {
            let size = dtype.size();
            let ok = far.as_ref().is_ok_and(|f| {
                (0..2).all(|k| {
                    f[k * size..(k + 1) * size]
                        == reference_element(s, &dist, dtype, u64::MAX as u128 + k as u128)[..]
                })
            });
            t.record(ok, || {
                format!(
                    "{algo} {dist} {dtype}: elements 2^64-1 and 2^64 differ from the definition"
                )
            });
        } else {
            t.record(matches!(far, Err(Error::PastEndOfStream { .. })), || {
                format!(
                    "{algo} {dist} {dtype}: reading past the end at offset 2^64-1 was not an error"
                )
            });
        }
    }
    if algo.shape() == crate::Shape::X2x32 {
        t.record(
            matches!(
                Stream::new(algo, *s.key(), 1 << 32),
                Err(Error::StreamOutOfRange { .. })
            ),
            || format!("{algo}: stream id 2^32 was accepted"),
        );
    }
}
