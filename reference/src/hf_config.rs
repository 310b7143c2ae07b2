//! Loading a HuggingFace `config.json` (LLaMA and BitNet architectures) into a
//! [`ModelShape`], and, for running a checkpoint, into a [`ModelConfig`] with
//! everything the forward pass reads.
//!
//! Recognized `architectures` (or, when absent, `model_type`):
//! `LlamaForCausalLM` (`llama`: FP16 baseline, no subln), `MixtralForCausalLM`
//! (`mixtral`: LLaMA with a Mixture-of-Experts FFN), `BitnetForCausalLM`
//! (1bitLLM) and `BitNetForCausalLM` (`bitnet`, bitnet-b1.58-2B-4T): subln
//! norms before o_proj and down_proj. Any of them may carry Mixtral's MoE
//! fields, `num_local_experts` and `num_experts_per_tok` (transformers'
//! MixtralConfig default: 2); an MoE shape is simulated, not run. Defaults follow transformers 5.x's
//! config classes (notes: bitnet-models.md): `tie_word_embeddings` false,
//! `hidden_act` `silu` for LLaMA and `relu2` for BitNet, `rms_norm_eps` 1e-6
//! (LLaMA) or 1e-5 (BitNet), `rope_theta` 10000 (LLaMA) or 500000 (BitNet).
//!
//! `quantization_config` decides whether the linear layers are ternary, as it
//! decides which layers transformers swaps for its BitNet classes: with
//! `quant_method` `bitnet` any architecture is ternary; without one, the
//! 1bitLLM and BitNet architectures are ternary (their own code quantizes
//! online) and LLaMA is full precision.

use std::path::Path;

use serde_json::{Map, Value};

use crate::error::{ReferenceError, Result};
use crate::zoo::{FfnKind, ModelShape, Moe, WeightKind};

/// Reads and converts a `config.json` file. The model is named after the
/// file's directory (HF checkpoints are directories), else after the file.
pub fn load_config(path: &Path) -> Result<ModelShape> {
    let text = read_config_text(path)?;
    parse_config(&text, &config_name(path), &path.display().to_string()).map_err(|reason| {
        ReferenceError::Config {
            path: path.to_path_buf(),
            reason,
        }
    })
}

/// The text of a `config.json`, read with the limit of every text input.
fn read_config_text(path: &Path) -> Result<String> {
    crate::input::read_text(path, crate::input::MAX_TEXT_BYTES).map_err(|source| {
        ReferenceError::Io {
            path: path.to_path_buf(),
            source,
        }
    })
}

/// A model read from `path` is named after its directory (HF checkpoints
/// are directories), else after the file; names that are not UTF-8 are
/// shown with replacement characters, the same way everywhere.
fn config_name(path: &Path) -> String {
    path.canonicalize()
        .ok()
        .and_then(|p| Some(p.parent()?.file_name()?.to_string_lossy().into_owned()))
        .unwrap_or_else(|| path.display().to_string())
}

/// Converts the text of a `config.json`; `name` and `source` go into the shape.
/// The error string names the offending field.
///
/// A `head_dim` other than `hidden_size / num_attention_heads` is kept in the
/// shape ([`ModelShape::head_dim`]): the q and o projections, the attention
/// and the parameter count follow it.
pub fn parse_config(
    text: &str,
    name: &str,
    source: &str,
) -> std::result::Result<ModelShape, String> {
    Ok(parse_shape(text, name, source)?.1)
}

/// `shape` with the config's `head_dim`, if any: kept when it differs from
/// `hidden / heads`; refused when BitNet's subln norms cannot take it, when
/// it is odd (RoPE rotates pairs), and when the parameters pass
/// [`crate::zoo::MAX_PARAMS`].
fn with_head_dim(
    obj: &Map<String, Value>,
    mut shape: ModelShape,
) -> std::result::Result<ModelShape, String> {
    let Some(head_dim) = optional_u32(obj, "head_dim")? else {
        return Ok(shape);
    };
    if shape.subln && head_dim as u64 * shape.heads as u64 != shape.hidden as u64 {
        return Err(format!(
            "field `head_dim` is {head_dim}: BitNet's attn_sub_norm needs heads · head_dim = hidden_size ({})",
            shape.hidden
        ));
    }
    if head_dim % 2 != 0 {
        return Err(format!(
            "field `head_dim` is {head_dim}; RoPE needs an even head dimension"
        ));
    }
    if head_dim != shape.head_dim() {
        shape.head_dim = Some(head_dim);
    }
    let total = shape.params().total();
    if total > crate::zoo::MAX_PARAMS {
        return Err(format!(
            "field `head_dim` is {head_dim}: with {} heads the model has {} parameters, \
             more than the limit {} (2^50)",
            shape.heads,
            if total == u64::MAX {
                "more than 2^64".to_string()
            } else {
                total.to_string()
            },
            crate::zoo::MAX_PARAMS
        ));
    }
    Ok(shape)
}

