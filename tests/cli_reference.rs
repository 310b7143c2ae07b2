//! CLI tests of `tritone reference` and `tritone models`.

use std::path::{Path, PathBuf};
use std::process::Output;

use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use serde_json::Value;

mod common;
use common::{failure, stdout, tritone};

fn write_raw(path: &Path, name: &str, dtype: Dtype, shape: &[usize], bytes: &[u8]) {
    let view = TensorView::new(dtype, shape.to_vec(), bytes).unwrap();
    std::fs::write(path, safetensors::serialize([(name, view)], &None).unwrap()).unwrap();
}

fn write_f32(path: &Path, name: &str, shape: &[usize], v: &[f32]) {
    let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
    write_raw(path, name, Dtype::F32, shape, &bytes);
}

struct Files {
    _dir: tempfile::TempDir,
    w: PathBuf,
    x: PathBuf,
    y: PathBuf,
}

/// The hand-computed golden case of the library docs: W [2, 4], x [1, 4].
fn golden_files() -> Files {
    let dir = tempfile::tempdir().unwrap();
    let (w, x, y) = (
        dir.path().join("W.safetensors"),
        dir.path().join("X.safetensors"),
        dir.path().join("Y.safetensors"),
    );
    write_f32(
        &w,
        "weight",
        &[2, 4],
        &[1.0, -1.0, 0.2, 0.0, -2.0, 0.6, 0.0, 1.2],
    );
    write_f32(&x, "input", &[1, 4], &[0.5, -1.0, 0.25, 2.0]);
    Files { _dir: dir, w, x, y }
}

fn run_bitlinear(f: &Files, variant: &str) -> Output {
    tritone(&[
        "reference",
        "bitlinear",
        "--weight",
        f.w.to_str().unwrap(),
        "--input",
        f.x.to_str().unwrap(),
        "--out",
        f.y.to_str().unwrap(),
        "--variant",
        variant,
    ])
}

fn tensor(bytes: &[u8], name: &str) -> (Dtype, Vec<usize>, Vec<u8>) {
    let st = SafeTensors::deserialize(bytes).unwrap();
    let t = st.tensor(name).unwrap();
    (t.dtype(), t.shape().to_vec(), t.data().to_vec())
}

