//! Dropout on the CPU against an independent reference: which elements are
//! kept comes from the Bernoulli(p) fill (a separate path through the fill
//! engine), and the kept values from exact products rounded once (f32, via
//! f64) or by the `half` crate (f16, bf16). Plus the masks, in place and
//! backward passes, threads and backends, statistics over 10^8 elements,
//! errors, and the training-loop keys.
mod common;
use cbrng::dist::Distribution;
use cbrng::dist::dropout::{self as def, DropoutElement};

use cbrng::dropout::{Dropout, DropoutKeys, MaskOut, bitmask_words};
use cbrng::{Algorithm, CpuBackend, CpuOptions, Error, Stream};
use common::SplitMix;
use half::{bf16, f16};

const PS: [f64; 7] = [0.0, 1e-9, 0.1, 0.5, 0.9, 1.0 - 1e-7, 1.0];

/// Inputs with every kind of value: random bit patterns (NaNs, infinities,
/// subnormals, zeros of both signs included).
trait Input: DropoutElement + Copy {
    fn from_bits(r: u64) -> Self;
    fn bits(self) -> u64;
    /// The reference value of a kept element, scale `1 / (1 - p)`.
    fn reference(self, s64: f64) -> Self;
}
impl Input for f32 {
    fn from_bits(r: u64) -> f32 {
        f32::from_bits(r as u32)
    }
    fn bits(self) -> u64 {
        self.to_bits().into()
    }
    fn reference(self, s64: f64) -> f32 {
        // The product of two f32 is exact in f64; one rounding to f32.
        ((self as f64) * (s64 as f32 as f64)) as f32
    }
}
impl Input for f64 {
    fn from_bits(r: u64) -> f64 {
        f64::from_bits(r)
    }
    fn bits(self) -> u64 {
        self.to_bits()
    }
    fn reference(self, s64: f64) -> f64 {
        self * s64
    }
}
impl Input for f16 {
    fn from_bits(r: u64) -> f16 {
        f16::from_bits(r as u16)
    }
    fn bits(self) -> u64 {
        self.to_bits().into()
    }
    fn reference(self, s64: f64) -> f16 {
        // Exact in f64 (11 x 24 bits), rounded to f32, then by `half` to f16.
        f16::from_f32((self.to_f64() * (s64 as f32 as f64)) as f32)
    }
}
impl Input for bf16 {
    fn from_bits(r: u64) -> bf16 {
        bf16::from_bits(r as u16)
    }
    fn bits(self) -> u64 {
        self.to_bits().into()
    }
    fn reference(self, s64: f64) -> bf16 {
        bf16::from_f32((self.to_f64() * (s64 as f32 as f64)) as f32)
    }
}

fn inputs<T: Input>(seed: u64, n: usize) -> Vec<T> {
    let mut r = SplitMix(seed);
    (0..n).map(|_| T::from_bits(r.next())).collect()
}

/// Dropped flags from the Bernoulli(p) fill: 1 = dropped.
fn dropped(s: &Stream, p: f64, offset: u64, n: usize) -> Vec<u8> {
    let mut m = vec![0u8; n];
    s.fill(&Distribution::Bernoulli { p }, offset.into(), &mut m)
        .unwrap();
    m
}

fn pack(kept: &[u8]) -> Vec<u32> {
    let mut w = vec![0u32; bitmask_words(kept.len())];
    for (i, &k) in kept.iter().enumerate() {
        w[i / 32] |= u32::from(k) << (i % 32);
    }
    w
}

