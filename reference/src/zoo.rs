//! Model shapes: the built-in zoo and the type a HuggingFace `config.json` becomes
//! (see [`crate::hf_config`]), with parameter counts derived from the shape.
//!
//! Shapes from the notes (bitnet-models.md, "Model shapes"). The paper does not
//! state its 7B/13B/70B shapes: those are LLaMA-2's, an assumption every
//! `source` string repeats; its "30B" has no published shape either, so the
//! 30B entry takes LLaMA-1 30B's (huggyllama/llama-30b config.json). The
//! paper's future work ("1b-Mixtral") is the 8x7B entry: Mixtral-8x7B's shape
//! (mistralai/Mixtral-8x7B-v0.1 config.json) with ternary linear layers. Each
//! BitNet model also has an FP16 baseline (`llama-<size>_fp16`,
//! `mixtral-8x7b_fp16`): the same shape with FP16 linear layers and no subln.

use serde::{Deserialize, Serialize};

use crate::error::{ReferenceError, Result};

/// How the linear-layer weights of a model are stored and computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WeightKind {
    /// BitNet b1.58: ternary weights, INT8 activations.
    Ternary,
    /// The FP16 LLaMA baseline.
    Fp16,
}

impl WeightKind {
    /// The name shown to users (as serialized): `ternary` or `fp16`.
    pub const fn name(self) -> &'static str {
        match self {
            WeightKind::Ternary => "ternary",
            WeightKind::Fp16 => "fp16",
        }
    }
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
    /// Dimension of one attention head when a `config.json` sets it apart
    /// from `hidden / heads` (its `head_dim`); `None` derives it. The q and
    /// o projections are `hidden × heads·head_dim`, k and v
    /// `hidden × kv_heads·head_dim`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_dim: Option<u32>,
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
    /// Mixture-of-Experts feed-forward (`None`: one dense FFN per layer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moe: Option<Moe>,
}

/// A Mixture-of-Experts feed-forward block (Mixtral's): a router picks
/// `top_k` of `experts` SwiGLU FFNs for each token and sums their outputs
/// weighted by the router's softmax.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Moe {
    /// Experts per layer (`num_local_experts`).
    pub experts: u32,
    /// Experts each token is routed to (`num_experts_per_tok`).
    pub top_k: u32,
}

impl Moe {
    /// Checks `1 ≤ top_k ≤ experts`; the error names the config fields.
    pub fn validate(&self) -> std::result::Result<(), String> {
        if self.experts == 0 {
            return Err("experts (num_local_experts) must be positive".into());
        }
        if self.top_k == 0 || self.top_k > self.experts {
            return Err(format!(
                "top_k (num_experts_per_tok) = {} must be between 1 and the expert count \
                 (num_local_experts) = {}",
                self.top_k, self.experts
            ));
        }
        Ok(())
    }
}

/// Most parameters a model shape may have: 2⁵⁰ (about 1.1 × 10¹⁵, some
/// 16,000 times the 70B model). Byte, bit and action counts are derived from
/// parameter counts by factors of 16 bits, layers and tokens; this bound keeps
/// the parameter counts themselves far inside 64 bits.
pub const MAX_PARAMS: u64 = 1 << 50;

/// Most decoder layers a model shape may have: 4,096, fifty times the 70B
/// model's 80. Per-layer state (weights, KV cache, simulated operators) is
/// allocated by layer, so a count this bound does not hold would exhaust
/// memory before any tensor is read.
pub const MAX_LAYERS: u32 = 1 << 12;

impl ModelShape {
    /// Dimension of one attention head: the shape's own
    /// [`ModelShape::head_dim`] field, else `hidden / heads` (0 for a shape
    /// without heads, which [`ModelShape::validate`] refuses).
    pub fn head_dim(&self) -> u32 {
        self.head_dim
            .unwrap_or_else(|| self.hidden.checked_div(self.heads).unwrap_or(0))
    }

