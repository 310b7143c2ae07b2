//! The ternary PE: a 2-bit weight code selects add, subtract or skip of the
//! INT8 activation — one adder, no multiplier.

use super::{signed_bits_for, FunctionalPe, PassWork, Pe};
use crate::config::WeightPacking;
use tritone_energy::{Action, ActionCounts};
use tritone_reference::{ternary_matmul, Trit, WeightKind};

/// The ternary PE.
pub(super) struct Ternary;

impl Pe for Ternary {
    fn weight_bits(&self) -> u32 {
        // The array's own code: 01 = +1, 11 = −1, 00 = 0.
        2
    }

    fn act_bits(&self) -> u32 {
        // BitNet b1.58 runs "with 1.58-bit weights and 8-bit activations" (paper, §2).
        8
    }

    fn min_acc_bits(&self, rows: u32) -> u32 {
        // Each row adds at most |−128 · −1| = 128.
        signed_bits_for(128 * rows as u64)
    }

    fn dram_weight_bytes(&self, packing: WeightPacking, weights: u64) -> u64 {
        weights.div_ceil(packing.weights_per_byte())
    }

    fn model_weights(&self) -> WeightKind {
        WeightKind::Ternary
    }

    fn skips_zero_weights(&self) -> bool {
        true
    }

    fn pass_actions(&self, acc_bits: u32, work: &PassWork, actions: &mut ActionCounts) {
        actions.add(
            Action::IntAdd { bits: acc_bits },
            work.products - work.zero_products,
        );
        // Zero weights and the zero padding of edge tiles pass the sum through.
        actions.add(
            Action::SkippedProduct,
            work.zero_products + (work.passes - work.products),
        );
    }

    fn partial_sum_add(&self, out_bits: u32) -> Action {
        Action::IntAdd { bits: out_bits }
    }

    fn functional(&self) -> Option<&dyn FunctionalPe> {
        Some(self)
    }
}

impl FunctionalPe for Ternary {
    fn weights(&self) -> &'static str {
        "ternary weights −1, 0 or +1"
    }

    fn accepts(&self, w: i8) -> bool {
        Trit::from_i8(w).is_some()
    }

    fn mac(&self, acc: i64, w: i8, x: i8) -> i64 {
        // |sums| ≤ 128·R < 2³¹ for every array size, so i32 holds them.
        Trit::from_i8(w)
            .expect("ternary weights are checked on entry")
            .apply(acc as i32, x as i32) as i64
    }

    fn random_weight(&self, r: u64) -> i8 {
        (r % 3) as i8 - 1
    }

    fn reference(&self, x: &[i8], w: &[i8], m: usize, k: usize, n: usize) -> Vec<i32> {
        let trits: Vec<Trit> = w
            .iter()
            .map(|&v| Trit::from_i8(v).expect("ternary weights are checked on entry"))
            .collect();
        ternary_matmul(x, &trits, m, k, n)
    }
}