fn check_forward<T: Input>(s: &Stream, p: f64, offset: u64, n: usize, seed: u64) {
    let d = Dropout::new(*s, p).unwrap();
    let x: Vec<T> = inputs(seed, n);
    let mut y = vec![T::default(); n];
    let mut bytes = vec![7u8; n];
    let mut bits = vec![0xdead_beef_u32; bitmask_words(n)];
    d.forward_with_mask(
        offset,
        &x,
        &mut y,
        MaskOut {
            bytes: Some(&mut bytes),
            bits: Some(&mut bits),
        },
    )
    .unwrap();
    let s64 = if p == 1.0 { 0.0 } else { 1.0 / (1.0 - p) };
    let drop = dropped(s, p, offset, n);
    let kept: Vec<u8> = drop.iter().map(|&b| 1 - b).collect();
    let ctx = || format!("{} p {p} offset {offset} n {n}", s.algorithm());
    assert_eq!(bytes, kept, "byte mask, {}", ctx());
    assert_eq!(bits, pack(&kept), "bitmask, {}", ctx());
    for i in 0..n {
        let want = if kept[i] == 0 {
            0
        } else if is_nan(x[i]) {
            x[i].bits()
        } else {
            x[i].reference(s64).bits()
        };
        assert_eq!(
            y[i].bits(),
            want,
            "element {i}: x {:?} y {:?}, {}",
            x[i],
            y[i],
            ctx()
        );
    }
}

fn is_nan<T: Input>(x: T) -> bool {
    let f: f64 = match T::DTYPE {
        cbrng::dist::DType::F32 => f32::from_bits(x.bits() as u32) as f64,
        cbrng::dist::DType::F64 => f64::from_bits(x.bits()),
        cbrng::dist::DType::F16 => f16::from_bits(x.bits() as u16).to_f64(),
        _ => bf16::from_bits(x.bits() as u16).to_f64(),
    };
    f.is_nan()
}

#[test]
fn forward_matches_an_independent_reference_for_every_dtype_generator_and_p() {
    const OFFSETS: [u64; 7] = [0, 1, 3, 4, 5, (1 << 32) - 3, (1 << 34) + 1];
    const COUNTS: [usize; 7] = [0, 1, 31, 33, 64, 257, 1000];
    let mut k = 0u64;
    for algo in Algorithm::all_default() {
        let s = Stream::from_seed(algo, 0x5eed_0000 + k, 3).unwrap();
        for p in PS {
            for (j, &n) in COUNTS.iter().enumerate() {
                // philox2x32 streams end at 2^33: its offsets wrap below that.
                let off = OFFSETS[(j + k as usize) % OFFSETS.len()] % ((1 << 33) - 4096);
                k += 1;
                check_forward::<f32>(&s, p, off, n, k);
                check_forward::<f64>(&s, p, off, n, k);
                check_forward::<f16>(&s, p, off, n, k);
                check_forward::<bf16>(&s, p, off, n, k);
            }
        }
    }
}

#[test]
fn in_place_backward_and_mask_only_calls_agree_with_the_forward_pass() {
    let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 99, 1u64 << 33).unwrap();
    for p in [0.1, 0.5] {
        let d = Dropout::new(s, p).unwrap();
        for k in [5, 10, 16] {
            for n in [(1usize << k) - 1, (1 << k) + 1] {
                for off in [0u64, 7] {
                    let x: Vec<bf16> = inputs(n as u64, n);
                    let mut y = vec![bf16::ZERO; n];
                    let mut bytes = vec![0u8; n];
                    let mut bits = vec![0u32; bitmask_words(n)];
                    d.forward_with_mask(
                        off,
                        &x,
                        &mut y,
                        MaskOut {
                            bytes: Some(&mut bytes),
                            bits: Some(&mut bits),
                        },
                    )
                    .unwrap();
                    let bits16 = |v: &[bf16]| v.iter().map(|b| b.to_bits()).collect::<Vec<_>>();
                    let mut z = x.clone();
                    d.forward_in_place(off, &mut z).unwrap();
                    assert_eq!(bits16(&z), bits16(&y));
                    let mut dx = vec![bf16::ZERO; n];
                    d.backward(off, &x, &mut dx).unwrap();
                    assert_eq!(bits16(&dx), bits16(&y));
                    let mut g = x.clone();
                    d.backward_in_place(off, &mut g).unwrap();
                    assert_eq!(bits16(&g), bits16(&y));
                    let mut b2 = vec![9u8; n];
                    d.mask_bytes(off, &mut b2).unwrap();
                    assert_eq!(b2, bytes);
                    let mut w2 = vec![1u32; bitmask_words(n)];
                    d.mask_bits(off, n, &mut w2).unwrap();
                    assert_eq!(w2, bits);
                    assert_eq!(w2, pack(&bytes), "the bitmask packs the byte mask");
                }
            }
        }
    }
}

