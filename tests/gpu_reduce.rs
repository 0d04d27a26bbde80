//! Exact sums on the GPU against the CPU's, bit for bit: adversarial data
//! (huge cancellation, subnormals, every exponent, NaN, inf, -0.0), lengths
//! 0, 1 and 2^k ± 1, ten million random elements, several launch shapes and
//! input alignments, and shards (1, 2, 3, 7, 64 of them) summed on the GPU and
//! merged in shuffled order through their bytes. Skips with a notice without
//! a GPU; fails when `CBRNG_REQUIRE_GPU=1`. The launch-shape rules are
//! checked without a GPU.
#![cfg(feature = "cuda")]
mod common;
use cbrng::Error;
use cbrng::cuda::{Gpu, ReduceShape};
use cbrng::reduce::{Accumulator, DEVICE_STATE_WORDS, Float};
use common::SplitMix;
use cudarc::driver::{CudaSlice, CudaView};
use half::{bf16, f16};

#[path = "common/gpu.rs"]
mod gpu;
use gpu::gpu_or_skip;

/// `xs` on the device, `pad` elements after the start of an allocation (so
/// `pad` > 0 gives a buffer that is not 16-byte aligned). Bytes, so that f16
/// and bf16 need no cudarc feature; [`view`] gives the typed view.
fn upload<T: Float>(gpu: &Gpu, xs: &[T], pad: usize) -> CudaSlice<u8> {
    let size = (T::BITS / 8) as usize;
    let mut bytes = vec![0u8; pad * size];
    for x in xs {
        bytes.extend_from_slice(&x.to_bits_u64().to_le_bytes()[..size]);
    }
    bytes.push(0); // never empty
    gpu.stream().clone_htod(&bytes).unwrap()
}

/// Elements `[from, from + n)` of an [`upload`]ed buffer with `pad`.
fn view<T: Float>(buf: &CudaSlice<u8>, pad: usize, from: usize, n: usize) -> CudaView<'_, T> {
    let size = (T::BITS / 8) as usize;
    let bytes = buf.slice((pad + from) * size..);
    // SAFETY: the bytes hold encodings of T.
    unsafe { bytes.transmute::<T>(n) }.unwrap()
}

fn cpu_state<T: Float>(xs: &[T]) -> Accumulator {
    let mut a = Accumulator::new();
    a.add_slice(xs);
    a
}

/// The GPU's state equals the CPU's, and both round to the same bits.
fn assert_same<T: Float>(gpu: &Accumulator, cpu: &Accumulator, what: &str) {
    assert_eq!(gpu, cpu, "{what}: states differ");
    assert_eq!(
        gpu.finish::<T>().to_bits_u64(),
        cpu.finish::<T>().to_bits_u64(),
        "{what}: sums differ"
    );
    assert_eq!(
        gpu.finish::<f64>().to_bits(),
        cpu.finish::<f64>().to_bits(),
        "{what}: f64 sums differ"
    );
}

/// Sums `xs` on the GPU with the default shape and with `shapes`, at every
/// misalignment within a 16-byte vector, and compares with the CPU.
fn check<T: Float>(gpu: &Gpu, xs: &[T], shapes: &[ReduceShape], what: &str) {
    let cpu = cpu_state(xs);
    for pad in 0..(16 / (T::BITS / 8) as usize) {
        let buf = upload(gpu, xs, pad);
        let v = view::<T>(&buf, pad, 0, xs.len());
        let got = gpu.sum_state(&v).unwrap();
        assert_same::<T>(&got, &cpu, &format!("{what} (pad {pad})"));
        assert_eq!(
            gpu.sum(&v).unwrap().to_bits_u64(),
            cpu.finish::<T>().to_bits_u64()
        );
        assert_eq!(
            gpu.sum_f64(&v).unwrap().to_bits(),
            cpu.finish::<f64>().to_bits()
        );
        for &s in shapes {
            let got = gpu.sum_state_with(&v, s).unwrap();
            assert_same::<T>(&got, &cpu, &format!("{what} (pad {pad}, {s:?})"));
        }
    }
}

/// Launch shapes to compare, for `T` on this GPU: the widest block the
/// compiled kernel allows (`Gpu::reduce_max_threads`, 1024 on some
/// architectures, fewer on others) and a spread of others within it.
fn shapes<T: Float>(gpu: &Gpu) -> Vec<ReduceShape> {
    let max = gpu.reduce_max_threads::<T>().unwrap();
    assert!(
        max >= 256,
        "{}: the kernel allows only {max} threads",
        T::NAME
    );
    [(1, 32), (1, max), (2, 64), (7, 96), (132, 256), (1000, 128)]
        .iter()
        .map(|&(b, t)| ReduceShape::new(b, t).unwrap())
        .collect()
}

