//! Every number of the report, computed once from [`tritone_eval`]'s
//! evaluations: one row type per table, each written as CSV and JSON and
//! rendered in the Markdown.

use super::ReportError;
use rayon::prelude::*;
use serde::ser::SerializeStruct;
use serde::Serialize;
use tritone_energy::{paper, Action, Component, Ert, FpFormat, Node};
use tritone_eval::{Comparison, DesignPoint, Evaluation, Evaluator, Metrics};
use tritone_reference::{ModelShape, WeightKind};
use tritone_sim::model::footprint::{max_batch, Footprint};
use tritone_sim::model::graph::{Phase, Unit};
use tritone_sim::{ArrayConfig, Workload};

/// pJ → J.
pub const PJ: f64 = 1e-12;
/// Bytes per GB as the paper's GPU-memory figures count them (10^9).
pub const GB: f64 = 1e9;
/// One 80 GB A100 (Table 3's device): 80 GiB of HBM.
pub const A100_BYTES: u64 = 80 * (1 << 30);
/// Sequence length of Table 3 (paper §3, Throughput).
pub const TABLE3_SEQ: u64 = 512;
/// Tokens of the Figure 3 (right) inference (paper §3, Energy: "models with 512 tokens").
pub const FIG3_TOKENS: u64 = 512;

/// The paper's Table 1 (BitNet b1.58 paper, Table 1): (size, LLaMA memory GB,
/// LLaMA latency ms, BitNet memory GB, BitNet latency ms). The 3.9B BitNet
/// row is compared with LLaMA 3B in the paper.
const PAPER_TABLE1: [(&str, f64, f64, f64, f64); 4] = [
    ("700M", 2.08, 1.18, 0.80, 0.96),
    ("1.3B", 3.34, 1.62, 1.14, 0.97),
    ("3B", 7.89, 5.07, 2.22, 1.87),
    ("3.9B", 7.89, 5.07, 2.38, 2.11),
];
/// The paper's Table 3: (LLaMA 70B batch, tokens/s), (BitNet 70B batch, tokens/s).
const PAPER_TABLE3: [(u64, f64); 2] = [(16, 333.0), (176, 2977.0)];
/// The paper's headline ratios (abstract / §3 at 7 nm; the 45 nm figure from the energy notes).
const PAPER_HEADLINE: [(Node, f64); 2] = [(Node::Nm7, 71.4), (Node::Nm45, 50.0)];
/// The paper's three equivalences (§3): a BitNet b1.58 size against the FP16 size it beats.
pub const EQUIVALENCES: [(&str, &str); 3] = [("13B", "3B"), ("30B", "7B"), ("70B", "13B")];

/// DRAM bandwidths (GB/s) of the equivalence regions: an edge part, the
/// default LPDDR4, and an HBM-class memory.
pub const REGION_DRAM_GBPS: [f64; 3] = [16.0, 64.0, 256.0];

/// Array sizes (R = C) of the equivalence regions: the old and the new default.
pub const REGION_DIMS: [u32; 2] = [128, 256];

/// What the report is computed for.
#[derive(Clone, Debug)]
pub struct Setup {
    /// The simulated ternary design (its FP16 copy runs the baselines).
    pub arch: ArrayConfig,
    /// The table used for every per-model number.
    pub ert: Ert,
    /// The workload of the per-model breakdowns, latency and memory.
    pub workload: Workload,
    /// The BitNet models (their FP16 baselines are derived).
    pub models: Vec<ModelShape>,
}

/// The paper's headline, recomputed from a table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HeadlineRow {
    /// Table.
    pub node: String,
    /// FP16 multiply, pJ.
    pub fp16_mul_pj: f64,
    /// FP16 add, pJ.
    pub fp16_add_pj: f64,
    /// INT8 add, pJ.
    pub int8_add_pj: f64,
    /// (FP16 mul + add) / INT8 add.
    pub ratio: f64,
    /// The paper's figure.
    pub paper_ratio: f64,
    /// Accumulator width of the simulated array.
    pub acc_bits: u32,
    /// Its add, pJ.
    pub acc_add_pj: f64,
    /// (FP16 mul + add) / accumulator add.
    pub acc_ratio: f64,
    /// (FP16 mul + add) / INT32 add.
    pub int32_ratio: f64,
}