/// The shape of a config whatever its `head_dim`, with the parsed object.
fn parse_shape(
    text: &str,
    name: &str,
    source: &str,
) -> std::result::Result<(Map<String, Value>, ModelShape), String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("malformed JSON: {e}"))?;
    let Value::Object(obj) = value else {
        return Err("expected a JSON object at the top level".into());
    };
    let arch = architecture(&obj)?;
    let (mut weights, subln, default_act) = match arch {
        "LlamaForCausalLM" | "MixtralForCausalLM" => (WeightKind::Fp16, false, FfnKind::SwiGlu),
        "BitnetForCausalLM" => (WeightKind::Ternary, true, FfnKind::SwiGlu),
        "BitNetForCausalLM" => (WeightKind::Ternary, true, FfnKind::ReluSquaredGated),
        other => {
            return Err(format!(
                "unsupported architecture `{}` (supported: LlamaForCausalLM, \
                 MixtralForCausalLM, BitnetForCausalLM, BitNetForCausalLM)",
                clip(&other)
            ))
        }
    };
    if quantization(&obj)?.is_some() {
        weights = WeightKind::Ternary;
    }
    let heads = required_u32(&obj, "num_attention_heads")?;
    let ffn_kind = match obj.get("hidden_act") {
        None | Some(Value::Null) => default_act,
        Some(Value::String(s)) if s == "silu" || s == "swish" => FfnKind::SwiGlu,
        Some(Value::String(s)) if s == "relu2" => FfnKind::ReluSquaredGated,
        Some(other) => {
            return Err(format!(
                "field `hidden_act` is {}; supported: \"silu\", \"relu2\"",
                clip(&other)
            ))
        }
    };
    let tied_embeddings = match obj.get("tie_word_embeddings") {
        // transformers' default for both LlamaConfig and BitNetConfig.
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(format!(
                "field `tie_word_embeddings` is {}, expected true or false",
                clip(&other)
            ))
        }
    };
    let shape = ModelShape {
        name: name.to_string(),
        weights,
        hidden: required_u32(&obj, "hidden_size")?,
        ffn: required_u32(&obj, "intermediate_size")?,
        layers: required_u32(&obj, "num_hidden_layers")?,
        heads,
        kv_heads: optional_u32(&obj, "num_key_value_heads")?.unwrap_or(heads),
        head_dim: None,
        vocab: required_u32(&obj, "vocab_size")?,
        ffn_kind,
        tied_embeddings,
        subln,
        source: format!("{source} ({arch})"),
        moe: moe(&obj, arch)?,
    };
    let shape = with_head_dim(&obj, shape)?;
    shape.validate()?;
    Ok((obj, shape))
}

/// Mixtral's MoE fields: `num_local_experts` (required for an MoE, and by
/// `MixtralForCausalLM`) and `num_experts_per_tok` (default 2, as
/// transformers' MixtralConfig).
fn moe(obj: &Map<String, Value>, arch: &str) -> std::result::Result<Option<Moe>, String> {
    let experts = optional_u32(obj, "num_local_experts")?;
    let top_k = optional_u32(obj, "num_experts_per_tok")?;
    match (experts, top_k) {
        (None, None) if arch == "MixtralForCausalLM" => {
            Err("missing field `num_local_experts` (MixtralForCausalLM)".to_string())
        }
        (None, None) => Ok(None),
        (None, Some(_)) => Err(
            "field `num_experts_per_tok` without `num_local_experts`: give the expert count"
                .to_string(),
        ),
        (Some(experts), top_k) => {
            let m = Moe {
                experts,
                top_k: top_k.unwrap_or(2),
            };
            m.validate()?;
            Ok(Some(m))
        }
    }
}

