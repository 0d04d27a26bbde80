//! The compat kernels' arithmetic against the CPU definitions, without a
//! GPU: their work units (kernels/compat: `cbrng_curand_chunk`,
//! `cbrng_torch_thread`, `cbrng_torch_dropout_thread`, `cbrng_jax_element`)
//! compiled for the host by g++ (tests/host_twin/compat_twin.cpp, `-O1
//! -ffp-contract=off`, no fast-math), run for every unit with the launch
//! arguments `cbrng::cuda::compat::{curand,torch,jax}_launch` compute (the
//! ones `Gpu::curand_fill`, `torch_fill`, `jax_bits`/`jax_uniform` pass),
//! and compared byte for byte, with guard bytes around every buffer, with
//! `cbrng::compat`.
//!
//! CUDA's math functions do not exist on the host: there the twin calls the
//! CPU definition's stand-ins (the C library's `logf`, `log`, `expf`,
//! `sinf`/`cosf` for the special-function unit's sine-cosine, and the
//! reduced `sin`/`cos` for `sincospi`), so for cuRAND's normal and
//! log-normal draws (and torch's `randn`) everything but those calls is
//! checked exactly: the uniforms, the FMAs, the square root, the products,
//! the Box-Muller flags, the state and its chunking. On a GPU those calls are
//! CUDA's and the elements are cuRAND's own (tests/gpu_compat.rs).
//!
//! Without g++ the tests print why they skipped; with `CBRNG_REQUIRE_GXX=1`
//! (set by .ci/run) they fail instead.
#![cfg(feature = "cuda")]
use cbrng::compat::curand::Philox4x32_10;
use cbrng::compat::jax::{self as jaxc, Backend, Config, Key};
use cbrng::compat::libdevice;
use cbrng::compat::torch::{self, DropoutDType, Geometry};
use cbrng::cuda::compat::{
    CompatDType, CurandFn, JaxFn, TorchOp, curand_launch, jax_launch, torch_launch,
};
use half::{bf16, f16};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[path = "common/host_cxx.rs"]
mod host_cxx;

fn twin_or_skip(test: &str) -> Option<PathBuf> {
    static TWIN: std::sync::OnceLock<Result<PathBuf, String>> = std::sync::OnceLock::new();
    host_cxx::or_skip(&TWIN, "compat_twin.cpp", test)
}

/// One case: the twin's input line and the CPU's bytes.
struct Case {
    what: String,
    line: String,
    want: Vec<u8>,
    size: usize,
}

/// Runs the cases through the twin and compares; returns the elements compared.
fn compare(twin: &Path, cases: &[Case]) -> usize {
    let mut child = Command::new(twin)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("run the compat twin");
    let input: String = cases.iter().map(|c| c.line.clone()).collect();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let mut stdout = child.stdout.take().unwrap();
    let mut failures = Vec::new();
    let mut elements = 0;
    for c in cases {
        let mut got = vec![0u8; c.want.len()];
        stdout
            .read_exact(&mut got)
            .unwrap_or_else(|e| panic!("twin output ended early at {}: {e}", c.what));
        elements += c.want.len() / c.size;
        if got != c.want {
            let i = got
                .chunks(c.size)
                .zip(c.want.chunks(c.size))
                .position(|(a, b)| a != b)
                .unwrap();
            let hex = |b: &[u8]| {
                b.iter()
                    .rev()
                    .map(|x| format!("{x:02x}"))
                    .collect::<String>()
            };
            failures.push(format!(
                "{}: first difference at element {i}: twin {} cpu {}",
                c.what,
                hex(&got[i * c.size..(i + 1) * c.size]),
                hex(&c.want[i * c.size..(i + 1) * c.size])
            ));
        }
    }
    writer.join().unwrap().expect("feed the twin");
    assert!(child.wait().unwrap().success(), "the compat twin failed");
    assert!(
        failures.is_empty(),
        "{} of {} cases differ; first ones:\n{}",
        failures.len(),
        cases.len(),
        failures[..failures.len().min(20)].join("\n")
    );
    elements
}

