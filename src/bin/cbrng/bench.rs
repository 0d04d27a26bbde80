//! `cbrng bench`: device fill throughput against the write limit (a device
//! memset of the same buffer) and cuRAND's Philox4_32_10 host API (through
//! `cudarc::curand`), dropout against a device-to-device copy, and exact sums
//! against a plain read of the same buffer (`kernels/bench.cu`), in one
//! process, timed with CUDA events; the median of `--runs` runs per row.
//! Method: benches/README.md.

use crate::outln;
use crate::output::Output;
use cbrng::cuda::{Gpu, ReduceShape, source};
use cbrng::dist::{DType, Distribution};
use cbrng::dropout::Dropout;
use cbrng::reduce::{DEVICE_STATE_WORDS, Float};
use cbrng::{Algorithm, Error, Stream};
use cudarc::curand::{result as cr, sys as crsys};
use cudarc::driver::{
    CudaFunction, CudaSlice, DevicePtr, DevicePtrMut, LaunchConfig, PushKernelArg, sys,
};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum BenchDevice {
    Cuda,
}

#[derive(clap::Args)]
pub struct Args {
    /// Where to measure (only cuda: CPU speed is measured by `cargo bench`).
    #[arg(long, value_enum, default_value_t = BenchDevice::Cuda)]
    device: BenchDevice,
    /// Timed runs per row (the median is reported; at least 20).
    #[arg(long, default_value_t = 20)]
    runs: usize,
    /// Output size in MiB.
    #[arg(long, default_value_t = 1024)]
    mib: usize,
}

fn gerr(what: &str, e: impl std::fmt::Debug) -> Error {
    Error::Gpu {
        reason: format!("{what}: {e:?}"),
    }
}

/// Median milliseconds of `runs` timed calls of `f` (after one warm-up).
fn time_ms(gpu: &Gpu, runs: usize, mut f: impl FnMut() -> Result<(), Error>) -> Result<f64, Error> {
    let ctx = gpu.context();
    let start = ctx
        .new_event(Some(sys::CUevent_flags::CU_EVENT_DEFAULT))
        .map_err(|e| gerr("event", e))?;
    let stop = ctx
        .new_event(Some(sys::CUevent_flags::CU_EVENT_DEFAULT))
        .map_err(|e| gerr("event", e))?;
    f()?;
    let mut ms = Vec::with_capacity(runs);
    for _ in 0..runs {
        start.record(gpu.stream()).map_err(|e| gerr("record", e))?;
        f()?;
        stop.record(gpu.stream()).map_err(|e| gerr("record", e))?;
        stop.synchronize().map_err(|e| gerr("sync", e))?;
        ms.push(f64::from(cbrng::cuda::event_elapsed_ms(&start, &stop)?));
    }
    ms.sort_by(f64::total_cmp);
    Ok(ms[ms.len() / 2])
}

