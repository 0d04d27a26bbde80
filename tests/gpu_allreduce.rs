//! The exact all-reduce's device side against the CPU: the limbs the GPU
//! makes from its exact-sum states equal `Accumulator::to_limbs`, and the
//! states it makes from summed limbs read back as the CPU's merge. With the
//! `nccl` feature, `cbrng::cuda::allreduce_exact` over NCCL (one rank per
//! GPU, in one process) gives every rank the CPU's merge. Skips with a
//! notice without a GPU (or NCCL); fails when `CBRNG_REQUIRE_GPU=1`.
#![cfg(feature = "cuda")]
mod common;
use cbrng::cuda::Gpu;
use cbrng::reduce::{Accumulator, DEVICE_STATE_WORDS, LIMBS};
use common::SplitMix;
use cudarc::driver::CudaSlice;

#[path = "common/gpu.rs"]
mod gpu;
use gpu::gpu_or_skip;

fn data(rng: &mut SplitMix, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| match i % 4 {
            0 => f64::from_bits(rng.next() >> 12),
            1 => 1e300 * ((rng.next() >> 11) as f64 * 2f64.powi(-53)),
            2 => -1e300 * ((rng.next() >> 11) as f64 * 2f64.powi(-53)),
            _ => f64::from_bits(rng.next() & 0x3fef_ffff_ffff_ffff),
        })
        .collect()
}

/// Each shard's exact state, computed on the GPU into row r of one buffer.
fn device_states(gpu: &Gpu, shards: &[Vec<f64>]) -> CudaSlice<u64> {
    let mut states = gpu
        .stream()
        .alloc_zeros::<u64>(shards.len() * DEVICE_STATE_WORDS)
        .unwrap();
    for (r, s) in shards.iter().enumerate() {
        let x = gpu.stream().clone_htod(s).unwrap();
        let shape = gpu.default_reduce_shape::<f64>(s.len()).unwrap();
        let mut row = states.slice_mut(r * DEVICE_STATE_WORDS..(r + 1) * DEVICE_STATE_WORDS);
        gpu.queue_sum_state::<f64, _, _>(&x, shape, &mut row)
            .unwrap();
    }
    states
}

fn cpu_state(xs: &[f64]) -> Accumulator {
    let mut a = Accumulator::new();
    a.add_slice(xs);
    a
}

#[test]
fn device_limbs_and_states_match_the_cpu() {
    let Some(gpu) = gpu_or_skip("device_limbs_and_states_match_the_cpu") else {
        return;
    };
    let mut rng = SplitMix(3);
    let shards: Vec<Vec<f64>> = [0usize, 1, 1000, 65537, 7]
        .iter()
        .map(|&n| data(&mut rng, n))
        .collect();
    let states = device_states(&gpu, &shards);
    let mut limbs = gpu
        .stream()
        .alloc_zeros::<i64>(shards.len() * LIMBS)
        .unwrap();
    gpu.queue_states_to_limbs(&states, &mut limbs).unwrap();
    let host = gpu.stream().clone_dtoh(&limbs).unwrap();
    let cpu: Vec<Accumulator> = shards.iter().map(|s| cpu_state(s)).collect();
    assert_eq!(
        host,
        Accumulator::rows_to_limbs(&cpu),
        "the GPU's limbs are the CPU's"
    );
    // Sum the rows (what the collective does), back to a state on the GPU.
    let mut sum = vec![0i64; LIMBS];
    for row in host.chunks_exact(LIMBS) {
        for (s, l) in sum.iter_mut().zip(row) {
            *s += l;
        }
    }
    let dsum = gpu.stream().clone_htod(&sum).unwrap();
    let mut merged = gpu.stream().alloc_zeros::<u64>(DEVICE_STATE_WORDS).unwrap();
    gpu.queue_limbs_to_states(&dsum, &mut merged).unwrap();
    let words = gpu.stream().clone_dtoh(&merged).unwrap();
    let mut want = Accumulator::new();
    for c in &cpu {
        want.merge(c).unwrap();
    }
    assert_eq!(Accumulator::from_device_state(&words).unwrap(), want);
    // A corrupted sum is refused on the device, and the refusal is read.
    let mut bad = sum.clone();
    bad[LIMBS - 1] += 1;
    let dbad = gpu.stream().clone_htod(&bad).unwrap();
    gpu.queue_limbs_to_states(&dbad, &mut merged).unwrap();
    let words = gpu.stream().clone_dtoh(&merged).unwrap();
    let e = Accumulator::from_device_state(&words)
        .unwrap_err()
        .to_string();
    assert!(e.contains("GPU refused"), "{e}");
    // Buffer sizes are checked before any launch.
    let mut short = gpu.stream().alloc_zeros::<i64>(LIMBS - 1).unwrap();
    assert!(gpu.queue_states_to_limbs(&states, &mut short).is_err());
}

