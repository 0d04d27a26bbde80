//! PyTorch on CUDA: the elements of `torch.rand`, `randn`, `normal_`,
//! `uniform_` and `bernoulli_(p)` for a given seed, philox offset and GPU.
//!
//! Follows ATen as of PyTorch 2.x (read in `aten/src/ATen/native/cuda/
//! DistributionTemplates.h`; the code has this shape since torch 1.13):
//!
//! 1. `calc_execution_policy(numel, unroll)`: blocks of 256 threads, grid =
//!    min(ceil(numel / 256), SMs × (max threads per SM / 256)), and the
//!    generator's philox offset advances by `ceil(numel / (256·grid·unroll))·4`
//!    (`max_generator_offsets_per_curand_call`), rounded up to a multiple of 4
//!    by `CUDAGeneratorImpl::philox_cuda_state` ([`Generator`]).
//! 2. `distribution_elementwise_grid_stride_kernel`: thread `idx` runs
//!    `curand_init(seed, idx, offset)` and, once per round, one
//!    `curand_uniform4` / `curand_normal4` (float, half, bfloat16: unroll 4)
//!    or `curand_uniform2_double` / `curand_normal2_double` (double: unroll
//!    2); lane `ii` of round `r` is element `r·S·unroll + ii·S + idx`, with
//!    `S = 256·grid` ([`element_position`]).
//! 3. The transforms (`uniform_kernel`, `normal_kernel`, `bernoulli_kernel`):
//!    `uniform`: `(scalar_t)(rand * (to - from) + from)` (one FMA on the
//!    device), then `to` becomes `from`; `normal`: `rand * std + mean` (one
//!    FMA); `bernoulli(p)`: `rand < p` compared in double.
//!
//! So the elements depend on the GPU through the grid: below one wave
//! (`numel <= 256 × grid limit`) every GPU gives the same elements, above it
//! they differ. [`PROFILES`] lists common GPUs' SM counts and threads per SM.
//!
//! Exact on the CPU: `rand`, `uniform`, `bernoulli` (IEEE arithmetic of
//! cuRAND's uniform draws). `randn` and `normal` carry cuRAND's Box-Muller,
//! whose device `logf`, approximate sine-cosine intrinsic, `log` and `sincospi` the CPU can only
//! approximate ([`super::curand`]). [`Generator::dropout_mask`] follows
//! `Dropout.cu` (`dropout_cuda`, `fused_dropout_kernel_vec`, read in the
//! PyTorch 2.x source) for contiguous 16-byte-aligned tensors. Not covered:
//! tensors of 2^31 elements or more (ATen splits them), and checks against a
//! GPU (none was available to make reference values).

use super::curand::{
    Philox4x32_10, box_muller_double, box_muller_slices, curand_uniform_of, uniform_double_hq,
};
use crate::Error;
use crate::generator::philox::philox4x32;
use half::{bf16, f16};

fn err(reason: impl Into<String>) -> Error {
    Error::Compat {
        system: "torch".into(),
        reason: reason.into(),
    }
}

/// `block_size_bound`: threads per block of the distribution kernels.
pub const BLOCK_SIZE: u64 = 256;
/// `max_generator_offsets_per_curand_call`.
pub const OFFSETS_PER_CALL: u64 = 4;

/// The two device properties the launch depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    /// `multiProcessorCount`.
    pub sm_count: u32,
    /// `maxThreadsPerMultiProcessor`.
    pub threads_per_sm: u32,
}

/// A named GPU and its [`Geometry`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Profile {
    /// Short name (`h100-sxm`, `rtx4090`, ...).
    pub name: &'static str,
    /// Its geometry.
    pub geometry: Geometry,
}

const fn p(name: &'static str, sm_count: u32, threads_per_sm: u32) -> Profile {
    Profile {
        name,
        geometry: Geometry {
            sm_count,
            threads_per_sm,
        },
    }
}

