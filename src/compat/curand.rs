//! cuRAND's device API for `curandStatePhilox4_32_10_t`.
//!
//! Matches the headers of `nvidia-curand-cu12==10.3.10.19` (CUDA 12.9),
//! read for this: `curand_kernel.h` (`curand_init`, `skipahead`,
//! `skipahead_sequence`, `curand`, `curand4`), `curand_philox4x32_x.h`
//! (`Philox_State_Incr`, `Philox_State_Incr_hi`, `curand_Philox4x32_10`),
//! `curand_uniform.h` (`_curand_uniform`, `_curand_uniform_double`,
//! `_curand_uniform_double_hq`), `curand_normal.h` (`_curand_box_muller`,
//! `_curand_box_muller_double`, `curand_normal`, `curand_normal2`,
//! `curand_normal4`, `curand_normal_double`) and `curand_lognormal.h`
//! (`curand_log_normal`), with `curand_globals.h`'s constants.
//!
//! What is exact on the CPU: the state (`curand_init`, the counter's carry
//! logic as the header writes it), `curand`, `curand4`, `curand_uniform`,
//! `curand_uniform4`, `curand_uniform_double` and every IEEE operation of the
//! normal draws, with the FMAs nvcc forms under its default `-fmad=true`
//! written out (`v = y * 2^-32·2π + 2^-33·2π` and `mean + stddev * z` are one
//! rounding each on the device). What is not: the device's `logf`, `log`,
//! `expf`, `sincospi` and the approximate special-function-unit sine-cosine intrinsic; the CPU uses the C
//! library's `logf`/`log`/`expf` and an accurate `sin`/`cos` instead, so
//! normal and log-normal values can differ from a GPU's in the last bits
//! (`tests/compat_curand.rs` measures how far they are from an accurate
//! reference). The GPU twin (`kernels/compat/curand.cuh`, launched by
//! `cbrng::cuda::compat`) calls the device functions themselves.
//!
//! In bulk ([`box_muller_slices`], which torch's `randn` replay uses) the
//! same values are made a slice at a time: the IEEE steps vectorised, and
//! with glibc on a CPU with AVX-512 the C library's `logf` and sine-cosine
//! computed sixteen at a time by a replica of glibc's own code
//! (`src/compat/glibc.rs`, checked bit for bit against the C library for
//! every input the Box-Muller draws can give).
//!
//! ```
//! use cbrng::compat::curand::Philox4x32_10;
//! let mut st = Philox4x32_10::init(1234, 0, 0);
//! let u = st.uniform();
//! assert!(u > 0.0 && u <= 1.0);
//! ```

use crate::generator::philox::philox4x32;

/// `CURAND_2POW32_INV`: 2^-32 (`2.3283064e-10f` rounds to it).
pub const CURAND_2POW32_INV: f32 = 2.328_306_4e-10;
/// `CURAND_2POW32_INV_2PI`: `2.3283064e-10f * 6.2831855f`, a float product.
pub const CURAND_2POW32_INV_2PI: f32 = CURAND_2POW32_INV * 6.283_185_5;
/// `CURAND_2POW32_INV_DOUBLE`: 2^-32.
pub const CURAND_2POW32_INV_DOUBLE: f64 = 2.328_306_436_538_696_3e-10;
/// `CURAND_2POW53_INV_DOUBLE`: 2^-53.
pub const CURAND_2POW53_INV_DOUBLE: f64 = 1.110_223_024_625_156_5e-16;

/// `curandStatePhilox4_32_10_t`: counter, key, the current block, the
/// position in it, and the spare values of the Box-Muller pairs.
#[derive(Clone, Debug, PartialEq)]
pub struct Philox4x32_10 {
    ctr: [u32; 4],
    key: [u32; 2],
    output: [u32; 4],
    state: u32,
    boxmuller_flag: u32,
    boxmuller_flag_double: u32,
    boxmuller_extra: f32,
    boxmuller_extra_double: f64,
}

const EXTRA_FLAG_NORMAL: u32 = 0x0000_0001;
const EXTRA_FLAG_LOG_NORMAL: u32 = 0x0000_0002;

impl Philox4x32_10 {
    /// `curand_init(seed, subsequence, offset, &state)`.
    pub fn init(seed: u64, subsequence: u64, offset: u64) -> Philox4x32_10 {
        let mut s = Philox4x32_10 {
            ctr: [0; 4],
            key: [seed as u32, (seed >> 32) as u32],
            output: [0; 4],
            state: 0,
            boxmuller_flag: 0,
            boxmuller_flag_double: 0,
            boxmuller_extra: 0.0,
            boxmuller_extra_double: 0.0,
        };
        s.skipahead_sequence(subsequence);
        s.skipahead(offset);
        s
    }

