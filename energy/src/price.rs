//! Pricing: action counts × the table = an energy breakdown, one line per
//! action plus leakage, whose lines always add up to the total.

use crate::action::{Action, ActionCounts};
use crate::cost::action_name;
use crate::table::{Ert, ErtError};
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

/// What leaks: the static-energy lines of a breakdown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Leakage {
    /// The processing elements (array PEs and vector lanes).
    Pes,
    /// The on-chip SRAM buffers.
    Sram,
}

/// What one line of a breakdown prices: an action, or a leakage term.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Item {
    /// A counted action.
    Action(Action),
    /// Static energy over the run.
    Leakage(Leakage),
}

impl Item {
    /// The human name, e.g. "INT18 add" or "leakage, PEs".
    pub fn name(&self) -> String {
        match self {
            Item::Action(a) => action_name(*a),
            Item::Leakage(Leakage::Pes) => "leakage, PEs".into(),
            Item::Leakage(Leakage::Sram) => "leakage, SRAM".into(),
        }
    }

    /// The component the line belongs to.
    pub fn component(&self) -> Component {
        match self {
            Item::Action(a) => Component::of(*a),
            Item::Leakage(_) => Component::Leakage,
        }
    }
}

impl Serialize for Item {
    /// As its human name: files and JSON show "INT8 add", code keys by the item.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

/// One line of a breakdown.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EnergyLine {
    /// Component.
    pub component: Component,
    /// What is counted (serialized as its name, e.g. "INT18 add").
    pub item: Item,
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
#[derive(Clone, Debug, PartialEq, Serialize)]
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

    /// Energy of `item`'s line, pJ (0 when nothing was counted).
    pub fn item_pj(&self, item: Item) -> f64 {
        self.lines
            .iter()
            .filter(|l| l.item == item)
            .map(|l| l.pj)
            .sum::<f64>()
            + 0.0
    }

    /// Energy of `action`'s line, pJ (0 when it was not counted).
    pub fn action_pj(&self, action: Action) -> f64 {
        self.item_pj(Item::Action(action))
    }
}

impl Ert {
    /// Prices `counts` and the leakage of `occupancy`.
    ///
    /// Lines come in the counts' stable order; the two leakage lines (PEs,
    /// SRAM) are always present, zero when `occupancy` is [`Occupancy::NONE`].
    /// Refused when the table does not price a counted DRAM type.
    pub fn price(
        &self,
        counts: &ActionCounts,
        occupancy: &Occupancy,
    ) -> Result<EnergyBreakdown, ErtError> {
        let mut lines = Vec::new();
        // The same terms, in the same order, as `total_pj`: the lines add up
        // to exactly what a total-only pricing gives.
        for (action, count) in counts.iter() {
            let c = self.cost(action)?;
            lines.push(EnergyLine {
                component: Component::of(action),
                item: Item::Action(action),
                count,
                pj_each: c.pj,
                pj: c.pj * count as f64,
                source: c.source,
                estimate: c.estimate,
            });
        }
        let leaks = [
            (Leakage::Pes, self.leakage_per_pe_cycle()),
            (Leakage::Sram, self.leakage_per_sram_kib_cycle()),
        ];
        for ((leak, c), count) in leaks.into_iter().zip(leak_counts(occupancy)) {
            lines.push(EnergyLine {
                component: Component::Leakage,
                item: Item::Leakage(leak),
                count,
                pj_each: c.pj,
                pj: c.pj * count as f64,
                source: c.source,
                estimate: true,
            });
        }
        let total_pj = lines.iter().fold(0.0, |t, l| t + l.pj);
        Ok(EnergyBreakdown {
            table: self.name().to_string(),
            lines,
            total_pj,
        })
    }

    /// The total of [`Ert::price`] without its lines (no source texts are
    /// formatted): the same terms summed in the same order, so equal to its
    /// `total_pj` exactly.
    pub fn total_pj(&self, counts: &ActionCounts, occupancy: &Occupancy) -> Result<f64, ErtError> {
        let mut total = 0.0;
        for (action, count) in counts.iter() {
            total += self.pj(action)? * count as f64;
        }
        let each = [
            self.leakage_per_pe_cycle().pj,
            self.leakage_per_sram_kib_cycle().pj,
        ];
        for (pj, count) in each.into_iter().zip(leak_counts(occupancy)) {
            total += pj * count as f64;
        }
        Ok(total)
    }
}

/// PE-cycles and KiB-cycles of leakage.
fn leak_counts(o: &Occupancy) -> [u64; 2] {
    [
        o.cycles.saturating_mul(o.pes),
        o.cycles.saturating_mul(o.sram_kib),
    ]
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
        let b = t.price(&c, &occ).unwrap();
        let want = 7.0 + 3.4 + 75.0 + 24.0 + 0.007 + 2.2;
        assert!((b.total_pj - want).abs() < 1e-9, "{} vs {want}", b.total_pj);
        assert!((b.component_pj(Component::Sram) - 75.0).abs() < 1e-9);
        assert!((b.component_pj(Component::Leakage) - 2.2).abs() < 1e-9);
        assert!((b.component_pj(Component::SkippedProducts) - 0.007).abs() < 1e-12);
        assert!((b.action_pj(Action::IntAdd { bits: 8 }) - 7.0).abs() < 1e-12);
        assert_eq!(b.action_pj(Action::IntAdd { bits: 9 }), 0.0);
        assert!(b.item_pj(Item::Leakage(Leakage::Pes)) > 0.0);
        // A total-only pricing gives the same number, bit for bit.
        assert_eq!(t.total_pj(&c, &occ).unwrap(), b.total_pj);
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
        let b = t.price(&ActionCounts::new(), &Occupancy::NONE).unwrap();
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