/// A shape wider than the kernel allows is refused with an error, never
/// launched (where the kernel allows fewer than 1024 threads).
#[test]
fn shapes_above_the_kernels_limit_are_refused() {
    let Some(gpu) = gpu_or_skip("shapes_above_the_kernels_limit_are_refused") else {
        return;
    };
    fn one<T: Float>(gpu: &Gpu) {
        let max = gpu.reduce_max_threads::<T>().unwrap();
        let x = upload(gpu, &[T::from_bits_u64(0); 64], 0);
        let v = view::<T>(&x, 0, 0, 64);
        if max < ReduceShape::MAX_THREADS {
            let wide = ReduceShape::new(1, max + 32).unwrap();
            let e = gpu.sum_state_with(&v, wide).unwrap_err();
            assert!(e.to_string().contains("allows at most"), "{e}");
        }
        gpu.sum_state_with(&v, ReduceShape::new(1, max).unwrap())
            .unwrap();
    }
    one::<f32>(&gpu);
    one::<f64>(&gpu);
    one::<f16>(&gpu);
    one::<bf16>(&gpu);
}

/// Random values of `T`: mostly a band of exponents around 1 (the kernels'
/// fast path), one in 500 with any finite exponent, one in 1000 a zero or
/// -0.0, one in 2000 subnormal.
fn random<T: Float>(r: &mut SplitMix, n: usize) -> Vec<T> {
    let bias = (1u64 << (T::EXP_BITS - 1)) - 1;
    let top = (1u64 << T::EXP_BITS) - 2;
    (0..n)
        .map(|_| {
            let x = r.next();
            let sign = (x >> 63) << (T::BITS - 1);
            let frac = x & ((1 << T::FRAC_BITS) - 1);
            let e = match (x >> 40) % 2000 {
                0 => 0,
                1 | 2 => return T::from_bits_u64(sign),
                3..=6 => 1 + (x >> 20) % top,
                _ => bias - 6 + (x >> 44) % 9,
            };
            T::from_bits_u64(sign | (e << T::FRAC_BITS) | frac)
        })
        .collect()
}

fn f<T: Float>(x: f64) -> T {
    // Through the CPU's exact rounding: the f64 as a one-term sum.
    let mut a = Accumulator::new();
    a.add(x);
    a.finish()
}

/// The adversarial cases of one format: (data, name, whether to run every
/// launch shape on it).
fn adversarial_cases<T: Float>() -> Vec<(Vec<T>, String, bool)> {
    let name = T::NAME;
    let mut cases = Vec::new();
    let mut add = |xs: Vec<T>, what: &str, all_shapes: bool| {
        cases.push((xs, format!("{name} {what}"), all_shapes))
    };
    let big = if T::EXP_BITS == 5 { 6e4 } else { 1e30 };
    add(vec![f(big), f(1.0), f(-big)], "cancellation", true);
    let mut r = SplitMix(7 + u64::from(T::BITS));
    // All subnormal, both signs.
    let sub: Vec<T> = (0..5000)
        .map(|_| {
            let x = r.next();
            let frac = (x & ((1 << T::FRAC_BITS) - 1)).max(1);
            T::from_bits_u64(((x >> 63) << (T::BITS - 1)) | frac)
        })
        .collect();
    add(sub, "subnormals", true);
    // Every finite exponent, both signs, with a cancelling partner each.
    let top = (1u64 << T::EXP_BITS) - 2;
    let mut mixed: Vec<T> = (0..=top)
        .flat_map(|e| {
            let x = r.next();
            let v = (e << T::FRAC_BITS) | (x & ((1 << T::FRAC_BITS) - 1));
            [
                T::from_bits_u64(v),
                T::from_bits_u64(v | (1 << (T::BITS - 1))),
            ]
        })
        .collect();
    mixed.extend((0..=top).map(|e| T::from_bits_u64((e << T::FRAC_BITS) | 1)));
    add(mixed, "every exponent", true);
    // Specials.
    let inf = T::from_bits_u64((top + 1) << T::FRAC_BITS);
    let ninf = T::from_bits_u64(inf.to_bits_u64() | (1 << (T::BITS - 1)));
    let nan = T::from_bits_u64(inf.to_bits_u64() | 1);
    let nz = T::from_bits_u64(1 << (T::BITS - 1));
    let z = T::from_bits_u64(0);
    let one = f::<T>(1.0);
    let max = T::from_bits_u64((top << T::FRAC_BITS) | ((1 << T::FRAC_BITS) - 1));
    let nmax = T::from_bits_u64(max.to_bits_u64() | (1 << (T::BITS - 1)));
    add(vec![one, nan, one], "NaN", true);
    add(vec![inf, one], "+inf", true);
    add(vec![ninf, one], "-inf", true);
    add(vec![inf, ninf], "inf - inf", true);
    add(vec![nz, nz, nz], "-0.0s", true);
    add(vec![nz, z], "-0.0 + 0.0", true);
    add(vec![nz], "one -0.0", true);
    add(vec![one, f(-1.0)], "exact zero", true);
    add(vec![max, max], "overflow", true);
    add(vec![max, max, nmax], "no intermediate overflow", true);
    // Specials inside long data, and only -0.0 over many groups.
    let mut long = random::<T>(&mut r, 100_003);
    long[77_777] = nan;
    add(long, "NaN in 100003", true);
    add(vec![nz; 70_001], "70001 x -0.0", true);
    // Lengths 0, 1, 2^k - 1, 2^k, 2^k + 1.
    add(Vec::new(), "empty", true);
    for k in 0..=20 {
        for len in [(1usize << k) - 1, 1 << k, (1 << k) + 1] {
            add(random::<T>(&mut r, len), &format!("length {len}"), false);
        }
    }
    cases
}

