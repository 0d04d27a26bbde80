//! The compat streams (`cbrng::compat`): NumPy's, JAX's, cuRAND's and
//! PyTorch's CUDA random numbers, replayed on the CPU into NumPy arrays.
//! `cbrng/compat.py` makes the arrays and gives the systems' own names.

use crate::arrays::{Kind, as_untyped, kind_of, slice_mut, write_view};
use crate::err;
use cbrng::compat::{curand, jax, numpy as np_compat, torch};
use half::{bf16, f16};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

/// Runs `$body` with `$s: &mut [$t]`, the memory of the output array `$out`
/// (borrowed as `$u`), when its kind is one of the listed ones.
macro_rules! with_out {
    ($out:expr, $what:expr, { $($k:pat => ($u:ty, $t:ty, |$s:ident| $body:expr)),+ $(,)? }) => {{
        let a = as_untyped($out)?;
        match kind_of(&a)? {
            $($k => {
                let mut v = write_view::<$u>(&a, "out")?;
                let $s: &mut [$t] = bytemuck::cast_slice_mut(slice_mut(&mut v)?);
                $body
            })+
            k => Err(PyTypeError::new_err(format!(
                "{} cannot produce dtype {}", $what, k.numpy_name()
            ))),
        }
    }};
}

/// `numpy.random.Generator(numpy.random.Philox(seed))`.
#[pyclass(name = "_NumpyGenerator", module = "cbrng.compat")]
struct NumpyGenerator {
    g: np_compat::Generator,
}

#[pymethods]
impl NumpyGenerator {
    #[new]
    fn new(seed: &str) -> PyResult<Self> {
        Ok(NumpyGenerator {
            g: np_compat::Generator::from_seed(seed).map_err(err)?,
        })
    }

    /// Philox's key and counter words.
    fn state(&self) -> ([u64; 2], [u64; 4]) {
        (
            self.g.bit_generator().key(),
            self.g.bit_generator().counter(),
        )
    }

    fn random(&mut self, out: &Bound<'_, PyAny>) -> PyResult<()> {
        with_out!(out, "numpy random", {
            Kind::F64 => (u64, f64, |s| { self.g.random_f64(s); Ok(()) }),
            Kind::F32 => (u32, f32, |s| { self.g.random_f32(s); Ok(()) }),
        })
    }

    fn standard_normal(&mut self, out: &Bound<'_, PyAny>) -> PyResult<()> {
        with_out!(out, "numpy standard_normal", {
            Kind::F64 => (u64, f64, |s| { self.g.standard_normal_f64(s); Ok(()) }),
            Kind::F32 => (u32, f32, |s| { self.g.standard_normal_f32(s); Ok(()) }),
        })
    }

    /// `integers(low, high, size, dtype, endpoint)` as the elements' bits in u64.
    fn integers(
        &mut self,
        low: i128,
        high: i128,
        endpoint: bool,
        dtype: &str,
        out: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let dt = np_compat::IntDType::parse(dtype).map_err(err)?;
        with_out!(out, "numpy integers (bits)", {
            Kind::U64 => (u64, u64, |s| self.g.integers(low, high, endpoint, dt, s).map_err(err)),
        })
    }
}

/// A `jax.random` threefry2x32 key and the flags that change its streams.
#[pyclass(frozen, eq, name = "_JaxKey", module = "cbrng.compat")]
#[derive(Clone, PartialEq)]
pub(crate) struct JaxKey {
    pub(crate) key: jax::Key,
    pub(crate) cfg: jax::Config,
}

#[pymethods]
impl JaxKey {
    #[new]
    #[pyo3(signature = (seed, x64 = false, partitionable = true))]
    fn new(seed: i128, x64: bool, partitionable: bool) -> PyResult<Self> {
        let cfg = jax::Config { x64, partitionable };
        Ok(JaxKey {
            key: jax::Key::from_seed(seed, cfg).map_err(err)?,
            cfg,
        })
    }

    /// `jax.random.key_data(key)`.
    fn data(&self) -> [u32; 2] {
        self.key.data()
    }

    #[getter]
    fn x64(&self) -> bool {
        self.cfg.x64
    }

    #[getter]
    fn partitionable(&self) -> bool {
        self.cfg.partitionable
    }

    /// `jax.random.fold_in(key, data)`.
    fn fold_in(&self, data: u32) -> Self {
        JaxKey {
            key: self.key.fold_in(data),
            cfg: self.cfg,
        }
    }

    /// `jax.random.split(key, num)[index]`.
    fn split_at(&self, num: u64, index: u64) -> PyResult<Self> {
        Ok(JaxKey {
            key: self.key.split(num, index, self.cfg).map_err(err)?,
            cfg: self.cfg,
        })
    }