    /// Width of the q projection and of the attention output that o_proj
    /// reads: `heads · head_dim` (`hidden` unless `head_dim` is set apart).
    pub fn q_dim(&self) -> u64 {
        self.heads as u64 * self.head_dim() as u64
    }

    /// Width of the K and V projections: `kv_heads · head_dim` (smaller than
    /// `hidden` under GQA).
    pub fn kv_dim(&self) -> u64 {
        self.kv_heads as u64 * self.head_dim() as u64
    }

    /// Expert FFNs per layer: the MoE's experts, or 1 (dense).
    pub fn experts(&self) -> u64 {
        self.moe.map_or(1, |m| m.experts as u64)
    }

    /// Expert FFNs each token runs through: the MoE's top-k, or 1 (dense).
    pub fn experts_per_token(&self) -> u64 {
        self.moe.map_or(1, |m| m.top_k as u64)
    }

    /// Linear-layer weights of one decoder layer's attention (q, k, v, o).
    fn attention_linear_per_layer(&self) -> u64 {
        let h = self.hidden as u64;
        // q and o are h×h, k and v are h×kv_dim.
        2 * h * h + 2 * h * self.kv_dim()
    }

    /// Linear-layer weights of one expert FFN (gate, up, down: h×ffn each).
    pub fn ffn_linear(&self) -> u64 {
        3 * self.hidden as u64 * self.ffn as u64
    }

    /// The five parameter groups (linear, embedding, LM head, norms, router)
    /// in u128 for heads of `head_dim`: every product of u32 sizes fits, so nothing
    /// can wrap here.
    fn param_groups(&self, head_dim: u32) -> [u128; 5] {
        let (h, f, l, v) = (
            self.hidden as u128,
            self.ffn as u128,
            self.layers as u128,
            self.vocab as u128,
        );
        let qd = self.heads as u128 * head_dim as u128;
        let kvd = self.kv_heads as u128 * head_dim as u128;
        // q and o are h×(heads·head_dim) (h×h unless head_dim is set apart),
        // k and v are h×kv_dim, gate/up/down are h×ffn in each expert.
        let experts = self.experts() as u128;
        let per_layer = 2 * h * qd + 2 * h * kvd + experts * 3 * h * f;
        // RMSNorm gains: before attention and before the FFN, plus the subln
        // norms before o_proj (width h) and before down_proj (width ffn).
        let norms_per_layer = 2 * h + if self.subln { h + f } else { 0 };
        [
            l * per_layer,
            v * h,
            if self.tied_embeddings { 0 } else { v * h },
            l * norms_per_layer + h,
            // The router (gate) of an MoE layer: h×experts, kept in full
            // precision like the norms.
            self.moe.map_or(0, |m| l * h * m.experts as u128),
        ]
    }

    /// Parameter counts derived from the shape. Every shape that passes
    /// [`ModelShape::validate`] has at most [`MAX_PARAMS`] parameters; for an
    /// unvalidated one a count past 64 bits saturates at `u64::MAX` instead
    /// of wrapping to a small number.
    pub fn params(&self) -> ParamCounts {
        self.params_with_head_dim(self.head_dim())
    }

    /// [`ModelShape::params`] for heads of `head_dim` (a checkpoint whose
    /// `config.json` sets `head_dim` apart from `hidden / heads`).
    pub fn params_with_head_dim(&self, head_dim: u32) -> ParamCounts {
        let fit = |x: u128| u64::try_from(x).unwrap_or(u64::MAX);
        let [linear, embedding, lm_head, norms, router] = self.param_groups(head_dim);
        ParamCounts {
            linear: fit(linear),
            linear_ternary: self.weights == WeightKind::Ternary,
            embedding: fit(embedding),
            lm_head: fit(lm_head),
            norms: fit(norms),
            router: fit(router),
        }
    }

    /// Linear-layer weights one token passes through: attention and its
    /// top-k experts' FFNs (all of them for a dense model).
    pub fn active_linear(&self) -> u64 {
        self.layers as u64
            * (self.attention_linear_per_layer() + self.experts_per_token() * self.ffn_linear())
    }

