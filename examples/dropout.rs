//! A small layer with dropout, forward and backward, on the CPU and on the
//! GPU: `h = relu(W x)`, `y = dropout(h)`, `loss = |y - t|^2 / 2`, so
//! `dy = y - t` and `dh = dropout_backward(dy)` (the mask regenerated, never
//! stored). The GPU's `y` and `dh` are compared bit for bit with the CPU's.
//! The streams come from `DropoutKeys`: one per (step, layer) from one seed.
//!
//! `cargo run --release --example dropout` (without a GPU it runs the CPU
//! half and says why the GPU half was skipped).
use cbrng::dropout::{Dropout, DropoutKeys, MaskOut, bitmask_words};
use cbrng::{Algorithm, Error};

const IN: usize = 256;
const OUT: usize = 512;
const BATCH: usize = 64;

/// Deterministic inputs (a tiny LCG; nothing here depends on cbrng's streams).
fn data(seed: u64, n: usize) -> Vec<f32> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) - 0.5
        })
        .collect()
}

/// h = relu(W x) for a batch (row-major, fixed summation order).
fn layer(w: &[f32], x: &[f32]) -> Vec<f32> {
    let mut h = vec![0f32; BATCH * OUT];
    for b in 0..BATCH {
        for o in 0..OUT {
            let mut acc = 0f32;
            for i in 0..IN {
                acc += w[o * IN + i] * x[b * IN + i];
            }
            h[b * OUT + o] = acc.max(0.0);
        }
    }
    h
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// The CPU pass: (y, dh, kept count).
fn cpu_pass(d: &Dropout, h: &[f32], t: &[f32]) -> Result<(Vec<f32>, Vec<f32>, u32), Error> {
    let mut y = vec![0f32; h.len()];
    let mut mask = vec![0u32; bitmask_words(h.len())];
    let m = MaskOut {
        bytes: None,
        bits: Some(&mut mask),
    };
    d.forward_with_mask(0, h, &mut y, m)?;
    let dy: Vec<f32> = y.iter().zip(t).map(|(a, b)| a - b).collect();
    let mut dh = vec![0f32; h.len()];
    d.backward(0, &dy, &mut dh)?;
    Ok((y, dh, mask.iter().map(|w| w.count_ones()).sum()))
}

/// The same pass on the GPU: (y, dh).
fn gpu_pass(
    gpu: &cbrng::cuda::Gpu,
    d: &Dropout,
    h: &[f32],
    t: &[f32],
) -> Result<(Vec<f32>, Vec<f32>), Error> {
    let e = |what: &'static str| {
        move |err: cudarc::driver::DriverError| Error::Gpu {
            reason: format!("{what}: {err:?}"),
        }
    };
    let st = gpu.stream();
    let dh_in = st.clone_htod(h).map_err(e("upload"))?;
    let mut y = st.alloc_zeros::<f32>(h.len()).map_err(e("alloc"))?;
    gpu.dropout_forward(d, 0, &dh_in, &mut y)?;
    // dy = y - t on the host keeps the example short; a real program would
    // form it on the device.
    let y_host = st.clone_dtoh(&y).map_err(e("download"))?;
    let dy: Vec<f32> = y_host.iter().zip(t).map(|(a, b)| a - b).collect();
    let mut g = st.clone_htod(&dy).map_err(e("upload"))?;
    gpu.dropout_backward_in_place(d, 0, &mut g)?;
    let dh = st.clone_dtoh(&g).map_err(e("download"))?;
    Ok((y_host, dh))
}

fn main() -> Result<(), Error> {
    let keys = DropoutKeys::new(Algorithm::PHILOX4X32_10, 2026)?;
    let w = data(1, OUT * IN);
    let gpu = cbrng::cuda::default_gpu();
    if let Err(why) = &gpu {
        println!("GPU half skipped: {why}");
    }
    for step in 0..3u64 {
        let x = data(100 + step, BATCH * IN);
        let t = data(200 + step, BATCH * OUT);
        let h = layer(&w, &x);
        let d = keys.dropout(step, 0, 0.1)?;
        let (y, dh, kept) = cpu_pass(&d, &h, &t)?;
        let mut line = format!(
            "step {step}: CPU kept {kept} of {} ({:.3}%)",
            h.len(),
            100.0 * f64::from(kept) / h.len() as f64
        );
        if let Ok(gpu) = &gpu {
            let (gy, gdh) = gpu_pass(gpu, &d, &h, &t)?;
            let same = bits(&gy) == bits(&y) && bits(&gdh) == bits(&dh);
            line.push_str(&format!(
                "; GPU forward and backward bit-identical: {}",
                if same { "yes" } else { "NO" }
            ));
            if !same {
                println!("{line}");
                return Err(Error::Gpu {
                    reason: "the GPU's dropout differs from the CPU's".into(),
                });
            }
        }
        println!("{line}");
    }
    Ok(())
}
