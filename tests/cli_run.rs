//! CLI tests of `tritone run` on the committed fixture checkpoints
//! (scripts/fixtures/make_fixtures.py): transformers' logits and greedy ids,
//! hardware choices against the reference, and bad input.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use serde_json::Value;

mod common;
use common::{failure, stdout, tritone};

/// Largest |Δlogit| accepted against transformers (float32).
const LOGIT_TOL: f32 = 1e-4;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("reference/tests/fixtures/checkpoints")
        .join(name)
}

fn expected(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture(name).join("expected.json")).unwrap())
        .unwrap()
}

fn ids_arg(v: &Value) -> String {
    v.as_array()
        .unwrap()
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn run(dir: &Path, extra: &[&str]) -> std::process::Output {
    let prompt = ids_arg(&expected("bitnet-packed")["prompt"]);
    let mut args = vec![
        "run",
        "--checkpoint",
        dir.to_str().unwrap(),
        "--ids",
        &prompt,
    ];
    args.extend_from_slice(extra);
    tritone(&args)
}

fn f32s(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

#[test]
fn run_matches_transformers_logits_and_greedy_ids() {
    for name in ["bitnet-packed", "bitnet-master", "llama"] {
        let e = expected(name);
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("logits.safetensors");
        let text = stdout(&run(
            &fixture(name),
            &["--decode", "32", "--out", out.to_str().unwrap()],
        ));
        let greedy: Vec<String> = e["greedy"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.to_string())
            .collect();
        assert!(
            text.contains(&format!("generated (32 ids): {}", greedy.join(" "))),
            "{name}: {text}"
        );
        let ours = std::fs::read(&out).unwrap();
        let ours = SafeTensors::deserialize(&ours).unwrap();
        let theirs = std::fs::read(fixture(name).join("expected.safetensors")).unwrap();
        let theirs = SafeTensors::deserialize(&theirs).unwrap();
        let (a, b) = (
            f32s(ours.tensor("logits").unwrap().data()),
            f32s(theirs.tensor("logits").unwrap().data()),
        );
        assert_eq!(ours.tensor("logits").unwrap().shape(), &[40, 256]);
        let worst = a
            .iter()
            .zip(&b)
            .fold(0.0f32, |m, (x, y)| m.max((x - y).abs()));
        assert!(worst <= LOGIT_TOL, "{name}: max |Δlogit| {worst}");
        assert_eq!(ours.tensor("ids").unwrap().dtype(), Dtype::I32);
    }
}

fn hardware(extra: &[&str]) -> Value {
    let mut args = vec!["--decode", "32", "--json"];
    args.extend_from_slice(extra);
    let v: Value =
        serde_json::from_str(&stdout(&run(&fixture("bitnet-autobitlinear"), &args))).unwrap();
    v["hardware"].clone()
}

#[test]
fn full_width_array_changes_nothing() {
    // The overflow-free accumulator computes the reference's integers exactly.
    for design in [
        &["--array"][..],
        &["--array", "--rows", "16", "--cols", "8", "--pe", "mac-int8"],
    ] {
        let h = hardware(design);
        assert_eq!(h["max_abs_logit_diff"], 0.0, "{design:?}: {h}");
        assert_eq!(h["mean_kl"], 0.0);
        assert_eq!(h["greedy_tokens_agree"], 32);
    }
}

#[test]
fn a_too_small_accumulator_changes_the_outputs() {
    let h = hardware(&[
        "--array",
        "--rows",
        "128",
        "--cols",
        "128",
        "--acc-bits",
        "10",
    ]);
    assert!(h["choice"].as_str().unwrap().contains("wraps"), "{h}");
    assert!(h["max_abs_logit_diff"].as_f64().unwrap() > 1.0, "{h}");
    assert!(h["mean_kl"].as_f64().unwrap() > 0.1, "{h}");
    assert!(h["top1_agreement"].as_f64().unwrap() < 0.5, "{h}");
}

#[test]
fn quantized_attention_and_kv_cache_are_measured() {
    let int8 = hardware(&["--attention", "int8", "--kv-bits", "8"]);
    let int4 = hardware(&["--kv-bits", "4"]);
    for h in [&int8, &int4] {
        assert!(h["max_abs_logit_diff"].as_f64().unwrap() > 0.0, "{h}");
    }
    // Four bits lose more than eight.
    assert!(int4["mean_kl"].as_f64().unwrap() > int8["mean_kl"].as_f64().unwrap());
    // The design's TOML fields are the defaults of --attention and --kv-bits.
    let dir = tempfile::tempdir().unwrap();
    let arch = dir.path().join("arch.toml");
    std::fs::write(&arch, "attention = \"int8\"\nkv_bits = 8\n").unwrap();
    let from_toml = hardware(&["--array", "--arch", arch.to_str().unwrap()]);
    assert_eq!(from_toml["max_abs_logit_diff"], int8["max_abs_logit_diff"]);
}

/// Copies a fixture checkpoint into a temporary directory.
fn copy(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(fixture(name)).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.path().join(e.file_name())).unwrap();
    }
    dir
}