/// SM counts and max threads per SM of common GPUs (NVIDIA's data sheets and
/// the CUDA programming guide's per-architecture limits: 1024 threads per SM
/// on sm_75, 1536 on sm_86/sm_89, 2048 on sm_80/sm_90/sm_100).
pub const PROFILES: &[Profile] = &[
    p("t4", 40, 1024),
    p("a10g", 80, 1536),
    p("l4", 58, 1536),
    p("l40s", 142, 1536),
    p("a100", 108, 2048),
    p("h100-sxm", 132, 2048),
    p("h100-pcie", 114, 2048),
    p("h200", 132, 2048),
    p("b200", 148, 2048),
    p("rtx4090", 128, 1536),
];

/// The profile named `name`.
pub fn profile(name: &str) -> Result<Geometry, Error> {
    PROFILES
        .iter()
        .find(|p| p.name == name)
        .map(|p| p.geometry)
        .ok_or_else(|| {
            let names: Vec<&str> = PROFILES.iter().map(|p| p.name).collect();
            err(format!(
                "unknown device profile '{name}' (expected {})",
                names.join("|")
            ))
        })
}

/// What `calc_execution_policy` returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Blocks in the grid.
    pub grid: u64,
    /// How far the philox offset moves.
    pub counter_offset: u64,
    /// Rounds each thread runs.
    pub rounds: u64,
}

/// `calc_execution_policy(numel, unroll)`.
pub fn calc_execution_policy(numel: u64, unroll: u64, g: Geometry) -> Result<Policy, Error> {
    if g.sm_count == 0 {
        return Err(err("a geometry of 0 SMs launches nothing"));
    }
    let blocks_per_sm = u64::from(g.threads_per_sm) / BLOCK_SIZE;
    if blocks_per_sm == 0 {
        return Err(err(format!(
            "{} threads per SM hold no block of {BLOCK_SIZE} threads",
            g.threads_per_sm
        )));
    }
    if numel == 0 || numel > i32::MAX as u64 {
        return Err(err(format!(
            "numel {numel} is outside 1..=2^31-1 (ATen splits larger tensors; not reproduced)"
        )));
    }
    let grid = numel
        .div_ceil(BLOCK_SIZE)
        .min(u64::from(g.sm_count) * blocks_per_sm);
    let rounds = (numel - 1) / (BLOCK_SIZE * grid * unroll) + 1;
    Ok(Policy {
        grid,
        counter_offset: rounds * OFFSETS_PER_CALL,
        rounds,
    })
}

/// Where element `e` comes from: (thread index, round, lane).
pub fn element_position(e: u64, grid: u64, unroll: u64) -> (u64, u64, u64) {
    let stride = BLOCK_SIZE * grid;
    let round = e / (stride * unroll);
    let q = e % (stride * unroll);
    (q % stride, round, q / stride)
}

/// A CUDA generator's state: `torch.cuda.manual_seed(seed)` sets offset 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Generator {
    /// The seed.
    pub seed: u64,
    /// The philox offset (`philox_offset_per_thread`).
    pub offset: u64,
}

impl Generator {
    /// `manual_seed(seed)`.
    pub fn new(seed: u64) -> Generator {
        Generator { seed, offset: 0 }
    }

    /// `philox_cuda_state(increment)`: the (seed, offset) a kernel gets, then
    /// the offset moves by the increment rounded up to a multiple of 4.
    pub fn philox_cuda_state(&mut self, increment: u64) -> Result<(u64, u64), Error> {
        let inc = increment.div_ceil(4) * 4;
        let at = self.offset;
        self.offset = at
            .checked_add(inc)
            .ok_or_else(|| err(format!("philox offset {at} + {inc} passes 2^64")))?;
        Ok((self.seed, at))
    }

    /// `torch.rand(n, dtype=float32)` (and `uniform_(from, to)`).
    pub fn uniform_f32(
        &mut self,
        g: Geometry,
        from: f32,
        to: f32,
        out: &mut [f32],
    ) -> Result<(), Error> {
        check_range(f64::from(from), f64::from(to))?;
        let range = to - from;
        if range == 1.0 && from == 0.0 {
            // torch.rand: fma(r, 1, 0) is r itself.
            return self.run4_slices(g, out.len(), Draw::Uniform, |e0, rs| {
                for (o, &r) in out[e0..e0 + rs.len()].iter_mut().zip(rs) {
                    *o = if r == to { from } else { r };
                }
            });
        }
        self.run4_slices(g, out.len(), Draw::Uniform, |e0, rs| {
            let o = &mut out[e0..e0 + rs.len()];
            fma_affine(rs, range, from, o);
            for v in o {
                if *v == to {
                    *v = from;
                }
            }
        })
    }

