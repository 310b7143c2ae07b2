//! The specification every other part of Tritone is checked against: BitNet b1.58
//! BitLinear (absmean ternary weights, absmax INT8 activations) computed bit-exactly
//! as HuggingFace transformers computes it, the original 1-bit BitNet quantizer,
//! weight packing formats, the model zoo, safetensors / HuggingFace `config.json`
//! I/O, checkpoint loading and a whole-model forward pass ([`model`](mod@model)).
//!
//! ```
//! use tritone_reference::{bitlinear, Matrix, Trit, Variant};
//!
//! // W is [N = 2, K = 4] like nn.Linear; x is [M = 1, K = 4].
//! let w = Matrix::new("weight", 2, 4, vec![1.0, -1.0, 0.2, 0.0, -2.0, 0.6, 0.0, 1.2])?;
//! let x = Matrix::new("input", 1, 4, vec![0.5, -1.0, 0.25, 2.0])?;
//! let out = bitlinear(&w, &x, Variant::B158)?;
//! assert_eq!(out.weight_scale, 0.75); // γ = mean|W|
//! assert_eq!(out.weights[..4], [Trit::Pos, Trit::Neg, Trit::Zero, Trit::Zero]);
//! assert_eq!(out.activations.q, vec![32, -64, 16, 127]); // s = 127 / 2
//! assert_eq!(out.acc, vec![96, 31]); // additions and subtractions only
//! assert_eq!(out.output[0], 96.0 / 63.5 * (1.0 / (1.0 / 0.75))); // y = acc / s · γ
//! // transformers' BitLinear stores 1/γ and divides: y = acc / (weight_scale · s).
//! assert_eq!(out.output_bitlinear.unwrap()[0], 96.0 / ((1.0 / 0.75) * 63.5));
//!
//! let shape = tritone_reference::model("bitnet-b1.58-2b-4t")?;
//! assert_eq!(shape.params().ternary(), 2_084_044_800);
//! # Ok::<(), tritone_reference::ReferenceError>(())
//! ```
//!
//! A whole model from a HuggingFace checkpoint directory (here a small
//! random-weight BitNet written for the example), decoded greedily:
//!
//! ```
//! use tritone_reference::model::synthetic::SyntheticModel;
//! use tritone_reference::model::{AttentionOptions, ReferenceBackend};
//! use tritone_reference::Model;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let spec = SyntheticModel { hidden: 32, ffn: 64, layers: 2, heads: 4, kv_heads: 2,
//!                             vocab: 100, tied: false, seed: 7 };
//! spec.write(dir.path())?; // config.json + model.safetensors (packed U8, weight_scale)
//! let model = Model::from_dir(dir.path())?;
//! let run = model.generate(&ReferenceBackend, AttentionOptions::default(),
//!                          &[1, 2, 3], 5, &mut |_, _| {})?;
//! assert_eq!(run.generated().len(), 5);
//! assert_eq!(run.logits.len(), (3 + 5) * 100); // [positions, vocab]
//! # Ok::<(), tritone_reference::ReferenceError>(())
//! ```

#![warn(missing_docs)]

pub mod atomic;
pub mod bitlinear;
pub mod checkpoint;
pub mod demo;
pub mod error;
pub mod hf_config;
pub mod input;
pub mod interrupt;
pub mod matmul;
pub mod matrix;
pub mod model;
pub mod pack;
pub mod quant;
pub mod safetensors_io;
pub mod trit;
pub mod zoo;

pub use bitlinear::{
    bitlinear, bitlinear_with_gamma, dequantize, dequantize_bitlinear, BitLinearOutput, Variant,
    WeightScale,
};
pub use demo::{demo, Demo};
pub use error::{ReferenceError, Result};
pub use hf_config::{
    load_config, load_model_config, parse_config, ModelConfig, Quantization, Rope, RopeScaling,
};
pub use matmul::{int8_matmul, ternary_matmul, ternary_matmul_prepared, PreparedTernary};
pub use matrix::Matrix;
pub use model::{Generation, Model};
pub use pack::{pack_base3, pack_code2, pack_hf, unpack_base3, unpack_code2, unpack_hf};
pub use quant::{
    quantize_activations_absmax, quantize_rows_absmax, quantize_weights_absmean,
    quantize_weights_absmean_with_gamma, quantize_weights_sign, BinaryWeights, Int8Range,
    QuantizedActivations, Sign, TernaryWeights,
};
pub use safetensors_io::{read_matrix, read_tensor_f32, write_tensors, NamedTensor, TensorData};
pub use trit::Trit;
pub use zoo::{model, model_names, zoo, FfnKind, ModelShape, Moe, ParamCounts, WeightKind};