    fn block(&self) -> [u32; 4] {
        philox4x32(self.ctr, self.key, 10)
    }

    /// `Philox_State_Incr(s, n)`, carries as the header writes them.
    fn incr_n(&mut self, n: u64) {
        let nlo = n as u32;
        let mut nhi = (n >> 32) as u32;
        self.ctr[0] = self.ctr[0].wrapping_add(nlo);
        if self.ctr[0] < nlo {
            nhi = nhi.wrapping_add(1);
        }
        self.ctr[1] = self.ctr[1].wrapping_add(nhi);
        if nhi <= self.ctr[1] {
            return;
        }
        self.ctr[2] = self.ctr[2].wrapping_add(1);
        if self.ctr[2] != 0 {
            return;
        }
        self.ctr[3] = self.ctr[3].wrapping_add(1);
    }

    /// `Philox_State_Incr_hi(s, n)`.
    fn incr_hi(&mut self, n: u64) {
        let nlo = n as u32;
        let mut nhi = (n >> 32) as u32;
        self.ctr[2] = self.ctr[2].wrapping_add(nlo);
        if self.ctr[2] < nlo {
            nhi = nhi.wrapping_add(1);
        }
        self.ctr[3] = self.ctr[3].wrapping_add(nhi);
    }

    /// `Philox_State_Incr(s)`.
    fn incr(&mut self) {
        for w in self.ctr.iter_mut() {
            *w = w.wrapping_add(1);
            if *w != 0 {
                return;
            }
        }
    }

    /// `skipahead(n, &state)`.
    pub fn skipahead(&mut self, n: u64) {
        self.state += (n & 3) as u32;
        let mut n = n / 4;
        if self.state > 3 {
            n += 1;
            self.state -= 4;
        }
        self.incr_n(n);
        self.output = self.block();
    }

    /// `skipahead_sequence(n, &state)`.
    pub fn skipahead_sequence(&mut self, n: u64) {
        self.incr_hi(n);
        self.output = self.block();
    }

    /// `curand(&state)`.
    pub fn next_u32(&mut self) -> u32 {
        let ret = self.output[self.state as usize];
        self.state += 1;
        if self.state == 4 {
            self.incr();
            self.output = self.block();
            self.state = 0;
        }
        ret
    }

    /// `curand4(&state)`: the next four values; the position in the block
    /// stays where it was.
    pub fn next_u32x4(&mut self) -> [u32; 4] {
        let tmp = self.output;
        self.incr();
        self.output = self.block();
        let o = self.output;
        match self.state {
            1 => [tmp[1], tmp[2], tmp[3], o[0]],
            2 => [tmp[2], tmp[3], o[0], o[1]],
            3 => [tmp[3], o[0], o[1], o[2]],
            _ => tmp,
        }
    }

    /// `curand_uniform(&state)`: `x * 2^-32 + 2^-33` in (0, 1].
    pub fn uniform(&mut self) -> f32 {
        curand_uniform_of(self.next_u32())
    }

    /// `curand_uniform4(&state)`.
    pub fn uniform4(&mut self) -> [f32; 4] {
        self.next_u32x4().map(curand_uniform_of)
    }

    /// `curand_uniform_double(&state)` for Philox: one 32-bit draw,
    /// `x * 2^-32 + 2^-32`.
    pub fn uniform_double(&mut self) -> f64 {
        // The product by 2^-32 is exact: the device's FMA rounds the same.
        f64::from(self.next_u32()) * CURAND_2POW32_INV_DOUBLE + CURAND_2POW32_INV_DOUBLE
    }

    /// `curand_uniform2_double(&state)`: two 53-bit values from `curand4`.
    pub fn uniform2_double(&mut self) -> [f64; 2] {
        let x = self.next_u32x4();
        [uniform_double_hq(x[0], x[1]), uniform_double_hq(x[2], x[3])]
    }

    /// `curand_normal(&state)`: Box-Muller on two draws, the second value
    /// kept for the next call.
    pub fn normal(&mut self) -> f32 {
        if self.boxmuller_flag != EXTRA_FLAG_NORMAL {
            let x = self.next_u32();
            let y = self.next_u32();
            let v = box_muller(x, y);
            self.boxmuller_extra = v[1];
            self.boxmuller_flag = EXTRA_FLAG_NORMAL;
            return v[0];
        }
        self.boxmuller_flag = 0;
        self.boxmuller_extra
    }

    /// `curand_normal2(&state)`.
    pub fn normal2(&mut self) -> [f32; 2] {
        let x = self.next_u32();
        let y = self.next_u32();
        box_muller(x, y)
    }

