//! Dataflows: how a GEMM is folded onto the array and the engine around it.
//! One implementation of [`Dataflow`] per dataflow, registered in the
//! [`DataflowKind`] table; the GEMM orchestrator ([`crate::gemm`]) asks the
//! architecture's dataflow for the fold plan, the timing, the SRAM traffic
//! and the register activity, and prices and reports them the same way for
//! every dataflow (the SCALE-Sim split: one compute model per dataflow, one
//! orchestrator).
//!
//! Weight-stationary ([`DataflowKind::WeightStationary`], the RTL engine's)
//! is the first. Another (say output-stationary) is its own file
//! implementing [`Dataflow`] and one line in the table; the parameter table,
//! TOML key `dataflow` and CSV column pick it up by name. The RTL generator
//! builds the weight-stationary engine and refuses the others.
//!
//! ```
//! use tritone_sim::gemm::{simulate_gemm, GemmOptions, GemmShape};
//! use tritone_sim::{ArrayConfig, ArraySpec, DataflowKind};
//!
//! let cfg = ArrayConfig::new(ArraySpec { rows: Some(16), cols: Some(16), ..Default::default() })?;
//! assert_eq!(cfg.dataflow(), DataflowKind::WeightStationary);
//! assert_eq!("weight-stationary".parse::<DataflowKind>()?, cfg.dataflow());
//! let shape = GemmShape { m: 8, k: 40, n: 20 };
//! let s = simulate_gemm(&cfg, &shape, &GemmOptions::default())?;
//! // The fold plan: ⌈40/16⌉ K-blocks × ⌈20/16⌉ N-blocks of stationary weights.
//! assert_eq!((s.mapping.k_blocks, s.mapping.n_blocks), (3, 2));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod weight_stationary;

use crate::engine::program::{Mapping, Program};
use crate::engine::spec::EngineTiming;
use crate::engine::Geometry;
use crate::error::SimError;
use crate::gemm::{BufferActivity, GemmShape, OperandHome};
use crate::pe::PassWork;
use crate::ArrayConfig;

/// What one dataflow decides about a GEMM on an engine.
pub trait Dataflow: Send + Sync {
    /// The fold plan of `shape` on an engine of geometry `g`: blocks,
    /// chunks, how operands are fed and whether weights stay resident.
    fn mapping(
        &self,
        g: &Geometry,
        shape: &GemmShape,
        operands: OperandHome,
    ) -> Result<Mapping, SimError>;

    /// The cycles of `program` on `cfg`: `exact_steps` steps every transfer
    /// and fold (the executable specification the RTL is checked against),
    /// otherwise repeating stretches may be jumped over, with equal results.
    fn timing(
        &self,
        cfg: &ArrayConfig,
        program: &Program<'_>,
        exact_steps: bool,
    ) -> Result<EngineTiming, SimError>;

    /// Bits read and written per buffer (weights, activations, outputs).
    fn buffer_activity(
        &self,
        g: &Geometry,
        shape: &GemmShape,
        map: &Mapping,
        t: &EngineTiming,
    ) -> BufferActivity;

    /// Partial-sum accumulations in the output buffer (between K-blocks).
    fn partial_sum_adds(&self, cfg: &ArrayConfig, shape: &GemmShape, map: &Mapping) -> u64;

    /// Register bits written in the array (PE registers, skew and deskew
    /// chains, weight loads) for the PE passes `work` of the plan `map`.
    fn register_bits(&self, cfg: &ArrayConfig, map: &Mapping, work: &PassWork) -> u64;
}

crate::registry::registry! {
    /// A dataflow: the serializable identifier of a [`Dataflow`]
    /// implementation (dereferences to it).
    DataflowKind: dyn Dataflow, "dataflow" {
        /// Weights stationary in the PEs, activations streamed along the
        /// rows, partial sums down the columns (K on rows, N on columns, M
        /// streamed); the RTL engine's dataflow.
        WeightStationary = "weight-stationary" => weight_stationary::WeightStationary,
    }
}
