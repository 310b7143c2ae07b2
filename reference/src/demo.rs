//! Built-in demo data: a small, seeded BitLinear problem whose every
//! intermediate can be printed and checked by eye.

use crate::bitlinear::{bitlinear, BitLinearOutput, Variant};
use crate::matrix::Matrix;

/// Demo output features.
pub const DEMO_N: usize = 4;
/// Demo input features.
pub const DEMO_K: usize = 8;
/// Demo tokens.
pub const DEMO_M: usize = 3;
/// The fixed seed of the demo data.
pub const DEMO_SEED: u64 = 0x7217_0E58;

/// SplitMix64: a tiny, well-known generator, so the demo needs no RNG crate
/// and its data is identical on every platform.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [−1, 1) on a 2⁻²³ grid: exact in f32, no libm involved.
    fn next_f32(&mut self) -> f32 {
        ((self.next_u64() >> 40) as f32) / (1u64 << 23) as f32 - 1.0
    }
}

/// The demo problem and its BitLinear result.
#[derive(Clone, Debug, PartialEq)]
pub struct Demo {
    /// `[DEMO_N, DEMO_K]` weights.
    pub weight: Matrix,
    /// `[DEMO_M, DEMO_K]` activations.
    pub input: Matrix,
    /// Every BitLinear intermediate.
    pub result: BitLinearOutput,
    /// The unquantized product `x · Wᵀ` (f64 sums, rounded to f32).
    pub float_output: Vec<f32>,
    /// max |output − float_output|: the quantization error.
    pub max_abs_error: f32,
}

/// Runs BitLinear on the seeded demo data.
pub fn demo(variant: Variant) -> Demo {
    let mut rng = SplitMix64(DEMO_SEED);
    let mut draw = |len: usize| (0..len).map(|_| rng.next_f32()).collect::<Vec<_>>();
    let weight = Matrix::new("weight", DEMO_N, DEMO_K, draw(DEMO_N * DEMO_K))
        .expect("demo weights are finite");
    let input = Matrix::new("input", DEMO_M, DEMO_K, draw(DEMO_M * DEMO_K))
        .expect("demo inputs are finite");
    let result = bitlinear(&weight, &input, variant).expect("demo shapes agree");
    let float_output: Vec<f32> = (0..DEMO_M)
        .flat_map(|m| (0..DEMO_N).map(move |n| (m, n)))
        .map(|(m, n)| {
            input
                .row(m)
                .iter()
                .zip(weight.row(n))
                .map(|(&a, &b)| a as f64 * b as f64)
                .sum::<f64>() as f32
        })
        .collect();
    let max_abs_error = result
        .output
        .iter()
        .zip(&float_output)
        .fold(0.0f32, |e, (a, b)| e.max((a - b).abs()));
    Demo {
        weight,
        input,
        result,
        float_output,
        max_abs_error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_is_deterministic_and_close_to_float() {
        let a = demo(Variant::B158);
        assert_eq!(a, demo(Variant::B158));
        assert!(a.weight.data().iter().all(|v| (-1.0..1.0).contains(v)));
        // All three trit values occur, so the demo shows add, subtract and skip.
        for t in crate::Trit::ALL {
            assert!(a.result.weights.contains(&t), "{t:?} missing");
        }
        // Ternary quantization of 8-term sums of values in [−1, 1): well under 8.
        assert!(
            a.max_abs_error > 0.0 && a.max_abs_error < 2.0,
            "{}",
            a.max_abs_error
        );
    }
}
