//! Random-weight BitNet checkpoints written in the layout transformers loads
//! (`BitNetForCausalLM`, `quantization_config` bitlinear/offline: packed U8
//! weights in `pack_weights` order and `weight_scale` = 1/γ), for benchmarks
//! and tests that need a model of a given size without shipping one.

use std::path::Path;

use crate::atomic::write_atomic;
use crate::error::{ReferenceError, Result};
use crate::pack::{hf_packed_rows, pack_hf};
use crate::safetensors_io::{write_tensors, NamedTensor, TensorData};
use crate::trit::Trit;

/// The shape of a synthetic BitNet model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyntheticModel {
    /// Hidden size.
    pub hidden: u32,
    /// FFN size.
    pub ffn: u32,
    /// Decoder layers.
    pub layers: u32,
    /// Attention heads.
    pub heads: u32,
    /// KV heads.
    pub kv_heads: u32,
    /// Vocabulary.
    pub vocab: u32,
    /// Whether the LM head is the embedding.
    pub tied: bool,
    /// Seed of the weights.
    pub seed: u64,
}

impl SyntheticModel {
    /// A 12-layer, 768-wide model with a 32000-token untied vocabulary:
    /// 134 M parameters (85 M ternary), the size of GPT-2 small.
    pub const SMALL_134M: SyntheticModel = SyntheticModel {
        hidden: 768,
        ffn: 2048,
        layers: 12,
        heads: 12,
        kv_heads: 12,
        vocab: 32000,
        tied: false,
        seed: 12,
    };

    /// The `config.json` text.
    pub fn config_json(&self) -> String {
        serde_json::json!({
            "architectures": ["BitNetForCausalLM"],
            "model_type": "bitnet",
            "hidden_size": self.hidden,
            "intermediate_size": self.ffn,
            "num_hidden_layers": self.layers,
            "num_attention_heads": self.heads,
            "num_key_value_heads": self.kv_heads,
            "vocab_size": self.vocab,
            "hidden_act": "relu2",
            "rms_norm_eps": 1e-5,
            "rope_theta": 500000.0,
            "tie_word_embeddings": self.tied,
            "quantization_config": {
                "quant_method": "bitnet",
                "linear_class": "bitlinear",
                "quantization_mode": "offline"
            }
        })
        .to_string()
    }

    /// Writes `config.json` and `model.safetensors` into `dir`.
    pub fn write(&self, dir: &Path) -> Result<()> {
        let mut rng = SplitMix64(self.seed);
        let (h, f, v) = (self.hidden as usize, self.ffn as usize, self.vocab as usize);
        let hd = h / self.heads as usize;
        let kv = self.kv_heads as usize * hd;
        let mut tensors = Vec::new();
        let dense = |name: &str, shape: &[usize], scale: f32, rng: &mut SplitMix64| {
            let n: usize = shape.iter().product();
            let data = (0..n).map(|_| rng.uniform() * scale).collect();
            NamedTensor::new(name, shape, TensorData::F32(data))
        };
        tensors.push(dense("model.embed_tokens.weight", &[v, h], 1.0, &mut rng));
        if !self.tied {
            tensors.push(dense("lm_head.weight", &[v, h], 1.0, &mut rng));
        }
        let ones =
            |name: String, d: usize| NamedTensor::new(&name, &[d], TensorData::F32(vec![1.0; d]));
        tensors.push(ones("model.norm.weight".into(), h));
        for l in 0..self.layers as usize {
            let p = format!("model.layers.{l}");
            for (name, n, k) in [
                ("self_attn.q_proj", h, h),
                ("self_attn.k_proj", kv, h),
                ("self_attn.v_proj", kv, h),
                ("self_attn.o_proj", h, h),
                ("mlp.gate_proj", f, h),
                ("mlp.up_proj", f, h),
                ("mlp.down_proj", h, f),
            ] {
                let trits: Vec<Trit> = (0..n * k)
                    .map(|_| Trit::ALL[(rng.next() % 3) as usize])
                    .collect();
                tensors.push(NamedTensor::new(
                    &format!("{p}.{name}.weight"),
                    &[hf_packed_rows(n), k],
                    TensorData::U8(pack_hf(&trits, n, k)),
                ));
                // weight_scale = 1/γ with γ = 1/√k keeps every output O(1).
                tensors.push(NamedTensor::new(
                    &format!("{p}.{name}.weight_scale"),
                    &[1],
                    TensorData::F32(vec![(k as f32).sqrt()]),
                ));
            }
            for (name, d) in [
                ("input_layernorm", h),
                ("post_attention_layernorm", h),
                ("self_attn.attn_sub_norm", h),
                ("mlp.ffn_sub_norm", f),
            ] {
                tensors.push(ones(format!("{p}.{name}.weight"), d));
            }
        }
        write_tensors(&dir.join(crate::checkpoint::WEIGHTS_FILE), &tensors)?;
        let config = dir.join("config.json");
        write_atomic(&config, self.config_json().as_bytes()).map_err(|source| ReferenceError::Io {
            path: config,
            source,
        })
    }
}

