//! Statistics shared by the distribution tests (statistics_v2, _gamma,
//! _truncnorm): sample moments and the KS and Anderson–Darling p-values.
//! Included with `#[path = "common/stats.rs"] mod stats;`.

/// Sample (mean, variance, skewness, excess kurtosis), computed about the
/// first value (a shift) so that far-tail samples keep their accuracy.
pub fn sample_moments(v: &[f64]) -> [f64; 4] {
    let n = v.len() as f64;
    let shift = v[0];
    let m = v.iter().map(|x| x - shift).sum::<f64>() / n;
    let (mut m2, mut m3, mut m4) = (0.0, 0.0, 0.0);
    for &x in v {
        let d = (x - shift) - m;
        let d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
    }
    let (m2, m3, m4) = (m2 / n, m3 / n, m4 / n);
    [shift + m, m2, m3 / m2.powf(1.5), m4 / (m2 * m2) - 3.0]
}

/// Asymptotic Kolmogorov p-value of distance `d` on `n` samples (with
/// Stephens' correction).
pub fn ks_p(d: f64, n: usize) -> f64 {
    let sn = (n as f64).sqrt();
    let l = (sn + 0.12 + 0.11 / sn) * d;
    let mut p = 0.0;
    for k in 1..=100 {
        let t = 2.0 * (-2.0 * (k * k) as f64 * l * l).exp();
        p += if k % 2 == 1 { t } else { -t };
    }
    p.clamp(0.0, 1.0)
}

/// Anderson-Darling p-value (Marsaglia and Marsaglia 2004, the limiting
/// distribution ADinf, accurate to about 1e-6 for a fully specified law).
pub fn ad_p(z: f64) -> f64 {
    let cdf = if z < 2.0 {
        (-1.2337141 / z).exp() / z.sqrt()
            * (2.00012
                + (0.247105 - (0.0649821 - (0.0347962 - (0.0116720 - 0.00168691 * z) * z) * z) * z)
                    * z)
    } else {
        (-(1.0776
            - (2.30695 - (0.43424 - (0.082433 - (0.008056 - 0.0003146 * z) * z) * z) * z) * z)
            .exp())
        .exp()
    };
    (1.0 - cdf).clamp(0.0, 1.0)
}
