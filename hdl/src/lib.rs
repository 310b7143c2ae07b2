//! The ternary systolic array as hardware: processing elements described
//! with rust-hdl, the array simulated with rust-hdl's simulator, emitted as
//! synthesizable Verilog (one PE module, instantiated C times in a row module
//! instantiated R times), with a JSON
//! manifest, a self-checking testbench, co-simulation in Icarus Verilog and
//! Verilator, and Yosys synthesis statistics.
//!
//! The parameters come from [`tritone_sim::ArrayConfig`]; the timing is the
//! contract of `tritone_sim::tile` (see `docs/array-interface.md`).
//!
//! ```
//! use tritone_hdl::{array, design::ArrayDesign, emit, job};
//! use tritone_sim::{ArrayConfig, ArraySpec};
//!
//! let cfg = ArrayConfig::new(ArraySpec { rows: Some(4), cols: Some(3), ..Default::default() })?;
//! let design = ArrayDesign::new(&cfg)?;
//! // Two tiles of random ternary weights, 5 tokens each, reference results attached.
//! let stim = job::Stimulus::new(&design, &job::random_jobs(&design, &[5, 5], 1))?;
//! assert_eq!(array::simulate(&design, &stim)?, stim.expected);
//! let verilog = emit::verilog(&design);
//! assert!(verilog.contains(&format!("module {}", design.top_name())));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod array;
pub mod cosim;
pub mod design;
mod dispatch;
pub mod emit;
pub mod engine;
pub mod error;
pub mod generate;
pub mod job;
pub mod manifest;
pub mod pe;
pub mod synth;
pub mod testbench;

pub use design::ArrayDesign;
pub use error::HdlError;