fn bytes<T: bytemuck::Pod>(v: &[T]) -> Vec<u8> {
    bytemuck::cast_slice(v).to_vec()
}

/// `count` calls of `f` on the CPU, as `cbrng compat curand` makes them.
fn curand_cpu(f: CurandFn, seed: u64, sub: u64, off: u64, count: usize, m: f32, s: f32) -> Vec<u8> {
    let mut st = Philox4x32_10::init(seed, sub, off);
    match f {
        CurandFn::Curand => bytes(&(0..count).map(|_| st.next_u32()).collect::<Vec<_>>()),
        CurandFn::Uniform => bytes(&(0..count).map(|_| st.uniform()).collect::<Vec<_>>()),
        CurandFn::Uniform4 => bytes(&(0..count).flat_map(|_| st.uniform4()).collect::<Vec<_>>()),
        CurandFn::UniformDouble => {
            bytes(&(0..count).map(|_| st.uniform_double()).collect::<Vec<_>>())
        }
        CurandFn::Normal => bytes(&(0..count).map(|_| st.normal()).collect::<Vec<_>>()),
        CurandFn::Normal2 => bytes(&(0..count).flat_map(|_| st.normal2()).collect::<Vec<_>>()),
        CurandFn::NormalDouble => {
            bytes(&(0..count).map(|_| st.normal_double()).collect::<Vec<_>>())
        }
        CurandFn::LogNormal => bytes(&(0..count).map(|_| st.log_normal(m, s)).collect::<Vec<_>>()),
    }
}

fn fn_id(f: CurandFn) -> usize {
    CurandFn::ALL.iter().position(|&g| g == f).unwrap()
}

#[test]
fn curand_kernels_match_the_cpu() {
    let Some(twin) = twin_or_skip("curand_kernels_match_the_cpu") else {
        return;
    };
    const SEEDS: [u64; 4] = [0, 1234, u64::MAX, 0xdead_beef_1234_5678];
    const SUBS: [u64; 4] = [0, 7, (1 << 32) + 5, u64::MAX];
    const OFFSETS: [u64; 8] = [0, 1, 2, 3, 5, (1 << 32) - 1, (1 << 34) + 3, u64::MAX - 3];
    const COUNTS: [u64; 10] = [0, 1, 2, 3, 63, 64, 65, 129, 1000, 4099];
    const PARAMS: [(f32, f32); 3] = [(0.0, 1.0), (-1.5, 0.25), (2.0, 3.0)];
    let mut cases = Vec::new();
    let mut k = 0usize;
    for f in CurandFn::ALL {
        for (i, &seed) in SEEDS.iter().enumerate() {
            for (j, &sub) in SUBS.iter().enumerate() {
                k += 1;
                let off = OFFSETS[(i * 3 + j + k) % OFFSETS.len()];
                let count = COUNTS[(i + 2 * j + k) % COUNTS.len()];
                let (m, s) = PARAMS[k % PARAMS.len()];
                let l = match curand_launch(f, f.dtype(), seed, sub, off, count, m, s) {
                    Ok(l) => l,
                    Err(_) => continue, // past the subsequence's end: refused on both
                };
                let misalign = k % 3;
                cases.push(Case {
                    what: format!(
                        "curand {} seed {seed} sub {sub} offset {off} count {count}",
                        f.name()
                    ),
                    line: format!(
                        "curand {} {} {} {} {} {:x} {:x} {misalign}\n",
                        fn_id(f),
                        l.seed,
                        l.subsequence,
                        l.offset,
                        l.count,
                        l.mean.to_bits(),
                        l.stddev.to_bits()
                    ),
                    want: curand_cpu(f, seed, sub, off, count as usize, m, s),
                    size: f.dtype().size(),
                });
            }
        }
    }
    assert!(cases.len() > 100);
    let n = compare(&twin, &cases);
    eprintln!(
        "compat twin, curand: {} cases, {n} elements, all equal",
        cases.len()
    );
}

