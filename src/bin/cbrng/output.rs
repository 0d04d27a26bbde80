//! Where every command's output goes, and the formats of `cbrng fill`.
//!
//! One checked writer ([`Output`]) for every command: standard output (no
//! `--out`, or `--out -`) or a file written atomically (a temporary file
//! beside the target, renamed into place on success and removed on any error
//! or on Ctrl-C). A write error is a `cbrng: error:` line, never a panic; a
//! closed pipe on standard output stops the program quietly with exit 0, as
//! `cat`, `seq` and `yes` do.

use cbrng::Error;
use cbrng::dist::{DType, Element};
use half::{bf16, f16};
use std::fmt;
use std::fs;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

static VERBOSE: AtomicBool = AtomicBool::new(false);
static QUIET: AtomicBool = AtomicBool::new(false);

/// Sets the global `--verbose` / `--quiet` flags.
pub fn set_flags(verbose: bool, quiet: bool) {
    VERBOSE.store(verbose, Ordering::Relaxed);
    QUIET.store(quiet, Ordering::Relaxed);
}

/// `--verbose`: say what is usually not worth a line (no CUDA driver, ...).
pub fn verbose() -> bool {
    VERBOSE.load(Ordering::Relaxed)
}

/// `--quiet`: no progress bar.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Temporary files not yet renamed into place, removed on Ctrl-C.
static TEMP_FILES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Removes every temporary file still open (the Ctrl-C/SIGTERM handler).
pub fn remove_temp_files() {
    if let Ok(files) = TEMP_FILES.lock() {
        for f in files.iter() {
            let _ = fs::remove_file(f);
        }
    }
}

fn forget_temp(path: &Path) {
    if let Ok(mut files) = TEMP_FILES.lock() {
        files.retain(|f| f != path);
    }
}

/// The name errors give standard output.
pub const STDOUT: &str = "<stdout>";

/// A write error as the program reports it. A closed pipe on standard output
/// is not an error: the reader has all it wants, so the program stops here,
/// quietly, with exit 0.
pub fn write_error(name: &str, e: io::Error) -> Error {
    if e.kind() == io::ErrorKind::BrokenPipe && name == STDOUT {
        std::process::exit(0);
    }
    Error::Io {
        path: name.to_string(),
        reason: e.to_string(),
    }
}

/// A file being written: the temporary beside the target, or (for targets
/// that are not regular files: /dev/null, a FIFO, a terminal) the target.
struct Atomic {
    tmp: PathBuf,
    target: PathBuf,
}

/// The checked writer every command writes through.
pub struct Output {
    w: Option<Box<dyn Write>>,
    name: String,
    atomic: Option<Atomic>,
    failed: Option<Error>,
}

impl Output {
    /// Standard output, buffered in big blocks (for bulk data).
    pub fn stdout_buffered() -> Output {
        Output {
            w: Some(Box::new(BufWriter::with_capacity(
                1 << 16,
                io::stdout().lock(),
            ))),
            name: STDOUT.into(),
            atomic: None,
            failed: None,
        }
    }

    /// Standard output, line by line (for reports read as they come).
    pub fn stdout() -> Output {
        Output {
            w: Some(Box::new(io::stdout().lock())),
            name: STDOUT.into(),
            atomic: None,
            failed: None,
        }
    }

