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
//!
//! On several devices ([`crate::config::System`]) each device holds its
//! pipeline stage's layers (the first stage also the embedding, the last the
//! final norm and LM head — the embedding again when tied), a
//! `1/tensor_parallel` share of their linear weights, embedding, LM head, KV
//! cache and activations, and a copy of their norms and router;
//! [`Footprint::per_device`] is the fullest device's.

use super::parallel::Layout;
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

    /// The fullest device's footprint when `cfg`'s system runs `batch`
    /// sequences of `seq` tokens (the whole footprint on one device).
    pub fn per_device(model: &ModelShape, cfg: &ArrayConfig, batch: u64, seq: u64) -> Footprint {
        device_shares(model, cfg, seq)
            .into_iter()
            .map(|d| Footprint {
                weights: d.weights,
                kv_cache: batch * d.kv_per_seq,
                activations: batch * d.act_per_seq,
            })
            .max_by_key(|f| f.total())
            .unwrap_or_default()
    }
}

/// Refuses a system whose devices cannot hold their share of `model` at
/// `batch` sequences of `seq` tokens, naming the parts.
pub fn check_capacity(
    model: &ModelShape,
    cfg: &ArrayConfig,
    layout: &Layout,
    batch: u64,
    seq: u64,
) -> Result<(), crate::SimError> {
    let Some(cap) = cfg.system().memory_bytes() else {
        return Ok(());
    };
    let f = Footprint::per_device(model, cfg, batch, seq);
    if f.total() <= cap {
        return Ok(());
    }
    let gb = |b: u64| b as f64 / 1e9;
    Err(crate::SimError::Model {
        name: model.name.clone(),
        why: format!(
            "{} device(s) of {} GiB (system.memory_gib) cannot hold it at batch {batch} and {seq} \
             tokens: the fullest device needs {:.1} GB (weights {:.1}, KV cache {:.1}, \
             activations {:.1}) of {:.1} GB; add devices or memory",
            layout.devices,
            cfg.system().memory_gib.unwrap_or_default(),
            gb(f.total()),
            gb(f.weights),
            gb(f.kv_cache),
            gb(f.activations),
            gb(cap)
        ),
    })
}

/// Weight bytes of `model` stored for `cfg`.
pub fn weight_bytes(model: &ModelShape, cfg: &ArrayConfig) -> u64 {
    let p = model.params();
    cfg.pe().dram_weight_bytes(cfg.weight_packing(), p.linear)
        + 2 * (p.embedding + p.lm_head + p.norms + p.router)
}

/// One device's share: its weights, and the bytes each sequence adds.
struct DeviceShare {
    weights: u64,
    kv_per_seq: u64,
    act_per_seq: u64,
}

/// Every device's share of `model` at `seq` tokens per sequence (one per
/// pipeline stage: the devices of a stage hold equal shares).
fn device_shares(model: &ModelShape, cfg: &ArrayConfig, seq: u64) -> Vec<DeviceShare> {
    let (kv, act) = per_sequence(model, cfg, seq);
    let sys = cfg.system();
    let (stages, t) = (sys.stages() as u64, sys.tensor_parallel as u64);
    let p = model.params();
    let layers = model.layers as u64;
    // A stage of one device: the model itself.
    if stages == 1 && t == 1 {
        return vec![DeviceShare {
            weights: weight_bytes(model, cfg),
            kv_per_seq: kv,
            act_per_seq: act,
        }];
    }
    let stage_layers: Vec<u64> = (0..stages.min(layers).max(1))
        .map(|s| layers / stages + u64::from(s < layers % stages))
        .collect();
    let last = stage_layers.len() - 1;
    let hidden = model.hidden as u64;
    let final_norm = hidden;
    let layer_norms = (p.norms - final_norm) / layers;
    stage_layers
        .iter()
        .enumerate()
        .map(|(s, &l)| {
            let linear = cfg
                .pe()
                .dram_weight_bytes(cfg.weight_packing(), p.linear / layers * l)
                .div_ceil(t);
            let mut fp16 = l * layer_norms + p.router / layers * l;
            let mut split = 0;
            if s == 0 {
                split += p.embedding;
            }
            if s == last {
                fp16 += final_norm;
                // A tied LM head is the embedding: the last stage holds it too.
                split += if p.lm_head > 0 || last == 0 {
                    p.lm_head
                } else {
                    p.embedding
                };
            }
            DeviceShare {
                weights: linear + 2 * fp16 + (2 * split).div_ceil(t),
                kv_per_seq: (kv / layers * l).div_ceil(t),
                act_per_seq: act.div_ceil(t),
            }
        })
        .collect()
}

/// Bytes that grow with each sequence of length `seq`: KV cache and activations.
fn per_sequence(model: &ModelShape, cfg: &ArrayConfig, seq: u64) -> (u64, u64) {
    let kv = (seq * model.layers as u64 * 2 * model.kv_dim() * cfg.kv_bits() as u64).div_ceil(8);
    let act = seq * (2 * model.hidden as u64 + 2 * model.ffn as u64) * 2;
    (kv, act)
}

/// The largest batch whose footprint at `seq` tokens fits `capacity` bytes
/// on every device of `cfg`'s system (0 when even the weights do not fit).
pub fn max_batch(model: &ModelShape, cfg: &ArrayConfig, seq: u64, capacity: u64) -> u64 {
    device_shares(model, cfg, seq)
        .iter()
        .map(|d| capacity.saturating_sub(d.weights) / (d.kv_per_seq + d.act_per_seq).max(1))
        .min()
        .unwrap_or(0)
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

    #[test]
    fn devices_share_the_model() {
        use crate::config::{ArraySpec, System};
        let m = tritone_reference::model("bitnet-b1.58-70b").unwrap();
        let one = ArrayConfig::default();
        let whole = Footprint::of(&m, &one, 4, 512);
        assert_eq!(Footprint::per_device(&m, &one, 4, 512), whole);
        let two = ArrayConfig::new(ArraySpec {
            system: Some(System {
                devices: 2,
                ..Default::default()
            }),
            ..Default::default()
        })
        .unwrap();
        let half = Footprint::per_device(&m, &two, 4, 512);
        // 40 layers each; the embedding on one, the LM head on the other.
        assert_eq!(half.kv_cache, whole.kv_cache / 2);
        assert!(half.weights < whole.weights / 2 + whole.weights / 100);
        assert!(half.weights > whole.weights / 2 - whole.weights / 100);
        let b = max_batch(&m, &two, 512, 80 << 30);
        assert!(Footprint::per_device(&m, &two, b, 512).total() <= 80 << 30);
        assert!(Footprint::per_device(&m, &two, b + 1, 512).total() > 80 << 30);
    }
}