    /// Checks that the shape is usable: no zero sizes, heads divide hidden,
    /// KV heads divide heads, at most [`MAX_PARAMS`] parameters. The error
    /// names the offending field.
    pub fn validate(&self) -> std::result::Result<(), String> {
        for (field, v) in [
            ("hidden", self.hidden),
            ("ffn", self.ffn),
            ("layers", self.layers),
            ("heads", self.heads),
            ("kv_heads", self.kv_heads),
            ("vocab", self.vocab),
        ] {
            if v == 0 {
                return Err(format!("{field} must be positive"));
            }
        }
        if self.layers > MAX_LAYERS {
            return Err(format!(
                "layers (num_hidden_layers) = {} is more than the limit {MAX_LAYERS}",
                self.layers
            ));
        }
        if self.head_dim == Some(0) {
            return Err("head_dim must be positive".into());
        }
        if self.head_dim.is_none() && !self.hidden.is_multiple_of(self.heads) {
            return Err(format!(
                "hidden {} is not a multiple of heads {}",
                self.hidden, self.heads
            ));
        }
        if !self.heads.is_multiple_of(self.kv_heads) {
            return Err(format!(
                "heads {} is not a multiple of kv_heads {}",
                self.heads, self.kv_heads
            ));
        }
        if let Some(m) = &self.moe {
            m.validate()?;
        }
        let total: u128 = self.param_groups(self.head_dim()).iter().sum();
        if total > MAX_PARAMS as u128 {
            return Err(format!(
                "hidden {}, ffn {}, layers {} and vocab {} make {total} parameters, \
                 more than the limit {MAX_PARAMS} (2^50)",
                self.hidden, self.ffn, self.layers, self.vocab
            ));
        }
        Ok(())
    }
}

/// Parameter counts of a model, split the way memory and energy models need them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParamCounts {
    /// Weights of the decoder's linear layers (q, k, v, o, gate, up, down).
    pub linear: u64,
    /// Whether those are ternary (BitNet) or full precision (FP16 baseline).
    pub linear_ternary: bool,
    /// Token embedding (full precision).
    pub embedding: u64,
    /// Untied LM head (full precision; 0 when tied to the embedding).
    pub lm_head: u64,
    /// RMSNorm gains (full precision).
    pub norms: u64,
    /// MoE router weights (full precision; 0 for a dense model).
    pub router: u64,
}

impl ParamCounts {
    /// Ternary weights: the linear layers of a BitNet model, 0 for FP16.
    pub fn ternary(&self) -> u64 {
        if self.linear_ternary {
            self.linear
        } else {
            0
        }
    }

    /// Full-precision parameters: embedding, LM head, norms, and the linear
    /// layers of an FP16 model.
    pub fn full_precision(&self) -> u64 {
        // Saturating: counts of an unvalidated shape may be saturated already.
        [
            self.embedding,
            self.lm_head,
            self.norms,
            self.router,
            self.linear - self.ternary(),
        ]
        .into_iter()
        .fold(0, u64::saturating_add)
    }

    /// All parameters.
    pub fn total(&self) -> u64 {
        [
            self.linear,
            self.embedding,
            self.lm_head,
            self.norms,
            self.router,
        ]
        .into_iter()
        .fold(0, u64::saturating_add)
    }
}

/// One BitNet zoo entry before the baseline is derived from it.
struct Entry {
    name: &'static str,
    baseline: &'static str,
    hidden: u32,
    ffn: u32,
    layers: u32,
    heads: u32,
    kv_heads: u32,
    vocab: u32,
    ffn_kind: FfnKind,
    tied: bool,
    subln: bool,
    source: &'static str,
    moe: Option<Moe>,
}

