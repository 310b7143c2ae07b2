//! Model level: a whole inference — prefill of P tokens, then D decode steps,
//! at batch B — as operator graphs ([`graph`]) evaluated operator by
//! operator, scheduled on the design's units ([`schedule`]), on one device or
//! several ([`parallel`]).
//!
//! GEMMs are timed by [`simulate_gemm`] with their operands kept on chip
//! when they fit; vector operators take `max(compute, DRAM)` cycles; QKᵀ and
//! AV run on the attention array ([`attention`]) or on the vector unit. Decode
//! steps are identical except for attention, whose cost grows with the
//! context, so the D steps of an operator are summed in closed form
//! ([`crate::series`]) where its cost is affine, and stepped otherwise. Both
//! schedules (sequential and overlapped) are always evaluated; the
//! architecture's `schedule` picks the one the headline figures use. Every
//! operator and phase is labelled with the resource that bounds it.

pub mod attention;
pub mod footprint;
pub mod graph;
pub mod moe;
pub mod parallel;
pub mod schedule;

use crate::config::{ArrayConfig, ArraySpec, AttentionUnit, PeKind, Schedule};
use crate::dram::DramRate;
use crate::error::{check_dim, SimError};
use crate::gemm::{simulate_gemm, GemmOptions, GemmShape, GemmStats, OperandHome, ZeroWeights};
use crate::series::Ratio;
pub use footprint::Footprint;
use graph::{Arith, AttnWork, Op, OpKind, Phase, PhaseShape, Unit, VecCost, Work};
use parallel::{Layout, LinkRate};
use petgraph::algo::toposort;
pub use schedule::Resource;
use schedule::{Busy, Load};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use tritone_energy::{Action, ActionCounts, FpFormat};
use tritone_reference::{ModelShape, WeightKind};

/// Longest prompt or decode length accepted.
pub const MAX_CONTEXT: u64 = 1 << 20;
/// Largest batch accepted.
pub const MAX_BATCH: u64 = 1 << 16;
/// Most decoder layers accepted: the model shape's own bound
/// ([`tritone_reference::zoo::MAX_LAYERS`]).
pub const MAX_LAYERS: u64 = tritone_reference::zoo::MAX_LAYERS as u64;

/// The inference to simulate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Workload {
    /// Prompt tokens P per sequence (at least 1).
    pub prefill: u64,
    /// Decode steps D (each produces one token per sequence).
    pub decode: u64,
    /// Sequences B.
    pub batch: u64,
}

impl Workload {
    /// Checks the ranges (and that B·P tokens form a valid GEMM M).
    pub fn validate(&self) -> Result<(), SimError> {
        check_dim("prefill tokens", self.prefill, MAX_CONTEXT)?;
        check_dim("batch", self.batch, MAX_BATCH)?;
        if self.decode > MAX_CONTEXT {
            return Err(SimError::Dimension {
                what: "decode steps".into(),
                value: self.decode,
                why: format!("must be at most {MAX_CONTEXT}"),
            });
        }
        check_dim(
            "batch × prefill tokens",
            self.batch * self.prefill,
            crate::gemm::MAX_GEMM_DIM,
        )?;
        Ok(())
    }
}

/// One operator's totals over a phase: all layers, all decode steps, every
/// device and micro-batch (on one device, the operator's own time).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OpStats {
    /// Operator name (e.g. `q_proj`).
    pub name: &'static str,
    /// What it computes.
    pub kind: OpKind,
    /// Where it runs.
    pub unit: Unit,
    /// Phase.
    pub phase: Phase,
    /// Whether it runs once per decoder layer.
    pub per_layer: bool,
    /// The GEMM of an array operator (one execution; an MoE expert's share).
    pub gemm: Option<GemmShape>,
    /// Executions (layers × steps × experts loaded × devices × micro-batches).
    pub count: u64,
    /// Cycles over all executions (device-cycles when several devices run).
    pub cycles: u64,
    /// Of which waiting for DRAM.
    pub stall_cycles: u64,
    /// The cycles its DRAM bytes take at the bandwidth.
    pub dram_cycles: u64,
    /// Array or attention-array MACs, or vector lane-operations.
    pub ops: u64,
    /// DRAM bytes moved.
    pub dram_bytes: u64,
    /// The resource that bounds it.
    pub bound: Resource,
    /// Actions for the energy model.
    #[serde(serialize_with = "crate::serde_actions::as_list")]
    pub actions: ActionCounts,
}

/// Cycles of one decoder layer on one device, sequential schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LayerStats {
    /// In the prefill.
    pub prefill_cycles: u64,
    /// Over all decode steps.
    pub decode_cycles: u64,
}

/// A phase's cycles under both schedules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PhaseCycles {
    /// The prefill.
    pub prefill: u64,
    /// All decode steps.
    pub decode: u64,
}

/// One resource's share of a phase.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct BoundShare {
    /// The resource.
    pub resource: Resource,
    /// Share of the phase's operator cycles bound by it, %.
    pub pct: f64,
}

/// What bounds a phase.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PhaseSummary {
    /// The phase.
    pub phase: Phase,
    /// Tiles of tokens the overlapped schedule pipelines (one run).
    pub tiles: u64,
    /// The resource that bounds it under the architecture's schedule:
    /// sequentially (or overlapped with one tile, the same schedule), the one
    /// bounding most operator cycles; overlapped, the busiest resource (DRAM,
    /// or what bounds most of the busiest unit's cycles).
    pub bound: Resource,
    /// Every resource's share of the operator cycles (bound labels), largest first.
    pub shares: Vec<BoundShare>,
    /// Busy cycles per unit, sequential sum over the phase (one device).
    pub unit_busy: Vec<(Unit, u64)>,
    /// DRAM transfer cycles over the phase (one device).
    pub dram_busy: u64,
}

