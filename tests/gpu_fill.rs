//! The GPU engine against the CPU, bit for bit: every generator x
//! distribution x dtype, aligned and unaligned offsets and destinations,
//! stream ids >= 2^32, element indices beyond 2^32 and 2^34 (by offset),
//! lengths 0, 1, 2^k ± 1 and a few hundred MB, the KAT vectors through the
//! KAT kernel, and queueing on the caller's stream. Skips with a notice
//! without a GPU; fails when `CBRNG_REQUIRE_GPU=1`.
#![cfg(feature = "cuda")]
use cbrng::check;
use cbrng::cuda::{CrossCheck, Gpu};
use cbrng::dist::{DType, Distribution};
use cbrng::{Algorithm, Key, Stream, kat};
use cudarc::driver::{CudaSlice, CudaStream};
use half::{bf16, f16};
use std::sync::Arc;

#[path = "common/gpu.rs"]
mod gpu;
use gpu::gpu_or_skip;

/// A device buffer of `n + pad` elements (allocated as bytes, so f16/bf16
/// need no cudarc feature); the fill goes to `[pad, pad + n)`.
fn fill_and_check<T: cbrng::dist::Element>(
    gpu: &Gpu,
    s: &Stream,
    dist: &Distribution,
    offset: u64,
    n: usize,
    pad: usize,
) -> CrossCheck {
    let size = std::mem::size_of::<T>();
    let st: &Arc<CudaStream> = gpu.stream();
    let mut buf: CudaSlice<u8> = st.alloc_zeros((n + pad) * size).unwrap();
    {
        let mut bytes = buf.slice_mut(pad * size..);
        // SAFETY: the view covers exactly n elements of T.
        let mut view = unsafe { bytes.transmute_mut::<T>(n) }.unwrap();
        gpu.fill(s, dist, offset, &mut view).unwrap();
    }
    let bytes = buf.slice(pad * size..);
    // SAFETY: as above.
    let view = unsafe { bytes.transmute::<T>(n) }.unwrap();
    gpu.cross_check(s, dist, offset, &view).unwrap()
}

fn run_one(
    gpu: &Gpu,
    s: &Stream,
    dist: &Distribution,
    dtype: DType,
    offset: u64,
    n: usize,
    pad: usize,
) -> CrossCheck {
    match dtype {
        DType::U32 => fill_and_check::<u32>(gpu, s, dist, offset, n, pad),
        DType::U64 => fill_and_check::<u64>(gpu, s, dist, offset, n, pad),
        DType::F32 => fill_and_check::<f32>(gpu, s, dist, offset, n, pad),
        DType::F64 => fill_and_check::<f64>(gpu, s, dist, offset, n, pad),
        DType::F16 => fill_and_check::<f16>(gpu, s, dist, offset, n, pad),
        DType::BF16 => fill_and_check::<bf16>(gpu, s, dist, offset, n, pad),
        DType::U8 => fill_and_check::<u8>(gpu, s, dist, offset, n, pad),
        DType::I32 => fill_and_check::<i32>(gpu, s, dist, offset, n, pad),
        DType::I64 => fill_and_check::<i64>(gpu, s, dist, offset, n, pad),
        DType::Bool => fill_and_check::<bool>(gpu, s, dist, offset, n, pad),
    }
}

fn stream_for(algo: Algorithm, id: u64) -> Stream {
    let bits = algo.shape().word_bits();
    let words: Vec<u64> = (0..algo.key_words())
        .map(|i| 0x9e37_79b9_7f4a_7c15u64.wrapping_mul(i as u64 + 3) >> (64 - bits))
        .collect();
    let id = if algo.shape().words() == 2 && bits == 32 {
        id & 0xffff_ffff
    } else {
        id
    };
    Stream::new(algo, Key::from_words(algo, &words).unwrap(), id).unwrap()
}

