//! The two energy views of a simulated inference, each defined here once.
//!
//! - **Paper view** (the BitNet papers' convention, arXiv 2402.17764 §3
//!   "Energy" and Figure 3): arithmetic only, no memory, no leakage. The
//!   linear layers are priced by the papers' matmul formulas
//!   ([`tritone_energy::paper`]: one INT8 add per ternary product and the
//!   output and input scalings as FP16 multiplies; an FP16 multiply and add
//!   per FP16 product), and every other operator (attention, softmax, norms,
//!   activations, LM head) by the arithmetic the simulator counts for it.
//!   Activation quantization and dequantization are left out: the formula's
//!   scalings (m·p + m·n multiplies) already price them. "End-to-end" in the
//!   paper's Figure 3 (right) includes those other components, whose share
//!   shrinks as models grow — which this definition reproduces.
//! - **Faithful view**: every action the simulator counts for the design
//!   (adds at the accumulator's real width, skipped products, registers,
//!   SRAM, DRAM, the vector unit, the attention array), plus leakage over
//!   the run's cycles of everything that is powered on every device: the
//!   R×C PEs, the attention array's PEs, the vector unit's lanes and all
//!   three SRAM buffers ([`leakage_occupancy`]).

use crate::error::EvalError;
use serde::Serialize;
use std::collections::BTreeMap;
use tritone_energy::paper::{matmul_actions, Precision};
use tritone_energy::{ActionCounts, Component, EnergyBreakdown, Ert, Occupancy};
use tritone_reference::WeightKind;
use tritone_sim::model::graph::{OpKind, Unit};
use tritone_sim::model::{ModelStats, OpStats};
use tritone_sim::ArrayConfig;

/// What leakage is charged on over `cycles`: on every device, the array's
/// R·C PEs, the attention array's PEs and the vector unit's lanes, and the
/// weight, activation and output buffers.
pub fn leakage_occupancy(cfg: &ArrayConfig, cycles: u64) -> Occupancy {
    let b = cfg.buffers();
    let devices = cfg.system().devices as u64;
    Occupancy {
        cycles,
        pes: devices
            * (cfg.rows() as u64 * cfg.cols() as u64
                + cfg.attention_unit().pes()
                + cfg.vector().lanes as u64),
        sram_kib: devices * (b.weight_kib as u64 + b.act_kib as u64 + b.out_kib as u64),
    }
}

/// The paper's precision of a model's linear layers.
pub fn paper_precision(weights: WeightKind) -> Precision {
    match weights {
        WeightKind::Ternary => Precision::Ternary,
        WeightKind::Fp16 => Precision::Fp16,
    }
}

/// The paper view of one inference.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PaperEnergy {
    /// The linear layers (BitLinear / nn.Linear) by the papers' formulas.
    pub linear: EnergyBreakdown,
    /// The arithmetic of every other operator.
    pub other: EnergyBreakdown,
    /// linear + other, pJ.
    pub total_pj: f64,
}

/// Whether the paper view counts an operator's own arithmetic (the linear
/// layers are priced by formula, their scalings included; attention counts
/// the same arithmetic on the attention array as on the vector unit).
fn paper_prices_own_arithmetic(o: &OpStats) -> bool {
    matches!(o.unit, Unit::Vector | Unit::Attention)
        && !matches!(o.kind, OpKind::ActQuant | OpKind::Dequant)
}

/// Arithmetic only: every action but memory and registers.
pub fn arithmetic(actions: &ActionCounts) -> ActionCounts {
    let mut out = ActionCounts::new();
    for (a, n) in actions.iter() {
        if matches!(
            Component::of(a),
            Component::Adds | Component::Multiplies | Component::SkippedProducts
        ) {
            out.add(a, n);
        }
    }
    out
}

