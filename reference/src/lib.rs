//! The specification every other part of Tritone is checked against: BitNet b1.58
//! BitLinear (absmean ternary weights, absmax INT8 activations) computed bit-exactly,
//! the original 1-bit BitNet quantizer, weight packing formats, the model zoo, and
//! safetensors / HuggingFace `config.json` I/O.

pub mod matmul;
pub mod trit;
pub mod zoo;

pub use matmul::{int8_matmul, ternary_matmul};
pub use trit::Trit;
pub use zoo::{FfnKind, ModelShape, WeightKind};
