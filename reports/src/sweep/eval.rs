//! How a sweep point is evaluated: the [`PointEvaluator`] trait (the sweep
//! engine is generic over it) and [`ModelEvaluator`], the real one — the
//! point's design built from the parameter table and evaluated by
//! [`tritone_eval::Evaluator`], the one evaluation the report and
//! `tritone energy` use too.

use super::row::Outcome;
use super::space::SweepPoint;
use tritone_energy::{Ert, Node};
use tritone_eval::param::Zoo;
use tritone_eval::{DesignPoint, EvalError, Evaluator};

/// Evaluates sweep points. Must be callable from many threads at once.
pub trait PointEvaluator: Sync {
    /// A cheap check that the point can be evaluated at all (architecture
    /// valid, model known). A sweep where some parameter value fails this
    /// check in every combination is refused before any work starts.
    fn check(&self, point: &SweepPoint) -> Result<(), String> {
        point
            .design()
            .config()
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Simulates and prices one point. Impossible points give
    /// [`Outcome::Invalid`], never a panic.
    fn evaluate(&self, point: &SweepPoint) -> Outcome;

    /// The identity of the energy table the points are priced with,
    /// written with every row: rows priced with another table are neither
    /// resumed nor merged. Empty when the evaluator prices with none.
    fn energy_table(&self) -> String {
        String::new()
    }
}

/// The real evaluator: every point through [`Evaluator::evaluate`] with the
/// energy table of one technology node (or a user's table). Points of one
/// run share their simulated GEMMs.
pub struct ModelEvaluator {
    evaluator: Evaluator,
    zoo: Zoo,
    table_id: String,
}

impl ModelEvaluator {
    /// An evaluator pricing with the built-in table of `node`.
    pub fn new(node: Node) -> ModelEvaluator {
        ModelEvaluator::with_table(Ert::builtin(node))
    }

    /// An evaluator pricing with `ert` (e.g. a user's own table).
    pub fn with_table(ert: Ert) -> ModelEvaluator {
        // The name for people, a fingerprint of every entry for the check.
        let entries = serde_json::to_string(&ert).expect("JSON of a table");
        let table_id = format!(
            "{}#{:016x}",
            ert.name(),
            super::space::fingerprint(entries.as_bytes())
        );
        ModelEvaluator {
            evaluator: Evaluator::new(ert),
            zoo: Zoo::default(),
            table_id,
        }
    }

    fn design_point(&self, point: &SweepPoint) -> Result<DesignPoint, EvalError> {
        point.design().point(&self.zoo)
    }
}

impl PointEvaluator for ModelEvaluator {
    fn check(&self, point: &SweepPoint) -> Result<(), String> {
        self.design_point(point)
            .and_then(|p| self.evaluator.check(&p))
            .map_err(|e| e.to_string())
    }

    fn evaluate(&self, point: &SweepPoint) -> Outcome {
        // The figures alone: a row has no room for the breakdowns.
        match self
            .design_point(point)
            .and_then(|p| self.evaluator.metrics(&p))
        {
            Ok(m) => Outcome::Ok(m),
            Err(e) => Outcome::Invalid(e.to_string()),
        }
    }

    fn energy_table(&self) -> String {
        self.table_id.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::SweepSpec;
    use tritone_sim::Workload;

    fn point(pairs: &[(&str, &str)]) -> SweepPoint {
        let mut s = SweepSpec::default();
        for (p, v) in [
            ("model", "bitnet-b1.58-700m"),
            ("prefill", "16"),
            ("decode", "4"),
        ]
        .iter()
        .chain(pairs)
        {
            s.set(p, v).unwrap();
        }
        s.point(0)
    }

    #[test]
    fn a_point_is_the_evaluation_of_its_design() {
        let ev = ModelEvaluator::new(Node::Nm7);
        let p = point(&[("rows", "32"), ("dram", "hbm2")]);
        let m = match ev.evaluate(&p) {
            Outcome::Ok(m) => m,
            other => panic!("{other:?}"),
        };
        let shape = tritone_reference::model("bitnet-b1.58-700m").unwrap();
        let w = Workload {
            prefill: 16,
            decode: 4,
            batch: 1,
        };
        let design = DesignPoint::new(p.design().config().unwrap(), shape, w).unwrap();
        let direct = Evaluator::new(Ert::builtin(Node::Nm7))
            .evaluate(&design)
            .unwrap();
        assert_eq!(m, direct.metrics);
        assert!(m.paper_energy_per_token_pj < m.energy_per_token_pj);
    }

    #[test]
    fn impossible_points_are_invalid_outcomes_not_panics() {
        let ev = ModelEvaluator::new(Node::Nm7);
        for (pairs, want) in [
            (
                vec![("rows", "8"), ("weight_rows_per_cycle", "16")],
                "weight_rows_per_cycle",
            ),
            (vec![("model", "gpt-5")], "gpt-5"),
            (vec![("pe", "mac-fp16")], "cannot run"),
            (vec![("prefill", "0")], "prefill"),
        ] {
            let p = point(&pairs);
            let e = ev.check(&p).unwrap_err();
            assert!(e.contains(want), "{e}");
            match ev.evaluate(&p) {
                Outcome::Invalid(e) => assert!(e.contains(want), "{e}"),
                other => panic!("{pairs:?}: {other:?}"),
            }
        }
    }
}