fn adversarial<T: Float>(gpu: &Gpu) {
    let s = shapes::<T>(gpu);
    for (xs, what, all_shapes) in adversarial_cases::<T>() {
        check::<T>(gpu, &xs, if all_shapes { &s } else { &[] }, &what);
    }
}

#[test]
fn adversarial_data_and_lengths_match_the_cpu() {
    let Some(gpu) = gpu_or_skip("adversarial_data_and_lengths_match_the_cpu") else {
        return;
    };
    adversarial::<f32>(&gpu);
    adversarial::<f64>(&gpu);
    adversarial::<f16>(&gpu);
    adversarial::<bf16>(&gpu);
}

fn ten_million<T: Float>(gpu: &Gpu, seed: u64) {
    let mut r = SplitMix(seed);
    let xs = random::<T>(&mut r, 10_000_000);
    let mut shapes = shapes::<T>(gpu);
    shapes.push(ReduceShape::new(4096, 256).unwrap());
    check::<T>(gpu, &xs, &shapes, &format!("{} 10^7 random", T::NAME));
}

#[test]
fn ten_million_random_elements_match_the_cpu_for_every_shape() {
    let Some(gpu) = gpu_or_skip("ten_million_random_elements_match_the_cpu_for_every_shape") else {
        return;
    };
    ten_million::<f32>(&gpu, 1);
    ten_million::<f64>(&gpu, 2);
    ten_million::<f16>(&gpu, 3);
    ten_million::<bf16>(&gpu, 4);
}

/// Shards of one buffer (views at any offset) summed on the GPU, their
/// states serialised, shuffled and merged: the CPU's state of the whole.
fn shards<T: Float>(gpu: &Gpu, seed: u64) {
    let mut r = SplitMix(seed);
    let n = 3_000_017;
    let xs = random::<T>(&mut r, n);
    let cpu = cpu_state(&xs);
    let buf = upload(gpu, &xs, 0);
    for count in [1usize, 2, 3, 7, 64] {
        let cut = |i: usize| n * i / count;
        let mut bytes: Vec<Vec<u8>> = (0..count)
            .map(|i| {
                let v = view::<T>(&buf, 0, cut(i), cut(i + 1) - cut(i));
                gpu.sum_state(&v).unwrap().to_bytes()
            })
            .collect();
        for i in (1..bytes.len()).rev() {
            bytes.swap(i, (r.next() % (i as u64 + 1)) as usize);
        }
        let mut merged = Accumulator::new();
        for b in &bytes {
            merged.merge(&Accumulator::from_bytes(b).unwrap()).unwrap();
        }
        assert_same::<T>(&merged, &cpu, &format!("{} {count} shards", T::NAME));
        // The same shards queued back to back, read after the last.
        let mut states: CudaSlice<u64> = gpu
            .stream()
            .alloc_zeros(count * DEVICE_STATE_WORDS)
            .unwrap();
        for i in 0..count {
            let v = view::<T>(&buf, 0, cut(i), cut(i + 1) - cut(i));
            let shape = gpu.default_reduce_shape::<T>(v.len()).unwrap();
            let mut out = states.slice_mut(i * DEVICE_STATE_WORDS..(i + 1) * DEVICE_STATE_WORDS);
            gpu.queue_sum_state(&v, shape, &mut out).unwrap();
        }
        let words = gpu.stream().clone_dtoh(&states).unwrap();
        let mut order: Vec<usize> = (0..count).collect();
        for i in (1..count).rev() {
            order.swap(i, (r.next() % (i as u64 + 1)) as usize);
        }
        let mut merged = Accumulator::new();
        for i in order {
            let w = &words[i * DEVICE_STATE_WORDS..(i + 1) * DEVICE_STATE_WORDS];
            merged
                .merge(&Accumulator::from_device_state(w).unwrap())
                .unwrap();
        }
        assert_same::<T>(&merged, &cpu, &format!("{} {count} queued shards", T::NAME));
    }
}

