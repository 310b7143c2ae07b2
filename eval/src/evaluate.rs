//! The evaluation of a design point: simulate it, price both energy views,
//! take its footprint — the one function the report, the sweep and
//! `tritone energy` call.

use crate::cache::GemmCache;
use crate::error::EvalError;
use crate::metrics::Metrics;
use crate::point::DesignPoint;
use crate::views::{
    faithful_by_kind, faithful_matmul_arith_pj, faithful_total_pj, faithful_view,
    leakage_occupancy, paper_precision, paper_total_pj, paper_view, KindEnergy, PaperEnergy,
};
use serde::Serialize;
use tritone_energy::paper::matmul_actions;
use tritone_energy::{Action, EnergyBreakdown, Ert, Occupancy};
use tritone_reference::WeightKind;
use tritone_sim::config::Schedule;
use tritone_sim::gemm::{simulate_gemm, GemmOptions, GemmShape};
use tritone_sim::model::graph::Phase;
use tritone_sim::model::{
    check_workload, simulate_model_with, Footprint, GemmSource, ModelStats, Resource,
};
use tritone_sim::{ArrayConfig, GemmStats, Workload};

/// Evaluates design points with one energy table, sharing simulated GEMMs
/// between the points it evaluates (safe to share between threads).
#[derive(Debug)]
pub struct Evaluator {
    ert: Ert,
    gemms: GemmCache,
}

/// One design point, evaluated.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evaluation {
    /// Model name.
    pub model: String,
    /// Ternary or FP16 linear layers.
    pub weights: WeightKind,
    /// All parameters of the model.
    pub params: u64,
    /// The energy table's name.
    pub table: String,
    /// The workload.
    pub workload: Workload,
    /// Tokens processed: B·(P + D).
    pub tokens: u64,
    /// The figures every view shares.
    pub metrics: Metrics,
    /// Weights, KV cache and activations at P + D tokens.
    pub footprint: Footprint,
    /// The paper view.
    pub paper: PaperEnergy,
    /// The faithful view, whole inference.
    pub faithful: EnergyBreakdown,
    /// The faithful view of the linear layers' arithmetic alone, pJ.
    pub faithful_matmul_arith_pj: f64,
    /// The faithful view by operator kind.
    pub by_kind: Vec<KindEnergy>,
    /// The simulator's results (per-operator rows included).
    pub stats: ModelStats,
}

/// A point and its FP16 LLaMA baseline, both evaluated.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// The point as given.
    pub model: Evaluation,
    /// Its FP16 baseline ([`DesignPoint::fp16_baseline`]).
    pub fp16: Evaluation,
}

/// One GEMM, evaluated: its timing and both energy views.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GemmEvaluation {
    /// The simulator's statistics.
    pub stats: GemmStats,
    /// Time at the clock, s.
    pub seconds: f64,
    /// Every counted action plus leakage over the GEMM's cycles.
    pub faithful: EnergyBreakdown,
    /// The papers' matmul formula for the PE's weights.
    pub paper: EnergyBreakdown,
}

impl Evaluator {
    /// An evaluator pricing with `ert`.
    pub fn new(ert: Ert) -> Evaluator {
        Evaluator {
            ert,
            gemms: GemmCache::default(),
        }
    }

    /// The energy table.
    pub fn table(&self) -> &Ert {
        &self.ert
    }

    /// A cheap check that `point` can be priced (its DRAM type is in the
    /// table); simulation problems surface in [`Evaluator::evaluate`].
    pub fn check(&self, point: &DesignPoint) -> Result<(), EvalError> {
        self.ert.cost(Action::DramBit {
            kind: point.arch().dram().kind,
        })?;
        Ok(())
    }

    /// The simulation of `point`, its GEMMs shared through the cache.
    fn simulate(&self, point: &DesignPoint) -> Result<ModelStats, EvalError> {
        self.check(point)?;
        let (cfg, model, w) = (point.arch(), point.model(), point.workload());
        Ok(simulate_model_with(
            cfg,
            model,
            &w,
            &self.gemms as &dyn GemmSource,
        )?)
    }

    /// Simulates and prices `point`.
    pub fn evaluate(&self, point: &DesignPoint) -> Result<Evaluation, EvalError> {
        let stats = self.simulate(point)?;
        let (cfg, model) = (point.arch(), point.model());
        let paper = paper_view(&self.ert, model.weights, &stats)?;
        let faithful = faithful_view(&self.ert, cfg, &stats)?;
        let (metrics, footprint) = figures(point, &stats, faithful.total_pj, paper.total_pj);
        Ok(Evaluation {
            model: model.name.clone(),
            weights: model.weights,
            params: model.params().total(),
            table: self.ert.name().to_string(),
            workload: point.workload(),
            tokens: point.tokens(),
            metrics,
            footprint,
            faithful_matmul_arith_pj: faithful_matmul_arith_pj(&self.ert, &stats)?,
            by_kind: faithful_by_kind(&self.ert, cfg, &stats.ops)?,
            paper,
            faithful,
            stats,
        })
    }

