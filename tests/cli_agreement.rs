//! One design point, one answer: the sweep's row, `tritone energy --json`
//! and the report's per-model row agree in every shared figure, exactly,
//! at several design points (different arrays, PEs, memories, nodes,
//! models and workloads).

mod common;
use common::{json, ok};
use serde_json::Value;

/// A design point: its architecture as sweep parameters (the same fields
/// the architecture file gets), model, workload and energy node.
struct Point {
    arch: &'static [(&'static str, &'static str)],
    model: &'static str,
    prefill: u64,
    decode: u64,
    node: &'static str,
}

const POINTS: [Point; 3] = [
    // The example: the built-in design, 3B, 512 + 128.
    Point {
        arch: &[],
        model: "bitnet-b1.58-3b",
        prefill: 512,
        decode: 128,
        node: "7nm",
    },
    // An INT8 MAC array on slow HBM at half the clock.
    Point {
        arch: &[
            ("rows", "32"),
            ("cols", "32"),
            ("pe", "mac-int8"),
            ("dram", "hbm2"),
            ("dram_gbps", "16"),
            ("clock_mhz", "500"),
        ],
        model: "bitnet-b1.58-700m",
        prefill: 64,
        decode: 16,
        node: "7nm",
    },
    // A small odd array, single-buffered, wide accumulators, small buffers,
    // 8-bit KV cache, at 45 nm.
    Point {
        arch: &[
            ("rows", "16"),
            ("cols", "24"),
            ("acc_bits", "20"),
            ("double_buffer", "false"),
            ("weight_rows_per_cycle", "4"),
            ("weight_kib", "64"),
            ("act_kib", "32"),
            ("out_kib", "64"),
            ("kv_bits", "8"),
        ],
        model: "bitnet-b1.58-1.3b",
        prefill: 32,
        decode: 8,
        node: "45nm",
    },
];

/// The architecture file of a point: the swept fields it sets; everything
/// else is left to the built-in default, as the sweep leaves it.
fn arch_toml(p: &Point) -> String {
    let get = |name: &str| p.arch.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
    let mut t = String::new();
    for k in [
        "rows",
        "cols",
        "acc_bits",
        "double_buffer",
        "weight_rows_per_cycle",
        "clock_mhz",
        "kv_bits",
    ] {
        if let Some(v) = get(k) {
            let v = if k == "clock_mhz" && !v.contains('.') {
                format!("{v}.0")
            } else {
                v.to_string()
            };
            t += &format!("{k} = {v}\n");
        }
    }
    if let Some(pe) = get("pe") {
        t += &format!("pe = \"{pe}\"\n");
    }
    // A table is written whole: the fields not swept take the built-in values.
    let b = tritone_sim::config::DEFAULT_BUFFERS;
    if ["weight_kib", "act_kib", "out_kib"]
        .iter()
        .any(|k| get(k).is_some())
    {
        t += &format!(
            "[buffers]\nweight_kib = {}\nact_kib = {}\nout_kib = {}\nwidth_bits = {}\n",
            get("weight_kib").map_or(b.weight_kib.to_string(), str::to_string),
            get("act_kib").map_or(b.act_kib.to_string(), str::to_string),
            get("out_kib").map_or(b.out_kib.to_string(), str::to_string),
            b.width_bits
        );
    }
    if get("dram").is_some() || get("dram_gbps").is_some() {
        let d = tritone_sim::ArrayConfig::new(tritone_sim::ArraySpec::default())
            .unwrap()
            .dram();
        t += &format!(
            "[dram]\nkind = \"{}\"\nbandwidth_gbps = {}.0\n",
            get("dram").unwrap_or(d.kind.name()),
            get("dram_gbps").map_or(format!("{}", d.bandwidth_gbps as u64), str::to_string)
        );
    }
    t
}

#[test]
fn sweep_energy_and_report_give_one_answer() {
    let dir = tempfile::tempdir().unwrap();
    for (i, p) in POINTS.iter().enumerate() {
        let arch = dir.path().join(format!("arch{i}.toml"));
        std::fs::write(&arch, arch_toml(p)).unwrap();
        let (prefill, decode) = (p.prefill.to_string(), p.decode.to_string());
        let workload = [
            "--prefill",
            prefill.as_str(),
            "--decode",
            decode.as_str(),
            "--node",
            p.node,
        ];

        // The sweep, one point.
        let out = dir.path().join(format!("sweep{i}.csv"));
        let mut args = vec!["sweep", "--quiet", "--model", p.model];
        let flags: Vec<String> = p
            .arch
            .iter()
            .map(|(n, _)| format!("--{}", n.replace('_', "-")))
            .collect();
        for ((_, v), f) in p.arch.iter().zip(&flags) {
            args.extend([f.as_str(), v]);
        }
        args.extend(workload);
        args.extend(["--out", out.to_str().unwrap()]);
        ok(&args);
        let rows: Value =
            serde_json::from_str(&std::fs::read_to_string(out.with_extension("json")).unwrap())
                .unwrap();
        let sweep = &rows[0];
        assert_eq!(sweep["status"], "ok", "{sweep}");

        // `tritone energy --json`.
        let mut args = vec![
            "energy",
            "--model",
            p.model,
            "--arch",
            arch.to_str().unwrap(),
        ];
        args.extend(workload);
        args.push("--json");
        let energy = json(&args);
        let metrics = energy["model"]["metrics"].as_object().unwrap();

        // The report's per-model row.
        let rep = dir.path().join(format!("report{i}"));
        let mut args = vec![
            "report",
            "--model",
            p.model,
            "--arch",
            arch.to_str().unwrap(),
        ];
        args.extend(workload);
        args.extend(["--out", rep.to_str().unwrap()]);
        ok(&args);
        let models: Value =
            serde_json::from_str(&std::fs::read_to_string(rep.join("models.json")).unwrap())
                .unwrap();
        let report = models
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["model"] == p.model)
            .unwrap();

        assert!(metrics.len() >= 16, "{metrics:?}");
        for (name, v) in metrics {
            assert_eq!(&sweep[name], v, "point {i}: sweep {name}");
            assert_eq!(&report[name], v, "point {i}: report {name}");
        }
    }
}
