//! The operator graph of one inference phase: every GEMM on the array and
//! every vector-unit operation of a decoder layer, plus embedding, final norm
//! and LM head, as a petgraph `DiGraph` whose edges are the data dependences.
//!
//! Work is an affine function of the attended context length `x` so that a
//! decode step's graph prices every step (attention grows with `x`, nothing
//! else does). The prefill graph uses constants only.
//!
//! The graph is one device's share: with tensor parallelism over `t`
//! devices ([`PhaseShape::tensor`]) q/k/v and gate/up are split by output
//! columns and o/down by input rows (Megatron-LM's split), heads and KV heads
//! by `t`, the LM head by vocabulary, and an all-reduce of the hidden state
//! follows o_proj and down_proj. An MoE layer routes each token to its
//! top-k experts ([`super::moe`]): only the experts some token chose run,
//! each on its share of the tokens.

use super::moe;
use crate::gemm::GemmShape;
use petgraph::graph::{DiGraph, NodeIndex};
use serde::Serialize;
use tritone_reference::{FfnKind, ModelShape, WeightKind};

/// Inference phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// All prompt tokens at once.
    Prefill,
    /// One new token per sequence per step.
    Decode,
}

impl Phase {
    /// The name shown to users (as serialized): `prefill` or `decode`.
    pub const fn name(self) -> &'static str {
        match self {
            Phase::Prefill => "prefill",
            Phase::Decode => "decode",
        }
    }
}

/// What an operator computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OpKind {
    /// Token-embedding gather (FP16 rows from DRAM).
    Embedding,
    /// RMSNorm.
    RmsNorm,
    /// Per-token absmax INT8 activation quantization.
    ActQuant,
    /// A ternary (or, in the baseline, FP16) linear layer on the array.
    BitLinear,
    /// Integer accumulator to floating point, times γ/s.
    Dequant,
    /// Rotary position embedding of q and k.
    Rope,
    /// New keys and values written to the DRAM KV cache.
    KvWrite,
    /// Attention scores QKᵀ.
    AttnScores,
    /// Softmax over the scores.
    Softmax,
    /// Scores times V.
    AttnValues,
    /// SwiGLU or gated ReLU².
    FfnAct,
    /// Residual addition.
    Residual,
    /// Logits from the final hidden state (FP16, on the vector unit).
    LmHead,
    /// MoE router: each token's expert scores, softmax and top-k (FP16).
    Router,
    /// MoE combine: the top-k expert outputs weighted and summed.
    MoeCombine,
    /// Tensor parallelism: the hidden state summed over the devices.
    AllReduce,
}

impl OpKind {
    /// The snake_case name, as in files and JSON.
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .expect("an operator kind serializes as its name")
    }
}

/// Which unit runs an operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// The systolic array.
    Array,
    /// The vector unit.
    Vector,
    /// The attention array (QKᵀ and AV when the design has one).
    Attention,
    /// The links between devices (tensor-parallel all-reduces).
    Link,
}

impl Unit {
    /// Every unit.
    pub const ALL: [Unit; 4] = [Unit::Array, Unit::Attention, Unit::Vector, Unit::Link];

    /// The lowercase name, as in files and JSON.
    pub const fn name(self) -> &'static str {
        match self {
            Unit::Array => "array",
            Unit::Vector => "vector",
            Unit::Attention => "attention",
            Unit::Link => "link",
        }
    }
}

/// The affine count `per_ctx · x + fixed`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Lin {
    /// Growth per attended position.
    pub per_ctx: u64,
    /// Constant part.
    pub fixed: u64,
}

impl Lin {
    /// A constant.
    pub fn fixed(v: u64) -> Lin {
        Lin {
            per_ctx: 0,
            fixed: v,
        }
    }
    /// Its value at context `x`.
    pub fn at(&self, x: u64) -> u64 {
        self.per_ctx * x + self.fixed
    }
}

/// Element-wise cost of a vector operator, per element.
///
/// Each add-class (add, compare, convert, round) and mul-class (multiply,
/// divide, exp, rsqrt) operation takes one lane for one cycle; `moves` are
/// lane-cycles without arithmetic (copies).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct VecCost {
    /// Add-class operations.
    pub adds: u64,
    /// Mul-class operations.
    pub muls: u64,
    /// Copies.
    pub moves: u64,
}

