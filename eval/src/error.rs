//! Why an evaluation was refused: the simulator's reason or the energy
//! table's, each naming the offending input.

use tritone_energy::ErtError;
use tritone_sim::{ConfigError, SimError};

/// Why a design point could not be evaluated.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// The simulator refused the architecture, model or workload.
    #[error(transparent)]
    Sim(#[from] SimError),
    /// The energy table cannot price the design (e.g. its DRAM type).
    #[error(transparent)]
    Energy(#[from] ErtError),
    /// The model is not in the zoo, or its shape is unusable.
    #[error("{0}")]
    Model(String),
    /// Functional operands that cannot be read or do not fit.
    #[error("{0}")]
    Operands(String),
    /// The FP16 counterpart of a design point was refused (the point itself
    /// would run).
    #[error("the FP16 counterpart ({model} on a {pe} array): {source}")]
    Counterpart {
        /// The counterpart's model.
        model: String,
        /// Its PE.
        pe: &'static str,
        /// Why it was refused.
        #[source]
        source: Box<EvalError>,
    },
}

impl From<ConfigError> for EvalError {
    fn from(e: ConfigError) -> EvalError {
        EvalError::Sim(SimError::Config(e))
    }
}
