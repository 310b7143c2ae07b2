//! One evaluation of a design point — architecture, workload and energy
//! table in; cycles, tokens/s, time to first token, utilization, stalls,
//! both energy views with their breakdowns, the memory footprint and, when
//! asked, the FP16 baseline out. The report, the sweep and `tritone energy`
//! all call [`Evaluator`]; nothing else prices a model.
//!
//! - [`point`]: [`DesignPoint`], a validated architecture + model + workload;
//! - [`evaluate`]: [`Evaluator`] and its [`Evaluation`]s (also of one GEMM);
//! - [`views`]: the one definition of the paper view and of leakage;
//! - [`metrics`]: the figures every view shares, with their column names;
//! - [`cache`]: simulated GEMMs shared between points;
//! - [`param`]: the parameters a design point is built from (the sweep's
//!   flags, keys and columns derive from it);
//! - [`functional`]: operands through the array, checked against the reference.
//!
//! ```
//! use tritone_energy::{Ert, Node};
//! use tritone_eval::{DesignPoint, Evaluator};
//! use tritone_sim::{ArrayConfig, Workload};
//!
//! let evaluator = Evaluator::new(Ert::builtin(Node::Nm7));
//! let model = tritone_reference::model("bitnet-b1.58-700m")?;
//! let w = Workload { prefill: 16, decode: 4, batch: 1 };
//! let point = DesignPoint::new(ArrayConfig::default(), model, w)?;
//! let c = evaluator.compare(&point)?; // the point and its FP16 baseline
//! let (m, f) = (&c.model.metrics, &c.fp16.metrics);
//! assert!(f.energy_per_token_pj > m.energy_per_token_pj);
//! assert!(f.paper_energy_per_token_pj > 10.0 * m.paper_energy_per_token_pj);
//! assert_eq!(m.cycles, m.prefill_cycles + m.decode_cycles);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

pub mod cache;
pub mod error;
pub mod evaluate;
pub mod functional;
pub mod metrics;
pub mod param;
pub mod point;
pub mod views;

pub use error::EvalError;
pub use evaluate::{Comparison, Evaluation, Evaluator, GemmEvaluation};
pub use metrics::Metrics;
pub use point::{DesignPoint, DEFAULT_MODEL, DEFAULT_WORKLOAD};
