//! Names of the kernels in `kernels/fill.cu` and the arguments they take: the
//! one place where the Rust side meets the kernels' extern "C" signatures.

use crate::dist::{DType, Distribution, Params, Prepared};
use crate::generator::{Algorithm, Family, Shape};

/// The generator part of a kernel name (`philox4x32`, `threefry2x64`, ...).
pub fn generator_name(algo: Algorithm) -> &'static str {
    match (algo.family(), algo.shape()) {
        (Family::Philox, Shape::X2x32) => "philox2x32",
        (Family::Philox, Shape::X4x32) => "philox4x32",
        (Family::Philox, Shape::X2x64) => "philox2x64",
        (Family::Philox, Shape::X4x64) => "philox4x64",
        (Family::Threefry, Shape::X2x32) => "threefry2x32",
        (Family::Threefry, Shape::X4x32) => "threefry4x32",
        (Family::Threefry, Shape::X2x64) => "threefry2x64",
        (Family::Threefry, Shape::X4x64) => "threefry4x64",
    }
}

/// The distribution part of a kernel name (`uniform_f32`, `int_u64`, ...), or
/// `None` for a pair the contract does not define.
///
/// The signed and bool dtypes have no kernels of their own: an i32/i64
/// element is the bits of the u32/u64 element of the same distribution (for
/// int, with `lo` passed as its two's complement bits, see [`fill_params`]:
/// the kernels' unsigned add wraps modulo 2^32 or 2^64, which gives the
/// exact signed sum because it fits the type), and a bool element is the
/// Bernoulli u8 byte, 0 or 1. So they run the unsigned kernels, which write
/// the same bytes as `Stream::fill`.
pub fn dist_name(dist: &Distribution, dtype: DType) -> Option<&'static str> {
    use DType::*;
    use Distribution as D;
    Some(match (dist, dtype) {
        (D::Bits, U32) => "bits_u32",
        (D::Bits, U64) => "bits_u64",
        (D::Bits, U8) => "bits_u8",
        (D::Bits, I32) => "bits_u32",
        (D::Bits, I64) => "bits_u64",
        (D::Uniform, F32) => "uniform_f32",
        (D::Uniform, F64) => "uniform_f64",
        (D::Uniform, F16) => "uniform_f16",
        (D::Uniform, BF16) => "uniform_bf16",
        (D::Normal { .. }, F32) => "normal_f32",
        (D::Normal { .. }, F64) => "normal_f64",
        (D::Bernoulli { .. }, U8 | Bool) => "bernoulli_u8",
        (D::Int { .. }, U8) => "int_u8",
        (D::Int { .. }, U32 | I32) => "int_u32",
        (D::Int { .. }, U64 | I64) => "int_u64",
        (D::Normal { .. }, F16) => "normal_f16",
        (D::Normal { .. }, BF16) => "normal_bf16",
        (D::UniformRange { .. }, F32) => "uniform_range_f32",
        (D::UniformRange { .. }, F64) => "uniform_range_f64",
        (D::Exponential { .. }, F32) => "exponential_f32",
        (D::Exponential { .. }, F64) => "exponential_f64",
        (D::LogNormal { .. }, F32) => "log_normal_f32",
        (D::LogNormal { .. }, F64) => "log_normal_f64",
        (D::Gumbel { .. }, F32) => "gumbel_f32",
        (D::Gumbel { .. }, F64) => "gumbel_f64",
        (D::Cauchy { .. }, F32) => "cauchy_f32",
        (D::Cauchy { .. }, F64) => "cauchy_f64",
        (D::Logistic { .. }, F32) => "logistic_f32",
        (D::Logistic { .. }, F64) => "logistic_f64",
        (D::Laplace { .. }, F32) => "laplace_f32",
        (D::Laplace { .. }, F64) => "laplace_f64",
        // Contract v3: the value is the same number in every dtype, and it
        // fits the dtype (prepare), so i32/i64 run the u32/u64 kernels.
        (D::Poisson { .. }, U32 | I32) => "poisson_u32",
        (D::Poisson { .. }, U64 | I64) => "poisson_u64",
        (D::Binomial { .. }, U32 | I32) => "binomial_u32",
        (D::Binomial { .. }, U64 | I64) => "binomial_u64",
        (D::UniformRange { .. }, F16) => "uniform_range_f16",
        (D::UniformRange { .. }, BF16) => "uniform_range_bf16",
        (D::TruncatedNormal { .. }, F32) => "truncated_normal_f32",
        (D::TruncatedNormal { .. }, F64) => "truncated_normal_f64",
        (D::Gamma { .. }, F32) => "gamma_f32",
        (D::Gamma { .. }, F64) => "gamma_f64",
        (D::ChiSquared { .. }, F32) => "chi_squared_f32",
        (D::ChiSquared { .. }, F64) => "chi_squared_f64",
        (D::StudentT { .. }, F32) => "student_t_f32",
        (D::StudentT { .. }, F64) => "student_t_f64",
        (D::Beta { .. }, F32) => "beta_f32",
        (D::Beta { .. }, F64) => "beta_f64",
        _ => return None,
    })
}