    /// `--out PATH`: `None` or `-` is standard output; a regular file (new or
    /// existing) is written to a temporary file beside it and renamed into
    /// place by [`Output::finish`]; anything else (a device, a FIFO) is
    /// written directly.
    pub fn open(out: Option<&str>) -> Result<Output, Error> {
        let path = match out {
            None | Some("-") => return Ok(Output::stdout_buffered()),
            Some(p) => p,
        };
        let io_err = |p: &Path, e: io::Error| Error::Io {
            path: p.display().to_string(),
            reason: e.to_string(),
        };
        let given = Path::new(path);
        let existing = fs::metadata(given).ok();
        if let Some(m) = &existing
            && !m.is_file()
        {
            if m.is_dir() {
                return Err(io_err(given, io::Error::other("is a directory")));
            }
            let f = fs::OpenOptions::new()
                .write(true)
                .open(given)
                .map_err(|e| io_err(given, e))?;
            return Ok(Output {
                w: Some(Box::new(BufWriter::with_capacity(1 << 20, f))),
                name: path.into(),
                atomic: None,
                failed: None,
            });
        }
        // Through a symbolic link: replace the file it names, not the link.
        let target = match &existing {
            Some(_) => fs::canonicalize(given).map_err(|e| io_err(given, e))?,
            None => given.to_path_buf(),
        };
        let file_name = target
            .file_name()
            .ok_or_else(|| io_err(given, io::Error::other("not a file name")))?;
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(file_name);
        tmp_name.push(format!(".cbrng-{}.tmp", std::process::id()));
        let tmp = dir.join(tmp_name);
        // Registered before it exists, so Ctrl-C never leaves it behind.
        TEMP_FILES
            .lock()
            .map_err(|_| io_err(given, io::Error::other("lock poisoned")))?
            .push(tmp.clone());
        let file = match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => f,
            Err(e) => {
                forget_temp(&tmp);
                return Err(io_err(given, e));
            }
        };
        if let Some(m) = &existing {
            let _ = fs::set_permissions(&tmp, m.permissions());
        }
        Ok(Output {
            w: Some(Box::new(BufWriter::with_capacity(1 << 20, file))),
            name: path.into(),
            atomic: Some(Atomic { tmp, target }),
            failed: None,
        })
    }

    /// The underlying writer; map its errors with [`Output::err`].
    pub fn writer(&mut self) -> &mut dyn Write {
        self.w.as_mut().expect("written before finish").as_mut()
    }

    /// An error of this output's writer as the program reports it.
    pub fn err(&self, e: io::Error) -> Error {
        write_error(&self.name, e)
    }

    /// Writes formatted text (see the `out!` and `outln!` macros). The first
    /// error is kept, later text is dropped, and [`Output::finish`] returns
    /// it: a report's lines need no error handling each.
    pub fn print(&mut self, args: fmt::Arguments) {
        if self.failed.is_none() {
            let r = self.writer().write_fmt(args);
            if let Err(e) = r {
                self.failed = Some(self.err(e));
            }
        }
    }

    /// Writes bytes.
    pub fn bytes(&mut self, b: &[u8]) -> Result<(), Error> {
        let r = self.writer().write_all(b);
        r.map_err(|e| self.err(e))
    }

    /// Flushes everything and, for a file, moves it into place. Without this
    /// call (an error on the way) the temporary file is removed.
    pub fn finish(mut self) -> Result<(), Error> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        let mut w = self.w.take().expect("finish once");
        w.flush().map_err(|e| self.err(e))?;
        drop(w);
        if let Some(a) = &self.atomic {
            let f = fs::File::open(&a.tmp).map_err(|e| self.err(e))?;
            f.sync_all().map_err(|e| self.err(e))?;
            fs::rename(&a.tmp, &a.target).map_err(|e| self.err(e))?;
            forget_temp(&a.tmp);
            self.atomic = None;
        }
        Ok(())
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        if let Some(a) = self.atomic.take() {
            // Dropping the writer closes the file; a flush error here does not
            // matter, the file goes.
            drop(self.w.take());
            let _ = fs::remove_file(&a.tmp);
            forget_temp(&a.tmp);
        }
    }
}

/// `out!(o, "...", args)`: formatted text to an [`Output`].
#[macro_export]
macro_rules! out {
    ($o:expr, $($t:tt)*) => { $o.print(format_args!($($t)*)) };
}

/// `outln!(o, "...", args)`: a line to an [`Output`].
#[macro_export]
macro_rules! outln {
    ($o:expr) => { $o.print(format_args!("\n")) };
    ($o:expr, $($t:tt)*) => { $o.print(format_args!("{}\n", format_args!($($t)*))) };
}

/// A progress bar on stderr for work that runs more than about a second:
/// drawn only when stderr is a terminal and `--quiet` is not given.
pub struct Progress {
    total: u64,
    done: u64,
    start: std::time::Instant,
    enabled: bool,
    bar: Option<indicatif::ProgressBar>,
    unit: &'static str,
}

impl Progress {
    /// Progress over `total` units (`unit`: "elements", "bytes").
    pub fn new(total: u64, unit: &'static str) -> Progress {
        Progress {
            total,
            done: 0,
            start: std::time::Instant::now(),
            enabled: !quiet() && io::stderr().is_terminal(),
            bar: None,
            unit,
        }
    }

    /// `n` more units done.
    pub fn inc(&mut self, n: u64) {
        self.done += n;
        if !self.enabled {
            return;
        }
        if self.bar.is_none() && self.start.elapsed().as_secs_f64() > 1.0 {
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(self.total),
                indicatif::ProgressDrawTarget::stderr(),
            );
            let template = format!(
                "{{elapsed_precise}} [{{bar:40}}] {{human_pos}}/{{human_len}} {} (eta {{eta}})",
                self.unit
            );
            if let Ok(style) = indicatif::ProgressStyle::with_template(&template) {
                bar.set_style(style.progress_chars("=> "));
            }
            self.bar = Some(bar);
        }
        if let Some(b) = &self.bar {
            b.set_position(self.done);
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One element a line, lowercase hex, zero-padded; floats by IEEE bits,
    /// i32/i64 by two's complement bits, bool as 00/01.
    Hex,
    /// One element a line in decimal (i32/i64 signed, bool 0/1); floats in
    /// the shortest form that parses back to the same bits (NaN, inf, -inf
    /// as written).
    Text,
    /// Little-endian bytes (bool: one byte, 0 or 1).
    Raw,
    /// NumPy .npy (f16 as <f2, bf16 as <u2, i32 <i4, i64 <i8, bool |b1);
    /// --shape sets its shape.
    Npy,
}

/// An element as `hex` and `text` print it.
pub trait HexBits: Element {
    /// The bits `hex` prints.
    fn bits(self) -> u64;
    /// The decimal text `text` prints.
    fn decimal(self, s: &mut String);
}

/// The shortest decimal that reads back (rounded to nearest) as `x`, for a
/// half-precision type whose own Display goes through f32.
fn shortest_half(x: f32, back: impl Fn(f64) -> bool) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    for digits in 0..12 {
        let sci = format!("{x:.digits$e}");
        if let Ok(v) = sci.parse::<f64>()
            && back(v)
        {
            // Decimal notation of that value, shortest for f64 (the same digits).
            return v.to_string();
        }
    }
    x.to_string()
}

