//! The FP16 multiply-accumulate PE: FP16 weights and activations, FP32
//! accumulation — the LLaMA baseline's array. Timing and energy only (the
//! simulator has no floating-point functional model, the generator no RTL).

use super::{PassWork, Pe};
use crate::config::WeightPacking;
use tritone_energy::{Action, ActionCounts, FpFormat};
use tritone_reference::WeightKind;

/// Width of the FP32 accumulator.
const FP32_BITS: u32 = 32;

/// The MAC-FP16 PE.
pub(super) struct MacFp16;

impl Pe for MacFp16 {
    fn weight_bits(&self) -> u32 {
        16
    }

    fn act_bits(&self) -> u32 {
        16
    }

    fn min_acc_bits(&self, _rows: u32) -> u32 {
        FP32_BITS
    }

    fn fixed_acc_bits(&self) -> Option<(u32, &'static str)> {
        Some((FP32_BITS, "a mac-fp16 array accumulates in FP32 (32 bits)"))
    }

    fn dram_weight_bytes(&self, _packing: WeightPacking, weights: u64) -> u64 {
        2 * weights
    }

    fn model_weights(&self) -> WeightKind {
        WeightKind::Fp16
    }

    fn pass_actions(&self, _acc_bits: u32, work: &PassWork, actions: &mut ActionCounts) {
        actions.add(
            Action::FpMul {
                format: FpFormat::Fp16,
            },
            work.passes,
        );
        actions.add(
            Action::FpAdd {
                format: FpFormat::Fp32,
            },
            work.passes,
        );
    }

    fn partial_sum_add(&self, _out_bits: u32) -> Action {
        Action::FpAdd {
            format: FpFormat::Fp32,
        }
    }
}