fn architecture(obj: &Map<String, Value>) -> std::result::Result<&str, String> {
    match obj.get("architectures") {
        None | Some(Value::Null) => match obj.get("model_type").and_then(Value::as_str) {
            Some("llama") => Ok("LlamaForCausalLM"),
            Some("mixtral") => Ok("MixtralForCausalLM"),
            Some("bitnet") => Ok("BitNetForCausalLM"),
            Some(other) => Err(format!(
                "no field `architectures`, and `model_type` `{}` is not supported \
                 (supported: llama, mixtral, bitnet)",
                clip(&other)
            )),
            None => Err("missing field `architectures` (and no `model_type`)".to_string()),
        },
        Some(Value::Array(a)) => match a.as_slice() {
            [Value::String(s)] => Ok(s),
            _ => Err(format!(
                "field `architectures` must list exactly one name, found {}",
                clip(&Value::Array(a.clone()))
            )),
        },
        Some(other) => Err(format!(
            "field `architectures` is {}, expected a list",
            clip(&other)
        )),
    }
}

/// How a checkpoint's ternary layers are stored and applied: transformers'
/// `quantization_config` (`linear_class`, `quantization_mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantization {
    /// `linear_class` `bitlinear` (the default): packed U8 weights and
    /// `weight_scale` = 1/γ; `y = acc / (weight_scale · s)`.
    BitLinear,
    /// `linear_class` `autobitlinear`, `quantization_mode` `offline`: packed or
    /// ternary-valued weights and `weight_scale` = γ; `y = (Σ q/s · t) · γ`.
    AutoBitLinearOffline,
    /// `autobitlinear` `online`, or a ternary architecture without
    /// `quantization_config`: full-precision master weights quantized on the fly.
    Online,
}

/// The `quantization_config` of a config, if it has one; refuses methods and
/// options the forward pass does not implement, naming the field.
fn quantization(obj: &Map<String, Value>) -> std::result::Result<Option<Quantization>, String> {
    let q = match obj.get("quantization_config") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(q)) => q,
        Some(other) => {
            return Err(format!(
                "field `quantization_config` is {}, expected an object",
                clip(&other)
            ))
        }
    };
    let field = |name: &str| q.get(name).filter(|v| !v.is_null());
    match field("quant_method") {
        Some(Value::String(m)) if m == "bitnet" => {}
        other => {
            return Err(format!(
                "field `quantization_config.quant_method` is {}; only \"bitnet\" is supported",
                other.map_or("missing".to_string(), clip)
            ))
        }
    }
    if let Some(v) = field("use_rms_norm") {
        if v != &Value::Bool(false) {
            return Err(format!(
                "field `quantization_config.use_rms_norm` is {}; only false is supported",
                clip(&v)
            ));
        }
    }
    if let Some(v) = field("modules_to_not_convert") {
        let only_head = v.as_array().is_some_and(|a| {
            a.iter()
                .all(|m| m.as_str().is_some_and(|m| m.starts_with("lm_head")))
        });
        if !only_head {
            return Err(format!(
                "field `quantization_config.modules_to_not_convert` is {}; only the LM head may stay full precision", clip(&v)
            ));
        }
    }
    // A name given as anything but a string is refused, not defaulted.
    let name = |key: &str, default: &'static str| match field(key) {
        None => Ok(default.to_string()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(v) => Err(format!(
            "field `quantization_config.{key}` is {}, expected a string",
            clip(v)
        )),
    };
    let (class, mode) = (
        name("linear_class", "bitlinear")?,
        name("quantization_mode", "offline")?,
    );
    match (class.as_str(), mode.as_str()) {
        ("bitlinear", "offline") => Ok(Some(Quantization::BitLinear)),
        ("autobitlinear", "offline") => Ok(Some(Quantization::AutoBitLinearOffline)),
        ("autobitlinear", "online") => Ok(Some(Quantization::Online)),
        ("bitlinear", m) => Err(format!(
            "field `quantization_config.quantization_mode` is {}; the bitlinear class is offline only",
            clip(&Value::from(m))
        )),
        (c, m) => Err(format!(
            "field `quantization_config` has linear_class {} and quantization_mode {}; \
             supported: bitlinear/offline, autobitlinear/offline, autobitlinear/online",
            clip(&Value::from(c)),
            clip(&Value::from(m))
        )),
    }
}

impl Quantization {
    /// The `quantization_config` words for it: `bitlinear/offline`,
    /// `autobitlinear/offline` or `autobitlinear/online`.
    pub fn config_name(self) -> &'static str {
        match self {
            Quantization::BitLinear => "bitlinear/offline",
            Quantization::AutoBitLinearOffline => "autobitlinear/offline",
            Quantization::Online => "autobitlinear/online",
        }
    }
}

