//! Fuzz-style properties of the parsers of user files owned by the reference
//! crate: safetensors files (header and data) and `config.json`. For every
//! input: no panic, a bounded time, and an error that names the input (the
//! file, the tensor or the field) on one line; what is accepted is usable.

use std::path::Path;

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use safetensors::tensor::{Dtype, TensorView};
use serde_json::{json, Map, Value};
use tritone_reference::zoo::MAX_PARAMS;
use tritone_reference::{load_config, load_model_config, read_matrix, read_tensor_f32};

#[path = "common/fuzz.rs"]
mod fuzz;
use fuzz::{fuzz, one_line};

// ---------------------------------------------------------------- safetensors

/// A header entry: a known or odd dtype, a shape with small, zero and huge
/// dimensions, offsets near and far from consistent.
fn tensor_entry() -> impl Strategy<Value = (String, Value)> {
    let name = prop_oneof![
        Just("weight".to_string()),
        Just("weight_scale".to_string()),
        Just("w\n2".to_string()),
        "[a-z_]{0,6}",
    ];
    let dtype = prop_oneof![
        Just(json!("F32")),
        Just(json!("F16")),
        Just(json!("BF16")),
        Just(json!("I64")),
        Just(json!("U8")),
        Just(json!("F8_E4M3")),
        Just(json!("f32")),
        Just(json!(7)),
    ];
    let dim = prop_oneof![
        0u64..5,
        Just(u32::MAX as u64),
        Just(u64::MAX),
        Just(1u64 << 62),
    ];
    let shape = prop::collection::vec(dim, 0..4);
    let offsets = prop_oneof![
        (0u64..64, 0u64..64).prop_map(|(a, b)| json!([a, a + b])),
        (any::<u64>(), any::<u64>()).prop_map(|(a, b)| json!([a, b])),
        Just(json!([0])),
        Just(json!("0-8")),
    ];
    (name, dtype, shape, offsets)
        .prop_map(|(n, d, s, o)| (n, json!({"dtype": d, "shape": s, "data_offsets": o})))
}

/// A safetensors file: a declared header length (true, short, long or
/// absurd), a header of entries (or raw text), then data bytes.
fn safetensors_bytes() -> impl Strategy<Value = Vec<u8>> {
    let header = prop_oneof![
        prop::collection::vec(tensor_entry(), 0..4).prop_map(|entries| {
            let mut m = Map::new();
            for (k, v) in entries {
                m.insert(k, v);
            }
            if m.len() % 2 == 1 {
                m.insert("__metadata__".into(), json!({"format": "pt"}));
            }
            Value::Object(m).to_string().into_bytes()
        }),
        prop::collection::vec(any::<u8>(), 0..40),
        Just(b"{\"weight\": ".to_vec()),
    ];
    let declared = prop_oneof![
        Just(None),
        (0u64..200).prop_map(Some),
        Just(Some(u64::MAX)),
        Just(Some(100_000_001)),
    ];
    let data = prop::collection::vec(any::<u8>(), 0..80);
    prop_oneof![
        // A well-formed file (so the tensor readers run), one byte flipped
        // or not.
        (
            prop::sample::select(vec![Dtype::F32, Dtype::F16, Dtype::BF16, Dtype::I64]),
            prop::collection::vec(0usize..4, 0..3),
            any::<u64>(),
            prop::option::of((any::<prop::sample::Index>(), any::<u8>())),
        )
            .prop_map(|(dtype, shape, seed, flip)| {
                let n: usize = shape.iter().product::<usize>() * dtype.size();
                let data: Vec<u8> = (0..n)
                    .map(|i| (seed >> (i % 8 * 8)) as u8 ^ i as u8)
                    .collect();
                let view = TensorView::new(dtype, shape, &data).unwrap();
                let mut b = safetensors::serialize([("weight", view)], &None).unwrap();
                if let Some((at, x)) = flip {
                    let i = at.index(b.len());
                    b[i] ^= x;
                }
                b
            }),
        (header, declared, data).prop_map(|(h, n, d)| {
            let n = n.unwrap_or(h.len() as u64);
            let mut b = n.to_le_bytes().to_vec();
            b.extend_from_slice(&h);
            b.extend_from_slice(&d);
            b
        }),
        prop::collection::vec(any::<u8>(), 0..24),
    ]
}

#[test]
fn safetensors_files_never_panic_and_errors_name_the_file_or_tensor() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("W.safetensors");
    let shown = path.display().to_string();
    let read = std::cell::Cell::new(0u32);
    fuzz("safetensors", 3000, safetensors_bytes(), |bytes| {
        std::fs::write(&path, &bytes).unwrap();
        for result in [
            read_tensor_f32(&path, "weight").map(|t| t.data.len()),
            read_matrix(&path, "weight").map(|m| m.data().len()),
        ] {
            match result {
                Ok(len) => {
                    read.set(read.get() + 1);
                    prop_assert!(len <= bytes.len() / 2);
                }
                Err(e) => {
                    let msg = e.to_string();
                    one_line(&msg)?;
                    prop_assert!(
                        msg.contains(&shown) || msg.contains("`weight`"),
                        "names neither the file nor the tensor: {msg}"
                    );
                }
            }
        }
        Ok(())
    });
    // The generator reaches the tensor readers, not only the header checks.
    assert!(read.get() > 100, "only {} tensors read", read.get());
}

// ---------------------------------------------------------------- config.json

