//! Rotary position embedding as transformers computes it (LLaMA and BitNet:
//! `compute_default_rope_parameters`, `_compute_linear_scaling_rope_parameters`,
//! `_compute_llama3_parameters`, `rotate_half`), in f32.

use crate::hf_config::{Rope, RopeScaling};

/// The inverse frequencies of one head: `head_dim / 2` values.
pub fn inv_freq(rope: &Rope, head_dim: usize) -> Vec<f32> {
    let d = head_dim as f32;
    let base: Vec<f32> = (0..head_dim / 2)
        .map(|i| 1.0 / rope.theta.powf((2 * i) as f32 / d))
        .collect();
    match rope.scaling {
        RopeScaling::None => base,
        RopeScaling::Linear { factor } => base.into_iter().map(|f| f / factor).collect(),
        RopeScaling::Llama3 {
            factor,
            low_freq_factor,
            high_freq_factor,
            original_max_position_embeddings: old,
        } => base
            .into_iter()
            .map(|f| {
                let low_wavelen = old / low_freq_factor;
                let high_wavelen = old / high_freq_factor;
                // PyTorch evaluates `2π / t` as reciprocal(t) · 2π.
                let wavelen = (1.0 / f) * (2.0 * std::f32::consts::PI);
                let scaled = if wavelen > low_wavelen { f / factor } else { f };
                if wavelen < high_wavelen || wavelen > low_wavelen {
                    scaled
                } else {
                    let smooth = ((1.0 / wavelen) * old - low_freq_factor)
                        / (high_freq_factor - low_freq_factor);
                    (1.0 - smooth) * scaled / factor + smooth * scaled
                }
            })
            .collect(),
    }
}

/// `cos` and `sin` of `position · inv_freq` (each `head_dim / 2` values; the
/// second half of a head repeats the first, as `cat(freqs, freqs)` does).
pub fn cos_sin(inv_freq: &[f32], position: usize) -> (Vec<f32>, Vec<f32>) {
    inv_freq
        .iter()
        .map(|&f| {
            let angle = position as f32 * f;
            // cos/sin of the f32 angle, rounded once from f64.
            let a = angle as f64;
            (a.cos() as f32, a.sin() as f32)
        })
        .unzip()
}

/// Rotates one head in place: `x · cos + rotate_half(x) · sin`, where
/// `rotate_half([x1, x2]) = [−x2, x1]`.
pub fn rotate(head: &mut [f32], cos: &[f32], sin: &[f32]) {
    let half = head.len() / 2;
    for i in 0..half {
        let (x1, x2) = (head[i], head[i + half]);
        head[i] = x1 * cos[i] + (-x2) * sin[i];
        head[i + half] = x2 * cos[i] + x1 * sin[i];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_zero_is_the_identity() {
        let rope = Rope {
            theta: 10000.0,
            scaling: RopeScaling::None,
        };
        let f = inv_freq(&rope, 8);
        assert_eq!(f[0], 1.0);
        let (c, s) = cos_sin(&f, 0);
        let mut h = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
        rotate(&mut h, &c, &s);
        assert_eq!(h, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]);
    }

    #[test]
    fn rotation_by_a_quarter_turn() {
        // inv_freq[0] = 1: at position π/2 ≈ … use the pair (1, 0) at angle 1 rad.
        let (c, s) = cos_sin(&[1.0], 1);
        let mut h = vec![1.0, 0.0];
        rotate(&mut h, &c, &s);
        assert_eq!(h, vec![1f64.cos() as f32, 1f64.sin() as f32]);
    }

    #[test]
    fn scalings_leave_high_frequencies_and_divide_low_ones() {
        let base = Rope {
            theta: 10000.0,
            scaling: RopeScaling::None,
        };
        let linear = Rope {
            scaling: RopeScaling::Linear { factor: 4.0 },
            ..base
        };
        let llama3 = Rope {
            scaling: RopeScaling::Llama3 {
                factor: 8.0,
                low_freq_factor: 1.0,
                high_freq_factor: 4.0,
                original_max_position_embeddings: 64.0,
            },
            ..base
        };
        let (b, l, l3) = (
            inv_freq(&base, 16),
            inv_freq(&linear, 16),
            inv_freq(&llama3, 16),
        );
        assert_eq!(l[3], b[3] / 4.0);
        // Wavelength 2π < 64/4: unchanged. The last (longest) wavelength > 64: divided by 8.
        assert_eq!(l3[0], b[0]);
        assert_eq!(l3[7], b[7] / 8.0);
    }
}
