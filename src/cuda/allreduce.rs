//! Exact all-reduce of device states: the limb form of
//! [`crate::reduce::LIMBS`] made and read on the GPU (`cbrng_reduce_to_limbs`,
//! `cbrng_reduce_from_limbs` in `kernels/reduce.cu`), so a collective's integer
//! `SUM` (NCCL, or any other on device memory) merges exact sums without a
//! trip through the host. With the `nccl` feature, [`allreduce_exact`] does
//! the whole step over a `cudarc::nccl::Comm`.

use super::gpu::{Gpu, gpu_err};
use crate::error::Error;
use crate::reduce::{DEVICE_STATE_WORDS, LIMBS};
use cudarc::driver::{DevicePtr, DevicePtrMut, LaunchConfig, PushKernelArg};

/// Blocks the limb kernels use (one thread each, block-stride over rows).
const LIMB_BLOCKS: u32 = 64;

fn rows_of(what: &str, len: usize, per_row: usize) -> Result<u32, Error> {
    if len == 0 || !len.is_multiple_of(per_row) {
        return Err(Error::BadParameter {
            reason: format!("{what} holds {len} words, not a positive multiple of {per_row}"),
        });
    }
    u32::try_from(len / per_row).map_err(|_| Error::BadParameter {
        reason: format!("{what} holds more than 2^32 - 1 rows"),
    })
}

impl Gpu {
    /// Queues, on this handle's stream, the limb forms of the device states
    /// in `states` (rows of [`DEVICE_STATE_WORDS`] words, as
    /// [`Gpu::queue_sum_state`] writes them) into `limbs` (rows of [`LIMBS`]
    /// `i64`, the same number of rows). Sum the limbs element-wise across
    /// ranks (e.g. `ncclAllReduce` with `ncclInt64`, `ncclSum`), then
    /// [`Gpu::queue_limbs_to_states`].
    pub fn queue_states_to_limbs<S: DevicePtr<u64>, L: DevicePtrMut<i64>>(
        &self,
        states: &S,
        limbs: &mut L,
    ) -> Result<(), Error> {
        let rows = rows_of("the state buffer", states.len(), DEVICE_STATE_WORDS)?;
        if limbs.len() != rows as usize * LIMBS {
            return Err(Error::BadParameter {
                reason: format!(
                    "{rows} states need a limb buffer of {} i64, not {}",
                    rows as usize * LIMBS,
                    limbs.len()
                ),
            });
        }
        let m = self.reduce_module()?;
        let (s, _rs) = states.device_ptr(self.stream());
        let (l, _rl) = limbs.device_ptr_mut(self.stream());
        let mut b = self.stream().launch_builder(&m.to_limbs);
        b.arg(&s).arg(&rows).arg(&l);
        let cfg = LaunchConfig {
            grid_dim: (rows.min(LIMB_BLOCKS), 1, 1),
            block_dim: (32, 1, 1),
            shared_mem_bytes: 0,
        };
        // SAFETY: matches cbrng_reduce_to_limbs(states, rows, limbs); both
        // buffers hold `rows` rows (checked above).
        unsafe { b.launch(cfg) }.map_err(|e| gpu_err("launching cbrng_reduce_to_limbs", e))?;
        Ok(())
    }

    /// Queues, on this handle's stream, the states of summed limbs (rows of
    /// [`LIMBS`] `i64`) into `states` (rows of [`DEVICE_STATE_WORDS`]). A
    /// row whose sum is out of its documented range becomes a state that
    /// [`Accumulator::from_device_state`](crate::reduce::Accumulator::from_device_state)
    /// refuses with the reason, so the check needs no early read-back.
    pub fn queue_limbs_to_states<L: DevicePtr<i64>, S: DevicePtrMut<u64>>(
        &self,
        limbs: &L,
        states: &mut S,
    ) -> Result<(), Error> {
        let rows = rows_of("the limb buffer", limbs.len(), LIMBS)?;
        if states.len() != rows as usize * DEVICE_STATE_WORDS {
            return Err(Error::BadParameter {
                reason: format!(
                    "{rows} limb rows need a state buffer of {} u64, not {}",
                    rows as usize * DEVICE_STATE_WORDS,
                    states.len()
                ),
            });
        }
        let m = self.reduce_module()?;
        let (l, _rl) = limbs.device_ptr(self.stream());
        let (s, _rs) = states.device_ptr_mut(self.stream());
        let mut b = self.stream().launch_builder(&m.from_limbs);
        b.arg(&l).arg(&rows).arg(&s);
        let cfg = LaunchConfig {
            grid_dim: (rows.min(LIMB_BLOCKS), 1, 1),
            block_dim: (32, 1, 1),
            shared_mem_bytes: 0,
        };
        // SAFETY: matches cbrng_reduce_from_limbs(limbs, rows, states); both
        // buffers hold `rows` rows (checked above).
        unsafe { b.launch(cfg) }.map_err(|e| gpu_err("launching cbrng_reduce_from_limbs", e))?;
        Ok(())
    }
}