/// SplitMix64, so the weights are identical on every platform.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [−1, 1).
    fn uniform(&mut self) -> f32 {
        ((self.next() >> 40) as f32) / (1u64 << 23) as f32 - 1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AttentionOptions, Model, ReferenceBackend};

    #[test]
    fn a_synthetic_checkpoint_loads_and_runs() {
        let dir = tempfile::tempdir().unwrap();
        let spec = SyntheticModel {
            hidden: 32,
            ffn: 48,
            layers: 2,
            heads: 4,
            kv_heads: 2,
            vocab: 50,
            tied: true,
            seed: 1,
        };
        spec.write(dir.path()).unwrap();
        let model = Model::from_dir(dir.path()).unwrap();
        assert_eq!(
            model.config.shape.params().ternary(),
            2 * (2 * 32 * 32 + 2 * 32 * 16 + 3 * 32 * 48)
        );
        let g = model
            .generate(
                &ReferenceBackend,
                AttentionOptions::default(),
                &[1, 2, 3],
                4,
                &mut |_, _| {},
            )
            .unwrap();
        assert_eq!(g.ids.len(), 7);
        assert_eq!(g.logits.len(), 7 * 50);
        // Teacher forcing over the same ids gives the same logits bit for bit.
        let s = model
            .score(&ReferenceBackend, AttentionOptions::default(), &g.ids)
            .unwrap();
        assert_eq!(s, g.logits);
    }

    /// The 1bitLLM reproductions name the sub-norms `inner_attn_ln` and
    /// `ffn_layernorm`; a checkpoint so named runs as the same model.
    #[test]
    fn sub_norms_under_their_1bitllm_names_load_alike() {
        use safetensors::tensor::{SafeTensors, TensorView};
        let spec = SyntheticModel {
            hidden: 32,
            ffn: 48,
            layers: 2,
            heads: 4,
            kv_heads: 4,
            vocab: 40,
            tied: false,
            seed: 3,
        };
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        spec.write(a.path()).unwrap();
        spec.write(b.path()).unwrap();
        let file = b.path().join(crate::checkpoint::WEIGHTS_FILE);
        let bytes = std::fs::read(&file).unwrap();
        let st = SafeTensors::deserialize(&bytes).unwrap();
        let renamed: Vec<(String, TensorView)> = st
            .tensors()
            .into_iter()
            .map(|(name, view)| {
                let name = name
                    .replace("self_attn.attn_sub_norm", "self_attn.inner_attn_ln")
                    .replace("mlp.ffn_sub_norm", "mlp.ffn_layernorm");
                (name, view)
            })
            .collect();
        assert!(renamed
            .iter()
            .any(|(n, _)| n.ends_with("ffn_layernorm.weight")));
        let text = safetensors::serialize(renamed, &None).unwrap();
        std::fs::write(&file, text).unwrap();
        let run = |dir: &Path| {
            Model::from_dir(dir)
                .unwrap()
                .score(
                    &ReferenceBackend,
                    AttentionOptions::default(),
                    &[1, 5, 9, 2],
                )
                .unwrap()
        };
        assert_eq!(run(a.path()), run(b.path()));
    }
}