/// One torch op on the CPU: the elements' bytes and the generator after.
fn torch_cpu(
    g0: torch::Generator,
    geom: Geometry,
    op: TorchOp,
    dt: CompatDType,
    n: usize,
) -> (Vec<u8>, torch::Generator) {
    let mut g = g0;
    let out = match (op, dt) {
        (TorchOp::Uniform { from, to }, CompatDType::F32) => {
            let mut v = vec![0f32; n];
            g.uniform_f32(geom, from as f32, to as f32, &mut v).unwrap();
            bytes(&v)
        }
        (TorchOp::Uniform { from, to }, CompatDType::F64) => {
            let mut v = vec![0f64; n];
            g.uniform_f64(geom, from, to, &mut v).unwrap();
            bytes(&v)
        }
        (TorchOp::Uniform { from, to }, CompatDType::F16) => {
            let mut v = vec![f16::ZERO; n];
            g.uniform_f16(geom, f16::from_f64(from), f16::from_f64(to), &mut v)
                .unwrap();
            bytes(&v)
        }
        (TorchOp::Uniform { from, to }, CompatDType::BF16) => {
            let mut v = vec![bf16::ZERO; n];
            g.uniform_bf16(geom, bf16::from_f64(from), bf16::from_f64(to), &mut v)
                .unwrap();
            bytes(&v)
        }
        (TorchOp::Normal { mean, std }, CompatDType::F32) => {
            let mut v = vec![0f32; n];
            g.normal_f32(geom, mean as f32, std as f32, &mut v).unwrap();
            bytes(&v)
        }
        (TorchOp::Normal { mean, std }, CompatDType::F64) => {
            let mut v = vec![0f64; n];
            g.normal_f64(geom, mean, std, &mut v).unwrap();
            bytes(&v)
        }
        (TorchOp::Normal { mean, std }, CompatDType::F16) => {
            let mut v = vec![f16::ZERO; n];
            g.normal_f16(geom, mean as f32, std as f32, &mut v).unwrap();
            bytes(&v)
        }
        (TorchOp::Normal { mean, std }, CompatDType::BF16) => {
            let mut v = vec![bf16::ZERO; n];
            g.normal_bf16(geom, mean as f32, std as f32, &mut v)
                .unwrap();
            bytes(&v)
        }
        (TorchOp::Bernoulli { p }, _) => {
            let mut v = vec![0f32; n];
            g.bernoulli_f32(geom, p, &mut v).unwrap();
            bytes(&v)
        }
        (TorchOp::DropoutMask { p, input }, _) => {
            let mut v = vec![0u8; n];
            g.dropout_mask(geom, p, input, &mut v).unwrap();
            v
        }
        _ => unreachable!(),
    };
    (out, g)
}