/// Figure 3 left: the composition of the linear layers' arithmetic energy.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fig3LeftRow {
    /// Model.
    pub model: String,
    /// INT8 adds, J.
    pub int8_add_j: f64,
    /// FP16 adds, J.
    pub fp16_add_j: f64,
    /// FP16 multiplies, J.
    pub fp16_mul_j: f64,
    /// Shares of the three, %.
    pub int8_add_pct: f64,
    /// FP16 add share, %.
    pub fp16_add_pct: f64,
    /// FP16 mul share, %.
    pub fp16_mul_pct: f64,
}

/// Figure 3 right: end-to-end energy of a 512-token inference.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fig3RightRow {
    /// Size label, e.g. "7B".
    pub size: String,
    /// BitNet parameters, billions.
    pub params_b: f64,
    /// Paper view, BitNet b1.58, J.
    pub bitnet_paper_j: f64,
    /// Paper view, FP16, J.
    pub fp16_paper_j: f64,
    /// FP16 / BitNet, paper view.
    pub paper_ratio: f64,
    /// Share of the linear layers in the FP16 paper-view energy, %.
    pub fp16_linear_pct: f64,
    /// Faithful view, BitNet b1.58, J.
    pub bitnet_faithful_j: f64,
    /// Faithful view, FP16, J.
    pub fp16_faithful_j: f64,
    /// FP16 / BitNet, faithful view.
    pub faithful_ratio: f64,
}

/// Table 1 / Figure 2: memory and decode latency by size, next to the paper's.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Table1Row {
    /// Size label.
    pub size: String,
    /// BitNet parameters, billions.
    pub params_b: f64,
    /// FP16 memory, GB.
    pub fp16_mem_gb: f64,
    /// BitNet memory, GB.
    pub bitnet_mem_gb: f64,
    /// FP16 / BitNet memory.
    pub mem_ratio: f64,
    /// FP16 decode latency, ms per token.
    pub fp16_latency_ms: f64,
    /// BitNet decode latency, ms per token.
    pub bitnet_latency_ms: f64,
    /// FP16 / BitNet latency.
    pub speedup: f64,
    /// Share of FP16 decode cycles spent waiting for DRAM, %.
    pub fp16_decode_stall_pct: f64,
    /// Share of BitNet decode cycles spent waiting for DRAM, %.
    pub bitnet_decode_stall_pct: f64,
    /// The paper's memory ratio (Table 1), when it reports this size.
    pub paper_mem_ratio: Option<f64>,
    /// The paper's speed-up (Table 1; 4.1 for 70B from §3), when reported.
    pub paper_speedup: Option<f64>,
}

/// Table 3: largest batch in 2×80 GB at sequence length 512, and throughput.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Table3Row {
    /// Model.
    pub model: String,
    /// Largest batch.
    pub max_batch: u64,
    /// Largest batch if the model had full multi-head attention (KV heads =
    /// heads): how much the assumed grouped-query shape matters.
    pub max_batch_mha: u64,
    /// Memory at that batch, GB.
    pub memory_gb: f64,
    /// Decode tokens/s at that batch on the simulated design.
    pub tokens_per_s: f64,
    /// Share of decode cycles spent on the vector unit (attention, norms…), %.
    pub vector_pct: f64,
    /// The paper's batch.
    pub paper_batch: u64,
    /// The paper's tokens/s (two A100s).
    pub paper_tokens_per_s: f64,
}

/// One design of the equivalence regions: each claim's decode-latency ratio
/// (the smaller FP16 model's over the larger BitNet b1.58's; above 1 the
/// claim holds) on the report's design with the DRAM bandwidth, the array
/// size and the attention unit changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RegionRow {
    /// DRAM bandwidth, GB/s.
    pub dram_gbps: f64,
    /// Array rows and columns.
    pub dim: u32,
    /// Where QKᵀ and AV run: `vector` or `RxC`.
    pub attention_unit: String,
    /// Per claim, in the paper's order: FP16 / BitNet b1.58 decode latency
    /// (`None`: a model of the claim is not in the setup).
    pub ratios: Vec<Option<f64>>,
}

/// One equivalence claim checked on one metric.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EquivRow {
    /// E.g. "13B BitNet b1.58 vs 3B FP16".
    pub claim: String,
    /// latency / memory / energy (faithful) / energy (paper view).
    pub metric: String,
    /// BitNet's value (empty when not evaluated).
    pub bitnet: Option<f64>,
    /// FP16's value.
    pub fp16: Option<f64>,
    /// Unit of the values.
    pub unit: String,
    /// "holds", "does not hold" or "not evaluated: …".
    pub verdict: String,
}