/// Whole-inference results.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModelStats {
    /// Model name.
    pub model: String,
    /// Ternary or FP16 linear layers.
    pub weights: WeightKind,
    /// PE kind of the array.
    pub pe: PeKind,
    /// The workload.
    pub workload: Workload,
    /// Clock in MHz.
    pub clock_mhz: f64,
    /// The schedule the headline figures use.
    pub schedule: Schedule,
    /// Prefill cycles (ends with the first token's logits).
    pub prefill_cycles: u64,
    /// Cycles of all decode steps.
    pub decode_cycles: u64,
    /// Prefill + decode.
    pub total_cycles: u64,
    /// Both phases, sequential schedule.
    pub sequential: PhaseCycles,
    /// Both phases, overlapped schedule.
    pub overlapped: PhaseCycles,
    /// Total time at the clock.
    pub seconds: f64,
    /// Time to first token: the prefill, whose LM head yields it.
    pub ttft_s: f64,
    /// Decode time.
    pub decode_s: f64,
    /// Decode tokens per second: B·D / decode time (0 without decode).
    pub tokens_per_s: f64,
    /// Array MACs / (R·C·devices·total cycles).
    pub utilization: f64,
    /// Cycles waiting for DRAM (device-cycles).
    pub stall_cycles: u64,
    /// MACs on the array.
    pub array_macs: u64,
    /// Weight footprint: linear weights at the array's DRAM format, other
    /// parameters (embedding, LM head, norms, router) as FP16.
    pub weight_bytes: u64,
    /// KV cache at P + D tokens per sequence.
    pub kv_cache_bytes: u64,
    /// DRAM bytes moved (all devices).
    pub dram_bytes: u64,
    /// The devices: stages, tensor parallelism, micro-batches.
    pub layout: Layout,
    /// The fullest device's footprint at P + D tokens.
    pub device_memory: Footprint,
    /// One decoder layer's cycles.
    pub layer: LayerStats,
    /// What bounds each phase.
    pub phases: Vec<PhaseSummary>,
    /// Actions for the energy model (all devices).
    #[serde(serialize_with = "crate::serde_actions::as_list")]
    pub actions: ActionCounts,
    /// Per-operator rows, prefill then decode, in graph order.
    pub ops: Vec<OpStats>,
}

impl ModelStats {
    /// Cycles of `phase` under `schedule`.
    pub fn phase_cycles(&self, phase: Phase, schedule: Schedule) -> u64 {
        let c = match schedule {
            Schedule::Sequential => self.sequential,
            Schedule::Overlapped => self.overlapped,
        };
        match phase {
            Phase::Prefill => c.prefill,
            Phase::Decode => c.decode,
        }
    }

    /// What bounds `phase` (`None` for a phase that did not run).
    pub fn phase(&self, phase: Phase) -> Option<&PhaseSummary> {
        self.phases.iter().find(|p| p.phase == phase)
    }
}

/// A model and its FP16 LLaMA baseline on an equally sized MAC array.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// The model as given, on the given array.
    pub model: ModelStats,
    /// The FP16 baseline.
    pub fp16: ModelStats,
}

/// The FP16 baseline of `cfg`: the same array and memories with FP16 MAC PEs
/// (FP32 accumulation).
pub fn fp16_baseline_config(cfg: &ArrayConfig) -> Result<ArrayConfig, SimError> {
    let spec = ArraySpec {
        pe: Some(PeKind::MacFp16),
        acc_bits: None,
        ..cfg.spec()
    };
    Ok(ArrayConfig::new(spec)?)
}

/// The FP16 baseline of `model`: the same shape with FP16 linear layers and
/// no subln norms (the LLaMA architecture).
pub fn fp16_baseline_model(model: &ModelShape) -> ModelShape {
    if model.weights == WeightKind::Fp16 {
        return model.clone();
    }
    let family = if model.moe.is_some() {
        "Mixtral"
    } else {
        "LLaMA"
    };
    ModelShape {
        name: format!("{} (FP16 baseline)", model.name),
        weights: WeightKind::Fp16,
        subln: false,
        source: format!("FP16 {family} baseline of {}", model.name),
        ..model.clone()
    }
}

/// Where a model simulation gets its GEMMs timed: [`simulate_gemm`] itself,
/// or a cache shared by many simulations (every GEMM of a model is a pure
/// function of the array, its shape and its options).
pub trait GemmSource: Sync {
    /// The statistics of `shape` on `cfg` with `opts`, as
    /// [`simulate_gemm`] gives them.
    fn gemm(
        &self,
        cfg: &ArrayConfig,
        shape: &GemmShape,
        opts: &GemmOptions,
    ) -> Result<Arc<GemmStats>, SimError>;
}

/// Times every GEMM with [`simulate_gemm`] (no sharing between simulations).
#[derive(Clone, Copy, Debug, Default)]
pub struct Simulate;

impl GemmSource for Simulate {
    fn gemm(
        &self,
        cfg: &ArrayConfig,
        shape: &GemmShape,
        opts: &GemmOptions,
    ) -> Result<Arc<GemmStats>, SimError> {
        simulate_gemm(cfg, shape, opts).map(Arc::new)
    }
}

/// Simulates `model` on `cfg` and its FP16 baseline on the FP16 copy of `cfg`.
pub fn simulate_with_baseline(
    cfg: &ArrayConfig,
    model: &ModelShape,
    w: &Workload,
) -> Result<Comparison, SimError> {
    let (fp_cfg, fp_model) = (fp16_baseline_config(cfg)?, fp16_baseline_model(model));
    check_workload(cfg, model, w)?;
    check_workload(&fp_cfg, &fp_model, w)?;
    Ok(Comparison {
        model: simulate_model(cfg, model, w)?,
        fp16: simulate_model(&fp_cfg, &fp_model, w)?,
    })
}

/// Simulates the whole inference `w` of `model` on `cfg`.
pub fn simulate_model(
    cfg: &ArrayConfig,
    model: &ModelShape,
    w: &Workload,
) -> Result<ModelStats, SimError> {
    simulate_model_with(cfg, model, w, &Simulate)
}

/// Refuses, before any GEMM is simulated, what [`simulate_model`] would
/// refuse: the model on `cfg`, the workload, the memory it needs, and every
/// GEMM's mapping (a large prefill's GEMMs take seconds to simulate; their
/// mappings do not). [`simulate_with_baseline`] checks both designs first.
pub fn check_workload(cfg: &ArrayConfig, model: &ModelShape, w: &Workload) -> Result<(), SimError> {
    checked_layout(cfg, model, w).map(|_| ())
}

