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
use crate::table::{fp_name, Entry, Ert, ErtError};
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

/// A price and where it comes from, the source text still unformatted: the
/// number is all a total needs.
struct Priced<'a> {
    pj: f64,
    why: Why<'a>,
}

/// The origin of a price.
enum Why<'a> {
    /// A table entry, as listed.
    Entry(&'a Entry),
    /// An adder width between (or beyond) two listed ones.
    IntAdd { bits: u32, b0: u32, b1: u32 },
    /// A multiplier width between (or beyond) two listed ones.
    IntMul { bits: u32, b0: u32, b1: u32 },
    /// An SRAM size: the nearest listed size below all entries, else
    /// interpolated between two.
    Sram { kib: u32, k0: u32, k1: Option<u32> },
}

impl Priced<'_> {
    fn entry(e: &Entry, scale: f64) -> Priced<'_> {
        Priced {
            pj: e.value * scale,
            why: Why::Entry(e),
        }
    }

    /// The price with its source text.
    fn cost(self) -> Cost {
        let (source, estimate) = match self.why {
            Why::Entry(e) => (e.source.clone(), e.is_estimate()),
            Why::IntAdd { bits, b0, b1 } => (
                format!("estimate: INT{bits} add, linear in width from INT{b0}/INT{b1} add"),
                true,
            ),
            Why::IntMul { bits, b0, b1 } => (
                format!("estimate: INT{bits} mul, power law in width from INT{b0}/INT{b1} mul"),
                true,
            ),
            Why::Sram { kib, k0, k1 } => {
                let rule = match k1 {
                    None => format!("the {k0} KiB entry (nearest listed size)"),
                    Some(k1) => {
                        format!("linear in log2(size) from the {k0} KiB and {k1} KiB entries")
                    }
                };
                (
                    format!("estimate: {kib} KiB SRAM, {rule}, per bit = access/64"),
                    true,
                )
            }
        };
        Cost {
            pj: self.pj,
            source,
            estimate,
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

fn int_add(m: &BTreeMap<u32, Entry>, bits: u32) -> Priced<'_> {
    if let Some(e) = m.get(&bits) {
        return Priced::entry(e, 1.0);
    }
    let ((b0, e0), (b1, e1)) = neighbours(m, bits);
    let x = bits as f64;
    let pj = if b0 < bits && bits < b1 {
        e0.value + (e1.value - e0.value) * (x - b0 as f64) / (b1 - b0) as f64
    } else {
        let (bn, en) = if bits < b0 { (b0, e0) } else { (b1, e1) };
        en.value * x / bn as f64
    };
    Priced {
        pj,
        why: Why::IntAdd { bits, b0, b1 },
    }
}

fn int_mul(m: &BTreeMap<u32, Entry>, bits: u32) -> Priced<'_> {
    if let Some(e) = m.get(&bits) {
        return Priced::entry(e, 1.0);
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
    Priced {
        pj,
        why: Why::IntMul { bits, b0, b1 },
    }
}

fn sram_bit(m: &BTreeMap<u32, Entry>, kib: u32) -> Priced<'_> {
    if let Some(e) = m.get(&kib) {
        return Priced::entry(e, 1.0 / SRAM_ACCESS_BITS);
    }
    let ((k0, e0), (k1, e1)) = neighbours(m, kib);
    let (x, x0, x1) = (
        (kib.max(1) as f64).log2(),
        (k0 as f64).log2(),
        (k1 as f64).log2(),
    );
    let (access, k1) = if kib < k0 || k0 == k1 {
        // Smaller than every entry (or a single entry): a smaller macro is
        // not assumed cheaper than the smallest one listed.
        (e0.value, None)
    } else {
        let v = e0.value + (e1.value - e0.value) * (x - x0) / (x1 - x0);
        (v.max(0.0), Some(k1))
    };
    Priced {
        pj: access / SRAM_ACCESS_BITS,
        why: Why::Sram { kib, k0, k1 },
    }
}