/// The gap from 71.4× to end to end, per size.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GapRow {
    /// Size.
    pub size: String,
    /// Per-product headline (FP16 mul+add / INT8 add).
    pub headline: f64,
    /// Linear layers, paper convention.
    pub paper_matmul: f64,
    /// Linear layers' arithmetic as the array performs it.
    pub faithful_matmul: f64,
    /// Whole inference, paper convention (arithmetic only).
    pub paper_end_to_end: f64,
    /// Whole inference, faithful (arithmetic, registers, SRAM, DRAM, leakage).
    pub faithful_end_to_end: f64,
    /// DRAM share of BitNet's faithful energy, %.
    pub bitnet_dram_pct: f64,
    /// DRAM share of FP16's faithful energy, %.
    pub fp16_dram_pct: f64,
}

/// One model's inference at the report's workload: the figures every view
/// shares (the same [`Metrics`] as the sweep's row and `tritone energy`'s).
#[derive(Clone, Debug, PartialEq)]
pub struct ModelRow {
    /// Model.
    pub model: String,
    /// Ternary or FP16.
    pub weights: WeightKind,
    /// Parameters, billions.
    pub params_b: f64,
    /// The shared figures.
    pub metrics: Metrics,
}

impl Serialize for ModelRow {
    /// Flat, so that it is a CSV row: the model's columns, then the metrics'.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("ModelRow", 3 + Metrics::COLUMNS.len())?;
        st.serialize_field("model", &self.model)?;
        st.serialize_field(
            "weights",
            match self.weights {
                WeightKind::Ternary => "ternary",
                WeightKind::Fp16 => "fp16",
            },
        )?;
        st.serialize_field("params_b", &self.params_b)?;
        let values = serde_json::to_value(&self.metrics).map_err(serde::ser::Error::custom)?;
        for name in Metrics::COLUMNS {
            st.serialize_field(name, &values[name])?;
        }
        st.end()
    }
}

/// One component of one model's faithful energy.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ComponentRow {
    /// Model.
    pub model: String,
    /// Component.
    pub component: String,
    /// Energy, J.
    pub energy_j: f64,
    /// Share of the model's total, %.
    pub pct: f64,
}

/// One layer type of one model's faithful energy.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KindRow {
    /// Model.
    pub model: String,
    /// Operator kind.
    pub kind: String,
    /// array / vector.
    pub unit: String,
    /// Energy, J.
    pub energy_j: f64,
    /// Share, %.
    pub pct: f64,
}

/// Everything the report shows.
#[derive(Clone, Debug, Serialize)]
pub struct ReportData {
    /// The table rows used.
    pub table: Vec<tritone_energy::TableRow>,
    /// The table's name (e.g. "7nm").
    pub table_name: String,
    /// Headline per node.
    pub headline: Vec<HeadlineRow>,
    /// Figure 3 left.
    pub fig3_left: Vec<Fig3LeftRow>,
    /// Figure 3 right.
    pub fig3_right: Vec<Fig3RightRow>,
    /// Table 1 / Figure 2.
    pub table1: Vec<Table1Row>,
    /// Table 3.
    pub table3: Vec<Table3Row>,
    /// Equivalences.
    pub equivalences: Vec<EquivRow>,
    /// Equivalence regions: the latency claims over designs.
    pub regions: Vec<RegionRow>,
    /// The 1.58-bit MoE claim: devices and decode speed.
    pub moe: Vec<MoeRow>,
    /// Paper vs faithful.
    pub gap: Vec<GapRow>,
    /// Per-model summaries.
    pub models: Vec<ModelRow>,
    /// Per-model components.
    pub components: Vec<ComponentRow>,
    /// Per-model layer types.
    pub kinds: Vec<KindRow>,
}

/// "bitnet-b1.58-7b" → "7B".
pub fn size_label(name: &str) -> String {
    name.strip_prefix("bitnet-b1.58-")
        .unwrap_or(name)
        .to_ascii_uppercase()
}

fn pct(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        100.0 * part / whole + 0.0
    } else {
        0.0
    }
}