#[test]
fn every_generator_distribution_and_dtype_matches_the_cpu() {
    let Some(gpu) = gpu_or_skip("every_generator_distribution_and_dtype_matches_the_cpu") else {
        return;
    };
    const CASES: [(u64, usize, usize); 12] = [
        (0, 0, 0),
        (0, 1, 0),
        (3, 1, 1),
        (0, 1023, 0),
        (5, 1025, 3),
        (1, 65_537, 1),
        (7, 65_535, 2),
        ((1 << 32) - 3, 4099, 0),
        ((1 << 32) + 1, 777, 1),
        ((1 << 34) + 5, 4097, 3),
        ((1 << 34) - 1, 2, 0),
        (1 << 40, 100_003, 0),
    ];
    let mut failures = Vec::new();
    let mut cases = 0;
    for algo in check::algorithms() {
        for (dist, dtype) in check::distributions() {
            let p = dist.prepare(dtype).unwrap();
            for (k, &(offset, n, pad)) in CASES.iter().enumerate() {
                let s = stream_for(algo, [0, 1, (1 << 32) + 11, u64::MAX][k % 4]);
                let len = s.len_of(&p).min(u128::from(u64::MAX));
                let offset = if u128::from(offset) + n as u128 > len {
                    (len - n as u128) as u64
                } else {
                    offset
                };
                let r = run_one(&gpu, &s, &dist, dtype, offset, n, pad);
                cases += 1;
                if !r.is_equal() {
                    failures.push(format!(
                        "{algo} {dist} {dtype} offset {offset} n {n} pad {pad}: {r:?}"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("GPU fills: {cases} cases equal the CPU");
}

#[test]
fn a_few_hundred_megabytes_match_the_cpu() {
    let Some(gpu) = gpu_or_skip("a_few_hundred_megabytes_match_the_cpu") else {
        return;
    };
    let n = 50_000_001; // 200 MB of f32, 400 MB of f64
    for (algo, dist, dtype) in [
        ("philox4x32-10", Distribution::STANDARD_NORMAL, DType::F32),
        ("threefry2x64-20", Distribution::Uniform, DType::F64),
        ("philox4x64-10", Distribution::Bits, DType::U32),
    ] {
        let s = stream_for(algo.parse().unwrap(), 9);
        let r = run_one(&gpu, &s, &dist, dtype, 3, n, 0);
        assert!(r.is_equal(), "{algo} {dist} {dtype}: {r:?}");
    }
}

#[test]
fn kat_vectors_pass_through_the_kat_kernel() {
    let Some(gpu) = gpu_or_skip("kat_vectors_pass_through_the_kat_kernel") else {
        return;
    };
    let (vectors, _) = kat::parse(kat::RANDOM123_KAT, "random123_kat_vectors.txt").unwrap();
    assert!(!vectors.is_empty());
    for v in &vectors {
        let got = gpu.block_kat(v.algo, &v.ctr, &v.key).unwrap();
        assert_eq!(got, v.expected, "KAT line {}: {}", v.line, v.algo);
    }
}

#[test]
fn fills_queue_on_the_callers_stream_and_errors_are_values() {
    let Some(gpu) = gpu_or_skip("fills_queue_on_the_callers_stream_and_errors_are_values") else {
        return;
    };
    let own = gpu.context().new_stream().unwrap();
    let g2 = Gpu::from_stream(own.clone()).unwrap();
    assert!(Arc::ptr_eq(g2.stream(), &own));
    let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 42, 7).unwrap();
    let mut x: CudaSlice<f32> = own.alloc_zeros(1000).unwrap();
    g2.fill(&s, &Distribution::Uniform, 0, &mut x).unwrap();
    assert!(
        g2.cross_check(&s, &Distribution::Uniform, 0, &x)
            .unwrap()
            .is_equal()
    );
    // Past the end of a 2x32 stream: an error, nothing launched.
    let t = Stream::from_seed("philox2x32".parse().unwrap(), 1, 0).unwrap();
    let mut y: CudaSlice<u32> = own.alloc_zeros(10).unwrap();
    assert!(
        g2.fill(&t, &Distribution::Bits, (1 << 33) - 5, &mut y)
            .is_err()
    );
    // A dtype the distribution cannot give.
    let mut z: CudaSlice<u8> = own.alloc_zeros(10).unwrap();
    assert!(g2.fill(&s, &Distribution::Uniform, 0, &mut z).is_err());
}

/// The categorical fill on the GPU (the table uploaded once, then filled in
/// u32, u64, i32 and i64) equals `Categorical::fill` on the CPU: zeros, a
/// 2^20-weight table, extreme ratios; offsets past 2^32.
#[test]
fn categorical_matches_the_cpu() {
    use cbrng::dist::categorical::Categorical;
    let Some(g) = gpu_or_skip("categorical_matches_the_cpu") else {
        return;
    };
    let big: Vec<f64> = (0..1u64 << 20)
        .map(|k| ((k.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40) % 1000) as f64)
        .collect();
    for w in [
        vec![0.0, 1.0, 0.0, 2.0, 3.0, 0.0],
        vec![5.0],
        vec![1e-300, 1.0],
        big,
    ] {
        let c = Categorical::new(&w).unwrap();
        let t = g.upload_categorical(&c).unwrap();
        for algo in Algorithm::all_default() {
            let s = stream_for(algo, 7);
            let n = 100_003;
            let off = (1u64 << 32) + 5;
            let mut want = vec![0i64; n];
            c.fill(&s, off.into(), &mut want).unwrap();
            let mut d32 = g.stream().alloc_zeros::<u32>(n).unwrap();
            g.fill_categorical(&s, &t, off, &mut d32).unwrap();
            let got32 = g.stream().clone_dtoh(&d32).unwrap();
            let mut d64 = g.stream().alloc_zeros::<i64>(n).unwrap();
            g.fill_categorical(&s, &t, off, &mut d64).unwrap();
            let got64 = g.stream().clone_dtoh(&d64).unwrap();
            for k in 0..n {
                assert_eq!(i64::from(got32[k]), want[k], "{algo} u32 index {k}");
                assert_eq!(got64[k], want[k], "{algo} i64 index {k}");
            }
        }
    }
}
