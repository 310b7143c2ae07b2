//! Model shapes: the built-in zoo and the type a HuggingFace `config.json` becomes.

use serde::{Deserialize, Serialize};

/// How the linear-layer weights of a model are stored and computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WeightKind {
    /// BitNet b1.58: ternary weights, INT8 activations.
    Ternary,
    /// The FP16 LLaMA baseline.
    Fp16,
}

/// The feed-forward block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FfnKind {
    /// silu(gate) · up, then down.
    SwiGlu,
    /// relu(gate)² · up, then down (bitnet-b1.58-2B-4T).
    ReluSquaredGated,
}

/// The shape of a decoder-only transformer, enough to derive every GEMM,
/// vector operation and parameter count of its inference.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelShape {
    /// Name (zoo key or the config's name).
    pub name: String,
    /// Ternary (BitNet b1.58) or FP16 (LLaMA baseline) linear layers.
    pub weights: WeightKind,
    /// Hidden size d.
    pub hidden: u32,
    /// Feed-forward (intermediate) size.
    pub ffn: u32,
    /// Decoder layers.
    pub layers: u32,
    /// Attention heads.
    pub heads: u32,
    /// Key/value heads (GQA when fewer than `heads`).
    pub kv_heads: u32,
    /// Vocabulary size.
    pub vocab: u32,
    /// Feed-forward type.
    pub ffn_kind: FfnKind,
    /// Whether the LM head shares the embedding matrix.
    pub tied_embeddings: bool,
    /// Extra RMSNorms before o_proj and down_proj (1bitLLM reproductions, 2B-4T).
    pub subln: bool,
    /// Where the shape comes from.
    pub source: String,
}

impl ModelShape {
    /// Dimension of one attention head.
    pub fn head_dim(&self) -> u32 {
        self.hidden / self.heads
    }
}
