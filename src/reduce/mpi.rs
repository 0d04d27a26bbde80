//! Exact all-reduce over MPI (feature `mpi`: the `mpi` crate over the
//! system's MPI library, e.g. Debian's Open MPI).
//!
//! Each rank turns its exact state into its limb form
//! ([`Accumulator::to_limbs`]), the limbs go through one `MPI_Allreduce` with
//! `MPI_SUM` on 64-bit integers — exact and associative, so the collective's
//! algorithm and the rank count do not matter — and each rank reads the
//! merged state back ([`Accumulator::from_limb_sum`]). Every rank then holds
//! the same exact state and rounds it to the same bits as a single process
//! summing all the data (`cbrng sum`).
//!
//! ```no_run
//! use cbrng::reduce::{Accumulator, mpi::allreduce_exact};
//! let universe = mpi::initialize().unwrap();
//! let world = universe.world();
//! let mut shard = Accumulator::new();
//! shard.add_slice(&[0.1f64, 0.2]); // this rank's data
//! let total = allreduce_exact(&world, &shard)?;
//! println!("{}", total.finish::<f64>()); // the same bits on every rank
//! # Ok::<(), cbrng::Error>(())
//! ```

use super::{Accumulator, LIMBS};
use crate::Error;
use mpi::collective::SystemOperation;
use mpi::traits::{Communicator, CommunicatorCollectives};

/// The exact merge of every rank's `state`, on every rank of `comm`
/// (collective: every rank must call it). One `MPI_Allreduce` of
/// [`LIMBS`] 64-bit integers.
///
/// An error (the same on every rank) when the limb sum is out of its
/// documented range, e.g. a merged count past 2^63 terms.
pub fn allreduce_exact<C: Communicator>(
    comm: &C,
    state: &Accumulator,
) -> Result<Accumulator, Error> {
    let limbs = state.to_limbs();
    let mut sum = [0i64; LIMBS];
    comm.all_reduce_into(&limbs[..], &mut sum[..], SystemOperation::sum());
    Accumulator::from_limb_sum(&sum)
}

/// Row-wise [`allreduce_exact`]: row `r` of the result merges row `r` of
/// every rank, in one `MPI_Allreduce` of `rows.len() × LIMBS` integers. Every
/// rank must pass the same number of rows; a mismatch is an error on every
/// rank (checked first by a small all-reduce), never a hang or a misread.
pub fn allreduce_exact_rows<C: Communicator>(
    comm: &C,
    rows: &[Accumulator],
) -> Result<Vec<Accumulator>, Error> {
    let n = i64::try_from(rows.len()).map_err(|_| Error::Overflow {
        what: format!("{} rows do not fit one all-reduce", rows.len()),
    })?;
    // The largest and the smallest row count, in one MAX all-reduce.
    let mut extremes = [0i64; 2];
    comm.all_reduce_into(&[n, -n][..], &mut extremes[..], SystemOperation::max());
    if extremes[0] != -extremes[1] {
        return Err(Error::BadState {
            reason: format!(
                "the ranks hold different numbers of rows (from {} to {}); a row-wise all-reduce needs the same on every rank",
                -extremes[1], extremes[0]
            ),
        });
    }
    let limbs = Accumulator::rows_to_limbs(rows);
    let mut sum = vec![0i64; limbs.len()];
    comm.all_reduce_into(&limbs[..], &mut sum[..], SystemOperation::sum());
    Accumulator::rows_from_limb_sum(&sum)
}
