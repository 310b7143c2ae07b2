//! `tritone verilog`: files written, manifest contents, refusals, and the
//! written testbench passing in Icarus Verilog.

use std::path::Path;
use std::process::Command;

fn tritone(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tritone"))
        .arg("verilog")
        .args(args)
        .output()
        .unwrap()
}

fn manifest(dir: &Path, top: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{top}.json"))).unwrap())
        .unwrap()
}

#[test]
fn writes_verilog_manifest_and_a_passing_testbench() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let o = tritone(&[
        "--rows",
        "4",
        "--cols",
        "3",
        "--double-buffer",
        "--testbench",
        "--vcd",
        "--tokens",
        "6",
        "--out",
        out,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let top = "tritone_array_ternary_4x3_a11_db";
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains(&format!("{top}.v")) && stdout.contains("R + C + M - 2 = 5 + M"),
        "{stdout}"
    );
    let m = manifest(dir.path(), top);
    assert_eq!(m["top"], top);
    assert_eq!(
        (
            m["rows"].as_u64(),
            m["cols"].as_u64(),
            m["act_bits"].as_u64(),
            m["acc_bits"].as_u64()
        ),
        (Some(4), Some(3), Some(8), Some(11))
    );
    assert_eq!(m["options"]["double_buffer"], true);
    let widths: Vec<(String, u64)> = m["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["width"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        widths.contains(&("w_data".into(), 6))
            && widths.contains(&("x_data".into(), 32))
            && widths.contains(&("y_data".into(), 33)),
        "{widths:?}"
    );
    assert_eq!(
        m["weight_encoding"]["codes"][1],
        serde_json::json!([-1, "11"])
    );
    // The written testbench passes in Icarus and dumps the waveform.
    let tb = dir.path().join(format!("{top}_tb.v"));
    let exe = dir.path().join("tb.vvp");
    let c = Command::new("iverilog")
        .args(["-g2005", "-o"])
        .arg(&exe)
        .arg(&tb)
        .arg(dir.path().join(format!("{top}.v")))
        .output()
        .unwrap();
    assert!(c.status.success(), "{}", String::from_utf8_lossy(&c.stderr));
    let r = Command::new("vvp")
        .arg("-n")
        .arg(&exe)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&r.stdout);
    assert!(log.contains("TRITONE_TB PASS 12 beats"), "{log}");
    assert!(dir.path().join(format!("{top}_tb.vcd")).exists());
}

#[test]
fn mac_int8_baseline_and_arch_file_with_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let arch = dir.path().join("arch.toml");
    std::fs::write(
        &arch,
        "rows = 8\ncols = 8\npe = \"mac-int8\"\ndouble_buffer = false\n",
    )
    .unwrap();
    let out = dir.path().to_str().unwrap();
    let o = tritone(&[
        "--arch",
        arch.to_str().unwrap(),
        "--cols",
        "2",
        "--out",
        out,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let m = manifest(dir.path(), "tritone_array_macint8_8x2_a19");
    assert_eq!(m["pe"], "mac-int8");
    assert_eq!(m["weight_encoding"]["bits"], 8);
}

#[test]
fn refuses_bad_requests_with_a_named_reason_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rtl");
    let out = out.to_str().unwrap();
    for (args, why) in [
        (
            vec!["--rows", "8", "--cols", "8", "--acc-bits", "11"],
            "acc_bits",
        ),
        (vec!["--rows", "300", "--cols", "8"], "rows = 300"),
        (
            vec!["--rows", "8", "--cols", "8", "--pe", "mac-fp16"],
            "mac-fp16",
        ),
        (vec!["--rows", "8"], "--cols"),
        (vec!["--rows", "0", "--cols", "8"], "rows"),
    ] {
        let mut a = args.clone();
        a.extend(["--out", out]);
        let o = tritone(&a);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && err.contains(why), "{args:?}: {err}");
    }
    assert!(!Path::new(out).exists());
}

/// The new user's path: generate an engine with its testbench, run it in
/// Icarus Verilog, see PASS with the cycle count `tritone simulate gemm` gives.
#[test]
fn engine_testbench_passes_with_the_simulators_cycles() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rtl");
    let o = tritone(&[
        "--engine",
        "--rows",
        "8",
        "--cols",
        "8",
        "--testbench",
        "--m",
        "5",
        "--k",
        "29",
        "--n",
        "21",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let files: Vec<std::path::PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 3, "{files:?}");
    let json = files
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .unwrap();
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    assert_eq!(m["kind"], "bitlinear-engine");
    assert!(m["registers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["name"] == "CYCLES_LO"));
    let verilog: Vec<&std::path::PathBuf> = files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "v"))
        .collect();
    let exe = dir.path().join("tb.vvp");
    let c = std::process::Command::new("iverilog")
        .args(["-g2012", "-o"])
        .arg(&exe)
        .args(&verilog)
        .output()
        .unwrap();
    assert!(c.status.success(), "{}", String::from_utf8_lossy(&c.stderr));
    let run = std::process::Command::new("vvp")
        .arg("-n")
        .arg(&exe)
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&run.stdout);
    let pass = log
        .lines()
        .find_map(|l| l.strip_prefix("TRITONE_TB PASS "))
        .unwrap_or_else(|| panic!("{log}"));
    let cycles: u64 = pass.split_whitespace().next().unwrap().parse().unwrap();
    let sim = Command::new(env!("CARGO_BIN_EXE_tritone"))
        .args([
            "simulate", "gemm", "--rows", "8", "--cols", "8", "--m", "5", "--k", "29", "--n", "21",
            "--json",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&sim.stdout).unwrap();
    assert_eq!(v[0]["cycles"].as_u64().unwrap(), cycles, "{text}");
    assert!(
        text.contains(&format!("{cycles} cycles expected")),
        "{text}"
    );
}