/// [`check_workload`], returning the layout it checked.
fn checked_layout(cfg: &ArrayConfig, model: &ModelShape, w: &Workload) -> Result<Layout, SimError> {
    check_model(cfg, model)?;
    w.validate()?;
    let layout = Layout::of(cfg, model, w.batch)?;
    let seq = w.prefill + w.decode;
    footprint::check_capacity(model, cfg, &layout, w.batch, seq)?;
    let phases: &[Phase] = if w.decode > 0 {
        &[Phase::Prefill, Phase::Decode]
    } else {
        &[Phase::Prefill]
    };
    for &phase in phases {
        let g = graph::build(model, &phase_shape(cfg, &layout, w, phase));
        for node in g.node_indices() {
            if let Work::Gemm { shape, .. } = g[node].work {
                crate::gemm::mapping(cfg, &shape, &model_gemm_options())?;
            }
        }
    }
    Ok(layout)
}

/// The shape of one phase of `w` under `layout`.
fn phase_shape(cfg: &ArrayConfig, layout: &Layout, w: &Workload, phase: Phase) -> PhaseShape {
    PhaseShape {
        phase,
        batch: layout.micro_batch,
        prompt: w.prefill,
        kv_bits: cfg.kv_bits() as u64,
        int8_attention: cfg.attention() == crate::config::AttentionPrecision::Int8,
        tensor: layout.tensor,
    }
}

/// How a model's GEMMs are simulated: the default share of zero weights,
/// operands on chip where they fit.
fn model_gemm_options() -> GemmOptions {
    GemmOptions {
        zero_weights: ZeroWeights::Fraction(crate::gemm::DEFAULT_ZERO_FRACTION),
        operands: OperandHome::OnChipIfFits,
    }
}

/// Refuses a model the simulator cannot run on `cfg`, naming the reason.
fn check_model(cfg: &ArrayConfig, model: &ModelShape) -> Result<(), SimError> {
    model.validate().map_err(|why| SimError::Model {
        name: model.name.clone(),
        why,
    })?;
    // Shapes the GEMM level accepts; every count is then checked exactly.
    for (what, v, max) in [
        ("hidden", model.hidden, crate::gemm::MAX_GEMM_DIM),
        ("ffn", model.ffn, crate::gemm::MAX_GEMM_DIM),
        ("vocab", model.vocab, crate::gemm::MAX_GEMM_DIM),
        ("layers", model.layers, MAX_LAYERS),
    ] {
        if v as u64 > max {
            return Err(SimError::Model {
                name: model.name.clone(),
                why: format!("{what} = {v} exceeds the simulator's limit of {max}"),
            });
        }
    }
    if cfg.pe().model_weights() != model.weights {
        let fitting: Vec<&str> = PeKind::ALL
            .iter()
            .filter(|k| k.model_weights() == model.weights)
            .map(|k| k.name())
            .collect();
        return Err(SimError::Model {
            name: model.name.clone(),
            why: format!(
                "{} weights cannot run on a {} array (they need {})",
                model.weights.name(),
                cfg.pe().name(),
                fitting.join(" or ")
            ),
        });
    }
    Ok(())
}

/// [`simulate_model`] with its GEMMs timed by `gemms` (e.g. a cache shared
/// by the points of a sweep).
pub fn simulate_model_with(
    cfg: &ArrayConfig,
    model: &ModelShape,
    w: &Workload,
    gemms: &dyn GemmSource,
) -> Result<ModelStats, SimError> {
    let layout = checked_layout(cfg, model, w)?;
    let seq = w.prefill + w.decode;
    let ctx = Ctx {
        cfg,
        rate: DramRate::of(cfg)?,
        link: LinkRate::of(cfg),
        model,
        gemms,
        layout: &layout,
        bank_tokens: crate::engine::Geometry::of(cfg)?.out_bank_tokens,
    };
    let mut cache = BTreeMap::new();
    let mut phases = vec![ctx.eval_phase(Phase::Prefill, w, (0, 0), &mut cache)?];
    if w.decode > 0 {
        // Step j (0-based) attends the P + j cached positions plus its own.
        phases.push(ctx.eval_phase(
            Phase::Decode,
            w,
            (w.prefill + 1, w.prefill + w.decode),
            &mut cache,
        )?);
    }
    let overflow = || overflow_error(model);
    let fit = |v: u128| u64::try_from(v).map_err(|_| overflow());
    let mut sequential = PhaseCycles::default();
    let mut overlapped = PhaseCycles::default();
    for p in &phases {
        let (seq_c, ovl_c) = p.times(&ctx);
        let (seq_c, ovl_c) = (fit(seq_c)?, fit(ovl_c)?);
        match p.phase {
            Phase::Prefill => (sequential.prefill, overlapped.prefill) = (seq_c, ovl_c),
            Phase::Decode => (sequential.decode, overlapped.decode) = (seq_c, ovl_c),
        }
    }
    let chosen = match cfg.schedule() {
        Schedule::Sequential => sequential,
        Schedule::Overlapped => overlapped,
    };
    let (prefill_cycles, decode_cycles) = (chosen.prefill, chosen.decode);
    let total_cycles = prefill_cycles
        .checked_add(decode_cycles)
        .ok_or_else(overflow)?;
    // Every device and micro-batch does its share of each operator.
    let copies = layout.tensor * layout.micro_batches;
    let mut ops = Vec::new();
    for p in &phases {
        for o in &p.ops {
            ops.push(o.stats(p.phase, copies).ok_or_else(overflow)?);
        }
    }
    let summaries = phases.iter().map(|p| p.summary(cfg.schedule())).collect();
    let layers = model.layers as u128;
    let per_layer = |phase: Phase| -> Result<u64, SimError> {
        let sum: u128 = phases
            .iter()
            .filter(|p| p.phase == phase)
            .flat_map(|p| &p.ops)
            .filter(|o| o.op.per_layer)
            .map(|o| o.totals.cycles)
            .sum();
        fit(sum / layers)
    };
    let layer = LayerStats {
        prefill_cycles: per_layer(Phase::Prefill)?,
        decode_cycles: per_layer(Phase::Decode)?,
    };
    // Sums of a per-operator count, checked: long contexts approach u64.
    let sum = |keep: &dyn Fn(&OpStats) -> bool, count: fn(&OpStats) -> u64| {
        ops.iter()
            .filter(|o| keep(o))
            .try_fold(0u64, |acc, o| acc.checked_add(count(o)))
            .ok_or_else(overflow)
    };
    let hz = cfg.clock_mhz() * 1e6;
    let mut actions = ActionCounts::new();
    for o in &ops {
        actions.checked_merge(&o.actions).ok_or_else(overflow)?;
    }
    let array_macs = sum(&|o| o.unit == Unit::Array, |o| o.ops)?;
    let decode_s = decode_cycles as f64 / hz;
    let footprint = Footprint::of(model, cfg, w.batch, seq);
    let pes = cfg.rows() as u64 * cfg.cols() as u64 * layout.devices;
    Ok(ModelStats {
        model: model.name.clone(),
        weights: model.weights,
        pe: cfg.pe(),
        workload: *w,
        clock_mhz: cfg.clock_mhz(),
        schedule: cfg.schedule(),
        prefill_cycles,
        decode_cycles,
        total_cycles,
        sequential,
        overlapped,
        seconds: total_cycles as f64 / hz,
        ttft_s: prefill_cycles as f64 / hz,
        decode_s,
        tokens_per_s: if w.decode > 0 {
            (w.batch * w.decode) as f64 / decode_s
        } else {
            0.0
        },
        utilization: array_macs as f64 / (pes as f64 * total_cycles as f64),
        stall_cycles: sum(&|_| true, |o| o.stall_cycles)?,
        array_macs,
        weight_bytes: footprint.weights,
        kv_cache_bytes: footprint.kv_cache,
        dram_bytes: sum(&|_| true, |o| o.dram_bytes)?,
        device_memory: Footprint::per_device(model, cfg, w.batch, seq),
        layout,
        layer,
        phases: summaries,
        actions,
        ops,
    })
}

