//! CLI tests of `tritone simulate tile|gemm|model`.

mod common;
use common::{failure, json, stdout, tritone};

#[test]
fn tile_reports_latency_and_total() {
    let v = json(&[
        "simulate", "tile", "--rows", "16", "--cols", "8", "--tokens", "10", "--json",
    ]);
    assert_eq!(v["latency_cycles"], 16 + 8 + 10 - 2);
    // 16 weight beats, then R + C + M − 1 to the last valid output.
    assert_eq!(v["tile_cycles"], 16 + 16 + 8 + 10 - 1);
    let v = json(&[
        "simulate",
        "tile",
        "--rows",
        "16",
        "--cols",
        "8",
        "--tokens",
        "10",
        "--weight-rows-per-cycle",
        "4",
        "--json",
    ]);
    assert_eq!(v["weight_beats"], 4);
    assert_eq!(v["tile_cycles"], 4 + 16 + 8 + 10 - 1);
}

#[test]
fn functional_tile_and_gemm_are_bit_exact() {
    let out = stdout(&tritone(&[
        "simulate",
        "tile",
        "--rows",
        "6",
        "--cols",
        "5",
        "--tokens",
        "9",
        "--functional",
    ]));
    assert!(out.contains("bit-exact: yes"), "{out}");
    for pe in ["ternary", "mac-int8"] {
        let out = stdout(&tritone(&[
            "simulate",
            "gemm",
            "--m",
            "7",
            "--k",
            "45",
            "--n",
            "19",
            "--rows",
            "8",
            "--cols",
            "4",
            "--pe",
            pe,
            "--functional",
            "--seed",
            "42",
        ]));
        assert!(out.contains("bit-exact: yes"), "{pe}: {out}");
    }
}

#[test]
fn gemm_json_has_the_published_fields() {
    let v = json(&[
        "simulate", "gemm", "--m", "64", "--k", "96", "--n", "80", "--rows", "32", "--cols", "32",
        "--json",
    ]);
    let g = &v[0];
    for f in [
        "cycles",
        "stall_cycles",
        "compute_cycles",
        "utilization",
        "folds",
        "sram_read_bytes",
        "dram_read_bytes",
        "actions",
    ] {
        assert!(!g[f].is_null(), "missing {f}: {g}");
    }
    assert_eq!(
        g["cycles"].as_u64().unwrap(),
        g["stall_cycles"].as_u64().unwrap() + g["compute_cycles"].as_u64().unwrap()
    );
    assert_eq!(g["folds"], 3 * 3);
}

#[test]
fn gemm_reads_scalesim_topologies() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("topo.csv");
    std::fs::write(&p, "Layer, M, N, K,\nup, 16, 64, 32,\ndown, 16, 32, 64,\n").unwrap();
    let v = json(&[
        "simulate",
        "gemm",
        "--topology",
        p.to_str().unwrap(),
        "--rows",
        "8",
        "--cols",
        "8",
        "--json",
    ]);
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(
        (v[1]["name"].as_str(), v[1]["shape"]["k"].as_u64()),
        (Some("down"), Some(64))
    );
    std::fs::write(&p, "Layer, M, N, K,\nup, 16, 64, 32,\nbad, 16, -1, 4,\n").unwrap();
    let e = failure(&tritone(&[
        "simulate",
        "gemm",
        "--topology",
        p.to_str().unwrap(),
    ]));
    assert!(e.contains("line 3"), "{e}");
}

