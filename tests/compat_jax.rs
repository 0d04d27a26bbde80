//! cbrng::compat::jax against real JAX 0.7.1 on the CPU.
//!
//! `tests/data/compat/jax/jax_0.7.1.txt` was written by
//! `tests/data/compat/jax/gen_jax_vectors.py` (see it for the format) under
//! all four settings of jax_enable_x64 and jax_threefry_partitionable.

use cbrng::compat::jax::{Config, Key, XlaLog};
use half::{bf16, f16};

const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/compat/jax/jax_0.7.1.txt"
);

fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01B3);
    }
    h
}

/// (width in bytes, bits) of each element cbrng makes for one reference line.
fn make(key: Key, cfg: Config, f: &str, dt: &str, n: usize) -> Vec<(usize, u64)> {
    fn w<T: Copy>(v: Vec<T>, bytes: usize, bits: impl Fn(T) -> u64) -> Vec<(usize, u64)> {
        v.into_iter().map(|x| (bytes, bits(x))).collect()
    }
    match (f, dt) {
        ("key", _) => key.data().iter().map(|&k| (4, u64::from(k))).collect(),
        ("bits", "u8") => {
            let mut v = vec![0u8; n];
            key.bits_u8(cfg, &mut v).unwrap();
            w(v, 1, u64::from)
        }
        ("bits", "u16") => {
            let mut v = vec![0u16; n];
            key.bits_u16(cfg, &mut v).unwrap();
            w(v, 2, u64::from)
        }
        ("bits", "u32") => {
            let mut v = vec![0u32; n];
            key.bits_u32(cfg, &mut v).unwrap();
            w(v, 4, u64::from)
        }
        ("bits", "u64") => {
            let mut v = vec![0u64; n];
            key.bits_u64(cfg, &mut v).unwrap();
            w(v, 8, |x| x)
        }
        ("uniform", "f32") => {
            let mut v = vec![0f32; n];
            key.uniform_f32(cfg, &mut v).unwrap();
            w(v, 4, |x| u64::from(x.to_bits()))
        }
        ("uniform", "f64") => {
            let mut v = vec![0f64; n];
            key.uniform_f64(cfg, &mut v).unwrap();
            w(v, 8, f64::to_bits)
        }
        ("uniform", "f16") => {
            let mut v = vec![f16::ZERO; n];
            key.uniform_f16(cfg, &mut v).unwrap();
            w(v, 2, |x| u64::from(x.to_bits()))
        }
        ("uniform", "bf16") => {
            let mut v = vec![bf16::ZERO; n];
            key.uniform_bf16(cfg, &mut v).unwrap();
            w(v, 2, |x| u64::from(x.to_bits()))
        }
        ("normal", "f32") => {
            let mut v = vec![0f32; n];
            key.normal_f32(cfg, &mut v).unwrap();
            w(v, 4, |x| u64::from(x.to_bits()))
        }
        ("normal", "f64") => {
            let mut v = vec![0f64; n];
            key.normal_f64(cfg, &mut v).unwrap();
            w(v, 8, f64::to_bits)
        }
        other => panic!("unknown case {other:?}"),
    }
}

struct Line {
    no: usize,
    cfg: Config,
    seed: i128,
    derive: String,
    f: String,
    dt: String,
    n: usize,
    shape: String,
    want: String,
}

fn lines() -> Vec<Line> {
    let text = std::fs::read_to_string(DATA).expect("data file is in the repository");
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty())
        .map(|(i, l)| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 8, "{DATA}:{}", i + 1);
            let n = f[6]
                .split(',')
                .filter(|s| !s.is_empty())
                .map(|s| s.parse::<usize>().unwrap())
                .product();
            Line {
                no: i + 1,
                cfg: Config {
                    x64: f[0] == "1",
                    partitionable: f[1] == "1",
                },
                seed: f[2].parse().unwrap(),
                derive: f[3].into(),
                f: f[4].into(),
                dt: f[5].into(),
                n,
                shape: f[6].into(),
                want: f[7].into(),
            }
        })
        .collect()
}

fn check(l: &Line) -> Result<(), String> {
    let key = Key::from_seed(l.seed, l.cfg)
        .unwrap()
        .derive(&l.derive, l.cfg)
        .unwrap();
    let got = make(key, l.cfg, &l.f, &l.dt, l.n);
    let got = if let Some(h) = l.want.strip_prefix("fnv:") {
        let bytes: Vec<u8> = got
            .iter()
            .flat_map(|&(w, x)| x.to_le_bytes()[..w].to_vec())
            .collect();
        (format!("{:016x}", fnv1a64(&bytes)), h.to_string())
    } else {
        let hex: Vec<String> = got
            .iter()
            .map(|&(w, x)| format!("{x:0width$x}", width = 2 * w))
            .collect();
        (hex.join(" "), l.want.clone())
    };
    if got.0 == got.1 {
        Ok(())
    } else {
        Err(format!(
            "{DATA}:{}: x64={} partitionable={} seed {} derive {} {} {} n={}",
            l.no, l.cfg.x64, l.cfg.partitionable, l.seed, l.derive, l.f, l.dt, l.n
        ))
    }
}