/// Why a workload is refused when one of its counts does not fit 64 bits.
fn overflow_error(model: &ModelShape) -> SimError {
    SimError::Model {
        name: model.name.clone(),
        why: "a count of this workload overflows 64 bits".into(),
    }
}

/// What one simulation evaluates against.
struct Ctx<'a> {
    cfg: &'a ArrayConfig,
    rate: DramRate,
    link: LinkRate,
    model: &'a ModelShape,
    gemms: &'a dyn GemmSource,
    layout: &'a Layout,
    /// Tokens per output bank: the overlapped schedule's tile.
    bank_tokens: u64,
}

/// An operator's cost per execution at context `x`.
#[derive(Clone, Copy, Debug)]
enum StepCost {
    /// The same every execution: cycles and DRAM transfer cycles.
    Fixed { cycles: u128, dram: u128 },
    /// `max(⌈compute(x)⌉, ⌈dram(x)⌉)` on the vector unit.
    Vector { compute: Ratio, dram: Ratio },
    /// On the attention array: `max(compute(x), ⌈dram(x)⌉)`.
    Attention {
        work: AttnWork,
        rows: u64,
        cols: u64,
        dram: Ratio,
    },
}

impl StepCost {
    /// Cycles and DRAM transfer cycles of one execution at context `x`.
    fn at(&self, x: u64) -> (u128, u128) {
        let x128 = x as u128;
        match *self {
            StepCost::Fixed { cycles, dram } => (cycles, dram),
            StepCost::Vector { compute, dram } => {
                let d = dram.ceil_at(x128);
                (compute.ceil_at(x128).max(d), d)
            }
            StepCost::Attention {
                work,
                rows,
                cols,
                dram,
            } => {
                let d = dram.ceil_at(x128);
                (attention::compute_cycles(&work, rows, cols, x).max(d), d)
            }
        }
    }
}

/// An operator's totals over one phase for one device and micro-batch.
#[derive(Clone, Debug, Default)]
struct Totals {
    count: u128,
    cycles: u128,
    stall: u128,
    dram_cycles: u128,
    ops: u128,
    dram_bytes: u128,
    actions: ActionCounts,
}

/// One operator of a phase, evaluated.
struct OpEval {
    op: Op,
    unit: Unit,
    gemm: Option<GemmShape>,
    /// Per execution: one layer (or the whole non-layer op) of one step.
    step: StepCost,
    totals: Totals,
    bound: Resource,
}

impl OpEval {
    /// The public row: totals times `copies` (devices × micro-batches).
    fn stats(&self, phase: Phase, copies: u64) -> Option<OpStats> {
        let k = copies as u128;
        let fit = |v: u128| u64::try_from(v.checked_mul(k)?).ok();
        Some(OpStats {
            name: self.op.name,
            kind: self.op.kind,
            unit: self.unit,
            phase,
            per_layer: self.op.per_layer,
            gemm: self.gemm,
            count: fit(self.totals.count)?,
            cycles: fit(self.totals.cycles)?,
            stall_cycles: fit(self.totals.stall)?,
            dram_cycles: fit(self.totals.dram_cycles)?,
            ops: fit(self.totals.ops)?,
            dram_bytes: fit(self.totals.dram_bytes)?,
            bound: self.bound,
            actions: self.totals.actions.checked_scaled(copies)?,
        })
    }

    /// Its load at context `x` (one execution).
    fn load_at(&self, x: u64) -> Load {
        let (cycles, dram_cycles) = self.step.at(x);
        Load {
            unit: self.unit,
            cycles,
            dram_cycles,
        }
    }
}

/// Where a non-layer operator runs in a pipeline: the first stage (the
/// embedding) or the last (final norm, LM head).
fn on_first_stage(op: &Op) -> bool {
    op.kind == OpKind::Embedding
}

/// One phase, evaluated on one device for one micro-batch.
struct PhaseEval {
    phase: Phase,
    /// The context range (x) of its runs; `(0, 0)` for the prefill.
    range: (u64, u64),
    /// Tiles of tokens one run pipelines (overlapped schedule).
    tiles: u64,
    /// Tokens of one micro-batch's run (what crosses a link between stages).
    tokens: u64,
    ops: Vec<OpEval>,
}

impl PhaseEval {
    /// Busy cycles of one run at `x`: per layer, on the first stage's extras
    /// and on the last stage's extras.
    fn busy_at(&self, x: u64) -> [Busy; 3] {
        let mut b = [Busy::default(); 3];
        for o in &self.ops {
            let i = if o.op.per_layer {
                0
            } else if on_first_stage(&o.op) {
                1
            } else {
                2
            };
            b[i].add(&o.load_at(x), 1);
        }
        b
    }

