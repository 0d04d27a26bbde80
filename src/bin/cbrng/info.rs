//! `cbrng info`: a JSON record of what makes a run reproducible.

use crate::outln;
use crate::output::Output;
use cbrng::Error;
use serde_json::json;
use std::process::ExitCode;

/// CPU features that matter to this crate's speed, as detected at run time.
fn cpu_features() -> Vec<&'static str> {
    #[cfg(target_arch = "x86_64")]
    {
        [
            ("sse2", std::is_x86_feature_detected!("sse2")),
            ("avx2", std::is_x86_feature_detected!("avx2")),
            ("avx512f", std::is_x86_feature_detected!("avx512f")),
        ]
        .into_iter()
        .filter_map(|(name, present)| present.then_some(name))
        .collect()
    }
    #[cfg(target_arch = "aarch64")]
    {
        vec!["neon"]
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        Vec::new()
    }
}

pub fn run() -> Result<ExitCode, Error> {
    let mut o = Output::stdout();
    let gpu = match cbrng::cuda::probe() {
        Ok(gpus) => json!(gpus.iter().map(|g| json!({
            "ordinal": g.ordinal,
            "name": g.name,
            "compute_capability": format!("{}.{}", g.compute_capability.0, g.compute_capability.1),
            "cuda_driver_version": format!("{}.{}", g.driver_version / 1000, (g.driver_version % 1000) / 10),
        })).collect::<Vec<_>>()),
        Err(e) => json!({ "absent": e.to_string() }),
    };
    let nvrtc = match cbrng::cuda::nvrtc::nvrtc_version() {
        Ok((major, minor)) => json!({ "version": format!("{major}.{minor}") }),
        Err(e) => json!({ "absent": e.to_string() }),
    };
    let record = json!({
        "cbrng_version": env!("CARGO_PKG_VERSION"),
        "stream_contract_version": cbrng::stream::CONTRACT_VERSION,
        "rustc": env!("CBRNG_RUSTC_VERSION"),
        "profile": if cfg!(debug_assertions) { "debug" } else { "release" },
        "os": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
        "cpu_features_detected": cpu_features(),
        "cpu_backend": cbrng::CpuBackend::default_for_process().name(),
        "cpu_backends_available": cbrng::CpuBackend::ALL
            .into_iter()
            .filter(|b| b.is_available())
            .map(|b| b.name())
            .collect::<Vec<_>>(),
        "cpu_threads": cbrng::CpuOptions::auto().threads(),
        "gpu": gpu,
        "nvrtc": nvrtc,
        "gpu_kernels": "NVRTC at run time: CUBIN for the device's sm_XY (PTX for a newer GPU), --fmad=false, no approximate math; compiled once per process, loaded per handle",
    });
    outln!(
        o,
        "{}",
        serde_json::to_string_pretty(&record).expect("JSON values always serialise")
    );
    o.finish()?;
    Ok(ExitCode::SUCCESS)
}