#[test]
fn torch_kernels_match_the_cpu() {
    let Some(twin) = twin_or_skip("torch_kernels_match_the_cpu") else {
        return;
    };
    // Small grids make many rounds; a T4 and an H100 give one or two.
    let geoms = [
        Geometry {
            sm_count: 1,
            threads_per_sm: 256,
        },
        Geometry {
            sm_count: 2,
            threads_per_sm: 1024,
        },
        torch::profile("t4").unwrap(),
        torch::profile("h100-sxm").unwrap(),
    ];
    const NUMELS: [u64; 11] = [1, 3, 8, 255, 256, 257, 1023, 1026, 4099, 20_000, 300_001];
    // Philox offsets torch makes (multiples of 4) and others (stepped states).
    const OFFSETS: [u64; 5] = [0, 4, 24, 1 << 40, 5];
    let mut ops = vec![];
    for dt in [
        CompatDType::F32,
        CompatDType::F64,
        CompatDType::F16,
        CompatDType::BF16,
    ] {
        ops.push((TorchOp::Uniform { from: 0.0, to: 1.0 }, dt));
        ops.push((
            TorchOp::Uniform {
                from: -2.0,
                to: 3.5,
            },
            dt,
        ));
        ops.push((
            TorchOp::Normal {
                mean: 0.0,
                std: 1.0,
            },
            dt,
        ));
        ops.push((
            TorchOp::Normal {
                mean: 1.5,
                std: 0.5,
            },
            dt,
        ));
    }
    for p in [0.0, 0.3, 1.0] {
        ops.push((TorchOp::Bernoulli { p }, CompatDType::F32));
    }
    for input in [
        DropoutDType::F32,
        DropoutDType::F64,
        DropoutDType::F16,
        DropoutDType::BF16,
    ] {
        for p in [0.0, 0.1, 0.5, 1.0] {
            ops.push((TorchOp::DropoutMask { p, input }, CompatDType::U8));
        }
    }
    let mut cases = Vec::new();
    let mut k = 0usize;
    for (op, dt) in ops {
        for geom in geoms {
            for _ in 0..3 {
                k += 1;
                let n = NUMELS[(k * 7) % NUMELS.len()];
                let g0 = torch::Generator {
                    seed: [0, 42, u64::MAX, 0x1234_5678_9abc][k % 4],
                    offset: OFFSETS[k % OFFSETS.len()],
                };
                let plan = torch_launch(&g0, geom, op, dt, n).unwrap();
                let (want, g1) = torch_cpu(g0, geom, op, dt, n as usize);
                let what = format!("torch {op:?} {} n {n} {geom:?} {g0:?}", dt.name());
                let Some(l) = plan else {
                    // p = 1 dropout: zeros, nothing drawn.
                    assert!(want.iter().all(|&b| b == 0), "{what}");
                    assert_eq!(g1, g0, "{what}");
                    continue;
                };
                assert_eq!(l.next, g1, "{what}: the generator after the call");
                cases.push(Case {
                    line: format!(
                        "torch {} {} {} {} {} {} {:x} {:x} {} {}\n",
                        l.kernel,
                        l.numel,
                        l.seed,
                        l.offset,
                        l.stride,
                        l.rounds,
                        l.a.to_bits(),
                        l.b.to_bits(),
                        l.vec,
                        k % 3
                    ),
                    what,
                    want,
                    size: dt.size(),
                });
            }
        }
    }
    let n = compare(&twin, &cases);
    eprintln!(
        "compat twin, torch: {} cases, {n} elements, all equal",
        cases.len()
    );
}