    /// One run's time at `x` under `schedule` on the pipeline.
    fn run_time(&self, ctx: &Ctx, busy: &[Busy; 3], schedule: Schedule) -> u128 {
        let l = ctx.layout;
        let last = l.stage_layers.len() - 1;
        let stages: Vec<u128> = l
            .stage_layers
            .iter()
            .enumerate()
            .map(|(s, &layers)| {
                let mut b = Busy::default();
                b.add_busy(&busy[0], layers as u128);
                if s == 0 {
                    b.add_busy(&busy[1], 1);
                }
                if s == last {
                    b.add_busy(&busy[2], 1);
                }
                match schedule {
                    Schedule::Sequential => b.total,
                    Schedule::Overlapped => b.overlapped(self.tiles),
                }
            })
            .collect();
        let hop = if l.stages > 1 {
            ctx.link
                .transfer(self.tokens as u128 * ctx.model.hidden as u128 * 2)
        } else {
            0
        };
        l.phase_time(self.phase, &stages, hop)
    }

    /// The phase's time under the sequential and the overlapped schedule.
    fn times(&self, ctx: &Ctx) -> (u128, u128) {
        let l = ctx.layout;
        let (lo, hi) = self.range;
        // One device and micro-batches in a row: a run is m times the sum of
        // its operators, and every step adds up (closed form).
        let linear = |schedule: Schedule| {
            l.stages == 1 && (schedule == Schedule::Sequential || self.tiles == 1)
        };
        let closed: u128 =
            l.micro_batches as u128 * self.ops.iter().map(|o| o.totals.cycles).sum::<u128>();
        if linear(Schedule::Sequential) && linear(Schedule::Overlapped) {
            return (closed, closed);
        }
        let (mut seq, mut ovl) = (0u128, 0u128);
        for x in lo..=hi {
            let busy = self.busy_at(x);
            if !linear(Schedule::Sequential) {
                seq += self.run_time(ctx, &busy, Schedule::Sequential);
            }
            ovl += self.run_time(ctx, &busy, Schedule::Overlapped);
        }
        if linear(Schedule::Sequential) {
            seq = closed;
        }
        (seq, ovl)
    }

    /// What bounds the phase under `schedule`.
    fn summary(&self, schedule: Schedule) -> PhaseSummary {
        let mut by_bound: BTreeMap<Resource, u128> = BTreeMap::new();
        let mut busy = Busy::default();
        let all: u128 = self.ops.iter().map(|o| o.totals.cycles).sum();
        for o in &self.ops {
            *by_bound.entry(o.bound).or_default() += o.totals.cycles;
            busy.add(
                &Load {
                    unit: o.unit,
                    cycles: o.totals.cycles,
                    dram_cycles: o.totals.dram_cycles,
                },
                1,
            );
        }
        let dominant = |keep: &dyn Fn(&OpEval) -> bool| {
            let mut m: BTreeMap<Resource, u128> = BTreeMap::new();
            for o in self.ops.iter().filter(|o| keep(o)) {
                *m.entry(o.bound).or_default() += o.totals.cycles;
            }
            m.into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
                .map(|(r, _)| r)
                .unwrap_or_default()
        };
        // Sequentially (and overlapped with one tile, which is the same
        // schedule) the phase is bound by what bounds most of its cycles;
        // overlapped, by the busiest resource.
        let bound = match (schedule, self.tiles) {
            (Schedule::Sequential, _) | (Schedule::Overlapped, 1) => dominant(&|_| true),
            (Schedule::Overlapped, _) => match busy.busiest() {
                None => Resource::Dram,
                Some(u) => dominant(&|o| o.unit == u),
            },
        };
        let mut shares: Vec<BoundShare> = by_bound
            .into_iter()
            .map(|(resource, c)| BoundShare {
                resource,
                pct: if all > 0 {
                    100.0 * c as f64 / all as f64
                } else {
                    0.0
                },
            })
            .collect();
        shares.sort_by(|a, b| b.pct.total_cmp(&a.pct).then(a.resource.cmp(&b.resource)));
        let sat = |v: u128| u64::try_from(v).unwrap_or(u64::MAX);
        PhaseSummary {
            phase: self.phase,
            tiles: self.tiles,
            bound,
            shares,
            unit_busy: Unit::ALL
                .iter()
                .zip(busy.units)
                .filter(|(_, b)| *b > 0)
                .map(|(u, b)| (*u, sat(b)))
                .collect(),
            dram_busy: sat(busy.dram),
        }
    }
}

/// The arithmetic of `adds` adds and `muls` multiplies in `arith`: the
/// vector unit's floating-point format, or INT8 multiplies with 32-bit adds.
/// The attention array counts the same operations as the vector unit would.
fn arith_actions(arith: Arith, vprec: FpFormat, adds: u64, muls: u64) -> ActionCounts {
    let mut a = ActionCounts::new();
    match arith {
        Arith::Vector => {
            a.add(Action::FpAdd { format: vprec }, adds);
            a.add(Action::FpMul { format: vprec }, muls);
        }
        Arith::Int8 => {
            a.add(Action::IntAdd { bits: 32 }, adds);
            a.add(Action::IntMul { bits: 8 }, muls);
        }
    }
    a
}

/// What bounds a GEMM on an `R × C` array: DRAM when its bytes take at least
/// as long as the array's own schedule without one fill and drain of the
/// pipeline (`R + C` cycles, which no bandwidth hides); else the array's
/// token stream (every token through every fold) when it outlasts the rest
/// of the array's time (weight loads and drains the stream does not hide);
/// else the weight path.
fn gemm_bound(st: &GemmStats, dram_cycles: u64, rows: u64, cols: u64) -> Resource {
    let stream = st.shape.m.saturating_mul(st.folds);
    let loads = st.compute_cycles.saturating_sub(stream);
    if dram_cycles >= st.compute_cycles.saturating_sub(rows + cols) {
        Resource::Dram
    } else if stream >= loads {
        Resource::Array
    } else {
        Resource::WeightPath
    }
}

