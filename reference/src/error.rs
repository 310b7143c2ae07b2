//! The one error type of the reference crate: every message names the tensor,
//! file, field or model it is about.

use std::path::PathBuf;

/// Everything that can go wrong when reading, checking, quantizing or packing.
#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a valid safetensors file.
    #[error("{path}: not a valid safetensors file: {reason}")]
    Safetensors {
        /// The file.
        path: PathBuf,
        /// What the parser reported.
        reason: String,
    },
    /// The requested tensor is not in the file.
    #[error("{path}: no tensor named `{name}` (the file has: {available})")]
    MissingTensor {
        /// The file.
        path: PathBuf,
        /// The tensor asked for.
        name: String,
        /// The tensors the file has, comma-separated and sorted.
        available: String,
    },
    /// The tensor has a dtype this operation does not accept.
    #[error("tensor `{name}` has dtype {found}; expected {expected}")]
    Dtype {
        /// The tensor.
        name: String,
        /// Its dtype.
        found: String,
        /// The accepted dtypes.
        expected: &'static str,
    },
    /// The tensor has the wrong number of dimensions.
    #[error("tensor `{name}` has shape {shape:?} (rank {}); expected rank {expected}", shape.len())]
    Rank {
        /// The tensor.
        name: String,
        /// Its shape.
        shape: Vec<usize>,
        /// The rank required.
        expected: usize,
    },
    /// The tensor has no elements.
    #[error("tensor `{name}` is empty (shape {shape:?})")]
    Empty {
        /// The tensor.
        name: String,
        /// Its shape.
        shape: Vec<usize>,
    },
    /// Two tensors disagree on a dimension, or a buffer does not match its shape.
    #[error("shape mismatch: {0}")]
    Shape(String),
    /// The tensor holds NaN or ±Inf.
    #[error("tensor `{name}` holds the non-finite value {value} at flat index {index} (row {row}, column {col})")]
    NonFinite {
        /// The tensor.
        name: String,
        /// Flat (row-major) index of the first bad element.
        index: usize,
        /// Its row.
        row: usize,
        /// Its column.
        col: usize,
        /// The value.
        value: f32,
    },
    /// A packed weight buffer holds a code no packing writes.
    #[error("invalid packed data: {0}")]
    Pack(String),
    /// A `config.json` is unreadable, malformed or describes an unsupported model.
    #[error("{path}: {reason}")]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong, naming the field.
        reason: String,
    },
    /// A tensor's values are unusable for what it is (named in the reason).
    #[error("tensor `{name}` {reason}")]
    Tensor {
        /// The tensor.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// A token id is outside the vocabulary.
    #[error("token id {id} at position {position} is outside the vocabulary (vocab_size {vocab})")]
    TokenId {
        /// The id.
        id: u32,
        /// Its position in the sequence.
        position: usize,
        /// The vocabulary size.
        vocab: usize,
    },
    /// Memory for a result could not be allocated (the request is refused
    /// instead of aborting the process).
    #[error("{what} needs {bytes} bytes of memory, which could not be allocated")]
    Alloc {
        /// What the memory is for, with its shape.
        what: String,
        /// Bytes requested.
        bytes: u128,
    },
    /// No zoo model has this name.
    #[error("unknown model `{name}`; known models: {known}")]
    UnknownModel {
        /// The name asked for.
        name: String,
        /// The zoo's names, comma-separated.
        known: String,
    },
}

/// Result with [`ReferenceError`].
pub type Result<T, E = ReferenceError> = std::result::Result<T, E>;

/// An empty vector with room for `len` elements of `size` bytes, or
/// [`ReferenceError::Alloc`] naming `what` when the memory is not there.
pub fn try_vec<T>(len: usize, size: usize, what: impl FnOnce() -> String) -> Result<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(len)
        .map_err(|_| ReferenceError::Alloc {
            what: what(),
            bytes: len as u128 * size as u128,
        })?;
    Ok(v)
}

/// Checks that `bytes` could be allocated now, by reserving and releasing
/// them: computations that allocate their results in several steps call it
/// first, so that a request far past the machine's memory is an error rather
/// than an abort halfway.
pub fn check_alloc(bytes: u128, what: impl FnOnce() -> String) -> Result<()> {
    let fail = |what: String| ReferenceError::Alloc { what, bytes };
    let Ok(n) = usize::try_from(bytes) else {
        return Err(fail(what()));
    };
    let mut probe: Vec<u8> = Vec::new();
    probe.try_reserve_exact(n).map_err(|_| fail(what()))
}
