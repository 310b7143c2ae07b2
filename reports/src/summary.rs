//! One evaluation in a compact, printable form: what `tritone energy
//! --model` prints and writes as JSON, and `tritone energy --gemm`'s text.

use crate::units::si_joules;
use serde::Serialize;
use std::fmt::Write as _;
use tritone_energy::{Component, EnergyLine};
use tritone_eval::views::KindEnergy;
use tritone_eval::{Evaluation, GemmEvaluation, Metrics};
use tritone_reference::WeightKind;
use tritone_sim::Workload;

/// One model's evaluation, summarized.
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
    /// The figures every view shares (the sweep's row, the report's table).
    pub metrics: Metrics,
    /// Faithful energy by component, pJ.
    pub faithful_by_component: Vec<(Component, f64)>,
    /// Faithful lines (action, count, pJ each, pJ, source).
    pub faithful_lines: Vec<EnergyLine>,
    /// Paper view: the linear layers' lines.
    pub paper_linear: Vec<EnergyLine>,
    /// Paper view: the other operators' arithmetic, pJ.
    pub paper_other_pj: f64,
    /// Faithful energy by layer type.
    pub by_kind: Vec<KindEnergy>,
}

impl EnergySummary {
    /// The summary of `e`.
    pub fn of(e: &Evaluation) -> EnergySummary {
        EnergySummary {
            model: e.model.clone(),
            weights: e.weights,
            table: e.table.clone(),
            workload: e.workload,
            tokens: e.tokens,
            metrics: e.metrics.clone(),
            faithful_by_component: e.faithful.by_component(),
            faithful_lines: e.faithful.lines.clone(),
            paper_linear: e
                .paper
                .linear
                .lines
                .iter()
                .filter(|l| l.count > 0)
                .cloned()
                .collect(),
            paper_other_pj: e.paper.other.total_pj,
            by_kind: e.by_kind.clone(),
        }
    }
}

fn kind_label(k: &KindEnergy) -> String {
    format!("{} ({})", k.kind.name(), k.unit.name())
}

/// Plain-text rendering of a summary (and its FP16 counterpart, if any).
pub fn render_text(m: &EnergySummary, fp16: Option<&EnergySummary>) -> String {
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
        si_joules(s.metrics.energy_pj)
    });
    row(&mut o, "faithful, per token", &|s| {
        si_joules(s.metrics.energy_per_token_pj)
    });
    row(&mut o, "paper view, per inference", &|s| {
        si_joules(s.metrics.paper_energy_pj)
    });
    row(&mut o, "paper view, per token", &|s| {
        si_joules(s.metrics.paper_energy_per_token_pj)
    });
    row(&mut o, "decode latency per token", &|s| {
        format!("{:.4} ms", s.metrics.decode_latency_s * 1e3)
    });
    row(&mut o, "decode tokens/s", &|s| {
        format!("{:.2}", s.metrics.tokens_per_s)
    });
    row(&mut o, "time to first token", &|s| {
        format!("{:.4} s", s.metrics.ttft_s)
    });
    row(&mut o, "memory (GB)", &|s| {
        format!("{:.3}", s.metrics.memory_bytes as f64 / 1e9)
    });
    if let Some(f) = fp16 {
        let _ = writeln!(
            o,
            "FP16 / this model: faithful {:.2}x, paper view {:.2}x",
            f.metrics.energy_pj / m.metrics.energy_pj,
            f.metrics.paper_energy_pj / m.metrics.paper_energy_pj
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
                l.item.name(),
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
    let mut kinds: Vec<String> = Vec::new();
    for s in &pair {
        for k in &s.by_kind {
            if !kinds.contains(&kind_label(k)) {
                kinds.push(kind_label(k));
            }
        }
    }
    for label in &kinds {
        row(&mut o, &format!("  {label}"), &|s| {
            s.by_kind
                .iter()
                .find(|k| &kind_label(k) == label)
                .map(|k| si_joules(k.total_pj))
                .unwrap_or_else(|| "-".into())
        });
    }
    let _ = writeln!(
        o,
        "\nfaithful lines of {} (pJ each x count; estimates marked *):",
        m.model
    );
    lines(&mut o, &m.faithful_lines);
    o
}

fn lines(o: &mut String, lines: &[EnergyLine]) {
    for l in lines {
        let _ = writeln!(
            o,
            "  {:<28}{:>18} x {:<12.6} = {:>16}{}",
            l.item.name(),
            l.count,
            l.pj_each,
            si_joules(l.pj),
            if l.estimate { " *" } else { "" }
        );
    }
}

/// Plain-text rendering of one GEMM's evaluation.
pub fn render_gemm(g: &GemmEvaluation) -> String {
    let mut o = String::new();
    let s = &g.stats;
    let _ = writeln!(
        o,
        "GEMM M={} K={} N={}: {} cycles ({:.6} s), {} stall, {} compute; utilization {:.1}%",
        s.shape.m,
        s.shape.k,
        s.shape.n,
        s.cycles,
        g.seconds,
        s.stall_cycles,
        s.compute_cycles,
        100.0 * s.utilization
    );
    let _ = writeln!(
        o,
        "DRAM read/write {} / {} bytes (weights {}); SRAM read/write {} / {} bytes",
        s.dram_read_bytes,
        s.dram_write_bytes,
        s.weight_dram_bytes,
        s.sram_read_bytes,
        s.sram_write_bytes
    );
    let _ = writeln!(
        o,
        "faithful: {} ({} per MAC); paper view: {}",
        si_joules(g.faithful.total_pj),
        si_joules(g.faithful.total_pj / s.macs as f64),
        si_joules(g.paper.total_pj)
    );
    let _ = writeln!(o, "\nfaithful view by component:");
    for (c, pj) in g.faithful.by_component() {
        let _ = writeln!(o, "  {:<28}{:>16}", c.name(), si_joules(pj));
    }
    let _ = writeln!(o, "\nfaithful lines (pJ each x count; estimates marked *):");
    lines(&mut o, &g.faithful.lines);
    let _ = writeln!(o, "\npaper view (the papers' matmul formula):");
    lines(
        &mut o,
        &g.paper
            .lines
            .iter()
            .filter(|l| l.count > 0)
            .cloned()
            .collect::<Vec<_>>(),
    );
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use tritone_energy::{Ert, Node};
    use tritone_eval::{DesignPoint, Evaluator};
    use tritone_sim::gemm::{GemmOptions, GemmShape};
    use tritone_sim::ArrayConfig;

    #[test]
    fn summary_and_text_agree_with_the_evaluation() {
        let ev = Evaluator::new(Ert::builtin(Node::Nm45));
        let w = Workload {
            prefill: 4,
            decode: 2,
            batch: 1,
        };
        let model = tritone_reference::model("bitnet-b1.58-700m").unwrap();
        let p = DesignPoint::new(ArrayConfig::default(), model, w).unwrap();
        let c = ev.compare(&p).unwrap();
        let (m, f) = (EnergySummary::of(&c.model), EnergySummary::of(&c.fp16));
        assert_eq!(m.tokens, 6);
        assert_eq!(m.metrics, c.model.metrics);
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
        let g = ev
            .evaluate_gemm(
                &ArrayConfig::default(),
                &GemmShape {
                    m: 8,
                    k: 256,
                    n: 256,
                },
                &GemmOptions::default(),
            )
            .unwrap();
        let text = render_gemm(&g);
        assert!(
            text.contains("GEMM M=8 K=256 N=256") && text.contains("LPDDR4 DRAM"),
            "{text}"
        );
    }
}
