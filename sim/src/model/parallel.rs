//! Several devices running one model: how the layers and the batch are laid
//! out over them, the links' transfer times, and how the devices' times
//! compose into a phase time.
//!
//! - **Pipeline parallelism** (GPipe-style): the layers are split into `p`
//!   stages of ⌊L/p⌋ or ⌈L/p⌉ consecutive layers (the first `L mod p`
//!   stages take one more), the embedding on the first stage and the final
//!   norm and LM head on the last; the batch is split into `m` micro-batches
//!   (at most the batch) that follow each other through the stages. Between
//!   stages each micro-batch's hidden state crosses a link (FP16).
//!   - A prefill of `m` micro-batches through stages of `t_s` cycles ends
//!     `(m − 1)·max_s t_s + Σ_s t_s + (p − 1)·hop` after it starts.
//!   - A decode step ends when every stage has served all `m` micro-batches
//!     (`m·max_s t_s`) and when each micro-batch has gone round the ring of
//!     stages and back to the first for its next token (`Σ_s t_s + p·hop`):
//!     `max(m·max_s t_s, Σ_s t_s + p·hop)`; one stage gives `m·t`.
//! - **Tensor parallelism**: each stage's layers are split over `t` devices
//!   ([`super::graph`]); the all-reduce of the hidden state after o_proj and
//!   down_proj is a ring: `2(t − 1)` steps, each moving `1/t` of the bytes
//!   over a link and paying its latency.

use super::graph::Phase;
use crate::config::ArrayConfig;
use crate::error::SimError;
use serde::Serialize;
use tritone_reference::ModelShape;

/// How one inference is laid out over the devices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Layout {
    /// Devices: stages × tensor-parallel devices.
    pub devices: u64,
    /// Pipeline stages.
    pub stages: u64,
    /// Tensor-parallel devices per stage.
    pub tensor: u64,
    /// Micro-batches.
    pub micro_batches: u64,
    /// Sequences per micro-batch, ⌈B / m⌉.
    pub micro_batch: u64,
    /// Decoder layers of each stage, first to last.
    pub stage_layers: Vec<u64>,
}

impl Layout {
    /// The layout of `batch` sequences of `model` on `cfg`'s system, or why
    /// the system cannot run the model.
    pub fn of(cfg: &ArrayConfig, model: &ModelShape, batch: u64) -> Result<Layout, SimError> {
        let sys = cfg.system();
        let (stages, tensor) = (sys.stages() as u64, sys.tensor_parallel as u64);
        let layers = model.layers as u64;
        let refuse = |why: String| SimError::Model {
            name: model.name.clone(),
            why,
        };
        if stages > layers {
            return Err(refuse(format!(
                "system.devices = {} with tensor_parallel = {tensor} makes {stages} pipeline \
                 stages, more than the model's {layers} layers",
                sys.devices
            )));
        }
        if !(model.kv_heads as u64).is_multiple_of(tensor) {
            return Err(refuse(format!(
                "system.tensor_parallel = {tensor} does not divide the model's {} KV heads \
                 (each device takes whole heads)",
                model.kv_heads
            )));
        }
        let micro_batches = (sys.micro_batches() as u64).min(batch).max(1);
        let stage_layers = (0..stages)
            .map(|s| layers / stages + u64::from(s < layers % stages))
            .collect();
        Ok(Layout {
            devices: sys.devices as u64,
            stages,
            tensor,
            micro_batches,
            micro_batch: batch.div_ceil(micro_batches),
            stage_layers,
        })
    }

    /// Whether one device runs everything.
    pub fn single(&self) -> bool {
        self.devices == 1
    }

    /// The pipeline time of one prefill from its stages' times (cycles of
    /// one micro-batch through each stage) and the hop between stages.
    pub fn prefill_time(&self, stage: &[u128], hop: u128) -> u128 {
        let m = self.micro_batches as u128;
        let max = stage.iter().copied().max().unwrap_or(0);
        let sum: u128 = stage.iter().sum();
        (m - 1) * max + sum + (self.stages as u128 - 1) * hop
    }

    /// The pipeline time of one decode step from its stages' times and the
    /// hop between stages.
    pub fn decode_step_time(&self, stage: &[u128], hop: u128) -> u128 {
        let m = self.micro_batches as u128;
        let max = stage.iter().copied().max().unwrap_or(0);
        let sum: u128 = stage.iter().sum();
        let ring = if self.stages > 1 {
            sum + self.stages as u128 * hop
        } else {
            sum
        };
        (m * max).max(ring)
    }