pub fn run(args: Args) -> Result<ExitCode, Error> {
    let BenchDevice::Cuda = args.device;
    let mut o = Output::stdout();
    let runs = args.runs.max(20);
    // "GPU" once: the error's own prefix.
    let gpu = cbrng::cuda::default_gpu().map_err(|e| Error::Gpu {
        reason: format!(
            "none usable ({}); cbrng bench measures the CUDA engine only (CPU speed: cargo bench)",
            match e {
                Error::Gpu { reason } => reason,
                other => other.to_string(),
            }
        ),
    })?;
    let bytes = args.mib << 20;
    let st = gpu.stream().clone();
    let mut buf: CudaSlice<u8> = st.alloc_zeros(bytes).map_err(|e| gerr("alloc", e))?;
    let gbs = |ms: f64| bytes as f64 / (ms * 1e-3) / 1e9;

    // The write limit.
    let memset_ms = time_ms(&gpu, runs, || {
        st.memset_zeros(&mut buf).map_err(|e| gerr("memset", e))
    })?;
    // cuRAND Philox4_32_10 (host API) on the same buffer.
    // SAFETY: checked presence first; cudarc panics without the library.
    if !unsafe { crsys::is_culib_present() } {
        return Err(Error::Gpu {
            reason: "no cuRAND library (libcurand) for the reference rows".into(),
        });
    }
    let g = cr::create_generator_kind(crsys::curandRngType_t::CURAND_RNG_PSEUDO_PHILOX4_32_10)
        .map_err(|e| gerr("curandCreateGenerator", e))?;
    // SAFETY: a live generator and the stream's handle.
    unsafe { cr::set_stream(g, st.cu_stream() as _) }.map_err(|e| gerr("curandSetStream", e))?;
    let n_f32 = bytes / 4;
    let mut curand = |normal: bool| -> Result<f64, Error> {
        time_ms(&gpu, runs, || {
            let (ptr, _rec) = buf.device_ptr_mut(&st);
            // SAFETY: the buffer holds n_f32 f32 values.
            unsafe {
                if normal {
                    cr::generate::normal_f32(g, ptr as *mut f32, n_f32, 0.0, 1.0)
                } else {
                    cr::generate::uniform_f32(g, ptr as *mut f32, n_f32)
                }
            }
            .map_err(|e| gerr("curandGenerate", e))
        })
    };
    let curand_uniform_ms = curand(false)?;
    let curand_normal_ms = curand(true)?;
    // SAFETY: created above, destroyed once.
    let _ = unsafe { cr::destroy_generator(g) };

    // First fill in this process: NVRTC compile + module load + launch.
    let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 42, 0)?;
    let p = Distribution::Bits.prepare(DType::U32)?;
    let t0 = Instant::now();
    gpu.prepare(Algorithm::PHILOX4X32_10)?;
    let first_ms = t0.elapsed().as_secs_f64() * 1e3;

    outln!(
        o,
        "{} on {:?}, {} MiB, median of {runs} runs (CUDA events)",
        env!("CARGO_PKG_NAME"),
        gpu,
        args.mib
    );
    outln!(o, "memset            {:>8.1} GB/s", gbs(memset_ms));
    outln!(o, "curand uniform f32{:>8.1} GB/s", gbs(curand_uniform_ms));
    outln!(o, "curand normal f32 {:>8.1} GB/s", gbs(curand_normal_ms));
    outln!(
        o,
        "{:<34}{:>10}{:>12}{:>12}",
        "cbrng row",
        "GB/s",
        "/memset",
        "/curand"
    );
    let rows: [(&str, Distribution, DType, Option<f64>); 8] = [
        (
            "philox4x32-10",
            Distribution::Bits,
            DType::U32,
            Some(curand_uniform_ms),
        ),
        (
            "philox4x32-10",
            Distribution::Uniform,
            DType::F32,
            Some(curand_uniform_ms),
        ),
        (
            "philox4x32-10",
            Distribution::STANDARD_NORMAL,
            DType::F32,
            Some(curand_normal_ms),
        ),
        ("philox4x32-10", Distribution::Uniform, DType::F16, None),
        ("philox4x32-10", Distribution::Uniform, DType::BF16, None),
        ("threefry4x32-20", Distribution::Bits, DType::U32, None),
        ("threefry2x64-20", Distribution::Bits, DType::U32, None),
        ("philox4x64-10", Distribution::Bits, DType::U32, None),
    ];
    for (name, dist, dtype, reference) in rows {
        let algo: Algorithm = name.parse()?;
        let stream = Stream::from_seed(algo, 42, 0)?;
        let prepared = dist.prepare(dtype)?;
        gpu.prepare(algo)?;
        let n = bytes / dtype.size();
        let ms = time_ms(&gpu, runs, || {
            let (ptr, _rec) = buf.device_ptr_mut(&st);
            // SAFETY: the buffer holds n elements of dtype.
            unsafe { gpu.fill_raw(&stream, &prepared, 0, ptr, n) }
        })?;
        let vs_curand = reference
            .map(|r| format!("{:.2}", r / ms))
            .unwrap_or_else(|| "-".into());
        outln!(
            o,
            "{:<34}{:>10.1}{:>12.2}{:>12}",
            format!("{name} {} {dtype}", dist.name()),
            gbs(ms),
            memset_ms / ms,
            vs_curand
        );
    }
    // Dropout reads one tensor and writes one: the anchor is a device-to-device
    // copy of the same size, both counted as bytes read plus bytes written.
    let mut out: CudaSlice<u8> = st.alloc_zeros(bytes).map_err(|e| gerr("alloc", e))?;
    let copy_ms = time_ms(&gpu, runs, || {
        st.memcpy_dtod(&buf, &mut out)
            .map_err(|e| gerr("memcpy", e))
    })?;
    outln!(
        o,
        "device copy       {:>8.1} GB/s (read + written)",
        2.0 * gbs(copy_ms)
    );
    outln!(
        o,
        "{:<34}{:>10}{:>12}",
        "cbrng dropout p = 0.1",
        "GB/s",
        "/copy"
    );
    let dropout = Dropout::new(s, 0.1)?;
    for (dtype, pass) in [
        (DType::F32, "forward"),
        (DType::F32, "backward"),
        (DType::BF16, "forward"),
        (DType::BF16, "backward"),
    ] {
        let n = bytes / dtype.size();
        // Backward is the same kernel on (dy, dx); it is timed on its own all the same.
        let ms = time_ms(&gpu, runs, || {
            let (x, _rx) = buf.device_ptr(&st);
            let (y, _ry) = out.device_ptr_mut(&st);
            // SAFETY: both buffers hold n elements of dtype.
            unsafe { gpu.dropout_raw(&dropout, dtype, 0, n, x, y, 0, 0) }
        })?;
        outln!(
            o,
            "{:<34}{:>10.1}{:>12.2}",
            format!("dropout {dtype} {pass}"),
            2.0 * gbs(ms),
            copy_ms / ms
        );
    }
    std::mem::drop(out);
    // Host-side cost of one launch: queue many one-element fills.
    let mut one: CudaSlice<u8> = st.alloc_zeros(4).map_err(|e| gerr("alloc", e))?;
    let launches = 10_000;
    let t0 = Instant::now();
    for i in 0..launches {
        let (ptr, _rec) = one.device_ptr_mut(&st);
        // SAFETY: 4 bytes hold one u32.
        unsafe { gpu.fill_raw(&s, &p, i, ptr, 1) }?;
    }
    let per_launch_us = t0.elapsed().as_secs_f64() * 1e6 / launches as f64;
    st.synchronize().map_err(|e| gerr("sync", e))?;
    outln!(o, "host cost of one fill launch: {per_launch_us:.2} us");
    outln!(
        o,
        "first fill in a fresh process (NVRTC compile + load): {first_ms:.0} ms"
    );
    sum_rows(&gpu, &mut buf, runs, &mut o)?;
    o.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// The read-bandwidth reference kernel (`kernels/bench.cu`), compiled and
