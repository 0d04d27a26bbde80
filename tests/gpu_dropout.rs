//! Dropout on the GPU against the CPU, bit for bit: every generator and
//! dtype, p in {0, 1e-9, 0.1, 0.5, 0.9, 1 - 1e-7, 1}, aligned and unaligned
//! offsets and buffers, lengths 0, 1, 2^k ± 1 and ~100 MB; outputs, byte
//! masks and bitmasks; in place, backward and masks only. Skips with a
//! notice without a GPU; fails when `CBRNG_REQUIRE_GPU=1`.
#![cfg(feature = "cuda")]
use cbrng::check;
use cbrng::cuda::{DeviceMaskOut, Gpu};
use cbrng::dist::DType;
use cbrng::dist::dropout::DropoutElement;
use cbrng::dropout::{Dropout, MaskOut, bitmask_words};
use cbrng::{Algorithm, Shape, Stream};
use cudarc::driver::CudaSlice;
use half::{bf16, f16};

mod common;
use common::SplitMix;

const PS: [f64; 7] = [0.0, 1e-9, 0.1, 0.5, 0.9, 1.0 - 1e-7, 1.0];

#[path = "common/gpu.rs"]
mod gpu;
use gpu::gpu_or_skip;

/// Random bit patterns (NaNs, infinities and subnormals included).
fn input_bytes(seed: u64, bytes: usize) -> Vec<u8> {
    let mut r = SplitMix(seed);
    let mut v: Vec<u8> = (0..bytes.div_ceil(8))
        .flat_map(|_| r.next().to_le_bytes())
        .collect();
    v.truncate(bytes);
    v
}

/// Runs one case on both sides; returns what differs, if anything.
fn compare<T: DropoutElement>(
    gpu: &Gpu,
    d: &Dropout,
    offset: u64,
    n: usize,
    pad: usize,
    seed: u64,
) -> Option<String> {
    let size = std::mem::size_of::<T>();
    let st = gpu.stream();
    let xb = input_bytes(seed, n * size);
    let x: Vec<T> = xb
        .chunks_exact(size)
        .map(bytemuck::pod_read_unaligned)
        .collect();
    // CPU.
    let mut y = vec![T::default(); n];
    let mut bytes = vec![0u8; n];
    let mut bits = vec![0u32; bitmask_words(n)];
    let mask = MaskOut {
        bytes: Some(&mut bytes),
        bits: Some(&mut bits),
    };
    d.forward_with_mask(offset, &x, &mut y, mask).unwrap();
    let want_y: Vec<u8> = bytemuck::cast_slice(&y).to_vec();
    let want_bits: Vec<u8> = bytemuck::cast_slice(&bits).to_vec();
    // GPU: buffers `pad` elements into a byte allocation (one spare element
    // so that n = 0 allocates something).
    let mut padded = vec![0u8; pad * size];
    padded.extend_from_slice(&xb);
    padded.extend_from_slice(&vec![0u8; size]);
    let dx: CudaSlice<u8> = st.clone_htod(&padded).unwrap();
    let mut dy: CudaSlice<u8> = st.alloc_zeros(padded.len()).unwrap();
    let mut dz: CudaSlice<u8> = st.clone_htod(&padded).unwrap();
    let mut dm: CudaSlice<u8> = st.alloc_zeros(n + 1).unwrap();
    let mut dw: CudaSlice<u32> = st.alloc_zeros(bitmask_words(n) + 1).unwrap();
    let mut dm2: CudaSlice<u8> = st.alloc_zeros(n + 1).unwrap();
    let mut dw2: CudaSlice<u32> = st.alloc_zeros(bitmask_words(n) + 1).unwrap();
    let range = pad * size..(pad + n) * size;
    {
        let xv = dx.slice(range.clone());
        // SAFETY: each view covers exactly n elements of T.
        let xv = unsafe { xv.transmute::<T>(n) }.unwrap();
        let mut yv = dy.slice_mut(range.clone());
        let mut yv = unsafe { yv.transmute_mut::<T>(n) }.unwrap();
        let mask = DeviceMaskOut {
            bytes: Some(dm.slice_mut(..n)),
            bits: Some(dw.slice_mut(..bitmask_words(n))),
        };
        gpu.dropout_forward_with_mask(d, offset, &xv, &mut yv, mask)
            .unwrap();
        let mut zv = dz.slice_mut(range.clone());
        let mut zv = unsafe { zv.transmute_mut::<T>(n) }.unwrap();
        gpu.dropout_backward_in_place(d, offset, &mut zv).unwrap();
        gpu.dropout_mask_bytes(d, offset, &mut dm2.slice_mut(..n))
            .unwrap();
        gpu.dropout_mask_bits(d, offset, n, &mut dw2.slice_mut(..bitmask_words(n)))
            .unwrap();
    }
    let got_y = gpu.copy_to_host(&dy.slice(range.clone())).unwrap();
    let got_z = gpu.copy_to_host(&dz.slice(range)).unwrap();
    let got_m = gpu.copy_to_host(&dm.slice(..n)).unwrap();
    let got_w = gpu.copy_to_host(&dw.slice(..bitmask_words(n))).unwrap();
    let got_m2 = gpu.copy_to_host(&dm2.slice(..n)).unwrap();
    let got_w2 = gpu.copy_to_host(&dw2.slice(..bitmask_words(n))).unwrap();
    let first = |a: &[u8], b: &[u8], unit: usize| {
        a.iter()
            .zip(b)
            .position(|(x, y)| x != y)
            .map(|i| format!("element {} (byte {i})", i / unit))
    };
    for (what, got, want, unit) in [
        ("y", &got_y, &want_y, size),
        ("in-place backward", &got_z, &want_y, size),
        ("byte mask", &got_m, &bytes, 1),
        ("bitmask", &got_w, &want_bits, 4),
        ("mask-only bytes", &got_m2, &bytes, 1),
        ("mask-only bits", &got_w2, &want_bits, 4),
    ] {
        if let Some(at) = first(got, want, unit) {
            return Some(format!("{what} differs first at {at}"));
        }
    }
    None
}

