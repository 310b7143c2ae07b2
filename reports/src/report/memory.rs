//! Inference memory footprint (Table 1, Figure 2 right) and the largest batch
//! that fits a memory budget (Table 3).
//!
//! Footprint = weights + KV cache + activations:
//! - weights: the linear layers in the array's DRAM format (ternary: 2 bits
//!   per weight with the default two-bit packing, 1.6 with five trits per
//!   byte; FP16 baseline: 16 bits), every other parameter (embedding, LM head,
//!   norms) in FP16 — the simulator's `weight_dram_bytes` rule;
//! - KV cache: B·S·layers·2·kv_dim elements of `kv_bits` each;
//! - activations (estimate): one layer's live FP16 tensors during a prefill of
//!   S tokens, B·S·(2·hidden + 2·ffn)·2 bytes (residual stream, normed input,
//!   gate and up outputs; attention assumed fused, so the S×S scores are not
//!   materialized).

use serde::Serialize;
use tritone_reference::{ModelShape, WeightKind};
use tritone_sim::gemm::weight_dram_bytes;
use tritone_sim::{ArrayConfig, PeKind};

/// Bytes of one inference's memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Footprint {
    /// Weights.
    pub weights: u64,
    /// KV cache.
    pub kv_cache: u64,
    /// Activations (estimate).
    pub activations: u64,
}

impl Footprint {
    /// Sum of the parts.
    pub fn total(&self) -> u64 {
        self.weights + self.kv_cache + self.activations
    }
}

/// The PE a model's linear layers run on: the configured one for ternary
/// models, FP16 MACs for the FP16 baseline.
fn pe_of(model: &ModelShape, cfg: &ArrayConfig) -> PeKind {
    match model.weights {
        WeightKind::Ternary => cfg.pe(),
        WeightKind::Fp16 => PeKind::MacFp16,
    }
}

/// Weight bytes of `model` stored for `cfg`.
pub fn weight_bytes(model: &ModelShape, cfg: &ArrayConfig) -> u64 {
    let p = model.params();
    weight_dram_bytes(pe_of(model, cfg), cfg.weight_packing(), p.linear)
        + 2 * (p.embedding + p.lm_head + p.norms)
}

/// Bytes that grow with each sequence of length `seq`: KV cache + activations.
fn per_sequence(model: &ModelShape, cfg: &ArrayConfig, seq: u64) -> (u64, u64) {
    let kv = (seq * model.layers as u64 * 2 * model.kv_dim() * cfg.kv_bits() as u64).div_ceil(8);
    let act = seq * (2 * model.hidden as u64 + 2 * model.ffn as u64) * 2;
    (kv, act)
}

/// Footprint of `batch` sequences of `seq` tokens.
pub fn footprint(model: &ModelShape, cfg: &ArrayConfig, batch: u64, seq: u64) -> Footprint {
    let (kv, act) = per_sequence(model, cfg, seq);
    Footprint {
        weights: weight_bytes(model, cfg),
        kv_cache: batch * kv,
        activations: batch * act,
    }
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

    #[test]
    fn footprint_parts_by_hand() {
        let m = tritone_reference::model("bitnet-b1.58-700m").unwrap();
        let cfg = ArrayConfig::default();
        let p = m.params();
        let f = footprint(&m, &cfg, 2, 512);
        assert_eq!(
            f.weights,
            p.linear.div_ceil(4) + 2 * (p.embedding + p.lm_head + p.norms)
        );
        // 24 layers, kv_dim 1536, FP16 KV.
        assert_eq!(f.kv_cache, 2 * 512 * 24 * 2 * 1536 * 2);
        assert_eq!(f.activations, 2 * 512 * (2 * 1536 + 2 * 4096) * 2);
        let fp = tritone_reference::model("llama-700m_fp16").unwrap();
        assert_eq!(
            footprint(&fp, &cfg, 2, 512).weights,
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
        assert!(footprint(&m, &cfg, b, 512).total() <= cap);
        assert!(footprint(&m, &cfg, b + 1, 512).total() > cap);
        assert_eq!(max_batch(&m, &cfg, 512, 1 << 30), 0);
    }
}
