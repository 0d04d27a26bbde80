//! Exact distributions: each is a pure function of stream elements.
pub mod normal;