fn compare_dtype(
    gpu: &Gpu,
    dtype: DType,
    d: &Dropout,
    offset: u64,
    n: usize,
    pad: usize,
    seed: u64,
) -> Option<String> {
    match dtype {
        DType::F32 => compare::<f32>(gpu, d, offset, n, pad, seed),
        DType::F64 => compare::<f64>(gpu, d, offset, n, pad, seed),
        DType::F16 => compare::<f16>(gpu, d, offset, n, pad, seed),
        _ => compare::<bf16>(gpu, d, offset, n, pad, seed),
    }
}

#[test]
fn every_generator_dtype_and_p_matches_the_cpu() {
    let Some(gpu) = gpu_or_skip("every_generator_dtype_and_p_matches_the_cpu") else {
        return;
    };
    const CASES: [(u64, usize, usize); 8] = [
        (0, 0, 0),
        (0, 1, 0),
        (3, 1, 1),
        (0, 1023, 0),
        (5, 1025, 3),
        (4, 65_537, 1),
        ((1 << 32) - 3, 4099, 0),
        ((1 << 33) - 70_000, 65_535, 2),
    ];
    let mut failures = Vec::new();
    let mut cases = 0u64;
    for algo in check::algorithms() {
        // Stream ids >= 2^32 where the generator has them (not 2x32).
        let id = if algo.shape() == Shape::X2x32 {
            5
        } else {
            (1 << 32) + 5
        };
        let s = Stream::from_seed(algo, 77, id).unwrap();
        for dtype in [DType::F32, DType::F64, DType::F16, DType::BF16] {
            for p in PS {
                let d = Dropout::new(s, p).unwrap();
                for &(offset, n, pad) in &CASES {
                    cases += 1;
                    if let Some(why) = compare_dtype(&gpu, dtype, &d, offset, n, pad, cases) {
                        failures.push(format!(
                            "{algo} {dtype} p {p} offset {offset} n {n} pad {pad}: {why}"
                        ));
                    }
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
    eprintln!("GPU dropout: {cases} cases equal the CPU");
}

#[test]
fn a_hundred_megabytes_match_the_cpu() {
    let Some(gpu) = gpu_or_skip("a_hundred_megabytes_match_the_cpu") else {
        return;
    };
    let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 1, 0).unwrap();
    let d = Dropout::new(s, 0.1).unwrap();
    // 100 MB of f32 and of bf16.
    for (dtype, n) in [(DType::F32, 25_000_001), (DType::BF16, 50_000_003)] {
        let r = compare_dtype(&gpu, dtype, &d, 12, n, 0, 9);
        assert!(r.is_none(), "{dtype}: {r:?}");
    }
}

#[test]
fn bad_device_calls_are_errors() {
    let Some(gpu) = gpu_or_skip("bad_device_calls_are_errors") else {
        return;
    };
    let st = gpu.stream();
    let s = Stream::from_seed("philox2x32".parse().unwrap(), 1, 0).unwrap();
    let d = Dropout::new(s, 0.5).unwrap();
    let x: CudaSlice<f32> = st.alloc_zeros(10).unwrap();
    let mut y: CudaSlice<f32> = st.alloc_zeros(9).unwrap();
    assert!(gpu.dropout_forward(&d, 0, &x, &mut y).is_err());
    let mut y: CudaSlice<f32> = st.alloc_zeros(10).unwrap();
    assert!(gpu.dropout_forward(&d, (1 << 33) - 5, &x, &mut y).is_err());
    let mut w: CudaSlice<u32> = st.alloc_zeros(1).unwrap();
    assert!(gpu.dropout_mask_bits(&d, 0, 33, &mut w).is_err());
}
