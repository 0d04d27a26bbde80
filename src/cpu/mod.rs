//! The CPU engine: bulk fills of every distribution and dtype.
pub(crate) mod fill;
