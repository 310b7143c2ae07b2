//! The BitNet papers' convention: matrix-multiplication arithmetic only.
//!
//! For an m×n by n×p product (energy notes; BitNet arXiv 2310.11453 §2.3):
//! full precision E_add = m(n−1)p·Ê_add and E_mul = m·n·p·Ê_mul (FP16);
//! BitNet b1.58 keeps E_add = m(n−1)p·Ê_add with the INT8 add energy, and its
//! only multiplications are the scalings, E_mul = (m·p + m·n)·Ê_mul, priced
//! here as FP16 multiplies. Memory traffic, registers and the accumulator's
//! real width are outside this convention; the hardware-faithful view prices
//! them from the simulator's action counts instead.

use crate::action::{Action, ActionCounts, FpFormat};
use crate::price::{EnergyBreakdown, Occupancy};
use crate::table::Ert;
use serde::{Deserialize, Serialize};

/// Weight precision of a matrix multiplication, in the paper's sense.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Precision {
    /// FP16 weights and activations: an FP16 multiply and add per product.
    Fp16,
    /// BitNet b1.58: ternary weights, INT8 activations: one INT8 add per product.
    Ternary,
}

/// The action counts of an m×n by n×p product under the paper's convention.
pub fn matmul_actions(m: u64, n: u64, p: u64, precision: Precision) -> ActionCounts {
    let mut c = ActionCounts::new();
    let adds = m * n.saturating_sub(1) * p;
    match precision {
        Precision::Fp16 => {
            c.add(
                Action::FpAdd {
                    format: FpFormat::Fp16,
                },
                adds,
            );
            c.add(
                Action::FpMul {
                    format: FpFormat::Fp16,
                },
                m * n * p,
            );
        }
        Precision::Ternary => {
            c.add(Action::IntAdd { bits: 8 }, adds);
            c.add(
                Action::FpMul {
                    format: FpFormat::Fp16,
                },
                m * p + m * n,
            );
        }
    }
    c
}

/// The energy of an m×n by n×p product under the paper's convention
/// (arithmetic only, no leakage).
pub fn matmul_energy(ert: &Ert, m: u64, n: u64, p: u64, precision: Precision) -> EnergyBreakdown {
    ert.price(&matmul_actions(m, n, p, precision), &Occupancy::NONE)
        .expect("arithmetic is always priced")
}

/// Energy of one product FP16 (multiply + add) over one ternary product
/// (one INT8 add): the papers' headline, (0.34 + 0.16) / 0.007 = 71.4 at 7 nm
/// and (1.1 + 0.4) / 0.03 = 50 at 45 nm (energy notes).
pub fn headline_ratio(ert: &Ert) -> f64 {
    accumulator_ratio(ert, 8)
}

/// The same ratio when each ternary product costs an add of the accumulator's
/// real width (`acc_bits`): what the hardware's adders make of the headline.
pub fn accumulator_ratio(ert: &Ert, acc_bits: u32) -> f64 {
    let fp16 =
        ert.arith_cost(Action::FpMul {
            format: FpFormat::Fp16,
        })
        .pj + ert
            .arith_cost(Action::FpAdd {
                format: FpFormat::Fp16,
            })
            .pj;
    fp16 / ert.arith_cost(Action::IntAdd { bits: acc_bits }).pj
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Node;

    #[test]
    fn headline_ratios_come_from_the_tables() {
        let r7 = headline_ratio(&Ert::builtin(Node::Nm7));
        let r45 = headline_ratio(&Ert::builtin(Node::Nm45));
        assert!((r7 - 71.4).abs() < 0.1, "{r7}");
        assert!((r45 - 50.0).abs() < 0.1, "{r45}");
        // An INT32 accumulator: 0.5 / 0.03 = 16.7 (energy notes).
        let r32 = accumulator_ratio(&Ert::builtin(Node::Nm7), 32);
        assert!((r32 - 16.7).abs() < 0.1, "{r32}");
    }

    #[test]
    fn matmul_formulas_match_the_paper() {
        let t = Ert::builtin(Node::Nm7);
        let (m, n, p) = (3, 5, 7);
        let fp = matmul_energy(&t, m, n, p, Precision::Fp16);
        let want = (m * (n - 1) * p) as f64 * 0.16 + (m * n * p) as f64 * 0.34;
        assert!((fp.total_pj - want).abs() < 1e-9);
        let tq = matmul_energy(&t, m, n, p, Precision::Ternary);
        let want = (m * (n - 1) * p) as f64 * 0.007 + (m * p + m * n) as f64 * 0.34;
        assert!((tq.total_pj - want).abs() < 1e-9);
        // For a large reduction the whole-matmul ratio approaches the headline.
        let big = |pr| matmul_energy(&t, 512, 8192, 8192, pr).total_pj;
        let r = big(Precision::Fp16) / big(Precision::Ternary);
        assert!(r > 60.0 && r < 71.5, "{r}");
        assert_eq!(
            matmul_energy(&t, 4, 0, 4, Precision::Ternary).action_pj(Action::IntAdd { bits: 8 }),
            0.0
        );
    }
}
