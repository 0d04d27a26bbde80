//! JAX: `jax.random` with the default `threefry2x32` implementation.
//!
//! Matches JAX 0.7.1 / jaxlib 0.7.1 on the CPU (checked bit for bit against
//! it: `tests/data/compat/jax/`), under both settings of
//! `jax_threefry_partitionable` (default `True` since JAX 0.5.0) and of
//! `jax_enable_x64`. Definitions in the order JAX computes them, all in
//! `jax/_src/prng.py` unless named otherwise:
//!
//! 1. [`Key::from_seed`]: `jax.random.key(seed)` → `random_seed` turns a
//!    Python int into `np.int64` (`uint64` seeds stay unsigned), which with
//!    x64 off becomes a 32-bit integer; `threefry_seed` makes the key
//!    `[seed >> 32, seed & 0xFFFFFFFF]` (the high word is 0 for a 32-bit seed).
//! 2. The hash: `threefry_2x32(keypair, count)` splits the flat counts in two
//!    halves (padded with one 0 when odd) and applies Threefry-2x32-20
//!    (`_threefry2x32_lowering`) to the pairs (first half, second half),
//!    concatenating the first outputs, then the second ones.
//! 3. [`Key::split`] (`_threefry_split_original` / `_threefry_split_foldlike`)
//!    and [`Key::fold_in`] (`_threefry_fold_in`: the hash of counts
//!    `[0, data]`).
//! 4. [`Key::bits_u32`] and the other widths (`_threefry_random_bits_original` /
//!    `_threefry_random_bits_partitionable`).
//! 5. [`Key::uniform_f32`] and the other dtypes (`jax/_src/random.py`,
//!    `_uniform`): the top mantissa bits under the exponent of 1.0, minus 1.0
//!    (bfloat16 draws 8 bits).
//! 6. [`Key::normal_f32`], [`Key::normal_f64`] (`_normal_real`):
//!    `sqrt(2) * erf_inv(u)` with XLA:CPU's arithmetic (see the comments
//!    in the source); [`Key::normal_f32_on`] / [`Key::normal_f64_on`] with
//!    [`Backend::Gpu`] give XLA:GPU's arithmetic on NVIDIA GPUs (next
//!    section).
//!
//! Every element depends only on the key, the total size and the element's
//! row-major index, so shapes enter as their element count.
//!
//! ```
//! use cbrng::compat::jax::{Backend, Config, Key};
//! let cfg = Config::default(); // JAX's defaults: x64 off, partitionable on
//! let key = Key::from_seed(42, cfg)?;
//! let mut u = [0u32; 3];
//! key.bits_u32(cfg, &mut u)?;
//! let (mut cpu, mut gpu) = ([0f32; 4], [0f32; 4]);
//! key.normal_f32_on(cfg, Backend::Cpu, &mut cpu)?; // jax.random.normal on a CPU
//! key.normal_f32_on(cfg, Backend::Gpu, &mut gpu)?; // ... on an NVIDIA GPU
//! # Ok::<(), cbrng::Error>(())
//! ```
//!
//! # `normal` on a GPU
//!
//! Established from the source of the XLA that jaxlib 0.7.1 builds (files
//! named in the comments above `xla_gpu_erf_inv_f32`), not yet from JAX on
//! a GPU (`benches/jax_gpu_normal.py` compares there). The HLO is the same
//! as on the CPU (CHLO's Giles polynomials); XLA:GPU computes `log1p` with
//! libdevice ([`crate::compat::libdevice`], checked against the bitcode),
//! contracts no multiply-add, and takes the square root with
//! the `sqrt.approx.f32` branch of `__nv_sqrtf` for f32 and `sqrt.rn.f64` for
//! f64. So:
//!
//! * f32 is exact wherever w = -log(1 - u²) < 5 (|u| <= 0.99663); in the
//!   tail the device's approximate root (not published) is modelled by the
//!   correctly rounded one, and a root one ulp off moves a draw by at most
//!   3 ulps (measured on all 28,269 tail draws).
//! * f64 is exact but for `__nv_log1p`'s reciprocal seed
//!   (`rcp.approx.ftz.f64`, not published), modelled by
//!   [`crate::compat::libdevice::rcp_approx_ftz_f64`]; a Newton step follows
//!   it, so the seed almost never matters (`tests/compat_libdevice.rs`).
//!
//! On the device itself, `cuda::Gpu::jax_normal` (feature `cuda`; kernels in
//! `kernels/compat/jax.cuh` and `libdevice.cuh`, constants generated from
//! this file and [`crate::compat::libdevice`]) runs the same steps with those
//! two instructions, so there it gives XLA:GPU's own bits; everything else
//! is this arithmetic, checked bit for bit by the g++ twin.

use crate::Error;
use crate::compat::libdevice;
use crate::generator::threefry::threefry2x32;
use half::{bf16, f16};

/// Rounds of JAX's Threefry-2x32 (`_threefry2x32_lowering`).
pub const THREEFRY_ROUNDS: u32 = 20;

fn err(reason: impl Into<String>) -> Error {
    Error::Compat {
        system: "jax".into(),
        reason: reason.into(),
    }
}