#[test]
fn shards_merged_in_shuffled_order_equal_one_pass() {
    let Some(gpu) = gpu_or_skip("shards_merged_in_shuffled_order_equal_one_pass") else {
        return;
    };
    shards::<f32>(&gpu, 11);
    shards::<f64>(&gpu, 12);
    shards::<f16>(&gpu, 13);
    shards::<bf16>(&gpu, 14);
}

#[test]
fn gpu_errors_are_values_and_handles_share_nothing_unsafely() {
    let Some(gpu) = gpu_or_skip("gpu_errors_are_values_and_handles_share_nothing_unsafely") else {
        return;
    };
    let xs = [1.5f32, 2.0, -0.25];
    let buf = upload(&gpu, &xs, 0);
    let v = view::<f32>(&buf, 0, 0, 3);
    // A buffer not aligned to its elements.
    let odd = buf.slice(1..);
    // SAFETY: only its alignment is looked at; nothing is launched.
    let odd = unsafe { odd.transmute::<f32>(2) }.unwrap();
    assert!(matches!(
        gpu.sum_state(&odd),
        Err(Error::BadParameter { .. })
    ));
    // A state buffer too small.
    let mut small: CudaSlice<u64> = gpu.stream().alloc_zeros(10).unwrap();
    let shape = ReduceShape::new(1, 32).unwrap();
    assert!(matches!(
        gpu.queue_sum_state(&v, shape, &mut small),
        Err(Error::BadParameter { .. })
    ));
    // Clones and handles on other streams, growing the scratch as they go.
    let other = Gpu::from_stream(gpu.context().new_stream().unwrap()).unwrap();
    let clone = gpu.clone();
    for (g, blocks) in [(&gpu, 1), (&clone, 4000), (&other, 3), (&gpu, 2)] {
        let s = ReduceShape::new(blocks, 64).unwrap();
        assert_eq!(g.sum_state_with(&v, s).unwrap().finish::<f32>(), 3.25);
    }
    gpu.prepare_reduce().unwrap();
}

#[test]
fn the_adversarial_cases_are_well_formed() {
    // Without a GPU: the cases build, and the CPU's sums of a few are the
    // IEEE answers the GPU must give.
    fn sums<T: Float>() -> Vec<(String, u64)> {
        adversarial_cases::<T>()
            .into_iter()
            .map(|(xs, what, _)| (what, cpu_state(&xs).finish::<T>().to_bits_u64()))
            .collect()
    }
    let f32s = sums::<f32>();
    let get = |what: &str| f32s.iter().find(|(w, _)| w == what).unwrap().1;
    assert_eq!(get("f32 cancellation"), 1f32.to_bits().into());
    assert_eq!(get("f32 -0.0s"), (-0f32).to_bits().into());
    assert_eq!(get("f32 -0.0 + 0.0"), 0);
    assert_eq!(get("f32 overflow"), f32::INFINITY.to_bits().into());
    assert_eq!(
        get("f32 no intermediate overflow"),
        f32::MAX.to_bits().into()
    );
    assert!(f32::from_bits(get("f32 inf - inf") as u32).is_nan());
    assert_eq!(sums::<f64>().len(), f32s.len());
    assert_eq!(sums::<f16>().len(), f32s.len());
    assert_eq!(sums::<bf16>().len(), f32s.len());
}

#[test]
fn launch_shapes_are_checked_without_a_gpu() {
    for (blocks, threads) in [(1, 32), (1, 1024), (65_536, 64), (7, 96)] {
        let s = ReduceShape::new(blocks, threads).unwrap();
        assert_eq!((s.blocks(), s.threads()), (blocks, threads));
    }
    for (blocks, threads, needle) in [
        (0, 256, "blocks"),
        (65_537, 256, "blocks"),
        (1, 0, "threads"),
        (1, 48, "multiple of 32"),
        (1, 2048, "threads"),
    ] {
        match ReduceShape::new(blocks, threads) {
            Err(Error::BadParameter { reason }) => assert!(reason.contains(needle), "{reason}"),
            other => panic!("({blocks}, {threads}): {other:?}"),
        }
    }
}
