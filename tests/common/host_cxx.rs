//! Building the kernels' device code for the host with g++ (the host twins):
//! included by the test files that need it with
//! `#[path = "common/host_cxx.rs"] mod host_cxx;`.
//!
//! Without a C++ compiler a test prints why it skipped; with
//! `CBRNG_REQUIRE_GXX=1` (set by .ci/run) it fails instead.
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The flags the twins are built with: IEEE arithmetic as the kernels ask
/// for it (no contraction into FMA, no fast-math), warnings as errors.
pub const FLAGS: &[&str] = &[
    "-std=c++17",
    "-O1",
    "-ffp-contract=off",
    "-fno-fast-math",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-Wno-unknown-pragmas",
];

fn cxx() -> String {
    std::env::var("CXX").unwrap_or_else(|_| "g++".into())
}

/// Builds `tests/host_twin/<source>` against `kernels/` (once per source,
/// headers and flags; cached in the target dir), or says why it cannot.
pub fn build(source: &str) -> Result<PathBuf, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cxx = cxx();
    match Command::new(&cxx).arg("--version").output() {
        Ok(o) if o.status.success() => {}
        _ => return Err(format!("no C++ compiler '{cxx}' (set CXX or install g++)")),
    }
    let src = root.join("tests/host_twin").join(source);
    let mut h = DefaultHasher::new();
    cxx.hash(&mut h);
    FLAGS.hash(&mut h);
    let mut inputs = vec![src.clone()];
    // Every device header, not only the amalgamated ones: a twin may
    // include any of them.
    let mut headers: Vec<PathBuf> = std::fs::read_dir(root.join("kernels/cbrng"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    headers.sort();
    inputs.extend(headers);
    inputs.push(root.join("kernels/cbrng.cuh"));
    for (name, _) in cbrng::cuda::compat::COMPAT_SOURCES {
        inputs.push(root.join("kernels/compat").join(name));
    }
    for p in &inputs {
        std::fs::read(p)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            .hash(&mut h);
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("host_twin");
    std::fs::create_dir_all(&dir).unwrap();
    let stem = source.trim_end_matches(".cpp");
    let exe = dir.join(format!("{stem}-{:016x}", h.finish()));
    if exe.exists() {
        return Ok(exe);
    }
    let tmp = dir.join(format!("{stem}-build-{}", std::process::id()));
    let out = Command::new(&cxx)
        .args(FLAGS)
        .arg("-I")
        .arg(root.join("kernels"))
        .arg(&src)
        .arg("-o")
        .arg(&tmp)
        .output()
        .map_err(|e| format!("{cxx}: {e}"))?;
    assert!(
        out.status.success(),
        "{source} does not compile:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::rename(&tmp, &exe).unwrap();
    Ok(exe)
}

/// The built program, or `None` after printing why `test` is skipped.
/// `cache` holds one build for all the tests of a file.
pub fn or_skip(
    cache: &'static std::sync::OnceLock<Result<PathBuf, String>>,
    source: &str,
    test: &str,
) -> Option<PathBuf> {
    match cache.get_or_init(|| build(source)).clone() {
        Ok(p) => Some(p),
        Err(why) => {
            if std::env::var("CBRNG_REQUIRE_GXX").as_deref() == Ok("1") {
                panic!("{test}: CBRNG_REQUIRE_GXX=1 but {why}");
            }
            // Straight to stderr: the test harness captures eprintln!.
            let _ = std::io::Write::write_fmt(
                &mut std::io::stderr(),
                format_args!("SKIPPED {test}: {why}\n"),
            );
            None
        }
    }
}