#[test]
fn forward_then_backward_equals_a_stored_mask_then_backward() {
    let keys = DropoutKeys::new("threefry4x32-20".parse().unwrap(), 7).unwrap();
    let d = keys.dropout(3, 1, 0.3).unwrap();
    let n = 100_003;
    let x: Vec<f32> = inputs(1, n);
    let dy: Vec<f32> = inputs(2, n);
    // A framework that stores the mask.
    let mut y = vec![0f32; n];
    let mut mask = vec![0u8; n];
    d.forward_with_mask(
        11,
        &x,
        &mut y,
        MaskOut {
            bytes: Some(&mut mask),
            bits: None,
        },
    )
    .unwrap();
    let stored: Vec<f32> = dy
        .iter()
        .zip(&mask)
        .map(|(&g, &m)| def::dropout_f32(g, m == 1, &d.scale()))
        .collect();
    // cbrng regenerates it.
    let mut dx = vec![0f32; n];
    d.backward(11, &dy, &mut dx).unwrap();
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&dx), bits(&stored));
}

#[test]
fn bytes_do_not_depend_on_threads_or_backend() {
    let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 5, 0).unwrap();
    let n = 3_000_017;
    let x: Vec<f32> = inputs(3, n);
    let reference = {
        let d = Dropout::new(s, 0.25).unwrap().with_cpu_options(
            CpuOptions::auto()
                .with_backend(CpuBackend::Scalar)
                .unwrap()
                .with_threads(1)
                .unwrap(),
        );
        let mut y = vec![0f32; n];
        let mut bits = vec![0u32; bitmask_words(n)];
        d.forward_with_mask(
            13,
            &x,
            &mut y,
            MaskOut {
                bytes: None,
                bits: Some(&mut bits),
            },
        )
        .unwrap();
        (y, bits)
    };
    for be in CpuBackend::ALL.into_iter().filter(|b| b.is_available()) {
        for threads in [1, 2, 3, 8] {
            let d = Dropout::new(s, 0.25).unwrap().with_cpu_options(
                CpuOptions::auto()
                    .with_backend(be)
                    .unwrap()
                    .with_threads(threads)
                    .unwrap(),
            );
            let mut y = vec![0f32; n];
            let mut bits = vec![0u32; bitmask_words(n)];
            d.forward_with_mask(
                13,
                &x,
                &mut y,
                MaskOut {
                    bytes: None,
                    bits: Some(&mut bits),
                },
            )
            .unwrap();
            let same = y
                .iter()
                .zip(&reference.0)
                .all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same, "{be:?} {threads}");
            assert_eq!(bits, reference.1, "{be:?} {threads}");
        }
    }
}