/// loaded for this device.
fn read_kernel(gpu: &Gpu) -> Result<CudaFunction, Error> {
    let module = gpu.load_source::<&str, &str>("cbrng_bench.cu", source::BENCH_KERNELS, &[])?;
    module
        .load_function("cbrng_bench_read")
        .map_err(|e| gerr("no kernel cbrng_bench_read", e))
}

/// Exact sums of the whole buffer (standard normal values) as f32 and f64,
/// against the plain read kernel over the same bytes in the same run (its
/// best of two grids: the sums' own, and 8 blocks of 256 per SM); each sum
/// is also checked against the CPU's exact sum of the same values.
fn sum_rows(gpu: &Gpu, buf: &mut CudaSlice<u8>, runs: usize, o: &mut Output) -> Result<(), Error> {
    let st = gpu.stream().clone();
    let bytes = buf.len();
    let gbs = |ms: f64| bytes as f64 / (ms * 1e-3) / 1e9;
    let t0 = Instant::now();
    gpu.prepare_reduce()?;
    let first_ms = t0.elapsed().as_secs_f64() * 1e3;
    let read = read_kernel(gpu)?;
    let sms = gpu
        .context()
        .attribute(sys::CUdevice_attribute::CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT)
        .map_err(|e| gerr("multiprocessor count", e))?
        .max(1) as u32;
    let mut state: CudaSlice<u64> = st
        .alloc_zeros(DEVICE_STATE_WORDS)
        .map_err(|e| gerr("alloc", e))?;
    outln!(
        o,
        "{:<34}{:>10}{:>12}  grid, equals the CPU",
        "exact sum row (normal data)",
        "GB/s",
        "/read"
    );
    for dtype in [DType::F32, DType::F64] {
        let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 7, 0)?;
        let p = Distribution::STANDARD_NORMAL.prepare(dtype)?;
        let n = bytes / dtype.size();
        {
            let (ptr, _rec) = buf.device_ptr_mut(&st);
            // SAFETY: the buffer holds n elements of dtype.
            unsafe { gpu.fill_raw(&s, &p, 0, ptr, n) }?;
        }
        let shape = match dtype {
            DType::F32 => gpu.default_reduce_shape::<f32>(n)?,
            _ => gpu.default_reduce_shape::<f64>(n)?,
        };
        // The plain read, at the sums' grid and at full occupancy.
        let mut read_ms = f64::INFINITY;
        for (blocks, threads) in [(shape.blocks(), shape.threads()), (sms * 8, 256)] {
            let mut out: CudaSlice<u32> = st
                .alloc_zeros(blocks as usize * threads as usize)
                .map_err(|e| gerr("alloc", e))?;
            let nvec = (bytes / 16) as u64;
            let never = 0x9e37_79b9u32;
            let cfg = LaunchConfig {
                grid_dim: (blocks, 1, 1),
                block_dim: (threads, 1, 1),
                shared_mem_bytes: 0,
            };
            let ms = time_ms(gpu, runs, || {
                let (ptr, _rec) = buf.device_ptr(&st);
                let mut b = st.launch_builder(&read);
                b.arg(&ptr).arg(&nvec).arg(&never).arg(&mut out);
                // SAFETY: matches cbrng_bench_read(x, nvec, never, out): the
                // buffer holds nvec 16-byte vectors, out one word a thread.
                unsafe { b.launch(cfg) }
                    .map(|_| ())
                    .map_err(|e| gerr("launching the read kernel", e))
            })?;
            read_ms = read_ms.min(ms);
        }
        let (ms, equal) = match dtype {
            DType::F32 => time_sum::<f32>(gpu, buf, shape, &mut state, runs)?,
            _ => time_sum::<f64>(gpu, buf, shape, &mut state, runs)?,
        };
        if dtype == DType::F32 {
            outln!(
                o,
                "{:<34}{:>10.1}{:>12}",
                "read (plain kernel)",
                gbs(read_ms),
                "1.00"
            );
        }
        outln!(
            o,
            "{:<34}{:>10.1}{:>12.2}  {}x{}, {}",
            format!("exact sum {dtype}"),
            gbs(ms),
            read_ms / ms,
            shape.blocks(),
            shape.threads(),
            if equal { "yes" } else { "NO" }
        );
    }
    outln!(
        o,
        "first exact sum in a fresh process (NVRTC compile + load): {first_ms:.0} ms"
    );
    Ok(())
}

