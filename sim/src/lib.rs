//! The simulator: the architecture description ([`ArrayConfig`]), the
//! cycle-accurate timing of the array (tile, GEMM and whole-model levels),
//! the mapping of workloads onto the array, and the activity (action counts)
//! that the energy model prices.

pub mod config;
pub mod tile;

pub use config::{ArrayConfig, ArraySpec, ConfigError, PeKind};