/// Whose arithmetic `normal` reproduces: XLA's CPU and GPU backends lower
/// `erf_inv` differently (its `log1p`, `sqrt` and FMA contraction), so their
/// draws differ in the last bits. `bits` and `uniform` are the same on both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Backend {
    /// XLA:CPU on x86-64 with FMA (checked bit for bit against JAX 0.7.1).
    #[default]
    Cpu,
    /// XLA:GPU on an NVIDIA GPU (established from XLA's and libdevice's
    /// source; see the module's "normal on a GPU").
    Gpu,
}

/// The JAX configuration flags that change the streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// `jax_enable_x64` (default `False`): 64-bit seeds and 64-bit dtypes.
    pub x64: bool,
    /// `jax_threefry_partitionable` (default `True` since JAX 0.5.0).
    pub partitionable: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            x64: false,
            partitionable: true,
        }
    }
}

/// `threefry2x32_p` on one pair of counts.
#[inline(always)]
fn hash(key: [u32; 2], x0: u32, x1: u32) -> [u32; 2] {
    threefry2x32([x0, x1], key, THREEFRY_ROUNDS)
}

/// Element `j` of `threefry_2x32(key, iota(m))`: pair `j mod h` of the two
/// halves (h = ceil(m/2), the second half padded with one 0 when m is odd).
#[inline(always)]
fn iota_hash_word(key: [u32; 2], m: u64, j: u64) -> u32 {
    let h = m.div_ceil(2);
    let (pair, second) = if j < h { (j, false) } else { (j - h, true) };
    let x1 = pair + h;
    let y = hash(key, pair as u32, if x1 < m { x1 as u32 } else { 0 });
    if second { y[1] } else { y[0] }
}

/// `threefry_2x32(key, iota(m))` for all m words, into `out`.
fn iota_hash(key: [u32; 2], out: &mut [u32]) {
    let m = out.len() as u64;
    let h = m.div_ceil(2) as usize;
    let (first, second) = out.split_at_mut(h);
    for (j, f) in first.iter_mut().enumerate() {
        let x1 = j as u64 + h as u64;
        let y = hash(key, j as u32, if x1 < m { x1 as u32 } else { 0 });
        *f = y[0];
        if let Some(s) = second.get_mut(j) {
            *s = y[1];
        }
    }
}

/// A `threefry2x32` key: `jax.random.key_data(key)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key(pub [u32; 2]);

/// The largest count of 32-bit words the non-partitionable path makes in one
/// hash call: beyond it JAX switches to split keys per block
/// (`_threefry_random_bits_original`), which cbrng does not reproduce.
pub const MAX_ORIGINAL_WORDS: u64 = u32::MAX as u64 - 1;

impl Key {
    /// `jax.random.key(seed)`: `seed` in `-2^63 ..= 2^64-1`; values from
    /// 2^63 on are `numpy.uint64` seeds (a Python int that large is an
    /// `OverflowError` in JAX). With x64 off only the low 32 bits count.
    pub fn from_seed(seed: i128, cfg: Config) -> Result<Key, Error> {
        if !(-(1i128 << 63)..(1i128 << 64)).contains(&seed) {
            return Err(err(format!(
                "seed {seed} is out of range: jax.random.key takes a 64-bit integer (-2^63 ..= 2^64-1)"
            )));
        }
        let bits = seed as u64; // two's complement of the int64 or the uint64
        Ok(if cfg.x64 {
            Key([(bits >> 32) as u32, bits as u32])
        } else {
            Key([0, bits as u32])
        })
    }

    /// `jax.random.key_data(key)`.
    pub fn data(&self) -> [u32; 2] {
        self.0
    }

    /// `jax.random.fold_in(key, data)` (`data` as uint32).
    pub fn fold_in(&self, data: u32) -> Key {
        Key(hash(self.0, 0, data))
    }

    /// `jax.random.split(key, num)[index]`.
    pub fn split(&self, num: u64, index: u64, cfg: Config) -> Result<Key, Error> {
        if index >= num {
            return Err(err(format!(
                "split:{num}:{index}: index {index} is not below num {num}"
            )));
        }
        if cfg.partitionable {
            let i = index;
            return Ok(Key(hash(self.0, (i >> 32) as u32, i as u32)));
        }
        let m = num
            .checked_mul(2)
            .filter(|&m| m <= MAX_ORIGINAL_WORDS)
            .ok_or_else(|| err(format!("split into {num} keys: more than 2^31-1 keys")))?;
        Ok(Key([
            iota_hash_word(self.0, m, 2 * index),
            iota_hash_word(self.0, m, 2 * index + 1),
        ]))
    }

    /// Applies `steps`: `fold_in:N` and `split:K:I` (`jax.random.split(key,
    /// K)[I]`) separated by commas, left to right; `-` or empty is no step.
    pub fn derive(&self, steps: &str, cfg: Config) -> Result<Key, Error> {
        let mut k = *self;
        let steps = steps.trim();
        if steps.is_empty() || steps == "-" {
            return Ok(k);
        }
        for step in steps.split(',') {
            let f: Vec<&str> = step.trim().split(':').collect();
            let num = |s: &str, what: &str, max: u64| -> Result<u64, Error> {
                s.parse::<u64>().ok().filter(|&v| v <= max).ok_or_else(|| {
                    err(format!(
                        "bad derive step '{step}': {what} '{s}' is not an integer in 0..={max}"
                    ))
                })
            };
            k = match f.as_slice() {
                ["fold_in", n] => k.fold_in(num(n, "data", u64::from(u32::MAX))? as u32),
                ["split", n, i] => {
                    let n = num(n, "num", u64::MAX)?;
                    k.split(n, num(i, "index", u64::MAX)?, cfg)?
                }
                _ => {
                    return Err(err(format!(
                        "bad derive step '{step}' (expected fold_in:N or split:K:I)"
                    )));
                }
            };
        }
        Ok(k)
    }

