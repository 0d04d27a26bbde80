//! The kernels' arithmetic against the Rust definition, without a GPU: the
//! fill kernels' own work unit (`cbrng_fill_group` in kernels/cbrng/fill.cuh,
//! with every block function, conversion and distribution under it) is
//! compiled for the host by g++ (tests/host_twin/twin.cpp, `-std=c++17 -O1
//! -ffp-contract=off`, no fast-math) and its bytes are compared bit for bit
//! with `Stream::fill` on every generator (default and odd round counts),
//! every (distribution, dtype) pair of `check::distributions()`, aligned and
//! unaligned offsets and destinations, stream ids >= 2^32, element indices
//! beyond 2^32 and 2^34, the ends of streams, lengths 0, 1, 2^k ± 1, and a
//! million normals in f32 and f64 per generator.
//!
//! Without g++ the test prints why it skipped; with `CBRNG_REQUIRE_GXX=1`
//! (set by .ci/run) it fails instead.
#![cfg(feature = "cuda")]
use cbrng::check;
use cbrng::cuda::kernels;
use cbrng::dist::{DType, Distribution, Prepared};
use cbrng::{Algorithm, Key, Stream};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod common;
#[path = "common/host_cxx.rs"]
mod host_cxx;

fn twin_or_skip(test: &str) -> Option<PathBuf> {
    static TWIN: std::sync::OnceLock<Result<PathBuf, String>> = std::sync::OnceLock::new();
    host_cxx::or_skip(&TWIN, "twin.cpp", test)
}

/// One fill to compare.
struct Case {
    stream: Stream,
    prepared: Prepared,
    offset: u64,
    count: usize,
    misalign: u64,
}

impl Case {
    fn line(&self) -> String {
        let algo = self.stream.algorithm();
        // A rejection sampler's kernel gets the fill's attempt key and stream 0.
        let (key, id) = cbrng::dist::attempts::engine_key(&self.stream, &self.prepared);
        let mut k = [0u64; 4];
        k[..key.words().len()].copy_from_slice(key.words());
        let (p0, p1, f0, f1) = kernels::fill_params(&self.prepared);
        let dist = kernels::dist_name(&self.prepared.dist, self.prepared.dtype).unwrap();
        format!(
            "{} {} {dist} {} {} {} {} {} {} {} {p0} {p1} {:x} {:x} {}\n",
            kernels::generator_name(algo),
            algo.rounds(),
            k[0],
            k[1],
            k[2],
            k[3],
            id,
            self.offset,
            self.count,
            f0.to_bits(),
            f1.to_bits(),
            self.misalign
        )
    }
    fn describe(&self) -> String {
        format!(
            "{} key {:x?} stream {} {} {} offset {} count {} misalign {}",
            self.stream.algorithm(),
            self.stream.key().words(),
            self.stream.id(),
            self.prepared.dist,
            self.prepared.dtype,
            self.offset,
            self.count,
            self.misalign
        )
    }
}

/// Runs all cases through the twin and compares with the CPU; returns the
/// number of elements compared.
fn compare(twin: &Path, cases: &[Case]) -> u64 {
    let mut child = Command::new(twin)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("run the host twin");
    let input: String = cases.iter().map(Case::line).collect();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let mut stdout = child.stdout.take().unwrap();
    let mut elements = 0u64;
    let mut failures = Vec::new();
    for c in cases {
        let size = c.prepared.dtype.size();
        let mut got = vec![0u8; c.count * size];
        stdout
            .read_exact(&mut got)
            .unwrap_or_else(|e| panic!("twin output ended early at {}: {e}", c.describe()));
        let want = c
            .stream
            .fill_bytes(&c.prepared, c.offset.into(), c.count)
            .unwrap_or_else(|e| panic!("{}: {e}", c.describe()));
        elements += c.count as u64;
        if got != want {
            let i = got
                .chunks(size)
                .zip(want.chunks(size))
                .position(|(a, b)| a != b)
                .unwrap();
            let hex = |b: &[u8]| {
                b.iter()
                    .rev()
                    .map(|x| format!("{x:02x}"))
                    .collect::<String>()
            };
            failures.push(format!(
                "{}: first difference at element {} (stream index {}): device twin {} cpu {}",
                c.describe(),
                i,
                c.offset as u128 + i as u128,
                hex(&got[i * size..(i + 1) * size]),
                hex(&want[i * size..(i + 1) * size])
            ));
        }
    }
    writer.join().unwrap().expect("feed the twin");
    assert!(child.wait().unwrap().success(), "the twin failed");
    assert!(
        failures.is_empty(),
        "{} of {} cases differ; first ones:\n{}",
        failures.len(),
        cases.len(),
        failures[..failures.len().min(20)].join("\n")
    );
    elements
}