/// RoPE frequency scaling (transformers' `rope_type`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RopeScaling {
    /// `default`: inv_freq = 1 / θ^(2i/d).
    None,
    /// `linear`: inv_freq / factor.
    Linear {
        /// The factor.
        factor: f32,
    },
    /// `llama3`: long wavelengths divided by `factor`, a smooth ramp between.
    Llama3 {
        /// `factor`.
        factor: f32,
        /// `low_freq_factor`.
        low_freq_factor: f32,
        /// `high_freq_factor`.
        high_freq_factor: f32,
        /// `original_max_position_embeddings`.
        original_max_position_embeddings: f32,
    },
}

/// Rotary position embedding parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rope {
    /// θ, the base wavelength.
    pub theta: f32,
    /// Frequency scaling.
    pub scaling: RopeScaling,
}

/// What the forward pass of a checkpoint reads from its `config.json`.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelConfig {
    /// The shape (sizes, FFN kind, tying, subln, ternary or not).
    pub shape: ModelShape,
    /// Per-head dimension (`head_dim`, else hidden / heads): the shape's
    /// [`ModelShape::head_dim`].
    pub head_dim: u32,
    /// RMSNorm ε.
    pub rms_norm_eps: f32,
    /// RoPE parameters.
    pub rope: Rope,
    /// How the ternary layers are stored; `None` for a full-precision model.
    pub quantization: Option<Quantization>,
}

impl ModelConfig {
    /// Parameter counts with this config's `head_dim`.
    pub fn params(&self) -> crate::zoo::ParamCounts {
        self.shape.params()
    }
}

/// Reads a checkpoint's `config.json` into a [`ModelConfig`].
pub fn load_model_config(path: &Path) -> Result<ModelConfig> {
    let text = read_config_text(path)?;
    parse_run_config(&text, &config_name(path), &path.display().to_string()).map_err(|reason| {
        ReferenceError::Config {
            path: path.to_path_buf(),
            reason,
        }
    })
}

/// Converts the text of a checkpoint's `config.json` into a [`ModelConfig`]
/// (shape and run-time fields, `head_dim` honoured); the error names the field.
pub fn parse_run_config(
    text: &str,
    name: &str,
    source: &str,
) -> std::result::Result<ModelConfig, String> {
    let (_, shape) = parse_shape(text, name, source)?;
    parse_model_config(text, shape)
}

/// The run-time fields of a `config.json` whose shape is already parsed.
pub fn parse_model_config(
    text: &str,
    shape: ModelShape,
) -> std::result::Result<ModelConfig, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("malformed JSON: {e}"))?;
    let obj = value
        .as_object()
        .ok_or("expected a JSON object at the top level")?;
    if let Some(m) = shape.moe {
        return Err(format!(
            "fields `num_local_experts` = {} and `num_experts_per_tok` = {}: the forward pass \
             runs dense models only (an MoE config is simulated, not run)",
            m.experts, m.top_k
        ));
    }
    let llama = architecture(obj)? == "LlamaForCausalLM";
    for flag in ["attention_bias", "mlp_bias"] {
        match obj.get(flag) {
            None | Some(Value::Null) | Some(Value::Bool(false)) => {}
            Some(v) => {
                return Err(format!(
                    "field `{flag}` is {}; only false is supported",
                    clip(&v)
                ))
            }
        }
    }
    let quantization = match (quantization(obj)?, shape.weights) {
        (Some(q), _) => Some(q),
        (None, WeightKind::Ternary) => Some(Quantization::Online),
        (None, WeightKind::Fp16) => None,
    };
    let shape = with_head_dim(obj, shape)?;
    let head_dim = shape.head_dim();
    if head_dim % 2 != 0 {
        return Err(format!(
            "head dimension hidden_size / num_attention_heads = {head_dim}; RoPE needs an even \
             head dimension"
        ));
    }
    let rms_norm_eps =
        optional_f32(obj, "rms_norm_eps")?.unwrap_or(if llama { 1e-6 } else { 1e-5 });
    let rope = rope(obj, if llama { 10000.0 } else { 500000.0 })?;
    Ok(ModelConfig {
        shape,
        head_dim,
        rms_norm_eps,
        rope,
        quantization,
    })
}

