//! Inference memory footprint — weights, KV cache and activations — and the
//! largest batch that fits a memory budget.
//!
//! - weights: the linear layers in the array's DRAM format (the PE kind's
//!   [`crate::Pe::dram_weight_bytes`]: 2 bits per ternary weight with the
//!   two-bit packing, 1.6 with five trits per byte, 16 for FP16), every other
//!   parameter (embedding, LM head, norms) in FP16;
//! - KV cache: B·S·layers·2·kv_dim elements of `kv_bits` each;
//! - activations (estimate): one layer's live FP16 tensors during a prefill
//!   of S tokens, B·S·(2·hidden + 2·ffn)·2 bytes (residual stream, normed
//!   input, gate and up outputs; attention assumed fused, so the S×S scores
//!   are not materialized).

use crate::config::ArrayConfig;
use serde::Serialize;
use tritone_reference::ModelShape;

/// Bytes of one inference's memory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Footprint {
    /// Weights.
    pub weights: u64,
    /// KV cache.
    pub kv_cache: u64,
    /// Activations (estimate).
    pub activations: u64,
}

impl Footprint {
    /// Footprint of `batch` sequences of `seq` tokens of `model` on `cfg`
    /// (whose PE kind sets the weights' DRAM format).
    pub fn of(model: &ModelShape, cfg: &ArrayConfig, batch: u64, seq: u64) -> Footprint {
        let (kv, act) = per_sequence(model, cfg, seq);
        Footprint {
            weights: weight_bytes(model, cfg),
            kv_cache: batch * kv,
            activations: batch * act,
        }
    }

    /// Sum of the parts.
    pub fn total(&self) -> u64 {
        self.weights + self.kv_cache + self.activations
    }
}

/// Weight bytes of `model` stored for `cfg`.
pub fn weight_bytes(model: &ModelShape, cfg: &ArrayConfig) -> u64 {
    let p = model.params();
    cfg.pe().dram_weight_bytes(cfg.weight_packing(), p.linear)
        + 2 * (p.embedding + p.lm_head + p.norms)
}

/// Bytes that grow with each sequence of length `seq`: KV cache and activations.
fn per_sequence(model: &ModelShape, cfg: &ArrayConfig, seq: u64) -> (u64, u64) {
    let kv = (seq * model.layers as u64 * 2 * model.kv_dim() * cfg.kv_bits() as u64).div_ceil(8);
    let act = seq * (2 * model.hidden as u64 + 2 * model.ffn as u64) * 2;
    (kv, act)
}

/// The largest batch whose footprint at `seq` tokens fits `capacity` bytes
/// (0 when even the weights do not fit).
pub fn max_batch(model: &ModelShape, cfg: &ArrayConfig, seq: u64, capacity: u64) -> u64 {
    let (kv, act) = per_sequence(model, cfg, seq);
    capacity.saturating_sub(weight_bytes(model, cfg)) / (kv + act).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{fp16_baseline_config, fp16_baseline_model};

    #[test]
    fn footprint_parts_by_hand() {
        let m = tritone_reference::model("bitnet-b1.58-700m").unwrap();
        let cfg = ArrayConfig::default();
        let p = m.params();
        let f = Footprint::of(&m, &cfg, 2, 512);
        assert_eq!(
            f.weights,
            p.linear.div_ceil(4) + 2 * (p.embedding + p.lm_head + p.norms)
        );
        // 24 layers, kv_dim 1536, FP16 KV.
        assert_eq!(f.kv_cache, 2 * 512 * 24 * 2 * 1536 * 2);
        assert_eq!(f.activations, 2 * 512 * (2 * 1536 + 2 * 4096) * 2);
        assert_eq!(f.total(), f.weights + f.kv_cache + f.activations);
        // The FP16 baseline on its FP16 array: every parameter in FP16.
        let fp = fp16_baseline_model(&m);
        let fp_cfg = fp16_baseline_config(&cfg).unwrap();
        assert_eq!(
            Footprint::of(&fp, &fp_cfg, 2, 512).weights,
            2 * fp.params().total()
        );
    }

    #[test]
    fn max_batch_is_the_largest_that_fits() {
        let m = tritone_reference::model("bitnet-b1.58-70b").unwrap();
        let cfg = ArrayConfig::default();
        let cap = 160 * (1u64 << 30);
        let b = max_batch(&m, &cfg, 512, cap);
        assert!(b > 0);
        assert!(Footprint::of(&m, &cfg, b, 512).total() <= cap);
        assert!(Footprint::of(&m, &cfg, b + 1, 512).total() > cap);
        assert_eq!(max_batch(&m, &cfg, 512, 1 << 30), 0);
    }
}