#[test]
fn keys_bits_and_uniform_match_jax_0_7_1() {
    let all = lines();
    let mut n = 0;
    let mut fails = Vec::new();
    for l in all.iter().filter(|l| l.f != "normal") {
        if let Err(e) = check(l) {
            fails.push(e);
        }
        n += 1;
    }
    assert!(
        fails.is_empty(),
        "{} of {n} differ:\n{}",
        fails.len(),
        fails.join("\n")
    );
    assert!(n >= 300, "only {n} cases");
    for (f, dt) in [
        ("key", "u32"),
        ("bits", "u8"),
        ("bits", "u16"),
        ("bits", "u32"),
        ("bits", "u64"),
        ("uniform", "f16"),
        ("uniform", "bf16"),
        ("uniform", "f32"),
        ("uniform", "f64"),
    ] {
        for x64 in [false, true] {
            for p in [false, true] {
                let any = all.iter().any(|l| {
                    l.f == f
                        && l.dt == dt
                        && l.cfg.partitionable == p
                        && (l.cfg.x64 == x64 || dt.ends_with("64"))
                });
                assert!(any, "no case for {f} {dt} x64={x64} partitionable={p}");
            }
        }
    }
}

/// Every `normal` float32 JAX made here equals, bit for bit, one of the two
/// kernels XLA:CPU emits (vectorized with `logf`, scalar with its inline
/// log); for 1-D shapes with jax_threefry_partitionable (JAX's default) the
/// automatic choice (`Key::normal_f32`) is the one JAX made.
#[test]
fn normal_f32_matches_jax_0_7_1_on_cpu() {
    let all = lines();
    let mut n = 0;
    let mut auto_checked = 0;
    let mut fails = Vec::new();
    for l in all.iter().filter(|l| l.f == "normal" && l.dt == "f32") {
        let key = Key::from_seed(l.seed, l.cfg)
            .unwrap()
            .derive(&l.derive, l.cfg)
            .unwrap();
        let hash_or_hex = |v: &[f32]| {
            if l.want.starts_with("fnv:") {
                let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
                format!("fnv:{:016x}", fnv1a64(&bytes))
            } else {
                v.iter()
                    .map(|x| format!("{:08x}", x.to_bits()))
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        };
        let mut which = Vec::new();
        for log in [XlaLog::Libm, XlaLog::Inline] {
            let mut v = vec![0f32; l.n];
            key.normal_f32_with(l.cfg, log, &mut v).unwrap();
            if hash_or_hex(&v) == l.want {
                which.push(log);
            }
        }
        if which.is_empty() {
            fails.push(format!("line {}: neither kernel (n={})", l.no, l.n));
        }
        let one_d = !l.shape.contains(',');
        if l.cfg.partitionable && one_d {
            let mut v = vec![0f32; l.n];
            key.normal_f32(l.cfg, &mut v).unwrap();
            if hash_or_hex(&v) != l.want {
                fails.push(format!(
                    "line {}: automatic kernel choice wrong (n={}, JAX used {which:?})",
                    l.no, l.n
                ));
            }
            auto_checked += 1;
        }
        n += 1;
    }
    assert!(
        n >= 40 && auto_checked >= 16,
        "only {n} cases, {auto_checked} automatic"
    );
    assert!(
        fails.is_empty(),
        "{} of {n}:\n{}",
        fails.len(),
        fails.join("\n")
    );
}

/// float64 `normal`: XLA:CPU's kernels call the C library's `log` at every
/// size in the reference data (unlike float32), and cbrng matches them all.
#[test]
fn normal_f64_matches_jax_0_7_1_on_cpu() {
    let all = lines();
    let mut matched = Vec::new();
    let mut other = Vec::new();
    for l in all.iter().filter(|l| l.f == "normal" && l.dt == "f64") {
        match check(l) {
            Ok(()) => matched.push((l.cfg.partitionable, l.shape.clone())),
            Err(_) => other.push((l.cfg.partitionable, l.shape.clone())),
        }
    }
    assert!(other.is_empty(), "normal f64 differs for {other:?}");
    for p in [false, true] {
        for shape in ["", "7", "3,5", "1000", "1175", "2000", "3,401"] {
            assert!(
                matched.contains(&(p, shape.to_string())),
                "normal f64 partitionable={p} shape [{shape}] missing from the data"
            );
        }
    }
}

#[test]
fn bad_seeds_and_steps_are_errors() {
    let cfg = Config::default();
    assert!(Key::from_seed(1i128 << 64, cfg).is_err());
    assert!(Key::from_seed(-(1i128 << 63) - 1, cfg).is_err());
    let k = Key::from_seed(0, cfg).unwrap();
    for bad in [
        "split:2:2",
        "fold_in:-1",
        "fold_in:4294967296",
        "split:2",
        "gamma:1",
        "split:0:0",
    ] {
        let e = k.derive(bad, cfg).unwrap_err().to_string();
        assert!(e.starts_with("jax: "), "{bad}: {e}");
    }
    let mut v = [0u64; 2];
    assert!(k.bits_u64(cfg, &mut v).is_err(), "u64 needs x64");
    // Past the end of what one threefry_2x32 call covers (2^32-2 words): JAX
    // changes method there; cbrng says so instead of wrapping the counter.
    let original = Config {
        x64: false,
        partitionable: false,
    };
    let e = k.split(1 << 31, 0, original).unwrap_err().to_string();
    assert!(e.contains("2^31-1 keys"), "{e}");
    assert!(
        k.split(1 << 40, (1 << 40) - 1, cfg).is_ok(),
        "partitionable split has no such limit"
    );
}
