//! Pricing: action counts × the table = an energy breakdown, one line per
//! action plus leakage, whose lines always add up to the total.

use crate::action::{Action, ActionCounts};
use crate::cost::action_name;
use crate::table::Ert;
use serde::{Deserialize, Serialize};

/// What part of the design an energy line belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    /// Integer and floating-point adds.
    Adds,
    /// Integer and floating-point multiplies.
    Multiplies,
    /// Products with a zero weight that the ternary PE skipped.
    SkippedProducts,
    /// Flip-flop updates (pipeline, skew, accumulator registers).
    Registers,
    /// On-chip SRAM reads and writes.
    Sram,
    /// Off-chip DRAM traffic.
    Dram,
    /// Static energy (leakage) of the PEs and SRAM over the run.
    Leakage,
}

impl Component {
    /// Every component, in report order.
    pub const ALL: [Component; 7] = [
        Component::Adds,
        Component::Multiplies,
        Component::SkippedProducts,
        Component::Registers,
        Component::Sram,
        Component::Dram,
        Component::Leakage,
    ];

    /// Human name.
    pub const fn name(self) -> &'static str {
        match self {
            Component::Adds => "adds",
            Component::Multiplies => "multiplies",
            Component::SkippedProducts => "skipped products",
            Component::Registers => "registers",
            Component::Sram => "SRAM",
            Component::Dram => "DRAM",
            Component::Leakage => "leakage (estimate)",
        }
    }

    /// The component an action belongs to.
    pub const fn of(action: Action) -> Component {
        match action {
            Action::IntAdd { .. } | Action::FpAdd { .. } => Component::Adds,
            Action::IntMul { .. } | Action::FpMul { .. } => Component::Multiplies,
            Action::SkippedProduct => Component::SkippedProducts,
            Action::RegBit => Component::Registers,
            Action::SramReadBit { .. } | Action::SramWriteBit { .. } => Component::Sram,
            Action::DramBit { .. } => Component::Dram,
        }
    }
}

/// How long the design was powered and how big it is: what leakage is priced on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Occupancy {
    /// Clock cycles the design was on.
    pub cycles: u64,
    /// Processing elements in the array.
    pub pes: u64,
    /// On-chip SRAM capacity, KiB.
    pub sram_kib: u64,
}

impl Occupancy {
    /// No static energy (e.g. the paper's arithmetic-only convention).
    pub const NONE: Occupancy = Occupancy {
        cycles: 0,
        pes: 0,
        sram_kib: 0,
    };
}

/// One line of a breakdown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnergyLine {
    /// Component.
    pub component: Component,
    /// What is counted, e.g. "INT18 add" or "leakage, PEs".
    pub item: String,
    /// How many (operations, bits, or PE-/KiB-cycles).
    pub count: u64,
    /// Energy of one, pJ.
    pub pj_each: f64,
    /// count × pj_each, pJ.
    pub pj: f64,
    /// Table source or derivation.
    pub source: String,
    /// Whether the price is an estimate.
    pub estimate: bool,
}

/// Energy by line and in total, in picojoules.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnergyBreakdown {
    /// The table used.
    pub table: String,
    /// One line per counted action, then the leakage lines.
    pub lines: Vec<EnergyLine>,
    /// Sum of the lines, pJ.
    pub total_pj: f64,
}

impl EnergyBreakdown {
    /// Sum of the lines of one component, pJ.
    pub fn component_pj(&self, c: Component) -> f64 {
        // `+ 0.0`: an empty float sum is -0.0, which would print as "-0".
        self.lines
            .iter()
            .filter(|l| l.component == c)
            .map(|l| l.pj)
            .sum::<f64>()
            + 0.0
    }

    /// Every component with its energy (zeros included), in report order.
    pub fn by_component(&self) -> Vec<(Component, f64)> {
        Component::ALL
            .iter()
            .map(|&c| (c, self.component_pj(c)))
            .collect()
    }

    /// Energy of the line named `item`, pJ (0 when absent).
    pub fn item_pj(&self, item: &str) -> f64 {
        self.lines
            .iter()
            .filter(|l| l.item == item)
            .map(|l| l.pj)
            .sum::<f64>()
            + 0.0
    }
}

