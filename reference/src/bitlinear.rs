//! The BitLinear forward pass, returning every intermediate so that hardware
//! and simulators can be checked stage by stage:
//! quantize W → quantize x → add-only integer product → dequantize.
//!
//! transformers has two layer classes (`integrations/bitnet.py`; notes:
//! bitnet-models.md, "What PyTorch actually computes"), and each dequantizes
//! in its own way; [`WeightScale`] carries a scale in the convention of one of
//! them, so a value can never be applied with the other's formula:
//!
//! - `BitLinear` stores `weight_scale` = 1/γ (its `scale`) and computes
//!   `y = acc / (weight_scale · s)`: the integer sum is exact in f32, then one
//!   multiplication and one division, so this output is bit-exact.
//! - `AutoBitLinear` dequantizes and sums floats: `y = F.linear(q / s, W_t) · γ`
//!   (offline, γ stored) or `F.linear(q / s, W_t / scale)` (online). We compute
//!   `acc / s · γ` (the official GPU kernel's order), which equals the float
//!   sum up to its rounding order: a few ulps, not bit for bit.

use serde::{Deserialize, Serialize};

use crate::error::{ReferenceError, Result};
use crate::matmul::ternary_matmul;
use crate::matrix::Matrix;
use crate::quant::{
    quantize_activations_absmax, quantize_weights_absmean, quantize_weights_absmean_with_gamma,
    quantize_weights_sign, Int8Range, QuantizedActivations,
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

/// A ternary matrix's scale, in the convention of the transformers layer
/// class that stores and applies it (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum WeightScale {
    /// transformers `BitLinear`: `weight_scale` = 1/γ; `y = acc / (weight_scale · s)`.
    BitLinear(f32),
    /// transformers `AutoBitLinear`: `weight_scale` = γ; `y = acc / s · γ`.
    AutoBitLinear(f32),
}

impl WeightScale {
    /// Dequantizes `[M, N]` accumulators with per-token scales `s`, by this class's formula.
    pub fn dequantize(self, acc: &[i32], token_scales: &[f32], n: usize) -> Vec<f32> {
        match self {
            WeightScale::BitLinear(inv) => dequantize_bitlinear(acc, token_scales, n, inv),
            WeightScale::AutoBitLinear(gamma) => dequantize(acc, token_scales, n, gamma),
        }
    }