/// The paper view's action counts of `stats`: the linear layers by the
/// papers' formulas, and the other operators' arithmetic.
fn paper_counts(weights: WeightKind, stats: &ModelStats) -> (ActionCounts, ActionCounts) {
    let precision = paper_precision(weights);
    let mut linear = ActionCounts::new();
    let mut other = ActionCounts::new();
    for o in &stats.ops {
        if let Some(g) = o.gemm {
            linear.merge(&matmul_actions(g.m, g.k, g.n, precision).scaled(o.count));
        } else if paper_prices_own_arithmetic(o) {
            other.merge(&arithmetic(&o.actions));
        }
    }
    (linear, other)
}

/// The paper view of `stats` for a model with `weights`.
pub fn paper_view(
    ert: &Ert,
    weights: WeightKind,
    stats: &ModelStats,
) -> Result<PaperEnergy, EvalError> {
    let (linear, other) = paper_counts(weights, stats);
    let linear = ert.price(&linear, &Occupancy::NONE)?;
    let other = ert.price(&other, &Occupancy::NONE)?;
    let total_pj = linear.total_pj + other.total_pj;
    Ok(PaperEnergy {
        linear,
        other,
        total_pj,
    })
}

/// [`paper_view`]'s total alone, pJ (equal to its `total_pj` exactly).
pub fn paper_total_pj(
    ert: &Ert,
    weights: WeightKind,
    stats: &ModelStats,
) -> Result<f64, EvalError> {
    let (linear, other) = paper_counts(weights, stats);
    Ok(ert.total_pj(&linear, &Occupancy::NONE)? + ert.total_pj(&other, &Occupancy::NONE)?)
}

/// The faithful view of `stats` on `cfg`: every counted action and leakage.
pub fn faithful_view(
    ert: &Ert,
    cfg: &ArrayConfig,
    stats: &ModelStats,
) -> Result<EnergyBreakdown, EvalError> {
    Ok(ert.price(&stats.actions, &leakage_occupancy(cfg, stats.total_cycles))?)
}

/// [`faithful_view`]'s total alone, pJ (equal to its `total_pj` exactly).
pub fn faithful_total_pj(
    ert: &Ert,
    cfg: &ArrayConfig,
    stats: &ModelStats,
) -> Result<f64, EvalError> {
    Ok(ert.total_pj(&stats.actions, &leakage_occupancy(cfg, stats.total_cycles))?)
}

/// The faithful view of the linear layers' arithmetic alone (adds,
/// multiplies and skipped products on the array): the counterpart of the
/// paper view's linear part, pJ.
pub fn faithful_matmul_arith_pj(ert: &Ert, stats: &ModelStats) -> Result<f64, EvalError> {
    let mut matmul = ActionCounts::new();
    for o in stats.ops.iter().filter(|o| o.unit == Unit::Array) {
        matmul.merge(&arithmetic(&o.actions));
    }
    Ok(ert.price(&matmul, &Occupancy::NONE)?.total_pj)
}

/// The faithful energy of the operators of one kind (layer type).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KindEnergy {
    /// Operator kind, e.g. `bit_linear`, `attn_scores`.
    pub kind: OpKind,
    /// Array or vector unit.
    pub unit: Unit,
    /// Energy by component, pJ, in [`Component::ALL`] order.
    pub components: Vec<(Component, f64)>,
    /// Total, pJ.
    pub total_pj: f64,
}

/// The faithful view by operator kind: each kind's actions, and leakage
/// over its cycles (so the kinds add up to the whole).
pub fn faithful_by_kind(
    ert: &Ert,
    cfg: &ArrayConfig,
    ops: &[OpStats],
) -> Result<Vec<KindEnergy>, EvalError> {
    let mut acc: BTreeMap<(OpKind, Unit), (ActionCounts, u64)> = BTreeMap::new();
    for o in ops {
        let e = acc.entry((o.kind, o.unit)).or_default();
        e.0.merge(&o.actions);
        e.1 += o.cycles;
    }
    acc.into_iter()
        .map(|((kind, unit), (actions, cycles))| {
            let b = ert.price(&actions, &leakage_occupancy(cfg, cycles))?;
            Ok(KindEnergy {
                kind,
                unit,
                components: b.by_component(),
                total_pj: b.total_pj,
            })
        })
        .collect()
}