/// Rewrites a safetensors file through `edit` (name → (dtype, shape, bytes)).
fn rewrite(path: &Path, edit: impl FnOnce(&mut HashMap<String, (Dtype, Vec<usize>, Vec<u8>)>)) {
    let bytes = std::fs::read(path).unwrap();
    let st = SafeTensors::deserialize(&bytes).unwrap();
    let mut map: HashMap<String, (Dtype, Vec<usize>, Vec<u8>)> = st
        .tensors()
        .into_iter()
        .map(|(n, v)| (n, (v.dtype(), v.shape().to_vec(), v.data().to_vec())))
        .collect();
    edit(&mut map);
    let views: Vec<(String, TensorView)> = map
        .iter()
        .map(|(n, (d, s, b))| (n.clone(), TensorView::new(*d, s.clone(), b).unwrap()))
        .collect();
    std::fs::write(path, safetensors::serialize(views, &None).unwrap()).unwrap();
}

fn edit_config(dir: &Path, edit: impl FnOnce(&mut Value)) {
    let p = dir.join("config.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    edit(&mut v);
    std::fs::write(&p, v.to_string()).unwrap();
}

type Corrupt = Box<dyn Fn(&Path)>;

#[test]
fn bad_input_fails_clearly_without_output() {
    let packed = "bitnet-packed";
    let cases: Vec<(&str, &str, Corrupt, &[&str], &str)> = vec![
        (
            "missing tensor",
            packed,
            Box::new(|d| rewrite(&d.join("model.safetensors"), |m| {
                m.remove("model.layers.1.mlp.up_proj.weight");
            })),
            &[],
            "no tensor named `model.layers.1.mlp.up_proj.weight`",
        ),
        (
            "missing weight_scale",
            packed,
            Box::new(|d| rewrite(&d.join("model.safetensors"), |m| {
                m.remove("model.layers.0.self_attn.o_proj.weight_scale");
            })),
            &[],
            "`model.layers.0.self_attn.o_proj.weight_scale`",
        ),
        (
            "shape mismatch",
            packed,
            Box::new(|d| edit_config(d, |v| v["intermediate_size"] = 128.into())),
            &[],
            "tensor `model.layers.0.mlp.gate_proj.weight` has shape [40, 64]; the config implies [32, 64]",
        ),
        (
            "zero weight_scale",
            packed,
            Box::new(|d| rewrite(&d.join("model.safetensors"), |m| {
                let e = m.get_mut("model.layers.1.mlp.down_proj.weight_scale").unwrap();
                e.2 = 0f32.to_le_bytes().to_vec();
            })),
            &[],
            "tensor `model.layers.1.mlp.down_proj.weight_scale` is 0; a weight scale must be positive",
        ),
        (
            "float offline weights that are not ternary",
            packed,
            Box::new(|d| {
                edit_config(d, |v| v["quantization_config"]["linear_class"] = "autobitlinear".into());
                rewrite(&d.join("model.safetensors"), |m| {
                    let data: Vec<u8> = (0..64 * 64).flat_map(|i| (if i == 5 { 0.5f32 } else { 1.0 }).to_le_bytes()).collect();
                    m.insert("model.layers.0.self_attn.q_proj.weight".into(), (Dtype::F32, vec![64, 64], data));
                })
            }),
            &[],
            "tensor `model.layers.0.self_attn.q_proj.weight` holds 0.5 at [0, 5]",
        ),
        (
            "wrong dtype",
            packed,
            Box::new(|d| rewrite(&d.join("model.safetensors"), |m| {
                m.insert("model.norm.weight".into(), (Dtype::I32, vec![64], vec![0; 256]));
            })),
            &[],
            "tensor `model.norm.weight` has dtype I32",
        ),
        (
            "packed weights with an online config",
            packed,
            Box::new(|d| edit_config(d, |v| {
                v["quantization_config"]["linear_class"] = "autobitlinear".into();
                v["quantization_config"]["quantization_mode"] = "online".into();
            })),
            &[],
            "`model.layers.0.self_attn.q_proj.weight` has dtype U8",
        ),
        (
            "NaN in weights",
            packed,
            Box::new(|d| rewrite(&d.join("model.safetensors"), |m| {
                let e = m.get_mut("model.embed_tokens.weight").unwrap();
                e.2[4 * 70..4 * 71].copy_from_slice(&f32::NAN.to_le_bytes());
            })),
            &[],
            "`model.embed_tokens.weight` holds the non-finite value NaN at flat index 70",
        ),
        (
            "sharded index pointing at a missing file",
            "llama",
            Box::new(|d| std::fs::remove_file(d.join("model-00002-of-00002.safetensors")).unwrap()),
            &[],
            "model-00002-of-00002.safetensors, which does not exist",
        ),
        (
            "unsupported config",
            packed,
            Box::new(|d| edit_config(d, |v| v["rope_parameters"]["rope_type"] = "yarn".into())),
            &[],
            "`rope_parameters.rope_type` is \"yarn\"",
        ),
        (
            "unsupported architecture",
            packed,
            Box::new(|d| edit_config(d, |v| v["model_type"] = "gpt2".into())),
            &[],
            "`model_type` `gpt2` is not supported",
        ),
        (
            "token id out of vocabulary",
            packed,
            Box::new(|_| {}),
            // Appended to the 8-id prompt: positions 8 and 9.
            &["--ids", "5,256"],
            "token id 256 at position 9 is outside the vocabulary (vocab_size 256)",
        ),
        (
            "design options without --array",
            packed,
            Box::new(|_| {}),
            &["--acc-bits", "12"],
            "need --array",
        ),
        (
            "KV bits",
            packed,
            Box::new(|_| {}),
            &["--kv-bits", "3"],
            "--kv-bits 3",
        ),
        (
            "--array on a full-precision model",
            "llama",
            Box::new(|_| {}),
            &["--array"],
            "has none",
        ),
    ];
    for (what, name, corrupt, extra, needle) in cases {
        let dir = copy(name);
        corrupt(dir.path());
        let out = dir.path().join("out").join("logits.safetensors");
        let mut args = vec!["--decode", "2", "--out", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        let err = failure(&run(dir.path(), &args));
        assert!(err.contains(needle), "{what}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{what}: one line: {err}");
        assert!(!out.exists(), "{what}: output written");
    }
}

#[test]
fn out_never_replaces_an_input() {
    let dir = copy("bitnet-packed");
    let weights = dir.path().join("model.safetensors");
    let before = std::fs::read(&weights).unwrap();
    let err = failure(&run(dir.path(), &["--out", weights.to_str().unwrap()]));
    assert!(err.contains("is an input file"), "{err}");
    assert_eq!(std::fs::read(&weights).unwrap(), before);
}