    /// `torch.rand(n, dtype=float16)` (opmath float, one rounding to half).
    pub fn uniform_f16(
        &mut self,
        g: Geometry,
        from: f16,
        to: f16,
        out: &mut [f16],
    ) -> Result<(), Error> {
        check_range(from.to_f64(), to.to_f64())?;
        let (fromf, tof) = (from.to_f32(), to.to_f32());
        let range = f16::from_f32(tof - fromf).to_f32();
        self.run4(g, out.len(), Draw::Uniform, |e, r| {
            let v = f16::from_f32(r.mul_add(range, fromf));
            out[e] = if v == to { from } else { v };
        })
    }

    /// `torch.rand(n, dtype=bfloat16)`.
    pub fn uniform_bf16(
        &mut self,
        g: Geometry,
        from: bf16,
        to: bf16,
        out: &mut [bf16],
    ) -> Result<(), Error> {
        check_range(from.to_f64(), to.to_f64())?;
        let (fromf, tof) = (from.to_f32(), to.to_f32());
        let range = bf16::from_f32(tof - fromf).to_f32();
        self.run4(g, out.len(), Draw::Uniform, |e, r| {
            let v = bf16::from_f32(r.mul_add(range, fromf));
            out[e] = if v == to { from } else { v };
        })
    }

    /// `torch.rand(n, dtype=float64)`: `curand_uniform2_double`, unroll 2.
    pub fn uniform_f64(
        &mut self,
        g: Geometry,
        from: f64,
        to: f64,
        out: &mut [f64],
    ) -> Result<(), Error> {
        check_range(from, to)?;
        let range = to - from;
        self.run2(g, out.len(), false, |e, r| {
            let v = r.mul_add(range, from);
            out[e] = if v == to { from } else { v };
        })
    }

    /// `torch.randn(n)` / `normal_(mean, std)` for float32: `curand_normal4`
    /// then `rand * std + mean` (Box-Muller's device `logf` and sine-cosine intrinsic approximated).
    pub fn normal_f32(
        &mut self,
        g: Geometry,
        mean: f32,
        std: f32,
        out: &mut [f32],
    ) -> Result<(), Error> {
        self.run4_slices(g, out.len(), Draw::Normal, |e0, rs| {
            fma_affine(rs, std, mean, &mut out[e0..e0 + rs.len()])
        })
    }

    /// `torch.randn(n, dtype=float64)`: `curand_normal2_double`.
    pub fn normal_f64(
        &mut self,
        g: Geometry,
        mean: f64,
        std: f64,
        out: &mut [f64],
    ) -> Result<(), Error> {
        self.run2(g, out.len(), true, |e, r| out[e] = r.mul_add(std, mean))
    }

    /// `torch.randn(n, dtype=float16)`.
    pub fn normal_f16(
        &mut self,
        g: Geometry,
        mean: f32,
        std: f32,
        out: &mut [f16],
    ) -> Result<(), Error> {
        let mut t = [0f32; TILE];
        self.run4_slices(g, out.len(), Draw::Normal, |e0, rs| {
            let t = &mut t[..rs.len()];
            fma_affine(rs, std, mean, t);
            for (o, &x) in out[e0..e0 + rs.len()].iter_mut().zip(t.iter()) {
                *o = f16::from_f32(x);
            }
        })
    }

    /// `torch.randn(n, dtype=bfloat16)`.
    pub fn normal_bf16(
        &mut self,
        g: Geometry,
        mean: f32,
        std: f32,
        out: &mut [bf16],
    ) -> Result<(), Error> {
        let mut t = [0f32; TILE];
        self.run4_slices(g, out.len(), Draw::Normal, |e0, rs| {
            let t = &mut t[..rs.len()];
            fma_affine(rs, std, mean, t);
            for (o, &x) in out[e0..e0 + rs.len()].iter_mut().zip(t.iter()) {
                *o = bf16::from_f32(x);
            }
        })
    }

