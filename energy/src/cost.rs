//! The energy of one action, looked up in the table or derived from it.
//!
//! Widths and sizes that the table does not list are derived by documented
//! rules, and the result is labelled an estimate:
//! - integer adders: linear in bit width between the two nearest listed widths
//!   (a ripple/prefix adder's energy grows with its bit count); outside the
//!   listed range, proportional to the width of the nearest point. At 45 nm
//!   this gives INT16 add = 0.053 pJ, against the third-party 0.05 quoted in
//!   the energy notes.
//! - integer multipliers: power law between the two nearest listed widths
//!   (array multipliers grow roughly with width squared; INT8→INT32 in the
//!   tables is ~×15.5 for ×4 width); outside, quadratic in width.
//! - SRAM: linear in log2(capacity) between listed sizes (8 KB, 32 KB, 1 MB);
//!   below the smallest size the smallest size's energy (conservative), above
//!   the largest the last segment extended. Tables give a 64-bit access; one
//!   bit costs 1/64 of it, and a write is priced like a read (Horowitz gives
//!   one figure per access).

use crate::action::{Action, FpFormat};
use crate::table::{fp_name, Entry, Ert};
use serde::Serialize;
use std::collections::BTreeMap;

/// The energy of one action and where it comes from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cost {
    /// Energy of one action (one operation, one bit, or one cycle), pJ.
    pub pj: f64,
    /// The table entry's source, or the derivation rule.
    pub source: String,
    /// True when not a published figure (derived width/size, or an estimate entry).
    pub estimate: bool,
}

impl Cost {
    fn exact(e: &Entry, scale: f64) -> Cost {
        Cost {
            pj: e.value * scale,
            source: e.source.clone(),
            estimate: e.is_estimate(),
        }
    }
}

/// Bits per SRAM access in the tables.
const SRAM_ACCESS_BITS: f64 = 64.0;

/// The two listed points around `x` (or the nearest one twice at the edges).
fn neighbours(m: &BTreeMap<u32, Entry>, x: u32) -> ((u32, &Entry), (u32, &Entry)) {
    let below = m.range(..=x).next_back();
    let above = m.range(x..).next();
    let first = m.iter().next().expect("validated non-empty");
    let last = m.iter().next_back().expect("validated non-empty");
    match (below, above) {
        (Some(b), Some(a)) => ((*b.0, b.1), (*a.0, a.1)),
        (None, _) => {
            // Below the range: the two lowest points (or one).
            let second = m.iter().nth(1).unwrap_or(first);
            ((*first.0, first.1), (*second.0, second.1))
        }
        (_, None) => {
            let before = m.iter().rev().nth(1).unwrap_or(last);
            ((*before.0, before.1), (*last.0, last.1))
        }
    }
}

fn int_add(m: &BTreeMap<u32, Entry>, bits: u32) -> Cost {
    if let Some(e) = m.get(&bits) {
        return Cost::exact(e, 1.0);
    }
    let ((b0, e0), (b1, e1)) = neighbours(m, bits);
    let x = bits as f64;
    let pj = if b0 < bits && bits < b1 {
        e0.value + (e1.value - e0.value) * (x - b0 as f64) / (b1 - b0) as f64
    } else {
        let (bn, en) = if bits < b0 { (b0, e0) } else { (b1, e1) };
        en.value * x / bn as f64
    };
    Cost {
        pj,
        source: format!("estimate: INT{bits} add, linear in width from INT{b0}/INT{b1} add"),
        estimate: true,
    }
}

fn int_mul(m: &BTreeMap<u32, Entry>, bits: u32) -> Cost {
    if let Some(e) = m.get(&bits) {
        return Cost::exact(e, 1.0);
    }
    let ((b0, e0), (b1, e1)) = neighbours(m, bits);
    let x = bits as f64;
    let pj = if b0 < bits && bits < b1 && e0.value > 0.0 && e1.value > 0.0 {
        let alpha = (e1.value / e0.value).ln() / (b1 as f64 / b0 as f64).ln();
        e0.value * (x / b0 as f64).powf(alpha)
    } else {
        let (bn, en) = if bits < b0 { (b0, e0) } else { (b1, e1) };
        en.value * (x / bn as f64).powi(2)
    };
    Cost {
        pj,
        source: format!("estimate: INT{bits} mul, power law in width from INT{b0}/INT{b1} mul"),
        estimate: true,
    }
}

fn sram_bit(m: &BTreeMap<u32, Entry>, kib: u32) -> Cost {
    if let Some(e) = m.get(&kib) {
        return Cost::exact(e, 1.0 / SRAM_ACCESS_BITS);
    }
    let ((k0, e0), (k1, e1)) = neighbours(m, kib);
    let (x, x0, x1) = (
        (kib.max(1) as f64).log2(),
        (k0 as f64).log2(),
        (k1 as f64).log2(),
    );
    let (access, rule) = if kib < k0 || k0 == k1 {
        // Smaller than every entry (or a single entry): a smaller macro is
        // not assumed cheaper than the smallest one listed.
        (
            e0.value,
            format!("the {k0} KiB entry (nearest listed size)"),
        )
    } else {
        let v = e0.value + (e1.value - e0.value) * (x - x0) / (x1 - x0);
        (
            v.max(0.0),
            format!("linear in log2(size) from the {k0} KiB and {k1} KiB entries"),
        )
    };
    Cost {
        pj: access / SRAM_ACCESS_BITS,
        source: format!("estimate: {kib} KiB SRAM, {rule}, per bit = access/64"),
        estimate: true,
    }
}