    /// The stored value.
    pub fn value(self) -> f32 {
        match self {
            WeightScale::BitLinear(v) | WeightScale::AutoBitLinear(v) => v,
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
    /// γ = mean|W| as given or recomputed (b1.58), or β (1-bit BitNet).
    pub weight_scale: f32,
    /// b1.58 only: transformers' `scale` = 1 / max(γ, 1e-5), the `weight_scale`
    /// its `BitLinear` class stores.
    pub bitlinear_weight_scale: Option<f32>,
    /// Output features.
    pub n: usize,
    /// The INT8 activations `[m, k]` and their per-token scales s.
    pub activations: QuantizedActivations,
    /// Row-major `[m, n]` integer products Σ_k x_q · W.
    pub acc: Vec<i32>,
    /// Row-major `[m, n]` outputs `(acc as f32) / s * scale`, with the floored
    /// γ (`1 / bitlinear_weight_scale`) for b1.58: transformers' `AutoBitLinear`.
    pub output: Vec<f32>,
    /// b1.58 only: `acc / (bitlinear_weight_scale · s)`, transformers' `BitLinear`
    /// bit for bit.
    pub output_bitlinear: Option<Vec<f32>>,
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

/// BitLinear: `weight` is `[N, K]` (like `nn.Linear`), `input` is `[M, K]`;
/// γ is recomputed (see [`bitlinear_with_gamma`]).
///
/// Errors: [`ReferenceError::Shape`] if the K dimensions differ or K exceeds
/// [`MAX_K`]; [`ReferenceError::Alloc`] if the results do not fit in memory
/// (checked before any work).
pub fn bitlinear(weight: &Matrix, input: &Matrix, variant: Variant) -> Result<BitLinearOutput> {
    bitlinear_with_gamma(weight, input, variant, None)
}

/// [`bitlinear`] with γ given (b1.58 only): a checkpoint's `weight_scale` or
/// PyTorch's own mean|W|, so the trits match transformers' exactly. With
/// `None`, γ is recomputed by [`crate::quant::absmean`] (the documented
/// fallback, 1 ulp from PyTorch's reduction in about a third of tensors).
///
/// Errors: as [`bitlinear`]; [`ReferenceError::Tensor`] for a γ given with
/// [`Variant::BitNet1`] or a γ that is not finite and non-negative.
pub fn bitlinear_with_gamma(
    weight: &Matrix,
    input: &Matrix,
    variant: Variant,
    gamma: Option<f32>,
) -> Result<BitLinearOutput> {
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
    if let Some(g) = gamma {
        if variant != Variant::B158 || !g.is_finite() || g < 0.0 {
            return Err(ReferenceError::Tensor {
                name: "weight_scale".into(),
                reason: format!(
                    "(γ) is {g}: a given γ must be finite and ≥ 0, and applies to b1.58 only"
                ),
            });
        }
    }
    let m = input.rows();
    // Peak memory of the results, per [M, N] element: acc and its per-tile
    // copy (4 + 4 bytes), output and output_bitlinear (4 + 4); per weight,
    // the trit and its two select masks; per activation, one byte.
    let bytes = 16 * m as u128 * n as u128 + 3 * n as u128 * k as u128 + m as u128 * k as u128;
    crate::error::check_alloc(bytes, || {
        format!("BitLinear with weight [{n}, {k}] and input [{m}, {k}] (output [{m}, {n}])")
    })?;
    let (weights, weight_scale, class_scale, range) = match variant {
        Variant::B158 => {
            let w = match gamma {
                Some(g) => quantize_weights_absmean_with_gamma(weight, g),
                None => quantize_weights_absmean(weight),
            };
            let scale = w.scale();
            (w.trits, w.gamma, Some(scale), Int8Range::Full)
        }
        Variant::BitNet1 => {
            let w = quantize_weights_sign(weight);
            (w.to_trits(), w.beta, None, Int8Range::Symmetric)
        }
    };
    let activations = quantize_activations_absmax(input, range);
    let acc = ternary_matmul(&activations.q, &weights, m, k, n);
    // b1.58 dequantizes with the floored γ, 1 / scale, as transformers does.
    let output_gamma = class_scale.map_or(weight_scale, |s| 1.0 / s);
    let output = dequantize(&acc, &activations.scales, n, output_gamma);
    let output_bitlinear =
        class_scale.map(|s| WeightScale::BitLinear(s).dequantize(&acc, &activations.scales, n));
    Ok(BitLinearOutput {
        variant,
        weights,
        weight_scale,
        bitlinear_weight_scale: class_scale,
        n,
        activations,
        acc,
        output,
        output_bitlinear,
    })
}

/// `y[m][n] = (acc[m][n] as f32) / (weight_scale · s[m])` (f32): transformers'
/// `BitLinear`, whose `weight_scale` is 1/γ.
pub fn dequantize_bitlinear(
    acc: &[i32],
    token_scales: &[f32],
    n: usize,
    weight_scale: f32,
) -> Vec<f32> {
    assert_eq!(acc.len(), token_scales.len() * n, "acc must be [M, N]");
    acc.chunks_exact(n.max(1))
        .zip(token_scales)
        .flat_map(|(row, &s)| {
            let d = weight_scale * s;
            row.iter().map(move |&a| a as f32 / d)
        })
        .collect()
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
        let g = 1.0 / (1.0f32 / 0.75);
        assert_eq!(out.output, vec![96.0f32 / 63.5 * g, 31.0f32 / 63.5 * g]);
        let inv = 1.0f32 / 0.75;
        assert_eq!(out.bitlinear_weight_scale, Some(inv));
        assert_eq!(
            out.output_bitlinear,
            Some(vec![96.0f32 / (inv * 63.5), 31.0f32 / (inv * 63.5)])
        );
    }

    #[test]
    fn tiny_weights_dequantize_with_the_floored_gamma() {
        // mean|W| = 2e-6 < 1e-5: trits W · 1e5 = ±0.2 → 0 except the 8e-6 entry (0.8 → 1);
        // the output uses γ = 1e-5 (as 1 / 1e5), not 2e-6.
        let w = mat("weight", 1, 4, &[8e-6, 0.0, 0.0, 0.0]);
        let x = mat("input", 1, 4, &[1.0, 0.0, 0.0, 0.0]);
        let out = bitlinear(&w, &x, Variant::B158).unwrap();
        assert_eq!(out.acc, vec![127]);
        let y = out.output[0];
        assert!((y - 1e-5).abs() < 1e-10, "{y}");
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
                    let expect = out.acc[r * n + c] as f32 / out.activations.scales[r] * (1.0 / out.bitlinear_weight_scale.unwrap());
                    prop_assert_eq!(out.output[r * n + c].to_bits(), expect.to_bits());
                }
            }
        }
    }
}