/// Every distribution part of a kernel name, in `fill.cu`'s order (contract
/// v1's 13, then v2's, then v3's).
pub const DIST_NAMES: [&str; 47] = [
    "bits_u32",
    "bits_u64",
    "bits_u8",
    "uniform_f32",
    "uniform_f64",
    "uniform_f16",
    "uniform_bf16",
    "normal_f32",
    "normal_f64",
    "bernoulli_u8",
    "int_u8",
    "int_u32",
    "int_u64",
    "normal_f16",
    "normal_bf16",
    "uniform_range_f32",
    "uniform_range_f64",
    "exponential_f32",
    "exponential_f64",
    "log_normal_f32",
    "log_normal_f64",
    "gumbel_f32",
    "gumbel_f64",
    "cauchy_f32",
    "cauchy_f64",
    "logistic_f32",
    "logistic_f64",
    "laplace_f32",
    "laplace_f64",
    "poisson_u32",
    "poisson_u64",
    "binomial_u32",
    "binomial_u64",
    "uniform_range_f16",
    "uniform_range_bf16",
    "categorical_u32",
    "categorical_u64",
    "truncated_normal_f32",
    "truncated_normal_f64",
    "gamma_f32",
    "gamma_f64",
    "chi_squared_f32",
    "chi_squared_f64",
    "student_t_f32",
    "student_t_f64",
    "beta_f32",
    "beta_f64",
];

/// The dtype part of the dropout kernels' names, in `dropout.cu`'s order.
pub const DROPOUT_DTYPES: [&str; 4] = ["f32", "f64", "f16", "bf16"];

/// `cbrng_dropout_<generator>_<dtype>`.
pub fn dropout_kernel_name(algo: Algorithm, dtype: DType) -> String {
    format!("cbrng_dropout_{}_{dtype}", generator_name(algo))
}

/// `cbrng_fill_<generator>_<dist>_<dtype>`.
pub fn fill_kernel_name(algo: Algorithm, prepared: &Prepared) -> String {
    let d = dist_name(&prepared.dist, prepared.dtype)
        .expect("Distribution::prepare admits only the contract's pairs");
    format!("cbrng_fill_{}_{d}", generator_name(algo))
}

/// `cbrng_kat_<generator>`.
pub fn kat_kernel_name(algo: Algorithm) -> String {
    format!("cbrng_kat_{}", generator_name(algo))
}

/// Every kernel of the generators' modules (`fill.cu` and `dropout.cu`):
/// 8 generators x (47 fills, 1 KAT kernel, 4 dropout kernels).
pub fn kernel_names() -> Vec<String> {
    let mut v = Vec::new();
    for a in Algorithm::all_default() {
        for d in DIST_NAMES {
            v.push(format!("cbrng_fill_{}_{d}", generator_name(a)));
        }
        v.push(kat_kernel_name(a));
        for dt in DROPOUT_DTYPES {
            v.push(format!("cbrng_dropout_{}_{dt}", generator_name(a)));
        }
    }
    v
}

