//! How a design point is evaluated: the [`Evaluator`] trait (the sweep
//! engine is generic over it) and [`ModelEvaluator`], the real one: the
//! simulator's whole-model timing and activity, priced by the energy model.

use super::row::{Metrics, Outcome};
use super::space::DesignPoint;
use std::collections::HashMap;
use tritone_energy::paper::{self, Precision};
use tritone_energy::{Ert, Node, Occupancy};
use tritone_reference::{ModelShape, WeightKind};
use tritone_sim::model::graph::{self, OpKind, Phase, PhaseShape, Work};
use tritone_sim::model::{simulate_model, Workload};
use tritone_sim::PeKind;

/// Evaluates design points. Must be callable from many threads at once.
pub trait Evaluator: Sync {
    /// A cheap check that the point can be evaluated at all (architecture
    /// valid, model known). A sweep where some parameter value fails this
    /// check in every combination is refused before any work starts.
    fn check(&self, point: &DesignPoint) -> Result<(), String> {
        point.array_config().map(|_| ()).map_err(|e| e.to_string())
    }

    /// Simulates and prices one point. Impossible points give
    /// [`Outcome::Invalid`], never a panic.
    fn evaluate(&self, point: &DesignPoint) -> Outcome;
}

/// The real evaluator: [`simulate_model`] for timing, traffic and action
/// counts; the energy reference table of one technology node for both
/// energy views.
///
/// Energy per token divides the whole inference (prefill and decode) by the
/// tokens it processes, B·(P + D):
/// - faithful view: every action the simulator counts, plus leakage over the
///   run's cycles for the array's PEs and its SRAM buffers;
/// - paper view: the BitNet papers' arithmetic-only convention for the
///   linear layers (`tritone_energy::paper`), which is the same for every
///   token and depends only on the model and the node, so it is computed
///   once per model.
pub struct ModelEvaluator {
    ert: Ert,
    models: HashMap<String, ZooEntry>,
}

struct ZooEntry {
    shape: ModelShape,
    paper_pj_per_token: f64,
}

impl ModelEvaluator {
    /// An evaluator pricing with the built-in table of `node`, for every
    /// model of the zoo.
    pub fn new(node: Node) -> ModelEvaluator {
        ModelEvaluator::with_table(Ert::builtin(node))
    }

    /// An evaluator pricing with `ert` (e.g. a user's own table).
    pub fn with_table(ert: Ert) -> ModelEvaluator {
        let models = tritone_reference::zoo::zoo()
            .into_iter()
            .map(|shape| {
                let paper_pj_per_token = paper_pj_per_token(&ert, &shape);
                (
                    shape.name.to_ascii_lowercase(),
                    ZooEntry {
                        shape,
                        paper_pj_per_token,
                    },
                )
            })
            .collect();
        ModelEvaluator { ert, models }
    }

    fn model(&self, name: &str) -> Result<&ZooEntry, String> {
        self.models.get(&name.to_ascii_lowercase()).ok_or_else(|| {
            // The zoo's own error lists every known name.
            match tritone_reference::zoo::model(name) {
                Err(e) => e.to_string(),
                Ok(_) => format!("unknown model '{name}'"),
            }
        })
    }

    fn workload(point: &DesignPoint) -> Workload {
        Workload {
            prefill: point.prefill.into(),
            decode: point.decode.into(),
            batch: point.batch.into(),
        }
    }
}

/// The paper view of one token through every linear layer: an m×k by k×n
/// product with m = 1 per BitLinear, times the layers (the convention is
/// linear in m, so a token's share is exact).
fn paper_pj_per_token(ert: &Ert, shape: &ModelShape) -> f64 {
    let one_token = PhaseShape {
        phase: Phase::Prefill,
        batch: 1,
        prompt: 1,
        kv_bits: 16,
        int8_attention: false,
    };
    let precision = match shape.weights {
        WeightKind::Ternary => Precision::Ternary,
        WeightKind::Fp16 => Precision::Fp16,
    };
    graph::build(shape, &one_token)
        .node_weights()
        .filter(|op| op.kind == OpKind::BitLinear)
        .map(|op| match op.work {
            Work::Gemm(g) => {
                let per_run = paper::matmul_energy(ert, g.m, g.k, g.n, precision).total_pj;
                per_run
                    * if op.per_layer {
                        shape.layers as f64
                    } else {
                        1.0
                    }
            }
            Work::Vector { .. } => 0.0,
        })
        .sum()
}

