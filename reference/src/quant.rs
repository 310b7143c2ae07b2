//! The quantizers of BitLinear, with the official code's semantics
//! (notes: bitnet-models.md, "BitLinear semantics"): f32 arithmetic, round half
//! to even (`torch.round`), and the 1e-5 floors of the code (`max(γ, 1e-5)`,
//! not the paper's `γ + ε`).
//!
//! - b1.58 weights, per tensor: γ = mean|W|, W_t = clamp(round(W · (1 / max(γ, 1e-5))), −1, 1).
//!   The notes write W / max(γ, 1e-5) and say "follow the code"; the code
//!   (the FAQ's `weight_quant`, HF transformers' `WeightQuant`) computes
//!   `scale = 1.0 / γ.clamp(min=1e-5)` and then `w * scale`. The two differ
//!   by up to 1 ulp, which flips a trit when W/γ lands next to ±0.5 or ±1.5
//!   (about one weight in 10⁷), so we multiply by the f32 reciprocal as the code does.
//! - 1-bit BitNet weights (arXiv 2310.11453): α = mean W, W_b = Sign(W − α) with
//!   Sign(0) = −1, output scale β = mean|W|.
//! - Activations, per token: s = 127 / max(max|x|, 1e-5), x_q = clamp(round(x·s), lo, hi).
//!   The code writes `127 / t` with a tensor `t`; PyTorch evaluates a number
//!   divided by a tensor as `t.reciprocal() * 127`, rounding twice (notes:
//!   bitnet-models.md, "What PyTorch actually computes"). A single f32
//!   division differs by 1 ulp in about a quarter of random rows and moves
//!   INT8 codes near ties, so we compute `(1 / max(absmax, 1e-5)) · 127`.
//!
//! γ: transformers reduces mean|W| in f32 in its own order; [`absmean`] is a
//! documented fallback that can land 1 ulp away from it (about a third of
//! tensors). A checkpoint's stored `weight_scale` removes the question:
//! [`quantize_weights_absmean_with_gamma`] takes γ as given.

use serde::{Deserialize, Serialize};

use crate::matrix::Matrix;
use crate::trit::Trit;

/// Floor on γ before dividing the weights by it (official code: `clamp(min=1e-5)`).
pub const WEIGHT_SCALE_FLOOR: f32 = 1e-5;
/// Floor on a token's max |x| before dividing 127 by it (official code: `clamp(min=1e-5)`).
pub const ACTIVATION_ABSMAX_FLOOR: f32 = 1e-5;
/// Q_b: the activation range is scaled to ±127 (8-bit, paper §2 and BitNet).
pub const Q_B: f32 = 127.0;

/// Mean of `f(v)` over `values`, as f32.
///
/// PyTorch's f32 `mean` uses a vectorized cascade whose order depends on the
/// build; a plain sequential f32 sum would drift from it by many ulps on large
/// tensors. We instead sum every value exactly converted to f64, sequentially
/// in index order, divide in f64 and round once to f32: a well-defined result
/// that is the correctly rounded mean except within ~1e-9 (relative) of a
/// rounding boundary. An f32 cascade can land 1 ulp away (numpy's did on a
/// 4096×4096 Gaussian matrix, flipping 1 trit in 16.7 M), so comparisons with
/// PyTorch should start from the same γ.
fn mean_f32(values: &[f32], f: impl Fn(f32) -> f32) -> f32 {
    let sum: f64 = values.iter().map(|&v| f(v) as f64).sum();
    (sum / values.len() as f64) as f32
}

/// γ = mean|W| over the whole matrix: |w| summed exactly converted to f64,
/// sequentially in index order, divided in f64, rounded once to f32.
pub fn absmean(w: &Matrix) -> f32 {
    mean_f32(w.data(), f32::abs)
}

/// A BitNet b1.58 weight matrix: `[n, k]` trits and the per-tensor scale γ.
#[derive(Clone, Debug, PartialEq)]
pub struct TernaryWeights {
    /// Row-major `[n, k]` trits.
    pub trits: Vec<Trit>,
    /// Output features (rows).
    pub n: usize,
    /// Input features (columns).
    pub k: usize,
    /// γ = mean|W| as given or recomputed (before the floor: see [`Self::scale`]).
    pub gamma: f32,
}