/// The generators: all eight at default rounds, and odd round counts of
/// each family (those the twin is built with).
fn algorithms() -> Vec<Algorithm> {
    let mut v = check::algorithms();
    for name in [
        "philox2x32-16",
        "philox4x64-7",
        "threefry4x64-72",
        "threefry2x32-13",
    ] {
        v.push(name.parse().unwrap());
    }
    v
}

/// A small deterministic generator for keys and case choices.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 ^ (self.0 >> 29)
    }
}

fn stream_for(algo: Algorithm, rng: &mut Lcg, id: u64) -> Stream {
    let bits = algo.shape().word_bits();
    let words: Vec<u64> = (0..algo.key_words())
        .map(|_| {
            let w = rng.next();
            if bits == 32 { w & 0xffff_ffff } else { w }
        })
        .collect();
    let key = Key::from_words(algo, &words).unwrap();
    let id = if algo.shape().words() == 2 && bits == 32 {
        id & 0xffff_ffff
    } else {
        id
    };
    Stream::new(algo, key, id).unwrap()
}

/// Moves `offset` back so that `[offset, offset + count)` fits the stream
/// (which makes it a case at the very end of the stream).
/// Device fills address elements by u64 index, so their end must fit one
/// too (see `cbrng::cuda::DEVICE_INDEX_LIMIT`).
fn fit(stream: &Stream, p: &Prepared, offset: u64, count: usize) -> u64 {
    let len = stream.len_of(p).min(cbrng::cuda::DEVICE_INDEX_LIMIT);
    if offset as u128 + count as u128 <= len {
        offset
    } else {
        (len - count as u128) as u64
    }
}

#[test]
fn kernels_match_the_cpu_on_every_generator_distribution_and_dtype() {
    let Some(twin) =
        twin_or_skip("kernels_match_the_cpu_on_every_generator_distribution_and_dtype")
    else {
        return;
    };
    const COUNTS: [usize; 18] = [
        0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 65, 255, 1023, 4097,
    ];
    const OFFSETS: [u64; 14] = [
        0,
        1,
        2,
        3,
        4,
        5,
        8,
        13,
        (1 << 32) - 5,
        (1 << 32) + 3,
        (1 << 34) + 1,
        (1 << 34) + 4096,
        (1 << 40) + 6,
        u64::MAX - 5000, // past the end of most streams: moved to the end
    ];
    const STREAMS: [u64; 4] = [0, 5, (1 << 32) + 9, u64::MAX];
    let mut rng = Lcg(0x5eed);
    let mut cases = Vec::new();
    for algo in algorithms() {
        for (dist, dtype) in check::distributions() {
            let prepared = dist.prepare(dtype).unwrap();
            for k in 0..COUNTS.len() + 4 {
                let stream = stream_for(algo, &mut rng, STREAMS[k % STREAMS.len()]);
                let count = COUNTS[k % COUNTS.len()];
                let offset = OFFSETS[(k * 5 + rng.next() as usize % 3) % OFFSETS.len()];
                cases.push(Case {
                    offset: fit(&stream, &prepared, offset, count),
                    stream,
                    prepared,
                    count,
                    misalign: rng.next() % 4,
                });
            }
            // The last elements of the stream, or the last the device can
            // address (the range ends at 2^64): the last group's end passes
            // 2^64 when the range ends a few elements short of it, which
            // must not turn a partial group into a whole one.
            for short in [0u64, 1, 2, 3, 5, 7, 9, 15] {
                let stream = stream_for(algo, &mut rng, 1);
                let count = 37 + short as usize;
                let end = fit(&stream, &prepared, u64::MAX, count);
                cases.push(Case {
                    offset: end.saturating_sub(short),
                    stream,
                    prepared,
                    count,
                    misalign: short % 3,
                });
            }
        }
    }
    // 2^k ± 1 lengths on a few pairs.
    for (algo, (dist, dtype)) in [
        ("philox4x32-10", (Distribution::Bits, DType::U8)),
        ("threefry4x64-20", (Distribution::Uniform, DType::BF16)),
        (
            "philox2x64-10",
            (Distribution::Int { lo: 0, hi: 1 << 64 }, DType::U64),
        ),
    ] {
        let algo: Algorithm = algo.parse().unwrap();
        let prepared = dist.prepare(dtype).unwrap();
        for k in [10, 13, 16] {
            for count in [(1usize << k) - 1, (1 << k) + 1] {
                cases.push(Case {
                    stream: stream_for(algo, &mut rng, 3),
                    prepared,
                    offset: 11,
                    count,
                    misalign: 1,
                });
            }
        }
    }
    let n = compare(&twin, &cases);
    eprintln!("host twin: {} cases, {n} elements, all equal", cases.len());
}

