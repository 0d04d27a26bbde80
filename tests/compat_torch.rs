//! cbrng::compat::torch: the structure of ATen's CUDA distribution kernels,
//! checked against cbrng's cuRAND state (itself checked against cuRAND's
//! headers in tests/compat_curand.rs). No GPU was available, so there are no
//! reference values from torch on CUDA here.

use cbrng::compat::curand::Philox4x32_10;
use cbrng::compat::torch::{
    BLOCK_SIZE, Generator, Geometry, PROFILES, calc_execution_policy, element_position, profile,
};

fn rand(g: Geometry, seed: u64, n: usize) -> Vec<u32> {
    let mut out = vec![0f32; n];
    Generator::new(seed)
        .uniform_f32(g, 0.0, 1.0, &mut out)
        .unwrap();
    out.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn geometry_matters_only_above_one_wave() {
    let t4 = profile("t4").unwrap();
    // One wave on a T4: 40 SMs x 4 blocks x 256 threads = 40960 elements.
    let wave = 40 * 4 * BLOCK_SIZE as usize;
    for n in [1, 255, 257, 4097, wave] {
        let want = rand(t4, 7, n);
        for p in PROFILES {
            assert_eq!(rand(p.geometry, 7, n), want, "n={n} {}", p.name);
        }
    }
    let n = wave + 1;
    let h100 = profile("h100-sxm").unwrap();
    let (a, b) = (rand(t4, 7, n), rand(h100, 7, n));
    assert_eq!(
        a[..1024],
        b[..1024],
        "elements of threads in both grids' first rounds"
    );
    assert_ne!(a, b, "above one wave of the smaller GPU the grids differ");
}

#[test]
fn elements_are_curand_uniform4_of_their_thread() {
    let g = Geometry {
        sm_count: 3,
        threads_per_sm: 512,
    }; // grid 6, stride 1536
    let n = 20_000usize;
    let mut tg = Generator {
        seed: 0xdead_beef_1234,
        offset: 40,
    };
    let mut out = vec![0f32; n];
    tg.uniform_f32(g, 0.0, 1.0, &mut out).unwrap();
    let pol = calc_execution_policy(n as u64, 4, g).unwrap();
    assert_eq!(pol.grid, 6);
    assert_eq!(pol.rounds, 4); // ceil(20000 / (1536 * 4))
    assert_eq!(tg.offset, 40 + 16);
    for e in (0..n).step_by(97).chain([n - 1]) {
        let (idx, round, lane) = element_position(e as u64, pol.grid, 4);
        let mut st = Philox4x32_10::init(0xdead_beef_1234, idx, 40);
        let mut v = [0f32; 4];
        for _ in 0..=round {
            v = st.uniform4();
        }
        let want = if v[lane as usize] == 1.0 {
            0.0
        } else {
            v[lane as usize]
        };
        assert_eq!(out[e].to_bits(), want.to_bits(), "element {e}");
    }
}

#[test]
fn double_uses_uniform2_double_with_unroll_2() {
    let g = profile("a100").unwrap();
    let n = 300_000usize; // above one wave: grid 864, stride 221184, 1 round of 2
    let mut tg = Generator::new(3);
    let mut out = vec![0f64; n];
    tg.uniform_f64(g, 0.0, 1.0, &mut out).unwrap();
    let pol = calc_execution_policy(n as u64, 2, g).unwrap();
    assert_eq!((pol.grid, pol.rounds), (864, 1));
    assert_eq!(tg.offset, 4);
    for e in [0usize, 1, 221_183, 221_184, 299_999] {
        let (idx, _, lane) = element_position(e as u64, pol.grid, 2);
        let v = Philox4x32_10::init(3, idx, 0).uniform2_double()[lane as usize];
        assert_eq!(out[e].to_bits(), v.to_bits(), "element {e}");
    }
}

#[test]
fn successive_calls_advance_the_offset_like_the_generator() {
    let g = profile("h100-sxm").unwrap();
    let mut tg = Generator::new(11);
    let mut a = vec![0f32; 1000];
    tg.uniform_f32(g, 0.0, 1.0, &mut a).unwrap();
    assert_eq!(tg.offset, 4);
    let mut b = vec![0f32; 1000];
    tg.uniform_f32(g, 0.0, 1.0, &mut b).unwrap();
    assert_eq!(tg.offset, 8);
    let mut c = vec![0f32; 1000];
    Generator {
        seed: 11,
        offset: 4,
    }
    .uniform_f32(g, 0.0, 1.0, &mut c)
    .unwrap();
    assert_eq!(b, c);
    assert_ne!(a, b);
}

#[test]
fn bernoulli_and_normal_follow_the_uniform_and_normal_draws() {
    let g = profile("l4").unwrap();
    let n = 5000;
    let mut u = vec![0f32; n];
    Generator::new(9).uniform_f32(g, 0.0, 1.0, &mut u).unwrap();
    let mut b = vec![0f32; n];
    Generator::new(9).bernoulli_f32(g, 0.25, &mut b).unwrap();
    // uniform reverses 1.0 to 0.0, bernoulli compares the raw draw: same below 1.
    for i in 0..n {
        assert_eq!(b[i] == 1.0, f64::from(u[i]) < 0.25, "element {i}");
    }
    let mut z = vec![0f32; n];
    Generator::new(9).normal_f32(g, 0.0, 1.0, &mut z).unwrap();
    let mut y = vec![0f32; n];
    Generator::new(9).normal_f32(g, 2.0, 3.0, &mut y).unwrap();
    for i in 0..n {
        assert_eq!(y[i].to_bits(), z[i].mul_add(3.0, 2.0).to_bits());
    }
    let mean = z.iter().map(|&v| f64::from(v)).sum::<f64>() / n as f64;
    assert!(mean.abs() < 0.05, "mean {mean}");
}

#[test]
fn bad_geometry_and_sizes_are_errors() {
    let mut tg = Generator::new(1);
    let mut out = vec![0f32; 4];
    for g in [
        Geometry {
            sm_count: 0,
            threads_per_sm: 2048,
        },
        Geometry {
            sm_count: 10,
            threads_per_sm: 128,
        },
    ] {
        let e = tg
            .uniform_f32(g, 0.0, 1.0, &mut out)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("torch: "), "{e}");
    }
    assert!(
        tg.uniform_f32(profile("t4").unwrap(), 0.0, 1.0, &mut [])
            .is_err()
    );
    assert!(profile("gtx480").is_err());
    assert!(
        tg.bernoulli_f32(profile("t4").unwrap(), 1.5, &mut out)
            .is_err()
    );
    let mut end = Generator {
        seed: 1,
        offset: u64::MAX - 2,
    };
    assert!(
        end.uniform_f32(profile("t4").unwrap(), 0.0, 1.0, &mut out)
            .is_err()
    );
    assert_eq!(tg.offset, 0, "failed calls do not move the offset");
}

