//! NVIDIA libdevice functions that XLA:GPU calls for `jax.random.normal`,
//! re-done in IEEE arithmetic on any CPU.
//!
//! Matches `libdevice.10.bc` of CUDA 12.9 (the PyPI wheel
//! `nvidia-cuda-nvcc-cu12==12.9.86`, `nvidia/cuda_nvcc/nvvm/libdevice/`), the
//! bitcode XLA links into every kernel that calls a `__nv_` function
//! (`xla/service/gpu/llvm_gpu_backend/nvptx_backend.cc`,
//! `LinkLibdeviceIfNecessary`), with `__nvvm_reflect("__CUDA_FTZ")` = 0
//! (XLA sets the module flag `nvvm-reflect-ftz` from `xla_gpu_ftz`, default
//! false). Each function follows the bitcode as `llvm-dis` prints it, step by
//! step; its explicit FMAs (`llvm.nvvm.fma.rn.*`) are `mul_add`, its plain
//! `fmul`/`fadd` stay separate roundings (XLA's NVPTX target machine keeps
//! LLVM's default `-fp-contract=on`, so the backend emits `mul.rn`/`add.rn`,
//! which ptxas does not fuse).
//!
//! Exact on the CPU except where the bitcode calls an approximate hardware
//! instruction: [`log1p`] seeds a reciprocal with `rcp.approx.ftz.f64`
//! (MUFU.RCP64H), modelled by [`rcp_approx_ftz_f64`]; the Newton step after
//! it makes the result insensitive to the seed's low bits
//! (`tests/compat_libdevice.rs` measures how insensitive).
//!
//! Checked against the bitcode itself, compiled for x86-64 by `llc`:
//! `tests/data/compat/jax/gen_libdevice_ref.sh`.

/// `__nv_log1pf`'s polynomial in the reduced argument, highest degree first
/// (libdevice.10.bc, CUDA 12.9), then `-0.5`.
pub(crate) const LOG1PF_P: [u32; 9] = [
    0xbd39_bf78,
    0x3dd8_0012,
    0xbe07_78e0,
    0x3e14_6475,
    0xbe2a_68dd,
    0x3e4c_af9e,
    0xbe80_0042,
    0x3eaa_aae6,
    0xbf00_0000, // -0.5
];

/// `__nv_log1pf`'s ln 2 (rounded to f32).
pub(crate) const LOG1PF_LN2: u32 = 0x3f31_7218;

/// `__nv_log1p`'s series in `z = t²` for |a| small, highest degree first.
pub(crate) const LOG1P_SMALL: [u64; 8] = [
    0x3EB3_72FB_2FBE_14B5,
    0x3ED0_87FF_CEB2_DC44,
    0x3EF3_B9FF_890F_468C,
    0x3F17_457E_FD51_BAF8,
    0x3F3C_71C8_DE3C_E825,
    0x3F62_4924_8FA4_661F,
    0x3F89_9999_999D_70C4,
    0x3FB5_5555_5555_5462,
];

/// `__nv_log`'s series (inlined in `__nv_log1p`), highest degree first.
pub(crate) const LOG_SERIES: [u64; 8] = [
    0x3EB1_380B_3AE8_0F1E,
    0x3ED0_EE25_8B7A_8B04,
    0x3EF3_B266_9F02_676F,
    0x3F17_45CB_A9AB_0956,
    0x3F3C_71C7_2D1B_5154,
    0x3F62_4924_923B_E72D,
    0x3F89_9999_9999_A3C4,
    0x3FB5_5555_5555_5554,
];

/// `__nv_log`'s ln 2 in two pieces (high, low).
pub(crate) const LOG_LN2_HI: u64 = 0x3FE6_2E42_FEFA_39EF;
pub(crate) const LOG_LN2_LO: u64 = 0x3C7A_BC9E_3B39_803F;

