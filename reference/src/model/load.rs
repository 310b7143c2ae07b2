//! Building a [`Model`] from a [`Checkpoint`]: tensor names, shapes and
//! dtypes checked against the config, ternary layers unpacked or quantized.

use std::path::Path;

use safetensors::tensor::Dtype;

use super::linear::{Linear, LinearLayer, TernaryLinear};
use super::{DecoderLayer, Model};
use crate::bitlinear::WeightScale;
use crate::checkpoint::{widen, Checkpoint};
use crate::error::{ReferenceError, Result};
use crate::hf_config::Quantization;
use crate::matrix::Matrix;
use crate::pack::{hf_packed_rows, unpack_hf};
use crate::quant::quantize_weights_absmean;
use crate::trit::Trit;

impl Model {
    /// Opens and loads a checkpoint directory.
    pub fn from_dir(dir: &Path) -> Result<Model> {
        Model::load(&Checkpoint::open(dir)?)
    }

    /// Loads every weight the config implies; refuses missing tensors, wrong
    /// shapes or dtypes, NaN/Inf, and invalid packed codes, naming the tensor.
    pub fn load(ckpt: &Checkpoint) -> Result<Model> {
        let config = ckpt.config().clone();
        let s = &config.shape;
        let (h, f, v) = (s.hidden as usize, s.ffn as usize, s.vocab as usize);
        let q_dim = s.heads as usize * config.head_dim as usize;
        let kv_dim = s.kv_heads as usize * config.head_dim as usize;
        let quant = config.quantization;
        let linear = |name: String, n: usize, k: usize| load_linear(ckpt, quant, name, n, k);
        let mut layers = Vec::with_capacity(s.layers as usize);
        for l in 0..s.layers as usize {
            let p = format!("model.layers.{l}");
            let norm = |name: &str, d: usize| ckpt.f32_tensor(&format!("{p}.{name}.weight"), &[d]);
            // transformers' sub-norm names, or the 1bitLLM reproductions'
            // (`inner_attn_ln`, `ffn_layernorm`) when only those are present.
            let sub = |name: &str, older: &str, d: usize| {
                if !s.subln {
                    return Ok(None);
                }
                let has = |n: &str| ckpt.contains(&format!("{p}.{n}.weight"));
                let stored = if !has(name) && has(older) {
                    older
                } else {
                    name
                };
                norm(stored, d).map(Some)
            };
            layers.push(DecoderLayer {
                input_norm: norm("input_layernorm", h)?,
                q: linear(format!("{p}.self_attn.q_proj"), q_dim, h)?,
                k: linear(format!("{p}.self_attn.k_proj"), kv_dim, h)?,
                v: linear(format!("{p}.self_attn.v_proj"), kv_dim, h)?,
                o: linear(format!("{p}.self_attn.o_proj"), h, q_dim)?,
                attn_sub_norm: sub("self_attn.attn_sub_norm", "self_attn.inner_attn_ln", h)?,
                post_attention_norm: norm("post_attention_layernorm", h)?,
                gate: linear(format!("{p}.mlp.gate_proj"), f, h)?,
                up: linear(format!("{p}.mlp.up_proj"), f, h)?,
                down: linear(format!("{p}.mlp.down_proj"), h, f)?,
                ffn_sub_norm: sub("mlp.ffn_sub_norm", "mlp.ffn_layernorm", f)?,
            });
        }
        let embed = ckpt.f32_tensor("model.embed_tokens.weight", &[v, h])?;
        let lm_head = if s.tied_embeddings {
            None
        } else {
            Some(ckpt.f32_tensor("lm_head.weight", &[v, h])?)
        };
        Ok(Model {
            embed,
            layers,
            norm: ckpt.f32_tensor("model.norm.weight", &[h])?,
            lm_head,
            config,
        })
    }
}