#[test]
fn model_prints_the_model_and_its_fp16_baseline_when_asked() {
    let args = [
        "simulate",
        "model",
        "--model",
        "bitnet-b1.58-700m",
        "--prefill",
        "32",
        "--decode",
        "8",
    ];
    let out = stdout(&tritone(&args));
    for needle in [
        "time to first token",
        "decode tokens/s",
        "KV cache",
        "per layer: prefill cycles",
    ] {
        assert!(out.contains(needle), "{needle}: {out}");
    }
    assert!(!out.contains("FP16 baseline"), "{out}");
    let with = stdout(&tritone(&[&args[..], &["--baseline"]].concat()));
    assert!(
        with.contains("FP16 baseline") && with.contains("mac-fp16"),
        "{with}"
    );
    let v = json(&[&args[..], &["--batch", "2", "--json"]].concat());
    assert!(v["fp16"].is_null());
    let v = json(&[&args[..], &["--batch", "2", "--baseline", "--json"]].concat());
    let (m, f) = (&v["model"], &v["fp16"]);
    assert_eq!(m["workload"]["batch"], 2);
    assert_eq!(f["pe"], "mac-fp16");
    assert!(f["weight_bytes"].as_u64() > m["weight_bytes"].as_u64());
    assert!(m["ops"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["name"] == "q_proj" && o["phase"] == "decode"));
}

#[test]
fn model_takes_an_architecture_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("arch.toml");
    std::fs::write(
        &p,
        "rows = 16\ncols = 16\nkv_bits = 4\n[dram]\nkind = \"hbm2\"\nbandwidth_gbps = 256.0\n",
    )
    .unwrap();
    let v = json(&[
        "simulate",
        "model",
        "--model",
        "bitnet-b1.58-700m",
        "--prefill",
        "8",
        "--decode",
        "2",
        "--arch",
        p.to_str().unwrap(),
        "--json",
    ]);
    // 1 sequence × 10 positions × 24 layers × (K, V) × 1536 × 4 bits.
    assert_eq!(v["model"]["kv_cache_bytes"], 10 * 24 * 2 * 1536 / 2);
}

#[test]
fn bad_input_fails_with_a_clear_error() {
    /// A small GEMM on the architecture file `arch`.
    fn on_arch(arch: &std::path::Path) -> Vec<&str> {
        let mut args = vec!["simulate", "gemm", "--m", "4", "--k", "4", "--n", "4"];
        args.extend(["--arch", arch.to_str().unwrap()]);
        args
    }
    let dir = tempfile::tempdir().unwrap();
    let bad_toml = dir.path().join("bad.toml");
    std::fs::write(&bad_toml, "rows = [\n").unwrap();
    let zero_bw = dir.path().join("zero.toml");
    std::fs::write(&zero_bw, "[dram]\nkind = \"ddr4\"\nbandwidth_gbps = 0.0\n").unwrap();
    let small = dir.path().join("small.toml");
    std::fs::write(&small, "rows = 256\ncols = 256\n[buffers]\nweight_kib = 8\nact_kib = 64\nout_kib = 64\nwidth_bits = 256\n").unwrap();
    // A key in the wrong table (stream_bytes belongs at the top level) is
    // refused, not ignored.
    let misplaced = dir.path().join("misplaced.toml");
    std::fs::write(&misplaced, "[buffers]\nweight_kib = 64\nact_kib = 64\nout_kib = 64\nwidth_bits = 64\nstream_bytes = 16\n").unwrap();
    for (args, needle) in [
        (
            vec!["simulate", "gemm", "--m", "0", "--k", "4", "--n", "4"],
            "GEMM M",
        ),
        (
            vec![
                "simulate",
                "gemm",
                "--m",
                "4",
                "--k",
                "4",
                "--n",
                "9999999999",
            ],
            "GEMM N",
        ),
        (
            vec!["simulate", "tile", "--rows", "0", "--tokens", "4"],
            "rows",
        ),
        (
            vec![
                "simulate", "tile", "--rows", "4", "--cols", "4", "--tokens", "0",
            ],
            "tokens",
        ),
        (vec!["simulate", "tile", "--tokens", "4"], "--rows"),
        (
            vec!["simulate", "model", "--model", "no-such-model"],
            "no-such-model",
        ),
        (
            vec![
                "simulate",
                "model",
                "--model",
                "bitnet-b1.58-3b",
                "--prefill",
                "0",
            ],
            "prefill",
        ),
        (on_arch(&bad_toml), "bad.toml"),
        (on_arch(&zero_bw), "bandwidth"),
        (on_arch(&small), "cannot hold one weight tile"),
        (on_arch(&misplaced), "unknown field `stream_bytes`"),
        (
            vec![
                "simulate",
                "gemm",
                "--m",
                "4",
                "--k",
                "4",
                "--n",
                "4",
                "--pe",
                "mac-fp16",
                "--functional",
            ],
            "mac-fp16",
        ),
    ] {
        let e = failure(&tritone(&args));
        assert!(e.contains(needle), "{args:?}: {e}");
    }
}