impl Ert {
    /// The price of one `action` and its origin; a DRAM type the table does
    /// not list is refused.
    fn priced(&self, action: Action) -> Result<Priced<'_>, ErtError> {
        Ok(match action {
            Action::IntAdd { bits } => int_add(&self.int_add, bits),
            Action::IntMul { bits } => int_mul(&self.int_mul, bits),
            Action::FpAdd { format } => Priced::entry(&self.fp_add[&format], 1.0),
            Action::FpMul { format } => Priced::entry(&self.fp_mul[&format], 1.0),
            Action::SkippedProduct => Priced::entry(&self.skipped_product, 1.0),
            Action::RegBit => Priced::entry(&self.register_bit, 1.0),
            Action::SramReadBit { kib } | Action::SramWriteBit { kib } => sram_bit(&self.sram, kib),
            Action::DramBit { kind } => match self.dram.get(kind.name()) {
                Some(e) => Priced::entry(e, 1.0),
                None => {
                    return Err(ErtError::Missing {
                        table: self.name.clone(),
                        key: format!("dram.{}", kind.name()),
                    })
                }
            },
        })
    }

    /// The energy of one `action` (per operation; per bit for registers,
    /// SRAM and DRAM) with its source. Every arithmetic, register and SRAM
    /// action has a price (listed or derived); a DRAM type the table does
    /// not list is refused.
    pub fn cost(&self, action: Action) -> Result<Cost, ErtError> {
        Ok(self.priced(action)?.cost())
    }

    /// The energy of one `action`, pJ: [`Ert::cost`]'s number, without
    /// formatting its source (what totals are summed from).
    pub fn pj(&self, action: Action) -> Result<f64, ErtError> {
        Ok(self.priced(action)?.pj)
    }

    /// The energy of an arithmetic, register or SRAM action: one the table
    /// always prices (its required sections are checked on load).
    pub fn arith_cost(&self, action: Action) -> Cost {
        assert!(
            !matches!(action, Action::DramBit { .. }),
            "DRAM is priced per table entry: use Ert::cost"
        );
        self.cost(action)
            .expect("every non-DRAM action has a listed or derived price")
    }

    /// Leakage of one PE for one cycle (an estimate in the built-in tables).
    pub fn leakage_per_pe_cycle(&self) -> Cost {
        Priced::entry(&self.leakage_pe, 1.0).cost()
    }

    /// Leakage of one KiB of on-chip SRAM for one cycle (an estimate in the built-in tables).
    pub fn leakage_per_sram_kib_cycle(&self) -> Cost {
        Priced::entry(&self.leakage_sram_kib, 1.0).cost()
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
        let c = t.arith_cost(Action::IntAdd { bits: 8 });
        assert_eq!((c.pj, c.estimate), (0.007, false));
        assert!(c.source.contains("TPUv4i"));
        assert!(close(
            t.arith_cost(Action::SramReadBit { kib: 32 }).pj,
            8.5 / 64.0
        ));
        assert_eq!(
            t.cost(Action::DramBit {
                kind: DramKind::Hbm2
            })
            .unwrap()
            .pj,
            3.9
        );
        assert!(t.arith_cost(Action::RegBit).estimate);
    }

    #[test]
    fn adder_widths_are_linear_between_points() {
        let t = Ert::builtin(Node::Nm45);
        // 0.03 + (0.1 - 0.03) * 8/24.
        let c = t.arith_cost(Action::IntAdd { bits: 16 });
        assert!(close(c.pj, 0.03 + 0.07 / 3.0) && c.estimate, "{c:?}");
        assert!(c.source.contains("linear"));
        assert!(close(t.arith_cost(Action::IntAdd { bits: 4 }).pj, 0.015));
        assert!(close(t.arith_cost(Action::IntAdd { bits: 64 }).pj, 0.2));
        // Monotone in width.
        let e: Vec<f64> = (1..=64)
            .map(|b| t.arith_cost(Action::IntAdd { bits: b }).pj)
            .collect();
        assert!(e.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn multiplier_widths_follow_the_power_law() {
        let t = Ert::builtin(Node::Nm7);
        let alpha = (1.48f64 / 0.07).ln() / 4f64.ln();
        assert!(close(
            t.arith_cost(Action::IntMul { bits: 16 }).pj,
            0.07 * 2f64.powf(alpha)
        ));
        assert!(close(
            t.arith_cost(Action::IntMul { bits: 4 }).pj,
            0.07 / 4.0
        ));
    }

    #[test]
    fn sram_sizes_interpolate_in_log_size() {
        let t = Ert::builtin(Node::Nm45);
        // 16 KiB is halfway between 8 and 32 in log2: (10 + 20) / 2 per access.
        assert!(close(
            t.arith_cost(Action::SramWriteBit { kib: 16 }).pj,
            15.0 / 64.0
        ));
        // 256 KiB: 20 + 80 * (8 - 5) / (10 - 5).
        assert!(close(
            t.arith_cost(Action::SramReadBit { kib: 256 }).pj,
            68.0 / 64.0
        ));
        assert!(close(
            t.arith_cost(Action::SramReadBit { kib: 1 }).pj,
            10.0 / 64.0
        ));
        // 4 MiB extends the 32 KB-1 MB segment: 100 + 80 * 2/5.
        assert!(close(
            t.arith_cost(Action::SramReadBit { kib: 4096 }).pj,
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