impl VecCost {
    /// Lane-cycles per element.
    pub fn lane_ops(&self) -> u64 {
        self.adds + self.muls + self.moves
    }
}

/// Arithmetic a vector operator uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Arith {
    /// The vector unit's floating-point precision.
    Vector,
    /// INT8 multiplies with 32-bit accumulation (INT8 attention).
    Int8,
}

/// Which of attention's two matrix products.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AttnProduct {
    /// Scores QKᵀ: per sequence and KV head, its query heads' queries
    /// against the cached keys.
    Scores,
    /// AV: the score rows times the cached values.
    Values,
}

/// One of attention's matrix products over a phase run: the shape the
/// attention array maps, and the counts the vector unit prices.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct AttnWork {
    /// QKᵀ or AV.
    pub product: AttnProduct,
    /// Sequences.
    pub sequences: u64,
    /// KV heads (on this device).
    pub kv_heads: u64,
    /// Query heads per KV head (grouped-query attention; 1 for MHA).
    pub group: u64,
    /// Head dimension.
    pub head_dim: u64,
    /// Which phase: a prefill attends causally over its own `prompt`
    /// tokens, a decode step's single token over `x` positions.
    pub phase: Phase,
    /// Prompt tokens per sequence (the prefill's queries and keys).
    pub prompt: u64,
    /// INT8 or the vector unit's precision.
    pub arith: Arith,
    /// K (scores) or V (values) read from the DRAM KV cache.
    pub dram_read_bits: Lin,
}

impl AttnWork {
    /// Scores (query–key pairs) over all heads: causal prefill
    /// `B·heads·P(P+1)/2`; a decode step `B·heads·x`.
    pub fn scores(&self) -> Lin {
        let heads = self.sequences * self.kv_heads * self.group;
        match self.phase {
            Phase::Prefill => Lin::fixed(heads * self.prompt * (self.prompt + 1) / 2),
            Phase::Decode => Lin {
                per_ctx: heads,
                fixed: 0,
            },
        }
    }

    /// Per score: `head_dim` multiply-adds.
    pub fn cost(&self) -> VecCost {
        VecCost {
            adds: self.head_dim,
            muls: self.head_dim,
            moves: 0,
        }
    }
}

/// The work of an operator.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub enum Work {
    /// GEMMs on the array: `instances` of `shape` (the experts an MoE layer
    /// loads, each on its share of the tokens; 1 otherwise).
    Gemm {
        /// One GEMM.
        shape: GemmShape,
        /// How many run.
        instances: u64,
    },
    /// QKᵀ or AV: on the attention array, or on the vector unit when the
    /// design has none.
    Attention(AttnWork),
    /// An all-reduce of `bytes` (each device's partial sums) over the
    /// tensor-parallel devices' links.
    AllReduce {
        /// Bytes each device contributes.
        bytes: u64,
    },
    /// An element-wise or reduction operation on the vector unit.
    Vector {
        /// Elements processed.
        elements: Lin,
        /// Per-element cost.
        cost: VecCost,
        /// Arithmetic.
        arith: Arith,
        /// DRAM bits read.
        dram_read_bits: Lin,
        /// DRAM bits written.
        dram_write_bits: Lin,
    },
}

/// One operator of the graph.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Op {
    /// Name, unique within the phase (e.g. `q_proj`).
    pub name: &'static str,
    /// What it computes.
    pub kind: OpKind,
    /// Whether it runs once per decoder layer (otherwise once per phase/step).
    pub per_layer: bool,
    /// The work.
    pub work: Work,
}

impl Op {
    /// The unit that runs it (attention's products on the attention array
    /// when `attention_array`, else on the vector unit).
    pub fn unit(&self, attention_array: bool) -> Unit {
        match self.work {
            Work::Gemm { .. } => Unit::Array,
            Work::Vector { .. } => Unit::Vector,
            Work::Attention(_) if attention_array => Unit::Attention,
            Work::Attention(_) => Unit::Vector,
            Work::AllReduce { .. } => Unit::Link,
        }
    }
}

