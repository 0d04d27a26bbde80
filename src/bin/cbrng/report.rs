//! `cbrng verify --report FILE.html`: one self-contained HTML page (no
//! scripts, no network: inline SVG drawn here) with, for every distribution
//! and dtype of the verify matrix, a histogram of a sample against the exact
//! distribution and a QQ plot against its exact quantiles, then the verify
//! table.

use cbrng::dist::{DType, Distribution};
use cbrng::{Algorithm, Error, Stream};
use half::{bf16, f16};
use std::fmt::Write as _;

/// Elements drawn per distribution and dtype.
pub const SAMPLES: usize = 100_000;
/// Histogram bins (a power of two: it divides every power-of-two grid, so a
/// bin of uniform bits or floats holds exactly 1/BINS of the mass).
const BINS: u128 = 64;
/// Points of a QQ plot.
const QQ_POINTS: usize = 200;

/// The standard normal CDF: 0.5 erfc(-x / sqrt 2), erfc by the Chebyshev
/// fit of Numerical Recipes (`erfcc`, relative error below 1.2e-7): plenty
/// for a picture.
pub fn normal_cdf(x: f64) -> f64 {
    let z = (x / std::f64::consts::SQRT_2).abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let erfc = t * poly.exp();
    // erfc(-x/sqrt2) = 2 - erfc(x/sqrt2) for x > 0.
    if x >= 0.0 {
        1.0 - 0.5 * erfc
    } else {
        0.5 * erfc
    }
}