macro_rules! hex_bits {
    ($t:ty, |$x:ident| $e:expr, |$y:ident, $s:ident| $d:expr) => {
        impl HexBits for $t {
            fn bits(self) -> u64 {
                let $x = self;
                $e
            }
            fn decimal(self, $s: &mut String) {
                let $y = self;
                $d
            }
        }
    };
}
use std::fmt::Write as _;
hex_bits!(u32, |x| x.into(), |y, s| {
    let _ = write!(s, "{y}");
});
hex_bits!(u64, |x| x, |y, s| {
    let _ = write!(s, "{y}");
});
hex_bits!(u8, |x| x.into(), |y, s| {
    let _ = write!(s, "{y}");
});
// Signed integers: hex by their two's complement bits, text in signed decimal.
hex_bits!(i32, |x| (x as u32).into(), |y, s| {
    let _ = write!(s, "{y}");
});
hex_bits!(i64, |x| x as u64, |y, s| {
    let _ = write!(s, "{y}");
});
// bool: its byte (0 or 1) in both, as `np.savetxt(a, fmt="%d")` writes a
// bool array and `np.loadtxt(f, dtype=bool)` reads it back.
hex_bits!(bool, |x| x.into(), |y, s| {
    s.push(if y { '1' } else { '0' });
});
// Rust's float Display is the shortest text that parses back to the same bits.
hex_bits!(f32, |x| x.to_bits().into(), |y, s| {
    let _ = write!(s, "{y}");
});
hex_bits!(f64, |x| x.to_bits(), |y, s| {
    let _ = write!(s, "{y}");
});
hex_bits!(f16, |x| x.to_bits().into(), |y, s| {
    s.push_str(&shortest_half(y.to_f32(), |v| {
        f16::from_f64(v).to_bits() == y.to_bits()
    }))
});
hex_bits!(bf16, |x| x.to_bits().into(), |y, s| {
    s.push_str(&shortest_half(y.to_f32(), |v| {
        bf16::from_f64(v).to_bits() == y.to_bits()
    }))
});

fn npy_descr(d: DType) -> &'static str {
    match d {
        DType::U32 => "<u4",
        DType::U64 => "<u8",
        DType::F32 => "<f4",
        DType::F64 => "<f8",
        DType::F16 => "<f2",
        DType::BF16 => "<u2",
        DType::U8 => "|u1",
        DType::I32 => "<i4",
        DType::I64 => "<i8",
        DType::Bool => "|b1",
    }
}

/// A NumPy format 1.0 header for an array of `shape` (C order).
pub fn npy_header(dtype: DType, shape: &[u64]) -> Vec<u8> {
    let dims: String = match shape {
        [n] => format!("{n},"),
        _ => shape
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    };
    let mut dict = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': ({dims}), }}",
        npy_descr(dtype)
    );
    // Magic (6) + version (2) + length (2) + dict + '\n' is padded to 64 bytes.
    let total = 10 + dict.len() + 1;
    dict.push_str(&" ".repeat(total.next_multiple_of(64) - total));
    dict.push('\n');
    let mut h = b"\x93NUMPY\x01\x00".to_vec();
    h.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    h.extend_from_slice(dict.as_bytes());
    h
}

/// Writes a chunk of elements in `format` (the npy header is written once, before).
pub fn write_chunk<T: HexBits>(w: &mut dyn Write, format: Format, xs: &[T]) -> io::Result<()> {
    match format {
        Format::Hex => {
            let digits = 2 * T::DTYPE.size();
            for &x in xs {
                writeln!(w, "{:0digits$x}", x.bits())?;
            }
            Ok(())
        }
        Format::Text => {
            let mut s = String::with_capacity(xs.len() * 12);
            for &x in xs {
                x.decimal(&mut s);
                s.push('\n');
            }
            w.write_all(s.as_bytes())
        }
        // Every supported target is little-endian; the bytes are the values.
        Format::Raw | Format::Npy => w.write_all(bytemuck::cast_slice(xs)),
    }
}
