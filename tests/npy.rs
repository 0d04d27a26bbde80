//! The .npy header reader against real NumPy (issue 18, defect 3): every
//! case of tests/data/npy/cases.txt (written by gen_npy_cases.py with NumPy
//! 2.4) is replayed. Hand-written cases must get NumPy's verdict (or be
//! refused where the reader is stricter by design); for random mutants,
//! whatever cbrng accepts NumPy accepts with the same dtype and count.
#![cfg(feature = "cli")]
use cbrng::npy::{NpyType, read_header};
use std::process::Command;

struct Case {
    kind: String,
    major: u8,
    minor: u8,
    data: usize,
    header: Vec<u8>,
    numpy: Option<(String, u64)>,
}

fn cases() -> Vec<Case> {
    let text = include_str!("data/npy/cases.txt");
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            let hex = f[4];
            let header = if hex == "-" {
                Vec::new()
            } else {
                (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                    .collect()
            };
            Case {
                kind: f[0].into(),
                major: f[1].parse().unwrap(),
                minor: f[2].parse().unwrap(),
                data: f[3].parse().unwrap(),
                header,
                numpy: (f[5] == "ok").then(|| (f[6].to_string(), f[7].parse().unwrap())),
            }
        })
        .collect()
}

fn file_bytes(c: &Case) -> Vec<u8> {
    let mut b = b"\x93NUMPY".to_vec();
    b.extend([c.major, c.minor]);
    if c.major == 1 {
        b.extend((c.header.len() as u16).to_le_bytes());
    } else {
        b.extend((c.header.len() as u32).to_le_bytes());
    }
    b.extend(&c.header);
    b.extend(std::iter::repeat_n(1u8, c.data));
    b
}

/// What cbrng makes of a file: (dtype as NumPy writes it, count) or the error.
fn cbrng_verdict(bytes: &[u8]) -> Result<(String, u64), String> {
    let h = read_header(&mut &bytes[..])?;
    let t = h.dtype.ok_or_else(|| {
        format!(
            "dtype {} not summable",
            cbrng::npy::escape(h.descr.as_bytes())
        )
    })?;
    let code = match t {
        NpyType::F32 => "f4",
        NpyType::F64 => "f8",
        NpyType::F16 => "f2",
        NpyType::U16 => "u2",
    };
    let have = bytes.len() as u64 - h.data_offset;
    if h.count
        .checked_mul(t.size() as u64)
        .is_none_or(|d| d > have)
    {
        return Err("data cut short".into());
    }
    Ok((
        format!("{}{code}", if h.big_endian { '>' } else { '<' }),
        h.count,
    ))
}

#[test]
fn header_verdicts_match_numpy() {
    let cases = cases();
    assert!(cases.len() > 600);
    let (mut fixed, mut stricter) = (0, 0);
    for (i, c) in cases.iter().enumerate() {
        let got = cbrng_verdict(&file_bytes(c));
        let what = format!(
            "case {i} ({}): {:?}",
            c.kind,
            String::from_utf8_lossy(&c.header)
        );
        if let Err(e) = &got {
            assert!(
                !e.contains('\n') && e.chars().all(|ch| (' '..='~').contains(&ch)),
                "{what}: message not one printable line: {e:?}"
            );
        }
        match c.kind.as_str() {
            "fixed" => {
                assert_eq!(got.as_ref().ok(), c.numpy.as_ref(), "{what}: cbrng {got:?}");
                fixed += 1;
            }
            "refuse" => {
                assert!(c.numpy.is_some() && got.is_err(), "{what}: cbrng {got:?}");
            }
            _ => {
                if let Ok(v) = &got {
                    assert_eq!(Some(v), c.numpy.as_ref(), "{what}: cbrng accepts");
                } else if let (Some(n), Err(e)) = (&c.numpy, &got) {
                    println!("stricter than NumPy ({n:?}): {what}: {e}");
                    stricter += 1;
                }
            }
        }
    }
    assert!(fixed > 50);
    println!("{stricter} mutants NumPy accepts and cbrng refuses by design");
}

fn npy(name: &str, header: &str, data: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!("cbrng-npy-{}-{name}.npy", std::process::id()));
    let mut b = b"\x93NUMPY\x01\x00".to_vec();
    b.extend((header.len() as u16).to_le_bytes());
    b.extend(header.as_bytes());
    b.extend(data);
    std::fs::write(&path, b).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn sum_refuses_duplicate_keys_and_reads_trailing_bytes_as_numpy_does() {
    let data: Vec<u8> = [1.0f32, 2.0, 3.0, 4.0]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let sum = |p: &str| {
        Command::new(env!("CARGO_BIN_EXE_cbrng"))
            .args(["sum", p, "--device", "cpu"])
            .output()
            .unwrap()
    };
    // The issue's reproducer: NumPy reads this as 2 f4 (the last descr; the
    // other 8 bytes after the data), cbrng used to read 2 f8 and exit 0.
    let dup = npy(
        "dup",
        "{'descr': '<f8', 'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n",
        &data,
    );
    let o = sum(&dup);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("given twice") && err.trim_end().lines().count() == 1,
        "{err}"
    );
    // Bytes after the data are not read (NumPy's rule): the sum of 4 f32.
    let mut more = data.clone();
    more.extend([0xff; 7]);
    let p = npy(
        "more",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }\n",
        &more,
    );
    let o = sum(&p);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).lines().next(),
        Some("10")
    );
    // Raw header bytes are escaped in the one-line message.
    let p = npy(
        "raw",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }\n\x1b[31m\r",
        &data,
    );
    let o = sum(&p);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        !err.contains('\x1b') && !err.contains('\r') && err.trim_end().lines().count() == 1,
        "{err:?}"
    );
    for p in [dup, p] {
        let _ = std::fs::remove_file(p);
    }
}