fn fp(m: &BTreeMap<FpFormat, Entry>, f: FpFormat) -> Cost {
    Cost::exact(&m[&f], 1.0)
}

impl Ert {
    /// The energy of one `action` (per operation; per bit for registers,
    /// SRAM and DRAM).
    pub fn cost(&self, action: Action) -> Cost {
        match action {
            Action::IntAdd { bits } => int_add(&self.int_add, bits),
            Action::IntMul { bits } => int_mul(&self.int_mul, bits),
            Action::FpAdd { format } => fp(&self.fp_add, format),
            Action::FpMul { format } => fp(&self.fp_mul, format),
            Action::SkippedProduct => Cost::exact(&self.skipped_product, 1.0),
            Action::RegBit => Cost::exact(&self.register_bit, 1.0),
            Action::SramReadBit { kib } | Action::SramWriteBit { kib } => sram_bit(&self.sram, kib),
            Action::DramBit { kind } => Cost::exact(&self.dram[&kind], 1.0),
        }
    }

    /// Leakage of one PE for one cycle (an estimate in the built-in tables).
    pub fn leakage_per_pe_cycle(&self) -> Cost {
        Cost::exact(&self.leakage_pe, 1.0)
    }

    /// Leakage of one KiB of on-chip SRAM for one cycle (an estimate in the built-in tables).
    pub fn leakage_per_sram_kib_cycle(&self) -> Cost {
        Cost::exact(&self.leakage_sram_kib, 1.0)
    }
}

/// A short human name of an action, e.g. "INT18 add" or "SRAM 256 KiB read".
pub fn action_name(action: Action) -> String {
    let up = |f: FpFormat| fp_name(f).to_ascii_uppercase();
    match action {
        Action::IntAdd { bits } => format!("INT{bits} add"),
        Action::IntMul { bits } => format!("INT{bits} mul"),
        Action::FpAdd { format } => format!("{} add", up(format)),
        Action::FpMul { format } => format!("{} mul", up(format)),
        Action::SkippedProduct => "skipped zero-weight product".into(),
        Action::RegBit => "register bit update".into(),
        Action::SramReadBit { kib } => format!("SRAM {kib} KiB read"),
        Action::SramWriteBit { kib } => format!("SRAM {kib} KiB write"),
        Action::DramBit { kind } => format!("{} DRAM", kind.name().to_ascii_uppercase()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Node;
    use crate::DramKind;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1.0)
    }

    #[test]
    fn listed_entries_are_exact_and_cited() {
        let t = Ert::builtin(Node::Nm7);
        let c = t.cost(Action::IntAdd { bits: 8 });
        assert_eq!((c.pj, c.estimate), (0.007, false));
        assert!(c.source.contains("TPUv4i"));
        assert!(close(
            t.cost(Action::SramReadBit { kib: 32 }).pj,
            8.5 / 64.0
        ));
        assert_eq!(
            t.cost(Action::DramBit {
                kind: DramKind::Hbm2
            })
            .pj,
            3.9
        );
        assert!(t.cost(Action::RegBit).estimate);
    }

    #[test]
    fn adder_widths_are_linear_between_points() {
        let t = Ert::builtin(Node::Nm45);
        // 0.03 + (0.1 - 0.03) * 8/24.
        let c = t.cost(Action::IntAdd { bits: 16 });
        assert!(close(c.pj, 0.03 + 0.07 / 3.0) && c.estimate, "{c:?}");
        assert!(c.source.contains("linear"));
        assert!(close(t.cost(Action::IntAdd { bits: 4 }).pj, 0.015));
        assert!(close(t.cost(Action::IntAdd { bits: 64 }).pj, 0.2));
        // Monotone in width.
        let e: Vec<f64> = (1..=64)
            .map(|b| t.cost(Action::IntAdd { bits: b }).pj)
            .collect();
        assert!(e.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn multiplier_widths_follow_the_power_law() {
        let t = Ert::builtin(Node::Nm7);
        let alpha = (1.48f64 / 0.07).ln() / 4f64.ln();
        assert!(close(
            t.cost(Action::IntMul { bits: 16 }).pj,
            0.07 * 2f64.powf(alpha)
        ));
        assert!(close(t.cost(Action::IntMul { bits: 4 }).pj, 0.07 / 4.0));
    }

    #[test]
    fn sram_sizes_interpolate_in_log_size() {
        let t = Ert::builtin(Node::Nm45);
        // 16 KiB is halfway between 8 and 32 in log2: (10 + 20) / 2 per access.
        assert!(close(
            t.cost(Action::SramWriteBit { kib: 16 }).pj,
            15.0 / 64.0
        ));
        // 256 KiB: 20 + 80 * (8 - 5) / (10 - 5).
        assert!(close(
            t.cost(Action::SramReadBit { kib: 256 }).pj,
            68.0 / 64.0
        ));
        assert!(close(
            t.cost(Action::SramReadBit { kib: 1 }).pj,
            10.0 / 64.0
        ));
        // 4 MiB extends the 32 KB-1 MB segment: 100 + 80 * 2/5.
        assert!(close(
            t.cost(Action::SramReadBit { kib: 4096 }).pj,
            132.0 / 64.0
        ));
    }

    #[test]
    fn names_are_readable() {
        assert_eq!(action_name(Action::IntAdd { bits: 18 }), "INT18 add");
        assert_eq!(
            action_name(Action::FpMul {
                format: FpFormat::Bf16
            }),
            "BF16 mul"
        );
        assert_eq!(
            action_name(Action::DramBit {
                kind: DramKind::Lpddr4
            }),
            "LPDDR4 DRAM"
        );
    }
}
