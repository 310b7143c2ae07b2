//! Processing elements: one implementation of [`Pe`] per kind, and the
//! registration table that maps each [`PeKind`] — the name used on the
//! command line, in TOML and in CSV — to its implementation.
//!
//! Everything the simulator needs to know about a PE lives in its own file
//! (bit widths, the narrowest accumulator that cannot overflow, DRAM bytes per
//! weight, the actions of one pass, the functional operation), so adding a
//! PE kind is that file and one registration line in the [`PeKind`] table. Other
//! crates extend a kind by keying their own tables on [`PeKind`] (the RTL
//! generator keeps its rust-hdl block per kind).
//!
//! A `PeKind` dereferences to its implementation:
//!
//! ```
//! use tritone_sim::config::WeightPacking;
//! use tritone_sim::PeKind;
//!
//! let pe: PeKind = "ternary".parse()?;
//! assert_eq!((pe.weight_bits(), pe.act_bits()), (2, 8));
//! // 128 rows of ±128 products need 16 bits (2^15 − 1 ≥ 128·128).
//! assert_eq!(pe.min_acc_bits(128), 16);
//! assert_eq!(pe.dram_weight_bytes(WeightPacking::FiveTritsPerByte, 10), 2);
//! assert!(PeKind::MacFp16.functional().is_none());
//! # Ok::<(), String>(())
//! ```

mod mac_fp16;
mod mac_int8;
mod ternary;

use crate::config::WeightPacking;
use tritone_energy::{Action, ActionCounts};
use tritone_reference::WeightKind;

/// What one PE kind is: its widths, its DRAM format, the actions it performs
/// and, when it has one, its functional model.
pub trait Pe: Send + Sync {
    /// Bits of one weight stored in the PE (one register per bank).
    fn weight_bits(&self) -> u32;

    /// Bits of one activation entering the array.
    fn act_bits(&self) -> u32;

    /// The narrowest accumulator that cannot overflow when `rows` products
    /// are summed down a column.
    fn min_acc_bits(&self, rows: u32) -> u32;

    /// An accumulator width the arithmetic itself fixes (FP16 products are
    /// accumulated in FP32), with the reason; `None` when any width from
    /// [`Pe::min_acc_bits`] up is buildable.
    fn fixed_acc_bits(&self) -> Option<(u32, &'static str)> {
        None
    }

    /// DRAM bytes of `weights` weights stored as `packing` (tiles are packed
    /// independently, so a partial byte counts whole).
    fn dram_weight_bytes(&self, packing: WeightPacking, weights: u64) -> u64;

    /// The linear-layer weights of the models this PE runs.
    fn model_weights(&self) -> WeightKind;

    /// Whether a product with a zero weight is skipped (so the zero-weight
    /// count changes the actions).
    fn skips_zero_weights(&self) -> bool {
        false
    }

    /// Adds the actions of `work` (PE passes of one GEMM) on an array with
    /// `acc_bits`-wide accumulators to `actions`.
    fn pass_actions(&self, acc_bits: u32, work: &PassWork, actions: &mut ActionCounts);

    /// The action of one partial-sum accumulation in an `out_bits`-wide
    /// output-buffer word (between K-blocks).
    fn partial_sum_add(&self, out_bits: u32) -> Action;

    /// The values the PE computes; `None` for a timing-and-energy-only kind.
    fn functional(&self) -> Option<&dyn FunctionalPe> {
        None
    }
}

/// The PE passes of one GEMM: every token through every PE of every fold,
/// of which `products` carry a real weight and `zero_products` a zero one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PassWork {
    /// Tokens × PEs × folds (zero-padded PEs of edge tiles included).
    pub passes: u64,
    /// Products with a real weight, M·K·N.
    pub products: u64,
    /// Of the products, those with a zero weight.
    pub zero_products: u64,
}