    /// `torch.empty(n).bernoulli_(p)` for float32: `rand < p` in double.
    pub fn bernoulli_f32(&mut self, g: Geometry, p: f64, out: &mut [f32]) -> Result<(), Error> {
        if !(0.0..=1.0).contains(&p) {
            return Err(err(format!("bernoulli: p = {p} is outside [0, 1]")));
        }
        self.run4(g, out.len(), Draw::Uniform, |e, r| {
            out[e] = if f64::from(r) < p { 1.0 } else { 0.0 }
        })
    }

    /// The unroll-4 kernel over `n` elements: `put(element, rand)`.
    fn run4(
        &mut self,
        g: Geometry,
        n: usize,
        draw: Draw,
        mut put: impl FnMut(usize, f32),
    ) -> Result<(), Error> {
        self.run4_slices(g, n, draw, |e0, rs| {
            for (k, &r) in rs.iter().enumerate() {
                put(e0 + k, r);
            }
        })
    }

    /// The unroll-4 kernel, handing over runs of consecutive elements:
    /// `put(first element, draws)`.
    fn run4_slices(
        &mut self,
        g: Geometry,
        n: usize,
        draw: Draw,
        mut put: impl FnMut(usize, &[f32]),
    ) -> Result<(), Error> {
        let pol = calc_execution_policy(n as u64, 4, g)?;
        let (seed, offset) = self.philox_cuda_state(pol.counter_offset)?;
        let stride = (BLOCK_SIZE * pol.grid) as usize;
        let key = [seed as u32, (seed >> 32) as u32];
        let mut tile = [0u32; 4 * TILE];
        let mut lanes = [[0f32; TILE]; 4];
        let mut words = [[0u32; TILE]; 4];
        for round in 0..pol.rounds {
            let base = round as usize * stride * 4;
            if base >= n {
                break;
            }
            let threads = stride.min(n - base);
            for idx0 in (0..threads).step_by(TILE) {
                let m = TILE.min(threads - idx0);
                if offset.is_multiple_of(4) {
                    super::simd::blocks_across_streams(
                        key,
                        offset / 4 + round,
                        idx0 as u64,
                        &mut tile[..4 * m],
                    );
                } else {
                    for t in 0..m {
                        let w = thread_block(key, seed, (idx0 + t) as u64, offset, round);
                        tile[4 * t..4 * t + 4].copy_from_slice(&w);
                    }
                }
                match draw {
                    Draw::Uniform => {
                        for (t, w) in tile[..4 * m].chunks_exact(4).enumerate() {
                            for ii in 0..4 {
                                lanes[ii][t] = curand_uniform_of(w[ii]);
                            }
                        }
                    }
                    Draw::Normal => {
                        // curand_normal4: Box-Muller on (w0, w1) and (w2, w3),
                        // the thread's words regrouped word by word first.
                        for (t, w) in tile[..4 * m].chunks_exact(4).enumerate() {
                            for (j, &wj) in w.iter().enumerate() {
                                words[j][t] = wj;
                            }
                        }
                        let [l0, l1, l2, l3] = &mut lanes;
                        box_muller_slices(
                            &words[0][..m],
                            &words[1][..m],
                            &mut l0[..m],
                            &mut l1[..m],
                        )?;
                        box_muller_slices(
                            &words[2][..m],
                            &words[3][..m],
                            &mut l2[..m],
                            &mut l3[..m],
                        )?;
                    }
                }
                for (ii, lane) in lanes.iter().enumerate() {
                    let e0 = base + ii * stride + idx0;
                    if e0 < n {
                        put(e0, &lane[..m.min(n - e0)]);
                    }
                }
            }
        }
        Ok(())
    }