#[test]
fn a_million_normals_match_in_f32_and_f64() {
    let Some(twin) = twin_or_skip("a_million_normals_match_in_f32_and_f64") else {
        return;
    };
    let mut rng = Lcg(0xa11);
    let mut cases = Vec::new();
    for algo in Algorithm::all_default() {
        for (dist, dtype) in [
            (Distribution::STANDARD_NORMAL, DType::F32),
            (Distribution::STANDARD_NORMAL, DType::F64),
        ] {
            cases.push(Case {
                stream: stream_for(algo, &mut rng, 2),
                prepared: dist.prepare(dtype).unwrap(),
                offset: 3,
                count: 1 << 20,
                misalign: 0,
            });
        }
    }
    let n = compare(&twin, &cases);
    eprintln!("host twin: {n} normals, all equal");
}

/// The contract v3 rows of the fill kernels on a large sample: every
/// truncated-normal interval of `check::distributions_v3()` (every method of
/// its plan, both flips, far tails; with the rejection retries they make),
/// 2^17 elements each on two generators from an offset past 2^32, and
/// uniform f16/bf16 the same.
#[test]
fn contract_v3_rows_match_on_a_large_sample() {
    let Some(twin) = twin_or_skip("contract_v3_rows_match_on_a_large_sample") else {
        return;
    };
    let mut rng = Lcg(0x3a3);
    let mut cases = Vec::new();
    for algo in [Algorithm::PHILOX4X32_10, Algorithm::THREEFRY2X64_20] {
        for (dist, dtype) in check::distributions_v3() {
            cases.push(Case {
                stream: stream_for(algo, &mut rng, 2),
                prepared: dist.prepare(dtype).unwrap(),
                offset: (1 << 32) + 7,
                count: 1 << 17,
                misalign: 1,
            });
        }
    }
    let n = compare(&twin, &cases);
    eprintln!("host twin: {n} contract v3 elements, all equal");
}