#[test]
fn dropout_mask_follows_dropout_cu() {
    use cbrng::compat::torch::DropoutDType;
    let g = Geometry {
        sm_count: 2,
        threads_per_sm: 512,
    }; // grid 4, 1024 threads
    for (n, dtype, vec) in [
        (10_000usize, DropoutDType::F32, 4u64),
        (10_001, DropoutDType::F32, 1),
        (10_002, DropoutDType::F32, 2),
        (10_000, DropoutDType::F16, 8),
        (10_000, DropoutDType::F64, 2),
    ] {
        assert_eq!(dtype.vector_size(n as u64), vec);
        let mut m = vec![0u8; n];
        let mut tg = Generator {
            seed: 77,
            offset: 12,
        };
        tg.dropout_mask(g, 0.3, dtype, &mut m).unwrap();
        assert_eq!(tg.offset, 12 + 12, "ceil(n / 4096) * 4");
        let stride = 1024u64;
        for e in (0..n as u64).step_by(37).chain([n as u64 - 1]) {
            // Independent replay with the cuRAND state of the owning thread.
            let (idx, call, lane) = if vec == 1 {
                let q = e % (stride * 4);
                (q % stride, e / (stride * 4), q / stride)
            } else {
                let chunk = e / vec;
                let w = e % vec;
                (
                    chunk % stride,
                    (chunk / stride) * vec.div_ceil(4) + w / 4,
                    w % 4,
                )
            };
            let mut st = Philox4x32_10::init(77, idx, 12);
            let mut u = [0f32; 4];
            for _ in 0..=call {
                u = st.uniform4();
            }
            let r = u[lane as usize];
            let keep = if dtype == DropoutDType::F64 {
                f64::from(r) < 0.7
            } else {
                r < 0.7f32
            };
            assert_eq!(m[e as usize], u8::from(keep), "n={n} {dtype:?} element {e}");
        }
        let kept = m.iter().map(|&b| f64::from(b)).sum::<f64>() / n as f64;
        assert!((kept - 0.7).abs() < 0.03, "kept {kept}");
    }
    // The scaled output: x * mask * (float)(1 / (float)0.7).
    let x: Vec<f32> = (0..4096).map(|i| i as f32 - 2048.0).collect();
    let (mut y, mut m) = (vec![0f32; 4096], vec![0u8; 4096]);
    Generator::new(5)
        .dropout_f32(g, 0.3, &x, &mut y, &mut m)
        .unwrap();
    let scale = (1.0 / f64::from(0.7f32)) as f32;
    for i in 0..4096 {
        assert_eq!(y[i].to_bits(), (x[i] * f32::from(m[i]) * scale).to_bits());
    }
    // p = 1 keeps nothing and draws nothing.
    let mut tg = Generator::new(5);
    tg.dropout_mask(g, 1.0, DropoutDType::F32, &mut m).unwrap();
    assert!(m.iter().all(|&b| b == 0));
    assert_eq!(tg.offset, 0);
}

#[test]
fn normal_elements_are_curand_normal4_of_their_thread() {
    // The tile path (Box-Muller over slices) against cuRAND's state one
    // thread at a time, for an offset torch makes and one it does not.
    let g = Geometry {
        sm_count: 2,
        threads_per_sm: 768,
    }; // grid 6, stride 1536
    let n = 13_001usize;
    for offset in [12u64, 6] {
        let mut tg = Generator { seed: 99, offset };
        let mut out = vec![0f32; n];
        tg.normal_f32(g, 0.0, 1.0, &mut out).unwrap();
        let pol = calc_execution_policy(n as u64, 4, g).unwrap();
        for (e, got) in out.iter().enumerate() {
            let (idx, round, lane) = element_position(e as u64, pol.grid, 4);
            let mut st = Philox4x32_10::init(99, idx, offset);
            let mut v = [0f32; 4];
            for _ in 0..=round {
                v = st.normal4();
            }
            assert_eq!(
                got.to_bits(),
                v[lane as usize].to_bits(),
                "offset {offset} element {e}"
            );
        }
    }
}
