//! The simulator: the architecture description ([`ArrayConfig`]), the
//! cycle-accurate timing of the array (tile, GEMM and whole-model levels),
//! the mapping of workloads onto the array, and the activity (action counts)
//! that the energy model prices.

pub mod config;
pub mod dram;
pub mod error;
pub mod fold;
pub mod functional;
pub mod gemm;
pub mod model;
pub mod series;
pub mod tile;
pub mod topology;

pub use config::{ArrayConfig, ArraySpec, ConfigError, PeKind};
pub use error::SimError;
pub use gemm::{simulate_gemm, GemmOptions, GemmShape, GemmStats};
pub use model::{simulate_model, simulate_with_baseline, ModelStats, OpStats, Workload};