#[test]
fn the_kept_fraction_is_within_statistical_bounds_over_1e8_elements() {
    // 1e7 in a debug build (the bounds scale with n): 1e8 takes minutes there.
    let n: usize = if cfg!(debug_assertions) {
        10_000_000
    } else {
        100_000_000
    };
    let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 2024, 0).unwrap();
    let mut bits = vec![0u32; bitmask_words(n)];
    for p in PS {
        let d = Dropout::new(s, p).unwrap();
        d.mask_bits(1 << 20, n, &mut bits).unwrap();
        let kept: u64 = bits.iter().map(|w| u64::from(w.count_ones())).sum();
        // Exact keep probability of the threshold: 1 - t / 2^32.
        let q = 1.0 - d.threshold() as f64 / 4_294_967_296.0;
        let mean = q * n as f64;
        let sd = (n as f64 * q * (1.0 - q)).sqrt();
        // Six standard deviations, and at least a Poisson allowance for the
        // nearly certain cases (p = 1e-9 drops ~0.09 of 1e8; 1 - 1e-7 keeps ~10).
        let slack = (6.0 * sd).max(6.0 * mean.min(n as f64 - mean).sqrt() + 6.0);
        assert!(
            (kept as f64 - mean).abs() <= slack,
            "p {p}: kept {kept} of {n}, expected {mean:.1} ± {slack:.1}"
        );
        if p == 0.0 {
            assert_eq!(kept, n as u64);
        }
        if p == 1.0 {
            assert_eq!(kept, 0);
        }
    }
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 1, 0).unwrap();
    for p in [-0.1, 1.0 + 1e-12, f64::NAN, f64::INFINITY] {
        assert!(
            matches!(Dropout::new(s, p), Err(Error::BadParameter { .. })),
            "p = {p}"
        );
    }
    let d = Dropout::new(s, 0.5).unwrap();
    let x = [1f32; 10];
    let mut y = [0f32; 9];
    assert!(matches!(
        d.forward(0, &x, &mut y),
        Err(Error::LengthMismatch {
            got: 9,
            want: 10,
            ..
        })
    ));
    let mut y = [0f32; 10];
    let mut bytes = [0u8; 3];
    let e = d
        .forward_with_mask(
            0,
            &x,
            &mut y,
            MaskOut {
                bytes: Some(&mut bytes),
                bits: None,
            },
        )
        .unwrap_err();
    assert!(e.to_string().contains("byte mask holds 3"), "{e}");
    let mut words = [0u32; 2];
    assert!(d.mask_bits(0, 33, &mut words).is_ok());
    assert!(d.mask_bits(0, 65, &mut words).is_err());
    // The end of a philox2x32 stream: 2^33 u32 elements.
    let short = Stream::from_seed("philox2x32-10".parse().unwrap(), 1, 0).unwrap();
    let d = Dropout::new(short, 0.5).unwrap();
    assert!(matches!(
        d.forward(u64::MAX - 4, &x, &mut y),
        Err(Error::PastEndOfStream { .. })
    ));
    assert!(d.forward((1 << 33) - 10, &x, &mut y).is_ok());
    assert!(d.forward((1 << 33) - 9, &x, &mut y).is_err());
}

#[test]
fn p_zero_is_the_identity_and_p_one_gives_positive_zeros() {
    let s = Stream::from_seed("threefry2x64-20".parse().unwrap(), 3, 4).unwrap();
    let x: Vec<f64> = inputs(8, 5000);
    let mut y = vec![1f64; 5000];
    Dropout::new(s, 0.0)
        .unwrap()
        .forward(9, &x, &mut y)
        .unwrap();
    assert!(x.iter().zip(&y).all(|(a, b)| a.to_bits() == b.to_bits()));
    Dropout::new(s, 1.0)
        .unwrap()
        .forward(9, &x, &mut y)
        .unwrap();
    assert!(y.iter().all(|v| v.to_bits() == 0));
}

/// f32 -> f16 and f32 -> bf16 rounding (used by the f16/bf16 kernels in
/// integer arithmetic) equal the `half` crate's for every f32 but NaNs,
/// whose quiet payload is checked separately.
#[test]
fn half_roundings_equal_the_half_crate_for_every_f32() {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let per = (1u64 << 32).div_ceil(threads as u64);
    std::thread::scope(|sc| {
        for t in 0..threads as u64 {
            sc.spawn(move || {
                let (a, b) = (t * per, ((t + 1) * per).min(1 << 32));
                // A debug build checks every top 16 bits with the low 16 bits
                // at and around each rounding boundary of f16 (bits 12..15 at
                // normal results; higher ones, for subnormal results, lie in
                // the top half, which is complete) and bf16 (bit 15): 2^32
                // checks take many minutes there.
                const EDGES: [u64; 20] = [
                    0x0000, 0x0001, 0x0FFF, 0x1000, 0x1001, 0x1FFF, 0x2000, 0x2001, 0x2FFF, 0x3000,
                    0x3001, 0x3FFF, 0x4000, 0x4001, 0x7FFF, 0x8000, 0x8001, 0xBFFF, 0xC000, 0xFFFF,
                ];
                let check = |i: u64| {
                    let x = f32::from_bits(i as u32);
                    if x.is_nan() {
                        return;
                    }
                    let h = def::f32_to_f16_bits(x);
                    assert_eq!(h, f16::from_f32(x).to_bits(), "f16 of {i:#010x}");
                    let bh = def::f32_to_bf16_bits(x);
                    assert_eq!(bh, bf16::from_f32(x).to_bits(), "bf16 of {i:#010x}");
                };
                if cfg!(debug_assertions) {
                    for top in a >> 16..b.div_ceil(1 << 16) {
                        for e in EDGES {
                            let i = top << 16 | e;
                            if (a..b).contains(&i) {
                                check(i);
                            }
                        }
                    }
                } else {
                    for i in a..b {
                        check(i);
                    }
                }
            });
        }
    });
    let nan = f32::from_bits(0x7f80_2001);
    assert_eq!(def::f32_to_f16_bits(nan), 0x7e01);
    assert_eq!(def::f32_to_bf16_bits(nan), 0x7fc0);
}

