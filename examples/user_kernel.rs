//! A user's own CUDA kernel that draws cbrng's numbers (fused dropout plus
//! noise, `examples/cuda/user_kernel.cu`), compiled with NVRTC through
//! `Gpu::load_source` (which puts `cbrng.cuh` in front), launched with
//! cudarc, and checked
//! against the CPU with `cbrng::cuda::check::compare_bytes`.
//!
//! `cargo run --release --example user_kernel` (needs a GPU; says why not otherwise).
use cbrng::cuda::check::compare_bytes;
use cbrng::dist::{DType, Distribution, bernoulli};
use cbrng::{Algorithm, Error, Stream};
use cudarc::driver::{LaunchConfig, PushKernelArg};

fn gpu_err(e: impl std::fmt::Debug) -> Error {
    Error::Gpu {
        reason: format!("{e:?}"),
    }
}

fn main() -> Result<(), Error> {
    let gpu = match cbrng::cuda::default_gpu() {
        Ok(g) => g,
        Err(e) => {
            eprintln!("user_kernel: no GPU here ({e})");
            return Ok(());
        }
    };
    // Compiled like cbrng's own kernels (CUBIN for this device where NVRTC
    // and the driver allow it), with cbrng.cuh put in front.
    let module =
        gpu.load_source::<&str, &str>("user_kernel.cu", include_str!("cuda/user_kernel.cu"), &[])?;
    let f = module
        .load_function("dropout_with_noise")
        .map_err(gpu_err)?;

    let (n, seed, p, sigma) = (1_000_003u64, 42u64, 0.1f64, 0.01f32);
    let st = gpu.stream();
    let x = st.clone_htod(&vec![1.0f32; n as usize]).map_err(gpu_err)?;
    let mut y = st.alloc_zeros::<f32>(n as usize).map_err(gpu_err)?;
    let threshold = bernoulli::threshold(p)?;
    let scale = (1.0 / (1.0 - p)) as f32;
    let (mask_stream, noise_stream) = (0u64, 1u64);
    let mut b = st.launch_builder(&f);
    b.arg(&x)
        .arg(&mut y)
        .arg(&n)
        .arg(&seed)
        .arg(&mask_stream)
        .arg(&noise_stream)
        .arg(&threshold)
        .arg(&scale)
        .arg(&sigma);
    // SAFETY: the arguments match dropout_with_noise's signature.
    unsafe { b.launch(LaunchConfig::for_num_elems(n.div_ceil(4) as u32)) }.map_err(gpu_err)?;

    // The CPU recomputes y from the same streams and the kernel's formula.
    let algo = Algorithm::PHILOX4X32_10;
    let mut mask = vec![0u8; n as usize];
    Stream::from_seed(algo, seed, mask_stream)?.fill(
        &Distribution::Bernoulli { p },
        0,
        &mut mask,
    )?;
    let noise = Stream::from_seed(algo, seed, noise_stream)?;
    let mut z = vec![0f32; n as usize];
    noise.fill(
        &Distribution::Normal {
            mean: 0.0,
            std: f64::from(sigma),
        },
        0,
        &mut z,
    )?;
    let want: Vec<f32> = mask
        .iter()
        .zip(&z)
        .map(|(&m, &z)| 1.0f32 * if m == 1 { 0.0 } else { scale } + z)
        .collect();
    let got = gpu.copy_to_host(&y)?;
    assert_eq!(
        got,
        bytemuck::cast_slice::<f32, u8>(&want),
        "the kernel differs from the CPU"
    );
    // The noise alone, as a cross-check of the normal stream:
    let zp = Distribution::Normal {
        mean: 0.0,
        std: f64::from(sigma),
    }
    .prepare(DType::F32)?;
    let _ = compare_bytes(&noise, &zp, 0, bytemuck::cast_slice(&z))?;
    println!("user_kernel: {n} elements equal the CPU's");
    Ok(())
}
