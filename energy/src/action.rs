//! Actions: the countable events that an energy reference table prices.
//!
//! The simulator counts actions; this crate prices them (Accelergy's split:
//! a performance model produces action counts, an energy reference table
//! turns them into picojoules).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Floating-point formats the datapaths and vector unit use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FpFormat {
    /// IEEE half precision.
    Fp16,
    /// bfloat16.
    Bf16,
    /// IEEE single precision.
    Fp32,
}

/// Declares [`DramKind`]: one line per technology, `Variant = "name"`. An
/// energy table prices the kinds it lists (its `[dram]` section is an open
/// map), so a new kind here leaves every existing table valid.
macro_rules! dram_kinds {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, )+) => {
        /// Off-chip memory technologies with a per-bit access energy.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum DramKind {
            $( $(#[$doc])* #[serde(rename = $name)] $variant, )+
        }

        impl DramKind {
            /// Every kind, in a stable order.
            pub const ALL: &'static [DramKind] = &[$(DramKind::$variant),+];

            /// The lowercase name used in TOML, CSV and on the command line.
            pub const fn name(self) -> &'static str {
                match self {
                    $( DramKind::$variant => $name, )+
                }
            }
        }
    };
}

dram_kinds! {
    /// DDR3.
    Ddr3 = "ddr3",
    /// DDR4.
    Ddr4 = "ddr4",
    /// LPDDR4.
    Lpddr4 = "lpddr4",
    /// GDDR5.
    Gddr5 = "gddr5",
    /// GDDR6.
    Gddr6 = "gddr6",
    /// HBM2.
    Hbm2 = "hbm2",
}

impl std::str::FromStr for DramKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DramKind::ALL
            .iter()
            .copied()
            .find(|k| k.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                let names: Vec<_> = DramKind::ALL.iter().map(|k| k.name()).collect();
                format!(
                    "unknown DRAM type '{s}' (expected one of: {})",
                    names.join(", ")
                )
            })
    }
}

/// One kind of countable event.
///
/// Widths are carried in the action so that the table can price the adder the
/// RTL really has (an 18-bit accumulator add is not an INT8 add).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// An integer add or subtract of the given width.
    IntAdd {
        /// Operand width in bits.
        bits: u32,
    },
    /// An integer multiply of the given operand width.
    IntMul {
        /// Operand width in bits.
        bits: u32,
    },
    /// A floating-point add.
    FpAdd {
        /// Number format.
        format: FpFormat,
    },
    /// A floating-point multiply.
    FpMul {
        /// Number format.
        format: FpFormat,
    },
    /// A product with a zero weight that the ternary PE skipped (its adder is
    /// not exercised; the accumulator register still passes the partial sum).
    SkippedProduct,
    /// One flip-flop bit written (pipeline, skew and accumulator registers).
    RegBit,
    /// One bit read from an on-chip SRAM of the given capacity.
    SramReadBit {
        /// Capacity of the SRAM macro in KiB (selects the energy row).
        kib: u32,
    },
    /// One bit written to an on-chip SRAM of the given capacity.
    SramWriteBit {
        /// Capacity of the SRAM macro in KiB.
        kib: u32,
    },
    /// One bit moved to or from off-chip DRAM.
    DramBit {
        /// DRAM technology.
        kind: DramKind,
    },
}

/// Counts per action, in a stable (sorted) order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionCounts {
    counts: BTreeMap<Action, u64>,
}

impl ActionCounts {
    /// No actions.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `n` occurrences of `action`.
    pub fn add(&mut self, action: Action, n: u64) {
        if n > 0 {
            *self.counts.entry(action).or_insert(0) += n;
        }
    }

    /// How many times `action` occurred.
    pub fn get(&self, action: Action) -> u64 {
        self.counts.get(&action).copied().unwrap_or(0)
    }

    /// All non-zero counts, sorted by action.
    pub fn iter(&self) -> impl Iterator<Item = (Action, u64)> + '_ {
        self.counts.iter().map(|(a, n)| (*a, *n))
    }

    /// Adds every count of `other` into `self`.
    pub fn merge(&mut self, other: &ActionCounts) {
        for (a, n) in other.iter() {
            self.add(a, n);
        }
    }

    /// Adds every count of `other` into `self`, or `None` (and `self`
    /// unchanged) if a count would overflow 64 bits.
    pub fn checked_merge(&mut self, other: &ActionCounts) -> Option<()> {
        // Checked first, applied after: a failed merge changes nothing.
        for (a, n) in other.iter() {
            self.get(a).checked_add(n)?;
        }
        self.merge(other);
        Some(())
    }

    /// Every count multiplied by `k`, or `None` if one overflows 64 bits.
    pub fn checked_scaled(&self, k: u64) -> Option<ActionCounts> {
        let mut counts = BTreeMap::new();
        if k > 0 {
            for (a, n) in &self.counts {
                counts.insert(*a, n.checked_mul(k)?);
            }
        }
        Some(ActionCounts { counts })
    }

    /// Every count multiplied by `k` (identical repeated work counted once).
    pub fn scaled(&self, k: u64) -> ActionCounts {
        ActionCounts {
            counts: self
                .counts
                .iter()
                .filter(|_| k > 0)
                .map(|(a, n)| (*a, n * k))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_merge_and_scale() {
        let mut a = ActionCounts::new();
        a.add(Action::IntAdd { bits: 16 }, 3);
        a.add(Action::SkippedProduct, 0);
        let mut b = a.scaled(4);
        assert_eq!(b.get(Action::IntAdd { bits: 16 }), 12);
        assert_eq!(b.get(Action::SkippedProduct), 0);
        b.merge(&a);
        assert_eq!(b.get(Action::IntAdd { bits: 16 }), 15);
        assert_eq!(b.iter().count(), 1);
        assert_eq!(a.scaled(0).iter().count(), 0);
        assert_eq!(a.checked_scaled(4), Some(a.scaled(4)));
        assert_eq!(a.checked_scaled(u64::MAX), None);
        let mut big = a.scaled(u64::MAX / 6);
        assert_eq!(big.checked_merge(&a), Some(()));
        let before = big.clone();
        assert_eq!(big.checked_merge(&before), None);
        assert_eq!(big, before, "a failed merge changes nothing");
        assert_eq!(big.get(Action::IntAdd { bits: 16 }), u64::MAX / 6 * 3 + 3);
    }

    #[test]
    fn dram_kind_parses_case_insensitively() {
        assert_eq!("HBM2".parse::<DramKind>(), Ok(DramKind::Hbm2));
        assert!("sdram".parse::<DramKind>().unwrap_err().contains("hbm2"));
    }
}
