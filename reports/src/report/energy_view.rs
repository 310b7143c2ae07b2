//! The energy of one model inference in both views.
//!
//! - Paper view (BitNet's convention): the linear layers' matrix-multiplication
//!   arithmetic by [`tritone_energy::paper`]'s formulas (one INT8 add per
//!   ternary product, FP16 multiply + add per FP16 product, scalings as FP16
//!   multiplies), plus the arithmetic of every other operator (attention,
//!   softmax, norms, activations, LM head) as the simulator counts it.
//!   Activation quantization and dequantization are left out there because the
//!   paper's E_mul = (m·p + m·n)·Ê_mul already prices those scalings. No memory.
//! - Hardware-faithful view: every action the simulator counted for the
//!   simulated design (adders at the accumulator's real width, skipped
//!   products, registers, SRAM, DRAM) plus leakage over the run's cycles.

use serde::Serialize;
use std::collections::BTreeMap;
use tritone_energy::paper::{matmul_actions, Precision};
use tritone_energy::{ActionCounts, Component, EnergyBreakdown, Ert, Occupancy};
use tritone_reference::{ModelShape, WeightKind};
use tritone_sim::model::graph::{self, OpKind, Phase, PhaseShape, Unit, Work};
use tritone_sim::model::{simulate_with_baseline, ModelStats, OpStats};
use tritone_sim::{ArrayConfig, SimError, Workload};

/// Energy of the operators of one kind (layer type), faithful view.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KindEnergy {
    /// Operator kind, e.g. `bit_linear`, `attn_scores`.
    pub kind: String,
    /// Array or vector unit.
    pub unit: String,
    /// Energy by component, pJ, in [`Component::ALL`] order.
    pub components: Vec<(Component, f64)>,
    /// Total, pJ.
    pub total_pj: f64,
}

/// The paper's convention for a whole model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PaperEnergy {
    /// Linear layers (BitLinear / nn.Linear) by the paper's formulas.
    pub linear: EnergyBreakdown,
    /// Arithmetic of every other operator.
    pub other: EnergyBreakdown,
    /// linear + other, pJ.
    pub total_pj: f64,
}

/// One model's inference priced in both views.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModelEnergy {
    /// Model name.
    pub model: String,
    /// Ternary or FP16 linear layers.
    pub weights: WeightKind,
    /// All parameters.
    pub params: u64,
    /// The energy table used.
    pub table: String,
    /// The workload.
    pub workload: Workload,
    /// Tokens processed: B·(P + D).
    pub tokens: u64,
    /// Paper view.
    pub paper: PaperEnergy,
    /// Faithful view, whole inference.
    pub faithful: EnergyBreakdown,
    /// Faithful view, the linear layers' arithmetic only (adds, multiplies,
    /// skipped products on the array): the faithful counterpart of the paper's
    /// matmul energy.
    pub faithful_matmul_arith_pj: f64,
    /// Faithful view by operator kind.
    pub by_kind: Vec<KindEnergy>,
    /// The simulator's results (cycles, latency, footprint, per-op rows).
    pub stats: ModelStats,
}

impl ModelEnergy {
    /// Faithful energy per processed token, pJ.
    pub fn faithful_pj_per_token(&self) -> f64 {
        self.faithful.total_pj / self.tokens as f64
    }

    /// Decode latency per generated token, seconds (0 without decode).
    pub fn decode_latency_s(&self) -> f64 {
        let w = &self.stats.workload;
        if w.decode == 0 {
            0.0
        } else {
            self.stats.decode_s / w.decode as f64
        }
    }
}

/// A model and its FP16 LLaMA counterpart, both priced.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EnergyComparison {
    /// The model as given.
    pub model: ModelEnergy,
    /// Its FP16 baseline on the FP16 copy of the array.
    pub fp16: ModelEnergy,
}

/// What leakage is charged on: the R×C array, the vector lanes and all three buffers.
fn occupancy(cfg: &ArrayConfig, cycles: u64) -> Occupancy {
    let b = cfg.buffers();
    Occupancy {
        cycles,
        pes: cfg.rows() as u64 * cfg.cols() as u64 + cfg.vector().lanes as u64,
        sram_kib: b.weight_kib as u64 + b.act_kib as u64 + b.out_kib as u64,
    }
}