/// What a phase processes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PhaseShape {
    /// Which phase.
    pub phase: Phase,
    /// Sequences in the batch.
    pub batch: u64,
    /// Prompt length P.
    pub prompt: u64,
    /// KV-cache element width in bits.
    pub kv_bits: u64,
    /// Whether attention uses INT8.
    pub int8_attention: bool,
    /// Tensor-parallel devices the layers are split over (1: one device).
    pub tensor: u64,
}

impl PhaseShape {
    /// Tokens through the linear layers in one run of the phase.
    pub fn tokens(&self) -> u64 {
        match self.phase {
            Phase::Prefill => self.batch * self.prompt,
            Phase::Decode => self.batch,
        }
    }
}

fn vec_op(elements: Lin, adds: u64, muls: u64, moves: u64) -> Work {
    Work::Vector {
        elements,
        cost: VecCost { adds, muls, moves },
        arith: Arith::Vector,
        dram_read_bits: Lin::default(),
        dram_write_bits: Lin::default(),
    }
}

/// Builds the operator graph of one phase of `model` on one device (a
/// decode graph is one step, with attention work affine in the attended
/// context `x`).
///
/// Per-element costs (documented in `docs/simulator.md`): RMSNorm 1 add +
/// 3 mul (square, rsqrt scale, gain); ActQuant 2 add (absmax, round/clamp) +
/// 1 mul; Dequant 1 add (convert) + 1 mul; RoPE 1 add + 2 mul; softmax 3 add
/// (max, subtract, sum) + 2 mul (exp, divide); SwiGLU 1 add + 4 mul (exp,
/// divide, ×gate, ×up); gated ReLU² 1 add + 2 mul; residual 1 add; QKᵀ and
/// AV `head_dim` adds and muls per score; LM head `hidden` of each per logit;
/// MoE router `hidden` adds and muls per expert score plus 3 adds and 2 muls
/// (softmax and top-k); MoE combine 1 add + 1 mul per routed element.
pub fn build(model: &ModelShape, ps: &PhaseShape) -> DiGraph<Op, ()> {
    let tp = ps.tensor.max(1);
    // This device's share of a dimension split over the tensor-parallel devices.
    let sh = |n: u64| n.div_ceil(tp);
    let (d, f, kvd) = (model.hidden as u64, model.ffn as u64, model.kv_dim());
    let (heads, kv_heads, hd) = (
        model.heads as u64,
        model.kv_heads as u64,
        model.head_dim() as u64,
    );
    // heads · head_dim: `d` unless a config sets the head dimension apart.
    let qd = model.q_dim();
    let (b, p, t) = (ps.batch, ps.prompt, ps.tokens());
    let ternary = model.weights == WeightKind::Ternary;
    let mut g = DiGraph::new();
    let mut prev: Vec<NodeIndex> = vec![];
    // Appends ops that all depend on every op of `prev`, and become the new `prev`.
    let mut stage = |g: &mut DiGraph<Op, ()>, ops: Vec<(&'static str, OpKind, bool, Work)>| {
        let nodes: Vec<NodeIndex> = ops
            .into_iter()
            .map(|(name, kind, per_layer, work)| {
                g.add_node(Op {
                    name,
                    kind,
                    per_layer,
                    work,
                })
            })
            .collect();
        for &p in &prev {
            for &n in &nodes {
                g.add_edge(p, n, ());
            }
        }
        prev = nodes;
    };
    let gemm_of = |name: &'static str, m: u64, k: u64, n: u64, instances: u64| {
        (
            name,
            OpKind::BitLinear,
            true,
            Work::Gemm {
                shape: GemmShape { m, k, n },
                instances,
            },
        )
    };
    let gemm = |name: &'static str, k: u64, n: u64| gemm_of(name, t, k, n, 1);
    let layer = |name: &'static str, kind: OpKind, w: Work| (name, kind, true, w);
    let norm = |name: &'static str, width: u64| {
        layer(
            name,
            OpKind::RmsNorm,
            vec_op(Lin::fixed(t * width), 1, 3, 0),
        )
    };
    let quant = |name: &'static str, elements: u64| {
        layer(
            name,
            OpKind::ActQuant,
            vec_op(Lin::fixed(elements), 2, 1, 0),
        )
    };
    let dequant = |name: &'static str, elements: u64| {
        layer(name, OpKind::Dequant, vec_op(Lin::fixed(elements), 1, 1, 0))
    };
    // Tensor parallelism: the hidden state's partial sums, FP16, summed over the devices.
    let all_reduce = |name: &'static str| {
        layer(
            name,
            OpKind::AllReduce,
            Work::AllReduce { bytes: t * d * 2 },
        )
    };

    stage(
        &mut g,
        vec![(
            "embedding",
            OpKind::Embedding,
            false,
            Work::Vector {
                elements: Lin::fixed(t * sh(d)),
                cost: VecCost {
                    adds: 0,
                    muls: 0,
                    moves: 1,
                },
                arith: Arith::Vector,
                dram_read_bits: Lin::fixed(t * sh(d) * 16),
                dram_write_bits: Lin::default(),
            },
        )],
    );
    stage(&mut g, vec![norm("input_norm", d)]);
    if ternary {
        stage(&mut g, vec![quant("act_quant_qkv", t * d)]);
    }
    stage(
        &mut g,
        vec![
            gemm("q_proj", d, sh(qd)),
            gemm("k_proj", d, sh(kvd)),
            gemm("v_proj", d, sh(kvd)),
        ],
    );
    if ternary {
        stage(&mut g, vec![dequant("dequant_qkv", t * sh(qd + 2 * kvd))]);
    }
    stage(
        &mut g,
        vec![layer(
            "rope",
            OpKind::Rope,
            vec_op(Lin::fixed(t * sh(qd + kvd)), 1, 2, 0),
        )],
    );
    let kv = ps.kv_bits;
    stage(
        &mut g,
        vec![layer(
            "kv_write",
            OpKind::KvWrite,
            Work::Vector {
                elements: Lin::default(),
                cost: VecCost {
                    adds: 0,
                    muls: 0,
                    moves: 0,
                },
                arith: Arith::Vector,
                dram_read_bits: Lin::default(),
                dram_write_bits: Lin::fixed(t * 2 * sh(kvd) * kv),
            },
        )],
    );
    // K (and V) are read once per sequence: the prefill's own P positions, a
    // decode step's x cached positions.
    let kv_read = match ps.phase {
        Phase::Prefill => Lin::fixed(b * p * sh(kvd) * kv),
        Phase::Decode => Lin {
            per_ctx: b * sh(kvd) * kv,
            fixed: 0,
        },
    };
    let arith = if ps.int8_attention {
        Arith::Int8
    } else {
        Arith::Vector
    };
    let attn = |name: &'static str, kind: OpKind, product: AttnProduct| {
        layer(
            name,
            kind,
            Work::Attention(AttnWork {
                product,
                sequences: b,
                kv_heads: sh(kv_heads),
                group: heads / kv_heads,
                head_dim: hd,
                phase: ps.phase,
                prompt: p,
                arith,
                dram_read_bits: kv_read,
            }),
        )
    };
    let scores = attn("attn_scores", OpKind::AttnScores, AttnProduct::Scores);
    let score_count = match &scores.3 {
        Work::Attention(a) => a.scores(),
        _ => unreachable!("attn builds attention work"),
    };
    stage(&mut g, vec![scores]);
    stage(
        &mut g,
        vec![layer(
            "softmax",
            OpKind::Softmax,
            Work::Vector {
                elements: score_count,
                cost: VecCost {
                    adds: 3,
                    muls: 2,
                    moves: 0,
                },
                arith: Arith::Vector,
                dram_read_bits: Lin::default(),
                dram_write_bits: Lin::default(),
            },
        )],
    );
    stage(
        &mut g,
        vec![attn("attn_values", OpKind::AttnValues, AttnProduct::Values)],
    );
    if model.subln {
        stage(&mut g, vec![norm("attn_subln", sh(qd))]);
    }
    if ternary {
        stage(&mut g, vec![quant("act_quant_o", t * sh(qd))]);
    }
    stage(&mut g, vec![gemm("o_proj", sh(qd), d)]);
    if ternary {
        stage(&mut g, vec![dequant("dequant_o", t * d)]);
    }
    if tp > 1 {
        stage(&mut g, vec![all_reduce("all_reduce_o")]);
    }
    stage(
        &mut g,
        vec![layer(
            "attn_residual",
            OpKind::Residual,
            vec_op(Lin::fixed(t * d), 1, 0, 0),
        )],
    );
    stage(&mut g, vec![norm("post_attn_norm", d)]);
    if ternary {
        stage(&mut g, vec![quant("act_quant_ffn", t * d)]);
    }
    // Each token runs `k` expert FFNs (1 for a dense layer); the experts some
    // token chose run, each on its share of the tokens.
    let routing = moe::Routing::of(model, t);
    let routed = t * model.experts_per_token();
    if let Some(m) = model.moe {
        let e = m.experts as u64;
        stage(
            &mut g,
            vec![layer(
                "router",
                OpKind::Router,
                Work::Vector {
                    elements: Lin::fixed(t * e),
                    cost: VecCost {
                        adds: d + 3,
                        muls: d + 2,
                        moves: 0,
                    },
                    arith: Arith::Vector,
                    dram_read_bits: Lin::default(),
                    dram_write_bits: Lin::default(),
                },
            )],
        );
    }
    let (m_e, n_e) = (routing.tokens_per_expert, routing.experts);
    stage(
        &mut g,
        vec![
            gemm_of("gate_proj", m_e, d, sh(f), n_e),
            gemm_of("up_proj", m_e, d, sh(f), n_e),
        ],
    );
    if ternary {
        stage(&mut g, vec![dequant("dequant_gate_up", routed * 2 * sh(f))]);
    }
    let (adds, muls) = match model.ffn_kind {
        FfnKind::SwiGlu => (1, 4),
        FfnKind::ReluSquaredGated => (1, 2),
    };
    stage(
        &mut g,
        vec![layer(
            "ffn_act",
            OpKind::FfnAct,
            vec_op(Lin::fixed(routed * sh(f)), adds, muls, 0),
        )],
    );
    if model.subln {
        stage(
            &mut g,
            vec![layer(
                "ffn_subln",
                OpKind::RmsNorm,
                vec_op(Lin::fixed(routed * sh(f)), 1, 3, 0),
            )],
        );
    }
    if ternary {
        stage(&mut g, vec![quant("act_quant_down", routed * sh(f))]);
    }
    stage(&mut g, vec![gemm_of("down_proj", m_e, sh(f), d, n_e)]);
    if ternary {
        stage(&mut g, vec![dequant("dequant_down", routed * d)]);
    }
    if model.moe.is_some() {
        stage(
            &mut g,
            vec![layer(
                "moe_combine",
                OpKind::MoeCombine,
                vec_op(Lin::fixed(routed * d), 1, 1, 0),
            )],
        );
    }
    if tp > 1 {
        stage(&mut g, vec![all_reduce("all_reduce_ffn")]);
    }
    stage(
        &mut g,
        vec![layer(
            "ffn_residual",
            OpKind::Residual,
            vec_op(Lin::fixed(t * d), 1, 0, 0),
        )],
    );
    // Only each sequence's last position needs logits (prefill) — B rows.
    stage(
        &mut g,
        vec![(
            "final_norm",
            OpKind::RmsNorm,
            false,
            vec_op(Lin::fixed(b * d), 1, 3, 0),
        )],
    );
    let v = sh(model.vocab as u64);
    stage(
        &mut g,
        vec![(
            "lm_head",
            OpKind::LmHead,
            false,
            Work::Vector {
                elements: Lin::fixed(b * v),
                cost: VecCost {
                    adds: d,
                    muls: d,
                    moves: 0,
                },
                arith: Arith::Vector,
                // FP16 weights streamed from DRAM once per run (notes: the 2B-4T
                // lm_head is the unquantized embedding).
                dram_read_bits: Lin::fixed(v * d * 16),
                dram_write_bits: Lin::default(),
            },
        )],
    );
    g
}