#[test]
fn model_reads_a_config_json() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("config.json");
    std::fs::write(
        &p,
        r#"{"architectures": ["BitnetForCausalLM"], "hidden_size": 256, "intermediate_size": 512,
            "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 1000}"#,
    )
    .unwrap();
    let v = json(&[
        "simulate",
        "model",
        "--config",
        p.to_str().unwrap(),
        "--prefill",
        "16",
        "--decode",
        "4",
        "--json",
    ]);
    assert_eq!(v["model"]["weights"], "ternary");
    assert!(v["model"]["total_cycles"].as_u64().unwrap() > 0);
    std::fs::write(&p, "{ not json").unwrap();
    let e = failure(&tritone(&[
        "simulate",
        "model",
        "--config",
        p.to_str().unwrap(),
    ]));
    assert!(e.contains("JSON") || e.contains("json"), "{e}");
}

#[test]
fn tile_buffering_follows_the_verilog_defaults() {
    let single = json(&[
        "simulate", "tile", "--rows", "8", "--cols", "8", "--tokens", "4", "--json",
    ]);
    assert_eq!(single["double_buffer"], false);
    let double = json(&[
        "simulate",
        "tile",
        "--rows",
        "8",
        "--cols",
        "8",
        "--tokens",
        "4",
        "--double-buffer",
        "--json",
    ]);
    assert_eq!(double["double_buffer"], true);
    // One tile: the second bank changes nothing.
    assert_eq!(single["tile_cycles"], double["tile_cycles"]);
}

/// `--single-buffer` and `--double-buffer` override an architecture file's
/// banks whichever key states them (`weight_banks` or `double_buffer`), as
/// every other design flag overrides its field.
#[test]
fn buffering_flags_override_the_files_banks() {
    let dir = tempfile::tempdir().unwrap();
    let gemm = |arch: &std::path::Path, flag: &str| {
        let mut args = vec!["simulate", "gemm", "--m", "3", "--k", "19", "--n", "21"];
        args.extend(["--rows", "8", "--cols", "8", "--json", "--arch"]);
        args.push(arch.to_str().unwrap());
        if !flag.is_empty() {
            args.push(flag);
        }
        json(&args)
    };
    let file = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let one = file("one.toml", "weight_banks = 1\n");
    let two = file("two.toml", "weight_banks = 2\n");
    let four = file("four.toml", "weight_banks = 4\n");
    let single = file("single.toml", "double_buffer = false\n");
    let cycles = |v: &serde_json::Value| v[0]["cycles"].as_u64().unwrap();
    let (c1, c2) = (cycles(&gemm(&one, "")), cycles(&gemm(&two, "")));
    assert!(c1 > c2, "one bank {c1} cycles, two {c2}");
    assert_eq!(cycles(&gemm(&two, "--single-buffer")), c1);
    assert_eq!(cycles(&gemm(&four, "--single-buffer")), c1);
    assert_eq!(cycles(&gemm(&one, "--double-buffer")), c2);
    assert_eq!(cycles(&gemm(&single, "--double-buffer")), c2);
    // A file's 4 banks are already double-buffered: the flag keeps them.
    assert_eq!(
        cycles(&gemm(&four, "--double-buffer")),
        cycles(&gemm(&four, ""))
    );
}

