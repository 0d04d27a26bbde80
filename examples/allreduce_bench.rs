//! What an exact all-reduce costs: the median time of `allreduce_exact`
//! (one `MPI_Allreduce` of the limbs, then the normalisation) against one
//! `MPI_Allreduce` of a single f64, in the same run; and the normalisation
//! (`from_limb_sum`) and `to_limbs` alone.
//!
//! ```text
//! cargo build --release --features mpi --example allreduce_bench
//! mpirun -np 4 target/release/examples/allreduce_bench [REPS]
//! ```

use cbrng::reduce::{Accumulator, LIMBS, mpi::allreduce_exact};
use mpi::collective::SystemOperation;
use mpi::traits::{Communicator, CommunicatorCollectives};
use std::hint::black_box;

fn median(mut t: Vec<f64>) -> f64 {
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

fn main() {
    let universe = mpi::initialize().expect("MPI could not be initialised");
    let world = universe.world();
    let reps: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2000);
    let rank = world.rank();
    // A realistic state: a shard of values spread over many binades.
    let mut state = Accumulator::new();
    let data: Vec<f64> = (0..4096)
        .map(|i| ((i * 7919 + rank as usize) as f64).sin() * 1e10f64.powi((i % 7) as i32))
        .collect();
    state.add_slice(&data);

    let mut one = [0f64];
    let mut exact = Vec::with_capacity(reps);
    let mut plain = Vec::with_capacity(reps);
    for _ in 0..reps {
        world.barrier();
        let t0 = mpi::time();
        let r = allreduce_exact(&world, &state).expect("the limb sum is in range");
        exact.push(mpi::time() - t0);
        black_box(r);
        world.barrier();
        let t0 = mpi::time();
        world.all_reduce_into(&[1.0f64][..], &mut one[..], SystemOperation::sum());
        plain.push(mpi::time() - t0);
        black_box(one);
    }
    // The local steps alone.
    let limbs = state.to_limbs();
    let mut to = Vec::with_capacity(reps);
    let mut norm = Vec::with_capacity(reps);
    for _ in 0..reps {
        let t0 = mpi::time();
        black_box(black_box(&state).to_limbs());
        to.push(mpi::time() - t0);
        let t0 = mpi::time();
        black_box(Accumulator::from_limb_sum(black_box(&limbs)).unwrap());
        norm.push(mpi::time() - t0);
    }
    if rank == 0 {
        let (e, p) = (median(exact), median(plain));
        println!("ranks {}, {reps} repetitions, medians:", world.size());
        println!(
            "  allreduce_exact ({} B of limbs):  {:.2} us",
            LIMBS * 8,
            e * 1e6
        );
        println!("  MPI_Allreduce of one f64:         {:.2} us", p * 1e6);
        println!("  ratio:                            {:.2}x", e / p);
        println!(
            "  to_limbs:                         {:.3} us",
            median(to) * 1e6
        );
        println!(
            "  from_limb_sum (normalisation):    {:.3} us",
            median(norm) * 1e6
        );
    }
}