fn headline(node: Node, acc_bits: u32) -> HeadlineRow {
    let ert = Ert::builtin(node);
    let pj = |a| ert.arith_cost(a).pj;
    HeadlineRow {
        node: node.name().into(),
        fp16_mul_pj: pj(Action::FpMul {
            format: FpFormat::Fp16,
        }),
        fp16_add_pj: pj(Action::FpAdd {
            format: FpFormat::Fp16,
        }),
        int8_add_pj: pj(Action::IntAdd { bits: 8 }),
        ratio: paper::headline_ratio(&ert),
        paper_ratio: PAPER_HEADLINE
            .iter()
            .find(|(n, _)| *n == node)
            .map(|p| p.1)
            .unwrap_or(f64::NAN),
        acc_bits,
        acc_add_pj: pj(Action::IntAdd { bits: acc_bits }),
        acc_ratio: paper::accumulator_ratio(&ert, acc_bits),
        int32_ratio: paper::accumulator_ratio(&ert, 32),
    }
}

/// Per BitNet model: the comparison at the default workload and at the
/// Figure 3 workload.
struct PerModel {
    size: String,
    default: Comparison,
    fig3: Comparison,
}

fn model_row(m: &Evaluation) -> ModelRow {
    ModelRow {
        model: m.model.clone(),
        weights: m.weights,
        params_b: m.params as f64 / 1e9,
        metrics: m.metrics.clone(),
    }
}

/// Share of the decode cycles spent waiting for DRAM, %.
fn decode_stall_pct(m: &Evaluation) -> f64 {
    let ops = m
        .stats
        .ops
        .iter()
        .filter(|o| o.phase == tritone_sim::model::graph::Phase::Decode);
    let (stall, all) = ops.fold((0u64, 0u64), |(s, a), o| (s + o.stall_cycles, a + o.cycles));
    pct(stall as f64, all as f64)
}

fn ratio_or_nan(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        f64::NAN
    }
}