    /// The time of one phase run on the pipeline.
    pub fn phase_time(&self, phase: Phase, stage: &[u128], hop: u128) -> u128 {
        match phase {
            Phase::Prefill => self.prefill_time(stage, hop),
            Phase::Decode => self.decode_step_time(stage, hop),
        }
    }
}

/// A device-to-device link at the clock, in exact integers (1 MB/s and
/// 1 kHz resolution, like the DRAM rate).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkRate {
    mbps: u128,
    khz: u128,
    latency: u128,
}

impl LinkRate {
    /// The link of `cfg`'s system.
    pub fn of(cfg: &ArrayConfig) -> LinkRate {
        let sys = cfg.system();
        let khz = (cfg.clock_mhz() * 1000.0).round().max(1.0) as u128;
        LinkRate {
            mbps: ((sys.link_gbps * 1000.0).round() as u128).max(1),
            khz,
            // µs · kHz / 1000 = cycles.
            latency: (sys.link_latency_us * cfg.clock_mhz()).ceil() as u128,
        }
    }

    /// Cycles of one transfer of `bytes`: its latency plus
    /// ⌈bytes · kHz / (1000 · MB/s)⌉.
    pub fn transfer(&self, bytes: u128) -> u128 {
        self.latency + (bytes * self.khz).div_ceil(1000 * self.mbps)
    }

    /// Cycles of a ring all-reduce of `bytes` over `devices` devices:
    /// `2(t − 1)` transfers of `⌈bytes / t⌉`.
    pub fn all_reduce(&self, bytes: u128, devices: u64) -> u128 {
        let t = devices as u128;
        if t <= 1 {
            return 0;
        }
        2 * (t - 1) * self.transfer(bytes.div_ceil(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ArraySpec, System};

    fn cfg(system: System) -> ArrayConfig {
        ArrayConfig::new(ArraySpec {
            system: Some(system),
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn layers_split_evenly_with_the_remainder_first() {
        let m = tritone_reference::model("bitnet-b1.58-3b").unwrap(); // 26 layers
        let c = cfg(System {
            devices: 4,
            ..Default::default()
        });
        let l = Layout::of(&c, &m, 10).unwrap();
        assert_eq!(l.stage_layers, vec![7, 7, 6, 6]);
        assert_eq!((l.micro_batches, l.micro_batch), (4, 3));
        // At batch 1 there is one micro-batch.
        assert_eq!(Layout::of(&c, &m, 1).unwrap().micro_batches, 1);
    }

    #[test]
    fn impossible_systems_are_refused_with_the_reason() {
        let m = tritone_reference::model("bitnet-b1.58-70b").unwrap(); // 80 layers, 8 KV heads
        let e = Layout::of(
            &cfg(System {
                devices: 81,
                ..Default::default()
            }),
            &m,
            1,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("81 pipeline stages") && e.contains("80 layers"),
            "{e}"
        );
        let e = Layout::of(
            &cfg(System {
                devices: 3,
                tensor_parallel: 3,
                ..Default::default()
            }),
            &m,
            1,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("tensor_parallel = 3") && e.contains("8 KV heads"),
            "{e}"
        );
    }

    #[test]
    fn pipeline_times_by_hand() {
        let m = tritone_reference::model("bitnet-b1.58-3b").unwrap();
        let l = Layout::of(
            &cfg(System {
                devices: 2,
                micro_batches: Some(4),
                ..Default::default()
            }),
            &m,
            8,
        )
        .unwrap();
        // Stages of 10 and 12 cycles, hop 1: prefill 3·12 + 22 + 1.
        assert_eq!(l.prefill_time(&[10, 12], 1), 59);
        // Decode: max(4·12, 22 + 2·1).
        assert_eq!(l.decode_step_time(&[10, 12], 1), 48);
        assert_eq!(l.decode_step_time(&[10, 12], 20), 62);
    }

    #[test]
    fn link_transfers_and_all_reduce() {
        // 32 GB/s at 1 GHz = 32 B/cycle, 2 µs = 2000 cycles.
        let r = LinkRate::of(&ArrayConfig::default());
        assert_eq!(r.transfer(64), 2002);
        // 4 devices: 6 transfers of 1/4 of 1024 bytes.
        assert_eq!(r.all_reduce(1024, 4), 6 * (2000 + 8));
        assert_eq!(r.all_reduce(1024, 1), 0);
    }
}