    /// The unroll-2 kernel (double): `curand_uniform2_double` or
    /// `curand_normal2_double`, both from one `curand4`.
    fn run2(
        &mut self,
        g: Geometry,
        n: usize,
        normal: bool,
        mut put: impl FnMut(usize, f64),
    ) -> Result<(), Error> {
        let pol = calc_execution_policy(n as u64, 2, g)?;
        let (seed, offset) = self.philox_cuda_state(pol.counter_offset)?;
        let stride = (BLOCK_SIZE * pol.grid) as usize;
        let key = [seed as u32, (seed >> 32) as u32];
        for round in 0..pol.rounds {
            let base = round as usize * stride * 2;
            if base >= n {
                break;
            }
            let threads = stride.min(n - base);
            let direct = offset.is_multiple_of(4);
            let mut tile = [0u32; 4 * TILE];
            for idx in 0..threads {
                let t = idx % TILE;
                if direct && t == 0 {
                    let len = 4 * TILE.min(threads - idx);
                    super::simd::blocks_across_streams(
                        key,
                        offset / 4 + round,
                        idx as u64,
                        &mut tile[..len],
                    );
                }
                let w = if direct {
                    [
                        tile[4 * t],
                        tile[4 * t + 1],
                        tile[4 * t + 2],
                        tile[4 * t + 3],
                    ]
                } else {
                    thread_block(key, seed, idx as u64, offset, round)
                };
                let vals = if normal {
                    box_muller_double(w[0], w[1], w[2], w[3])
                } else {
                    [uniform_double_hq(w[0], w[1]), uniform_double_hq(w[2], w[3])]
                };
                for (ii, v) in vals.into_iter().enumerate() {
                    let e = base + ii * stride + idx;
                    if e < n {
                        put(e, v);
                    }
                }
            }
        }
        Ok(())
    }
}

/// `uniform_`'s check: a finite range with `from <= to`.
fn check_range(from: f64, to: f64) -> Result<(), Error> {
    if from.is_finite() && to.is_finite() && from <= to {
        Ok(())
    } else {
        Err(err(format!(
            "uniform: expects a finite range with from <= to, got from={from}, to={to}"
        )))
    }
}

/// The dtype of a dropout input: it sets the vector width of ATen's kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropoutDType {
    /// float32 (VEC 4).
    F32,
    /// float64 (VEC 2; compares in double).
    F64,
    /// float16 (VEC 8).
    F16,
    /// bfloat16 (VEC 8).
    BF16,
}

impl DropoutDType {
    /// `get_vector_size` for a contiguous tensor aligned to 16 bytes (every
    /// fresh CUDA allocation): 16 / sizeof, halved until it divides `numel`.
    pub fn vector_size(self, numel: u64) -> u64 {
        let mut v = match self {
            DropoutDType::F32 => 4,
            DropoutDType::F64 => 2,
            DropoutDType::F16 | DropoutDType::BF16 => 8,
        };
        while v > 1 && !numel.is_multiple_of(v) {
            v /= 2;
        }
        v
    }
}

impl Generator {
    /// The keep mask of `torch.nn.functional.dropout(x, p, training=True)`
    /// on CUDA (`native_dropout_cuda` → `dropout_cuda<bool>`, Dropout.cu):
    /// 1 = kept. The grid is `calc_execution_policy`'s; the philox offset
    /// moves by `ceil(numel / (256·grid·4))·4`. With VEC = 1 (numel odd) the
    /// elements map as in the distribution kernels; with VEC = 2/4/8 thread
    /// `idx` handles VEC consecutive elements per iteration from one
    /// (VEC 2, 4: lanes x, y or x..w) or two (VEC 8) `curand_uniform4` calls.
    /// `p == 1` draws nothing and keeps nothing, as ATen's short cut.
    pub fn dropout_mask(
        &mut self,
        g: Geometry,
        p: f64,
        dtype: DropoutDType,
        out: &mut [u8],
    ) -> Result<(), Error> {
        if !(0.0..=1.0).contains(&p) {
            return Err(err(format!("dropout: p = {p} is outside [0, 1]")));
        }
        let n = out.len() as u64;
        if n == 0 {
            return Ok(());
        }
        if p == 1.0 {
            out.fill(0);
            return Ok(());
        }
        let keep = 1.0 - p; // `double p1m = 1. - p`
        let keep_f = keep as f32; // accscalar_t for float, half, bfloat16
        let kept = |r: f32| -> u8 {
            u8::from(if dtype == DropoutDType::F64 {
                f64::from(r) < keep
            } else {
                r < keep_f
            })
        };
        let pol = calc_execution_policy(n, 4, g)?;
        let (seed, offset) = self.philox_cuda_state(pol.counter_offset)?;
        let key = [seed as u32, (seed >> 32) as u32];
        let stride = BLOCK_SIZE * pol.grid;
        let v = dtype.vector_size(n);
        for (e, o) in out.iter_mut().enumerate() {
            let e = e as u64;
            let (idx, call, lane) = if v == 1 {
                element_position(e, pol.grid, 4)
            } else {
                let chunk = e / v;
                let (it, idx, within) = (chunk / stride, chunk % stride, e % v);
                let calls_per_it = v.div_ceil(4);
                (idx, it * calls_per_it + within / 4, within % 4)
            };
            let w = thread_block(key, seed, idx, offset, call);
            *o = kept(curand_uniform_of(w[lane as usize]));
        }
        Ok(())
    }