fn f32s(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

fn i8s(b: Vec<u8>) -> Vec<i8> {
    b.into_iter().map(|v| v as i8).collect()
}

#[test]
fn bitlinear_writes_every_intermediate_bit_exactly() {
    let f = golden_files();
    let out = stdout(&run_bitlinear(&f, "b1.58"));
    assert!(out.contains("weight [2, 4], input [1, 4]"), "{out}");
    let y = std::fs::read(&f.y).unwrap();

    let (dt, shape, data) = tensor(&y, "weight_ternary");
    assert_eq!((dt, shape), (Dtype::I8, vec![2, 4]));
    assert_eq!(i8s(data), vec![1, -1, 0, 0, -1, 1, 0, 1]);
    let (dt, shape, data) = tensor(&y, "weight_scale");
    assert_eq!((dt, shape, f32s(&data)), (Dtype::F32, vec![1], vec![0.75]));
    let (dt, shape, data) = tensor(&y, "input_int8");
    assert_eq!((dt, shape), (Dtype::I8, vec![1, 4]));
    assert_eq!(i8s(data), vec![32, -64, 16, 127]);
    let (dt, shape, data) = tensor(&y, "input_scale");
    assert_eq!((dt, shape, f32s(&data)), (Dtype::F32, vec![1], vec![63.5]));
    let (dt, shape, data) = tensor(&y, "acc");
    assert_eq!((dt, shape), (Dtype::I32, vec![1, 2]));
    let acc: Vec<i32> = data
        .chunks_exact(4)
        .map(|c| i32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(acc, vec![96, 31]);
    let (dt, shape, data) = tensor(&y, "output");
    assert_eq!((dt, shape), (Dtype::F32, vec![1, 2]));
    assert_eq!(
        f32s(&data),
        vec![96.0f32 / 63.5 * 0.75, 31.0f32 / 63.5 * 0.75]
    );
}

#[test]
fn bitlinear_bitnet_variant_uses_sign_and_beta() {
    let f = golden_files();
    stdout(&run_bitlinear(&f, "bitnet"));
    let y = std::fs::read(&f.y).unwrap();
    // α = mean W ≈ 0 (a hair above: 0.2, 0.6, 1.2 are not exact in f32), so the
    // zeros of W fall to Sign(0 − α) = −1; β = mean|W| = 0.75.
    let (_, _, w) = tensor(&y, "weight_ternary");
    assert_eq!(i8s(w), vec![1, -1, 1, -1, -1, 1, -1, 1]);
    let (_, _, beta) = tensor(&y, "weight_scale");
    assert_eq!(f32s(&beta), vec![0.75]);
    // Symmetric activations: absmax → 127, and the acc follows from the signs.
    let (_, _, q) = tensor(&y, "input_int8");
    assert_eq!(i8s(q), vec![32, -64, 16, 127]);
    let (_, _, acc) = tensor(&y, "acc");
    let acc: Vec<i32> = acc
        .chunks_exact(4)
        .map(|c| i32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(acc, vec![32 + 64 + 16 - 127, -32 - 64 - 16 + 127]);
}

type Corrupt = Box<dyn Fn(&Files)>;

#[test]
fn bad_inputs_fail_clearly_without_output() {
    let cases: Vec<(&str, Corrupt, &str)> = vec![
        (
            "missing tensor",
            Box::new(|f| write_f32(&f.w, "weights", &[2, 4], &[0.0; 8])),
            "no tensor named `weight` (the file has: weights)",
        ),
        (
            "wrong dtype",
            Box::new(|f| write_raw(&f.w, "weight", Dtype::I32, &[1, 1], &[0; 4])),
            "dtype I32",
        ),
        (
            "wrong rank",
            Box::new(|f| write_f32(&f.x, "input", &[4], &[0.0; 4])),
            "rank 1",
        ),
        (
            "K mismatch",
            Box::new(|f| write_f32(&f.x, "input", &[1, 3], &[0.0; 3])),
            "K mismatch",
        ),
        (
            "NaN",
            Box::new(|f| write_f32(&f.x, "input", &[1, 4], &[0.0, 1.0, f32::NAN, 0.0])),
            "`input` holds the non-finite value NaN at flat index 2",
        ),
        (
            "Inf",
            Box::new(|f| {
                let mut w = [0.0f32; 8];
                w[7] = f32::INFINITY;
                write_f32(&f.w, "weight", &[2, 4], &w)
            }),
            "index 7 (row 1, column 3)",
        ),
        (
            "empty",
            Box::new(|f| write_f32(&f.w, "weight", &[0, 4], &[])),
            "`weight` is empty",
        ),
        (
            "malformed",
            Box::new(|f| std::fs::write(&f.x, b"\x0a\0\0\0\0\0\0\0{not json}").unwrap()),
            "not a valid safetensors file",
        ),
        (
            "unreadable",
            Box::new(|f| std::fs::remove_file(&f.w).unwrap()),
            "reading --weight",
        ),
    ];
    for (what, corrupt, needle) in cases {
        let f = golden_files();
        corrupt(&f);
        let err = failure(&run_bitlinear(&f, "b1.58"));
        assert!(err.contains(needle), "{what}: {err}");
        assert!(!f.y.exists(), "{what}: output written");
    }
}

#[test]
fn failed_run_keeps_an_existing_output_intact() {
    let f = golden_files();
    std::fs::write(&f.y, b"previous").unwrap();
    write_f32(&f.x, "input", &[1, 3], &[0.0; 3]);
    failure(&run_bitlinear(&f, "b1.58"));
    assert_eq!(std::fs::read(&f.y).unwrap(), b"previous");
}

#[test]
fn demo_prints_every_stage() {
    let out = stdout(&tritone(&["reference", "demo"]));
    for needle in ["γ =", "s =", "acc", "max |output − f32 x·Wᵀ|"] {
        assert!(out.contains(needle), "{needle}: {out}");
    }
    let out = stdout(&tritone(&["reference", "demo", "--variant", "bitnet"]));
    assert!(out.contains("β ="), "{out}");
}

#[test]
fn models_table_json_and_lookup() {
    let table = stdout(&tritone(&["models"]));
    for name in ["bitnet-b1.58-700m", "bitnet-b1.58-2b-4t", "llama-70b_fp16"] {
        assert!(table.contains(name), "{name}");
    }
    let json: Value = serde_json::from_str(&stdout(&tritone(&["models", "--json"]))).unwrap();
    let arr = json.as_array().unwrap();
    // Ten BitNet shapes (with the 30B class and the 8x7B MoE), each with its
    // FP16 baseline.
    assert_eq!(arr.len(), 20);
    let m = arr
        .iter()
        .find(|m| m["name"] == "bitnet-b1.58-2b-4t")
        .unwrap();
    assert_eq!(m["kv_heads"], 5);
    assert_eq!(m["ffn_kind"], "relu-squared-gated");
    assert_eq!(m["params"]["ternary"], 2_084_044_800u64);

    let one: Value =
        serde_json::from_str(&stdout(&tritone(&["models", "llama-7b_fp16", "--json"]))).unwrap();
    assert_eq!(one[0]["params"]["total"], 6_738_415_616u64);

    let err = failure(&tritone(&["models", "bitnet-9b"]));
    assert!(
        err.contains("unknown model `bitnet-9b`") && err.contains("bitnet-b1.58-3b"),
        "{err}"
    );
}

#[test]
fn models_config_json() {
    let dir = tempfile::tempdir().unwrap();
    let ckpt = dir.path().join("bitnet-b1.58-2B-4T");
    std::fs::create_dir(&ckpt).unwrap();
    let cfg = ckpt.join("config.json");
    let cfg_s = cfg.to_str().unwrap();
    std::fs::write(
        &cfg,
        r#"{"architectures": ["BitNetForCausalLM"], "hidden_act": "relu2", "hidden_size": 2560,
            "intermediate_size": 6912, "num_attention_heads": 20, "num_hidden_layers": 30,
            "num_key_value_heads": 5, "vocab_size": 128256, "tie_word_embeddings": true}"#,
    )
    .unwrap();
    let json: Value =
        serde_json::from_str(&stdout(&tritone(&["models", "--config", cfg_s, "--json"]))).unwrap();
    assert_eq!(json[0]["name"], "bitnet-b1.58-2B-4T");
    assert_eq!(json[0]["weights"], "ternary");
    assert_eq!(json[0]["params"]["ternary"], 2_084_044_800u64);
    assert!(stdout(&tritone(&["models", "--config", cfg_s])).contains("ReLU²-gated"));

    std::fs::write(
        &cfg,
        r#"{"architectures": ["LlamaForCausalLM"], "hidden_size": 64}"#,
    )
    .unwrap();
    let err = failure(&tritone(&["models", "--config", cfg_s]));
    assert!(
        err.contains("config.json") && err.contains("missing field `num_attention_heads`"),
        "{err}"
    );
    std::fs::write(&cfg, "{ not json").unwrap();
    assert!(failure(&tritone(&["models", "--config", cfg_s])).contains("malformed JSON"));
    let missing = dir.path().join("nope.json");
    assert!(
        failure(&tritone(&["models", "--config", missing.to_str().unwrap()])).contains("nope.json")
    );
}

/// transformers' BitLinear on one fixture case (scripts/fixtures/make_fixtures.py),
/// through the command line: γ read from the weight file's `weight_scale`.
#[test]
fn bitlinear_matches_transformers_through_the_cli() {
    let fixture = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("reference/tests/fixtures/bitlinear/cases.safetensors"),
    )
    .unwrap();
    let (_, ws, w) = tensor(&fixture, "uniform.weight");
    let (_, xs, x) = tensor(&fixture, "uniform.input");
    let (_, _, gamma) = tensor(&fixture, "uniform.gamma");
    let dir = tempfile::tempdir().unwrap();
    let (wp, xp, yp) = (
        dir.path().join("W.safetensors"),
        dir.path().join("X.safetensors"),
        dir.path().join("Y.safetensors"),
    );
    let wv = TensorView::new(Dtype::F32, ws.clone(), &w).unwrap();
    let gv = TensorView::new(Dtype::F32, vec![1], &gamma).unwrap();
    std::fs::write(
        &wp,
        safetensors::serialize([("weight", wv), ("weight_scale", gv)], &None).unwrap(),
    )
    .unwrap();
    write_raw(&xp, "input", Dtype::F32, &xs, &x);
    let args = |out: &Path| {
        vec![
            "reference".to_string(),
            "bitlinear".into(),
            "--weight".into(),
            wp.display().to_string(),
            "--input".into(),
            xp.display().to_string(),
            "--out".into(),
            out.display().to_string(),
        ]
    };
    let run = |v: Vec<String>| tritone(&v.iter().map(String::as_str).collect::<Vec<_>>());
    stdout(&run(args(&yp)));
    let y = std::fs::read(&yp).unwrap();
    for (ours, theirs) in [
        ("weight_ternary", "uniform.weight_ternary"),
        ("input_int8", "uniform.input_int8"),
        ("input_scale", "uniform.input_scale"),
        ("acc", "uniform.acc"),
        ("bitlinear_weight_scale", "uniform.bitlinear_weight_scale"),
        ("output_bitlinear", "uniform.output_bitlinear"),
    ] {
        assert_eq!(tensor(&y, ours).2, tensor(&fixture, theirs).2, "{ours}");
    }
    assert_eq!(tensor(&y, "weight_scale").2, gamma);
    // --weight-scale overrides the file's: a γ twice as large zeroes more trits.
    let g2 = 2.0 * f32s(&gamma)[0];
    let mut a = args(&yp);
    a.extend(["--weight-scale".to_string(), g2.to_string()]);
    stdout(&run(a));
    let zeros = |b: Vec<u8>| i8s(b).iter().filter(|&&t| t == 0).count();
    let y2 = std::fs::read(&yp).unwrap();
    assert!(zeros(tensor(&y2, "weight_ternary").2) > zeros(tensor(&y, "weight_ternary").2));
    // An output never replaces an input.
    let err = failure(&run(args(&wp)));
    assert!(err.contains("is an input file"), "{err}");
    assert_eq!(tensor(&std::fs::read(&wp).unwrap(), "weight").2, w);
}