    /// `curand_normal4(&state)`: Box-Muller on the two pairs of `curand4`.
    pub fn normal4(&mut self) -> [f32; 4] {
        let x = self.next_u32x4();
        let a = box_muller(x[0], x[1]);
        let b = box_muller(x[2], x[3]);
        [a[0], a[1], b[0], b[1]]
    }

    /// `curand_normal_double(&state)`: Box-Muller on the four values of
    /// `curand4`, the second value kept for the next call.
    pub fn normal_double(&mut self) -> f64 {
        if self.boxmuller_flag_double != EXTRA_FLAG_NORMAL {
            let x = self.next_u32x4();
            let v = box_muller_double(x[0], x[1], x[2], x[3]);
            self.boxmuller_extra_double = v[1];
            self.boxmuller_flag_double = EXTRA_FLAG_NORMAL;
            return v[0];
        }
        self.boxmuller_flag_double = 0;
        self.boxmuller_extra_double
    }

    /// `curand_log_normal(&state, mean, stddev)`: `expf(mean + stddev * z)`
    /// with the FMA the device forms.
    pub fn log_normal(&mut self, mean: f32, stddev: f32) -> f32 {
        if self.boxmuller_flag != EXTRA_FLAG_LOG_NORMAL {
            let x = self.next_u32();
            let y = self.next_u32();
            let v = box_muller(x, y);
            self.boxmuller_extra = stddev.mul_add(v[1], mean).exp();
            self.boxmuller_flag = EXTRA_FLAG_LOG_NORMAL;
            return stddev.mul_add(v[0], mean).exp();
        }
        self.boxmuller_flag = 0;
        self.boxmuller_extra
    }
}

/// `_curand_uniform(x)`: `x * CURAND_2POW32_INV + CURAND_2POW32_INV/2`, the
/// u32 rounded to float first. The product (a power-of-two scaling) is exact,
/// so the device's FMA and this multiply-then-add round the same.
#[inline(always)]
pub fn curand_uniform_of(x: u32) -> f32 {
    (x as f32) * CURAND_2POW32_INV + CURAND_2POW32_INV / 2.0
}

/// `_curand_uniform_double_hq(x, y)`: 53 bits `x ^ (y << 21)`, times 2^-53,
/// plus 2^-54.
#[inline(always)]
pub fn uniform_double_hq(x: u32, y: u32) -> f64 {
    let z = u64::from(x) ^ (u64::from(y) << (53 - 32));
    // z < 2^53: exact as a double, and the product by 2^-53 is exact too.
    (z as f64) * CURAND_2POW53_INV_DOUBLE + CURAND_2POW53_INV_DOUBLE / 2.0
}

/// `_curand_box_muller(x, y)` (device branch): `s = sqrtf(-2 logf(u))`,
/// `(sin v, cos v) * s`. `v`'s multiply-add is one FMA on the device. The
/// device's `logf` and its approximate sine-cosine intrinsic are
/// approximated by the C library's `logf` and its `sinf`/`cosf`
/// ([`sin_cos_f32`]). [`box_muller_slices`] gives the same bits in bulk.
#[inline(always)]
pub fn box_muller(x: u32, y: u32) -> [f32; 2] {
    let u = curand_uniform_of(x);
    let v = fma_f32(y as f32, CURAND_2POW32_INV_2PI, CURAND_2POW32_INV_2PI / 2.0);
    let s = (-2.0f32 * u.ln()).sqrt();
    let (sn, cs) = sin_cos_f32(v);
    [sn * s, cs * s]
}

/// `a * b + c` with one rounding: the CPU's FMA instruction when it has one,
/// else the C library's `fmaf` (the same value, slower).
#[inline(always)]
pub fn fma_f32(a: f32, b: f32, c: f32) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has FMA (checked just above).
        return unsafe { fma_x86(a, b, c) };
    }
    a.mul_add(b, c)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "fma")]
fn fma_x86(a: f32, b: f32, c: f32) -> f32 {
    use std::arch::x86_64::*;
    _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(a), _mm_set_ss(b), _mm_set_ss(c)))
}

/// The C library's single-precision sine and cosine (glibc's are within
/// one ulp), standing in for the device's approximate sine-cosine intrinsic.
///
/// With glibc this is one `sincosf` call, which gives the same bits as its
/// `sinf` and `cosf` (checked for every float in [0, 7], which holds every
/// Box-Muller angle: `tests/data/compat/curand/check_sincosf.c`) for the
/// price of one range reduction; elsewhere `sin` and `cos` (Rust's
/// `sin_cos`).
#[inline(always)]
pub fn sin_cos_f32(v: f32) -> (f32, f32) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            // glibc's libm, which the standard library links on this target.
            fn sincosf(x: f32, sin: *mut f32, cos: *mut f32);
        }
        let (mut s, mut c) = (0f32, 0f32);
        // SAFETY: glibc's `sincosf` writes one float through each pointer,
        // both valid for the call.
        unsafe { sincosf(v, &mut s, &mut c) };
        (s, c)
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    v.sin_cos()
}