/// NCCL's functions that [`allreduce_exact`] and a communicator's setup need.
#[cfg(feature = "nccl")]
pub const REQUIRED_NCCL_SYMBOLS: [&str; 8] = [
    "ncclGetUniqueId",
    "ncclCommInitRank",
    "ncclCommInitAll",
    "ncclCommAbort",
    "ncclAllReduce",
    "ncclGroupStart",
    "ncclGroupEnd",
    "ncclGetErrorString",
];

/// Checks that the NCCL library loads and has [`REQUIRED_NCCL_SYMBOLS`]:
/// call it before making a `cudarc::nccl::Comm` (cudarc panics on a missing
/// library or symbol; this is an error instead).
#[cfg(feature = "nccl")]
pub fn check_nccl() -> Result<(), Error> {
    use cudarc::nccl::sys;
    // SAFETY: only tries to dlopen the library by its candidate names.
    if !unsafe { sys::is_culib_present() } {
        return Err(Error::Gpu {
            reason: "no NCCL library (libnccl) found on this machine".into(),
        });
    }
    for s in REQUIRED_NCCL_SYMBOLS {
        // SAFETY: the library is present (checked above), so culib() loads
        // it without panicking; looking a symbol up calls nothing.
        let found = unsafe { sys::culib().get::<unsafe extern "C" fn()>(s.as_bytes()) }.is_ok();
        if !found {
            return Err(Error::Gpu {
                reason: format!("the NCCL library lacks {s}: update NCCL"),
            });
        }
    }
    Ok(())
}

/// The exact all-reduce of device states over NCCL: every rank of `comm`
/// calls it with its `states` (rows of [`DEVICE_STATE_WORDS`] words, e.g.
/// from [`Gpu::queue_sum_state`]), and afterwards every rank's `states`
/// holds the exact merge of every rank's rows — the same words on every rank,
/// whatever the number of ranks and NCCL's algorithm. Everything is queued
/// on `comm`'s stream (`gpu` gives the kernels; its context must be the
/// communicator's): the limbs are made by a kernel, summed by
/// `ncclAllReduce(ncclInt64, ncclSum)` in place, and turned back into
/// states by a kernel; nothing returns to the host. Read a row with
/// [`Accumulator::from_device_state`](crate::reduce::Accumulator::from_device_state)
/// and round it with `finish`.
#[cfg(feature = "nccl")]
pub fn allreduce_exact<S: DevicePtr<u64> + DevicePtrMut<u64>>(
    gpu: &Gpu,
    comm: &cudarc::nccl::Comm,
    states: &mut S,
) -> Result<(), Error> {
    // No check_nccl() here: a Comm exists, so NCCL is already loaded (a
    // dlopen per all-reduce would be work in the wrong place).
    let g = gpu.with_stream(comm.stream())?;
    let rows = rows_of("the state buffer", states.len(), DEVICE_STATE_WORDS)? as usize;
    let mut limbs = g
        .stream()
        .alloc_zeros::<i64>(rows * LIMBS)
        .map_err(|e| gpu_err("allocating the limb buffer", e))?;
    g.queue_states_to_limbs(states, &mut limbs)?;
    comm.all_reduce_in_place(&mut limbs, &cudarc::nccl::ReduceOp::Sum)
        .map_err(|e| Error::Gpu {
            reason: format!("ncclAllReduce of the exact-sum limbs: {e:?}"),
        })?;
    g.queue_limbs_to_states(&limbs, states)
}
