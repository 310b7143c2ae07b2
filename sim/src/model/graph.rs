//! The operator graph of one inference phase: every GEMM on the array and
//! every vector-unit operation of a decoder layer, plus embedding, final norm
//! and LM head, as a petgraph `DiGraph` whose edges are the data dependences.
//!
//! Work is an affine function of the attended context length `x` so that a
//! decode step's graph prices every step (attention grows with `x`, nothing
//! else does). The prefill graph uses constants only.

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
}

impl Unit {
    /// The lowercase name, as in files and JSON.
    pub const fn name(self) -> &'static str {
        match self {
            Unit::Array => "array",
            Unit::Vector => "vector",
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

/// The work of an operator.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub enum Work {
    /// A GEMM on the array.
    Gemm(GemmShape),
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
    /// The unit that runs it.
    pub fn unit(&self) -> Unit {
        match self.work {
            Work::Gemm(_) => Unit::Array,
            Work::Vector { .. } => Unit::Vector,
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

/// Builds the operator graph of one phase of `model` (a decode graph is one
/// step, with attention work affine in the attended context `x`).
///
/// Per-element costs (documented in `docs/simulator.md`): RMSNorm 1 add +
/// 3 mul (square, rsqrt scale, gain); ActQuant 2 add (absmax, round/clamp) +
/// 1 mul; Dequant 1 add (convert) + 1 mul; RoPE 1 add + 2 mul; softmax 3 add
/// (max, subtract, sum) + 2 mul (exp, divide); SwiGLU 1 add + 4 mul (exp,
/// divide, ×gate, ×up); gated ReLU² 1 add + 2 mul; residual 1 add; QKᵀ and
/// AV `head_dim` adds and muls per score; LM head `hidden` of each per logit.
pub fn build(model: &ModelShape, ps: &PhaseShape) -> DiGraph<Op, ()> {
    let (d, f, kvd) = (model.hidden as u64, model.ffn as u64, model.kv_dim());
    let (heads, hd) = (model.heads as u64, model.head_dim() as u64);
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
    let gemm = |name: &'static str, k: u64, n: u64| {
        (
            name,
            OpKind::BitLinear,
            true,
            Work::Gemm(GemmShape { m: t, k, n }),
        )
    };
    let layer = |name: &'static str, kind: OpKind, w: Work| (name, kind, true, w);
    let norm = |name: &'static str, width: u64| {
        layer(
            name,
            OpKind::RmsNorm,
            vec_op(Lin::fixed(t * width), 1, 3, 0),
        )
    };
    let quant = |name: &'static str, width: u64| {
        layer(
            name,
            OpKind::ActQuant,
            vec_op(Lin::fixed(t * width), 2, 1, 0),
        )
    };
    let dequant = |name: &'static str, width: u64| {
        layer(
            name,
            OpKind::Dequant,
            vec_op(Lin::fixed(t * width), 1, 1, 0),
        )
    };

    stage(
        &mut g,
        vec![(
            "embedding",
            OpKind::Embedding,
            false,
            Work::Vector {
                elements: Lin::fixed(t * d),
                cost: VecCost {
                    adds: 0,
                    muls: 0,
                    moves: 1,
                },
                arith: Arith::Vector,
                dram_read_bits: Lin::fixed(t * d * 16),
                dram_write_bits: Lin::default(),
            },
        )],
    );
    stage(&mut g, vec![norm("input_norm", d)]);
    if ternary {
        stage(&mut g, vec![quant("act_quant_qkv", d)]);
    }
    stage(
        &mut g,
        vec![
            gemm("q_proj", d, qd),
            gemm("k_proj", d, kvd),
            gemm("v_proj", d, kvd),
        ],
    );
    if ternary {
        stage(&mut g, vec![dequant("dequant_qkv", qd + 2 * kvd)]);
    }
    stage(
        &mut g,
        vec![layer(
            "rope",
            OpKind::Rope,
            vec_op(Lin::fixed(t * (qd + kvd)), 1, 2, 0),
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
                dram_write_bits: Lin::fixed(t * 2 * kvd * kv),
            },
        )],
    );
    // Scores per phase: causal prefill sums 1..P per query row; a decode step
    // attends x positions per sequence. K (and V) are read once per sequence.
    let (scores, kv_read) = match ps.phase {
        Phase::Prefill => (
            Lin::fixed(b * heads * p * (p + 1) / 2),
            Lin::fixed(b * p * kvd * kv),
        ),
        Phase::Decode => (
            Lin {
                per_ctx: b * heads,
                fixed: 0,
            },
            Lin {
                per_ctx: b * kvd * kv,
                fixed: 0,
            },
        ),
    };
    let arith = if ps.int8_attention {
        Arith::Int8
    } else {
        Arith::Vector
    };
    let attn = |name: &'static str, kind: OpKind, cost: VecCost, read: Lin| {
        layer(
            name,
            kind,
            Work::Vector {
                elements: scores,
                cost,
                arith,
                dram_read_bits: read,
                dram_write_bits: Lin::default(),
            },
        )
    };
    stage(
        &mut g,
        vec![attn(
            "attn_scores",
            OpKind::AttnScores,
            VecCost {
                adds: hd,
                muls: hd,
                moves: 0,
            },
            kv_read,
        )],
    );
    stage(
        &mut g,
        vec![layer(
            "softmax",
            OpKind::Softmax,
            Work::Vector {
                elements: scores,
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
        vec![attn(
            "attn_values",
            OpKind::AttnValues,
            VecCost {
                adds: hd,
                muls: hd,
                moves: 0,
            },
            kv_read,
        )],
    );
    if model.subln {
        stage(&mut g, vec![norm("attn_subln", qd)]);
    }
    if ternary {
        stage(&mut g, vec![quant("act_quant_o", qd)]);
    }
    stage(&mut g, vec![gemm("o_proj", qd, d)]);
    if ternary {
        stage(&mut g, vec![dequant("dequant_o", d)]);
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
        stage(&mut g, vec![quant("act_quant_ffn", d)]);
    }
    stage(&mut g, vec![gemm("gate_proj", d, f), gemm("up_proj", d, f)]);
    if ternary {
        stage(&mut g, vec![dequant("dequant_gate_up", 2 * f)]);
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
            vec_op(Lin::fixed(t * f), adds, muls, 0),
        )],
    );
    if model.subln {
        stage(&mut g, vec![norm("ffn_subln", f)]);
    }
    if ternary {
        stage(&mut g, vec![quant("act_quant_down", f)]);
    }
    stage(&mut g, vec![gemm("down_proj", f, d)]);
    if ternary {
        stage(&mut g, vec![dequant("dequant_down", d)]);
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
    let v = model.vocab as u64;
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