/// Computes every table (models in parallel, sharing their simulated GEMMs).
pub fn compute(setup: &Setup) -> Result<ReportData, ReportError> {
    let cfg = &setup.arch;
    let ert = &setup.ert;
    let evaluator = Evaluator::new(ert.clone());
    let fig3_w = Workload {
        prefill: FIG3_TOKENS,
        decode: 0,
        batch: 1,
    };
    let compare = |m: &ModelShape, w: Workload| -> Result<Comparison, ReportError> {
        Ok(evaluator.compare(&DesignPoint::new(cfg.clone(), m.clone(), w)?)?)
    };
    let per: Vec<PerModel> = setup
        .models
        .par_iter()
        .map(|m| {
            Ok(PerModel {
                size: size_label(&m.name),
                default: compare(m, setup.workload)?,
                fig3: compare(m, fig3_w)?,
            })
        })
        .collect::<Result<_, ReportError>>()?;

    let headline: Vec<HeadlineRow> = Node::ALL
        .iter()
        .rev()
        .map(|&n| headline(n, cfg.acc_bits()))
        .collect();

    let fig3_left = per
        .iter()
        .flat_map(|p| {
            [
                (&p.fig3.model, format!("BitNet b1.58 {}", p.size)),
                (&p.fig3.fp16, format!("LLaMA {} (FP16)", p.size)),
            ]
        })
        .map(|(m, label)| {
            let b = &m.paper.linear;
            let (i, a, mu) = (
                b.action_pj(Action::IntAdd { bits: 8 }),
                b.action_pj(Action::FpAdd {
                    format: FpFormat::Fp16,
                }),
                b.action_pj(Action::FpMul {
                    format: FpFormat::Fp16,
                }),
            );
            let t = i + a + mu;
            Fig3LeftRow {
                model: label,
                int8_add_j: i * PJ,
                fp16_add_j: a * PJ,
                fp16_mul_j: mu * PJ,
                int8_add_pct: pct(i, t),
                fp16_add_pct: pct(a, t),
                fp16_mul_pct: pct(mu, t),
            }
        })
        .collect();

    let mut fig3_right: Vec<Fig3RightRow> = per
        .iter()
        .map(|p| {
            let (b, f) = (&p.fig3.model, &p.fig3.fp16);
            Fig3RightRow {
                size: p.size.clone(),
                params_b: b.params as f64 / 1e9,
                bitnet_paper_j: b.paper.total_pj * PJ,
                fp16_paper_j: f.paper.total_pj * PJ,
                paper_ratio: f.paper.total_pj / b.paper.total_pj,
                fp16_linear_pct: pct(f.paper.linear.total_pj, f.paper.total_pj),
                bitnet_faithful_j: b.faithful.total_pj * PJ,
                fp16_faithful_j: f.faithful.total_pj * PJ,
                faithful_ratio: f.faithful.total_pj / b.faithful.total_pj,
            }
        })
        .collect();

    // Size order, so that lines through the rows run left to right.
    fig3_right.sort_by(|a, b| a.params_b.total_cmp(&b.params_b));

    let mut table1: Vec<Table1Row> = per
        .iter()
        .zip(&setup.models)
        .map(|(p, shape)| {
            let bm = p.default.model.metrics.memory_bytes as f64 / GB;
            let fm = p.default.fp16.metrics.memory_bytes as f64 / GB;
            let (bl, fl) = (
                p.default.model.metrics.decode_latency_s * 1e3,
                p.default.fp16.metrics.decode_latency_s * 1e3,
            );
            let paper = PAPER_TABLE1
                .iter()
                .find(|r| r.0.eq_ignore_ascii_case(&p.size));
            Table1Row {
                size: p.size.clone(),
                params_b: shape.params().total() as f64 / 1e9,
                fp16_mem_gb: fm,
                bitnet_mem_gb: bm,
                mem_ratio: fm / bm,
                fp16_latency_ms: fl,
                bitnet_latency_ms: bl,
                speedup: ratio_or_nan(fl, bl),
                fp16_decode_stall_pct: decode_stall_pct(&p.default.fp16),
                bitnet_decode_stall_pct: decode_stall_pct(&p.default.model),
                paper_mem_ratio: paper.map(|r| r.1 / r.3),
                // Paper §3: "BitNet b1.58 70B is 4.1 times faster".
                paper_speedup: paper
                    .map(|r| r.2 / r.4)
                    .or((p.size == "70B").then_some(4.1)),
            }
        })
        .collect();

    table1.sort_by(|a, b| a.params_b.total_cmp(&b.params_b));

    let table3 = match setup.models.iter().find(|m| size_label(&m.name) == "70B") {
        Some(m70) => table3(&evaluator, cfg, m70)?,
        None => Vec::new(),
    };

    let equivalences = equivalences(&per);

    let gap = per
        .iter()
        .map(|p| {
            let (b, f) = (&p.default.model, &p.default.fp16);
            GapRow {
                size: p.size.clone(),
                headline: paper::headline_ratio(ert),
                paper_matmul: f.paper.linear.total_pj / b.paper.linear.total_pj,
                faithful_matmul: f.faithful_matmul_arith_pj / b.faithful_matmul_arith_pj,
                paper_end_to_end: f.paper.total_pj / b.paper.total_pj,
                faithful_end_to_end: f.faithful.total_pj / b.faithful.total_pj,
                bitnet_dram_pct: pct(
                    b.faithful.component_pj(Component::Dram),
                    b.faithful.total_pj,
                ),
                fp16_dram_pct: pct(
                    f.faithful.component_pj(Component::Dram),
                    f.faithful.total_pj,
                ),
            }
        })
        .collect();

    let mut models = Vec::new();
    let mut components = Vec::new();
    let mut kinds = Vec::new();
    for p in &per {
        for m in [&p.default.model, &p.default.fp16] {
            models.push(model_row(m));
            let total = m.faithful.total_pj;
            for (comp, pj) in m.faithful.by_component() {
                components.push(ComponentRow {
                    model: m.model.clone(),
                    component: comp.name().into(),
                    energy_j: pj * PJ,
                    pct: pct(pj, total),
                });
            }
            for k in &m.by_kind {
                kinds.push(KindRow {
                    model: m.model.clone(),
                    kind: k.kind.name(),
                    unit: k.unit.name().to_string(),
                    energy_j: k.total_pj * PJ,
                    pct: pct(k.total_pj, total),
                });
            }
        }
    }

    Ok(ReportData {
        table: ert.rows(),
        table_name: ert.name().to_string(),
        headline,
        fig3_left,
        fig3_right,
        table1,
        table3,
        equivalences,
        regions: regions(&evaluator, setup)?,
        moe: moe_rows(&evaluator, cfg, &setup.models)?,
        gap,
        models,
        components,
        kinds,
    })
}