/// Box-Muller over many pairs: `[out0[k], out1[k]] = box_muller(x[k], y[k])`
/// for every `k`, the same bits as [`box_muller`] pair by pair. The IEEE
/// steps (the uniform, the angle's FMA, `-2 log`, the square root) run over
/// the whole slice with the CPU's vector units (FMA chosen once per call,
/// not per element); the C library's `logf` and sine-cosine are computed
/// sixteen at a time where the C library is glibc and the CPU has AVX-512
/// (a replica of glibc's code: `src/compat/glibc.rs`), else called per
/// element.
///
/// An error if the four slices' lengths differ.
pub fn box_muller_slices(
    x: &[u32],
    y: &[u32],
    out0: &mut [f32],
    out1: &mut [f32],
) -> Result<(), crate::Error> {
    let n = x.len();
    if y.len() != n || out0.len() != n || out1.len() != n {
        return Err(crate::Error::LengthMismatch {
            what: "box_muller_slices: y, out0 and out1".into(),
            got: if y.len() != n {
                y.len()
            } else if out0.len() != n {
                out0.len()
            } else {
                out1.len()
            },
            want: n,
        });
    }
    // out0 <- u, out1 <- v (vectorised; the angle's multiply-add fused).
    uniform_and_angle(x, y, out0, out1);
    // out0 <- logf(u), then s = sqrtf(-2 logf(u)): the C library's bits,
    // 16 at a time where it can (`glibc.rs`).
    super::glibc::ln_in_place(out0);
    for l in out0.iter_mut() {
        *l = (-2.0f32 * *l).sqrt();
    }
    // (out0, out1) <- (sin v · s, cos v · s).
    super::glibc::sin_cos_times(out1, out0);
    Ok(())
}

/// `u[k] = curand_uniform_of(x[k])`, `v[k] = y[k]·2^-32·2π + 2^-33·2π` with
/// one rounding.
#[inline]
fn uniform_and_angle(x: &[u32], y: &[u32], u: &mut [f32], v: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has FMA (and so AVX; checked just above).
        unsafe { uniform_and_angle_fused(x, y, u, v) };
        return;
    }
    for k in 0..x.len().min(u.len()) {
        u[k] = curand_uniform_of(x[k]);
    }
    for k in 0..y.len().min(v.len()) {
        v[k] = (y[k] as f32).mul_add(CURAND_2POW32_INV_2PI, CURAND_2POW32_INV_2PI / 2.0);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "fma")]
fn uniform_and_angle_fused(x: &[u32], y: &[u32], u: &mut [f32], v: &mut [f32]) {
    for (o, &a) in u.iter_mut().zip(x) {
        *o = curand_uniform_of(a);
    }
    for (o, &b) in v.iter_mut().zip(y) {
        *o = (b as f32).mul_add(CURAND_2POW32_INV_2PI, CURAND_2POW32_INV_2PI / 2.0);
    }
}

/// `_curand_box_muller_double(x0, x1, y0, y1)` (device branch):
/// `s = sqrt(-2 log(u))`, `sincospi(v) * s`. The device's `log` and
/// `sincospi` are approximated by the C library's `log` and `sin`/`cos` of
/// `v·π`.
pub fn box_muller_double(x0: u32, x1: u32, y0: u32, y1: u32) -> [f64; 2] {
    let u = uniform_double_hq(x0, x1);
    let zy = u64::from(y0) ^ (u64::from(y1) << (53 - 32));
    let v = (zy as f64).mul_add(CURAND_2POW53_INV_DOUBLE * 2.0, CURAND_2POW53_INV_DOUBLE);
    let s = (-2.0 * u.ln()).sqrt();
    let (sn, cs) = sin_cos_pi(v);
    [sn * s, cs * s]
}

/// sin(πv), cos(πv) for v in (0, 2): reduced to an octant first so that
/// the multiply by π adds no error beyond the one rounding of `π·r`.
fn sin_cos_pi(v: f64) -> (f64, f64) {
    // v = 2k + r exactly for r in [-1, 1]; sin(π(r)) and cos(π(r)).
    let r = v - 2.0 * (v / 2.0).round();
    (
        (r * std::f64::consts::PI).sin(),
        (r * std::f64::consts::PI).cos(),
    )
}
