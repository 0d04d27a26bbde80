//! The GPU for the GPU tests: included by them with
//! `#[path = "common/gpu.rs"] mod gpu;`.
use cbrng::cuda::Gpu;

/// Device 0, or `None` after printing why `test` is skipped; with
/// `CBRNG_REQUIRE_GPU=1` (set by .gpu/run.sh) a missing GPU fails instead.
pub fn gpu_or_skip(test: &str) -> Option<Gpu> {
    match cbrng::cuda::default_gpu() {
        Ok(g) => Some(g),
        Err(e) => {
            if std::env::var("CBRNG_REQUIRE_GPU").as_deref() == Ok("1") {
                panic!("{test}: CBRNG_REQUIRE_GPU=1 but {e}");
            }
            // Straight to stderr: the test harness captures eprintln!.
            let _ = std::io::Write::write_fmt(
                &mut std::io::stderr(),
                format_args!("SKIPPED {test}: {e}\n"),
            );
            None
        }
    }
}