#[test]
fn jax_kernels_match_the_cpu() {
    let Some(twin) = twin_or_skip("jax_kernels_match_the_cpu") else {
        return;
    };
    const SEEDS: [i128; 4] = [0, 42, -1, (1 << 63) + 5];
    const NS: [u64; 11] = [0, 1, 2, 3, 4, 7, 8, 100, 1001, 4099, 20011];
    let mut cases = Vec::new();
    let mut k = 0usize;
    for x64 in [false, true] {
        for partitionable in [true, false] {
            let cfg = Config { x64, partitionable };
            for seed in SEEDS {
                let key = Key::from_seed(seed, cfg)
                    .unwrap()
                    .derive("fold_in:3,split:4:1", cfg)
                    .unwrap();
                for (f, dt) in [
                    (JaxFn::Bits, CompatDType::U8),
                    (JaxFn::Bits, CompatDType::U16),
                    (JaxFn::Bits, CompatDType::U32),
                    (JaxFn::Bits, CompatDType::U64),
                    (JaxFn::Uniform, CompatDType::F32),
                    (JaxFn::Uniform, CompatDType::F64),
                    (JaxFn::Uniform, CompatDType::F16),
                    (JaxFn::Uniform, CompatDType::BF16),
                    (JaxFn::Normal, CompatDType::F32),
                    (JaxFn::Normal, CompatDType::F64),
                ] {
                    k += 1;
                    let n = NS[k % NS.len()];
                    let l = jax_launch(f, dt, &key, cfg, n);
                    let nu = n as usize;
                    let want: Result<Vec<u8>, _> = match dt {
                        CompatDType::U8 => {
                            let mut v = vec![0u8; nu];
                            key.bits_u8(cfg, &mut v).map(|_| v)
                        }
                        CompatDType::U16 => {
                            let mut v = vec![0u16; nu];
                            key.bits_u16(cfg, &mut v).map(|_| bytes(&v))
                        }
                        CompatDType::U32 => {
                            let mut v = vec![0u32; nu];
                            key.bits_u32(cfg, &mut v).map(|_| bytes(&v))
                        }
                        CompatDType::U64 => {
                            let mut v = vec![0u64; nu];
                            key.bits_u64(cfg, &mut v).map(|_| bytes(&v))
                        }
                        CompatDType::F32 if f == JaxFn::Normal => {
                            let mut v = vec![0f32; nu];
                            key.normal_f32_on(cfg, Backend::Gpu, &mut v)
                                .map(|_| bytes(&v))
                        }
                        CompatDType::F64 if f == JaxFn::Normal => {
                            let mut v = vec![0f64; nu];
                            key.normal_f64_on(cfg, Backend::Gpu, &mut v)
                                .map(|_| bytes(&v))
                        }
                        CompatDType::F32 => {
                            let mut v = vec![0f32; nu];
                            key.uniform_f32(cfg, &mut v).map(|_| bytes(&v))
                        }
                        CompatDType::F64 => {
                            let mut v = vec![0f64; nu];
                            key.uniform_f64(cfg, &mut v).map(|_| bytes(&v))
                        }
                        CompatDType::F16 => {
                            let mut v = vec![f16::ZERO; nu];
                            key.uniform_f16(cfg, &mut v).map(|_| bytes(&v))
                        }
                        CompatDType::BF16 => {
                            let mut v = vec![bf16::ZERO; nu];
                            key.uniform_bf16(cfg, &mut v).map(|_| bytes(&v))
                        }
                    };
                    let what = format!("jax {f:?} {} {cfg:?} seed {seed} n {n}", dt.name());
                    let (l, want) = match (l, want) {
                        (Ok(l), Ok(w)) => (l, w),
                        (Err(a), Err(b)) => {
                            assert_eq!(a.to_string(), b.to_string(), "{what}");
                            continue;
                        }
                        (a, b) => panic!("{what}: GPU plan {a:?}, CPU {:?}", b.map(|_| ())),
                    };
                    cases.push(Case {
                        line: format!(
                            "jax {} {} {} {} {} {}\n",
                            l.kernel,
                            l.key[0],
                            l.key[1],
                            l.n,
                            l.partitionable,
                            k % 3
                        ),
                        what,
                        want,
                        size: dt.size(),
                    });
                }
            }
        }
    }
    let n = compare(&twin, &cases);
    eprintln!(
        "compat twin, jax: {} cases, {n} elements, all equal",
        cases.len()
    );
}

/// The launch plans refuse what the CPU refuses, as error values, before
/// any device work (no g++ needed).
/// Inputs for the JAX normal's device functions: edges, every branch
/// boundary's neighbours, and random bits.
fn f32_inputs(rng: &mut impl FnMut() -> u64) -> (Vec<f32>, Vec<f32>) {
    let mut log1p_in: Vec<f32> = vec![
        0.0,
        -0.0,
        f32::MIN_POSITIVE,
        -f32::MIN_POSITIVE,
        f32::from_bits(1),
        f32::from_bits(0x8000_0001),
        -1.0,
        -2.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        f32::MAX,
        -0.5,
        1.0,
        0.414_213_57,
        -0.292_893_2,
    ];
    for k in 1..2000u32 {
        log1p_in.push(f32::from_bits((-1.0f32).to_bits() - k)); // just above -1
        log1p_in.push(f32::from_bits(k << 12)); // tiny positives
    }
    for _ in 0..100_000 {
        log1p_in.push(f32::from_bits(rng() as u32)); // any bits
        let u = (rng() >> 40) as f32 * 2f32.powi(-24) * 2.0 - 1.0;
        log1p_in.push(u * -u); // what erf_inv asks
    }
    let mut erf_in: Vec<f32> = vec![0.0, -0.0, 1.0, -1.0, jaxc_lo_f32(), 1e-30, -1e-30];
    // |u| around 0.99663, where w = 5 switches polynomial and root.
    let edge = (1.0f64 - (-5.0f64).exp()).sqrt() as f32;
    for d in -3000i32..3000 {
        let b = (edge.to_bits() as i32 + d) as u32;
        erf_in.push(f32::from_bits(b));
        erf_in.push(-f32::from_bits(b));
    }
    for k in 1..5000u32 {
        erf_in.push(f32::from_bits(1.0f32.to_bits() - k));
        erf_in.push(-f32::from_bits(1.0f32.to_bits() - k));
    }
    for _ in 0..100_000 {
        erf_in.push((rng() >> 40) as f32 * 2f32.powi(-24) * 2.0 - 1.0);
    }
    (log1p_in, erf_in)
}