/// A value for a config field: the usual ones and every kind of nonsense.
fn field_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        (1u64..5000).prop_map(|n| json!(n)),
        prop_oneof![
            Just(0u64),
            Just(1 << 31),
            Just(u32::MAX as u64),
            Just(1 << 32),
            Just(u64::MAX)
        ]
        .prop_map(|n| json!(n)),
        any::<i64>().prop_map(|n| json!(n)),
        prop_oneof![
            Just(0.5),
            Just(1e-5),
            Just(1e300),
            Just(-1.0),
            Just(1e-300),
            Just(2.0)
        ]
        .prop_map(|x| json!(x)),
        prop_oneof![
            Just("silu"),
            Just("relu2"),
            Just("gelu"),
            Just("bitnet"),
            Just("llama"),
            Just("linear"),
            Just("llama3"),
            Just("autobitlinear"),
            Just("online"),
            Just("a\nb"),
        ]
        .prop_map(|s| json!(s)),
        any::<bool>().prop_map(|b| json!(b)),
        Just(Value::Null),
        "\\PC{0,8}".prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("quant_method".to_string()),
                    Just("linear_class".to_string()),
                    Just("quantization_mode".to_string()),
                    Just("rope_type".to_string()),
                    Just("factor".to_string()),
                    Just("rope_theta".to_string()),
                    "[a-z_]{1,6}",
                ],
                inner,
                0..4
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

const FIELDS: [&str; 18] = [
    "architectures",
    "model_type",
    "hidden_size",
    "intermediate_size",
    "num_attention_heads",
    "num_key_value_heads",
    "num_hidden_layers",
    "vocab_size",
    "head_dim",
    "hidden_act",
    "tie_word_embeddings",
    "quantization_config",
    "rope_theta",
    "rope_scaling",
    "rope_parameters",
    "rms_norm_eps",
    "attention_bias",
    "mlp_bias",
];

/// A config: a valid small LLaMA or BitNet base with fields replaced,
/// removed or added, or raw text.
fn config_text() -> impl Strategy<Value = String> {
    let base = prop_oneof![
        Just(
            json!({"model_type": "llama", "hidden_size": 64, "intermediate_size": 96,
                    "num_attention_heads": 4, "num_hidden_layers": 2, "vocab_size": 32})
        ),
        Just(
            json!({"architectures": ["BitNetForCausalLM"], "hidden_size": 64,
                    "intermediate_size": 96, "num_attention_heads": 4,
                    "num_key_value_heads": 2, "num_hidden_layers": 2, "vocab_size": 32,
                    "quantization_config": {"quant_method": "bitnet"}})
        ),
    ];
    let edits = prop::collection::vec(
        (
            prop::sample::select(FIELDS.to_vec()),
            prop::option::weighted(0.85, field_value()),
        ),
        0..5,
    );
    prop_oneof![
        8 => (base, edits).prop_map(|(mut b, edits)| {
            let obj = b.as_object_mut().expect("an object");
            for (field, value) in edits {
                match value {
                    Some(v) => obj.insert(field.to_string(), v),
                    None => obj.remove(field),
                };
            }
            b.to_string()
        }),
        1 => "\\PC{0,40}",
        1 => prop::sample::select(vec!["", "[]", "{", "null", "{\"hidden_size\": }", "\u{feff}{}"])
            .prop_map(String::from),
    ]
}

fn check_config_error(msg: &str, path: &str) -> Result<(), TestCaseError> {
    one_line(msg)?;
    prop_assert!(msg.starts_with(path), "does not name the file: {msg}");
    prop_assert!(msg.len() < 600, "too long: {msg}");
    Ok(())
}

#[test]
fn config_files_never_panic_and_errors_name_the_file_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    let shown = path.display().to_string();
    let accepted = std::cell::Cell::new(0u32);
    fuzz("config.json", 4000, config_text(), |text| {
        std::fs::write(&path, &text).unwrap();
        let shape = match load_config(&path) {
            Ok(shape) => {
                accepted.set(accepted.get() + 1);
                prop_assert!(shape.validate().is_ok());
                prop_assert!(shape.params().total() <= MAX_PARAMS);
                Some(shape)
            }
            Err(e) => {
                check_config_error(&e.to_string(), &shown)?;
                None
            }
        };
        match load_model_config(&path) {
            Ok(c) => {
                // One shape for runs and for the simulator: same head
                // dimension, same parameter count.
                if let Some(shape) = &shape {
                    prop_assert_eq!(shape.head_dim(), c.head_dim);
                    prop_assert_eq!(shape.params(), c.params());
                }
                prop_assert!(c.params().total() <= MAX_PARAMS);
                prop_assert!(c.head_dim > 0 && c.head_dim % 2 == 0);
                prop_assert!(c.rms_norm_eps > 0.0 && c.rms_norm_eps.is_finite());
            }
            Err(e) => check_config_error(&e.to_string(), &shown)?,
        }
        Ok(())
    });
    assert!(
        accepted.get() > 100,
        "only {} configs accepted",
        accepted.get()
    );
}

#[test]
fn a_config_that_never_ends_is_refused_at_the_limit() {
    // The guard behind "never hangs": text inputs are read up to a limit.
    let p = Path::new("/dev/zero");
    if p.exists() {
        let e = load_config(p).unwrap_err().to_string();
        assert!(e.contains("/dev/zero") && e.contains("64 MiB"), "{e}");
    }
}