impl Ert {
    /// Prices `counts` and the leakage of `occupancy`.
    ///
    /// Lines come in the counts' stable order; the two leakage lines (PEs,
    /// SRAM) are always present, zero when `occupancy` is [`Occupancy::NONE`].
    pub fn price(&self, counts: &ActionCounts, occupancy: &Occupancy) -> EnergyBreakdown {
        let mut lines: Vec<EnergyLine> = counts
            .iter()
            .map(|(action, count)| {
                let c = self.cost(action);
                EnergyLine {
                    component: Component::of(action),
                    item: action_name(action),
                    count,
                    pj_each: c.pj,
                    pj: c.pj * count as f64,
                    source: c.source,
                    estimate: c.estimate,
                }
            })
            .collect();
        for (item, count, c) in [
            (
                "leakage, PEs",
                occupancy.cycles.saturating_mul(occupancy.pes),
                self.leakage_per_pe_cycle(),
            ),
            (
                "leakage, SRAM",
                occupancy.cycles.saturating_mul(occupancy.sram_kib),
                self.leakage_per_sram_kib_cycle(),
            ),
        ] {
            lines.push(EnergyLine {
                component: Component::Leakage,
                item: item.into(),
                count,
                pj_each: c.pj,
                pj: c.pj * count as f64,
                source: c.source,
                estimate: true,
            });
        }
        let total_pj = lines.iter().map(|l| l.pj).sum();
        EnergyBreakdown {
            table: self.name().to_string(),
            lines,
            total_pj,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Node;
    use crate::{DramKind, FpFormat};

    #[test]
    fn hand_computed_counts_price_exactly() {
        let t = Ert::builtin(Node::Nm7);
        let mut c = ActionCounts::new();
        c.add(Action::IntAdd { bits: 8 }, 1000); // 7 pJ
        c.add(
            Action::FpMul {
                format: FpFormat::Fp16,
            },
            10,
        ); // 3.4 pJ
        c.add(Action::SramReadBit { kib: 8 }, 640); // 10 × 7.5 = 75 pJ
        c.add(
            Action::DramBit {
                kind: DramKind::Lpddr4,
            },
            3,
        ); // 24 pJ
        c.add(Action::SkippedProduct, 8); // 0.007 pJ
        let occ = Occupancy {
            cycles: 100,
            pes: 4,
            sram_kib: 2,
        }; // 400 × 0.003 + 200 × 0.005 = 2.2 pJ
        let b = t.price(&c, &occ);
        let want = 7.0 + 3.4 + 75.0 + 24.0 + 0.007 + 2.2;
        assert!((b.total_pj - want).abs() < 1e-9, "{} vs {want}", b.total_pj);
        assert!((b.component_pj(Component::Sram) - 75.0).abs() < 1e-9);
        assert!((b.component_pj(Component::Leakage) - 2.2).abs() < 1e-9);
        assert!((b.component_pj(Component::SkippedProducts) - 0.007).abs() < 1e-12);
        assert!((b.item_pj("INT8 add") - 7.0).abs() < 1e-12);
        // The lines add up to the total, and the components too.
        let sum: f64 = b.by_component().iter().map(|(_, pj)| pj).sum();
        assert!((sum - b.total_pj).abs() < 1e-9);
        assert_eq!(b.lines.len(), 5 + 2);
        assert!(b
            .lines
            .iter()
            .filter(|l| l.component == Component::Leakage)
            .all(|l| l.estimate));
    }

    #[test]
    fn no_occupancy_means_zero_leakage_lines() {
        let t = Ert::builtin(Node::Nm45);
        let b = t.price(&ActionCounts::new(), &Occupancy::NONE);
        assert_eq!(b.total_pj, 0.0);
        assert_eq!(b.lines.len(), 2);
    }

    #[test]
    fn every_action_has_a_component() {
        assert_eq!(Component::of(Action::RegBit), Component::Registers);
        assert_eq!(
            Component::of(Action::IntMul { bits: 8 }),
            Component::Multiplies
        );
        assert_eq!(
            Component::of(Action::DramBit {
                kind: DramKind::Hbm2
            }),
            Component::Dram
        );
    }
}