/// One linear layer `{name}.weight` ([n, k], or packed [⌈n/4⌉, k] U8) and,
/// for offline ternary layers, `{name}.weight_scale`.
fn load_linear(
    ckpt: &Checkpoint,
    quant: Option<Quantization>,
    name: String,
    n: usize,
    k: usize,
) -> Result<LinearLayer> {
    let wname = format!("{name}.weight");
    let linear = match quant {
        None => Linear::Dense(ckpt.f32_tensor(&wname, &[n, k])?),
        Some(Quantization::Online) => {
            let t = ckpt.tensor(&wname)?;
            if t.dtype == Dtype::U8 {
                return Err(ReferenceError::Dtype {
                    name: wname,
                    found: "U8 (packed)".into(),
                    expected: "F32, F16 or BF16 master weights (quantization_mode online)",
                });
            }
            let w = Matrix::new(&wname, n, k, ckpt.f32_tensor(&wname, &[n, k])?)?;
            let tw = quantize_weights_absmean(&w);
            // AutoBitLinear online dequantizes trits / scale.
            let scale = WeightScale::AutoBitLinear(tw.dequant_gamma());
            Linear::Ternary(TernaryLinear::new(tw.trits, scale))
        }
        Some(q) => {
            let trits = offline_trits(ckpt, &wname, n, k)?;
            let sname = format!("{name}.weight_scale");
            let value = scalar(ckpt, &sname)?;
            let scale = match q {
                Quantization::BitLinear => WeightScale::BitLinear(value),
                _ => WeightScale::AutoBitLinear(value),
            };
            Linear::Ternary(TernaryLinear::new(trits, scale))
        }
    };
    Ok(LinearLayer { name, n, k, linear })
}

/// Trits of an offline ternary layer: packed U8 (transformers' `pack_weights`
/// layout) or, for AutoBitLinear, a float tensor holding only −1, 0 and +1.
fn offline_trits(ckpt: &Checkpoint, wname: &str, n: usize, k: usize) -> Result<Vec<Trit>> {
    let t = ckpt.tensor(wname)?;
    if t.dtype == Dtype::U8 {
        let packed = ckpt.u8_tensor(wname, &[hf_packed_rows(n), k])?;
        return unpack_hf(packed, n, k)
            .map_err(|e| ReferenceError::Pack(format!("tensor `{wname}`: {e}")));
    }
    // The packed shape in another dtype: the dtype is what is wrong.
    if t.shape == [hf_packed_rows(n), k] && hf_packed_rows(n) != n {
        return Err(ReferenceError::Dtype {
            name: wname.to_string(),
            found: format!("{:?} in the packed shape {:?}", t.dtype, t.shape),
            expected: "U8 (packed ternary weights)",
        });
    }
    let values = ckpt.f32_tensor(wname, &[n, k])?;
    values
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            Trit::from_i8(v as i8)
                .filter(|t| t.to_i8() as f32 == v)
                .ok_or_else(|| ReferenceError::Tensor {
                    name: wname.to_string(),
                    reason: format!(
                        "holds {v} at [{}, {}]: offline ternary weights must be −1, 0 or +1 (or packed U8)",
                        i / k,
                        i % k
                    ),
                })
        })
        .collect()
}

/// A one-value tensor (shape [1] or []), finite and positive.
fn scalar(ckpt: &Checkpoint, name: &str) -> Result<f32> {
    let t = ckpt.tensor(name)?;
    if t.shape.iter().product::<usize>() != 1 || t.shape.len() > 1 {
        return Err(ReferenceError::Shape(format!(
            "tensor `{name}` has shape {:?}; expected one value ([1])",
            t.shape
        )));
    }
    let v = widen(&t)?[0];
    if !v.is_finite() {
        return Err(ReferenceError::NonFinite {
            name: name.to_string(),
            index: 0,
            row: 0,
            col: 0,
            value: v,
        });
    }
    if v <= 0.0 {
        return Err(ReferenceError::Tensor {
            name: name.to_string(),
            reason: format!("is {v}; a weight scale must be positive"),
        });
    }
    Ok(v)
}