/// The BitNet models of the notes (bitnet-models.md, "Model shapes"), the
/// 30B-class shape and the Mixtral-shaped MoE.
const ENTRIES: [Entry; 10] = [
    Entry {
        name: "bitnet-b1.58-700m",
        baseline: "llama-700m_fp16",
        hidden: 1536,
        ffn: 4096,
        layers: 24,
        heads: 16,
        kv_heads: 16,
        vocab: 32002,
        ffn_kind: FfnKind::SwiGlu,
        tied: true,
        subln: true,
        source: "1bitLLM/bitnet_b1_58-large config.json",
        moe: None,
    },
    Entry {
        name: "bitnet-b1.58-1.3b",
        baseline: "llama-1.3b_fp16",
        hidden: 2048,
        ffn: 5460,
        layers: 24,
        heads: 32,
        kv_heads: 32,
        vocab: 32002,
        ffn_kind: FfnKind::SwiGlu,
        tied: true,
        subln: true,
        source: "1bitLLM/bitnet_b1_58-xl config.json",
        moe: None,
    },
    Entry {
        name: "bitnet-b1.58-3b",
        baseline: "llama-3b_fp16",
        hidden: 3200,
        ffn: 8640,
        layers: 26,
        heads: 32,
        kv_heads: 32,
        vocab: 32002,
        ffn_kind: FfnKind::SwiGlu,
        tied: true,
        subln: true,
        source: "1bitLLM/bitnet_b1_58-3B config.json",
        moe: None,
    },
    Entry {
        name: "bitnet-b1.58-3.9b",
        baseline: "llama-3.9b_fp16",
        hidden: 3200,
        ffn: 12800,
        layers: 26,
        heads: 32,
        kv_heads: 32,
        vocab: 32002,
        ffn_kind: FfnKind::SwiGlu,
        tied: true,
        subln: true,
        source: "Training Tips, Code and FAQ, Table 1 (tied embeddings and subln assumed as in the 1bitLLM models; counts to ~4.4B: uncertain)",
        moe: None,
    },
    Entry {
        name: "bitnet-b1.58-2b-4t",
        baseline: "llama-2b-4t_fp16",
        hidden: 2560,
        ffn: 6912,
        layers: 30,
        heads: 20,
        kv_heads: 5,
        vocab: 128256,
        ffn_kind: FfnKind::ReluSquaredGated,
        tied: true,
        subln: true,
        source: "microsoft/bitnet-b1.58-2B-4T config.json",
        moe: None,
    },
    Entry {
        name: "bitnet-b1.58-7b",
        baseline: "llama-7b_fp16",
        hidden: 4096,
        ffn: 11008,
        layers: 32,
        heads: 32,
        kv_heads: 32,
        vocab: 32000,
        ffn_kind: FfnKind::SwiGlu,
        tied: false,
        subln: false,
        source: "Llama-2-7b config.json (assumed: the paper does not state its 7B shape)",
        moe: None,
    },
    Entry {
        name: "bitnet-b1.58-13b",
        baseline: "llama-13b_fp16",
        hidden: 5120,
        ffn: 13824,
        layers: 40,
        heads: 40,
        kv_heads: 40,
        vocab: 32000,
        ffn_kind: FfnKind::SwiGlu,
        tied: false,
        subln: false,
        source: "Llama-2-13b config.json (assumed: the paper does not state its 13B shape)",
        moe: None,
    },
    Entry {
        name: "bitnet-b1.58-70b",
        baseline: "llama-70b_fp16",
        hidden: 8192,
        ffn: 28672,
        layers: 80,
        heads: 64,
        kv_heads: 8,
        vocab: 32000,
        ffn_kind: FfnKind::SwiGlu,
        tied: false,
        subln: false,
        source: "Llama-2-70b config.json (assumed: the paper does not state its 70B shape)",
        moe: None,
    },
    Entry {
        name: "bitnet-b1.58-30b",
        baseline: "llama-30b_fp16",
        hidden: 6656,
        ffn: 17920,
        layers: 60,
        heads: 52,
        kv_heads: 52,
        vocab: 32000,
        ffn_kind: FfnKind::SwiGlu,
        tied: false,
        subln: false,
        source: "huggyllama/llama-30b config.json, LLaMA-1 30B (assumed: the paper names a 30B \
                 BitNet b1.58 but gives no shape)",
        moe: None,
    },
    Entry {
        name: "bitnet-b1.58-8x7b",
        baseline: "mixtral-8x7b_fp16",
        hidden: 4096,
        ffn: 14336,
        layers: 32,
        heads: 32,
        kv_heads: 8,
        vocab: 32000,
        ffn_kind: FfnKind::SwiGlu,
        tied: false,
        subln: false,
        source: "mistralai/Mixtral-8x7B-v0.1 config.json (8 experts, top-2): the paper's \
                 \"1b-Mixtral\" future work, a hypothetical BitNet b1.58 model of Mixtral's shape",
        moe: Some(Moe {
            experts: 8,
            top_k: 2,
        }),
    },
];

