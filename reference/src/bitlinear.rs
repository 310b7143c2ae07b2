//! The BitLinear forward pass, returning every intermediate so that hardware
//! and simulators can be checked stage by stage:
//! quantize W → quantize x → add-only integer product → dequantize.
//!
//! Dequantization is `y = (acc as f32) / s * scale`, in that order, as in the
//! official GPU kernel (notes: bitnet-models.md).

use serde::{Deserialize, Serialize};

use crate::error::{ReferenceError, Result};
use crate::matmul::ternary_matmul;
use crate::matrix::Matrix;
use crate::quant::{
    quantize_activations_absmax, quantize_weights_absmean, quantize_weights_sign, Int8Range,
    QuantizedActivations,
};
use crate::trit::Trit;

/// Largest K for which |acc| ≤ 128·K fits an i32.
pub const MAX_K: usize = (i32::MAX / 128) as usize;

/// Which quantizer BitLinear uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Variant {
    /// BitNet b1.58: absmean ternary weights, scale γ; activations in [−128, 127].
    B158,
    /// The original 1-bit BitNet: Sign(W − α) weights, scale β = mean|W|.
    /// Activations: the same per-token absmax, clamped to the symmetric
    /// [−Q_b, Q_b] = [−127, 127] of that paper (we apply no [0, Q_b] variant:
    /// BitLinear's input here is never the output of a non-linearity).
    BitNet1,
}

impl Variant {
    /// The name the CLI uses (`b1.58` or `bitnet`).
    pub const fn cli_name(self) -> &'static str {
        match self {
            Variant::B158 => "b1.58",
            Variant::BitNet1 => "bitnet",
        }
    }
}

/// Every intermediate of one BitLinear forward pass.
#[derive(Clone, Debug, PartialEq)]
pub struct BitLinearOutput {
    /// The quantizer used.
    pub variant: Variant,
    /// Row-major `[n, k]` weights (for [`Variant::BitNet1`] never zero).
    pub weights: Vec<Trit>,
    /// γ (b1.58) or β (1-bit BitNet).
    pub weight_scale: f32,
    /// Output features.
    pub n: usize,
    /// The INT8 activations `[m, k]` and their per-token scales s.
    pub activations: QuantizedActivations,
    /// Row-major `[m, n]` integer products Σ_k x_q · W.
    pub acc: Vec<i32>,
    /// Row-major `[m, n]` outputs `(acc as f32) / s * scale`.
    pub output: Vec<f32>,
}

impl BitLinearOutput {
    /// Tokens.
    pub fn m(&self) -> usize {
        self.activations.m
    }

    /// Input features.
    pub fn k(&self) -> usize {
        self.activations.k
    }
}

/// BitLinear: `weight` is `[N, K]` (like `nn.Linear`), `input` is `[M, K]`.
///
/// Errors: [`ReferenceError::Shape`] if the K dimensions differ or K exceeds [`MAX_K`].
pub fn bitlinear(weight: &Matrix, input: &Matrix, variant: Variant) -> Result<BitLinearOutput> {
    let (n, k) = (weight.rows(), weight.cols());
    if input.cols() != k {
        return Err(ReferenceError::Shape(format!(
            "K mismatch: `weight` is [{n}, {k}] (K = {k}) but `input` is [{}, {}] (K = {})",
            input.rows(),
            input.cols(),
            input.cols()
        )));
    }
    if k > MAX_K {
        return Err(ReferenceError::Shape(format!(
            "K = {k} exceeds {MAX_K}: the i32 accumulator could overflow"
        )));
    }
    let (weights, weight_scale, range) = match variant {
        Variant::B158 => {
            let w = quantize_weights_absmean(weight);
            (w.trits, w.gamma, Int8Range::Full)
        }
        Variant::BitNet1 => {
            let w = quantize_weights_sign(weight);
            (w.to_trits(), w.beta, Int8Range::Symmetric)
        }
    };
    let activations = quantize_activations_absmax(input, range);
    let m = activations.m;
    let acc = ternary_matmul(&activations.q, &weights, m, k, n);
    let output = dequantize(&acc, &activations.scales, n, weight_scale);
    Ok(BitLinearOutput {
        variant,
        weights,
        weight_scale,
        n,
        activations,
        acc,
        output,
    })
}