/// The kernels' distribution parameters `(p0, p1, f0, f1)`: the Bernoulli
/// threshold, or the integer `lo` (as its 64-bit two's complement bits, so
/// a negative i32/i64 `lo` wraps the unsigned add to the signed sum) and
/// range (`r`, or `r - 1` for 64-bit output), or the normal mean and std, or
/// a contract v2 distribution's two real parameters, or (contract v3)
/// Poisson's `(0, k_max, lambda, 0)`, binomial's `(N, 0, P, 0)`, the
/// truncated normal's bounds `(f0, f1) = (a, b)` with the bits of its mean
/// and std in `p0`, `p1`; for uniform f16/bf16 the bounds are already rounded
/// to the 16-bit type.
pub fn fill_params(prepared: &Prepared) -> (u64, u64, f64, f64) {
    match prepared.params {
        Params::TruncNormal { a, b, mean, std } => (mean.to_bits(), std.to_bits(), a, b),
        Params::None => (0, 0, 0.0, 0.0),
        Params::Normal { mean, std } => (0, 0, mean, std),
        Params::Real { a, b } => (0, 0, a, b),
        Params::Poisson { lambda, kmax } => (0, kmax, lambda, 0.0),
        Params::Binomial { n, p } => (n, 0, p, 0.0),
        Params::Threshold(t) => (t, 0, 0.0, 0.0),
        Params::Int { lo, range } => {
            // lo is within the dtype (prepare checked it): its low 64 bits.
            let lo = lo as u64;
            if matches!(prepared.dtype, DType::U64 | DType::I64) {
                (lo, (range - 1) as u64, 0.0, 0.0)
            } else {
                (lo, range as u64, 0.0, 0.0)
            }
        }
    }
}

/// The round counts of the module holding `algo`'s kernels: its own for its
/// family, the default for the other, so default generators share a module.
pub fn module_rounds(algo: Algorithm) -> (u32, u32) {
    match algo.family() {
        Family::Philox => (algo.rounds(), Family::Threefry.default_rounds()),
        Family::Threefry => (Family::Philox.default_rounds(), algo.rounds()),
    }
}

/// The `-D` definitions of the module that holds `algo`'s kernels only (its
/// fills and its KAT kernel) at its round count.
pub fn module_defines(algo: Algorithm) -> Vec<(String, String)> {
    let (p, t) = module_rounds(algo);
    vec![
        ("CBRNG_ONLY_GENERATOR".into(), "1".into()),
        (format!("CBRNG_GEN_{}", generator_name(algo)), "1".into()),
        ("CBRNG_PHILOX_ROUNDS".into(), p.to_string()),
        ("CBRNG_THREEFRY_ROUNDS".into(), t.to_string()),
    ]
}

/// Output elements one thread makes per group (the `E` of `cbrng_plan` in
/// kernels/cbrng/fill.cuh, mirrored here to size the grid).
///
/// A rejection sampler ([`crate::dist::Layout::Attempts`]) makes one element per thread.
pub fn group_elements(algo: Algorithm, prepared: &Prepared) -> u64 {
    // A rejection sampler's kernel makes one element per thread step.
    if let crate::dist::Layout::Attempts { .. } = prepared.layout {
        return 1;
    }
    let name = dist_name(&prepared.dist, prepared.dtype).unwrap_or("bits_u32");
    group_elements_of(algo, name, prepared.dtype)
}

/// [`group_elements`] of the kernel `cbrng_fill_<generator>_<name>` writing
/// `dtype` (also the categorical kernels, which have no [`Prepared`]).
pub fn group_elements_of(algo: Algorithm, name: &str, dtype: DType) -> u64 {
    let u: u64 = (algo.shape().words() as u64) * u64::from(algo.shape().word_bits() / 32);
    let (w, p): (u64, u64) = match name {
        "bits_u64" | "uniform_f64" | "normal_f64" | "int_u32" => (2, 1),
        "categorical_u32" | "categorical_u64" => (2, 1),
        "int_u64" => (4, 1),
        "bits_u8" => (1, 4),
        "uniform_f16" | "uniform_bf16" => (1, 2),
        n if n.ends_with("_f64") => (2, 1), // contract v2: one u64 element each
        _ => (1, 1),
    };
    let min_g = if w > u { w / u } else { 1 };
    let min_e = min_g * u * p / w;
    let min_bytes = min_e * dtype.size() as u64;
    let g = if min_bytes >= 16 {
        min_g
    } else {
        min_g * (16 / min_bytes)
    };
    g * u * p / w
}

/// The kernels of `kernels/shuffle.cu` (the permutation's gathers by element
/// size, then its index and inverse kernels).
pub const SHUFFLE_KERNEL_NAMES: [&str; 7] = [
    "cbrng_permute_gather_1",
    "cbrng_permute_gather_2",
    "cbrng_permute_gather_4",
    "cbrng_permute_gather_8",
    "cbrng_permute_gather_16",
    "cbrng_permutation_indices",
    "cbrng_permutation_inverses",
];
