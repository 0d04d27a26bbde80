//! cbrng::compat::curand against cuRAND's own header code.
//!
//! `tests/data/compat/curand/curand_philox_compat.txt` is what NVIDIA's
//! device-API code (curand_kernel.h of nvidia-curand-cu12 10.3.10.19),
//! compiled for the host, returns for sequences of calls on one state
//! (`make_vectors.sh`, `gen_curand_compat.cpp`). The normal draws are not in
//! it (the host build takes the headers' sinf/cosf branch, not the device's
//! __sincosf); their arithmetic is checked against an accurate reference below.

use cbrng::compat::curand::{Philox4x32_10, box_muller, curand_uniform_of};

const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/compat/curand/curand_philox_compat.txt"
);

#[test]
fn raw_and_uniform_draws_match_curand_headers() {
    let text = std::fs::read_to_string(DATA).expect("data file is in the repository");
    let mut cases = 0;
    let mut seen = std::collections::BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let (head, want) = line.split_once(" : ").expect("' : ' separator");
        let f: Vec<&str> = head.split(' ').collect();
        let num = |s: &str| s.parse::<u64>().unwrap();
        let mut st = Philox4x32_10::init(num(f[0]), num(f[1]), num(f[2]));
        let mut got: Vec<String> = Vec::new();
        for call in f[3].split(',') {
            seen.insert(call.to_string());
            match call {
                "curand" => got.push(format!("{:08x}", st.next_u32())),
                "curand4" => got.extend(st.next_u32x4().iter().map(|v| format!("{v:08x}"))),
                "uniform" => got.push(format!("{:08x}", st.uniform().to_bits())),
                "uniform4" => {
                    got.extend(st.uniform4().iter().map(|v| format!("{:08x}", v.to_bits())))
                }
                "uniform_double" => got.push(format!("{:016x}", st.uniform_double().to_bits())),
                "uniform2_double" => got.extend(
                    st.uniform2_double()
                        .iter()
                        .map(|v| format!("{:016x}", v.to_bits())),
                ),
                other => panic!("unknown call {other}"),
            }
        }
        assert_eq!(got.join(" "), want, "{DATA}:{}: {head}", i + 1);
        cases += 1;
    }
    assert!(cases >= 600, "only {cases} cases");
    assert_eq!(seen.len(), 6, "calls covered: {seen:?}");
}

#[test]
fn uniform_is_in_the_documented_range() {
    assert_eq!(curand_uniform_of(0), 2f32.powi(-33));
    assert_eq!(curand_uniform_of(u32::MAX), 1.0);
}

/// The CPU's Box-Muller (`box_muller`: C library logf, accurate sin/cos, the
/// device's FMA for v) against the same formula computed in double and
/// rounded once per output: how many outputs are exact and the worst ulp.
/// (A GPU's `__sincosf` is not an accurate sine; its values can only be
/// compared on a GPU.)
#[test]
fn box_muller_cpu_accuracy_is_measured() {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x as u32
    };
    let (mut exact, mut worst, n) = (0u64, 0i64, 200_000u64);
    for _ in 0..n / 2 {
        let (a, b) = (next(), next());
        let got = box_muller(a, b);
        let u = f64::from(curand_uniform_of(a));
        let v = f64::from((b as f32).mul_add(
            cbrng::compat::curand::CURAND_2POW32_INV_2PI,
            cbrng::compat::curand::CURAND_2POW32_INV_2PI / 2.0,
        ));
        let s = (-2.0 * u.ln()).sqrt();
        let want = [(v.sin() * s) as f32, (v.cos() * s) as f32];
        for k in 0..2 {
            let d =
                (i64::from(got[k].to_bits() as i32) - i64::from(want[k].to_bits() as i32)).abs();
            if d == 0 {
                exact += 1;
            }
            worst = worst.max(d);
        }
    }
    let frac = exact as f64 / n as f64;
    println!(
        "box_muller on the CPU: {:.4} exact, worst {worst} ulp, of {n}",
        frac
    );
    assert!(worst <= 2, "worst {worst} ulp");
    assert!(frac > 0.6, "only {frac} exact"); // measured: 0.649, worst 2 ulp
}

#[test]
fn normal_pairs_and_spares_follow_the_header() {
    // curand_normal returns the first of a pair, then its spare, with no draw.
    let mut a = Philox4x32_10::init(5, 6, 7);
    let mut b = a.clone();
    let p = b.normal2();
    assert_eq!(a.normal().to_bits(), p[0].to_bits());
    assert_eq!(a.normal().to_bits(), p[1].to_bits());
    assert_eq!(a.next_u32(), b.next_u32());
    // normal4 is Box-Muller on the two pairs of curand4.
    let mut c = Philox4x32_10::init(5, 6, 7);
    let mut d = c.clone();
    let q = c.normal4();
    let r = d.next_u32x4();
    assert_eq!(q[..2], box_muller(r[0], r[1]));
    assert_eq!(q[2..], box_muller(r[2], r[3]));
}