impl Entry {
    fn shape(&self, weights: WeightKind) -> ModelShape {
        let (name, subln, source) = match weights {
            WeightKind::Ternary => (self.name.to_string(), self.subln, self.source.to_string()),
            WeightKind::Fp16 => (
                self.baseline.to_string(),
                false,
                format!("FP16 LLaMA baseline of {}: {}", self.name, self.source),
            ),
        };
        ModelShape {
            name,
            weights,
            hidden: self.hidden,
            ffn: self.ffn,
            layers: self.layers,
            heads: self.heads,
            kv_heads: self.kv_heads,
            head_dim: None,
            vocab: self.vocab,
            ffn_kind: self.ffn_kind,
            tied_embeddings: self.tied,
            subln,
            source,
            moe: self.moe,
        }
    }
}

/// The whole zoo in a stable order: each BitNet model followed by its FP16 baseline.
pub fn zoo() -> Vec<ModelShape> {
    ENTRIES
        .iter()
        .flat_map(|e| [e.shape(WeightKind::Ternary), e.shape(WeightKind::Fp16)])
        .collect()
}

/// The zoo's names, in [`zoo`] order.
pub fn model_names() -> Vec<String> {
    zoo().into_iter().map(|m| m.name).collect()
}

/// Looks a model up by name (ASCII case-insensitive).
///
/// Errors: [`ReferenceError::UnknownModel`] listing every known name.
pub fn model(name: &str) -> Result<ModelShape> {
    zoo()
        .into_iter()
        .find(|m| m.name.eq_ignore_ascii_case(name))
        .ok_or_else(|| ReferenceError::UnknownModel {
            name: name.to_string(),
            known: model_names().join(", "),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_zoo_shape_is_valid_and_named_uniquely() {
        let z = zoo();
        assert_eq!(z.len(), 20);
        for m in &z {
            m.validate().unwrap_or_else(|e| panic!("{}: {e}", m.name));
        }
        let mut names = model_names();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), z.len());
    }

    #[test]
    fn lookup_is_case_insensitive_and_unknown_names_list_the_zoo() {
        assert_eq!(model("BitNet-b1.58-3B").unwrap().hidden, 3200);
        let msg = model("gpt-5").unwrap_err().to_string();
        assert!(
            msg.contains("gpt-5")
                && msg.contains("bitnet-b1.58-2b-4t")
                && msg.contains("llama-70b_fp16")
        );
    }

    #[test]
    fn counts_2b_4t_by_hand() {
        // Per layer: q, o 2560² each; k, v 2560·640 each (5 KV heads × 128); FFN 3·2560·6912.
        let p = model("bitnet-b1.58-2b-4t").unwrap().params();
        let per_layer = 2 * 2560 * 2560 + 2 * 2560 * 640 + 3 * 2560 * 6912;
        assert_eq!(p.linear, 30 * per_layer);
        assert_eq!(p.ternary(), 2_084_044_800);
        assert_eq!(p.embedding, 128_256 * 2560);
        assert_eq!(p.lm_head, 0);
        // Norms: (2·2560 + 2560 + 6912) per layer + final 2560.
        assert_eq!(p.norms, 30 * (3 * 2560 + 6912) + 2560);
        assert_eq!(p.total(), p.ternary() + p.full_precision());
        // About 2.4 B parameters in total.
        assert!(
            (2_400_000_000..2_420_000_000).contains(&p.total()),
            "{}",
            p.total()
        );
    }

    #[test]
    fn llama_7b_baseline_matches_the_known_count() {
        // LLaMA-2 7B has 6,738,415,616 parameters (untied head, no subln).
        let p = model("llama-7b_fp16").unwrap().params();
        assert_eq!(p.total(), 6_738_415_616);
        assert_eq!(p.ternary(), 0);
        assert_eq!(p.full_precision(), p.total());
    }

    #[test]
    fn llama_30b_and_mixtral_match_their_known_counts() {
        // LLaMA-1 30B: 32,528,943,616 parameters (the "32.5B" of its paper).
        assert_eq!(
            model("llama-30b_fp16").unwrap().params().total(),
            32_528_943_616
        );
        // Mixtral-8x7B: 46,702,792,704 parameters, about 12.9B active per token.
        let m = model("mixtral-8x7b_fp16").unwrap();
        let p = m.params();
        assert_eq!(p.total(), 46_702_792_704);
        assert_eq!(p.router, 32 * 4096 * 8);
        let active = m.active_linear() + p.embedding + p.lm_head + p.norms + p.router;
        assert!(
            (12_800_000_000..12_950_000_000).contains(&active),
            "{active}"
        );
        // The BitNet twin has the same shape with ternary linear layers.
        let b = model("bitnet-b1.58-8x7b").unwrap();
        assert_eq!(b.params().total(), p.total());
        assert_eq!(b.params().ternary(), p.linear);
    }

    #[test]
    fn moe_top_k_beyond_the_experts_is_refused() {
        let bad = ModelShape {
            moe: Some(Moe {
                experts: 2,
                top_k: 3,
            }),
            ..model("bitnet-b1.58-8x7b").unwrap()
        };
        let e = bad.validate().unwrap_err();
        assert!(
            e.contains("num_experts_per_tok") && e.contains("= 3") && e.contains("= 2"),
            "{e}"
        );
    }

    #[test]
    fn huge_shapes_are_refused_never_wrapped() {
        // hidden 2^31 with the other sizes near 2^32 wraps u64 arithmetic.
        let huge = ModelShape {
            hidden: 1 << 31,
            ffn: u32::MAX,
            layers: u32::MAX,
            heads: 1,
            kv_heads: 1,
            vocab: u32::MAX,
            ..model("bitnet-b1.58-3b").unwrap()
        };
        let e = huge.validate().unwrap_err();
        assert!(e.contains("layers") && e.contains("limit 4096"), "{e}");
        let e = ModelShape {
            layers: MAX_LAYERS,
            ..huge.clone()
        }
        .validate()
        .unwrap_err();
        assert!(
            e.contains("hidden 2147483648") && e.contains("limit"),
            "{e}"
        );
        assert_eq!(huge.params().total(), u64::MAX, "saturates, never wraps");
        let zero_heads = ModelShape { heads: 0, ..huge };
        assert_eq!(zero_heads.head_dim(), 0);
        assert!(zero_heads.validate().unwrap_err().contains("heads"));
        // Just inside the limit is fine.
        let big = ModelShape {
            hidden: 1 << 20,
            ffn: 1 << 20,
            layers: 100,
            heads: 1 << 10,
            kv_heads: 1 << 10,
            vocab: 1 << 20,
            ..model("bitnet-b1.58-3b").unwrap()
        };
        big.validate().unwrap();
        assert!(big.params().total() <= MAX_PARAMS);
    }

    #[test]
    fn llama_70b_gqa_matches_the_known_count() {
        // LLaMA-2 70B: 68,976,648,192 parameters with 8 KV heads.
        assert_eq!(
            model("llama-70b_fp16").unwrap().params().total(),
            68_976_648_192
        );
    }
}