/// The standard normal quantile by Acklam's rational approximation
/// (relative error below 1.2e-9), for 0 < p < 1.
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    const P_LOW: f64 = 0.02425;
    if p < P_LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - P_LOW {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// One histogram bin: [left, right) on the plot's x axis, the observed and
/// the exact fraction of the mass in it.
struct Bin {
    left: f64,
    right: f64,
    observed: f64,
    exact: f64,
}

/// What a plot shows for one distribution and dtype.
struct Figure {
    title: String,
    x_label: String,
    bins: Vec<Bin>,
    /// The exact density as a curve (continuous distributions).
    curve: Vec<(f64, f64)>,
    /// (exact quantile, sample quantile).
    qq: Vec<(f64, f64)>,
    /// Pearson's chi-square over the bins with exact mass, and its degrees of freedom.
    chi2: (f64, usize),
}

fn fill<T: cbrng::dist::Element>(s: &Stream, d: &Distribution) -> Result<Vec<T>, Error> {
    let mut v = vec![T::default(); SAMPLES];
    s.fill(d, 0, &mut v)?;
    Ok(v)
}

/// The sample as integers `t` in [0, r) (bits and int; `r` is the number of
/// values) or as reals.
enum Sample {
    Ints {
        t: Vec<u128>,
        r: u128,
        lo: i128,
    },
    Reals(Vec<f64>),
    /// Counts of a discrete law (poisson, binomial).
    Counts(Vec<u64>),
}

fn sample(s: &Stream, d: &Distribution, dtype: DType) -> Result<Sample, Error> {
    let ints = |t: Vec<u128>, r: u128, lo: i128| Sample::Ints { t, r, lo };
    // Values as their offsets t = x - lo in [0, r).
    let shift =
        |v: Vec<i128>, lo: i128| v.into_iter().map(|x| (x - lo) as u128).collect::<Vec<_>>();
    Ok(match (d, dtype) {
        (Distribution::Poisson { .. } | Distribution::Binomial { .. }, dt) => {
            Sample::Counts(match dt {
                DType::U32 => fill::<u32>(s, d)?.into_iter().map(u64::from).collect(),
                DType::I32 => fill::<i32>(s, d)?.into_iter().map(|x| x as u64).collect(),
                DType::I64 => fill::<i64>(s, d)?.into_iter().map(|x| x as u64).collect(),
                _ => fill::<u64>(s, d)?,
            })
        }
        (Distribution::Bits, DType::U8) => ints(
            fill::<u8>(s, d)?.into_iter().map(u128::from).collect(),
            1 << 8,
            0,
        ),
        (Distribution::Bits, DType::I32) => ints(
            fill::<i32>(s, d)?
                .into_iter()
                .map(|x| u128::from(x as u32))
                .collect(),
            1 << 32,
            0,
        ),
        (Distribution::Bits, DType::I64) => ints(
            fill::<i64>(s, d)?
                .into_iter()
                .map(|x| u128::from(x as u64))
                .collect(),
            1 << 64,
            0,
        ),
        (Distribution::Bits, DType::U32) => ints(
            fill::<u32>(s, d)?.into_iter().map(u128::from).collect(),
            1 << 32,
            0,
        ),
        (Distribution::Bits, _) => ints(
            fill::<u64>(s, d)?.into_iter().map(u128::from).collect(),
            1 << 64,
            0,
        ),
        (Distribution::Int { lo, hi }, dt) => {
            let v: Vec<i128> = match dt {
                DType::U8 => fill::<u8>(s, d)?.into_iter().map(i128::from).collect(),
                DType::U32 => fill::<u32>(s, d)?.into_iter().map(i128::from).collect(),
                DType::I32 => fill::<i32>(s, d)?.into_iter().map(i128::from).collect(),
                DType::I64 => fill::<i64>(s, d)?.into_iter().map(i128::from).collect(),
                _ => fill::<u64>(s, d)?.into_iter().map(i128::from).collect(),
            };
            ints(shift(v, *lo), (hi - lo) as u128, *lo)
        }
        (Distribution::Bernoulli { .. }, DType::Bool) => ints(
            fill::<bool>(s, d)?.into_iter().map(u128::from).collect(),
            2,
            0,
        ),
        (Distribution::Bernoulli { .. }, _) => ints(
            fill::<u8>(s, d)?.into_iter().map(u128::from).collect(),
            2,
            0,
        ),
        (_, DType::F32) => Sample::Reals(fill::<f32>(s, d)?.into_iter().map(f64::from).collect()),
        (_, DType::F16) => Sample::Reals(fill::<f16>(s, d)?.into_iter().map(f64::from).collect()),
        (_, DType::BF16) => Sample::Reals(fill::<bf16>(s, d)?.into_iter().map(f64::from).collect()),
        _ => Sample::Reals(fill::<f64>(s, d)?),
    })
}

fn chi2(bins: &[Bin], n: f64) -> (f64, usize) {
    let mut c = 0.0;
    let mut k = 0usize;
    for b in bins.iter().filter(|b| b.exact > 0.0) {
        let e = b.exact * n;
        c += (b.observed * n - e).powi(2) / e;
        k += 1;
    }
    (c, k.saturating_sub(1))
}

fn figure(d: &Distribution, dtype: DType, smp: Sample) -> Figure {
    let n = SAMPLES as f64;
    let title = format!("{d} {dtype}");
    let qs: Vec<f64> = (0..QQ_POINTS)
        .map(|k| (k as f64 + 0.5) / QQ_POINTS as f64)
        .collect();
    match smp {
        Sample::Counts(v) => discrete_figure(d, title, v, &qs),
        Sample::Ints { mut t, r, lo } => {
            let bernoulli_p = match d {
                Distribution::Bernoulli { p } => Some(*p),
                _ => None,
            };
            let nb = BINS.min(r);
            let mut counts = vec![0u64; nb as usize];
            for &x in &t {
                counts[(x * nb / r) as usize] += 1;
            }
            // Integers t in [0, r) with floor(t nb / r) = j: [ceil(j r/nb), ceil((j+1) r/nb)).
            let edge = |j: u128| (j * r).div_ceil(nb);
            let bins: Vec<Bin> = (0..nb)
                .map(|j| {
                    let exact = match bernoulli_p {
                        Some(p) if j == 1 => p,
                        Some(p) => 1.0 - p,
                        None => (edge(j + 1) - edge(j)) as f64 / r as f64,
                    };
                    Bin {
                        left: edge(j) as f64 / r as f64,
                        right: edge(j + 1) as f64 / r as f64,
                        observed: counts[j as usize] as f64 / n,
                        exact,
                    }
                })
                .collect();
            t.sort_unstable();
            let qq = qs
                .iter()
                .map(|&p| {
                    let exact = match bernoulli_p {
                        Some(b) => f64::from(u8::from(p >= 1.0 - b)),
                        None => (p * r as f64).floor() / r as f64,
                    };
                    (exact, t[(p * n) as usize] as f64 / r as f64)
                })
                .collect();
            let chi2 = chi2(&bins, n);
            let x_label = match bernoulli_p {
                Some(_) => "value (0 or 1), as a fraction of 2".to_string(),
                None => format!("(x - {lo}) / {r}"),
            };
            Figure {
                title,
                x_label,
                bins,
                curve: Vec::new(),
                qq,
                chi2,
            }
        }
        Sample::Reals(mut v) => {
            type F = Box<dyn Fn(f64) -> f64>;
            let (lo, hi, cdf, pdf, quantile): (f64, f64, F, F, F) = match *d {
                Distribution::Normal { mean, std } => (
                    mean - 5.0 * std,
                    mean + 5.0 * std,
                    Box::new(move |x| normal_cdf((x - mean) / std)),
                    Box::new(move |x| {
                        let z = (x - mean) / std;
                        (-0.5 * z * z).exp() / (std * (2.0 * std::f64::consts::PI).sqrt())
                    }),
                    Box::new(move |p| mean + std * normal_quantile(p)),
                ),
                Distribution::UniformRange { lo, hi } => (
                    lo,
                    hi,
                    Box::new(move |x: f64| ((x - lo) / (hi - lo)).clamp(0.0, 1.0)),
                    Box::new(move |_| 1.0 / (hi - lo)),
                    Box::new(move |p| lo + (hi - lo) * p),
                ),
                Distribution::Exponential { lambda } => (
                    0.0,
                    8.0 / lambda,
                    Box::new(move |x: f64| -(-lambda * x.max(0.0)).exp_m1()),
                    Box::new(move |x: f64| lambda * (-lambda * x).exp()),
                    Box::new(move |p: f64| -(-p).ln_1p() / lambda),
                ),
                Distribution::LogNormal { mu, sigma } => (
                    0.0,
                    (mu + 3.0 * sigma).exp(),
                    Box::new(move |x: f64| {
                        if x <= 0.0 {
                            0.0
                        } else {
                            normal_cdf((x.ln() - mu) / sigma)
                        }
                    }),
                    Box::new(move |x: f64| {
                        let z = (x.ln() - mu) / sigma;
                        (-0.5 * z * z).exp() / (x * sigma * (2.0 * std::f64::consts::PI).sqrt())
                    }),
                    Box::new(move |p| (mu + sigma * normal_quantile(p)).exp()),
                ),
                Distribution::Gumbel { mu, beta } => (
                    mu - 3.0 * beta,
                    mu + 8.0 * beta,
                    Box::new(move |x: f64| (-(-(x - mu) / beta).exp()).exp()),
                    Box::new(move |x: f64| {
                        let z = (x - mu) / beta;
                        (-z - (-z).exp()).exp() / beta
                    }),
                    Box::new(move |p: f64| mu - beta * (-p.ln()).ln()),
                ),
                Distribution::Cauchy { x0, gamma } => (
                    x0 - 10.0 * gamma,
                    x0 + 10.0 * gamma,
                    Box::new(move |x: f64| 0.5 + ((x - x0) / gamma).atan() / std::f64::consts::PI),
                    Box::new(move |x: f64| {
                        let z = (x - x0) / gamma;
                        1.0 / (std::f64::consts::PI * gamma * (1.0 + z * z))
                    }),
                    Box::new(move |p: f64| x0 + gamma * (std::f64::consts::PI * (p - 0.5)).tan()),
                ),
                Distribution::Logistic { mu, s } => (
                    mu - 10.0 * s,
                    mu + 10.0 * s,
                    Box::new(move |x: f64| 1.0 / (1.0 + (-(x - mu) / s).exp())),
                    Box::new(move |x: f64| {
                        let e = (-(x - mu) / s).exp();
                        e / (s * (1.0 + e) * (1.0 + e))
                    }),
                    Box::new(move |p: f64| mu + s * (p / (1.0 - p)).ln()),
                ),
                Distribution::Laplace { mu, b } => (
                    mu - 8.0 * b,
                    mu + 8.0 * b,
                    Box::new(move |x: f64| {
                        let z = (x - mu) / b;
                        if z < 0.0 {
                            0.5 * z.exp()
                        } else {
                            1.0 - 0.5 * (-z).exp()
                        }
                    }),
                    Box::new(move |x: f64| (-((x - mu) / b).abs()).exp() / (2.0 * b)),
                    Box::new(move |p: f64| {
                        if p < 0.5 {
                            mu + b * (2.0 * p).ln()
                        } else {
                            mu - b * (2.0 * (1.0 - p)).ln()
                        }
                    }),
                ),
                _ => (
                    0.0,
                    1.0,
                    Box::new(|x: f64| x.clamp(0.0, 1.0)),
                    Box::new(|_| 1.0),
                    Box::new(|p| p),
                ),
            };
            let nb = BINS as usize;
            let w = (hi - lo) / nb as f64;
            let mut counts = vec![0u64; nb];
            for &x in &v {
                let j = ((x - lo) / w).floor();
                if j >= 0.0 && (j as usize) < nb {
                    counts[j as usize] += 1;
                }
            }
            let bins: Vec<Bin> = (0..nb)
                .map(|j| {
                    let (l, r) = (lo + j as f64 * w, lo + (j + 1) as f64 * w);
                    Bin {
                        left: l,
                        right: r,
                        observed: counts[j] as f64 / n,
                        exact: cdf(r) - cdf(l),
                    }
                })
                .collect();
            let curve = (0..=200)
                .map(|k| {
                    let x = lo + (hi - lo) * k as f64 / 200.0;
                    (x, pdf(x))
                })
                .collect();
            v.sort_by(f64::total_cmp);
            let qq = qs
                .iter()
                .map(|&p| (quantile(p), v[(p * n) as usize]))
                .collect();
            let chi2 = chi2(&bins, n);
            Figure {
                title,
                x_label: "x".into(),
                bins,
                curve,
                qq,
                chi2,
            }
        }
    }
}

/// The exact pmf of a discrete law at k (from the library's log-pmf).
fn pmf(d: &Distribution, k: u64) -> f64 {
    use cbrng::dist::discrete::{binomial_ln_pmf, poisson_ln_pmf};
    match *d {
        Distribution::Poisson { lambda: 0.0 } => f64::from(u8::from(k == 0)),
        Distribution::Poisson { lambda } => poisson_ln_pmf(k as f64, lambda).exp(),
        Distribution::Binomial { n, p } => {
            if p == 0.0 || p == 1.0 || n == 0 {
                let at = if p == 1.0 { n } else { 0 };
                return f64::from(u8::from(k == at));
            }
            if k > n {
                return 0.0;
            }
            // The library's form takes min(p, 1 - p): mirror k for p > 1/2.
            let (k, p) = if p > 0.5 { (n - k, 1.0 - p) } else { (k, p) };
            binomial_ln_pmf(k as f64, n as f64, p, 1.0 - p).exp()
        }
        _ => 0.0,
    }
}

/// Histogram of counts over mean +- 5 standard deviations (integer bins;
/// the exact mass of a bin is the sum of the pmf over it, or, where a bin
/// holds more than 64 values, 64 equally spaced values scaled: a Riemann
/// sum, plenty for a picture), QQ from the exact bin masses.
fn discrete_figure(d: &Distribution, title: String, mut v: Vec<u64>, qs: &[f64]) -> Figure {
    let n = v.len() as f64;
    let (mean, var, max) = match *d {
        Distribution::Poisson { lambda } => (lambda, lambda, u64::MAX),
        Distribution::Binomial { n, p } => (n as f64 * p, n as f64 * p * (1.0 - p), n),
        _ => (0.0, 0.0, 0),
    };
    let sd = var.sqrt().max(0.5);
    let lo = (mean - 5.0 * sd).floor().max(0.0) as u64;
    let hi = ((mean + 5.0 * sd).ceil() as u64).min(max).max(lo);
    let values = hi - lo + 1;
    let nb = (BINS as u64).min(values);
    let edge = |j: u64| lo + (u128::from(j) * u128::from(values) / u128::from(nb)) as u64;
    let mut counts = vec![0u64; nb as usize];
    for &k in &v {
        if (lo..=hi).contains(&k) {
            let j = (u128::from(k - lo) * u128::from(nb) / u128::from(values)) as usize;
            counts[j.min(nb as usize - 1)] += 1;
        }
    }
    let bins: Vec<Bin> = (0..nb)
        .map(|j| {
            let (a, b) = (edge(j), edge(j + 1));
            let w = b - a;
            let exact = if w <= 64 {
                (a..b).map(|k| pmf(d, k)).sum()
            } else {
                (0..64).map(|t| pmf(d, a + t * w / 64)).sum::<f64>() * w as f64 / 64.0
            };
            Bin {
                left: a as f64 - 0.5,
                right: b as f64 - 0.5,
                observed: counts[j as usize] as f64 / n,
                exact,
            }
        })
        .collect();
    v.sort_unstable();
    let total: f64 = bins.iter().map(|b| b.exact).sum();
    let qq = qs
        .iter()
        .map(|&p| {
            let mut acc = 0.0;
            let mut x = bins.last().map_or(0.0, |b| b.right);
            for b in &bins {
                let m = b.exact / total;
                if acc + m >= p {
                    x = b.left + (b.right - b.left) * ((p - acc) / m).clamp(0.0, 1.0);
                    break;
                }
                acc += m;
            }
            (x, v[(p * n) as usize] as f64)
        })
        .collect();
    let chi2 = chi2(&bins, n);
    Figure {
        title,
        x_label: "value".into(),
        bins,
        curve: Vec::new(),
        qq,
        chi2,
    }
}

const W: f64 = 420.0;
const H: f64 = 260.0;
const M: f64 = 40.0;

/// Text for SVG/HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn num(x: f64) -> String {
    if x == 0.0 || (1e-3..1e5).contains(&x.abs()) {
        format!("{}", (x * 1000.0).round() / 1000.0)
    } else {
        format!("{x:.2e}")
    }
}