/// RoPE from `rope_parameters` (transformers 5.x) or the older `rope_theta`
/// and `rope_scaling` fields.
fn rope(obj: &Map<String, Value>, default_theta: f32) -> std::result::Result<Rope, String> {
    let (params, prefix) = match obj.get("rope_parameters") {
        Some(Value::Object(p)) => (Some(p), "rope_parameters"),
        None | Some(Value::Null) => match obj.get("rope_scaling") {
            Some(Value::Object(p)) => (Some(p), "rope_scaling"),
            None | Some(Value::Null) => (None, "rope_scaling"),
            Some(v) => {
                return Err(format!(
                    "field `rope_scaling` is {}, expected an object",
                    clip(&v)
                ))
            }
        },
        Some(v) => {
            return Err(format!(
                "field `rope_parameters` is {}, expected an object",
                clip(&v)
            ))
        }
    };
    let num = |name: &str| -> std::result::Result<Option<f32>, String> {
        match params {
            Some(p) => optional_f32(p, name)
                .map_err(|e| e.replace("field `", &format!("field `{prefix}."))),
            None => Ok(None),
        }
    };
    let theta = match num("rope_theta")? {
        Some(t) => t,
        None => optional_f32(obj, "rope_theta")?.unwrap_or(default_theta),
    };
    // transformers reads the factor from the RoPE parameters or, in older
    // configs, from the top level (and moves it into the parameters).
    let partial = match num("partial_rotary_factor")? {
        Some(f) => Some((format!("{prefix}.partial_rotary_factor"), f)),
        None => optional_f32(obj, "partial_rotary_factor")?
            .map(|f| ("partial_rotary_factor".to_string(), f)),
    };
    if let Some((field, f)) = partial {
        if f != 1.0 {
            return Err(format!("field `{field}` is {f}; only 1.0 is supported"));
        }
    }
    let kind = params
        .and_then(|p| p.get("rope_type").or_else(|| p.get("type")))
        .and_then(Value::as_str)
        .unwrap_or("default");
    let need = |name: &str| {
        num(name)?.ok_or_else(|| format!("missing field `{prefix}.{name}` (rope_type {kind})"))
    };
    let scaling = match kind {
        "default" => RopeScaling::None,
        "linear" => RopeScaling::Linear {
            factor: need("factor")?,
        },
        "llama3" => RopeScaling::Llama3 {
            factor: need("factor")?,
            low_freq_factor: need("low_freq_factor")?,
            high_freq_factor: need("high_freq_factor")?,
            original_max_position_embeddings: need("original_max_position_embeddings")?,
        },
        other => {
            return Err(format!(
                "field `{prefix}.rope_type` is \"{}\"; supported: default, linear, llama3",
                clip(&other)
            ))
        }
    };
    Ok(Rope { theta, scaling })
}

fn optional_f32(obj: &Map<String, Value>, field: &str) -> std::result::Result<Option<f32>, String> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_f64() {
            Some(x) if x.is_finite() && x > 0.0 && x <= f32::MAX as f64 && x as f32 > 0.0 => {
                Ok(Some(x as f32))
            }
            Some(x) if x > 0.0 => Err(format!(
                "field `{field}` is {}, outside the positive range of f32 ({:e} to {:e})",
                shorten(&v.to_string()),
                f32::from_bits(1),
                f32::MAX
            )),
            _ => Err(format!(
                "field `{field}` is {}, expected a positive number",
                shorten(&v.to_string())
            )),
        },
    }
}

/// A positive integer field; "too large" and "not positive" are told apart.
fn optional_u32(obj: &Map<String, Value>, field: &str) -> std::result::Result<Option<u32>, String> {
    let v = match obj.get(field) {
        None | Some(Value::Null) => return Ok(None),
        Some(v) => v,
    };
    let shown = shorten(&v.to_string());
    match v {
        Value::Number(n) if n.as_u64().is_some() => {
            let n = n.as_u64().expect("checked");
            match u32::try_from(n) {
                Ok(0) => Err(format!("field `{field}` is 0, expected a positive integer")),
                Ok(x) => Ok(Some(x)),
                Err(_) => Err(format!(
                    "field `{field}` is {n}, more than {}, the largest supported",
                    u32::MAX
                )),
            }
        }
        Value::Number(n) if n.as_i64().is_some() => Err(format!(
            "field `{field}` is {shown}, expected a positive integer"
        )),
        Value::Number(n) if n.as_f64().is_some_and(|x| x > u32::MAX as f64) => Err(format!(
            "field `{field}` is {shown}, more than {}, the largest supported",
            u32::MAX
        )),
        _ => Err(format!(
            "field `{field}` is {shown}, expected a positive integer"
        )),
    }
}