#[test]
fn functional_gemm_on_safetensors_operands() {
    use tritone_reference::{write_tensors, NamedTensor, TensorData};
    let dir = tempfile::tempdir().unwrap();
    let (wp, xp) = (
        dir.path().join("w.safetensors"),
        dir.path().join("x.safetensors"),
    );
    let (m, k, n) = (5usize, 37usize, 11usize);
    // Deterministic, sign-mixed values.
    let vals = |len: usize, a: f32| {
        (0..len)
            .map(|i| (i as f32 * a).sin() * 3.0)
            .collect::<Vec<f32>>()
    };
    write_tensors(
        &wp,
        &[NamedTensor::new(
            "weight",
            &[n, k],
            TensorData::F32(vals(n * k, 0.7)),
        )],
    )
    .unwrap();
    write_tensors(
        &xp,
        &[NamedTensor::new(
            "input",
            &[m, k],
            TensorData::F32(vals(m * k, 1.3)),
        )],
    )
    .unwrap();
    let args = [
        "simulate",
        "gemm",
        "--weight",
        wp.to_str().unwrap(),
        "--input",
        xp.to_str().unwrap(),
    ];
    let out = stdout(&tritone(
        &[&args[..], &["--rows", "8", "--cols", "4"]].concat(),
    ));
    assert!(
        out.contains("M=5 K=37 N=11") && out.contains("bit-exact: yes"),
        "{out}"
    );
    write_tensors(
        &xp,
        &[NamedTensor::new(
            "input",
            &[m, k + 1],
            TensorData::F32(vals(m * (k + 1), 1.3)),
        )],
    )
    .unwrap();
    let e = failure(&tritone(&args));
    assert!(e.contains("K must match"), "{e}");
}

/// Model-level designs that cannot run are refused in one line naming the
/// field, the value and the limit: an MoE routing to more experts than it
/// has, devices whose memory cannot hold the model, a link that moves nothing.
#[test]
fn impossible_systems_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let moe = dir.path().join("config.json");
    std::fs::write(
        &moe,
        r#"{"architectures": ["MixtralForCausalLM"], "hidden_size": 256,
            "intermediate_size": 512, "num_hidden_layers": 2, "num_attention_heads": 4,
            "num_key_value_heads": 2, "vocab_size": 1000, "num_local_experts": 8,
            "num_experts_per_tok": 9}"#,
    )
    .unwrap();
    let one_line = |args: &[&str], needles: &[&str]| {
        let o = tritone(args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let e = failure(&o);
        assert_eq!(e.trim_end().lines().count(), 1, "{args:?}: {e}");
        for n in needles {
            assert!(e.contains(n), "{args:?}: {e} lacks {n}");
        }
    };
    one_line(
        &["simulate", "model", "--config", moe.to_str().unwrap()],
        &["num_experts_per_tok", "= 9", "num_local_experts", "= 8"],
    );
    // 70B at 2 bits needs 18.2 GB of weights: one 16 GiB device cannot hold it.
    one_line(
        &[
            "simulate",
            "model",
            "--model",
            "bitnet-b1.58-70b",
            "--memory-gib",
            "16",
        ],
        &[
            "memory_gib",
            "1 device(s) of 16 GiB",
            "18.5 GB",
            "add devices",
        ],
    );
    // Its FP16 baseline (138 GB) does not fit one 80 GB device either.
    one_line(
        &[
            "simulate",
            "model",
            "--model",
            "bitnet-b1.58-70b",
            "--baseline",
            "--memory-gib",
            "80",
        ],
        &["FP16 baseline", "138.0", "add devices"],
    );
    one_line(
        &[
            "simulate",
            "model",
            "--model",
            "bitnet-b1.58-3b",
            "--devices",
            "2",
            "--tensor-parallel",
            "2",
            "--link-gbps",
            "0",
        ],
        &["link_gbps = 0", "positive"],
    );
    one_line(
        &[
            "simulate",
            "model",
            "--model",
            "bitnet-b1.58-3b",
            "--devices",
            "0",
        ],
        &["devices = 0", "between 1 and 4096"],
    );
}
