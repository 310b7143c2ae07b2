//! Why the generator, a simulation or a tool run was refused or failed.

/// Errors of the RTL generator, its simulations and the external tool runs.
#[derive(Debug, thiserror::Error)]
pub enum HdlError {
    /// The architecture cannot be generated as RTL.
    #[error("cannot generate RTL: {0}")]
    Unsupported(String),
    /// A tile job does not fit the array.
    #[error("invalid tile job {tile}: {why}")]
    Job {
        /// Index of the tile in the sequence.
        tile: usize,
        /// What is wrong.
        why: String,
    },
    /// An external tool (iverilog, vvp, verilator, yosys) is missing or failed.
    #[error("{tool} failed: {why}")]
    Tool {
        /// The program.
        tool: String,
        /// Its error output, or why it could not start.
        why: String,
    },
    /// The simulated array disagreed with the reference.
    #[error("mismatch: {0}")]
    Mismatch(String),
    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}