/// A value from the file as shown in a message (see [`shorten`]).
fn clip(v: &impl std::fmt::Display) -> String {
    shorten(&v.to_string())
}

/// A JSON value as shown in a message: at most 60 characters, one line.
fn shorten(text: &str) -> String {
    let one_line = text.replace(['\n', '\r'], " ");
    match one_line.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &one_line[..i]),
        None => one_line,
    }
}

fn required_u32(obj: &Map<String, Value>, field: &str) -> std::result::Result<u32, String> {
    optional_u32(obj, field)?.ok_or_else(|| format!("missing field `{field}`"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zoo::model;

    /// The fields of microsoft/bitnet-b1.58-2B-4T's config.json that matter here.
    const BITNET_2B4T: &str = r#"{
        "architectures": ["BitNetForCausalLM"], "hidden_act": "relu2",
        "hidden_size": 2560, "intermediate_size": 6912, "num_attention_heads": 20,
        "num_hidden_layers": 30, "num_key_value_heads": 5, "vocab_size": 128256,
        "tie_word_embeddings": true, "rope_theta": 500000.0, "rms_norm_eps": 1e-05
    }"#;

    #[test]
    fn bitnet_2b4t_config_matches_the_zoo() {
        let s = parse_config(BITNET_2B4T, "bitnet-b1.58-2b-4t", "test").unwrap();
        let z = model("bitnet-b1.58-2b-4t").unwrap();
        assert_eq!(
            ModelShape {
                source: z.source.clone(),
                ..s
            },
            z
        );
    }

    #[test]
    fn llama_defaults_kv_heads_and_untied() {
        let text = r#"{"architectures": ["LlamaForCausalLM"], "hidden_size": 4096,
            "intermediate_size": 11008, "num_attention_heads": 32, "num_hidden_layers": 32,
            "vocab_size": 32000, "hidden_act": "silu"}"#;
        let s = parse_config(text, "llama-7b_fp16", "test").unwrap();
        let z = model("llama-7b_fp16").unwrap();
        assert_eq!(
            ModelShape {
                source: z.source.clone(),
                ..s
            },
            z
        );
    }

    #[test]
    fn mixtral_config_matches_the_zoo_and_moe_errors_name_the_field() {
        // mistralai/Mixtral-8x7B-v0.1's config.json, the fields that matter.
        let text = r#"{"architectures": ["MixtralForCausalLM"], "hidden_act": "silu",
            "hidden_size": 4096, "intermediate_size": 14336, "num_attention_heads": 32,
            "num_hidden_layers": 32, "num_key_value_heads": 8, "vocab_size": 32000,
            "num_local_experts": 8, "num_experts_per_tok": 2, "tie_word_embeddings": false}"#;
        let s = parse_config(text, "mixtral-8x7b_fp16", "test").unwrap();
        let z = model("mixtral-8x7b_fp16").unwrap();
        assert_eq!(
            ModelShape {
                source: z.source.clone(),
                ..s.clone()
            },
            z
        );
        // An MoE shape is simulated, never run.
        assert!(parse_model_config(text, s)
            .unwrap_err()
            .contains("num_local_experts"));
        let base = r#""model_type": "llama", "hidden_size": 64, "intermediate_size": 96,
            "num_attention_heads": 4, "num_hidden_layers": 1, "vocab_size": 32"#;
        for (extra, needle) in [
            (
                r#", "num_local_experts": 2, "num_experts_per_tok": 3"#,
                "num_experts_per_tok) = 3",
            ),
            (r#", "num_local_experts": 0"#, "`num_local_experts` is 0"),
            (
                r#", "num_experts_per_tok": 2"#,
                "without `num_local_experts`",
            ),
        ] {
            let e = parse_config(&format!("{{{base}{extra}}}"), "t", "test").unwrap_err();
            assert!(e.contains(needle), "{extra}: {e}");
        }
        let mixtral = format!("{{{}}}", base.replace("\"llama\"", "\"mixtral\""));
        let e = parse_config(&mixtral, "t", "test").unwrap_err();
        assert!(e.contains("num_local_experts"), "{e}");
        // Top-2 is transformers' default.
        let d = parse_config(
            &format!("{{{base}, \"num_local_experts\": 4}}"),
            "t",
            "test",
        )
        .unwrap();
        assert_eq!(
            d.moe,
            Some(Moe {
                experts: 4,
                top_k: 2
            })
        );
    }

    const TINY: &str = r#""model_type": "llama", "hidden_size": 64, "intermediate_size": 96,
        "num_attention_heads": 4, "num_hidden_layers": 1, "vocab_size": 32"#;

    fn run_config(extra: &str) -> std::result::Result<ModelConfig, String> {
        let text = format!("{{{TINY}{extra}}}");
        parse_run_config(&text, "t", "test")
    }

    #[test]
    fn head_dim_is_honoured_by_runs_and_shapes() {
        // hidden 64, 4 heads: hidden / heads = 16; head_dim 24 sets it apart.
        let c = run_config(r#", "head_dim": 24"#).unwrap();
        let p = c.params();
        // q, o: 64 × 96; k, v: 64 × 96 (4 KV heads); FFN 3 · 64 · 96.
        assert_eq!(p.linear, 2 * 64 * 96 + 2 * 64 * 96 + 3 * 64 * 96);
        let derived = ModelShape {
            head_dim: None,
            ..c.shape.clone()
        };
        assert_ne!(p.total(), derived.params().total());
        // Shapes (simulator, energy, reports) honour it too.
        let text = format!("{{{TINY}, \"head_dim\": 24}}");
        let shape = parse_config(&text, "t", "test").unwrap();
        assert_eq!(
            (shape.head_dim(), shape.q_dim(), shape.kv_dim()),
            (24, 96, 96)
        );
        assert_eq!(shape.params(), p);
        // A head_dim equal to hidden / heads is just the default.
        let text = format!("{{{TINY}, \"head_dim\": 16}}");
        let plain = format!("{{{TINY}}}");
        assert_eq!(
            parse_config(&text, "t", "test").unwrap(),
            parse_config(&plain, "t", "test").unwrap()
        );
        // heads · head_dim past 32 bits neither wraps nor panics.
        let e = run_config(
            r#", "hidden_size": 65536, "num_attention_heads": 65536, "head_dim": 4294967294"#,
        )
        .unwrap_err();
        assert!(e.contains("head_dim") && e.contains("limit"), "{e}");
    }

    #[test]
    fn too_large_is_told_apart_from_not_positive() {
        for (extra, needle) in [
            (r#", "vocab_size": 8589934592"#, "more than 4294967295"),
            (r#", "vocab_size": 1e300"#, "more than 4294967295"),
            (r#", "vocab_size": 0"#, "is 0, expected a positive integer"),
            (
                r#", "vocab_size": -3"#,
                "is -3, expected a positive integer",
            ),
            (
                r#", "vocab_size": 2.5"#,
                "is 2.5, expected a positive integer",
            ),
            (
                r#", "rms_norm_eps": 1e300"#,
                "outside the positive range of f32",
            ),
            (
                r#", "rms_norm_eps": 1e-300"#,
                "outside the positive range of f32",
            ),
            (r#", "hidden_act": "a\nb""#, "`hidden_act` is \"a\\nb\""),
            // Found by a long fuzz run: a line break inside quant_method.
            (
                r#", "quantization_config": {"quant_method": "a\nb"}"#,
                "`quantization_config.quant_method` is \"a\\nb\"",
            ),
            (
                r#", "quantization_config": {"quant_method": 5}"#,
                "`quantization_config.quant_method` is 5",
            ),
            (
                r#", "quantization_config": {"quant_method": "bitnet", "linear_class": 5}"#,
                "`quantization_config.linear_class` is 5, expected a string",
            ),
            (
                r#", "quantization_config": {"quant_method": "bitnet", "quantization_mode": "x\ny"}"#,
                "`quantization_config.quantization_mode` is \"x\\ny\"",
            ),
            // The older top-level spelling is refused as the nested one is.
            (
                r#", "partial_rotary_factor": 0.5"#,
                "field `partial_rotary_factor` is 0.5; only 1.0 is supported",
            ),
            // Refused before per-layer state is allocated.
            (
                r#", "num_hidden_layers": 100000000"#,
                "num_hidden_layers) = 100000000 is more than the limit 4096",
            ),
        ] {
            // The later key wins in serde_json: the extra field overrides TINY's.
            let e = run_config(extra).unwrap_err();
            assert!(e.contains(needle), "{extra}: {e}");
            assert!(!e.contains('\n'), "one line: {e}");
        }
        // hidden 2^31 with the other sizes near 2^32: refused, never wrapped.
        let huge = r#"{"model_type": "llama", "hidden_size": 2147483648,
            "intermediate_size": 4294967295, "num_attention_heads": 1,
            "num_hidden_layers": 4096, "vocab_size": 4294967295}"#;
        let e = parse_config(huge, "t", "test").unwrap_err();
        assert!(e.contains("limit") && e.contains("2147483648"), "{e}");
    }

    #[test]
    fn model_config_defaults_follow_transformers() {
        let c = run_config("").unwrap();
        assert_eq!((c.head_dim, c.rms_norm_eps), (16, 1e-6));
        assert_eq!(
            c.rope,
            Rope {
                theta: 10000.0,
                scaling: RopeScaling::None
            }
        );
        assert_eq!(c.quantization, None);
        assert!(!c.shape.tied_embeddings);
        let b = r#"{"model_type": "bitnet", "hidden_size": 64, "intermediate_size": 96,
            "num_attention_heads": 4, "num_hidden_layers": 1, "vocab_size": 32,
            "quantization_config": {"quant_method": "bitnet"}}"#;
        let c = parse_model_config(b, parse_config(b, "t", "test").unwrap()).unwrap();
        assert_eq!(c.quantization, Some(Quantization::BitLinear));
        assert_eq!((c.rope.theta, c.rms_norm_eps), (500000.0, 1e-5));
        assert_eq!(c.shape.ffn_kind, FfnKind::ReluSquaredGated);
        assert_eq!(c.shape.weights, WeightKind::Ternary);
    }

    #[test]
    fn model_config_reads_rope_and_quantization() {
        let c = run_config(
            r#", "head_dim": 24, "rope_theta": 1e4,
            "rope_scaling": {"rope_type": "linear", "factor": 2.0},
            "quantization_config": {"quant_method": "bitnet", "linear_class": "autobitlinear",
                                    "quantization_mode": "online"}"#,
        )
        .unwrap();
        assert_eq!(c.head_dim, 24);
        assert_eq!(c.rope.scaling, RopeScaling::Linear { factor: 2.0 });
        assert_eq!(c.quantization, Some(Quantization::Online));
        assert_eq!(c.shape.weights, WeightKind::Ternary);
        for (extra, needle) in [
            (
                r#", "rope_parameters": {"rope_type": "yarn", "factor": 2.0}"#,
                "rope_parameters.rope_type",
            ),
            (
                r#", "rope_parameters": {"rope_type": "llama3", "factor": 2.0}"#,
                "rope_parameters.low_freq_factor",
            ),
            (r#", "attention_bias": true"#, "attention_bias"),
            (r#", "rms_norm_eps": -1"#, "rms_norm_eps"),
            (r#", "head_dim": 15"#, "head_dim"),
        ] {
            let e = run_config(extra).unwrap_err();
            assert!(e.contains(needle), "{extra}: {e}");
        }
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            ("[1]", "top level"),
            ("{", "malformed JSON"),
            (r#"{"hidden_size": 8}"#, "`architectures`"),
            (r#"{"model_type": "gpt2"}"#, "`model_type` `gpt2`"),
            (
                r#"{"model_type": "llama", "quantization_config": {"quant_method": "gptq"}}"#,
                "quant_method",
            ),
            (
                r#"{"architectures": ["GPT2LMHeadModel"]}"#,
                "GPT2LMHeadModel",
            ),
            (
                r#"{"architectures": ["LlamaForCausalLM"], "num_attention_heads": 2}"#,
                "`hidden_size`",
            ),
            (
                r#"{"architectures": ["LlamaForCausalLM"], "num_attention_heads": 2, "hidden_size": -4}"#,
                "`hidden_size` is -4",
            ),
            (
                r#"{"architectures": ["LlamaForCausalLM"], "num_attention_heads": 2, "hidden_act": "gelu"}"#,
                "`hidden_act`",
            ),
            (
                r#"{"model_type": "bitnet", "quantization_config": {"quant_method": "bitnet", "use_rms_norm": true}}"#,
                "use_rms_norm",
            ),
            (
                r#"{"architectures": ["LlamaForCausalLM"], "num_attention_heads": 3, "hidden_size": 8,
                    "intermediate_size": 8, "num_hidden_layers": 1, "vocab_size": 8}"#,
                "not a multiple of heads",
            ),
        ];
        for (text, needle) in cases {
            let err = parse_config(text, "x", "test").unwrap_err();
            assert!(err.contains(needle), "{text}: {err}");
        }
    }
}
