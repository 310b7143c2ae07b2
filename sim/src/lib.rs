//! The simulator: the architecture description ([`ArrayConfig`]), the
//! cycle-accurate timing of the array (tile, GEMM and whole-model levels),
//! the mapping of workloads onto the array, and the activity (action counts)
//! that the energy model prices.
//!
//! Levels: [`tile`] is the beat-exact contract the RTL implements; [`fold`]
//! evaluates it one fold at a time; [`gemm`] maps a GEMM onto the array with
//! DRAM traffic and stalls; [`model`] runs a whole inference as an operator
//! graph; [`functional`] computes the values register by register;
//! [`topology`] reads SCALE-Sim workloads; [`pe`] holds one implementation
//! per processing-element kind. The timing model and its proofs
//! are described in `docs/simulator.md`.
//!
//! ```
//! use tritone_sim::gemm::{simulate_gemm, GemmOptions, GemmShape};
//! use tritone_sim::model::{simulate_model, Workload};
//! use tritone_sim::ArrayConfig;
//!
//! let cfg = ArrayConfig::default(); // 256×256 ternary array, 1 GHz, 64 GB/s
//! let g = simulate_gemm(&cfg, &GemmShape { m: 512, k: 3200, n: 8640 }, &GemmOptions::default())?;
//! assert_eq!(g.folds, 13 * 34); // ⌈3200/256⌉ · ⌈8640/256⌉
//! assert_eq!(g.cycles, g.compute_cycles + g.stall_cycles);
//!
//! let model = tritone_reference::model("bitnet-b1.58-700m")?;
//! let s = simulate_model(&cfg, &model, &Workload { prefill: 64, decode: 16, batch: 1 })?;
//! assert_eq!(s.total_cycles, s.prefill_cycles + s.decode_cycles);
//! assert!(s.tokens_per_s > 0.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod array_model;
pub mod config;
pub mod dataflow;
pub mod dram;
pub mod engine;
pub mod error;
pub mod fold;
mod fold_run;
pub mod functional;
pub mod gemm;
pub mod model;
pub mod pe;
mod registry;
pub mod serde_actions;
pub mod series;
pub mod tile;
pub mod topology;

pub use config::{ArrayConfig, ArraySpec, ConfigError};
pub use dataflow::{Dataflow, DataflowKind};
pub use error::SimError;
pub use gemm::{simulate_gemm, GemmOptions, GemmShape, GemmStats};
pub use model::{simulate_model, simulate_with_baseline, ModelStats, OpStats, Workload};
pub use pe::{Pe, PeKind, WeightCodes};