fn jaxc_lo_f32() -> f32 {
    f32::from_bits(0xbf7f_ffff) // nextafter(-1, 0), JAX's normal's lower bound
}

fn f64_inputs(rng: &mut impl FnMut() -> u64) -> (Vec<f64>, Vec<f64>) {
    let mut log1p_in: Vec<f64> = vec![
        0.0,
        -0.0,
        f64::MIN_POSITIVE,
        -f64::MIN_POSITIVE,
        f64::from_bits(1),
        -1.0,
        -2.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        f64::MAX,
        -0.4,
        0.667,
        1.0,
        1e300,
    ];
    // Around the series/log switch (the high word as an f32) and just above -1.
    for hi in [0x3FE5_5555u64, 0xBFD9_9999] {
        for d in -64i64..64 {
            log1p_in.push(f64::from_bits(
                ((hi as i64 + d) as u64) << 32 | (rng() & 0xffff_ffff),
            ));
        }
    }
    for k in 1..2000u64 {
        log1p_in.push(f64::from_bits((-1.0f64).to_bits() - k));
        log1p_in.push(f64::from_bits(k << 40));
    }
    for _ in 0..100_000 {
        log1p_in.push(f64::from_bits(rng()));
        let u = (rng() >> 11) as f64 * 2f64.powi(-53) * 2.0 - 1.0;
        log1p_in.push(u * -u);
    }
    let mut erf_in: Vec<f64> = vec![0.0, -0.0, 1.0, -1.0, f64::from_bits(0xBFEF_FFFF_FFFF_FFFF)];
    // The branch switches at w = 6.25 and w = 16.
    for w in [6.25f64, 16.0] {
        let edge = (1.0 - (-w).exp()).sqrt();
        for d in -2000i64..2000 {
            let b = (edge.to_bits() as i64 + d) as u64;
            erf_in.push(f64::from_bits(b));
            erf_in.push(-f64::from_bits(b));
        }
    }
    for k in 1..3000u64 {
        erf_in.push(f64::from_bits(1.0f64.to_bits() - k));
        erf_in.push(-f64::from_bits(1.0f64.to_bits() - k * 1_000_003));
    }
    for _ in 0..100_000 {
        erf_in.push((rng() >> 11) as f64 * 2f64.powi(-53) * 2.0 - 1.0);
    }
    (log1p_in, erf_in)
}