impl TernaryWeights {
    /// transformers' `scale = 1 / max(γ, 1e-5)` (f32): what the weights are
    /// multiplied by before rounding, and the `weight_scale` its `BitLinear`
    /// class stores and divides the output by.
    pub fn scale(&self) -> f32 {
        weight_scale_of(self.gamma)
    }

    /// The γ a trit is dequantized with: `1 / scale`, so the floored γ
    /// (transformers' `WeightQuant` returns `trits / scale`), never the raw
    /// γ below 1e-5.
    pub fn dequant_gamma(&self) -> f32 {
        1.0 / self.scale()
    }
}

/// `1 / max(γ, 1e-5)` in f32, the reciprocal transformers multiplies the weights by.
pub fn weight_scale_of(gamma: f32) -> f32 {
    1.0 / gamma.max(WEIGHT_SCALE_FLOOR)
}

/// Absmean ternary quantization: W_t = clamp(round_ties_even(W · (1 / max(γ, 1e-5))), −1, 1),
/// all in f32 (reciprocal first, as the official code does: see the module docs),
/// with γ recomputed by [`absmean`].
pub fn quantize_weights_absmean(w: &Matrix) -> TernaryWeights {
    quantize_weights_absmean_with_gamma(w, absmean(w))
}

/// Absmean ternary quantization with a given γ (a checkpoint's `weight_scale`,
/// or the mean PyTorch computed), so that trits match its reduction exactly.
pub fn quantize_weights_absmean_with_gamma(w: &Matrix, gamma: f32) -> TernaryWeights {
    let trits = ternarize(w.data(), weight_scale_of(gamma));
    TernaryWeights {
        trits,
        n: w.rows(),
        k: w.cols(),
        gamma,
    }
}

/// `clamp(round_ties_even(v · scale), −1, 1)` for every value.
pub fn ternarize(values: &[f32], scale: f32) -> Vec<Trit> {
    values
        .iter()
        .map(|&v| ternary_of((v * scale).round_ties_even()))
        .collect()
}

/// The clamp to [−1, 1] of an already rounded value.
fn ternary_of(rounded: f32) -> Trit {
    if rounded >= 1.0 {
        Trit::Pos
    } else if rounded <= -1.0 {
        Trit::Neg
    } else {
        Trit::Zero
    }
}

/// A 1-bit BitNet weight: there is no zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sign {
    /// −1 (also the sign of 0: BitNet's Sign(0) = −1).
    Neg,
    /// +1.
    Pos,
}

impl From<Sign> for Trit {
    fn from(s: Sign) -> Trit {
        match s {
            Sign::Neg => Trit::Neg,
            Sign::Pos => Trit::Pos,
        }
    }
}

/// A 1-bit BitNet weight matrix: `[n, k]` signs, the centering α and the output scale β.
#[derive(Clone, Debug, PartialEq)]
pub struct BinaryWeights {
    /// Row-major `[n, k]` signs.
    pub signs: Vec<Sign>,
    /// Output features (rows).
    pub n: usize,
    /// Input features (columns).
    pub k: usize,
    /// α = mean W, subtracted before taking the sign.
    pub alpha: f32,
    /// β = mean|W|, the output scale.
    pub beta: f32,
}

impl BinaryWeights {
    /// The signs as trits (never [`Trit::Zero`]), for the shared add/subtract kernel.
    pub fn to_trits(&self) -> Vec<Trit> {
        self.signs.iter().map(|&s| s.into()).collect()
    }
}

/// The original BitNet binarization: W_b = Sign(W − α), α = mean W, Sign(0) = −1, β = mean|W|.
pub fn quantize_weights_sign(w: &Matrix) -> BinaryWeights {
    let alpha = mean_f32(w.data(), |v| v);
    let signs = w
        .data()
        .iter()
        .map(|&v| {
            if v - alpha > 0.0 {
                Sign::Pos
            } else {
                Sign::Neg
            }
        })
        .collect();
    BinaryWeights {
        signs,
        n: w.rows(),
        k: w.cols(),
        alpha,
        beta: absmean(w),
    }
}

