//! The files under `examples/` that the README points users to keep working.

use std::path::PathBuf;

mod common;
use common::{json, ok};

fn example(rel: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(rel)
        .display()
        .to_string()
}

#[test]
fn the_default_arch_file_is_the_built_in_default() {
    let arch = example("arch/default.toml");
    let with_file = json(&[
        "simulate",
        "model",
        "--model",
        "bitnet-b1.58-700m",
        "--prefill",
        "32",
        "--decode",
        "4",
        "--arch",
        &arch,
        "--json",
    ]);
    let built_in = json(&[
        "simulate",
        "model",
        "--model",
        "bitnet-b1.58-700m",
        "--prefill",
        "32",
        "--decode",
        "4",
        "--json",
    ]);
    assert_eq!(with_file, built_in);
}

#[test]
fn the_fpga_arch_file_loads_and_simulates() {
    let arch = example("arch/fpga-32x32.toml");
    let v = json(&[
        "simulate", "gemm", "--m", "64", "--k", "3200", "--n", "8640", "--arch", &arch, "--json",
    ]);
    let text = v.to_string();
    assert!(text.contains("cycles"), "{text}");
}

#[test]
fn the_scalesim_topology_runs_every_layer() {
    let out = ok(&[
        "simulate",
        "gemm",
        "--topology",
        &example("bitnet-3b-layers.csv"),
    ]);
    for layer in ["q_proj", "gate_proj", "down_proj"] {
        assert!(out.contains(layer), "{layer} missing from:\n{out}");
    }
}

#[test]
fn the_sweep_spec_runs() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("sweep.csv");
    ok(&[
        "sweep",
        "--spec",
        &example("sweep.toml"),
        "--quiet",
        "--out",
        csv.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&csv).unwrap();
    // 4 rows × 4 cols × 2 PEs × 3 bandwidths × 2 load rates, plus the header.
    assert_eq!(text.lines().count(), 192 + 1);
    assert!(dir.path().join("sweep-pareto.png").exists());
}

/// The presets of published ternary accelerators load, and their predicted
/// decode speed stays within 2× of the published measurement
/// (docs/validation.md explains each residual).
#[test]
fn published_accelerator_presets_predict_within_2x() {
    // (preset, prompt, generated tokens, published decode tokens/s, source)
    for (preset, prefill, decode, published) in [
        // TeLLMe, arXiv 2504.16266: up to 9 tokens/s over 1,024-token contexts.
        ("arch/tellme-v1-kv260.toml", "64", "960", 9.0),
        // TeLLMe v2, arXiv 2510.15926: up to 25 tokens/s.
        ("arch/tellme-v2-kv260.toml", "64", "64", 25.0),
    ] {
        let v = json(&[
            "simulate",
            "model",
            "--arch",
            &example(preset),
            "--model",
            "bitnet-b1.58-700m",
            "--prefill",
            prefill,
            "--decode",
            decode,
            "--json",
        ]);
        let predicted = v["model"]["tokens_per_s"].as_f64().unwrap();
        let ratio = predicted / published;
        assert!(
            (0.5..=2.0).contains(&ratio),
            "{preset}: predicted {predicted:.2} tokens/s, published {published}"
        );
    }
}
