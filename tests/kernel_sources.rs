//! The CUDA sources without a GPU: the generated constants header is up to
//! date, and no kernel uses atomics or fast-math intrinsics.
#![cfg(feature = "cuda")]
use cbrng::cuda::source;

#[test]
fn constants_header_is_generated_from_the_rust_definitions() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/kernels/cbrng/constants.cuh");
    let want = source::constants_header();
    if std::env::var_os("CBRNG_BLESS").is_some() {
        std::fs::write(path, &want).unwrap();
    }
    let have = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        have == want,
        "kernels/cbrng/constants.cuh is stale: run CBRNG_BLESS=1 cargo test --test kernel_sources"
    );
}

#[test]
fn compat_constants_header_is_generated_from_the_rust_definitions() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/kernels/compat/constants.cuh");
    let want = source::compat_constants_header();
    if std::env::var_os("CBRNG_BLESS").is_some() {
        std::fs::write(path, &want).unwrap();
    }
    let have = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        have == want,
        "kernels/compat/constants.cuh is stale: run CBRNG_BLESS=1 cargo test --test kernel_sources"
    );
}

/// Approximate intrinsics (the special-function unit's, and fast division),
/// explicit FMAs, inline PTX (the way to any other approximate instruction)
/// and the fast-math flag: none may appear in kernels/, src/ or build.rs,
/// with the one exemption below.
const BANNED: [&str; 20] = [
    "__expf",
    "__logf",
    "__sinf",
    "__cosf",
    "__sincosf",
    "__tanf",
    "__exp10f",
    "__log2f",
    "__log10f",
    "__powf",
    "__fdividef",
    "__fmaf",
    "__fma_",
    "fma(",
    "asm(",
    "asm volatile",
    "use_fast_math",
    "fast_math",
    "fast-math",
    "atomic",
];

/// The one file that may name some of them: kernels/compat/math.cuh, the
/// math of the systems the compat kernels reproduce, and only what they
/// call. cuRAND's float Box-Muller calls the special-function unit's
/// sine-cosine intrinsic (`__sincosf` in curand_normal.h's device branch);
/// cuRAND's and PyTorch's device code is built by nvcc with its default
/// -fmad=true, which fuses the multiply-adds that math.cuh writes out as
/// `__fmaf_rn`/`__fma_rn` (and, in its host build for the g++ twin,
/// `__builtin_fmaf`/`__builtin_fma`). JAX's `normal` on a GPU reaches
/// `sqrt.approx.f32` and `rcp.approx.ftz.f64` (XLA:GPU's libdevice code),
/// written there as inline PTX. Every other compat file reaches these only
/// through math.cuh's wrappers.
const COMPAT_MATH: &str = "compat/math.cuh";
const COMPAT_MATH_MAY_NAME: [&str; 5] = ["__sincosf", "__fmaf", "__fma_", "fma(", "asm("];

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files
}

#[test]
fn kernels_have_no_atomics_and_no_fast_math() {
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/kernels"));
    let files = files_under(dir);
    assert!(
        files.len() >= 12,
        "kernels/ holds the headers, fill.cu and compat/"
    );
    let mut math_seen = false;
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let rel = f
            .strip_prefix(dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let exempt: &[&str] = if rel == COMPAT_MATH {
            math_seen = true;
            // The exemption is used: the intrinsic cuRAND calls is there.
            assert!(text.contains("__sincosf(v, s, c)"), "{rel}");
            assert!(text.contains("asm(\"sqrt.approx.f32 %0, %1;\""), "{rel}");
            &COMPAT_MATH_MAY_NAME
        } else {
            &[]
        };
        for b in BANNED {
            if !exempt.contains(&b) {
                assert!(!text.contains(b), "{} contains {b}", f.display());
            }
        }
    }
    assert!(math_seen, "kernels/{COMPAT_MATH} exists");
}

/// The Rust side names none of them: the CPU compat definitions
/// (src/compat/) may mention them in comments, nothing else in src/ or
/// build.rs may at all.
#[test]
fn rust_sources_name_no_fast_math_intrinsics() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = files_under(&root.join("src"));
    if root.join("build.rs").exists() {
        files.push(root.join("build.rs"));
    }
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let rel = f
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let comments_allowed = rel.starts_with("src/compat/");
        for (i, line) in text.lines().enumerate() {
            let comment = line.trim_start().starts_with("//");
            for b in BANNED {
                if b == "atomic" {
                    continue; // Rust atomics are not device atomics
                }
                assert!(
                    !line.contains(b) || (comments_allowed && comment),
                    "{rel}:{}: names {b}",
                    i + 1
                );
            }
        }
    }
}
