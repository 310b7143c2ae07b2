//! How far one run's logits are from another's: the figures `tritone run`
//! reports for a hardware choice against the reference.

/// Differences between two `[positions, vocab]` logit tensors.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Divergence {
    /// Positions compared.
    pub positions: usize,
    /// max |Δlogit| over every position and token.
    pub max_abs_logit: f32,
    /// Mean over positions of KL(reference ‖ other), in nats.
    pub mean_kl: f64,
    /// Largest KL(reference ‖ other) of one position, in nats.
    pub max_kl: f64,
    /// Positions where both pick the same most likely token.
    pub top1_agree: usize,
}

impl Divergence {
    /// `top1_agree / positions`.
    pub fn top1_fraction(&self) -> f64 {
        self.top1_agree as f64 / self.positions.max(1) as f64
    }
}

/// log-softmax of one row, in f64.
fn log_softmax(row: &[f32]) -> Vec<f64> {
    let max = row
        .iter()
        .map(|&v| v as f64)
        .fold(f64::NEG_INFINITY, f64::max);
    let lse = row
        .iter()
        .map(|&v| (v as f64 - max).exp())
        .sum::<f64>()
        .ln()
        + max;
    row.iter().map(|&v| v as f64 - lse).collect()
}

/// Compares `other` with `reference`, both `[positions, vocab]`.
///
/// Panics if the lengths differ or are not a multiple of `vocab`.
pub fn compare_logits(reference: &[f32], other: &[f32], vocab: usize) -> Divergence {
    assert_eq!(
        reference.len(),
        other.len(),
        "logits must have equal shapes"
    );
    assert!(
        vocab > 0 && reference.len().is_multiple_of(vocab),
        "logits must be [P, vocab]"
    );
    let mut d = Divergence {
        positions: reference.len() / vocab,
        max_abs_logit: 0.0,
        mean_kl: 0.0,
        max_kl: 0.0,
        top1_agree: 0,
    };
    for (r, o) in reference.chunks_exact(vocab).zip(other.chunks_exact(vocab)) {
        for (a, b) in r.iter().zip(o) {
            d.max_abs_logit = d.max_abs_logit.max((a - b).abs());
        }
        let (lr, lo) = (log_softmax(r), log_softmax(o));
        let kl: f64 = lr.iter().zip(&lo).map(|(a, b)| a.exp() * (a - b)).sum();
        let kl = kl.max(0.0);
        d.mean_kl += kl;
        d.max_kl = d.max_kl.max(kl);
        if super::argmax(r) == super::argmax(o) {
            d.top1_agree += 1;
        }
    }
    d.mean_kl /= d.positions.max(1) as f64;
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_logits_do_not_diverge() {
        let l = [1.0, 2.0, 0.5, -1.0, 3.0, 0.0];
        let d = compare_logits(&l, &l, 3);
        assert_eq!(
            (d.positions, d.max_abs_logit, d.mean_kl, d.top1_agree),
            (2, 0.0, 0.0, 2)
        );
    }

    #[test]
    fn hand_computed_kl() {
        // P = (1/2, 1/2) from [0, 0]; Q = (e/(1+e), 1/(1+e)) from [1, 0].
        // KL(P‖Q) = ½ ln(½ / q0) + ½ ln(½ / q1).
        let d = compare_logits(&[0.0, 0.0], &[1.0, 0.0], 2);
        let e = std::f64::consts::E;
        let (q0, q1) = (e / (1.0 + e), 1.0 / (1.0 + e));
        let kl = 0.5 * (0.5 / q0).ln() + 0.5 * (0.5 / q1).ln();
        assert!((d.mean_kl - kl).abs() < 1e-12);
        assert_eq!(d.max_abs_logit, 1.0);
        assert_eq!(d.top1_agree, 1, "argmax of a tie is the first index");
    }
}