/// The categorical kernels' work unit (kernels/cbrng/categorical.cuh's binary
/// search through cbrng_fill_group) against `Categorical::fill`: tables with
/// zeros, one weight, extreme ratios and 2^20 random weights; u32 and u64
/// (= i64) indices; offsets past 2^32, odd lengths, misaligned outputs.
#[test]
fn categorical_kernels_match_the_cpu() {
    use cbrng::dist::categorical::Categorical;
    let Some(twin) = twin_or_skip("categorical_kernels_match_the_cpu") else {
        return;
    };
    let mut rng = Lcg(0xca7);
    let mut big = Vec::with_capacity(1 << 20);
    for _ in 0..1 << 20 {
        big.push((rng.next() >> 11) as f64 * (rng.next() % 1000) as f64);
    }
    let tables = [
        vec![1.0, 0.0, 2.0, 0.0, 0.0, 3.5, 0.0],
        vec![4.0],
        vec![1e-300, 1.0, 1e300, 0.5],
        vec![f64::MAX, 5e-324, f64::MAX],
        big,
    ];
    let mut input = String::new();
    let mut want: Vec<Vec<u8>> = Vec::new();
    for (ti, w) in tables.iter().enumerate() {
        let c = Categorical::new(w).unwrap();
        let t = c.thresholds();
        for algo in [Algorithm::PHILOX4X32_10, Algorithm::THREEFRY2X32_20] {
            for (dist, wide) in [("categorical_u32", false), ("categorical_u64", true)] {
                let s = stream_for(algo, &mut rng, 2);
                let (offset, count) = if ti == 4 {
                    (5u64, 1usize << 17)
                } else {
                    ((1u64 << 31) + 3, 1001)
                };
                let mut k = [0u64; 4];
                k[..s.key().words().len()].copy_from_slice(s.key().words());
                input.push_str(&format!(
                    "{} {} {dist} {} {} {} {} {} {offset} {count} 0 {} 0 0 1\n",
                    kernels::generator_name(algo),
                    algo.rounds(),
                    k[0],
                    k[1],
                    k[2],
                    k[3],
                    s.id(),
                    t.len()
                ));
                for x in t {
                    input.push_str(&format!("{x} "));
                }
                input.push('\n');
                let bytes = if wide {
                    let mut v = vec![0i64; count];
                    c.fill(&s, offset.into(), &mut v).unwrap();
                    bytemuck::cast_slice(&v).to_vec()
                } else {
                    let mut v = vec![0u32; count];
                    c.fill(&s, offset.into(), &mut v).unwrap();
                    bytemuck::cast_slice(&v).to_vec()
                };
                want.push(bytes);
            }
        }
    }
    let mut child = Command::new(&twin)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("run the host twin");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let mut stdout = child.stdout.take().unwrap();
    let mut n = 0;
    for (k, w) in want.iter().enumerate() {
        let mut got = vec![0u8; w.len()];
        stdout.read_exact(&mut got).expect("twin output");
        assert!(got == *w, "categorical case {k} differs from the CPU");
        n += 1;
    }
    writer.join().unwrap().unwrap();
    assert!(child.wait().unwrap().success());
    eprintln!("host twin: {n} categorical fills, all equal");
}

/// The gamma family's device twin (kernels/cbrng/gamma.cuh) on a large
/// sample: every sampler in f32 and f64 at shapes in every regime (the K < 1
/// boost, K = 1, large K, beta with both, one or neither shape below 1,
/// student-t below and above NU = 2), 2^14 elements each on two generators
/// (about 1.1 million elements, some 5 % of them with retries).
#[test]
fn gamma_family_matches_on_a_large_sample() {
    let Some(twin) = twin_or_skip("gamma_family_matches_on_a_large_sample") else {
        return;
    };
    use Distribution as D;
    let dists = [
        D::Gamma {
            k: 0.01,
            theta: 1.0,
        },
        D::Gamma { k: 0.5, theta: 2.0 },
        D::Gamma { k: 1.0, theta: 1.0 },
        D::Gamma { k: 2.0, theta: 0.5 },
        D::Gamma {
            k: 1000.0,
            theta: 1.0,
        },
        D::ChiSquared { k: 1.0 },
        D::ChiSquared { k: 7.0 },
        D::Beta { a: 0.5, b: 0.5 },
        D::Beta { a: 2.0, b: 5.0 },
        D::Beta { a: 0.01, b: 0.01 },
        D::Beta { a: 3.0, b: 0.2 },
        D::StudentT { nu: 1.0 },
        D::StudentT { nu: 3.0 },
        D::StudentT { nu: 30.0 },
        D::StudentT { nu: 0.5 },
    ];
    let mut rng = Lcg(0x9a);
    let mut cases = Vec::new();
    for algo in ["philox4x32-10", "threefry2x64-20"] {
        let algo: Algorithm = algo.parse().unwrap();
        for d in dists {
            for dtype in [DType::F32, DType::F64] {
                cases.push(Case {
                    stream: stream_for(algo, &mut rng, 7),
                    prepared: d.prepare(dtype).unwrap(),
                    offset: (1 << 33) + 5,
                    count: 1 << 14,
                    misalign: 0,
                });
            }
        }
    }
    let n = compare(&twin, &cases);
    eprintln!("host twin: {n} gamma-family elements, all equal");
}

