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
fn kernels_have_no_atomics_and_no_fast_math() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/kernels");
    let mut files = vec![];
    let mut stack = vec![std::path::PathBuf::from(dir)];
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
    assert!(files.len() >= 7, "kernels/ holds the headers and fill.cu");
    let banned = [
        "atomic",
        "__expf",
        "__logf",
        "__sinf",
        "__cosf",
        "__fdividef",
        "use_fast_math",
        "__powf",
        "fma(",
    ];
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for b in banned {
            assert!(!text.contains(b), "{} contains {b}", f.display());
        }
    }
}