    /// `torch.nn.functional.dropout(x, p)` on CUDA for float32: the output
    /// `x * mask * scale` with `scale = (float)(1.0 / (float)(1 - p))`, and
    /// the keep mask.
    pub fn dropout_f32(
        &mut self,
        g: Geometry,
        p: f64,
        x: &[f32],
        out: &mut [f32],
        mask: &mut [u8],
    ) -> Result<(), Error> {
        if x.len() != out.len() || x.len() != mask.len() {
            return Err(Error::LengthMismatch {
                what: "dropout output and mask".into(),
                got: out.len().min(mask.len()),
                want: x.len(),
            });
        }
        self.dropout_mask(g, p, DropoutDType::F32, mask)?;
        if p == 1.0 {
            out.fill(0.0);
            return Ok(());
        }
        let scale = (1.0 / f64::from((1.0 - p) as f32)) as f32;
        for ((o, &xi), &m) in out.iter_mut().zip(x).zip(mask.iter()) {
            *o = xi * f32::from(m) * scale;
        }
        Ok(())
    }
}

/// Threads whose blocks are made together.
const TILE: usize = 256;

/// `out[i] = rs[i] * a + b`, each with one rounding (the device's FMA): the
/// CPU's FMA instruction over the slice when it has one (chosen once per
/// slice, so the loop runs without a call per element), else `mul_add`
/// (the C library's `fmaf`, the same value).
#[inline]
fn fma_affine(rs: &[f32], a: f32, b: f32, out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has FMA (checked just above).
        unsafe { fma_affine_x86(rs, a, b, out) };
        return;
    }
    for (o, &r) in out.iter_mut().zip(rs) {
        *o = r.mul_add(a, b);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "fma")]
fn fma_affine_x86(rs: &[f32], a: f32, b: f32, out: &mut [f32]) {
    for (o, &r) in out.iter_mut().zip(rs) {
        *o = r.mul_add(a, b);
    }
}

#[derive(Clone, Copy)]
enum Draw {
    Uniform,
    Normal,
}

/// What the `round`-th `curand4` of thread `idx` returns after
/// `curand_init(seed, idx, offset)`. For offsets that are multiples of 4
/// (every offset torch makes) that is the Philox block at counter
/// `(offset/4 + round, idx)`; otherwise the state is stepped as cuRAND does.
#[inline(always)]
fn thread_block(key: [u32; 2], seed: u64, idx: u64, offset: u64, round: u64) -> [u32; 4] {
    let b = offset / 4 + round;
    if offset.is_multiple_of(4) && b >= offset / 4 {
        philox4x32(
            [b as u32, (b >> 32) as u32, idx as u32, (idx >> 32) as u32],
            key,
            10,
        )
    } else {
        let mut st = Philox4x32_10::init(seed, idx, offset);
        for _ in 0..round {
            st.next_u32x4();
        }
        st.next_u32x4()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_blocks_equal_stepping_curand_state() {
        for (seed, idx, offset) in [
            (1u64, 0u64, 0u64),
            (42, 77, 8),
            (u64::MAX, 1 << 33, 4 << 32),
        ] {
            let key = [seed as u32, (seed >> 32) as u32];
            let mut st = Philox4x32_10::init(seed, idx, offset);
            for round in 0..5 {
                assert_eq!(thread_block(key, seed, idx, offset, round), st.next_u32x4());
            }
        }
    }
}
