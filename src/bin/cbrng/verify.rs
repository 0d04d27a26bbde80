//! `cbrng verify`: the main job. Runs the self-check matrix of
//! `cbrng::check` on every generator, prints a table and `N passed, M failed`.

use crate::output::{Output, Progress};
use crate::{out, outln};
use cbrng::Error;
use cbrng::check::{self, Check, Matrix};
use std::process::ExitCode;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// Longer matrix: windows of 70,000 elements, slices of 2^k ± 1 up to 2^16.
    #[arg(long)]
    long: bool,
    /// Also write a self-contained HTML page (inline SVG, no network): for
    /// every distribution and dtype a histogram against the exact
    /// distribution and a QQ plot against its exact quantiles, then this table.
    #[arg(long, value_name = "FILE.html")]
    report: Option<String>,
}

/// The table as it is printed, kept for the report.
#[derive(Default)]
struct Capture(String);

impl Capture {
    fn print(&mut self, args: std::fmt::Arguments) {
        use std::fmt::Write;
        let _ = self.0.write_fmt(args);
    }
}

pub fn run(args: Args) -> Result<ExitCode, Error> {
    let mut o = Capture::default();
    let m = if args.long {
        Matrix::LONG
    } else {
        Matrix::DEFAULT
    };
    let start = Instant::now();
    let algos = check::algorithms();
    // One thread per generator: the matrix is embarrassingly parallel.
    let results: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = algos
            .iter()
            .map(|&a| scope.spawn(move || check::run_algorithm(a, &m)))
            .collect();
        let mut progress = Progress::new(handles.len() as u64, "generators");
        handles
            .into_iter()
            .map(|h| {
                let r = h.join().expect("a check thread panicked");
                progress.inc(1);
                r
            })
            .collect()
    });
    // The GPU half: every generator x (distribution, dtype) x a few ranges,
    // filled on the device and compared with the CPU in full.
    let gpu = cbrng::cuda::default_gpu();
    let gpu_results: Vec<Option<GpuTally>> = algos
        .iter()
        .map(|&a| gpu.as_ref().ok().map(|g| gpu_matrix(g, a)))
        .collect();
    let width = 18;
    out!(o, "{:<width$}", "generator");
    for c in Check::ALL {
        out!(o, "{:>14}", c.name());
    }
    outln!(o, "{:>14}", "cpu-vs-gpu");
    let (mut passed, mut failed) = (0u64, 0u64);
    let mut messages = Vec::new();
    for ((algo, tallies), g) in algos.iter().zip(&results).zip(&gpu_results) {
        out!(o, "{:<width$}", algo.to_string());
        for (_, t) in tallies {
            let cell = if t.failed == 0 {
                format!("{} ok", t.passed)
            } else {
                format!("{} FAIL", t.failed)
            };
            out!(o, "{cell:>14}");
            passed += t.passed;
            failed += t.failed;
            messages.extend(t.failures.iter().cloned());
        }
        match g {
            None => outln!(o, "{:>14}", "skipped"),
            Some(t) => {
                let cell = if t.failed == 0 {
                    format!("{} ok", t.passed)
                } else {
                    format!("{} FAIL", t.failed)
                };
                outln!(o, "{cell:>14}");
                passed += t.passed;
                failed += t.failed;
                messages.extend(t.failures.iter().cloned());
            }
        }
    }
    for msg in &messages {
        outln!(o, "FAIL {msg}");
    }
    match &gpu {
        Ok(g) => outln!(
            o,
            "GPU half: {g:?}, every fill compared with the CPU in full."
        ),
        Err(e) => outln!(o, "GPU half skipped: {e}."),
    }
    outln!(o, "checked in {:.1} s", start.elapsed().as_secs_f64());
    outln!(o, "{passed} passed, {failed} failed");
    let mut out = Output::stdout();
    out.bytes(o.0.as_bytes())?;
    out.finish()?;
    if let Some(path) = &args.report {
        let page = crate::report::html(cbrng::Algorithm::PHILOX4X32_10, &o.0)?;
        let mut file = Output::open(Some(path))?;
        file.bytes(page.as_bytes())?;
        file.finish()?;
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

#[derive(Default)]
struct GpuTally {
    passed: u64,
    failed: u64,
    failures: Vec<String>,
}

/// Ranges checked per (generator, distribution, dtype): (offset, count).
const GPU_RANGES: [(u64, usize); 6] = [
    (0, 1),
    (0, 4097),
    (3, 1025),
    ((1 << 32) - 7, 999),
    ((1 << 34) + 1, 257),
    (5, (1 << 16) + 1),
];

fn gpu_matrix(gpu: &cbrng::cuda::Gpu, algo: cbrng::Algorithm) -> GpuTally {
    use cbrng::cuda::CrossCheck;
    use cudarc::driver::DevicePtrMut;
    let mut t = GpuTally::default();
    let fail = |t: &mut GpuTally, msg: String| {
        t.failed += 1;
        if t.failures.len() < 5 {
            t.failures.push(msg);
        }
    };
    let big = if algo.shape() == cbrng::Shape::X2x32 {
        u32::MAX as u64
    } else {
        (1 << 32) + 7
    };
    for id in [0, big] {
        let Ok(stream) = cbrng::Stream::from_seed(algo, 42, id) else {
            continue;
        };
        for (dist, dtype) in check::distributions() {
            let Ok(p) = dist.prepare(dtype) else { continue };
            for (offset, n) in GPU_RANGES {
                let len = stream.len_of(&p).min(u128::from(u64::MAX));
                let offset = if u128::from(offset) + n as u128 > len {
                    (len - n as u128) as u64
                } else {
                    offset
                };
                let what = format!("gpu {algo} stream {id} {dist} {dtype} [{offset}, +{n})");
                let r = (|| -> Result<CrossCheck, Error> {
                    let mut buf =
                        gpu.stream()
                            .alloc_zeros::<u8>(n * dtype.size())
                            .map_err(|e| Error::Gpu {
                                reason: format!("{e:?}"),
                            })?;
                    {
                        let (ptr, _rec) = buf.device_ptr_mut(gpu.stream());
                        // SAFETY: buf holds n elements of dtype.
                        unsafe { gpu.fill_raw(&stream, &p, offset, ptr, n) }?;
                    }
                    let bytes = gpu.copy_to_host(&buf)?;
                    cbrng::cuda::check::compare_bytes(&stream, &p, offset, &bytes)
                })();
                match r {
                    Ok(c) if c.is_equal() => t.passed += 1,
                    Ok(c) => fail(&mut t, format!("{what}: {c:?}")),
                    Err(e) => fail(&mut t, format!("{what}: {e}")),
                }
            }
        }
    }
    t
}
