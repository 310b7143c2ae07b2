//! Mixture-of-Experts routing: which experts a run loads and how many tokens
//! each one processes.
//!
//! Routing is taken as uniform: each token picks `k` distinct experts of `E`
//! uniformly at random, independently of the other tokens (a trained router
//! is load-balanced towards this by its auxiliary loss). An expert is then
//! idle for one token with probability `1 − k/E`, and loaded by a run of `T`
//! tokens with probability `1 − (1 − k/E)^T`, so the expected number of
//! distinct experts is
//!
//! ```text
//! E_d(T) = E · (1 − (1 − k/E)^T)
//! ```
//!
//! (`k` at one token, approaching `E` as `T` grows). The simulator loads
//! `round(E_d)` experts (at least `min(k, …)`, at most `min(E, T·k)`) and
//! gives each an equal share of the `T·k` routed tokens, `⌈T·k / experts⌉`:
//! the spread of expert loads around the mean is not modelled.

use serde::Serialize;
use tritone_reference::ModelShape;

/// The experts one run of a layer loads, and the tokens each processes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Routing {
    /// Experts loaded (1 for a dense FFN).
    pub experts: u64,
    /// Tokens per loaded expert.
    pub tokens_per_expert: u64,
}

/// `E · (1 − (1 − k/E)^T)`: the expected number of distinct experts `T`
/// tokens route to when each picks `k` of `E` uniformly.
pub fn expected_experts(experts: u64, top_k: u64, tokens: u64) -> f64 {
    if tokens == 0 || experts == 0 {
        return 0.0;
    }
    let idle = 1.0 - top_k as f64 / experts as f64;
    experts as f64 * (1.0 - idle.powf(tokens as f64))
}

impl Routing {
    /// The routing of `tokens` tokens through one layer of `model`.
    pub fn of(model: &ModelShape, tokens: u64) -> Routing {
        let Some(m) = model.moe else {
            return Routing {
                experts: 1,
                tokens_per_expert: tokens,
            };
        };
        let (e, k) = (m.experts as u64, m.top_k as u64);
        let routed = tokens * k;
        let expected = expected_experts(e, k, tokens).round() as u64;
        let experts = expected.clamp(k.min(routed).max(1), e.min(routed).max(1));
        Routing {
            experts,
            tokens_per_expert: routed.div_ceil(experts),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_experts_at_the_ends_and_by_hand() {
        // One token loads exactly its k experts.
        assert_eq!(expected_experts(8, 2, 1), 2.0);
        // Two tokens: 8·(1 − 0.75²) = 3.5.
        assert!((expected_experts(8, 2, 2) - 3.5).abs() < 1e-12);
        // Many tokens load every expert.
        assert!((expected_experts(8, 2, 512) - 8.0).abs() < 1e-9);
        // k = E: every expert for any token.
        assert_eq!(expected_experts(4, 4, 3), 4.0);
    }

    /// The closed form against counting distinct experts over random
    /// routings (a deterministic generator, 20 000 trials).
    #[test]
    fn expected_experts_match_sampled_routings() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        for (e, k, t) in [(8u64, 2u64, 3u64), (8, 2, 16), (16, 4, 5), (64, 6, 10)] {
            let trials = 20_000;
            let mut sum = 0u64;
            for _ in 0..trials {
                let mut used = vec![false; e as usize];
                for _ in 0..t {
                    // k distinct experts: a partial Fisher–Yates shuffle.
                    let mut pool: Vec<u64> = (0..e).collect();
                    for i in 0..k as usize {
                        let j = i + next(e - i as u64) as usize;
                        pool.swap(i, j);
                        used[pool[i] as usize] = true;
                    }
                }
                sum += used.iter().filter(|u| **u).count() as u64;
            }
            let mean = sum as f64 / trials as f64;
            let want = expected_experts(e, k, t);
            assert!(
                (mean - want).abs() < 0.02 * want,
                "E={e} k={k} T={t}: {mean} vs {want}"
            );
        }
    }

    #[test]
    fn routing_loads_k_experts_for_one_token_and_all_for_many() {
        let m = tritone_reference::model("bitnet-b1.58-8x7b").unwrap();
        assert_eq!(
            Routing::of(&m, 1),
            Routing {
                experts: 2,
                tokens_per_expert: 1
            }
        );
        assert_eq!(
            Routing::of(&m, 512),
            Routing {
                experts: 8,
                tokens_per_expert: 128
            }
        );
        // 4 tokens: 8·(1 − 0.75⁴) ≈ 5.47 → 5 experts, ⌈8/5⌉ = 2 tokens each.
        assert_eq!(
            Routing::of(&m, 4),
            Routing {
                experts: 5,
                tokens_per_expert: 2
            }
        );
        let dense = tritone_reference::model("bitnet-b1.58-3b").unwrap();
        assert_eq!(Routing::of(&dense, 7).experts, 1);
        assert_eq!(Routing::of(&dense, 7).tokens_per_expert, 7);
    }
}