/// An SVG frame mapping [x0, x1] x [y0, y1] to the plot area; returns the
/// opening markup and the mapping.
fn frame(
    title: &str,
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
    x_label: &str,
    y_label: &str,
) -> (String, impl Fn(f64, f64) -> (f64, f64) + use<>) {
    let sx = (W - 2.0 * M) / (x1 - x0).max(f64::MIN_POSITIVE);
    let sy = (H - 2.0 * M) / (y1 - y0).max(f64::MIN_POSITIVE);
    let map = move |x: f64, y: f64| (M + (x - x0) * sx, H - M - (y - y0) * sy);
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg class="chart" width="{W}" height="{H}" viewBox="0 0 {W} {H}" role="img"><title>{t}</title><rect x="{M}" y="{M}" width="{pw}" height="{ph}" fill="none" stroke="#999"/><text x="{cx}" y="16" text-anchor="middle" font-size="12">{t}</text><text x="{cx}" y="{by}" text-anchor="middle" font-size="10">{xl}</text><text x="12" y="{cy}" font-size="10" transform="rotate(-90 12 {cy})" text-anchor="middle">{yl}</text><text x="{M}" y="{ty}" font-size="9" text-anchor="middle">{a}</text><text x="{rx}" y="{ty}" font-size="9" text-anchor="middle">{b}</text><text x="{lx}" y="{hy}" font-size="9" text-anchor="end">{c}</text><text x="{lx}" y="{my}" font-size="9" text-anchor="end">{e}</text>"##,
        t = esc(title),
        pw = W - 2.0 * M,
        ph = H - 2.0 * M,
        cx = W / 2.0,
        by = H - 6.0,
        cy = H / 2.0,
        xl = esc(x_label),
        yl = esc(y_label),
        ty = H - M + 12.0,
        rx = W - M,
        a = num(x0),
        b = num(x1),
        lx = M - 3.0,
        hy = H - M,
        my = M + 4.0,
        c = num(y0),
        e = num(y1),
    );
    (s, map)
}

