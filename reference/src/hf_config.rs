//! Loading a HuggingFace `config.json` (LLaMA and BitNet architectures) into a
//! [`ModelShape`].
//!
//! Recognized `architectures`: `LlamaForCausalLM` (FP16 baseline, no subln,
//! untied by default like `LlamaConfig`), `BitnetForCausalLM` (1bitLLM) and
//! `BitNetForCausalLM` (bitnet-b1.58-2B-4T): ternary with subln, tied by
//! default (notes: bitnet-models.md). `hidden_act` `silu` (the default) gives
//! SwiGLU, `relu2` the ReLU²-gated FFN.

use std::path::Path;

use serde_json::{Map, Value};

use crate::error::{ReferenceError, Result};
use crate::zoo::{FfnKind, ModelShape, WeightKind};

/// Reads and converts a `config.json` file. The model is named after the
/// file's directory (HF checkpoints are directories), else after the file.
pub fn load_config(path: &Path) -> Result<ModelShape> {
    let text = std::fs::read_to_string(path).map_err(|source| ReferenceError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let name = path
        .canonicalize()
        .ok()
        .and_then(|p| p.parent()?.file_name()?.to_str().map(str::to_string))
        .unwrap_or_else(|| path.display().to_string());
    parse_config(&text, &name, &path.display().to_string()).map_err(|reason| {
        ReferenceError::Config {
            path: path.to_path_buf(),
            reason,
        }
    })
}

/// Converts the text of a `config.json`; `name` and `source` go into the shape.
/// The error string names the offending field.
pub fn parse_config(
    text: &str,
    name: &str,
    source: &str,
) -> std::result::Result<ModelShape, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("malformed JSON: {e}"))?;
    let obj = value
        .as_object()
        .ok_or("expected a JSON object at the top level")?;
    let arch = architecture(obj)?;
    let (weights, subln, tied_default) = match arch {
        "LlamaForCausalLM" => (WeightKind::Fp16, false, false),
        "BitnetForCausalLM" | "BitNetForCausalLM" => (WeightKind::Ternary, true, true),
        other => {
            return Err(format!(
                "unsupported architecture `{other}` (supported: LlamaForCausalLM, \
                 BitnetForCausalLM, BitNetForCausalLM)"
            ))
        }
    };
    let heads = required_u32(obj, "num_attention_heads")?;
    let ffn_kind = match obj.get("hidden_act") {
        None => FfnKind::SwiGlu,
        Some(Value::String(s)) if s == "silu" || s == "swish" => FfnKind::SwiGlu,
        Some(Value::String(s)) if s == "relu2" => FfnKind::ReluSquaredGated,
        Some(other) => {
            return Err(format!(
                "field `hidden_act` is {other}; supported: \"silu\", \"relu2\""
            ))
        }
    };
    let tied_embeddings = match obj.get("tie_word_embeddings") {
        None | Some(Value::Null) => tied_default,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(format!(
                "field `tie_word_embeddings` is {other}, expected true or false"
            ))
        }
    };
    let shape = ModelShape {
        name: name.to_string(),
        weights,
        hidden: required_u32(obj, "hidden_size")?,
        ffn: required_u32(obj, "intermediate_size")?,
        layers: required_u32(obj, "num_hidden_layers")?,
        heads,
        kv_heads: optional_u32(obj, "num_key_value_heads")?.unwrap_or(heads),
        vocab: required_u32(obj, "vocab_size")?,
        ffn_kind,
        tied_embeddings,
        subln,
        source: format!("{source} ({arch})"),
    };
    shape.validate()?;
    Ok(shape)
}

fn architecture(obj: &Map<String, Value>) -> std::result::Result<&str, String> {
    match obj.get("architectures") {
        None => Err("missing field `architectures`".to_string()),
        Some(Value::Array(a)) => match a.as_slice() {
            [Value::String(s)] => Ok(s),
            _ => Err(format!(
                "field `architectures` must list exactly one name, found {}",
                Value::Array(a.clone())
            )),
        },
        Some(other) => Err(format!("field `architectures` is {other}, expected a list")),
    }
}

fn optional_u32(obj: &Map<String, Value>, field: &str) -> std::result::Result<Option<u32>, String> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(n) if n > 0 => Ok(Some(n)),
            _ => Err(format!(
                "field `{field}` is {v}, expected a positive integer"
            )),
        },
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
    fn errors_name_the_field() {
        let cases = [
            ("[1]", "top level"),
            ("{", "malformed JSON"),
            (r#"{"hidden_size": 8}"#, "`architectures`"),
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
