//! cbrng::compat::curand against cuRAND's own header code.
//!
//! `tests/data/compat/curand/curand_philox_compat.txt` is what NVIDIA's
//! device-API code (curand_kernel.h of nvidia-curand-cu12 10.3.10.19),
//! compiled for the host, returns for sequences of calls on one state
//! (`make_vectors.sh`, `gen_curand_compat.cpp`). The normal draws are not in
//! it (the host build takes the headers' sinf/cosf branch, not the device's
//! __sincosf); their arithmetic is checked against an accurate reference below.

use cbrng::compat::curand::{
    Philox4x32_10, box_muller, box_muller_slices, curand_uniform_of, sin_cos_f32,
};

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

/// Words that reach every branch of the arithmetic: 0 and the top (u = 2^-33
/// and 1, the angle's ends), powers of two and their neighbours (u32 to
/// float rounding ties), and the middle.
fn edge_words() -> Vec<u32> {
    let mut w = vec![
        0,
        1,
        2,
        3,
        u32::MAX,
        u32::MAX - 1,
        u32::MAX - 127,
        u32::MAX - 128,
    ];
    for k in 0..32 {
        let p = 1u32 << k;
        w.extend([p, p.wrapping_sub(1), p.wrapping_add(1), p | (p >> 1)]);
    }
    for k in 24..32 {
        // Just around the u32 -> f32 ties at this magnitude.
        let half = 1u32 << (k - 24);
        w.extend([
            (1u32 << k) + half,
            (1u32 << k) + 3 * half,
            (1u32 << k) + half - 1,
        ]);
    }
    w
}

#[test]
fn box_muller_slices_equal_box_muller() {
    // Every pair of edge words, then 10^6 pseudo-random pairs, in slices of
    // several lengths (the vector loops' tails).
    let e = edge_words();
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for &a in &e {
        for &b in &e {
            xs.push(a);
            ys.push(b);
        }
    }
    let mut s = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..1_000_000 {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        xs.push(s as u32);
        ys.push((s >> 32) as u32);
    }
    let mut o0 = vec![0f32; xs.len()];
    let mut o1 = vec![0f32; xs.len()];
    let mut at = 0;
    for len in [1usize, 2, 3, 7, 8, 15, 16, 17, 63, 256, 1000]
        .iter()
        .cycle()
    {
        if at == xs.len() {
            break;
        }
        let end = (at + len).min(xs.len());
        box_muller_slices(
            &xs[at..end],
            &ys[at..end],
            &mut o0[at..end],
            &mut o1[at..end],
        )
        .unwrap();
        at = end;
    }
    assert!(box_muller_slices(&xs[..3], &ys[..2], &mut o0[..3], &mut o1[..3]).is_err());
    for k in 0..xs.len() {
        let want = box_muller(xs[k], ys[k]);
        assert_eq!(
            [o0[k].to_bits(), o1[k].to_bits()],
            [want[0].to_bits(), want[1].to_bits()],
            "x {:#x} y {:#x}",
            xs[k],
            ys[k]
        );
    }
}

#[test]
fn sin_cos_f32_is_the_c_library_sine_and_cosine() {
    // One sincosf call where glibc has it: the same bits as sinf and cosf
    // (tests/data/compat/curand/check_sincosf.c checks every float in [0, 7]).
    let mut x = 0x1234_5678u32;
    let mut vs: Vec<f32> = vec![
        0.0,
        f32::MIN_POSITIVE,
        1e-30,
        std::f32::consts::FRAC_PI_4,
        std::f32::consts::PI,
        std::f32::consts::TAU,
    ];
    for _ in 0..1_000_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        vs.push((x >> 8) as f32 * (7.0 / 16_777_216.0));
    }
    for v in vs {
        let (s, c) = sin_cos_f32(v);
        assert_eq!(
            (s.to_bits(), c.to_bits()),
            (v.sin().to_bits(), v.cos().to_bits()),
            "{v}"
        );
    }
}