fn histogram_svg(f: &Figure) -> String {
    let x0 = f.bins.first().map_or(0.0, |b| b.left);
    let x1 = f.bins.last().map_or(1.0, |b| b.right);
    let dens = |frac: f64, b: &Bin| frac / (b.right - b.left);
    let top = f
        .bins
        .iter()
        .map(|b| dens(b.observed, b).max(dens(b.exact, b)))
        .chain(f.curve.iter().map(|c| c.1))
        .fold(0.0, f64::max)
        * 1.1;
    let (mut s, map) = frame(
        &format!("{}: histogram vs exact", f.title),
        (x0, x1),
        (0.0, top),
        &f.x_label,
        "density",
    );
    for b in &f.bins {
        let (l, y) = map(b.left, dens(b.observed, b));
        let (r, base) = map(b.right, 0.0);
        let _ = write!(
            s,
            r##"<rect x="{l:.2}" y="{y:.2}" width="{:.2}" height="{:.2}" fill="#8ab4e8" stroke="#4a78b0" stroke-width="0.3"/>"##,
            (r - l).max(0.5),
            (base - y).max(0.0)
        );
    }
    // The exact mass per bin as a step line, and the density curve.
    let mut steps = String::new();
    for b in &f.bins {
        let (l, y) = map(b.left, dens(b.exact, b));
        let (r, _) = map(b.right, 0.0);
        let _ = write!(steps, "M{l:.2},{y:.2}H{r:.2}");
    }
    let _ = write!(
        s,
        r##"<path d="{steps}" fill="none" stroke="#d62728" stroke-width="1.5"/>"##
    );
    if !f.curve.is_empty() {
        let pts: Vec<String> = f
            .curve
            .iter()
            .map(|&(x, y)| {
                let (a, b) = map(x, y);
                format!("{a:.2},{b:.2}")
            })
            .collect();
        let _ = write!(
            s,
            r##"<polyline points="{}" fill="none" stroke="#2ca02c" stroke-width="1"/>"##,
            pts.join(" ")
        );
    }
    s.push_str("</svg>");
    s
}