    fn bits(&self, out: &Bound<'_, PyAny>) -> PyResult<()> {
        let (k, c) = (self.key, self.cfg);
        with_out!(out, "jax bits", {
            Kind::U8 => (u8, u8, |s| k.bits_u8(c, s).map_err(err)),
            Kind::U16 => (u16, u16, |s| k.bits_u16(c, s).map_err(err)),
            Kind::U32 => (u32, u32, |s| k.bits_u32(c, s).map_err(err)),
            Kind::U64 => (u64, u64, |s| k.bits_u64(c, s).map_err(err)),
        })
    }

    fn uniform(&self, out: &Bound<'_, PyAny>) -> PyResult<()> {
        let (k, c) = (self.key, self.cfg);
        with_out!(out, "jax uniform", {
            Kind::F32 => (u32, f32, |s| k.uniform_f32(c, s).map_err(err)),
            Kind::F64 => (u64, f64, |s| k.uniform_f64(c, s).map_err(err)),
            Kind::F16 => (u16, f16, |s| k.uniform_f16(c, s).map_err(err)),
            Kind::BF16 | Kind::U16 => (u16, bf16, |s| k.uniform_bf16(c, s).map_err(err)),
        })
    }

    #[pyo3(signature = (out, backend = "cpu"))]
    fn normal(&self, out: &Bound<'_, PyAny>, backend: &str) -> PyResult<()> {
        let b = match backend {
            "cpu" => jax::Backend::Cpu,
            "gpu" => jax::Backend::Gpu,
            other => {
                return Err(PyValueError::new_err(format!(
                    "jax normal: unknown backend '{other}' (expected 'cpu' or 'gpu')"
                )));
            }
        };
        let (k, c) = (self.key, self.cfg);
        with_out!(out, "jax normal", {
            Kind::F32 => (u32, f32, |s| k.normal_f32_on(c, b, s).map_err(err)),
            Kind::F64 => (u64, f64, |s| k.normal_f64_on(c, b, s).map_err(err)),
        })
    }
}

/// cuRAND's device-API Philox4_32_10 state after `curand_init`.
#[pyclass(name = "_CurandPhilox", module = "cbrng.compat")]
struct CurandPhilox {
    st: curand::Philox4x32_10,
}

#[pymethods]
impl CurandPhilox {
    #[new]
    #[pyo3(signature = (seed, subsequence = 0, offset = 0))]
    fn new(seed: u64, subsequence: u64, offset: u64) -> Self {
        CurandPhilox {
            st: curand::Philox4x32_10::init(seed, subsequence, offset),
        }
    }

    fn skipahead(&mut self, n: u64) {
        self.st.skipahead(n)
    }

    fn skipahead_sequence(&mut self, n: u64) {
        self.st.skipahead_sequence(n)
    }

    /// `out.size` calls of `func` (`uniform4` and `normal2`: out.size / 4
    /// and / 2 calls).
    #[pyo3(signature = (func, out, mean = 0.0, std = 1.0))]
    fn calls(&mut self, func: &str, out: &Bound<'_, PyAny>, mean: f32, std: f32) -> PyResult<()> {
        let st = &mut self.st;
        let whole = |s: usize, k: usize| -> PyResult<()> {
            if s.is_multiple_of(k) {
                Ok(())
            } else {
                Err(PyValueError::new_err(format!(
                    "curand: {func} gives {k} values a call; out.size {s} is not a multiple of {k}"
                )))
            }
        };
        match func {
            "curand" => with_out!(out, "curand", {
                Kind::U32 => (u32, u32, |s| { s.iter_mut().for_each(|x| *x = st.next_u32()); Ok(()) }),
            }),
            "uniform" | "normal" | "log_normal" => with_out!(out, func, {
                Kind::F32 => (u32, f32, |s| {
                    for x in s.iter_mut() {
                        *x = match func {
                            "uniform" => st.uniform(),
                            "normal" => st.normal(),
                            _ => st.log_normal(mean, std),
                        };
                    }
                    Ok(())
                }),
            }),
            "uniform4" | "normal2" => with_out!(out, func, {
                Kind::F32 => (u32, f32, |s| {
                    let k = if func == "uniform4" { 4 } else { 2 };
                    whole(s.len(), k)?;
                    for c in s.chunks_mut(k) {
                        if k == 4 {
                            c.copy_from_slice(&st.uniform4());
                        } else {
                            c.copy_from_slice(&st.normal2());
                        }
                    }
                    Ok(())
                }),
            }),
            "uniform_double" | "normal_double" => with_out!(out, func, {
                Kind::F64 => (u64, f64, |s| {
                    for x in s.iter_mut() {
                        *x = if func == "uniform_double" { st.uniform_double() } else { st.normal_double() };
                    }
                    Ok(())
                }),
            }),
            _ => Err(PyValueError::new_err(format!(
                "curand: unknown function '{func}' (expected curand, uniform, uniform4, \
                 uniform_double, normal, normal2, normal_double, log_normal)"
            ))),
        }
    }
}