/// The integer datapath of a PE kind, for functional simulation.
pub trait FunctionalPe: Send + Sync {
    /// The weights it takes, for messages (e.g. "ternary weights −1, 0 or +1").
    fn weights(&self) -> &'static str;

    /// Whether `w` is a weight this PE can hold.
    fn accepts(&self, w: i8) -> bool;

    /// One PE operation, before the accumulator's wrap-around: the partial
    /// sum `acc` from above plus the product of weight `w` and activation `x`.
    fn mac(&self, acc: i64, w: i8, x: i8) -> i64;

    /// A uniformly random weight from the random bits `r`.
    fn random_weight(&self, r: u64) -> i8;

    /// The reference's `Y[M×N] = X[M×K] · W[N×K]ᵀ` for these weights.
    fn reference(&self, x: &[i8], w: &[i8], m: usize, k: usize, n: usize) -> Vec<i32>;
}

/// What follows from a functional PE's weights and its [`Pe::weight_bits`]:
/// the codes the hardware stores, and the extremes tests and bounds use.
/// Derived once here, so a new kind gets them without code of its own.
pub trait WeightCodes {
    /// The code of weight `w` in a PE register, on the array's weight bus
    /// and in the engine's stream: two's complement in the weight's bits
    /// (ternary `01` = +1, `11` = −1, `00` = 0; INT8 as is). Zero codes as 0.
    fn weight_code(&self, w: i8) -> u64;
    /// Every weight the PE holds, ascending.
    fn weight_values(&self) -> Vec<i8>;
    /// The most negative weight (−1 ternary, −128 INT8): with activations
    /// at −128 it drives the accumulator to its largest magnitude.
    fn extreme_weight(&self) -> i8;
    /// The largest |product| of one weight and one INT8 activation.
    fn max_abs_product(&self) -> u64;
    /// The fewest low code bits whose OR tells a nonzero weight from zero
    /// (1 for ternary codes, whose bit 0 is set exactly for ±1; 8 for INT8).
    fn nonzero_code_bits(&self) -> u32;
}

impl<P: Pe + ?Sized> WeightCodes for P {
    fn weight_code(&self, w: i8) -> u64 {
        w as u8 as u64 & ((1u64 << self.weight_bits().min(63)) - 1)
    }
    fn weight_values(&self) -> Vec<i8> {
        self.functional()
            .map(|f| (i8::MIN..=i8::MAX).filter(|&w| f.accepts(w)).collect())
            .unwrap_or_default()
    }
    fn extreme_weight(&self) -> i8 {
        self.weight_values().first().copied().unwrap_or(0)
    }
    fn max_abs_product(&self) -> u64 {
        self.weight_values()
            .iter()
            .map(|&w| (w as i64 * i8::MIN as i64).unsigned_abs())
            .max()
            .unwrap_or(0)
    }
    fn nonzero_code_bits(&self) -> u32 {
        let nonzero: Vec<u64> = self
            .weight_values()
            .into_iter()
            .filter(|&w| w != 0)
            .map(|w| self.weight_code(w))
            .collect();
        (1..self.weight_bits())
            .find(|&b| nonzero.iter().all(|c| c & ((1 << b) - 1) != 0))
            .unwrap_or(self.weight_bits())
    }
}

/// The narrowest two's-complement width that holds ±`max_abs`.
fn signed_bits_for(max_abs: u64) -> u32 {
    // 2^(A−1) − 1 ≥ max_abs.
    u64::BITS - max_abs.leading_zeros() + 1
}