impl Evaluator for ModelEvaluator {
    fn check(&self, point: &DesignPoint) -> Result<(), String> {
        let config = point.array_config().map_err(|e| e.to_string())?;
        let model = &self.model(&point.model)?.shape;
        ModelEvaluator::workload(point)
            .validate()
            .map_err(|e| e.to_string())?;
        // The simulator refuses FP16 models on integer arrays and the reverse;
        // checked here too so that a sweep made only of such pairs is refused
        // before it runs.
        let fits = match model.weights {
            WeightKind::Fp16 => config.pe() == PeKind::MacFp16,
            WeightKind::Ternary => config.pe() != PeKind::MacFp16,
        };
        if !fits {
            return Err(format!(
                "model {} has {:?} weights, which cannot run on a {} array",
                model.name,
                model.weights,
                config.pe().name()
            ));
        }
        Ok(())
    }

    fn evaluate(&self, point: &DesignPoint) -> Outcome {
        let config = match point.array_config() {
            Ok(c) => c,
            Err(e) => return Outcome::Invalid(e.to_string()),
        };
        let entry = match self.model(&point.model) {
            Ok(m) => m,
            Err(e) => return Outcome::Invalid(e),
        };
        let w = ModelEvaluator::workload(point);
        let stats = match simulate_model(&config, &entry.shape, &w) {
            Ok(s) => s,
            Err(e) => return Outcome::Invalid(e.to_string()),
        };
        let b = config.buffers();
        let occupancy = Occupancy {
            cycles: stats.total_cycles,
            pes: config.rows() as u64 * config.cols() as u64,
            sram_kib: (b.weight_kib + b.act_kib + b.out_kib) as u64,
        };
        let energy = self.ert.price(&stats.actions, &occupancy);
        let tokens = (w.batch * (w.prefill + w.decode)) as f64;
        Outcome::Ok(Metrics {
            cycles: stats.total_cycles,
            prefill_cycles: stats.prefill_cycles,
            decode_cycles: stats.decode_cycles,
            tokens_per_s: stats.tokens_per_s,
            ttft_s: stats.ttft_s,
            utilization: stats.utilization,
            stall_cycles: stats.stall_cycles,
            energy_per_token_pj: energy.total_pj / tokens,
            paper_energy_per_token_pj: entry.paper_pj_per_token,
            dram_bytes: stats.dram_bytes,
            weight_bytes: stats.weight_bytes,
            kv_cache_bytes: stats.kv_cache_bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::{Param, SweepSpec};

    fn point(pairs: &[(Param, &str)]) -> DesignPoint {
        let mut s = SweepSpec::default();
        s.set(Param::Model, "bitnet-b1.58-700m").unwrap();
        s.set(Param::Prefill, "16").unwrap();
        s.set(Param::Decode, "4").unwrap();
        for (p, v) in pairs {
            s.set(*p, v).unwrap();
        }
        s.point(0)
    }

    #[test]
    fn evaluates_a_point_with_the_simulator_and_both_energy_views() {
        let ev = ModelEvaluator::new(Node::Nm7);
        let p = point(&[]);
        let m = match ev.evaluate(&p) {
            Outcome::Ok(m) => m,
            other => panic!("{other:?}"),
        };
        let shape = tritone_reference::zoo::model("bitnet-b1.58-700m").unwrap();
        let stats = simulate_model(
            &p.array_config().unwrap(),
            &shape,
            &ModelEvaluator::workload(&p),
        )
        .unwrap();
        assert_eq!(
            (m.cycles, m.prefill_cycles, m.decode_cycles),
            (
                stats.total_cycles,
                stats.prefill_cycles,
                stats.decode_cycles
            )
        );
        assert_eq!(
            (m.tokens_per_s, m.dram_bytes),
            (stats.tokens_per_s, stats.dram_bytes)
        );
        // The paper view counts arithmetic only: below the faithful view, and
        // about one 7 nm INT8 add (0.007 pJ) per ternary weight per token.
        assert!(m.paper_energy_per_token_pj < m.energy_per_token_pj);
        let linear = shape.params().linear as f64;
        let per_weight = m.paper_energy_per_token_pj / linear;
        assert!(
            (0.007..0.0075).contains(&per_weight),
            "{per_weight} pJ per weight"
        );
    }

    #[test]
    fn impossible_points_are_invalid_outcomes_not_panics() {
        let ev = ModelEvaluator::new(Node::Nm7);
        for (pairs, want) in [
            (
                vec![(Param::Rows, "8"), (Param::WeightRowsPerCycle, "16")],
                "weight_rows_per_cycle",
            ),
            (vec![(Param::Model, "gpt-5")], "gpt-5"),
            (vec![(Param::Pe, "mac-fp16")], "cannot run"),
            (vec![(Param::Prefill, "0")], "prefill"),
        ] {
            let p = point(&pairs);
            let e = ev.check(&p).unwrap_err();
            assert!(e.contains(want), "{e}");
            match ev.evaluate(&p) {
                Outcome::Invalid(e) => assert!(
                    e.to_lowercase().contains(&want.to_lowercase()) || want == "cannot run",
                    "{e}"
                ),
                other => panic!("{pairs:?}: {other:?}"),
            }
        }
    }
}
