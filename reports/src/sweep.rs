//! Design-space sweeps: value lists or ranges per parameter of the
//! parameter table ([`SweepSpec`]), their cartesian enumeration into
//! [`SweepPoint`]s, the evaluation of every point in parallel (a
//! [`PointEvaluator`]: the one evaluation of `tritone_eval`, optionally
//! synthesis counts through a [`Synthesizer`]), one [`Row`] per point with
//! the Pareto front marked, progress journaled as points finish, resumable
//! and shardable runs, and the merging of shards.
//!
//! Output is deterministic: rows are written in enumeration order whatever
//! the thread count, shard split or resume history.
//!
//! ```
//! use tritone_reports::sweep::{run_sweep, ModelEvaluator, SweepOptions, SweepSpec};
//!
//! let mut spec = SweepSpec::default();
//! spec.set("rows", "16..32:x2")?; // 16, 32
//! spec.set("pe", "ternary,mac-int8")?;
//! spec.set("model", "bitnet-b1.58-700m")?;
//! spec.set("prefill", "16")?;
//! spec.set("decode", "4")?;
//! assert_eq!(spec.len()?, 4);
//! assert!(spec.point(1).key().starts_with("rows=16;cols=256;pe=mac-int8;"));
//!
//! let dir = tempfile::tempdir()?;
//! let out = dir.path().join("sweep.csv");
//! let evaluator = ModelEvaluator::new(tritone_energy::Node::Nm7);
//! let options = SweepOptions {
//!     out: out.clone(),
//!     shard: None,
//!     synth: None,
//!     progress: false,
//!     max_points: tritone_reports::sweep::DEFAULT_MAX_POINTS,
//! };
//! let summary = run_sweep(&spec, &evaluator, options)?;
//! assert_eq!((summary.ok, summary.evaluated), (4, 4));
//! assert!(summary.pareto >= 1);
//! assert!(dir.path().join("sweep-pareto.png").exists());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod eval;
pub mod figure;
pub mod journal;
pub mod merge;
pub mod range;
pub mod row;
pub mod run;
pub mod space;
pub mod synth;

pub use eval::{ModelEvaluator, PointEvaluator};
pub use merge::merge_shards;
pub use row::{Metrics, Outcome, Provenance, Row, SweepTable};
pub use run::{
    run_sweep, write_outputs, Shard, SweepOptions, SweepSummary, SynthStage, DEFAULT_MAX_POINTS,
};
pub use space::{SweepPoint, SweepSpec};
pub use synth::{HwKey, SynthCache, SynthCounts, Synthesizer};

/// Why a sweep was refused or could not be written. Problems of single
/// points are not errors: they are reported in the point's row.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// A parameter's value list is malformed, empty or impossible.
    #[error("sweep parameter {param}: {why}")]
    Spec {
        /// The parameter.
        param: String,
        /// What is wrong.
        why: String,
    },
    /// A parameter name that does not exist.
    #[error("unknown sweep parameter '{key}' (valid: {valid})")]
    UnknownParam {
        /// The name as given.
        key: String,
        /// The valid names.
        valid: String,
    },
    /// The spec file is not valid TOML or has the wrong layout.
    #[error("sweep spec: {0}")]
    SpecFile(String),
    /// No point of the sweep can be evaluated.
    #[error("no point of this sweep is possible: {0}")]
    Impossible(String),
    /// The number of points overflows.
    #[error("the sweep has more than 2^64 points")]
    TooLarge,
    /// More points than the limit of one run.
    #[error("the sweep has {points} points ({factors}), more than the limit of {max}")]
    TooManyPoints {
        /// The count (or a bound when it overflows).
        points: String,
        /// The lists that multiply to it: `rows 5 × cols 4`.
        factors: String,
        /// The limit.
        max: u64,
    },
    /// A shard selector that does not split anything.
    #[error("invalid shard '{0}': expected i/n with 0 <= i < n (e.g. 0/4)")]
    Shard(String),
    /// A file could not be read or written.
    #[error("{path}: {why}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        why: String,
    },
    /// An output file could not be written.
    #[error(transparent)]
    Write(#[from] crate::write::WriteError),
    /// Existing output that cannot be resumed or merged.
    #[error("{path}: {why}")]
    Table {
        /// The file.
        path: String,
        /// What is inconsistent.
        why: String,
    },
}

impl SweepError {
    pub(crate) fn spec(param: &str, why: String) -> SweepError {
        SweepError::Spec {
            param: param.to_string(),
            why,
        }
    }

    pub(crate) fn file(path: &std::path::Path, why: impl ToString) -> SweepError {
        SweepError::File {
            path: path.display().to_string(),
            why: why.to_string(),
        }
    }
}

#[cfg(test)]
mod tests;