/// `__nv_log1p` takes its series when the high word of `a`, read as an f32,
/// is below the first and above the second (a within about (-0.4, 0.667)).
pub(crate) const LOG1P_SMALL_HI_BELOW: u32 = 0x3FE5_5555; // 1071994197
pub(crate) const LOG1P_SMALL_HI_ABOVE: u32 = 0xBFD9_9999; // -1076258407 as i32

/// `add.rz.f32`: `a + b` rounded toward zero (`llvm.nvvm.add.rz.f`).
pub fn add_rz_f32(a: f32, b: f32) -> f32 {
    if !a.is_finite() || !b.is_finite() {
        return a + b;
    }
    // The exact sum is s + t (TwoSum in f64; f32 sums cannot overflow f64).
    let (x, y) = (f64::from(a), f64::from(b));
    let s = x + y;
    let bb = s - x;
    let t = (x - (s - bb)) + (y - bb);
    if s == 0.0 {
        // x + (-x): +0 in every rounding mode but toward -inf.
        return if t == 0.0 { a + b } else { t as f32 };
    }
    let mut c = s as f32; // nearest
    if f64::from(c).abs() > s.abs() {
        c = toward_zero_f32(c);
    } else if f64::from(c) == s && t != 0.0 && (t < 0.0) != (s < 0.0) {
        // s is an f32 and the exact sum lies just inside it.
        c = toward_zero_f32(c);
    }
    c
}

/// The f32 next to `c` toward zero (`c` finite and not zero).
fn toward_zero_f32(c: f32) -> f32 {
    f32::from_bits(c.to_bits() - 1)
}

/// `__nv_log1pf(a)` (`log(1 + a)` in f32), as libdevice.10.bc computes it
/// with FTZ off. Within 1 ulp of the exact value (libdevice's documented
/// bound; `tests/compat_libdevice.rs` measures it).
pub fn log1pf(a: f32) -> f32 {
    let c = |b: u32| f32::from_bits(b);
    // The exponent of 1 + a (rounded toward zero) scales a and 1 apart.
    let t = add_rz_f32(a, 1.0);
    let e = t.to_bits().wrapping_sub(0x3f40_0000) & 0xff80_0000;
    let m = f32::from_bits(a.to_bits().wrapping_sub(e));
    let s = f32::from_bits(0x4080_0000u32.wrapping_sub(e));
    let v = 0.25f32.mul_add(s, -1.0);
    let x = m + v;
    let k = (e as i32) as f32 * c(0x3400_0000); // e / 2^23: the exponent
    let mut p = c(LOG1PF_P[0]).mul_add(x, c(LOG1PF_P[1]));
    for &q in &LOG1PF_P[2..] {
        p = p.mul_add(x, c(q));
    }
    let q = p * x;
    let r = q.mul_add(x, x);
    let r = k.mul_add(c(LOG1PF_LN2), r);
    // Negative a (sign bit set), +inf and NaN leave the fast path.
    let bits = a.to_bits();
    if bits < 0x7f80_0000 {
        return r;
    }
    let r = if (bits as i32) > 0xbf80_0000u32 as i32 {
        // a < -1, +inf or NaN: a * inf + inf.
        a.mul_add(f32::INFINITY, f32::INFINITY)
    } else {
        r
    };
    if a == 0.0 { -0.0 } else { r }
}

/// The model cbrng uses for `rcp.approx.ftz.f64` (MUFU.RCP64H, an
/// approximate reciprocal of the high word): the correctly rounded `1/y`
/// with its low 32 bits cleared. The hardware's table is not published, so
/// this is an assumption; [`log1p`] refines the seed with an FMA Newton step,
/// which removes its error to about 2^-60.
pub fn rcp_approx_ftz_f64(y: f64) -> f64 {
    f64::from_bits((1.0 / y).to_bits() & 0xFFFF_FFFF_0000_0000)
}

fn hi(x: f64) -> u32 {
    (x.to_bits() >> 32) as u32
}

fn lohi(lo: u32, hi: u32) -> f64 {
    f64::from_bits((u64::from(hi) << 32) | u64::from(lo))
}