/// libdevice's log1pf/log1p and XLA:GPU's erf_inv (kernels/compat/
/// libdevice.cuh, jax.cuh) against src/compat (libdevice.rs, jax.rs) on
/// every branch's edges and random inputs, bit for bit (NaNs as NaN).
#[test]
fn jax_normal_functions_match_the_cpu() {
    let Some(twin) = twin_or_skip("jax_normal_functions_match_the_cpu") else {
        return;
    };
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut rng = move || {
        // splitmix64
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let (l32, e32) = f32_inputs(&mut rng);
    let (l64, e64) = f64_inputs(&mut rng);
    // NaN results compare as one canonical NaN (their payloads are not part of the definition).
    let c32 = |y: f32| if y.is_nan() { f32::NAN } else { y };
    let c64 = |y: f64| if y.is_nan() { f64::NAN } else { y };
    let line32 = |name: &str, xs: &[f32]| {
        let mut l = format!("fn {name} {}", xs.len());
        for x in xs {
            l.push_str(&format!(" {:x}", x.to_bits()));
        }
        l + "\n"
    };
    let line64 = |name: &str, xs: &[f64]| {
        let mut l = format!("fn {name} {}", xs.len());
        for x in xs {
            l.push_str(&format!(" {:x}", x.to_bits()));
        }
        l + "\n"
    };
    let input = line32("log1pf", &l32)
        + &line64("log1p", &l64)
        + &line32("erf_inv_f32", &e32)
        + &line64("erf_inv_f64", &e64);
    let mut child = Command::new(&twin)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("run the compat twin");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let mut out = Vec::new();
    child.stdout.take().unwrap().read_to_end(&mut out).unwrap();
    writer.join().unwrap().unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(
        out.len(),
        4 * (l32.len() + e32.len()) + 8 * (l64.len() + e64.len())
    );
    let mut at = 0;
    let mut take = |n: usize| {
        let b = out[at..at + n].to_vec();
        at += n;
        b
    };
    let f32_of = |b: Vec<u8>| f32::from_le_bytes(b.try_into().unwrap());
    let f64_of = |b: Vec<u8>| f64::from_le_bytes(b.try_into().unwrap());
    let mut bad = Vec::new();
    for &x in &l32 {
        let (got, want) = (c32(f32_of(take(4))), c32(libdevice::log1pf(x)));
        if got.to_bits() != want.to_bits() {
            bad.push(format!(
                "log1pf({x:e} = {:#x}): twin {got:e}, cpu {want:e}",
                x.to_bits()
            ));
        }
    }
    for &x in &l64 {
        let (got, want) = (c64(f64_of(take(8))), c64(libdevice::log1p(x)));
        if got.to_bits() != want.to_bits() {
            bad.push(format!(
                "log1p({x:e} = {:#x}): twin {got:e}, cpu {want:e}",
                x.to_bits()
            ));
        }
    }
    for &u in &e32 {
        let (got, want) = (
            c32(f32_of(take(4))),
            c32(jaxc::erf_inv_f32(u, Backend::Gpu)),
        );
        if got.to_bits() != want.to_bits() {
            bad.push(format!("erf_inv_f32({u:e}): twin {got:e}, cpu {want:e}"));
        }
    }
    for &u in &e64 {
        let (got, want) = (
            c64(f64_of(take(8))),
            c64(jaxc::erf_inv_f64(u, Backend::Gpu)),
        );
        if got.to_bits() != want.to_bits() {
            bad.push(format!("erf_inv_f64({u:e}): twin {got:e}, cpu {want:e}"));
        }
    }
    assert!(
        bad.is_empty(),
        "{} of {} differ; first: {:#?}",
        bad.len(),
        l32.len() + l64.len() + e32.len() + e64.len(),
        &bad[..bad.len().min(10)]
    );
    eprintln!(
        "compat twin, JAX normal functions: {} log1pf, {} log1p, {} erf_inv f32, {} f64 inputs, all equal",
        l32.len(),
        l64.len(),
        e32.len(),
        e64.len()
    );
}

#[test]
fn launch_plans_refuse_bad_requests() {
    use cbrng::Error;
    let msg = |e: Error| e.to_string();
    // Output dtypes by name (the Python binding's): each name, and no other.
    for d in ["u8", "u16", "u32", "u64", "f16", "bf16", "f32", "f64"] {
        assert_eq!(CompatDType::parse(d).unwrap().name(), d);
    }
    let e = CompatDType::parse("float32").unwrap_err();
    assert!(msg(e).contains("unknown output dtype 'float32'"));
    // cuRAND: a dtype that is not the function's; calls past the subsequence;
    // more elements than a u64 counts (no overflow, no panic).
    let e = curand_launch(CurandFn::Normal, CompatDType::F64, 1, 0, 0, 4, 0.0, 1.0).unwrap_err();
    assert!(msg(e).contains("normal gives f32 elements, not f64"));
    let e = curand_launch(
        CurandFn::Curand,
        CompatDType::U32,
        1,
        0,
        u64::MAX,
        u64::MAX,
        0.0,
        1.0,
    );
    assert!(e.is_ok(), "2^65 values fit the subsequence's 2^66");
    let e = curand_launch(
        CurandFn::Uniform4,
        CompatDType::F32,
        1,
        0,
        8,
        u64::MAX,
        0.0,
        1.0,
    )
    .unwrap_err();
    assert!(
        msg(e).contains("past the end of the subsequence"),
        "uniform4"
    );
    let e = curand_launch(
        CurandFn::Uniform4,
        CompatDType::F32,
        1,
        0,
        0,
        1 << 62,
        0.0,
        1.0,
    )
    .unwrap_err();
    assert!(msg(e).contains("too many elements"));
    let l = curand_launch(CurandFn::Normal2, CompatDType::F32, 1, 2, 3, 129, 0.0, 1.0).unwrap();
    assert_eq!((l.elements, l.units), (258, 3));
    // torch: 0 SMs, no elements, p outside [0, 1], bad bounds, wrong dtypes.
    let g = torch::Generator::new(5);
    let t4 = torch::profile("t4").unwrap();
    let zero = Geometry {
        sm_count: 0,
        threads_per_sm: 1024,
    };
    let uni = TorchOp::Uniform { from: 0.0, to: 1.0 };
    assert!(msg(torch_launch(&g, zero, uni, CompatDType::F32, 8).unwrap_err()).contains("0 SMs"));
    assert!(msg(torch_launch(&g, t4, uni, CompatDType::F32, 0).unwrap_err()).contains("numel 0"));
    let bad = TorchOp::Uniform { from: 1.0, to: 0.0 };
    assert!(
        msg(torch_launch(&g, t4, bad, CompatDType::F16, 8).unwrap_err()).contains("from <= to")
    );
    let p2 = TorchOp::Bernoulli { p: 1.5 };
    assert!(
        msg(torch_launch(&g, t4, p2, CompatDType::F32, 8).unwrap_err()).contains("outside [0, 1]")
    );
    let b = TorchOp::Bernoulli { p: 0.5 };
    assert!(msg(torch_launch(&g, t4, b, CompatDType::F64, 8).unwrap_err()).contains("writes f32"));
    assert!(msg(torch_launch(&g, t4, uni, CompatDType::U8, 8).unwrap_err()).contains("not u8"));
    let past = torch::Generator {
        seed: 1,
        offset: u64::MAX - 2,
    };
    assert!(
        torch_launch(&past, t4, uni, CompatDType::F32, 8).is_err(),
        "offset past 2^64"
    );
    // A dropout mask of p = 1 or of no elements draws nothing.
    let d = TorchOp::DropoutMask {
        p: 1.0,
        input: DropoutDType::F32,
    };
    assert_eq!(torch_launch(&g, t4, d, CompatDType::U8, 8).unwrap(), None);
    // jax: dtypes, x64, the non-partitionable word limit.
    let cfg = Config::default();
    let key = Key::from_seed(1, cfg).unwrap();
    assert!(
        msg(jax_launch(JaxFn::Bits, CompatDType::F32, &key, cfg, 3).unwrap_err())
            .contains("bits cannot")
    );
    assert!(
        msg(jax_launch(JaxFn::Bits, CompatDType::U64, &key, cfg, 3).unwrap_err()).contains("x64")
    );
    let orig = Config {
        x64: false,
        partitionable: false,
    };
    assert!(
        msg(jax_launch(JaxFn::Bits, CompatDType::U32, &key, orig, 1 << 32).unwrap_err())
            .contains("past 2^32-2")
    );
    assert!(jax_launch(JaxFn::Bits, CompatDType::U8, &key, orig, (1 << 34) - 8).is_ok());
}