/// PyTorch's CUDA generator (`torch.cuda.manual_seed`) replayed for a launch
/// geometry.
#[pyclass(name = "_TorchGenerator", module = "cbrng.compat")]
pub(crate) struct TorchGenerator {
    pub(crate) g: torch::Generator,
    pub(crate) geom: torch::Geometry,
}

#[pymethods]
impl TorchGenerator {
    #[new]
    #[pyo3(signature = (seed, device = None, sm_count = None, threads_per_sm = None, philox_offset = 0))]
    fn new(
        seed: u64,
        device: Option<&str>,
        sm_count: Option<u32>,
        threads_per_sm: Option<u32>,
        philox_offset: u64,
    ) -> PyResult<Self> {
        let geom = match (device, sm_count, threads_per_sm) {
            (Some(d), None, None) => torch::profile(d).map_err(err)?,
            (None, Some(sm_count), Some(threads_per_sm)) => torch::Geometry {
                sm_count,
                threads_per_sm,
            },
            _ => {
                return Err(PyValueError::new_err(
                    "torch: name a device profile or give both sm_count and threads_per_sm",
                ));
            }
        };
        Ok(TorchGenerator {
            g: torch::Generator {
                seed,
                offset: philox_offset,
            },
            geom,
        })
    }

    /// The philox offset (`philox_offset_per_thread`).
    #[getter]
    fn philox_offset(&self) -> u64 {
        self.g.offset
    }

    #[getter]
    fn seed(&self) -> u64 {
        self.g.seed
    }

    /// `tensor.uniform_(from, to)` (`torch.rand`: 0, 1).
    fn uniform(&mut self, out: &Bound<'_, PyAny>, from: f64, to: f64) -> PyResult<()> {
        let (g, geo) = (&mut self.g, self.geom);
        with_out!(out, "torch uniform_", {
            Kind::F32 => (u32, f32, |s| g.uniform_f32(geo, from as f32, to as f32, s).map_err(err)),
            Kind::F64 => (u64, f64, |s| g.uniform_f64(geo, from, to, s).map_err(err)),
            Kind::F16 => (u16, f16, |s| g.uniform_f16(geo, f16::from_f64(from), f16::from_f64(to), s).map_err(err)),
            Kind::BF16 | Kind::U16 => (u16, bf16, |s| g.uniform_bf16(geo, bf16::from_f64(from), bf16::from_f64(to), s).map_err(err)),
        })
    }

    /// `tensor.normal_(mean, std)` (`torch.randn`: 0, 1).
    fn normal(&mut self, out: &Bound<'_, PyAny>, mean: f64, std: f64) -> PyResult<()> {
        let (g, geo) = (&mut self.g, self.geom);
        with_out!(out, "torch normal_", {
            Kind::F32 => (u32, f32, |s| g.normal_f32(geo, mean as f32, std as f32, s).map_err(err)),
            Kind::F64 => (u64, f64, |s| g.normal_f64(geo, mean, std, s).map_err(err)),
            Kind::F16 => (u16, f16, |s| g.normal_f16(geo, mean as f32, std as f32, s).map_err(err)),
            Kind::BF16 | Kind::U16 => (u16, bf16, |s| g.normal_bf16(geo, mean as f32, std as f32, s).map_err(err)),
        })
    }

    /// `torch.empty(n).bernoulli_(p)` (float32).
    fn bernoulli(&mut self, out: &Bound<'_, PyAny>, p: f64) -> PyResult<()> {
        let (g, geo) = (&mut self.g, self.geom);
        with_out!(out, "torch bernoulli_", {
            Kind::F32 => (u32, f32, |s| g.bernoulli_f32(geo, p, s).map_err(err)),
        })
    }

    /// The keep mask (1 = kept) of `torch.nn.functional.dropout` on a CUDA
    /// tensor of `dtype` ("float32", "float64", "float16", "bfloat16").
    fn dropout_mask(&mut self, out: &Bound<'_, PyAny>, p: f64, dtype: &str) -> PyResult<()> {
        let dt = match dtype {
            "float32" => torch::DropoutDType::F32,
            "float64" => torch::DropoutDType::F64,
            "float16" => torch::DropoutDType::F16,
            "bfloat16" => torch::DropoutDType::BF16,
            _ => {
                return Err(PyTypeError::new_err(format!(
                    "torch dropout: unsupported dtype {dtype}"
                )));
            }
        };
        let (g, geo) = (&mut self.g, self.geom);
        with_out!(out, "torch dropout mask", {
            Kind::U8 => (u8, u8, |s| g.dropout_mask(geo, p, dt, s).map_err(err)),
        })
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NumpyGenerator>()?;
    m.add_class::<JaxKey>()?;
    m.add_class::<CurandPhilox>()?;
    m.add_class::<TorchGenerator>()?;
    m.add(
        "_TORCH_DEVICES",
        torch::PROFILES.iter().map(|p| p.name).collect::<Vec<_>>(),
    )?;
    Ok(())
}
