//! The INT8 multiply-accumulate PE: the integer baseline the ternary PE is
//! compared against (`p <= p_in + a_in · w`).

use super::{signed_bits_for, FunctionalPe, PassWork, Pe};
use crate::config::WeightPacking;
use tritone_energy::{Action, ActionCounts};
use tritone_reference::{int8_matmul, WeightKind};

/// The MAC-INT8 PE.
pub(super) struct MacInt8;

impl Pe for MacInt8 {
    fn weight_bits(&self) -> u32 {
        8
    }

    fn act_bits(&self) -> u32 {
        8
    }

    fn min_acc_bits(&self, rows: u32) -> u32 {
        // Each row adds at most 128 · 128 = 16384.
        signed_bits_for(16384 * rows as u64)
    }

    fn dram_weight_bytes(&self, _packing: WeightPacking, weights: u64) -> u64 {
        // One byte per weight: the packing applies to ternary codes only.
        weights
    }

    fn model_weights(&self) -> WeightKind {
        // It runs the ternary models, each trit held as an INT8 weight.
        WeightKind::Ternary
    }

    fn pass_actions(&self, acc_bits: u32, work: &PassWork, actions: &mut ActionCounts) {
        // The multiplier and adder work on every pass, zero weight or not.
        actions.add(Action::IntMul { bits: 8 }, work.passes);
        actions.add(Action::IntAdd { bits: acc_bits }, work.passes);
    }

    fn partial_sum_add(&self, out_bits: u32) -> Action {
        Action::IntAdd { bits: out_bits }
    }

    fn functional(&self) -> Option<&dyn FunctionalPe> {
        Some(self)
    }
}

impl FunctionalPe for MacInt8 {
    fn weights(&self) -> &'static str {
        "INT8 weights"
    }

    fn accepts(&self, _w: i8) -> bool {
        true
    }

    fn mac(&self, acc: i64, w: i8, x: i8) -> i64 {
        acc + w as i64 * x as i64
    }

    fn random_weight(&self, r: u64) -> i8 {
        r as i8
    }

    fn reference(&self, x: &[i8], w: &[i8], m: usize, k: usize, n: usize) -> Vec<i32> {
        int8_matmul(x, w, m, k, n)
    }
}
