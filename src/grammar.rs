//! The one grammar for the numbers and words that `cbrng`'s command line,
//! distribution specs and known-answer files hold. Each reader returns the
//! value or a one-line reason; nothing here panics.
//!
//! | kind | grammar | examples | not accepted |
//! |---|---|---|---|
//! | decimal integer | `0` or `[1-9][0-9]*`, within the type | `0`, `42` | `+5`, `-1`, `007`, `1e3`, ` 5` |
//! | signed decimal integer | `0` or `-?[1-9][0-9]*`, within the type | `0`, `-5`, `42` | `+5`, `-0`, `--1`, `-007` |
//! | hex word | optional `0x`/`0X` once, then `[0-9a-fA-F]+`, within the word size | `ff`, `0xFF`, `000000ff` | `+5`, `0x0x5`, `0x`, `-1` |
//! | real number | `-?D+(.D*)?([eE][+-]?D+)?` or `-?.D+(...)`, finite as f64 | `1`, `-0.5`, `2.5e-3`, `.5` | `+1`, `NaN`, `inf`, `1e999`, `0x10`, `1_0` |
//!
//! ```
//! use cbrng::grammar;
//! assert_eq!(grammar::decimal_u64("42"), Ok(42));
//! assert!(grammar::decimal_u64("+42").is_err());
//! assert_eq!(grammar::hex_word("0xff", 32), Ok(255));
//! assert!(grammar::hex_word("0x0xff", 32).is_err());
//! assert_eq!(grammar::real("-2.5e-1"), Ok(-0.25));
//! assert!(grammar::real("NaN").is_err());
//! ```

/// A text as an error message shows it: on one line, with control
/// characters, quotes, backslashes and non-ASCII escaped (`\n`, `\'`,
/// `\u{e9}`), cut after 60 characters.
pub fn escape(text: &str) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == 60 {
            out.push_str("...");
            break;
        }
        match c {
            ' '..='~' if c != '\'' && c != '\\' => out.push(c),
            _ => out.extend(c.escape_default()),
        }
    }
    out
}

/// [`escape`]d and in single quotes.
pub fn show(text: &str) -> String {
    format!("'{}'", escape(text))
}

/// A decimal integer: `0`, or a nonzero digit followed by digits (no sign,
/// no leading zero, no spaces), at most `u128::MAX`.
pub fn decimal_u128(text: &str) -> Result<u128, String> {
    let b = text.as_bytes();
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return Err(format!(
            "{} is not a decimal integer (digits only, no sign)",
            show(text)
        ));
    }
    if b.len() > 1 && b[0] == b'0' {
        return Err(format!(
            "{} has a leading zero (write decimal integers without one)",
            show(text)
        ));
    }
    b.iter()
        .try_fold(0u128, |v, &d| {
            v.checked_mul(10)?.checked_add(u128::from(d - b'0'))
        })
        .ok_or_else(|| format!("{} is too large", show(text)))
}

/// A decimal integer ([`decimal_u128`]'s grammar) below 2^64.
pub fn decimal_u64(text: &str) -> Result<u64, String> {
    let v = decimal_u128(text)?;
    u64::try_from(v).map_err(|_| format!("{} does not fit 64 bits", show(text)))
}

/// A signed decimal integer: `0`, or an optional `-` and a nonzero digit
/// followed by digits (no `+`, no `-0`, no leading zero, no spaces), within
/// `i128`.
///
/// ```
/// use cbrng::grammar::decimal_i128;
/// assert_eq!(decimal_i128("-5"), Ok(-5));
/// assert_eq!(decimal_i128("42"), Ok(42));
/// assert!(decimal_i128("-0").is_err());
/// assert!(decimal_i128("+5").is_err());
/// ```
pub fn decimal_i128(text: &str) -> Result<i128, String> {
    let Some(magnitude) = text.strip_prefix('-') else {
        let v = decimal_u128(text)?;
        return i128::try_from(v).map_err(|_| format!("{} is too large", show(text)));
    };
    if magnitude == "0" {
        return Err(format!("{} is not a decimal integer (write 0)", show(text)));
    }
    let m = decimal_u128(magnitude).map_err(|_| {
        format!(
            "{} is not a decimal integer (an optional '-', then digits)",
            show(text)
        )
    })?;
    0i128
        .checked_sub_unsigned(m)
        .ok_or_else(|| format!("{} is too small", show(text)))
}

/// A hex word of at most `bits` bits: an optional single `0x` (or `0X`),
/// then one or more hex digits (leading zeros allowed).
pub fn hex_word(text: &str, bits: u32) -> Result<u64, String> {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!("{} is not a hex word", show(text)));
    }
    let v = digits.bytes().try_fold(0u64, |v, c| {
        let d = (c as char).to_digit(16).expect("checked hex digit");
        v.checked_mul(16)?.checked_add(u64::from(d))
    });
    match v {
        Some(v) if bits >= 64 || v >> bits == 0 => Ok(v),
        _ => Err(format!("{} is wider than {bits} bits", show(text))),
    }
}

/// A finite real number in plain decimal notation (see the module table).
pub fn real(text: &str) -> Result<f64, String> {
    let bad = || {
        format!(
            "{} is not a number (decimal notation such as -1.5 or 2e-3, no '+' sign)",
            show(text)
        )
    };
    let b = text.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    let mut mantissa = digits(&mut i);
    if i < b.len() && b[i] == b'.' {
        i += 1;
        mantissa += digits(&mut i);
    }
    if mantissa == 0 {
        return Err(bad());
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return Err(bad());
        }
    }
    if i != b.len() {
        return Err(bad());
    }
    let v: f64 = text.parse().map_err(|_| bad())?;
    if !v.is_finite() {
        return Err(format!("{} is too large for an f64", show(text)));
    }
    Ok(v)
}
