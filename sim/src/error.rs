//! The simulator's error type: every refusal names the offending input.

use crate::config::ConfigError;

/// Why a simulation was refused.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A workload dimension is zero or too large.
    #[error("invalid {what} = {value}: {why}")]
    Dimension {
        /// Which dimension (e.g. "GEMM M").
        what: String,
        /// Its value.
        value: u64,
        /// What is wrong.
        why: String,
    },
    /// A simulation option is out of range.
    #[error("invalid option {what} = {value}: {why}")]
    Option {
        /// The option.
        what: &'static str,
        /// Its value, as text.
        value: String,
        /// What is wrong.
        why: String,
    },
    /// A buffer cannot hold what the mapping needs at minimum.
    #[error("{buffer} buffer too small: {why}")]
    Buffer {
        /// Which buffer.
        buffer: &'static str,
        /// What does not fit.
        why: String,
    },
    /// The architecture is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Functional operands do not match the shape, or the PE kind has no functional model.
    #[error("functional simulation: {0}")]
    Functional(String),
    /// A SCALE-Sim topology file could not be read or parsed.
    #[error("topology {path}: {why}")]
    Topology {
        /// The file.
        path: String,
        /// What went wrong, with the line number when it is one line's fault.
        why: String,
    },
    /// A model shape is unusable.
    #[error("model {name}: {why}")]
    Model {
        /// The model's name.
        name: String,
        /// What is wrong.
        why: String,
    },
}

/// Checks that `value` lies in `1..=max`.
pub(crate) fn check_dim(what: &str, value: u64, max: u64) -> Result<u64, SimError> {
    if value == 0 || value > max {
        return Err(SimError::Dimension {
            what: what.to_string(),
            value,
            why: format!("must be between 1 and {max}"),
        });
    }
    Ok(value)
}