    /// The shared figures of `point` alone: [`Evaluation::metrics`] without
    /// the breakdowns (what a sweep keeps), from the same simulation and the
    /// same totals, so equal to it exactly.
    pub fn metrics(&self, point: &DesignPoint) -> Result<Metrics, EvalError> {
        let stats = self.simulate(point)?;
        let faithful = faithful_total_pj(&self.ert, point.arch(), &stats)?;
        let paper = paper_total_pj(&self.ert, point.model().weights, &stats)?;
        Ok(figures(point, &stats, faithful, paper).0)
    }

    /// Evaluates `point` and its FP16 baseline.
    pub fn compare(&self, point: &DesignPoint) -> Result<Comparison, EvalError> {
        let fp16 = point.fp16_baseline()?;
        let counterpart = |e: EvalError| EvalError::Counterpart {
            model: fp16.model().name.clone(),
            pe: fp16.arch().pe().name(),
            source: Box::new(e),
        };
        // Both refused before either is simulated.
        let check = |p: &DesignPoint| -> Result<(), EvalError> {
            self.check(p)?;
            Ok(check_workload(p.arch(), p.model(), &p.workload())?)
        };
        check(point)?;
        check(&fp16).map_err(counterpart)?;
        Ok(Comparison {
            model: self.evaluate(point)?,
            fp16: self.evaluate(&fp16).map_err(counterpart)?,
        })
    }

    /// Simulates and prices one GEMM on `cfg`.
    pub fn evaluate_gemm(
        &self,
        cfg: &ArrayConfig,
        shape: &GemmShape,
        opts: &GemmOptions,
    ) -> Result<GemmEvaluation, EvalError> {
        let stats = simulate_gemm(cfg, shape, opts)?;
        let faithful = self
            .ert
            .price(&stats.actions, &leakage_occupancy(cfg, stats.cycles))?;
        let precision = paper_precision(cfg.pe().model_weights());
        let paper = self.ert.price(
            &matmul_actions(shape.m, shape.k, shape.n, precision),
            &Occupancy::NONE,
        )?;
        Ok(GemmEvaluation {
            seconds: stats.cycles as f64 / (cfg.clock_mhz() * 1e6),
            stats,
            faithful,
            paper,
        })
    }
}

/// What bounds `phase` of `stats` (the array when the phase did not run).
fn bound(stats: &ModelStats, phase: Phase) -> Resource {
    stats.phase(phase).map(|p| p.bound).unwrap_or_default()
}