/// The dropout kernels' work unit (kernels/cbrng/dropout.cuh, driven as
/// kernels/dropout.cu drives it) against `Dropout::forward_with_mask`: every
/// generator, dtype and p, aligned and unaligned offsets and buffers, the
/// outputs and both masks; the twin also checks in place and masks only.
#[test]
fn dropout_kernels_match_the_cpu() {
    use cbrng::dropout::{Dropout, MaskOut, bitmask_words};
    use half::{bf16, f16};
    static TWIN: std::sync::OnceLock<Result<PathBuf, String>> = std::sync::OnceLock::new();
    let Some(twin) = host_cxx::or_skip(&TWIN, "dropout_twin.cpp", "dropout_kernels_match_the_cpu")
    else {
        return;
    };
    struct DCase {
        d: Dropout,
        dtype: DType,
        offset: u64,
        count: usize,
        xseed: u64,
        misalign: u64,
    }
    /// x[i]: the low bytes of SplitMix64 output i (as the twin makes it).
    fn x_bytes(seed: u64, n: usize, size: usize) -> Vec<u8> {
        let mut r = common::SplitMix(seed);
        (0..n)
            .flat_map(|_| r.next().to_le_bytes()[..size].to_vec())
            .collect()
    }
    fn cpu<T: cbrng::dist::dropout::DropoutElement>(c: &DCase) -> Vec<u8> {
        let x: Vec<T> = x_bytes(c.xseed, c.count, c.dtype.size())
            .chunks_exact(c.dtype.size())
            .map(bytemuck::pod_read_unaligned)
            .collect();
        let mut y = vec![T::default(); c.count];
        let mut bytes = vec![0u8; c.count];
        let mut bits = vec![0u32; bitmask_words(c.count)];
        let mask = MaskOut {
            bytes: Some(&mut bytes),
            bits: Some(&mut bits),
        };
        c.d.forward_with_mask(c.offset, &x, &mut y, mask).unwrap();
        let mut out = bytemuck::cast_slice(&y).to_vec();
        out.extend_from_slice(&bytes);
        out.extend_from_slice(bytemuck::cast_slice(&bits));
        out
    }
    let mut algos = check::algorithms();
    algos.push("philox4x32-7".parse().unwrap());
    algos.push("threefry4x64-13".parse().unwrap());
    const PS: [f64; 7] = [0.0, 1e-9, 0.1, 0.5, 0.9, 1.0 - 1e-7, 1.0];
    const COUNTS: [usize; 9] = [0, 1, 7, 31, 32, 33, 100, 1023, 4097];
    const OFFSETS: [u64; 6] = [0, 1, 4, 6, (1 << 32) - 3, (1 << 33) - 5000];
    let mut rng = Lcg(0xd0);
    let mut cases = Vec::new();
    for algo in algos {
        for dtype in [DType::F32, DType::F64, DType::F16, DType::BF16] {
            for (k, p) in PS.into_iter().enumerate() {
                for j in 0..3 {
                    let stream = stream_for(algo, &mut rng, [0, 9, u64::MAX][j]);
                    cases.push(DCase {
                        d: Dropout::new(stream, p).unwrap(),
                        dtype,
                        offset: OFFSETS[(k + j) % OFFSETS.len()],
                        count: COUNTS[(3 * k + j) % COUNTS.len()],
                        xseed: rng.next(),
                        misalign: rng.next() % 3,
                    });
                }
            }
        }
    }
    // Tensors that end at element 2^64, the last the device addresses, or
    // just short of it (streams of 2^64 u32 elements or more).
    for algo in ["philox4x32-10", "threefry2x64-20", "philox4x64-10"] {
        let algo: Algorithm = algo.parse().unwrap();
        for dtype in [DType::F32, DType::F16] {
            for (count, short) in [(33usize, 0u64), (100, 3), (7, 1), (64, 0)] {
                let stream = stream_for(algo, &mut rng, 4);
                cases.push(DCase {
                    d: Dropout::new(stream, 0.3).unwrap(),
                    dtype,
                    offset: u64::MAX - (count as u64 - 1) - short,
                    count,
                    xseed: rng.next(),
                    misalign: short % 2,
                });
            }
        }
    }
    let mut input = String::new();
    for c in &cases {
        let s = c.d.stream();
        let mut k = [0u64; 4];
        k[..s.key().words().len()].copy_from_slice(s.key().words());
        input.push_str(&format!(
            "{} {} {} {} {} {} {} {} {} {} {} {:x} {:x} {} {}\n",
            kernels::generator_name(s.algorithm()),
            s.algorithm().rounds(),
            c.dtype,
            k[0],
            k[1],
            k[2],
            k[3],
            s.id(),
            c.offset,
            c.count,
            c.d.threshold(),
            c.d.scale().s32.to_bits(),
            c.d.scale().s64.to_bits(),
            c.xseed,
            c.misalign
        ));
    }
    let mut child = Command::new(&twin)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("run the dropout twin");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let mut stdout = child.stdout.take().unwrap();
    let mut elements = 0;
    for c in &cases {
        let want = match c.dtype {
            DType::F32 => cpu::<f32>(c),
            DType::F64 => cpu::<f64>(c),
            DType::F16 => cpu::<f16>(c),
            _ => cpu::<bf16>(c),
        };
        let mut got = vec![0u8; want.len()];
        stdout.read_exact(&mut got).expect("twin output");
        let first = got.iter().zip(&want).position(|(a, b)| a != b);
        assert!(
            first.is_none(),
            "{} {} p {} offset {} count {}: first differing byte {first:?}",
            c.d.stream().algorithm(),
            c.dtype,
            c.d.p(),
            c.offset,
            c.count
        );
        elements += c.count;
    }
    writer.join().unwrap().expect("feed the twin");
    assert!(child.wait().unwrap().success(), "the dropout twin failed");
    eprintln!(
        "dropout twin: {} cases, {elements} elements, all equal",
        cases.len()
    );
}