/// The snake_case name of an operator kind (as in the simulator's JSON).
pub fn kind_name(k: OpKind) -> String {
    serde_json::to_value(k)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{k:?}"))
}

fn unit_name(u: Unit) -> &'static str {
    match u {
        Unit::Array => "array",
        Unit::Vector => "vector",
    }
}

/// Arithmetic only: every action but memory and registers.
fn arithmetic(actions: &ActionCounts) -> ActionCounts {
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

/// The paper's convention for `model` under workload `w` (graph shapes from the simulator).
pub fn paper_energy(
    ert: &Ert,
    model: &ModelShape,
    stats: &ModelStats,
    w: &Workload,
    kv_bits: u64,
) -> PaperEnergy {
    let precision = match model.weights {
        WeightKind::Ternary => Precision::Ternary,
        WeightKind::Fp16 => Precision::Fp16,
    };
    let mut linear = ActionCounts::new();
    for (phase, steps) in [(Phase::Prefill, 1), (Phase::Decode, w.decode)] {
        if steps == 0 {
            continue;
        }
        // GEMM shapes do not depend on the context, so one graph per phase suffices.
        let ps = PhaseShape {
            phase,
            batch: w.batch,
            prompt: w.prefill,
            kv_bits,
            int8_attention: false,
        };
        for op in graph::build(model, &ps).node_weights() {
            if let Work::Gemm(s) = op.work {
                let reps = steps * if op.per_layer { model.layers as u64 } else { 1 };
                linear.merge(&matmul_actions(s.m, s.k, s.n, precision).scaled(reps));
            }
        }
    }
    let mut other = ActionCounts::new();
    for o in stats
        .ops
        .iter()
        .filter(|o| o.unit == Unit::Vector && !matches!(o.kind, OpKind::ActQuant | OpKind::Dequant))
    {
        other.merge(&arithmetic(&o.actions));
    }
    let linear = ert.price(&linear, &Occupancy::NONE);
    let other = ert.price(&other, &Occupancy::NONE);
    let total_pj = linear.total_pj + other.total_pj;
    PaperEnergy {
        linear,
        other,
        total_pj,
    }
}

fn by_kind(ert: &Ert, cfg: &ArrayConfig, ops: &[OpStats]) -> Vec<KindEnergy> {
    let mut acc: BTreeMap<(String, &'static str), (ActionCounts, u64)> = BTreeMap::new();
    for o in ops {
        let e = acc
            .entry((kind_name(o.kind), unit_name(o.unit)))
            .or_default();
        e.0.merge(&o.actions);
        e.1 += o.cycles;
    }
    acc.into_iter()
        .map(|((kind, unit), (actions, cycles))| {
            let b = ert.price(&actions, &occupancy(cfg, cycles));
            KindEnergy {
                kind,
                unit: unit.into(),
                components: b.by_component(),
                total_pj: b.total_pj,
            }
        })
        .collect()
}

/// Prices simulator results in both views.
pub fn price_stats(
    ert: &Ert,
    cfg: &ArrayConfig,
    model: &ModelShape,
    stats: ModelStats,
) -> ModelEnergy {
    let w = stats.workload;
    let faithful = ert.price(&stats.actions, &occupancy(cfg, stats.total_cycles));
    let mut matmul = ActionCounts::new();
    for o in stats.ops.iter().filter(|o| o.unit == Unit::Array) {
        matmul.merge(&arithmetic(&o.actions));
    }
    ModelEnergy {
        model: model.name.clone(),
        weights: model.weights,
        params: model.params().total(),
        table: ert.name().to_string(),
        workload: w,
        tokens: w.batch * (w.prefill + w.decode),
        paper: paper_energy(ert, model, &stats, &w, cfg.kv_bits() as u64),
        faithful_matmul_arith_pj: ert.price(&matmul, &Occupancy::NONE).total_pj,
        by_kind: by_kind(ert, cfg, &stats.ops),
        faithful,
        stats,
    }
}

/// Simulates and prices `model` alone: ternary models on `cfg`, FP16 models on
/// the FP16 copy of `cfg` (an FP16 model cannot run on ternary PEs).
pub fn evaluate(
    ert: &Ert,
    cfg: &ArrayConfig,
    model: &ModelShape,
    w: &Workload,
) -> Result<ModelEnergy, SimError> {
    let cfg = match model.weights {
        WeightKind::Ternary => cfg.clone(),
        WeightKind::Fp16 => tritone_sim::model::fp16_baseline_config(cfg)?,
    };
    let stats = tritone_sim::simulate_model(&cfg, model, w)?;
    Ok(price_stats(ert, &cfg, model, stats))
}

/// Simulates `model` (on `cfg`) and its FP16 baseline (on the FP16 copy of
/// `cfg`) and prices both.
pub fn compare(
    ert: &Ert,
    cfg: &ArrayConfig,
    model: &ModelShape,
    w: &Workload,
) -> Result<EnergyComparison, SimError> {
    let c = simulate_with_baseline(cfg, model, w)?;
    let fp16_cfg = tritone_sim::model::fp16_baseline_config(cfg)?;
    let fp16_model = tritone_sim::model::fp16_baseline_model(model);
    Ok(EnergyComparison {
        model: price_stats(ert, cfg, model, c.model),
        fp16: price_stats(ert, &fp16_cfg, &fp16_model, c.fp16),
    })
}

/// One model's energy in a compact, printable form (what `tritone energy
/// --model` shows and writes as JSON).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EnergySummary {
    /// Model.
    pub model: String,
    /// Ternary or FP16.
    pub weights: WeightKind,
    /// Energy table.
    pub table: String,
    /// Workload.
    pub workload: Workload,
    /// Tokens processed, B·(P + D).
    pub tokens: u64,
    /// Faithful energy per inference, pJ.
    pub faithful_pj: f64,
    /// Faithful energy per processed token, pJ.
    pub faithful_pj_per_token: f64,
    /// Paper-view energy per inference, pJ.
    pub paper_pj: f64,
    /// Paper-view energy per processed token, pJ.
    pub paper_pj_per_token: f64,
    /// Faithful energy by component, pJ.
    pub faithful_by_component: Vec<(Component, f64)>,
    /// Faithful lines (action, count, pJ each, pJ, source).
    pub faithful_lines: Vec<tritone_energy::EnergyLine>,
    /// Paper view: the linear layers' lines.
    pub paper_linear: Vec<tritone_energy::EnergyLine>,
    /// Paper view: the other operators' arithmetic, pJ.
    pub paper_other_pj: f64,
    /// Faithful energy by layer type.
    pub by_kind: Vec<KindEnergy>,
    /// Simulated decode latency per generated token, s.
    pub decode_latency_s: f64,
    /// Simulated cycles.
    pub cycles: u64,
}

impl ModelEnergy {
    /// The compact form.
    pub fn summary(&self) -> EnergySummary {
        EnergySummary {
            model: self.model.clone(),
            weights: self.weights,
            table: self.table.clone(),
            workload: self.workload,
            tokens: self.tokens,
            faithful_pj: self.faithful.total_pj,
            faithful_pj_per_token: self.faithful_pj_per_token(),
            paper_pj: self.paper.total_pj,
            paper_pj_per_token: self.paper.total_pj / self.tokens as f64,
            faithful_by_component: self.faithful.by_component(),
            faithful_lines: self.faithful.lines.clone(),
            paper_linear: self
                .paper
                .linear
                .lines
                .iter()
                .filter(|l| l.count > 0)
                .cloned()
                .collect(),
            paper_other_pj: self.paper.other.total_pj,
            by_kind: self.by_kind.clone(),
            decode_latency_s: self.decode_latency_s(),
            cycles: self.stats.total_cycles,
        }
    }
}

/// Energy with an SI prefix, e.g. "12.3 mJ".
pub fn si_joules(pj: f64) -> String {
    let j = pj * 1e-12;
    let (v, unit) = [
        (1.0, "J"),
        (1e-3, "mJ"),
        (1e-6, "uJ"),
        (1e-9, "nJ"),
        (1e-12, "pJ"),
    ]
    .into_iter()
    .find(|(s, _)| j.abs() >= *s)
    .map(|(s, u)| (j / s, u))
    .unwrap_or((pj, "pJ"));
    format!("{v:.4} {unit}")
}

/// Plain-text rendering of a summary (and its FP16 counterpart, if any).
pub fn render_text(m: &EnergySummary, fp16: Option<&EnergySummary>) -> String {
    use std::fmt::Write as _;
    let mut o = String::new();
    let w = m.workload;
    let _ = writeln!(
        o,
        "{} on table {}: prompt {} + {} generated tokens, batch {} ({} tokens)",
        m.model, m.table, w.prefill, w.decode, w.batch, m.tokens
    );
    let pair: Vec<&EnergySummary> = std::iter::once(m).chain(fp16).collect();
    let width = pair
        .iter()
        .map(|s| s.model.len())
        .max()
        .unwrap_or(0)
        .max(16)
        + 2;
    let _ = writeln!(
        o,
        "\n{:<28}{}",
        "",
        pair.iter()
            .map(|s| format!("{:>width$}", s.model))
            .collect::<String>()
    );
    let row = |o: &mut String, label: &str, f: &dyn Fn(&EnergySummary) -> String| {
        let _ = writeln!(
            o,
            "{label:<28}{}",
            pair.iter()
                .map(|s| format!("{:>width$}", f(s)))
                .collect::<String>()
        );
    };
    row(&mut o, "faithful, per inference", &|s| {
        si_joules(s.faithful_pj)
    });
    row(&mut o, "faithful, per token", &|s| {
        si_joules(s.faithful_pj_per_token)
    });
    row(&mut o, "paper view, per inference", &|s| {
        si_joules(s.paper_pj)
    });
    row(&mut o, "paper view, per token", &|s| {
        si_joules(s.paper_pj_per_token)
    });
    row(&mut o, "decode latency per token", &|s| {
        format!("{:.4} ms", s.decode_latency_s * 1e3)
    });
    if let Some(f) = fp16 {
        let _ = writeln!(
            o,
            "FP16 / this model: faithful {:.2}x, paper view {:.2}x",
            f.faithful_pj / m.faithful_pj,
            f.paper_pj / m.paper_pj
        );
    }
    let _ = writeln!(o, "\nfaithful view by component:");
    for (i, (c, _)) in m.faithful_by_component.iter().enumerate() {
        row(&mut o, &format!("  {}", c.name()), &|s| {
            si_joules(s.faithful_by_component[i].1)
        });
    }
    let _ = writeln!(
        o,
        "\npaper view (linear layers by the paper's formulas, then other arithmetic):"
    );
    for s in &pair {
        for l in &s.paper_linear {
            let _ = writeln!(
                o,
                "  {:<w$}{:<18}{:>16} x {:.4} pJ = {}",
                s.model,
                l.item,
                l.count,
                l.pj_each,
                si_joules(l.pj),
                w = width
            );
        }
        let _ = writeln!(
            o,
            "  {:<w$}{:<18}{:>36}",
            s.model,
            "other operators",
            si_joules(s.paper_other_pj),
            w = width
        );
    }
    let _ = writeln!(o, "\nfaithful view by layer type:");
    let mut kinds: Vec<(String, String)> = Vec::new();
    for s in &pair {
        for k in &s.by_kind {
            if !kinds.iter().any(|(n, u)| n == &k.kind && u == &k.unit) {
                kinds.push((k.kind.clone(), k.unit.clone()));
            }
        }
    }
    for (kind, unit) in &kinds {
        row(&mut o, &format!("  {kind} ({unit})"), &|s| {
            s.by_kind
                .iter()
                .find(|k| &k.kind == kind && &k.unit == unit)
                .map(|k| si_joules(k.total_pj))
                .unwrap_or_else(|| "-".into())
        });
    }
    let _ = writeln!(
        o,
        "\nfaithful lines of {} (pJ each x count; estimates marked *):",
        m.model
    );
    for l in &m.faithful_lines {
        let _ = writeln!(
            o,
            "  {:<28}{:>18} x {:<12.6} = {:>16}{}",
            l.item,
            l.count,
            l.pj_each,
            si_joules(l.pj),
            if l.estimate { " *" } else { "" }
        );
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use tritone_energy::Node;

    fn small() -> ModelShape {
        tritone_reference::model("bitnet-b1.58-700m").unwrap()
    }

    #[test]
    fn views_add_up_and_ternary_wins_the_paper_view() {
        let ert = Ert::builtin(Node::Nm7);
        let cfg = ArrayConfig::default();
        let w = Workload {
            prefill: 16,
            decode: 4,
            batch: 1,
        };
        let c = compare(&ert, &cfg, &small(), &w).unwrap();
        for m in [&c.model, &c.fp16] {
            let kinds: f64 = m.by_kind.iter().map(|k| k.total_pj).sum();
            assert!(
                (kinds - m.faithful.total_pj).abs() <= 1e-9 * m.faithful.total_pj,
                "{}",
                m.model
            );
            assert!(m.faithful.component_pj(Component::Leakage) > 0.0);
            assert!(m.paper.total_pj > 0.0 && m.faithful_matmul_arith_pj > 0.0);
        }
        // Paper view of the linear layers: close to the 71.4× headline.
        let r = c.fp16.paper.linear.total_pj / c.model.paper.linear.total_pj;
        assert!(r > 50.0 && r < 71.5, "{r}");
        // End to end, memory traffic and leakage pull the ratio far below it.
        let f = c.fp16.faithful.total_pj / c.model.faithful.total_pj;
        assert!(f > 1.0 && f < r / 2.0, "{f} vs {r}");
    }

    #[test]
    fn summary_and_text_agree_with_the_breakdown() {
        let ert = Ert::builtin(Node::Nm45);
        let w = Workload {
            prefill: 4,
            decode: 2,
            batch: 1,
        };
        let c = compare(&ert, &ArrayConfig::default(), &small(), &w).unwrap();
        let (m, f) = (c.model.summary(), c.fp16.summary());
        assert_eq!(m.tokens, 6);
        assert!((m.faithful_pj_per_token * 6.0 - m.faithful_pj).abs() < 1e-6 * m.faithful_pj);
        let text = render_text(&m, Some(&f));
        for needle in [
            "faithful, per token",
            "leakage (estimate)",
            "INT8 add",
            "bit_linear (array)",
            "FP16 / this model",
        ] {
            assert!(text.contains(needle), "missing {needle}:\n{text}");
        }
        assert_eq!(si_joules(1.5e9), "1.5000 mJ");
        assert_eq!(si_joules(2.0), "2.0000 pJ");
    }

    #[test]
    fn paper_linear_energy_matches_hand_formula() {
        let ert = Ert::builtin(Node::Nm7);
        let m = small();
        let w = Workload {
            prefill: 8,
            decode: 0,
            batch: 1,
        };
        let c = compare(&ert, &ArrayConfig::default(), &m, &w).unwrap();
        let (d, f, kvd, l) = (m.hidden as u64, m.ffn as u64, m.kv_dim(), m.layers as u64);
        // (k, n) of q, k, v, o, gate, up, down.
        let gemms = [(d, d), (d, kvd), (d, kvd), (d, d), (d, f), (d, f), (f, d)];
        let t = 8u64;
        let adds: u64 = gemms.iter().map(|(k, n)| t * (k - 1) * n).sum::<u64>() * l;
        let muls: u64 = gemms.iter().map(|(k, n)| t * n + t * k).sum::<u64>() * l;
        let want = adds as f64 * 0.007 + muls as f64 * 0.34;
        let got = c.model.paper.linear.total_pj;
        assert!((got - want).abs() < 1e-9 * want, "{got} vs {want}");
    }
}