/// `__nv_log1p(a)` (`log(1 + a)` in f64), as libdevice.10.bc computes it,
/// with [`rcp_approx_ftz_f64`] for the reciprocal seed.
pub fn log1p(a: f64) -> f64 {
    log1p_seeded(a, rcp_approx_ftz_f64)
}

/// [`log1p`] with the reciprocal seed given (to measure how much the
/// unpublished hardware seed can matter).
pub fn log1p_seeded(a: f64, rcp: impl Fn(f64) -> f64) -> f64 {
    let d = |b: u64| f64::from_bits(b);
    let h = f32::from_bits(hi(a));
    if h < f32::from_bits(LOG1P_SMALL_HI_BELOW) && h > f32::from_bits(LOG1P_SMALL_HI_ABOVE) {
        // log1p(a) = 2 atanh(a / (a + 2)), around t = a - a * (a / (a + 2)).
        let q = a / (a + 2.0);
        let t12 = -a * q;
        let t13 = a + t12;
        let z = t13 * t13;
        let mut p = d(LOG1P_SMALL[0]).mul_add(z, d(LOG1P_SMALL[1]));
        for &c in &LOG1P_SMALL[2..] {
            p = p.mul_add(z, d(c));
        }
        let t22 = p * z;
        let t23 = t22.mul_add(t13, t12);
        return t23 + a;
    }
    // __nv_log(1 + a), inlined.
    let y = a + 1.0;
    let (mut yy, mut e) = (y, -1023i32);
    if (hi(y) as i32) < 0x0010_0000 {
        yy = y * d(0x4350_0000_0000_0000); // 2^54
        e = -1023 - 54;
    }
    let ihi = hi(yy) as i32;
    if ihi > 0 && ihi < 0x7ff0_0000 {
        let ilo = yy.to_bits() as u32;
        let mut e = e.wrapping_add(((ihi as u32) >> 20) as i32);
        let h = ((ihi as u32) & 0x800F_FFFF) | 0x3ff0_0000;
        let mut m = lohi(ilo, h);
        if (h as i32) > 0x3FF6_A09E {
            m = lohi(ilo, h.wrapping_sub(0x0010_0000)); // m / 2
            e = e.wrapping_add(1);
        }
        // 2 atanh(f / g) with f = m - 1, g = m + 1, 1/g from the seed.
        let f = m - 1.0;
        let g = m + 1.0;
        let r0 = rcp(g);
        let t58 = (-g).mul_add(r0, 1.0);
        let t59 = t58.mul_add(t58, t58);
        let r1 = t59.mul_add(r0, r0);
        let t61 = f * r1;
        let t62 = t61 + t61;
        let t63 = t62 * t62;
        let mut p = d(LOG_SERIES[0]).mul_add(t63, d(LOG_SERIES[1]));
        for &c in &LOG_SERIES[2..] {
            p = p.mul_add(t63, d(c));
        }
        let t71 = f - t62;
        let t72 = 2.0 * t71;
        let t74 = (-t62).mul_add(f, t72);
        let t75 = r1 * t74;
        let t76 = p * t63;
        let t77 = t76.mul_add(t62, t75);
        // e as an f64, by the 2^52 + 2^31 trick.
        let k = lohi(0x8000_0000 ^ e as u32, 0x4330_0000) - lohi(0x8000_0000, 0x4330_0000);
        let t82 = k.mul_add(d(LOG_LN2_HI), t62);
        let t84 = (-k).mul_add(d(LOG_LN2_HI), t82);
        let t85 = t84 - t62;
        let t86 = t77 - t85;
        let t87 = k.mul_add(d(LOG_LN2_LO), t86);
        return t82 + t87;
    }
    // Zero, negative, infinite or NaN 1 + a.
    let r = yy.mul_add(f64::INFINITY, f64::INFINITY);
    if f32::from_bits(hi(yy)) == 0.0 {
        f64::NEG_INFINITY
    } else {
        r
    }
}