#[test]
fn dropout_keys_give_every_step_layer_and_replica_its_own_stream() {
    let keys = DropoutKeys::new(Algorithm::PHILOX4X32_10, 42).unwrap();
    let mut seen = std::collections::HashSet::new();
    for step in 0..20 {
        for layer in 0..12 {
            for replica in 0..3 {
                let s = keys.stream(step, layer, replica).unwrap();
                assert!(seen.insert((s.key().words().to_vec(), s.id())));
            }
        }
    }
    assert_eq!(keys.stream(3, 4, 0), keys.stream(3, 4, 0));
    assert_ne!(
        DropoutKeys::new(Algorithm::PHILOX4X32_10, 43)
            .unwrap()
            .stream(3, 4, 0),
        keys.stream(3, 4, 0)
    );
    // Replica ids must fit the generator's stream ids.
    let small = DropoutKeys::new("philox2x32-10".parse().unwrap(), 1).unwrap();
    assert!(small.stream(0, 0, 1 << 32).is_err());
}

/// Frozen outputs (tests/data/dropout_v1.txt): dropout is part of the stream
/// contract, so these bits must never change.
#[test]
fn outputs_match_the_frozen_dropout_v1_vectors() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/dropout_v1.txt"
    ))
    .unwrap();
    // CBRNG_BLESS=1 fills in lines written as `... : N` (N values).
    let bless = std::env::var("CBRNG_BLESS").as_deref() == Ok("1");
    let mut blessed = String::new();
    let mut lines = 0;
    for line in text.lines() {
        if line.starts_with('#') || line.is_empty() {
            blessed.push_str(line);
            blessed.push('\n');
            continue;
        }
        let (lhs, rhs) = line.split_once(" : ").unwrap();
        let f: Vec<&str> = lhs.split_whitespace().collect();
        let algo: Algorithm = f[0].parse().unwrap();
        let keys = DropoutKeys::new(algo, f[1].parse().unwrap()).unwrap();
        let (step, layer): (u64, u64) = (f[2].parse().unwrap(), f[3].parse().unwrap());
        let p: f64 = f[4].parse().unwrap();
        let offset: u64 = f[5].parse().unwrap();
        let d = keys.dropout(step, layer, p).unwrap();
        let want: Vec<&str> = rhs.split_whitespace().collect();
        let n = match (bless, want.as_slice()) {
            (true, [count]) if count.len() < 4 => count.parse().unwrap(),
            _ => want.len(),
        };
        let got: Vec<String> = match f[6] {
            "f32" => {
                let x: Vec<f32> = (0..n).map(|i| 1.0 + i as f32 / 8.0).collect();
                let mut y = vec![0f32; n];
                d.forward(offset, &x, &mut y).unwrap();
                y.iter().map(|v| format!("{:08x}", v.to_bits())).collect()
            }
            "bf16" => {
                let x: Vec<bf16> = (0..n)
                    .map(|i| bf16::from_f32(1.0 + i as f32 / 8.0))
                    .collect();
                let mut y = vec![bf16::ZERO; n];
                d.forward(offset, &x, &mut y).unwrap();
                y.iter().map(|v| format!("{:04x}", v.to_bits())).collect()
            }
            "bits" => {
                let mut w = vec![0u32; n];
                d.mask_bits(offset, 32 * n, &mut w).unwrap();
                w.iter().map(|v| format!("{v:08x}")).collect()
            }
            other => panic!("unknown kind {other}"),
        };
        if bless {
            blessed.push_str(&format!("{lhs} : {}\n", got.join(" ")));
        } else {
            assert_eq!(got, want, "{line}");
        }
        lines += 1;
    }
    if bless {
        std::fs::write(
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/dropout_v1.txt"),
            blessed,
        )
        .unwrap();
    }
    assert_eq!(lines, 12);
}