/// Table 3: each 70B model at its largest batch in 2×80 GB at sequence
/// length 512, and its decode throughput simulated over a whole 512-token
/// sequence (one prompt token, 511 generated, so the context sweeps 2..512).
fn table3(
    evaluator: &Evaluator,
    cfg: &ArrayConfig,
    m70: &ModelShape,
) -> Result<Vec<Table3Row>, ReportError> {
    // As the paper ran it: two 80 GB devices, pipeline parallel (the layers
    // split in two stages, the batch in micro-batches), each device this design.
    let two = tritone_sim::config::System {
        devices: 2,
        tensor_parallel: 1,
        ..cfg.system()
    };
    let cap = A100_BYTES;
    let runs = [
        (
            tritone_sim::model::fp16_baseline_model(m70),
            PAPER_TABLE3[0],
        ),
        (m70.clone(), PAPER_TABLE3[1]),
    ];
    runs.into_par_iter()
        .map(|(shape, (pb, pt))| {
            // The array the model runs on (FP16 models on its FP16 copy).
            let on = DesignPoint::for_model(cfg, shape.clone(), tritone_eval::DEFAULT_WORKLOAD)?;
            let c = &on
                .arch()
                .with_system(two)
                .map_err(tritone_sim::SimError::from)?;
            let batch = max_batch(&shape, c, TABLE3_SEQ, cap);
            let (tokens_per_s, vector_pct) = if batch == 0 {
                (0.0, 0.0)
            } else {
                let w = Workload {
                    prefill: 1,
                    decode: TABLE3_SEQ - 1,
                    batch,
                };
                let st = evaluator
                    .evaluate(&DesignPoint::new(c.clone(), shape.clone(), w)?)?
                    .stats;
                let decode = st.ops.iter().filter(|o| o.phase == Phase::Decode);
                let (vec, all) = decode.fold((0u64, 0u64), |(v, a), o| {
                    (
                        v + if o.unit == Unit::Vector { o.cycles } else { 0 },
                        a + o.cycles,
                    )
                });
                (st.tokens_per_s, pct(vec as f64, all as f64))
            };
            let mha = ModelShape {
                kv_heads: shape.heads,
                ..shape.clone()
            };
            Ok(Table3Row {
                model: shape.name.clone(),
                max_batch: batch,
                max_batch_mha: max_batch(&mha, c, TABLE3_SEQ, cap),
                memory_gb: Footprint::of(&shape, c, batch, TABLE3_SEQ).total() as f64 / GB,
                tokens_per_s,
                vector_pct,
                paper_batch: pb,
                paper_tokens_per_s: pt,
            })
        })
        .collect()
}

/// The latency claims of the paper's three equivalences over a grid of
/// designs ([`REGION_DRAM_GBPS`] × [`REGION_DIMS`] × attention on the vector
/// unit or a 64×64 array), every model priced by the one evaluator.
fn regions(evaluator: &Evaluator, setup: &Setup) -> Result<Vec<RegionRow>, ReportError> {
    use tritone_sim::config::{AttentionUnit, Dram};
    let find = |size: &str| setup.models.iter().find(|m| size_label(&m.name) == size);
    let mut designs = Vec::new();
    for gbps in REGION_DRAM_GBPS {
        for dim in REGION_DIMS {
            for unit in [
                AttentionUnit::Vector,
                AttentionUnit::Array { rows: 64, cols: 64 },
            ] {
                designs.push((gbps, dim, unit));
            }
        }
    }
    designs
        .into_par_iter()
        .map(|(gbps, dim, unit)| {
            let base = setup.arch.spec();
            let cfg = ArrayConfig::new(tritone_sim::ArraySpec {
                rows: Some(dim),
                cols: Some(dim),
                acc_bits: None,
                dram: Some(Dram {
                    bandwidth_gbps: gbps,
                    ..setup.arch.dram()
                }),
                attention_unit: Some(unit),
                ..base
            })
            .map_err(tritone_sim::SimError::from)?;
            let latency = |m: ModelShape| -> Result<f64, ReportError> {
                let p = DesignPoint::for_model(&cfg, m, setup.workload)?;
                Ok(evaluator.metrics(&p)?.decode_latency_s)
            };
            let ratios = EQUIVALENCES
                .iter()
                .map(|(b, f)| match (find(b), find(f)) {
                    (Some(b), Some(f)) => Ok(Some(
                        latency(tritone_sim::model::fp16_baseline_model(f))? / latency(b.clone())?,
                    )),
                    _ => Ok(None),
                })
                .collect::<Result<_, ReportError>>()?;
            Ok(RegionRow {
                dram_gbps: gbps,
                dim,
                attention_unit: tritone_eval::param::attention_unit_text(unit),
                ratios,
            })
        })
        .collect()
}

