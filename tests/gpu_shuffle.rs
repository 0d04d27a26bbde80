//! The permutation on the GPU against the CPU, bit for bit: `Gpu::permute`
//! and `permute_slice` for elements of 1, 2, 4, 8 and 16 bytes,
//! `permutation_indices` and `permutation_inverses` for small, odd, 2^k ± 1
//! and huge n, and the errors (lengths, ranges, element sizes) before any
//! launch. Skips with a notice without a GPU; fails when
//! `CBRNG_REQUIRE_GPU=1`.
#![cfg(feature = "cuda")]
use cbrng::cuda::Gpu;
use cbrng::shuffle::Permutation;
use cudarc::driver::{DeviceRepr, ValidAsZeroBits};

#[path = "common/gpu.rs"]
mod gpu;
use gpu::gpu_or_skip;

fn check_gather<T>(gpu: &Gpu, p: &Permutation, src: &[T])
where
    T: DeviceRepr + ValidAsZeroBits + Copy + Send + Sync + PartialEq + std::fmt::Debug + Default,
{
    let n = src.len();
    let s = gpu.stream();
    let d_src = s.clone_htod(src).unwrap();
    let mut d_dst = s.alloc_zeros::<T>(n.max(1)).unwrap();
    let mut want = vec![T::default(); n];
    p.permute(src, &mut want).unwrap();
    if n > 0 {
        let mut view = d_dst.slice_mut(..n);
        gpu.permute(p, &d_src, &mut view).unwrap();
        let got = s.clone_dtoh(&view).unwrap();
        assert!(got == want, "n {n}, {} bytes", std::mem::size_of::<T>());
        // A slice of the order on its own.
        let (first, count) = (n / 3, n - n / 3 - n / 5);
        let mut part = s.alloc_zeros::<T>(count.max(1)).unwrap();
        let mut pv = part.slice_mut(..count);
        gpu.permute_slice(p, first as u64, &d_src, &mut pv).unwrap();
        assert!(s.clone_dtoh(&pv).unwrap() == want[first..first + count]);
    }
}

#[test]
fn gathers_match_the_cpu() {
    let Some(gpu) = gpu_or_skip("gathers_match_the_cpu") else {
        return;
    };
    for n in [1usize, 2, 255, 256, 257, 1000, (1 << 20) + 1, 1 << 22] {
        let p = Permutation::from_seed(42, n as u64, n as u64).unwrap();
        let w: Vec<u64> = (0..n as u64)
            .map(|x| x.wrapping_mul(0x9e37_79b9_7f4a_7c15))
            .collect();
        check_gather(&gpu, &p, &w.iter().map(|&x| x as u8).collect::<Vec<_>>());
        check_gather(&gpu, &p, &w.iter().map(|&x| x as u16).collect::<Vec<_>>());
        check_gather(&gpu, &p, &w.iter().map(|&x| x as u32).collect::<Vec<_>>());
        check_gather(&gpu, &p, &w);
        check_gather(&gpu, &p, &w.iter().map(|&x| [x, !x]).collect::<Vec<_>>());
    }
}

#[test]
fn indices_and_inverses_match_the_cpu() {
    let Some(gpu) = gpu_or_skip("indices_and_inverses_match_the_cpu") else {
        return;
    };
    let s = gpu.stream();
    let mut sizes = vec![1u64, 2, 3, 100, 65_537, 1 << 24];
    for k in [31u32, 32, 33, 47, 63] {
        sizes.extend([(1u64 << k) - 1, 1 << k, (1 << k) + 1]);
    }
    sizes.push(u64::MAX);
    for n in sizes {
        let p = Permutation::from_seed(7, 1, n).unwrap();
        let count = n.min(1 << 20) as usize;
        for first in [0, n - count as u64, (n - count as u64) / 2] {
            let mut d = s.alloc_zeros::<u64>(count).unwrap();
            let mut want = vec![0u64; count];
            p.indices(first, &mut want).unwrap();
            gpu.permutation_indices(&p, first, &mut d).unwrap();
            assert!(
                s.clone_dtoh(&d).unwrap() == want,
                "indices n {n} first {first}"
            );
            gpu.permutation_inverses(&p, first, &mut d).unwrap();
            let inv = s.clone_dtoh(&d).unwrap();
            for (t, &i) in inv.iter().enumerate().step_by(97) {
                assert_eq!(i, p.inverse(first + t as u64).unwrap(), "n {n}");
            }
        }
    }
}

#[test]
fn bad_calls_are_errors_before_any_launch() {
    let Some(gpu) = gpu_or_skip("bad_calls_are_errors_before_any_launch") else {
        return;
    };
    let s = gpu.stream();
    let p = Permutation::from_seed(1, 0, 100).unwrap();
    let src = s.alloc_zeros::<u32>(100).unwrap();
    let mut short = s.alloc_zeros::<u32>(99).unwrap();
    assert!(gpu.permute(&p, &src, &mut short).is_err());
    let small_src = s.alloc_zeros::<u32>(99).unwrap();
    let mut dst = s.alloc_zeros::<u32>(100).unwrap();
    assert!(gpu.permute(&p, &small_src, &mut dst).is_err());
    let mut part = s.alloc_zeros::<u32>(10).unwrap();
    assert!(gpu.permute_slice(&p, 91, &src, &mut part).is_err());
    let odd = s.alloc_zeros::<[u8; 3]>(100).unwrap();
    let mut odd_dst = s.alloc_zeros::<[u8; 3]>(100).unwrap();
    let e = gpu.permute(&p, &odd, &mut odd_dst).unwrap_err();
    assert!(e.to_string().contains("1, 2, 4, 8 or 16 bytes"), "{e}");
    let mut idx = s.alloc_zeros::<u64>(5).unwrap();
    assert!(gpu.permutation_indices(&p, 96, &mut idx).is_err());
    gpu.permutation_indices(&p, 95, &mut idx).unwrap();
    s.synchronize().unwrap();
}