crate::registry::registry! {
    /// A processing-element kind: the serializable identifier of a [`Pe`]
    /// implementation (dereferences to it). Its [`index`](PeKind::index) is
    /// the PE field of the engine's `CONFIG` word (0 ternary, 1 mac-int8).
    PeKind: dyn Pe, "PE kind" {
        /// Ternary weights: add, subtract or skip an INT8 activation (no multiplier).
        Ternary = "ternary" => ternary::Ternary,
        /// INT8 × INT8 multiply-accumulate (the integer baseline).
        MacInt8 = "mac-int8" => mac_int8::MacInt8,
        /// FP16 multiply-accumulate with FP16 weights (the LLaMA baseline; simulator only).
        MacFp16 = "mac-fp16" => mac_fp16::MacFp16,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weight_codes_follow_from_the_weights() {
        let t = PeKind::Ternary;
        assert_eq!(t.weight_values(), vec![-1, 0, 1]);
        let codes: Vec<u64> = [1, -1, 0].iter().map(|&w| t.weight_code(w)).collect();
        assert_eq!(codes, vec![0b01, 0b11, 0b00]);
        for w in [-1, 0, 1] {
            let trit = tritone_reference::Trit::from_i8(w).unwrap();
            assert_eq!(t.weight_code(w), trit.code2() as u64);
        }
        assert_eq!(
            (
                t.extreme_weight(),
                t.max_abs_product(),
                t.nonzero_code_bits()
            ),
            (-1, 128, 1)
        );
        let m = PeKind::MacInt8;
        assert_eq!(m.weight_values().len(), 256);
        assert_eq!(
            (m.weight_code(-128), m.weight_code(-1), m.weight_code(5)),
            (0x80, 0xff, 5)
        );
        assert_eq!(
            (
                m.extreme_weight(),
                m.max_abs_product(),
                m.nonzero_code_bits()
            ),
            (-128, 16384, 8)
        );
        assert!(PeKind::MacFp16.weight_values().is_empty());
        assert_eq!(
            PeKind::ALL.iter().map(|k| k.index()).collect::<Vec<_>>(),
            vec![0, 1, 2]
        );
    }

    #[test]
    fn signed_widths_hold_their_extremes() {
        for max_abs in [1u64, 127, 128, 16384, 16385, 1 << 40] {
            let a = signed_bits_for(max_abs);
            assert!((1u64 << (a - 1)) > max_abs, "{max_abs}: {a}");
            assert!(
                (1u64 << (a - 2)) <= max_abs,
                "{max_abs}: {a} is not the narrowest"
            );
        }
    }

    #[test]
    fn names_round_trip_and_unknown_names_list_the_kinds() {
        for &k in PeKind::ALL {
            assert_eq!(k.name().parse::<PeKind>(), Ok(k));
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                format!("\"{}\"", k.name())
            );
        }
        let e = "mac-int4".parse::<PeKind>().unwrap_err();
        assert!(e.contains("ternary") && e.contains("mac-fp16"), "{e}");
    }

    #[test]
    fn every_kind_is_consistent() {
        for &k in PeKind::ALL {
            // The fixed width, when there is one, is also the minimum.
            if let Some((bits, _)) = k.fixed_acc_bits() {
                assert_eq!(k.min_acc_bits(4096), bits, "{k}");
            }
            // Every pass is at least one action of the kind.
            let work = PassWork {
                passes: 100,
                products: 60,
                zero_products: 20,
            };
            let mut a = ActionCounts::new();
            k.pass_actions(24, &work, &mut a);
            let total: u64 = a.iter().map(|(_, n)| n).sum();
            assert!(total >= work.passes, "{k}: {total} actions");
            if let Some(f) = k.functional() {
                assert!(f.accepts(0) && f.accepts(1) && f.accepts(-1), "{k}");
                let x = [3i8, -4];
                let w: Vec<i8> = (0..6).map(|i| f.random_weight(i * 7919)).collect();
                assert!(w.iter().all(|&v| f.accepts(v)), "{k}");
                let y = f.reference(&x, &w, 1, 2, 3);
                for (j, &yj) in y.iter().enumerate() {
                    let acc = (0..2).fold(0, |acc, r| f.mac(acc, w[j * 2 + r], x[r]));
                    assert_eq!(acc, yj as i64, "{k}");
                }
            }
        }
    }
}