/// The 1.58-bit MoE claim (the paper's future work, "1b-Mixtral": fewer
/// devices, less traffic): each MoE model and its FP16 baseline on the
/// fewest 80 GB devices that hold it at sequence length 512 (pipeline
/// parallel), decoding at batch 1 and at the largest batch those devices hold.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MoeRow {
    /// Model.
    pub model: String,
    /// Fewest 80 GB devices that hold the weights and one sequence.
    pub devices: u32,
    /// Weights, GB.
    pub weights_gb: f64,
    /// Decode tokens/s at batch 1 on those devices.
    pub tokens_per_s_batch1: f64,
    /// Largest batch at sequence length 512 on those devices.
    pub max_batch: u64,
    /// Decode tokens/s at that batch.
    pub tokens_per_s_max_batch: f64,
}

/// Most 80 GB devices the MoE rows try before calling a model unplaceable.
const MOE_MAX_DEVICES: u32 = 16;

/// [`MoeRow`]s of every MoE model of the setup and its FP16 baseline.
fn moe_rows(
    evaluator: &Evaluator,
    cfg: &ArrayConfig,
    models: &[ModelShape],
) -> Result<Vec<MoeRow>, ReportError> {
    let shapes: Vec<ModelShape> = models
        .iter()
        .filter(|m| m.moe.is_some())
        .flat_map(|m| [tritone_sim::model::fp16_baseline_model(m), m.clone()])
        .collect();
    shapes
        .into_par_iter()
        .filter_map(|shape| {
            let placed = (1..=MOE_MAX_DEVICES).find_map(|devices| {
                let system = tritone_sim::config::System {
                    devices,
                    tensor_parallel: 1,
                    ..cfg.system()
                };
                let on = DesignPoint::for_model(cfg, shape.clone(), tritone_eval::DEFAULT_WORKLOAD)
                    .ok()?;
                let c = on.arch().with_system(system).ok()?;
                let batch = max_batch(&shape, &c, TABLE3_SEQ, A100_BYTES);
                (batch >= 1).then_some((devices, c, batch))
            })?;
            Some((shape, placed))
        })
        .map(|(shape, (devices, c, batch))| {
            let speed = |b: u64| -> Result<f64, ReportError> {
                let w = Workload {
                    prefill: 1,
                    decode: TABLE3_SEQ - 1,
                    batch: b,
                };
                let p = DesignPoint::new(c.clone(), shape.clone(), w)?;
                Ok(evaluator.metrics(&p)?.tokens_per_s)
            };
            Ok(MoeRow {
                model: shape.name.clone(),
                devices,
                weights_gb: Footprint::of(&shape, &c, 1, TABLE3_SEQ).weights as f64 / GB,
                tokens_per_s_batch1: speed(1)?,
                max_batch: batch,
                tokens_per_s_max_batch: speed(batch)?,
            })
        })
        .collect()
}
fn equivalences(per: &[PerModel]) -> Vec<EquivRow> {
    let mut rows = Vec::new();
    let find = |size: &str| per.iter().find(|p| p.size == size);
    for (b_size, f_size) in EQUIVALENCES {
        let claim = format!("{b_size} BitNet b1.58 vs {f_size} FP16");
        let (Some(bp), Some(fp)) = (find(b_size), find(f_size)) else {
            let missing = if find(b_size).is_none() {
                b_size
            } else {
                f_size
            };
            rows.push(EquivRow {
                claim,
                metric: "all".into(),
                bitnet: None,
                fp16: None,
                unit: String::new(),
                verdict: format!("not evaluated: no {missing} shape in the model zoo"),
            });
            continue;
        };
        let (b, f) = (&bp.default.model.metrics, &fp.default.fp16.metrics);
        let metrics = [
            (
                "decode latency",
                b.decode_latency_s * 1e3,
                f.decode_latency_s * 1e3,
                "ms/token",
            ),
            (
                "memory",
                b.memory_bytes as f64 / GB,
                f.memory_bytes as f64 / GB,
                "GB",
            ),
            (
                "energy (faithful)",
                b.energy_pj * PJ,
                f.energy_pj * PJ,
                "J/inference",
            ),
            (
                "energy (paper view)",
                b.paper_energy_pj * PJ,
                f.paper_energy_pj * PJ,
                "J/inference",
            ),
        ];
        for (metric, bv, fv, unit) in metrics {
            rows.push(EquivRow {
                claim: claim.clone(),
                metric: metric.into(),
                bitnet: Some(bv),
                fp16: Some(fv),
                unit: unit.into(),
                verdict: if bv < fv { "holds" } else { "does not hold" }.into(),
            });
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(names: &[&str]) -> Setup {
        Setup {
            arch: ArrayConfig::default(),
            ert: Ert::builtin(Node::Nm7),
            workload: Workload {
                prefill: 32,
                decode: 8,
                batch: 1,
            },
            models: names
                .iter()
                .map(|n| tritone_reference::model(n).unwrap())
                .collect(),
        }
    }

    #[test]
    fn equivalences_are_checked_or_reported_unevaluated() {
        let d = compute(&setup(&["bitnet-b1.58-13b", "bitnet-b1.58-3b"])).unwrap();
        let c13: Vec<_> = d
            .equivalences
            .iter()
            .filter(|r| r.claim.starts_with("13B"))
            .collect();
        assert_eq!(c13.len(), 4);
        for r in &c13 {
            let (b, f) = (r.bitnet.unwrap(), r.fp16.unwrap());
            assert_eq!(r.verdict, if b < f { "holds" } else { "does not hold" });
        }
        let missing: Vec<_> = d
            .equivalences
            .iter()
            .filter(|r| r.verdict.starts_with("not evaluated"))
            .collect();
        assert_eq!(missing.len(), 2, "30B and 70B are absent");
        assert!(missing[0].verdict.contains("30B"));
        // No 70B: no Table 3 rows.
        assert!(d.table3.is_empty());
        // The regions: every design of the grid, the 13B claim priced there,
        // the others unevaluated; on the report's own design the region's
        // ratio is the equivalence table's.
        assert_eq!(
            d.regions.len(),
            REGION_DRAM_GBPS.len() * REGION_DIMS.len() * 2
        );
        for r in &d.regions {
            assert!(r.ratios[0].unwrap() > 0.0);
            assert_eq!(&r.ratios[1..], &[None, None]);
        }
        let own = d
            .regions
            .iter()
            .find(|r| r.dram_gbps == 64.0 && r.dim == 256 && r.attention_unit == "64x64")
            .unwrap();
        let lat = &c13[0];
        assert_eq!(lat.metric, "decode latency");
        let want = lat.fp16.unwrap() / lat.bitnet.unwrap();
        assert!(
            (own.ratios[0].unwrap() - want).abs() < 1e-9 * want,
            "{own:?}"
        );
    }

    #[test]
    fn headline_and_figure_rows_are_consistent() {
        let d = compute(&setup(&["bitnet-b1.58-1.3b", "bitnet-b1.58-700m"])).unwrap();
        let h7 = d.headline.iter().find(|h| h.node == "7nm").unwrap();
        assert!((h7.ratio - 71.4).abs() < 0.1 && (h7.int32_ratio - 16.7).abs() < 0.1);
        // Sorted by size, ratios FP16 / BitNet above 1 in both views.
        assert!(d.fig3_right[0].params_b < d.fig3_right[1].params_b);
        for r in &d.fig3_right {
            assert!(r.paper_ratio > 1.0 && r.faithful_ratio > 1.0);
            assert!(
                (r.paper_ratio - r.fp16_paper_j / r.bitnet_paper_j).abs() < 1e-9 * r.paper_ratio
            );
        }
        // Figure 3 left shares add to 100 %.
        for r in &d.fig3_left {
            assert!((r.int8_add_pct + r.fp16_add_pct + r.fp16_mul_pct - 100.0).abs() < 1e-9);
        }
        // Component shares of each model add to 100 %.
        for m in &d.models {
            let s: f64 = d
                .components
                .iter()
                .filter(|c| c.model == m.model)
                .map(|c| c.pct)
                .sum();
            assert!((s - 100.0).abs() < 1e-6, "{}: {s}", m.model);
        }
        assert_eq!(size_label("bitnet-b1.58-2b-4t"), "2B-4T");
    }
}