/// The integer range activations are clamped to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Int8Range {
    /// [−128, 127]: BitNet b1.58's official code.
    Full,
    /// [−Q_b, Q_b] = [−127, 127]: the original BitNet's symmetric range.
    Symmetric,
}

impl Int8Range {
    /// The (lowest, highest) code as f32, for the clamp.
    pub const fn bounds(self) -> (f32, f32) {
        match self {
            Int8Range::Full => (-128.0, 127.0),
            Int8Range::Symmetric => (-127.0, 127.0),
        }
    }
}

/// Per-token INT8 activations: `[m, k]` codes and one scale s per token.
#[derive(Clone, Debug, PartialEq)]
pub struct QuantizedActivations {
    /// Row-major `[m, k]` codes.
    pub q: Vec<i8>,
    /// Tokens (rows).
    pub m: usize,
    /// Features (columns).
    pub k: usize,
    /// s per token: x ≈ q / s.
    pub scales: Vec<f32>,
}

/// Per-token absmax quantization: s = 127 / max(max|x|, 1e-5), q = clamp(round_ties_even(x·s), lo, hi),
/// with s evaluated as PyTorch does (see [`absmax_scale`]).
///
/// An all-zero token gets s = 1.27e7 and all-zero codes, so dequantization
/// gives exact zeros, never NaN.
pub fn quantize_activations_absmax(x: &Matrix, range: Int8Range) -> QuantizedActivations {
    quantize_rows_absmax(x.data(), x.cols(), range)
}

/// [`quantize_activations_absmax`] on a row-major `[m, k]` slice whose values
/// the caller knows to be finite (the model forward's hidden states).
///
/// Panics if `k` is 0 or does not divide the length.
pub fn quantize_rows_absmax(x: &[f32], k: usize, range: Int8Range) -> QuantizedActivations {
    assert!(k > 0 && x.len().is_multiple_of(k), "x must be [m, k]");
    let (lo, hi) = range.bounds();
    let mut q = Vec::with_capacity(x.len());
    let mut scales = Vec::with_capacity(x.len() / k);
    for row in x.chunks_exact(k) {
        let s = absmax_scale(row, Q_B);
        // The clamped value is an integer in [−128, 127]: the cast is exact.
        q.extend(
            row.iter()
                .map(|&v| (v * s).round_ties_even().clamp(lo, hi) as i8),
        );
        scales.push(s);
    }
    QuantizedActivations {
        q,
        m: x.len() / k,
        k,
        scales,
    }
}