/// The contract v2 device functions one call at a time
/// (tests/host_twin/math_twin.cpp) against the Rust definition: the
/// elementary functions on their whole domains and the distributions on
/// 2^17 random stream elements each plus the edge elements (u32/u64 0, 1,
/// the ends of each half, the Cauchy switch), at two parameter sets.
#[test]
fn v2_device_functions_match_the_cpu_one_call_at_a_time() {
    use cbrng::dist::{continuous as c, exact_math as m};
    use half::{bf16, f16};
    static TWIN: std::sync::OnceLock<Result<PathBuf, String>> = std::sync::OnceLock::new();
    let Some(twin) = host_cxx::or_skip(
        &TWIN,
        "math_twin.cpp",
        "v2_device_functions_match_the_cpu_one_call_at_a_time",
    ) else {
        return;
    };
    type F = Box<dyn Fn(u64, f64, f64) -> u64>;
    let f32_of = |x: u64| f32::from_bits(x as u32);
    let f64_of = f64::from_bits;
    let b32 = |v: f32| u64::from(v.to_bits());
    #[rustfmt::skip]
    let funcs: Vec<(&str, F, bool)> = vec![
        ("ln_f32", Box::new(move |x, _, _| b32(m::ln_f32(f32_of(x)))), true),
        ("ln_f64", Box::new(move |x, _, _| m::ln_f64(f64_of(x)).to_bits()), true),
        ("log1p_f32", Box::new(move |x, _, _| b32(m::log1p_f32(f32_of(x)))), true),
        ("log1p_f64", Box::new(move |x, _, _| m::log1p_f64(f64_of(x)).to_bits()), true),
        ("exp_f32", Box::new(move |x, _, _| b32(m::exp_f32(f32_of(x)))), true),
        ("exp_f64", Box::new(move |x, _, _| m::exp_f64(f64_of(x)).to_bits()), true),
        ("sinpi_f32", Box::new(move |x, _, _| b32(m::sinpi_f32(f32_of(x)))), true),
        ("sinpi_f64", Box::new(move |x, _, _| m::sinpi_f64(f64_of(x)).to_bits()), true),
        ("cospi_f32", Box::new(move |x, _, _| b32(m::cospi_f32(f32_of(x)))), true),
        ("cospi_f64", Box::new(move |x, _, _| m::cospi_f64(f64_of(x)).to_bits()), true),
        ("exponential_f32", Box::new(move |x, a, _| b32(c::exponential_f32(x as u32, a as f32))), false),
        ("exponential_f64", Box::new(|x, a, _| c::exponential_f64(x, a).to_bits()), false),
        ("log_normal_f32", Box::new(move |x, a, b| b32(c::log_normal_f32(x as u32, a as f32, b as f32))), false),
        ("log_normal_f64", Box::new(|x, a, b| c::log_normal_f64(x, a, b).to_bits()), false),
        ("gumbel_f32", Box::new(move |x, a, b| b32(c::gumbel_f32(x as u32, a as f32, b as f32))), false),
        ("gumbel_f64", Box::new(|x, a, b| c::gumbel_f64(x, a, b).to_bits()), false),
        ("cauchy_f32", Box::new(move |x, a, b| b32(c::cauchy_f32(x as u32, a as f32, b as f32))), false),
        ("cauchy_f64", Box::new(|x, a, b| c::cauchy_f64(x, a, b).to_bits()), false),
        ("logistic_f32", Box::new(move |x, a, b| b32(c::logistic_f32(x as u32, a as f32, b as f32))), false),
        ("logistic_f64", Box::new(|x, a, b| c::logistic_f64(x, a, b).to_bits()), false),
        ("laplace_f32", Box::new(move |x, a, b| b32(c::laplace_f32(x as u32, a as f32, b as f32))), false),
        ("laplace_f64", Box::new(|x, a, b| c::laplace_f64(x, a, b).to_bits()), false),
        ("uniform_range_f32", Box::new(move |x, a, b| b32(c::uniform_range_f32(x as u32, a as f32, b as f32))), false),
        ("uniform_range_f64", Box::new(|x, a, b| c::uniform_range_f64(x, a, b).to_bits()), false),
        ("normal_f16", Box::new(|x, a, b| u64::from(f16::to_bits(c::normal_f16(x as u32, a as f32, b as f32)))), false),
        ("normal_bf16", Box::new(|x, a, b| u64::from(bf16::to_bits(c::normal_bf16(x as u32, a as f32, b as f32)))), false),
    ];
    let mut rng = Lcg(0x7a1);
    let mut lines = String::new();
    let mut want = Vec::new();
    for (name, f, elementary) in &funcs {
        let is32 = name.ends_with("_f32") || name.ends_with("16");
        let mut inputs: Vec<u64> = Vec::new();
        if *elementary {
            // Inputs across the domain: float bits drawn from each function's range.
            for _ in 0..1 << 17 {
                let r = rng.next();
                let v: f64 = match *name {
                    n if n.starts_with("ln") => f64::from_bits(
                        r % (0x7fe0_0000_0000_0000 - 0x0010_0000_0000_0000) + 0x0010_0000_0000_0000,
                    )
                    .clamp(1e-37, 1e38),
                    n if n.starts_with("log1p") => {
                        let t = (r >> 11) as f64 / (1u64 << 53) as f64;
                        if r & 1 == 0 {
                            t - 0.999
                        } else {
                            (t * 80.0 - 60.0).exp2()
                        }
                    }
                    n if n.starts_with("exp") => {
                        (r >> 11) as f64 / (1u64 << 53) as f64 * 220.0 - 115.0
                    }
                    _ => (r >> 11) as f64 / (1u64 << 53) as f64 * 0.25,
                };
                inputs.push(if is32 {
                    u64::from((v as f32).to_bits())
                } else {
                    v.to_bits()
                });
            }
        } else {
            for _ in 0..1 << 17 {
                let r = rng.next();
                inputs.push(if is32 { r & 0xffff_ffff } else { r });
            }
            let (top, kmax, shift) = if is32 {
                (1u64 << 31, (1u64 << 31) - 1, 0)
            } else {
                (1u64 << 63, (1u64 << 52) - 1, 11)
            };
            for k in [
                0,
                1,
                2,
                kmax,
                kmax - 1,
                kmax / 2,
                kmax / 2 + 1,
                kmax / 4,
                kmax / 4 + 1,
            ] {
                inputs.push(k << shift);
                inputs.push((k << shift) | top);
                inputs.push((k << shift) | top | ((1 << shift) - 1));
            }
        }
        let params: &[(f64, f64)] = match *name {
            n if n.starts_with("uniform_range") => &[(-1.5, 2.0), (1e6, 1e6 + 1.0)],
            n if n.starts_with("exponential") => &[(1.0, 0.0), (0.25, 0.0)],
            n if n.starts_with("normal") => &[(0.0, 1.0), (-2.5, 3.0)],
            _ if *elementary => &[(0.0, 0.0)],
            _ => &[(0.0, 1.0), (-3.0, 0.5)],
        };
        for &(a, b) in params {
            for &x in &inputs {
                lines.push_str(&format!(
                    "{name} {:x} {:x} {x:x}\n",
                    a.to_bits(),
                    b.to_bits()
                ));
                want.push((name, x, a, b, f(x, a, b)));
            }
        }
    }
    let mut child = Command::new(&twin)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("run the math twin");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(lines.as_bytes()));
    let mut text = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    writer.join().unwrap().expect("feed the twin");
    assert!(child.wait().unwrap().success(), "the math twin failed");
    let got: Vec<u64> = text
        .lines()
        .map(|l| u64::from_str_radix(l, 16).unwrap())
        .collect();
    assert_eq!(got.len(), want.len(), "one result per call");
    let bad: Vec<String> = got
        .iter()
        .zip(&want)
        .filter(|(g, w)| **g != w.4)
        .map(|(g, (n, x, a, b, w))| {
            format!("{n}({x:#x}; {a}, {b}): device twin {g:#x}, cpu {w:#x}")
        })
        .collect();
    assert!(
        bad.is_empty(),
        "{} of {} calls differ:\n{}",
        bad.len(),
        want.len(),
        bad[..bad.len().min(20)].join("\n")
    );
    eprintln!("math twin: {} calls, all equal", want.len());
}