/// `y[m][n] = (acc[m][n] as f32) / s[m] * scale`, in that order (f32).
pub fn dequantize(acc: &[i32], token_scales: &[f32], n: usize, scale: f32) -> Vec<f32> {
    assert_eq!(acc.len(), token_scales.len() * n, "acc must be [M, N]");
    acc.chunks_exact(n.max(1))
        .zip(token_scales)
        .flat_map(|(row, &s)| row.iter().map(move |&a| a as f32 / s * scale))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn mat(name: &str, rows: usize, cols: usize, v: &[f32]) -> Matrix {
        Matrix::new(name, rows, cols, v.to_vec()).unwrap()
    }

    #[test]
    fn golden_b158() {
        // W = [[1, −1, 0.2, 0], [−2, 0.6, 0, 1.2]]: γ = 6/8 = 0.75,
        // W·(1/γ) = [[1.33, −1.33, 0.27, 0], [−2.67, 0.8, 0, 1.6]] → [[1, −1, 0, 0], [−1, 1, 0, 1]].
        // x = [[0.5, −1, 0.25, 2]]: s = 63.5, x·s = [31.75, −63.5, 15.875, 127] → [32, −64, 16, 127].
        // acc = [32 + 64, −32 − 64 + 127] = [96, 31]; y = acc / 63.5 * 0.75.
        let w = mat("weight", 2, 4, &[1.0, -1.0, 0.2, 0.0, -2.0, 0.6, 0.0, 1.2]);
        let x = mat("input", 1, 4, &[0.5, -1.0, 0.25, 2.0]);
        let out = bitlinear(&w, &x, Variant::B158).unwrap();
        assert_eq!(out.weight_scale, 0.75);
        let wi: Vec<i8> = out.weights.iter().map(|t| t.to_i8()).collect();
        assert_eq!(wi, vec![1, -1, 0, 0, -1, 1, 0, 1]);
        assert_eq!(out.activations.scales, vec![63.5]);
        assert_eq!(out.activations.q, vec![32, -64, 16, 127]);
        assert_eq!(out.acc, vec![96, 31]);
        assert_eq!(
            out.output,
            vec![96.0f32 / 63.5 * 0.75, 31.0f32 / 63.5 * 0.75]
        );
    }

    #[test]
    fn golden_bitnet1() {
        // W = [[1, 3], [−1, 1]]: α = 1 → W − α = [[0, 2], [−2, 0]] → [[−1, +1], [−1, −1]]; β = 1.5.
        // x = [[1, −1]]: s = 127 → [127, −127]; acc = [−254, 0].
        let w = mat("weight", 2, 2, &[1.0, 3.0, -1.0, 1.0]);
        let x = mat("input", 1, 2, &[1.0, -1.0]);
        let out = bitlinear(&w, &x, Variant::BitNet1).unwrap();
        assert_eq!(out.weight_scale, 1.5);
        let wi: Vec<i8> = out.weights.iter().map(|t| t.to_i8()).collect();
        assert_eq!(wi, vec![-1, 1, -1, -1]);
        assert_eq!(out.activations.q, vec![127, -127]);
        assert_eq!(out.acc, vec![-254, 0]);
        assert_eq!(out.output, vec![-254.0f32 / 127.0 * 1.5, 0.0]);
    }

    #[test]
    fn k_mismatch_names_both_tensors() {
        let w = mat("weight", 2, 4, &[0.0; 8]);
        let x = mat("input", 1, 3, &[0.0; 3]);
        let msg = bitlinear(&w, &x, Variant::B158).unwrap_err().to_string();
        assert!(msg.contains("K mismatch") && msg.contains("`weight`") && msg.contains("`input`"));
    }

    fn finite(range: f32) -> impl Strategy<Value = f32> {
        -range..range
    }

    proptest! {
        #[test]
        fn zero_weights_or_zero_tokens_give_zeros_not_nan(
            (m, k, n, x, w) in (1usize..6, 1usize..20, 1usize..6).prop_flat_map(|(m, k, n)| {
                (Just(m), Just(k), Just(n),
                 proptest::collection::vec(finite(10.0), m * k),
                 proptest::collection::vec(finite(10.0), n * k))
            }),
            zero_row in 0usize..6,
        ) {
            for variant in [Variant::B158, Variant::BitNet1] {
                // All-zero weight matrix: γ = β = 0.
                let out = bitlinear(&mat("weight", n, k, &vec![0.0; n * k]),
                                    &mat("input", m, k, &x), variant).unwrap();
                prop_assert!(out.output.iter().all(|&y| y == 0.0));
                // One all-zero token.
                let mut xz = x.clone();
                let r = zero_row % m;
                xz[r * k..(r + 1) * k].fill(0.0);
                let out = bitlinear(&mat("weight", n, k, &w), &mat("input", m, k, &xz), variant).unwrap();
                prop_assert!(out.output.iter().all(|y| !y.is_nan()));
                prop_assert!(out.output[r * n..(r + 1) * n].iter().all(|&y| y == 0.0));
            }
        }

        #[test]
        fn codes_stay_in_range_and_absmax_maps_to_127(
            (m, k, x) in (1usize..6, 1usize..30).prop_flat_map(|(m, k)| {
                (Just(m), Just(k), proptest::collection::vec(finite(1e6), m * k))
            }),
        ) {
            let w = mat("weight", 1, k, &vec![1.0; k]);
            for (variant, lo) in [(Variant::B158, -128i8), (Variant::BitNet1, -127)] {
                let out = bitlinear(&w, &mat("input", m, k, &x), variant).unwrap();
                prop_assert!(out.activations.q.iter().all(|&q| q >= lo));
                for r in 0..m {
                    let row = &x[r * k..(r + 1) * k];
                    let qrow = &out.activations.q[r * k..(r + 1) * k];
                    let (i, v) = row.iter().enumerate()
                        .fold((0, 0.0f32), |(bi, bv), (i, &v)| if v.abs() > bv.abs() { (i, v) } else { (bi, bv) });
                    if v.abs() >= 1e-5 {
                        prop_assert_eq!(qrow[i].unsigned_abs(), 127);
                    }
                }
            }
        }

        #[test]
        fn output_is_acc_over_s_times_scale(
            (m, k, n, x, w) in (1usize..5, 1usize..20, 1usize..5).prop_flat_map(|(m, k, n)| {
                (Just(m), Just(k), Just(n),
                 proptest::collection::vec(finite(4.0), m * k),
                 proptest::collection::vec(finite(4.0), n * k))
            }),
        ) {
            let out = bitlinear(&mat("weight", n, k, &w), &mat("input", m, k, &x), Variant::B158).unwrap();
            let wi: Vec<i8> = out.weights.iter().map(|t| t.to_i8()).collect();
            prop_assert_eq!(&out.acc, &crate::matmul::int8_matmul(&out.activations.q, &wi, m, k, n));
            for r in 0..m {
                for c in 0..n {
                    let expect = out.acc[r * n + c] as f32 / out.activations.scales[r] * out.weight_scale;
                    prop_assert_eq!(out.output[r * n + c].to_bits(), expect.to_bits());
                }
            }
        }
    }
}