fn qq_svg(f: &Figure) -> String {
    let lo =
        f.qq.iter()
            .map(|p| p.0.min(p.1))
            .fold(f64::INFINITY, f64::min);
    let hi =
        f.qq.iter()
            .map(|p| p.0.max(p.1))
            .fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        (lo - 0.5, lo + 0.5)
    };
    let (mut s, map) = frame(
        &format!("{}: QQ vs exact quantiles", f.title),
        (lo, hi),
        (lo, hi),
        "exact quantile",
        "sample quantile",
    );
    let (a, b) = map(lo, lo);
    let (c, d) = map(hi, hi);
    let _ = write!(
        s,
        r##"<line x1="{a:.2}" y1="{b:.2}" x2="{c:.2}" y2="{d:.2}" stroke="#d62728" stroke-width="1"/>"##
    );
    for &(x, y) in &f.qq {
        let (px, py) = map(x, y);
        let _ = write!(
            s,
            r##"<circle cx="{px:.2}" cy="{py:.2}" r="1.6" fill="#1f4e8c"/>"##
        );
    }
    s.push_str("</svg>");
    s
}

/// The whole page: the plots for every distribution and dtype of the verify
/// matrix (generator `algo`, seed 42, stream 0, elements [0, SAMPLES)), then
/// the verify table as printed.
pub fn html(algo: Algorithm, table: &str) -> Result<String, Error> {
    let s = Stream::from_seed(algo, 42, 0)?;
    let mut body = String::new();
    for (d, dtype) in cbrng::check::distributions() {
        let f = figure(&d, dtype, sample(&s, &d, dtype)?);
        let _ = writeln!(
            body,
            r#"<section class="plot"><h3>{t}</h3>{h}{q}<p>Pearson chi-square over {k} bins: {c:.1} ({df} degrees of freedom). Bars: the sample; red steps: the exact mass per bin{g}; QQ: sample quantiles against the exact ones (red: y = x).</p></section>"#,
            t = esc(&f.title),
            h = histogram_svg(&f),
            q = qq_svg(&f),
            k = f.bins.len(),
            c = f.chi2.0,
            df = f.chi2.1,
            g = if f.curve.is_empty() {
                ""
            } else {
                "; green: the exact density"
            },
        );
    }
    Ok(format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>cbrng verify report</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:70em}}section.plot{{margin-bottom:1.5em}}svg.chart{{margin-right:1em;background:#fff}}pre{{background:#f4f4f4;padding:1em;overflow-x:auto}}</style>
</head>
<body>
<h1>cbrng verify report</h1>
<p>cbrng {v}, stream contract version {cv}. Plots: {algo}, seed 42, stream 0, elements [0, {n}) of each distribution and dtype of the verify matrix.</p>
<h2>Distributions</h2>
{body}<h2>The verify table</h2>
<pre>{table}</pre>
</body>
</html>
"#,
        v = env!("CARGO_PKG_VERSION"),
        cv = cbrng::stream::CONTRACT_VERSION,
        n = SAMPLES,
        table = esc(table),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_functions_match_known_values() {
        // Reference values: mpmath (ncdf, -sqrt(2) erfinv) to 16 digits.
        for (p, z) in [
            (0.975, 1.959_963_984_540_054),
            (0.01, -2.326_347_874_040_841),
            (0.999, 3.090_232_306_167_813),
            (0.5, 0.0),
            (1e-6, -4.753_424_308_822_899),
        ] {
            assert!(
                (normal_quantile(p) - z).abs() < 1e-8 * z.abs().max(1.0),
                "{p}"
            );
            assert!(
                (normal_cdf(z) - p).abs() < 1.2e-7 * p.max(1e-6) + 1e-12,
                "{z}"
            );
        }
    }
}