impl Ctx<'_> {
    /// Evaluates one phase's graph on one device for one micro-batch, summed
    /// over the context range `(lo, hi)` (one run per `x`; the prefill
    /// passes `(0, 0)`).
    fn eval_phase(
        &self,
        phase: Phase,
        w: &Workload,
        (lo, hi): (u64, u64),
        cache: &mut BTreeMap<GemmShape, Arc<GemmStats>>,
    ) -> Result<PhaseEval, SimError> {
        let ps = phase_shape(self.cfg, self.layout, w, phase);
        let g = graph::build(self.model, &ps);
        let order = toposort(&g, None).expect("the phase graph is a chain of stages, never cyclic");
        let mut ops = Vec::with_capacity(order.len());
        for node in order {
            ops.push(self.eval_op(&g[node], (lo, hi), cache)?);
        }
        let tokens = ps.tokens();
        Ok(PhaseEval {
            phase,
            range: (lo, hi),
            tiles: tokens.div_ceil(self.bank_tokens.max(1)),
            tokens,
            ops,
        })
    }

    /// One operator's cost per execution and its totals over `(lo, hi)`.
    fn eval_op(
        &self,
        op: &Op,
        (lo, hi): (u64, u64),
        cache: &mut BTreeMap<GemmShape, Arc<GemmStats>>,
    ) -> Result<OpEval, SimError> {
        let cfg = self.cfg;
        let overflow = || overflow_error(self.model);
        let fit = |v: u128| u64::try_from(v).map_err(|_| overflow());
        let steps = (hi - lo + 1) as u128;
        let count = if op.per_layer {
            self.model.layers as u128
        } else {
            1
        };
        let attention_array = match cfg.attention_unit() {
            AttentionUnit::Array { rows, cols } => Some((rows as u64, cols as u64)),
            AttentionUnit::Vector => None,
        };
        let unit = op.unit(attention_array.is_some());
        let vprec = cfg.vector().precision;
        let dram_bit = Action::DramBit {
            kind: cfg.dram().kind,
        };
        let (lo128, hi128) = (lo as u128, hi as u128);
        // Σx over the range, for counts affine in x.
        let sum_x = (lo128 + hi128) * steps / 2;
        let eval = match op.work {
            Work::Gemm { shape, instances } => {
                let opts = model_gemm_options();
                let st = match cache.entry(shape) {
                    std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                    std::collections::btree_map::Entry::Vacant(e) => {
                        e.insert(self.gemms.gemm(cfg, &shape, &opts)?)
                    }
                };
                let bytes = st.dram_read_bytes + st.dram_write_bytes;
                // The engine's input and output streams each run at the DRAM
                // rate (docs/engine.md): its DRAM time is the longer one.
                let dram_cycles = self
                    .rate
                    .cycles(st.dram_read_bytes)
                    .max(self.rate.cycles(st.dram_write_bytes));
                let reps = count * steps * instances as u128;
                let i = instances as u128;
                OpEval {
                    op: op.clone(),
                    unit,
                    gemm: Some(shape),
                    step: StepCost::Fixed {
                        cycles: st.cycles as u128 * i,
                        dram: dram_cycles as u128 * i,
                    },
                    totals: Totals {
                        count: reps,
                        cycles: st.cycles as u128 * reps,
                        stall: st.stall_cycles as u128 * reps,
                        dram_cycles: dram_cycles as u128 * reps,
                        ops: st.macs as u128 * reps,
                        dram_bytes: bytes as u128 * reps,
                        actions: st.actions.checked_scaled(fit(reps)?).ok_or_else(overflow)?,
                    },
                    bound: gemm_bound(st, dram_cycles, cfg.rows() as u64, cfg.cols() as u64),
                }
            }
            Work::AllReduce { bytes } => {
                let cycles = self.link.all_reduce(bytes as u128, self.layout.tensor);
                let reps = count * steps;
                OpEval {
                    op: op.clone(),
                    unit,
                    gemm: None,
                    step: StepCost::Fixed { cycles, dram: 0 },
                    totals: Totals {
                        count: reps,
                        cycles: cycles * reps,
                        ..Totals::default()
                    },
                    bound: Resource::Link,
                }
            }
            Work::Attention(a) if attention_array.is_some() => {
                let (rows, cols) = attention_array.expect("matched on an attention array");
                let bits = a.dram_read_bits;
                let dram = self
                    .rate
                    .bits_ratio(bits.per_ctx as u128, bits.fixed as u128);
                let step = StepCost::Attention {
                    work: a,
                    rows,
                    cols,
                    dram,
                };
                let (mut cycles, mut compute, mut dram_c) = (0u128, 0u128, 0u128);
                for x in lo..=hi {
                    let c = attention::compute_cycles(&a, rows, cols, x);
                    let d = dram.ceil_at(x as u128);
                    cycles += c.max(d);
                    compute += c;
                    dram_c += d;
                }
                let scores = a.scores();
                let macs = (scores.per_ctx as u128 * sum_x + scores.fixed as u128 * steps)
                    * a.head_dim as u128
                    * count;
                let read_bits = (bits.per_ctx as u128 * sum_x + bits.fixed as u128 * steps) * count;
                let mut actions = arith_actions(a.arith, vprec, fit(macs)?, fit(macs)?);
                actions.add(dram_bit, fit(read_bits)?);
                OpEval {
                    op: op.clone(),
                    unit,
                    gemm: None,
                    step,
                    totals: Totals {
                        count: count * steps,
                        cycles: cycles * count,
                        stall: (cycles - compute) * count,
                        dram_cycles: dram_c * count,
                        ops: macs,
                        dram_bytes: read_bits.div_ceil(8),
                        actions,
                    },
                    bound: if dram_c > compute {
                        Resource::Dram
                    } else {
                        Resource::AttentionUnit
                    },
                }
            }
            Work::Attention(a) => self.eval_vector(
                op,
                unit,
                a.scores(),
                a.cost(),
                a.arith,
                a.dram_read_bits,
                graph::Lin::default(),
                (lo, hi),
            )?,
            Work::Vector {
                elements,
                cost,
                arith,
                dram_read_bits,
                dram_write_bits,
            } => self.eval_vector(
                op,
                unit,
                elements,
                cost,
                arith,
                dram_read_bits,
                dram_write_bits,
                (lo, hi),
            )?,
        };
        Ok(eval)
    }

    /// A vector-unit operator: `max(⌈compute⌉, ⌈DRAM⌉)` cycles per
    /// execution, summed over the range in closed form.
    #[allow(clippy::too_many_arguments)]
    fn eval_vector(
        &self,
        op: &Op,
        unit: Unit,
        elements: graph::Lin,
        cost: VecCost,
        arith: Arith,
        dram_read_bits: graph::Lin,
        dram_write_bits: graph::Lin,
        (lo, hi): (u64, u64),
    ) -> Result<OpEval, SimError> {
        let overflow = || overflow_error(self.model);
        let fit = |v: u128| u64::try_from(v).map_err(|_| overflow());
        let cfg = self.cfg;
        let lanes = cfg.vector().lanes as u128;
        let vprec: FpFormat = cfg.vector().precision;
        let steps = (hi - lo + 1) as u128;
        let count = if op.per_layer {
            self.model.layers as u128
        } else {
            1
        };
        let lane_ops = cost.lane_ops() as u128;
        let compute = Ratio {
            a: elements.per_ctx as u128 * lane_ops,
            b: elements.fixed as u128 * lane_ops,
            d: lanes,
        };
        let bits_per_ctx = (dram_read_bits.per_ctx + dram_write_bits.per_ctx) as u128;
        let bits_fixed = (dram_read_bits.fixed + dram_write_bits.fixed) as u128;
        let dram = self.rate.bits_ratio(bits_per_ctx, bits_fixed);
        let (lo, hi) = (lo as u128, hi as u128);
        let total = crate::series::sum_ceil_max(&compute, &dram, lo, hi);
        let compute_only = compute.sum_ceil(lo, hi);
        let dram_only = dram.sum_ceil(lo, hi);
        // Σx over the range, for counts affine in x.
        let sum_x = (lo + hi) * steps / 2;
        let elems = (elements.per_ctx as u128 * sum_x + elements.fixed as u128 * steps) * count;
        let bits = (bits_per_ctx * sum_x + bits_fixed * steps) * count;
        let mut actions = arith_actions(
            arith,
            vprec,
            fit(elems * cost.adds as u128)?,
            fit(elems * cost.muls as u128)?,
        );
        actions.add(
            Action::DramBit {
                kind: cfg.dram().kind,
            },
            fit(bits)?,
        );
        Ok(OpEval {
            op: op.clone(),
            unit,
            gemm: None,
            step: StepCost::Vector { compute, dram },
            totals: Totals {
                count: count * steps,
                cycles: total * count,
                stall: (total - compute_only) * count,
                dram_cycles: dram_only * count,
                ops: elems * lane_ops,
                dram_bytes: bits.div_ceil(8),
                actions,
            },
            bound: if dram_only > compute_only {
                Resource::Dram
            } else {
                Resource::VectorUnit
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Dram;
    use tritone_energy::DramKind;
    use tritone_reference::FfnKind;

    fn tiny(weights: WeightKind) -> ModelShape {
        ModelShape {
            name: "tiny".into(),
            weights,
            hidden: 64,
            ffn: 96,
            layers: 3,
            heads: 4,
            kv_heads: 2,
            head_dim: None,
            vocab: 100,
            ffn_kind: FfnKind::SwiGlu,
            tied_embeddings: true,
            subln: weights == WeightKind::Ternary,
            source: "test".into(),
            moe: None,
        }
    }

    fn cfg(gbps: f64) -> ArrayConfig {
        ArrayConfig::new(ArraySpec {
            rows: Some(8),
            cols: Some(8),
            dram: Some(Dram {
                kind: DramKind::Ddr4,
                bandwidth_gbps: gbps,
            }),
            ..Default::default()
        })
        .unwrap()
    }

    /// Evaluates `phase` of `m` on `cfg` over `range` (one device).
    fn phase_of(
        cfg: &ArrayConfig,
        m: &ModelShape,
        w: &Workload,
        phase: Phase,
        range: (u64, u64),
    ) -> Vec<OpStats> {
        let layout = Layout::of(cfg, m, w.batch).unwrap();
        let ctx = Ctx {
            cfg,
            rate: DramRate::of(cfg).unwrap(),
            link: LinkRate::of(cfg),
            model: m,
            gemms: &Simulate,
            layout: &layout,
            bank_tokens: crate::engine::Geometry::of(cfg).unwrap().out_bank_tokens,
        };
        let p = ctx
            .eval_phase(phase, w, range, &mut BTreeMap::new())
            .unwrap();
        p.ops.iter().map(|o| o.stats(phase, 1).unwrap()).collect()
    }

    /// A head dimension set apart from hidden / heads (a `config.json`
    /// `head_dim`) sizes q_proj and o_proj, and the GEMMs of a layer hold
    /// exactly the parameter count's linear weights.
    #[test]
    fn a_separate_head_dim_sizes_the_attention_projections() {
        for head_dim in [None, Some(24), Some(8)] {
            let m = ModelShape {
                head_dim,
                ..tiny(WeightKind::Fp16)
            };
            m.validate().unwrap();
            let ps = PhaseShape {
                phase: Phase::Prefill,
                batch: 1,
                prompt: 3,
                kv_bits: 16,
                int8_attention: false,
                tensor: 1,
            };
            let g = graph::build(&m, &ps);
            let mut weights = 0;
            let mut shapes = BTreeMap::new();
            for op in g.node_weights() {
                if let graph::Work::Gemm {
                    shape: s,
                    instances,
                } = &op.work
                {
                    if op.per_layer {
                        weights += s.k * s.n * instances;
                        shapes.insert(op.name, (s.k, s.n));
                    }
                }
            }
            let qd = 4 * u64::from(m.head_dim());
            assert_eq!(shapes["q_proj"], (64, qd));
            assert_eq!(shapes["o_proj"], (qd, 64));
            assert_eq!(shapes["k_proj"], (64, 2 * u64::from(m.head_dim())));
            assert_eq!(weights * u64::from(m.layers), m.params().linear);
        }
    }

    /// The closed-form decode equals pricing every step on its own, with
    /// attention on the vector unit and on the attention array.
    #[test]
    fn decode_closed_form_equals_stepping() {
        for unit in [
            AttentionUnit::Vector,
            AttentionUnit::Array { rows: 4, cols: 8 },
        ] {
            for gbps in [0.5, 3.0, 64.0] {
                let cfg = ArrayConfig::new(ArraySpec {
                    attention_unit: Some(unit),
                    kv_bits: Some(4),
                    attention: Some(crate::config::AttentionPrecision::Int8),
                    ..cfg(gbps).spec()
                })
                .unwrap();
                let m = tiny(WeightKind::Ternary);
                let w = Workload {
                    prefill: 5,
                    decode: 12,
                    batch: 2,
                };
                let closed = phase_of(&cfg, &m, &w, Phase::Decode, (6, 17));
                let mut stepped = closed.clone();
                for s in stepped.iter_mut() {
                    (
                        s.count,
                        s.cycles,
                        s.stall_cycles,
                        s.dram_cycles,
                        s.ops,
                        s.dram_bytes,
                    ) = (0, 0, 0, 0, 0, 0);
                    s.actions = ActionCounts::new();
                }
                for x in 6..=17 {
                    let one = phase_of(&cfg, &m, &w, Phase::Decode, (x, x));
                    for (s, o) in stepped.iter_mut().zip(one) {
                        s.count += o.count;
                        s.cycles += o.cycles;
                        s.stall_cycles += o.stall_cycles;
                        s.dram_cycles += o.dram_cycles;
                        s.ops += o.ops;
                        s.dram_bytes += o.dram_bytes;
                        s.actions.merge(&o.actions);
                        // A bound is decided over the whole range.
                        s.bound = o.bound.max(s.bound).min(s.bound);
                    }
                }
                assert_eq!(closed, stepped, "{unit:?} at {gbps} GB/s");
            }
        }
    }

    #[test]
    fn totals_are_the_sum_of_the_operators() {
        let c = cfg(16.0);
        let w = Workload {
            prefill: 7,
            decode: 5,
            batch: 2,
        };
        let c = c.with_schedule(Schedule::Sequential);
        let s = simulate_model(&c, &tiny(WeightKind::Ternary), &w).unwrap();
        let sum: u64 = s.ops.iter().map(|o| o.cycles).sum();
        assert_eq!(s.total_cycles, sum);
        assert_eq!(s.prefill_cycles + s.decode_cycles, s.total_cycles);
        // A prefill q_proj is one GEMM of B·P tokens per layer.
        let q = s
            .ops
            .iter()
            .find(|o| o.name == "q_proj" && o.phase == Phase::Prefill)
            .unwrap();
        let opts = GemmOptions {
            operands: OperandHome::OnChipIfFits,
            ..Default::default()
        };
        let g = simulate_gemm(
            &c,
            &GemmShape {
                m: 14,
                k: 64,
                n: 64,
            },
            &opts,
        )
        .unwrap();
        assert_eq!((q.count, q.cycles), (3, 3 * g.cycles));
        // KV cache: 2 sequences × 12 positions × 3 layers × (K and V) × 32 wide × 16 bits.
        assert_eq!(s.kv_cache_bytes, 2 * 12 * 3 * 2 * 32 * 2);
        assert!((s.tokens_per_s - 10.0 / s.decode_s).abs() < 1e-9);
        assert!(s.utilization > 0.0 && s.utilization <= 1.0);
    }

    #[test]
    fn fp16_baseline_moves_eight_times_the_linear_weights() {
        let w = Workload {
            prefill: 4,
            decode: 2,
            batch: 1,
        };
        let cmp = simulate_with_baseline(&cfg(16.0), &tiny(WeightKind::Ternary), &w).unwrap();
        assert_eq!(cmp.fp16.pe, PeKind::MacFp16);
        let m = tiny(WeightKind::Ternary).params();
        assert_eq!(
            cmp.model.weight_bytes - 2 * (m.embedding + m.norms),
            m.linear / 4
        );
        let f = fp16_baseline_model(&tiny(WeightKind::Ternary)).params();
        assert_eq!(
            cmp.fp16.weight_bytes - 2 * (f.embedding + f.norms),
            f.linear * 2
        );
        assert!(!cmp.fp16.ops.iter().any(|o| o.kind == OpKind::ActQuant));
    }

    #[test]
    fn refuses_bad_workloads_and_mismatched_arrays() {
        let c = cfg(16.0);
        let m = tiny(WeightKind::Ternary);
        for w in [
            Workload {
                prefill: 0,
                decode: 1,
                batch: 1,
            },
            Workload {
                prefill: 1,
                decode: 1,
                batch: 0,
            },
            Workload {
                prefill: 1,
                decode: MAX_CONTEXT + 1,
                batch: 1,
            },
        ] {
            assert!(simulate_model(&c, &m, &w).is_err(), "{w:?}");
        }
        let w = Workload {
            prefill: 1,
            decode: 1,
            batch: 1,
        };
        let e = simulate_model(&c, &tiny(WeightKind::Fp16), &w).unwrap_err();
        assert!(e.to_string().contains("mac-fp16"), "{e}");
        let huge = ModelShape {
            vocab: u32::MAX,
            ..m.clone()
        };
        assert!(simulate_model(&c, &huge, &w)
            .unwrap_err()
            .to_string()
            .contains("vocab"));
        let bad = ModelShape { heads: 5, ..m };
        assert!(simulate_model(&c, &bad, &w)
            .unwrap_err()
            .to_string()
            .contains("heads"));
    }

    /// Long contexts run when their counts fit 64 bits (70B at 32768 + 32768
    /// does); only a count that really overflows refuses the workload.
    #[test]
    fn refuses_only_real_overflows() {
        let c = ArrayConfig::default();
        let m70 = tritone_reference::model("bitnet-b1.58-70b").unwrap();
        let long = Workload {
            prefill: 32768,
            decode: 32768,
            batch: 1,
        };
        let s = simulate_model(&c, &m70, &long).unwrap();
        assert_eq!(s.total_cycles, s.prefill_cycles + s.decode_cycles);
        // 2^16 sequences decoding 2^20 tokens: the attention adds alone
        // exceed 2^64 (B·heads·D²/2·head_dim ≈ 2^65.6 for the 700M model).
        let m = tritone_reference::model("bitnet-b1.58-700m").unwrap();
        let huge = Workload {
            prefill: 1,
            decode: MAX_CONTEXT,
            batch: MAX_BATCH,
        };
        let e = simulate_model(&c, &m, &huge).unwrap_err();
        assert!(e.to_string().contains("overflows 64 bits"), "{e}");
    }

    #[test]
    fn every_zoo_model_simulates() {
        let c = ArrayConfig::default();
        let w = Workload {
            prefill: 16,
            decode: 4,
            batch: 1,
        };
        for m in tritone_reference::zoo() {
            let cfg = if m.weights == WeightKind::Fp16 {
                fp16_baseline_config(&c).unwrap()
            } else {
                c.clone()
            };
            let s = simulate_model(&cfg, &m, &w).unwrap_or_else(|e| panic!("{}: {e}", m.name));
            assert!(s.total_cycles > 0 && s.tokens_per_s > 0.0, "{}", m.name);
        }
    }
}