    /// The 32-bit words of the non-partitionable path for `size` elements of
    /// `bit_width` bits.
    fn original_words(&self, bit_width: u64, size: u64) -> Result<Vec<u32>, Error> {
        let m = (bit_width as u128 * size as u128).div_ceil(32);
        if m > u128::from(MAX_ORIGINAL_WORDS) {
            return Err(err(format!(
                "{size} elements of {bit_width} bits need {m} words: past 2^32-2, where JAX (partitionable=false) changes method; not reproduced"
            )));
        }
        let mut words = vec![0u32; m as usize];
        iota_hash(self.0, &mut words);
        Ok(words)
    }

    /// The pair of words the partitionable path gives element `i`.
    #[inline(always)]
    fn part(&self, i: u64) -> [u32; 2] {
        hash(self.0, (i >> 32) as u32, i as u32)
    }

    /// `jax.random.bits(key, shape, uint32)` for `out.len()` elements.
    pub fn bits_u32(&self, cfg: Config, out: &mut [u32]) -> Result<(), Error> {
        if cfg.partitionable {
            for (i, o) in out.iter_mut().enumerate() {
                let [a, b] = self.part(i as u64);
                *o = a ^ b;
            }
        } else {
            out.copy_from_slice(&self.original_words(32, out.len() as u64)?);
        }
        Ok(())
    }

    /// `jax.random.bits(key, shape, uint64)` (needs x64).
    pub fn bits_u64(&self, cfg: Config, out: &mut [u64]) -> Result<(), Error> {
        if !cfg.x64 {
            return Err(err("64-bit dtypes need jax_enable_x64 (--x64 true)"));
        }
        if cfg.partitionable {
            for (i, o) in out.iter_mut().enumerate() {
                let [a, b] = self.part(i as u64);
                *o = (u64::from(a) << 32) | u64::from(b);
            }
        } else {
            let n = out.len();
            let w = self.original_words(64, n as u64)?;
            for (i, o) in out.iter_mut().enumerate() {
                *o = (u64::from(w[i]) << 32) | u64::from(w[n + i]);
            }
        }
        Ok(())
    }

    /// `jax.random.bits(key, shape, uint16)`.
    pub fn bits_u16(&self, cfg: Config, out: &mut [u16]) -> Result<(), Error> {
        self.bits_small(cfg, 16, out.len(), |i, v| out[i] = v as u16)
    }

    /// `jax.random.bits(key, shape, uint8)`.
    pub fn bits_u8(&self, cfg: Config, out: &mut [u8]) -> Result<(), Error> {
        self.bits_small(cfg, 8, out.len(), |i, v| out[i] = v as u8)
    }

    /// 8- and 16-bit draws: the low bits of `bits1 ^ bits2`, or the pieces of
    /// each word low first (`bits.view(dtype)[:size]`).
    fn bits_small(
        &self,
        cfg: Config,
        width: u32,
        n: usize,
        mut put: impl FnMut(usize, u32),
    ) -> Result<(), Error> {
        if cfg.partitionable {
            for i in 0..n {
                let [a, b] = self.part(i as u64);
                put(i, a ^ b);
            }
        } else {
            let per = (32 / width) as usize;
            let w = self.original_words(u64::from(width), n as u64)?;
            for i in 0..n {
                put(i, w[i / per] >> (width * (i % per) as u32));
            }
        }
        Ok(())
    }

    /// `jax.random.uniform(key, shape, float32)`: `(bits >> 9 | 0x3f800000) - 1.0`.
    pub fn uniform_f32(&self, cfg: Config, out: &mut [f32]) -> Result<(), Error> {
        let bits: &mut [u32] = bytemuck::cast_slice_mut(out);
        self.bits_u32(cfg, bits)?;
        for b in bits.iter_mut() {
            *b = (f32::from_bits((*b >> 9) | 0x3f80_0000) - 1.0).to_bits();
        }
        Ok(())
    }

    /// `jax.random.uniform(key, shape, float64)` (needs x64).
    pub fn uniform_f64(&self, cfg: Config, out: &mut [f64]) -> Result<(), Error> {
        let bits: &mut [u64] = bytemuck::cast_slice_mut(out);
        self.bits_u64(cfg, bits)?;
        for b in bits.iter_mut() {
            *b = (f64::from_bits((*b >> 12) | 0x3ff0_0000_0000_0000) - 1.0).to_bits();
        }
        Ok(())
    }

