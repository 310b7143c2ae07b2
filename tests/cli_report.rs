//! `tritone report` and `tritone energy` from the command line.

mod common;
use common::tritone;

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn report_writes_markdown_tables_and_plots() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rep");
    let o = tritone(&["report", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    for needle in [
        "## The 71.4x reproduction",
        "## Table 3",
        "## Equivalences",
        "## Closing note",
        "LLaMA-2 shapes",
    ] {
        assert!(md.contains(needle), "report.md lacks {needle}");
    }
    for stem in [
        "fig3_left",
        "fig3_right",
        "fig2_latency",
        "fig2_memory",
        "table3_throughput",
    ] {
        let png = std::fs::read(out.join(format!("{stem}.png"))).unwrap();
        assert!(
            png.starts_with(b"\x89PNG\r\n\x1a\n"),
            "{stem}.png is not a PNG"
        );
        assert!(
            std::fs::metadata(out.join(format!("{stem}.svg")))
                .unwrap()
                .len()
                > 1000
        );
    }
    let csv = std::fs::read_to_string(out.join("headline.csv")).unwrap();
    assert!(
        csv.starts_with("node,") && csv.contains("7nm,") && csv.contains("45nm,"),
        "{csv}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("table3.json")).unwrap()).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 2);
}

#[test]
fn energy_paper_reproduces_the_headlines() {
    let o = tritone(&["energy", "--paper"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = stdout(&o);
    assert!(
        s.contains("| 7nm | 0.3400 | 0.1600 | 0.0070 | 71.43x | 71.40x"),
        "{s}"
    );
    assert!(
        s.contains("| 45nm | 1.100 | 0.4000 | 0.0300 | 50.00x | 50.00x"),
        "{s}"
    );
    assert!(s.contains("Figure 3 (left)") && s.contains("Figure 3 (right)"));
    // No links to report files that a terminal run never wrote.
    assert!(!s.contains(".png") && !s.contains(".csv"), "{s}");
}

#[test]
fn energy_model_json_has_both_views_and_the_fp16_counterpart() {
    let o = tritone(&[
        "energy",
        "--model",
        "bitnet-b1.58-700m",
        "--prefill",
        "32",
        "--decode",
        "8",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let m = &v["model"];
    assert_eq!(m["tokens"], 40);
    let f = |v: &serde_json::Value, name: &str| v["metrics"][name].as_f64().unwrap();
    assert!(f(m, "energy_pj") > f(m, "paper_energy_pj"));
    assert_eq!(f(m, "energy_per_token_pj"), f(m, "energy_pj") / 40.0);
    let fp16 = &v["fp16_counterpart"];
    assert!(f(fp16, "paper_energy_pj") > 10.0 * f(m, "paper_energy_pj"));
    // Text form: per token, by component and by layer type.
    let o = tritone(&[
        "energy",
        "--model",
        "bitnet-b1.58-700m",
        "--node",
        "45nm",
        "--decode",
        "4",
    ]);
    let s = stdout(&o);
    assert!(
        s.contains("faithful, per token")
            && s.contains("leakage (estimate)")
            && s.contains("bit_linear (array)"),
        "{s}"
    );
    // An FP16 model has no counterpart.
    let o = tritone(&[
        "energy",
        "--model",
        "llama-700m_fp16",
        "--prefill",
        "8",
        "--decode",
        "2",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(v["fp16_counterpart"].is_null());
}

#[test]
fn bad_node_table_and_arguments_are_refused() {
    let o = tritone(&["energy", "--model", "bitnet-b1.58-700m", "--node", "5nm"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("5nm"), "{}", stderr(&o));

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("mine.toml");
    std::fs::write(
        &bad,
        "name = \"mine\"\n[int_add]\n8 = { value = -1.0, unit = \"pJ/op\", source = \"x\" }\n",
    )
    .unwrap();
    let o = tritone(&[
        "energy",
        "--model",
        "bitnet-b1.58-700m",
        "--table",
        bad.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("mine.toml") && e.contains("int_add.8"), "{e}");

    let out = dir.path().join("never");
    let o = tritone(&[
        "report",
        "--out",
        out.to_str().unwrap(),
        "--table",
        bad.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(
        !out.exists(),
        "a refused report must not create its directory"
    );

    let o = tritone(&["energy"]);
    assert!(!o.status.success());
}

#[test]
fn energy_of_one_gemm_with_design_options() {
    let o = tritone(&[
        "energy",
        "--gemm",
        "64,512,256",
        "--rows",
        "32",
        "--cols",
        "32",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    // ⌈512/32⌉ · ⌈256/32⌉ folds of the 32×32 array.
    assert_eq!(v["stats"]["folds"], 16 * 8);
    let (faithful, paper) = (
        v["faithful"]["total_pj"].as_f64().unwrap(),
        v["paper"]["total_pj"].as_f64().unwrap(),
    );
    assert!(faithful > paper && paper > 0.0);
    let text = stdout(&tritone(&[
        "energy",
        "--gemm",
        "64,512,256",
        "--pe",
        "mac-int8",
    ]));
    assert!(
        text.contains("GEMM M=64 K=512 N=256")
            && text.contains("INT8 mul")
            && text.contains("faithful view by component"),
        "{text}"
    );
    for bad in ["64,512", "a,b,c", "0,4,4"] {
        let o = tritone(&["energy", "--gemm", bad]);
        assert!(!o.status.success(), "{bad} accepted");
        assert!(
            stderr(&o).contains(bad) || stderr(&o).contains("GEMM M"),
            "{}",
            stderr(&o)
        );
    }
}