/// The absmax scale `q_max / max(max|x|, 1e-5)` as PyTorch evaluates
/// `q_max / tensor`: `reciprocal(max(max|x|, 1e-5)) · q_max`, two f32
/// roundings (notes: bitnet-models.md).
pub fn absmax_scale(row: &[f32], q_max: f32) -> f32 {
    let absmax = row.iter().fold(0.0f32, |a, &v| a.max(v.abs()));
    (1.0 / absmax.max(ACTIVATION_ABSMAX_FLOOR)) * q_max
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn mat(rows: usize, cols: usize, v: &[f32]) -> Matrix {
        Matrix::new("t", rows, cols, v.to_vec()).unwrap()
    }

    #[test]
    fn absmean_hand_computed() {
        // γ = (0.5 + 1.5 + 0 + 2) / 4 = 1; W/γ = [0.5, −1.5, 0, 2] → round-even [0, −2, 0, 2] → clamp.
        let w = quantize_weights_absmean(&mat(2, 2, &[0.5, -1.5, 0.0, 2.0]));
        assert_eq!(w.gamma, 1.0);
        assert_eq!(w.trits, vec![Trit::Zero, Trit::Neg, Trit::Zero, Trit::Pos]);
    }

    #[test]
    fn weight_ties_round_to_even() {
        // γ = 1: 0.5 → 0, −0.5 → 0 (−0), 1.5 → 2 → clamp 1, −1.5 → −1.
        let w = quantize_weights_absmean(&mat(1, 4, &[0.5, -0.5, 1.5, -1.5]));
        assert_eq!(w.gamma, 1.0);
        assert_eq!(w.trits, vec![Trit::Zero, Trit::Zero, Trit::Pos, Trit::Neg]);
    }

    #[test]
    fn all_zero_weights_quantize_to_zero_with_floor() {
        let w = quantize_weights_absmean(&mat(2, 3, &[0.0; 6]));
        assert_eq!(w.gamma, 0.0);
        assert!(w.trits.iter().all(|&t| t == Trit::Zero));
    }

    #[test]
    fn multiplies_by_the_reciprocal_like_the_official_code() {
        // γ = (0.23333335 + 0.7) / 2 = 0.46666667. Dividing gives 0.50000006 → +1;
        // the code's w · (1/γ) gives exactly 0.5 → 0 (ties to even).
        let (w0, w1) = (0.23333335f32, 0.7f32);
        let q = quantize_weights_absmean(&mat(1, 2, &[w0, w1]));
        assert_eq!(q.gamma, 0.46666667);
        assert_eq!(w0 / q.gamma, 0.50000006);
        assert_eq!(w0 * (1.0 / q.gamma), 0.5);
        assert_eq!(q.trits, vec![Trit::Zero, Trit::Pos]);
    }

    #[test]
    fn tiny_weights_use_the_floor_not_gamma() {
        // γ = 1e-6 < 1e-5: W / 1e-5 = 0.1 → 0, although W / γ would be 1.
        let w = quantize_weights_absmean(&mat(1, 2, &[1e-6, -1e-6]));
        assert_eq!(w.trits, vec![Trit::Zero, Trit::Zero]);
    }

    #[test]
    fn activation_hand_computed() {
        // absmax 2 → s = 63.5; x·s = [127, −63.5, 31.75, 0] → [127, −64 (even), 32, 0].
        let a = quantize_activations_absmax(&mat(1, 4, &[2.0, -1.0, 0.5, 0.0]), Int8Range::Full);
        assert_eq!(a.scales, vec![63.5]);
        assert_eq!(a.q, vec![127, -64, 32, 0]);
    }

    #[test]
    fn activation_ties_round_to_even() {
        // absmax 127 → s = 1: 0.5 → 0, 1.5 → 2, 2.5 → 2, −2.5 → −2.
        let a =
            quantize_activations_absmax(&mat(1, 5, &[127.0, 0.5, 1.5, 2.5, -2.5]), Int8Range::Full);
        assert_eq!(a.q, vec![127, 0, 2, 2, -2]);
    }

    #[test]
    fn all_zero_token_gets_floor_scale_and_zero_codes() {
        let a = quantize_activations_absmax(&mat(2, 2, &[0.0, 0.0, 1.0, -1.0]), Int8Range::Full);
        assert_eq!(a.scales[0], (1.0f32 / 1e-5) * 127.0);
        assert_eq!(&a.q[..2], &[0, 0]);
        assert_eq!(&a.q[2..], &[127, -127]);
    }

    #[test]
    fn activation_scale_is_reciprocal_times_127_like_pytorch() {
        // absmax 3: 127 / 3 rounds once to 42.333332; PyTorch's (1/3)·127
        // rounds twice to 42.333336, one ulp up, and that is the value it uses.
        let a = quantize_activations_absmax(&mat(1, 2, &[3.0, 1.0]), Int8Range::Full);
        assert_eq!(127.0f32 / 3.0, 42.333332);
        assert_eq!(a.scales[0], 42.333336);
    }

    #[test]
    fn tiny_gamma_dequantizes_with_the_floor() {
        // γ = 1e-6: transformers dequantizes trits / scale = trits · 1e-5, not · 1e-6.
        let w = quantize_weights_absmean(&mat(1, 2, &[1e-6, -1e-6]));
        assert_eq!(w.gamma, 1e-6);
        assert_eq!(w.scale(), 1.0 / 1e-5f32);
        assert_eq!(w.dequant_gamma(), 1.0 / (1.0 / 1e-5f32));
        assert!((w.dequant_gamma() - 1e-5).abs() < 1e-12);
    }

    #[test]
    fn a_given_gamma_decides_the_trits() {
        // γ given as 2: 1.0 · 0.5 = 0.5 ties to 0; the recomputed γ = 1.5 would give +1.
        let m = mat(1, 2, &[1.0, 2.0]);
        assert_eq!(
            quantize_weights_absmean(&m).trits,
            vec![Trit::Pos, Trit::Pos]
        );
        let w = quantize_weights_absmean_with_gamma(&m, 2.0);
        assert_eq!(w.trits, vec![Trit::Zero, Trit::Pos]);
        assert_eq!(w.scale(), 0.5);
    }

    #[test]
    fn sign_of_zero_is_negative() {
        // α = 0: W − α = [0, 1, −1, 0] → [−1, +1, −1, −1]; β = 0.5.
        let b = quantize_weights_sign(&mat(2, 2, &[0.0, 1.0, -1.0, 0.0]));
        assert_eq!(b.alpha, 0.0);
        assert_eq!(b.beta, 0.5);
        assert_eq!(b.signs, vec![Sign::Neg, Sign::Pos, Sign::Neg, Sign::Neg]);
        assert!(b.to_trits().iter().all(|&t| t != Trit::Zero));
    }

    #[test]
    fn sign_centres_on_the_mean() {
        // α = 2.5: all of [1, 2] fall below, [3, 4] above.
        let b = quantize_weights_sign(&mat(1, 4, &[1.0, 2.0, 3.0, 4.0]));
        assert_eq!(b.alpha, 2.5);
        assert_eq!(b.signs, vec![Sign::Neg, Sign::Neg, Sign::Pos, Sign::Pos]);
    }

    #[test]
    fn symmetric_range_never_emits_minus_128() {
        // absmax 1 → s = 127; −1·127 = −127 either way, but a value just past the
        // absmax cannot occur, so check the clamp bound directly.
        assert_eq!(Int8Range::Symmetric.bounds(), (-127.0, 127.0));
        let a = quantize_activations_absmax(&mat(1, 2, &[-1.0, 0.25]), Int8Range::Symmetric);
        assert_eq!(a.q, vec![-127, 32]);
    }

    proptest! {
        #[test]
        fn activation_ties_go_to_the_even_neighbour(n in proptest::collection::vec(-127i32..=126, 1..40)) {
            // A 127 in the row makes s exactly 1, so n + 0.5 is an exact tie.
            let mut row = vec![127.0f32];
            row.extend(n.iter().map(|&v| v as f32 + 0.5));
            let a = quantize_activations_absmax(&mat(1, row.len(), &row), Int8Range::Full);
            prop_assert_eq!(a.scales[0], 1.0);
            for (&v, &q) in n.iter().zip(&a.q[1..]) {
                let even = if v % 2 == 0 { v } else { v + 1 };
                prop_assert_eq!(q as i32, even);
            }
        }

        #[test]
        fn weight_ties_go_to_zero_or_clamp(pairs in proptest::collection::vec((any::<bool>(), any::<bool>()), 1..30)) {
            // Pairs (±0.5, ±1.5) keep γ = 1 exactly: ±0.5 ties to 0, ±1.5 ties to ±2 and clamps to ±1.
            let w: Vec<f32> = pairs.iter().flat_map(|&(a, b)| {
                [if a { 0.5 } else { -0.5 }, if b { 1.5 } else { -1.5 }]
            }).collect();
            let q = quantize_weights_absmean(&mat(1, w.len(), &w));
            prop_assert_eq!(q.gamma, 1.0);
            for (&(_, b), t) in pairs.iter().zip(q.trits.chunks_exact(2)) {
                prop_assert_eq!(t[0], Trit::Zero);
                prop_assert_eq!(t[1], if b { Trit::Pos } else { Trit::Neg });
            }
        }
    }
}