    /// `jax.random.uniform(key, shape, float16)`: 16 bits, the top 10 under
    /// the exponent of 1.0.
    pub fn uniform_f16(&self, cfg: Config, out: &mut [f16]) -> Result<(), Error> {
        let bits: &mut [u16] = bytemuck::cast_slice_mut(out);
        self.bits_u16(cfg, bits)?;
        for b in bits.iter_mut() {
            // x - 1 for x in [1, 2) is exact in f16; computed in f32.
            let x = f16::from_bits((*b >> 6) | 0x3c00).to_f32() - 1.0;
            *b = f16::from_f32(x).to_bits();
        }
        Ok(())
    }

    /// `jax.random.uniform(key, shape, bfloat16)`: bfloat16 has 7 mantissa
    /// bits, fewer than 8, so JAX draws 8-bit values and keeps their top 7.
    pub fn uniform_bf16(&self, cfg: Config, out: &mut [bf16]) -> Result<(), Error> {
        let mut b8 = vec![0u8; out.len()];
        self.bits_u8(cfg, &mut b8)?;
        for (o, b) in out.iter_mut().zip(b8) {
            let x = bf16::from_bits((u16::from(b) >> 1) | 0x3f80).to_f32() - 1.0;
            *o = bf16::from_f32(x);
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// normal: `jax.random.normal` (jax/_src/random.py, `_normal_real`):
// u = uniform(key, shape, dtype, nextafter(-1, 0), 1); sqrt(2) * erf_inv(u).
// `erf_inv` is CHLO's, legalized by XLA to Giles' single-precision
// polynomial (stablehlo `chlo_legalize_to_stablehlo`, `materializeErfInvF32`)
// over XLA's `log-plus-one` (xla `elemental_ir_emitter`, `EmitLog1p`), and
// compiled by XLA:CPU's LLVM backend, which contracts each multiply whose
// only use is an add into an FMA (checked on the optimized IR and the object
// code jaxlib 0.7.1 makes on an x86-64 CPU with FMA). cbrng writes those
// FMAs out with `mul_add`; `log` is the C library's `logf`, as XLA:CPU calls.
// ---------------------------------------------------------------------------

/// Which `log` XLA:CPU's kernel for `normal` uses: a vectorized loop that
/// calls the C library's `logf`, or a scalar loop with XLA's own inline
/// `log_f32` (Cephes-style). Which kernel XLA emits depends on the size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XlaLog {
    /// `logf` from the C library (glibc).
    Libm,
    /// XLA's inline f32 log with its FMAs.
    Inline,
}

/// XLA's inline f32 `log` (the `log_f32` of the kernels XLA:CPU emits),
/// with the FMAs its backend forms.
fn xla_inline_log_f32(a: f32) -> f32 {
    const C: [u32; 9] = [
        0x3d90_21bb,
        0xbdeb_d1b8,
        0xbdfe_5d4f,
        0x3e11_e9bf,
        0x3e4c_ceac,
        0xbe7f_fffc,
        0x3def_251a,
        0xbe2a_ae50,
        0x3eaa_aaaa,
    ];
    let c = |i: usize| f32::from_bits(C[i]);
    const Q1: f32 = -0.000_212_194_44; // 0xb95e8083
    let q2 = f32::from_bits(0x3f31_8000); // 0.693359375
    const SQRTHF: u32 = 0x3f35_04f3;
    let a2 = if a > f32::MIN_POSITIVE {
        a
    } else {
        f32::MIN_POSITIVE
    };
    let bits = a2.to_bits();
    let mut e = ((bits >> 23) as i32 - 126) as f32;
    let m = f32::from_bits((bits & 0x007f_ffff) | 0x3f00_0000);
    let lt = m < f32::from_bits(SQRTHF);
    if lt {
        e -= 1.0;
    }
    let x = (m - 1.0) + if lt { m } else { 0.0 };
    let z = x * x;
    let x3 = z * x;
    let y1 = x.mul_add(c(0), c(1)).mul_add(x, c(6));
    let y2 = x.mul_add(c(2), c(3)).mul_add(x, c(7));
    let y3 = x.mul_add(c(4), c(5)).mul_add(x, c(8));
    let t2 = y1.mul_add(x3, y2).mul_add(x3, y3);
    let s = t2.mul_add(x3, e * Q1);
    let h = (-z).mul_add(0.5, x);
    let r = e.mul_add(q2, h + s);
    if a.is_nan() || a < 0.0 {
        f32::NAN
    } else if a == 0.0 {
        f32::NEG_INFINITY
    } else if a == f32::INFINITY {
        f32::INFINITY
    } else {
        r
    }
}

/// XLA:CPU's f32 `log-plus-one`: `log(1 + x)`, or for |x| < sqrt(2) - 1 the
/// rational approximation `x - x²/2 + x³·P(x)/Q(x)` (coefficients as in the
/// IR XLA emits).
fn xla_log1p_f32(x: f32, log: XlaLog) -> f32 {
    const Q: [u32; 6] = [
        0x4171_01ad,
        0x42a6_185b,
        0x435d_c32d,
        0x439a_8ca3,
        0x4358_6d8a,
        0x4270_7982,
    ];
    const P: [u32; 7] = [
        0x383d_e04b,
        0x3eff_40c5,
        0x40d2_84fa,
        0x41ef_4b9c,
        0x4273_cc76,
        0x4264_73ad,
        0x41a0_5101,
    ];
    const SMALL: u32 = 0x3ed4_13cd; // (float)0x3FDA8279A0000000 = sqrt(2) - 1
    let large = match log {
        XlaLog::Libm => (1.0 + x).ln(),
        XlaLog::Inline => xla_inline_log_f32(1.0 + x),
    };
    let x2 = x * x;
    let zero = x * 0.0; // x * 0 is kept by XLA (it is NaN for infinite x)
    let mut q = zero + 1.0;
    for c in Q {
        q = q.mul_add(x, f32::from_bits(c));
    }
    let mut p = zero + f32::from_bits(P[0]);
    for c in &P[1..] {
        p = p.mul_add(x, f32::from_bits(*c));
    }
    let r = p / q;
    let small = x + (x2).mul_add(-0.5, (x * x2) * r);
    if x.abs() < f32::from_bits(SMALL) {
        small
    } else {
        large
    }
}

/// Giles' single-precision `erf_inv` polynomial in `w - 2.5` for w < 5,
/// highest degree first, with the digits CHLO gives them (stablehlo
/// `chlo_legalize_to_stablehlo`, `materializeErfInvF32`); both backends.
#[allow(clippy::excessive_precision)]
pub(crate) const ERF_INV_F32_SMALL: [f32; 9] = [
    2.810_226_36e-08,
    3.432_739_39e-07,
    -3.523_387_7e-06,
    -4.391_506_54e-06,
    0.000_218_580_87,
    -0.001_253_725_03,
    -0.004_177_681_64,
    0.246_640_727,
    1.501_409_41,
];
/// The same in `sqrt(w) - 3` for w >= 5.
#[allow(clippy::excessive_precision)]
pub(crate) const ERF_INV_F32_LARGE: [f32; 9] = [
    -0.000_200_214_257,
    0.000_100_950_558,
    0.001_349_343_22,
    -0.003_673_428_44,
    0.005_739_507_73,
    -0.007_622_461_3,
    0.009_438_870_47,
    1.001_674_06,
    2.832_976_82,
];
/// `erf_inv` for f32 as XLA:CPU computes it (Giles' coefficients, with the
/// digits CHLO gives them).
#[allow(clippy::excessive_precision)]
fn xla_erf_inv_f32(u: f32, log: XlaLog) -> f32 {
    let l = xla_log1p_f32(u * -u, log); // log(1 - u²) = -w
    let lt = l > -5.0; // w < 5
    let w = if lt { -2.5 - l } else { (-l).sqrt() - 3.0 };
    let c = if lt {
        &ERF_INV_F32_SMALL
    } else {
        &ERF_INV_F32_LARGE
    };
    let mut p = c[0];
    for &ci in &c[1..] {
        p = p.mul_add(w, ci);
    }
    let p = if u.abs() == 1.0 { f32::INFINITY } else { p };
    u * p
}

/// The `log` of the kernel XLA:CPU emits for `normal` of `n` elements, as
/// measured with jaxlib 0.7.1 on a 2-core x86-64 (AVX2, FMA) machine: even
/// sizes get the vectorized kernel that calls `logf`; odd sizes from
/// [`XLA_SCALAR_KERNEL_MIN_ODD`] on get the scalar kernel with XLA's inline
/// log. The choice is XLA's cost model, so other machines may draw the line
/// elsewhere (see `tests/data/compat/jax/`).
pub fn xla_kernel_log(n: usize) -> XlaLog {
    if n % 2 == 1 && n >= XLA_SCALAR_KERNEL_MIN_ODD {
        XlaLog::Inline
    } else {
        XlaLog::Libm
    }
}

/// The smallest odd size for which XLA:CPU (jaxlib 0.7.1, measured here)
/// emits the scalar `normal` kernel with its inline log (1175 does not).
pub const XLA_SCALAR_KERNEL_MIN_ODD: usize = 1177;

/// XLA:CPU's f64 `log-plus-one` (the C library's `log(1 + x)`, or the
/// rational approximation for |x| < sqrt(2) - 1, as for f32).
fn xla_log1p_f64(x: f64) -> f64 {
    const Q: [u64; 6] = [
        0x402E_2035_9E90_3E37,
        0x4054_C30B_5221_3498,
        0x406B_B865_90FC_FB56,
        0x4073_5194_5DC9_08A5,
        0x406B_0DB1_3E48_E066,
        0x404E_0F30_4466_448E,
    ];
    const P: [u64; 7] = [
        0x3F07_BC09_62B3_95CA,
        0x3FDF_E818_A0FE_1A83,
        0x401A_509F_46F4_FA53,
        0x403D_E973_8B8C_B9C9,
        0x404E_798E_B86C_3351,
        0x404C_8E75_9747_9A10,
        0x4034_0A20_2D99_830A,
    ];
    const SMALL: u64 = 0x3FDA_8279_99FC_EF32; // sqrt(2) - 1
    let large = (1.0 + x).ln();
    let x2 = x * x;
    let zero = x * 0.0;
    let mut q = zero + 1.0;
    for c in Q {
        q = q.mul_add(x, f64::from_bits(c));
    }
    let mut p = zero + f64::from_bits(P[0]);
    for c in &P[1..] {
        p = p.mul_add(x, f64::from_bits(*c));
    }
    let r = p / q;
    let small = x + x2.mul_add(-0.5, (x * x2) * r);
    if x.abs() < f64::from_bits(SMALL) {
        small
    } else {
        large
    }
}

/// Giles' double-precision `erf_inv` coefficients (CHLO's
/// `materializeErfInvF64`), both backends: rows 0..18 in three columns
/// (w < 6.25, w < 16, otherwise; 0: the branch has ended), then row 18 for
/// the first two columns and the tail rows 19..23 for the first.
pub(crate) const ERF_INV_F64: [[u64; 3]; 18] = [
    [
        0xBBB1_35D2_E746_E627,
        0x3E23_040F_87DB_D932,
        0xBDBD_CEC3_A778_5389,
    ],
    [
        0xBC08_DDF9_3324_D327,
        0x3E78_5CBE_5287_8635,
        0xBDF1_8FEE_C0E3_8727,
    ],
    [
        0x3C37_B83E_EF0B_7C9F,
        0xBE92_7774_53DD_3955,
        0x3E19_E6BF_2DDA_45E3,
    ],
    [
        0x3C69_BA72_CD58_9B91,
        0x3E53_95AB_CD55_4C6C,
        0xBE30_468F_B24E_2F5F,
    ],
    [
        0xBCA3_3689_090A_6B96,
        0x3EB9_3638_8A37_90AD,
        0x3E40_5AC6_A8FB_A182,
    ],
    [
        0x3C78_2E11_8981_32E0,
        0xBED0_D5DB_812B_5083,
        0xBE50_102E_495F_B9C0,
    ],
    [
        0x3CFD_E4AC_FD9E_26BA,
        0x3EC8_860C_D5D6_52F6,
        0x3E5F_4C20_E133_4AF8,
    ],
    [
        0xBD26_D33E_ED66_C487,
        0x3EEA_29A0_CACD_FB23,
        0xBE72_2D22_0FDF_9C3E,
    ],
    [
        0xBD36_F216_7040_D8E2,
        0xBF08_CEF1_F802_81F2,
        0x3E8E_BC8B_B824_CB54,
    ],
    [
        0x3D87_2A22_C2D7_7E20,
        0x3F11_E684_D0B9_188A,
        0xBEB0_A8D4_0EA3_72CC,
    ],
    [
        0xBDAC_8859_C4E5_C0AF,
        0x3EF9_32CD_54C8_A222,
        0x3ED2_FBD2_9D09_3D2B,
    ],
    [
        0xBDCD_C583_D118_A561,
        0xBF37_448A_89EF_8AA3,
        0xBEF4_A349_7E1E_0FAC,
    ],
    [
        0x3E12_0F47_CCF4_6B3C,
        0x3F4F_3CC5_5AD4_0C25,
        0x3F13_EBF4_EB00_938F,
    ],
    [
        0xBE31_A9E3_8DC8_4D60,
        0xBF5B_A924_132F_38B1,
        0xBF2C_2F36_A8FC_5D53,
    ],
    [
        0xBE5F_36CD_6D3D_46A9,
        0x3F64_68EE_CA53_3CF8,
        0xBF22_2EA5_DF04_047C,
    ],
    [
        0x3E9C_6B4F_5D03_B787,
        0xBF6E_BADA_BB89_1BBD,
        0x3FF0_2A30_D1FB_A0DC,
    ],
    [
        0xBEB6_E8A5_434A_E8A2,
        0x3F75_FFCF_E5B7_6AFC,
        0x4013_664D_DD1A_D7FB,
    ],
    [0xBEED_1D1F_7B87_36F6, 0x3FF0_158A_6D64_1D39, 0],
];
pub(crate) const ERF_INV_F64_ROW18: [u64; 2] = [0x3F28_79C2_A212_F024, 0x4008_ABCC_380D_5A48];
pub(crate) const ERF_INV_F64_TAIL: [u64; 4] = [
    0xBF48_4576_9484_FCA8,
    0xBF78_B6C3_3114_F909,
    0x3FCE_BD80_D9B1_3E28,
    0x3FFA_755E_7C99_AE86,
];
/// `erf_inv` for f64 as XLA:CPU computes it: Giles' double-precision
/// polynomials in `w = -log(1 - u²)` for w < 6.25 (23 coefficients here:
/// `ERF_INV_F64`'s 18 rows, row 18 and the 4 tail rows), w < 16 (19) and
/// beyond (17), evaluated as one chain of FMAs whose coefficients are
/// selected per branch (coefficients as in the IR XLA emits).
fn xla_erf_inv_f64(u: f64) -> f64 {
    erf_inv_f64_with(u, xla_log1p_f64, f64::mul_add)
}

/// The f64 `erf_inv` branches and polynomial chain both backends share,
/// with the backend's `log1p` and its polynomial step `step(p, w, c)`
/// (`p * w + c` fused on XLA:CPU, a separate multiply and add on XLA:GPU).
#[inline(always)]
fn erf_inv_f64_with(u: f64, log1p: fn(f64) -> f64, step: fn(f64, f64, f64) -> f64) -> f64 {
    let l = log1p(u * -u);
    let lt6 = l > -6.25;
    let lt16 = l > -16.0;
    let col = if lt6 {
        0
    } else if lt16 {
        1
    } else {
        2
    };
    let w = if lt6 {
        -3.125 - l
    } else {
        (-l).sqrt() - if lt16 { 3.25 } else { 5.0 }
    };
    let c = |bits: u64| f64::from_bits(bits);
    let mut p = c(ERF_INV_F64[0][col]);
    for row in &ERF_INV_F64[1..17] {
        p = step(p, w, c(row[col]));
    }
    if col < 2 {
        p = step(p, w, c(ERF_INV_F64[17][col]));
        p = step(p, w, c(ERF_INV_F64_ROW18[col]));
    }
    if col == 0 {
        for t in ERF_INV_F64_TAIL {
            p = step(p, w, c(t));
        }
    }
    let p = if u.abs() == 1.0 { f64::INFINITY } else { p };
    u * p
}

// ---------------------------------------------------------------------------
// normal on a GPU: the same HLO (CHLO's `erf_inv` polynomials above) as
// XLA:GPU lowers it for NVIDIA GPUs in jaxlib 0.7.1 (XLA of mid-2025).
//
// * Elementwise fusions go through XLA's MLIR emitters
//   (xla/backends/gpu/codegen/emitters/emitter_base.cc, `AddLoweringPasses`):
//   `log-plus-one` becomes `math.log1p` and `sqrt` `math.sqrt`
//   (xla/codegen/emitters/elemental_hlo_to_mlir.cc); `LowerToLLVMPass`
//   (xla/codegen/emitters/transforms/lower_to_llvm.cc) applies MLIR's
//   `populateGpuToNVVMConversionPatterns`, which calls libdevice for both
//   (mlir/lib/Conversion/GPUToNVVM/LowerGpuOpsToNVVMOps.cpp: `__nv_log1pf` /
//   `__nv_log1p`, `__nv_sqrtf` / `__nv_sqrt`). Those are re-done in
//   `compat::libdevice`.
// * `__nv_sqrtf` picks `sqrt.rn.f32` or `sqrt.approx.f32` by
//   `__nvvm_reflect("__CUDA_PREC_SQRT")`; LLVM's NVVMReflect answers 0 for
//   any name it is not given (llvm/lib/Target/NVPTX/NVVMReflect.cpp) and XLA
//   gives only `nvvm-reflect-ftz` (nvptx_backend.cc, `NVPTXTargetModuleLinker`),
//   so f32 `sqrt` is `sqrt.approx.f32`: the MUFU unit, not reproducible on a
//   CPU. cbrng uses the correctly rounded square root there (the tail
//   w >= 5, |u| > 0.9966) and documents the difference. `__nv_sqrt` (f64) is
//   `sqrt.rn.f64`, exact.
// * No FMA contraction: XLA's NVPTX `TargetMachine` keeps LLVM's default
//   `-fp-contract=on` (gpu_backend_lib.cc, `GetTargetMachine`: target options
//   from `InitTargetOptionsFromCodeGenFlags`; nvptx_backend.cc `CompileToPtx`
//   is called without a `configure_target` that would set `Fast`), and the
//   emitted arithmetic carries no `contract` flag (seen in what the same
//   emitters make for XLA:CPU in jaxlib 0.7.1, `XLA_FLAGS=--xla_dump_to`:
//   `arith.mulf`/`arith.addf` without `fastmath`, LLVM `fmul`/`fadd` without
//   flags; XLA:CPU's FMAs come from its own `AllowFPOpFusion = Fast`), so
//   the NVPTX backend emits `mul.rn` and `add.rn` (checked with llc: an
//   fmul feeding an fadd gives `mul.rn.f32` + `add.rn.f32` unless
//   -fp-contract=fast), which ptxas may not fuse. The polynomial steps
//   `c + p * w` round twice, where XLA:CPU fuses them.
// ---------------------------------------------------------------------------

/// `erf_inv` for f32 as XLA:GPU computes it: CHLO's polynomial with a
/// separate multiply and add per step, libdevice's `log1pf`, and (modelled
/// by the correctly rounded root) `sqrt.approx.f32` for w >= 5.
fn xla_gpu_erf_inv_f32(u: f32) -> f32 {
    erf_inv_f32_gpu_with_sqrt(u, f32::sqrt)
}

/// XLA:GPU's f32 `erf_inv` with the square root (`sqrt.approx.f32` on the
/// device, used for w >= 5) given, to measure how much its unpublished
/// rounding can move a draw; [`erf_inv_f32`] with [`Backend::Gpu`] passes
/// the correctly rounded root.
pub fn erf_inv_f32_gpu_with_sqrt(u: f32, sqrt: impl Fn(f32) -> f32) -> f32 {
    let l = libdevice::log1pf(u * -u); // log(1 - u²) = -w
    let lt = l > -5.0; // w < 5
    let w = if lt { -2.5 - l } else { sqrt(-l) - 3.0 };
    let c = if lt {
        &ERF_INV_F32_SMALL
    } else {
        &ERF_INV_F32_LARGE
    };
    let mut p = c[0];
    for &ci in &c[1..] {
        p = p * w + ci; // mul.rn.f32, add.rn.f32
    }
    let p = if u.abs() == 1.0 { f32::INFINITY } else { p };
    u * p
}

/// `erf_inv` for f64 as XLA:GPU computes it: the same branches and
/// coefficients as [`xla_erf_inv_f64`], a separate multiply and add per
/// step, libdevice's `log1p`, and `sqrt.rn.f64`.
fn xla_gpu_erf_inv_f64(u: f64) -> f64 {
    // mul.rn.f64 then add.rn.f64
    erf_inv_f64_with(u, libdevice::log1p, |p, w, c| p * w + c)
}

/// `lax.erf_inv(u)` for one f32 as `backend` computes it (for
/// [`Backend::Cpu`]: the vectorized kernel's, whose `log` is the C
/// library's; see [`xla_kernel_log`]).
pub fn erf_inv_f32(u: f32, backend: Backend) -> f32 {
    match backend {
        Backend::Cpu => xla_erf_inv_f32(u, XlaLog::Libm),
        Backend::Gpu => xla_gpu_erf_inv_f32(u),
    }
}

/// `lax.erf_inv(u)` for one f64 as `backend` computes it.
pub fn erf_inv_f64(u: f64, backend: Backend) -> f64 {
    match backend {
        Backend::Cpu => xla_erf_inv_f64(u),
        Backend::Gpu => xla_gpu_erf_inv_f64(u),
    }
}

/// `normal`'s lower bound for f32, `nextafter(-1, 0)`: `_normal_real`
/// draws `uniform(key, shape, dtype, LO, 1)`, which maps the [0, 1) draw
/// to `max(LO, x * (1 - LO) + LO)` (`1 - LO` rounds to 2).
pub(crate) const NORMAL_LO_F32: f32 = -0.999_999_94;
/// The same for f64.
pub(crate) const NORMAL_LO_F64: f64 = -0.999_999_999_999_999_9;

impl Key {
    /// `jax.random.normal(key, shape, float32)`, bit for bit as JAX 0.7.1
    /// computes it on an x86-64 CPU with FMA (`--backend cpu`).
    pub fn normal_f32(&self, cfg: Config, out: &mut [f32]) -> Result<(), Error> {
        let log = xla_kernel_log(out.len());
        self.normal_f32_with(cfg, log, out)
    }

    /// [`Key::normal_f32`] with the `log` of one XLA kernel named.
    pub fn normal_f32_with(&self, cfg: Config, log: XlaLog, out: &mut [f32]) -> Result<(), Error> {
        const LO: f32 = NORMAL_LO_F32;
        let sqrt2 = std::f32::consts::SQRT_2;
        self.uniform_f32(cfg, out)?;
        for x in out.iter_mut() {
            // floats * (hi - lo) + lo with hi - lo = 2 (rounded), then max(lo, .)
            let u = x.mul_add(2.0, LO).max(LO);
            *x = xla_erf_inv_f32(u, log) * sqrt2;
        }
        Ok(())
    }

    /// `jax.random.normal(key, shape, float64)` (needs x64), bit for bit as
    /// jaxlib 0.7.1's XLA:CPU kernel computes it (its `log` is the C
    /// library's at every size checked).
    pub fn normal_f64(&self, cfg: Config, out: &mut [f64]) -> Result<(), Error> {
        let lo = NORMAL_LO_F64;
        let sqrt2 = std::f64::consts::SQRT_2;
        self.uniform_f64(cfg, out)?;
        for x in out.iter_mut() {
            let u = x.mul_add(2.0, lo).max(lo);
            *x = xla_erf_inv_f64(u) * sqrt2;
        }
        Ok(())
    }

    /// `jax.random.normal(key, shape, float32)` as `backend` computes it:
    /// [`Backend::Cpu`] is [`Key::normal_f32`]; [`Backend::Gpu`] is XLA:GPU's
    /// arithmetic (module docs, "normal on a GPU").
    pub fn normal_f32_on(
        &self,
        cfg: Config,
        backend: Backend,
        out: &mut [f32],
    ) -> Result<(), Error> {
        if backend == Backend::Cpu {
            return self.normal_f32(cfg, out);
        }
        const LO: f32 = NORMAL_LO_F32;
        let sqrt2 = std::f32::consts::SQRT_2;
        self.uniform_f32(cfg, out)?;
        for x in out.iter_mut() {
            // mul.rn then add.rn (x * 2 is exact: the same u as on the CPU)
            let u = (*x * 2.0 + LO).max(LO);
            *x = xla_gpu_erf_inv_f32(u) * sqrt2;
        }
        Ok(())
    }

    /// `jax.random.normal(key, shape, float64)` (needs x64) as `backend`
    /// computes it.
    pub fn normal_f64_on(
        &self,
        cfg: Config,
        backend: Backend,
        out: &mut [f64],
    ) -> Result<(), Error> {
        if backend == Backend::Cpu {
            return self.normal_f64(cfg, out);
        }
        let lo = NORMAL_LO_F64;
        let sqrt2 = std::f64::consts::SQRT_2;
        self.uniform_f64(cfg, out)?;
        for x in out.iter_mut() {
            let u = (*x * 2.0 + lo).max(lo);
            *x = xla_gpu_erf_inv_f64(u) * sqrt2;
        }
        Ok(())
    }
}