/// The discrete rejection samplers (contract v3) on large samples in every
/// regime: Poisson inversion (LAMBDA < 10) and PTRS, binomial inversion and
/// BTRS, P > 1/2 (the flip), the extreme N, in each of their kernels' dtypes,
/// on four generators: 2^18 elements per case (a tenth to a quarter of them
/// rejected at attempt 0 and retried), 3.1 million elements in all.
#[test]
fn discrete_samplers_match_on_large_samples() {
    let Some(twin) = twin_or_skip("discrete_samplers_match_on_large_samples") else {
        return;
    };
    let mut rng = Lcg(0xd15c);
    let mut cases = Vec::new();
    let sets = [
        (Distribution::Poisson { lambda: 0.7 }, DType::U32),
        (Distribution::Poisson { lambda: 9.99 }, DType::I64),
        (Distribution::Poisson { lambda: 10.0 }, DType::U32),
        (Distribution::Poisson { lambda: 1234.5 }, DType::U64),
        (Distribution::Poisson { lambda: 1e9 }, DType::I32),
        (Distribution::Poisson { lambda: 1e12 }, DType::U64),
        (Distribution::Binomial { n: 30, p: 0.2 }, DType::U32),
        (
            Distribution::Binomial {
                n: 1_000_000_000,
                p: 0.999_999_999_5,
            },
            DType::I64,
        ),
        (Distribution::Binomial { n: 45, p: 0.5 }, DType::U64),
        (Distribution::Binomial { n: 100_000, p: 0.8 }, DType::I32),
        (
            Distribution::Binomial {
                n: (1 << 53) - 1,
                p: 0.3,
            },
            DType::U64,
        ),
        (
            Distribution::Binomial {
                n: 4_000_000_000,
                p: 0.01,
            },
            DType::U32,
        ),
    ];
    let algos = [
        "philox4x32-10",
        "threefry2x64-20",
        "philox2x32-10",
        "threefry4x64-20",
    ];
    for (j, (dist, dtype)) in sets.into_iter().enumerate() {
        let algo: Algorithm = algos[j % algos.len()].parse().unwrap();
        let prepared = dist.prepare(dtype).unwrap();
        let stream = stream_for(algo, &mut rng, 7 + j as u64);
        let offset = fit(&stream, &prepared, [0, 5, (1 << 33) + 3][j % 3], 1 << 18);
        cases.push(Case {
            stream,
            prepared,
            offset,
            count: 1 << 18,
            misalign: (j % 2) as u64,
        });
    }
    let n = compare(&twin, &cases);
    eprintln!("host twin: {n} discrete elements, all equal");
}