#[cfg(feature = "nccl")]
#[test]
fn nccl_allreduce_exact_gives_every_rank_the_cpu_merge() {
    use cudarc::driver::CudaContext;
    use cudarc::nccl::{Comm, ReduceOp, result};
    let Some(gpu) = gpu_or_skip("nccl_allreduce_exact_gives_every_rank_the_cpu_merge") else {
        return;
    };
    if let Err(e) = cbrng::cuda::check_nccl() {
        assert!(
            std::env::var("CBRNG_REQUIRE_NCCL").as_deref() != Ok("1"),
            "CBRNG_REQUIRE_NCCL=1 but {e}"
        );
        eprintln!("SKIPPED nccl_allreduce_exact_gives_every_rank_the_cpu_merge: {e}");
        return;
    }
    let mut rng = SplitMix(9);
    // One rank: the whole path of allreduce_exact.
    let shard = data(&mut rng, 4099);
    let comm = Comm::from_devices(vec![gpu.stream().clone()])
        .unwrap()
        .remove(0);
    let mut states = device_states(&gpu, std::slice::from_ref(&shard));
    cbrng::cuda::allreduce_exact(&gpu, &comm, &mut states).unwrap();
    let words = gpu.stream().clone_dtoh(&states).unwrap();
    assert_eq!(
        Accumulator::from_device_state(&words).unwrap(),
        cpu_state(&shard)
    );
    // One rank per GPU in one thread: the three steps, the collective grouped.
    let n = CudaContext::device_count().unwrap() as usize;
    let gpus: Vec<Gpu> = (0..n).map(|i| Gpu::new(i).unwrap()).collect();
    let shards: Vec<Vec<f64>> = (0..n).map(|r| data(&mut rng, 1000 * r + 1)).collect();
    let comms = Comm::from_devices(gpus.iter().map(|g| g.stream().clone()).collect()).unwrap();
    let mut limbs = Vec::new();
    for (g, s) in gpus.iter().zip(&shards) {
        let st = device_states(g, std::slice::from_ref(s));
        let mut l = g.stream().alloc_zeros::<i64>(LIMBS).unwrap();
        g.queue_states_to_limbs(&st, &mut l).unwrap();
        limbs.push(l);
    }
    result::group_start().unwrap();
    for (c, l) in comms.iter().zip(limbs.iter_mut()) {
        c.all_reduce_in_place(l, &ReduceOp::Sum).unwrap();
    }
    result::group_end().unwrap();
    let mut want = Accumulator::new();
    for s in &shards {
        want.merge(&cpu_state(s)).unwrap();
    }
    for (g, l) in gpus.iter().zip(&limbs) {
        let mut st = g.stream().alloc_zeros::<u64>(DEVICE_STATE_WORDS).unwrap();
        g.queue_limbs_to_states(l, &mut st).unwrap();
        let words = g.stream().clone_dtoh(&st).unwrap();
        assert_eq!(
            Accumulator::from_device_state(&words).unwrap(),
            want,
            "every rank"
        );
    }
}