/// Median time of the exact sum of the buffer as `T` (both passes, queued
/// into `state`), and whether its state equals the CPU's for the same values.
fn time_sum<T: Float>(
    gpu: &Gpu,
    buf: &CudaSlice<u8>,
    shape: ReduceShape,
    state: &mut CudaSlice<u64>,
    runs: usize,
) -> Result<(f64, bool), Error> {
    let n = buf.len() / (T::BITS / 8) as usize;
    // SAFETY: the buffer holds n encodings of T (filled above).
    let x = unsafe { buf.transmute::<T>(n) }.ok_or_else(|| gerr("view", "too small"))?;
    let ms = time_ms(gpu, runs, || gpu.queue_sum_state(&x, shape, state))?;
    let words = gpu
        .stream()
        .clone_dtoh(&*state)
        .map_err(|e| gerr("copying the state", e))?;
    let got = cbrng::reduce::Accumulator::from_device_state(&words)?;
    let host = gpu.copy_to_host(&x)?;
    let values: Vec<T> = host
        .chunks_exact((T::BITS / 8) as usize)
        .map(|c| {
            let mut w = [0u8; 8];
            w[..c.len()].copy_from_slice(c);
            T::from_bits_u64(u64::from_le_bytes(w))
        })
        .collect();
    let mut cpu = cbrng::reduce::Accumulator::new();
    cpu.add_slice_threads(&values, 0);
    Ok((ms, got == cpu))
}