/// The shared figures of a simulated point, from its two energy totals.
fn figures(
    point: &DesignPoint,
    stats: &ModelStats,
    faithful_pj: f64,
    paper_pj: f64,
) -> (Metrics, Footprint) {
    let w = point.workload();
    let footprint = Footprint::of(point.model(), point.arch(), w.batch, w.prefill + w.decode);
    let tokens = point.tokens() as f64;
    let hz = stats.clock_mhz * 1e6;
    let metrics = Metrics {
        cycles: stats.total_cycles,
        prefill_cycles: stats.prefill_cycles,
        decode_cycles: stats.decode_cycles,
        tokens_per_s: stats.tokens_per_s,
        ttft_s: stats.ttft_s,
        decode_latency_s: if w.decode == 0 {
            0.0
        } else {
            stats.decode_s / w.decode as f64
        },
        utilization: stats.utilization,
        stall_cycles: stats.stall_cycles,
        energy_per_token_pj: faithful_pj / tokens,
        paper_energy_per_token_pj: paper_pj / tokens,
        energy_pj: faithful_pj,
        paper_energy_pj: paper_pj,
        dram_bytes: stats.dram_bytes,
        weight_bytes: footprint.weights,
        kv_cache_bytes: footprint.kv_cache,
        memory_bytes: footprint.total(),
        prefill_bound: bound(stats, Phase::Prefill),
        decode_bound: bound(stats, Phase::Decode),
        sequential_ttft_s: stats.phase_cycles(Phase::Prefill, Schedule::Sequential) as f64 / hz,
        sequential_tokens_per_s: if w.decode == 0 {
            0.0
        } else {
            (w.batch * w.decode) as f64 * hz
                / stats.phase_cycles(Phase::Decode, Schedule::Sequential) as f64
        },
    };
    (metrics, footprint)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::point::DEFAULT_WORKLOAD;
    use tritone_energy::{Component, Node};
    use tritone_sim::simulate_model;

    fn small() -> tritone_reference::ModelShape {
        tritone_reference::model("bitnet-b1.58-700m").unwrap()
    }

    fn workload() -> Workload {
        Workload {
            prefill: 16,
            decode: 4,
            batch: 1,
        }
    }

    #[test]
    fn views_add_up_and_ternary_wins_the_paper_view() {
        let ev = Evaluator::new(Ert::builtin(Node::Nm7));
        let p = DesignPoint::new(ArrayConfig::default(), small(), workload()).unwrap();
        let c = ev.compare(&p).unwrap();
        for m in [&c.model, &c.fp16] {
            let kinds: f64 = m.by_kind.iter().map(|k| k.total_pj).sum();
            assert!(
                (kinds - m.faithful.total_pj).abs() <= 1e-9 * m.faithful.total_pj,
                "{}",
                m.model
            );
            assert!(m.faithful.component_pj(Component::Leakage) > 0.0);
            assert!(m.paper.total_pj > 0.0 && m.faithful_matmul_arith_pj > 0.0);
            assert_eq!(m.metrics.energy_pj, m.faithful.total_pj);
            assert_eq!(m.metrics.energy_per_token_pj, m.faithful.total_pj / 20.0);
        }
        // Paper view of the linear layers: close to the 71.4× headline.
        let r = c.fp16.paper.linear.total_pj / c.model.paper.linear.total_pj;
        assert!(r > 50.0 && r < 71.5, "{r}");
        // End to end, memory traffic and leakage pull the ratio far below it.
        let f = c.fp16.faithful.total_pj / c.model.faithful.total_pj;
        assert!(f > 1.0 && f < r / 2.0, "{f} vs {r}");
    }

    #[test]
    fn timing_is_the_simulators_and_cached_gemms_change_nothing() {
        let ev = Evaluator::new(Ert::builtin(Node::Nm45));
        let p = DesignPoint::new(ArrayConfig::default(), small(), workload()).unwrap();
        let first = ev.evaluate(&p).unwrap();
        assert!(!ev.gemms.is_empty());
        let again = ev.evaluate(&p).unwrap();
        assert_eq!(first, again);
        assert_eq!(
            ev.metrics(&p).unwrap(),
            first.metrics,
            "figures alone are the same"
        );
        let fresh = simulate_model(p.arch(), p.model(), &p.workload()).unwrap();
        assert_eq!(first.stats, fresh);
        assert_eq!(first.metrics.cycles, fresh.total_cycles);
        assert_eq!(first.metrics.weight_bytes, fresh.weight_bytes);
        assert_eq!(first.metrics.memory_bytes, first.footprint.total());
    }

    #[test]
    fn paper_linear_energy_matches_hand_formula() {
        let ev = Evaluator::new(Ert::builtin(Node::Nm7));
        let m = small();
        let w = Workload {
            prefill: 8,
            decode: 0,
            batch: 1,
        };
        let e = ev
            .evaluate(&DesignPoint::new(ArrayConfig::default(), m.clone(), w).unwrap())
            .unwrap();
        let (d, f, kvd, l) = (m.hidden as u64, m.ffn as u64, m.kv_dim(), m.layers as u64);
        // (k, n) of q, k, v, o, gate, up, down.
        let gemms = [(d, d), (d, kvd), (d, kvd), (d, d), (d, f), (d, f), (f, d)];
        let t = 8u64;
        let adds: u64 = gemms.iter().map(|(k, n)| t * (k - 1) * n).sum::<u64>() * l;
        let muls: u64 = gemms.iter().map(|(k, n)| t * n + t * k).sum::<u64>() * l;
        let want = adds as f64 * 0.007 + muls as f64 * 0.34;
        let got = e.paper.linear.total_pj;
        assert!((got - want).abs() < 1e-9 * want, "{got} vs {want}");
    }

    #[test]
    fn a_table_without_the_dram_type_refuses_the_point() {
        let text = tritone_energy::table::TABLE_7NM
            .lines()
            .filter(|l| !l.starts_with("lpddr4"))
            .collect::<Vec<_>>()
            .join("\n");
        let ev = Evaluator::new(Ert::from_toml_str(&text, "mine").unwrap());
        let p = DesignPoint::new(ArrayConfig::default(), small(), DEFAULT_WORKLOAD).unwrap();
        let e = ev.evaluate(&p).unwrap_err().to_string();
        assert!(e.contains("dram.lpddr4"), "{e}");
    }

    #[test]
    fn one_gemm_is_priced_in_both_views() {
        let ev = Evaluator::new(Ert::builtin(Node::Nm7));
        let cfg = ArrayConfig::default();
        let shape = GemmShape {
            m: 64,
            k: 512,
            n: 256,
        };
        let g = ev
            .evaluate_gemm(&cfg, &shape, &GemmOptions::default())
            .unwrap();
        assert_eq!(
            g.stats,
            simulate_gemm(&cfg, &shape, &GemmOptions::default()).unwrap()
        );
        assert_eq!(g.seconds, g.stats.cycles as f64 / 1e9);
        assert!(g.faithful.component_pj(Component::Dram) > 0.0);
        // 64·511·256 INT8 adds (0.007 pJ) and 64·(256 + 512) FP16 scalings (0.34 pJ).
        let want = (64 * 511 * 256) as f64 * 0.007 + (64 * 768) as f64 * 0.34;
        assert!((g.paper.total_pj - want).abs() < 1e-9 * want);
    }
}
