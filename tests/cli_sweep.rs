//! `tritone sweep` end to end: a small sweep of the real simulator and
//! energy model, shards and their merge, resume, and refused specs.

use std::path::Path;

mod common;
use common::{fails, ok};

/// A small sweep: 3 × 2 × 2 × 2 = 24 points of the 700M model, one of the
/// `weight_rows_per_cycle` values impossible for 8 rows.
const SWEEP: [&str; 14] = [
    "--rows",
    "8..32:x2",
    "--cols",
    "8,16",
    "--clock-mhz",
    "500..1000:+500",
    "--weight-rows-per-cycle",
    "1,16",
    "--model",
    "bitnet-b1.58-700m",
    "--prefill",
    "64",
    "--decode",
    "16",
];

fn args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec!["sweep", "--quiet"];
    v.extend(SWEEP);
    v.extend(extra);
    v
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn small_sweep_writes_csv_json_and_pareto_plots() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.csv");
    let stdout = ok(&args(&["--out", out.to_str().unwrap()]));
    // Counted and printed first, before any work.
    assert!(
        stdout.starts_with(
            "24 design points (rows 3 × cols 2 × weight_rows_per_cycle 2 × clock_mhz 2)\n"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("24 of 24 points"), "{stdout}");
    let csv = read(&out);
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    for col in [
        "key",
        "rows",
        "status",
        "error",
        "tokens_per_s",
        "energy_per_token_pj",
        "paper_energy_per_token_pj",
        "pareto",
    ] {
        assert!(header.contains(&col), "missing {col}");
    }
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 24);
    // rows=8 with 16 weight rows per cycle is impossible: reported, not fatal.
    let status = header.iter().position(|c| *c == "status").unwrap();
    let invalid = rows
        .iter()
        .filter(|r| r.split(',').nth(status) == Some("invalid"))
        .count();
    assert_eq!(invalid, 4);
    assert!(csv.contains("weight_rows_per_cycle"));
    let pareto = header.iter().position(|c| *c == "pareto").unwrap();
    assert!(rows
        .iter()
        .any(|r| r.split(',').nth(pareto) == Some("true")));
    let json: serde_json::Value = serde_json::from_str(&read(&dir.path().join("s.json"))).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 24);
    assert!(json[0]["tokens_per_s"].is_number());
    let svg = read(&dir.path().join("s-pareto.svg"));
    // Axes with units; energy in the unit that suits the points (mJ here).
    assert!(
        svg.contains("<svg")
            && svg.contains("decode throughput (tokens/s)")
            && svg.contains("energy per token (mJ, faithful view)"),
        "{svg}"
    );
    let png = std::fs::read(dir.path().join("s-pareto.png")).unwrap();
    assert_eq!(&png[..4], b"\x89PNG");
}

#[test]
fn merged_shards_equal_the_single_run_and_resume_does_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole.csv");
    ok(&args(&["--out", whole.to_str().unwrap()]));
    let parts: Vec<String> = (0..3)
        .map(|i| dir.path().join(format!("p{i}.csv")).display().to_string())
        .collect();
    for (i, p) in parts.iter().enumerate() {
        let shard = format!("{i}/3");
        ok(&args(&["--shard", &shard, "--out", p]));
    }
    let merged = dir.path().join("merged.csv");
    let mut merge = vec!["sweep", "--merge"];
    merge.extend(parts.iter().map(String::as_str));
    merge.extend(["--out", merged.to_str().unwrap()]);
    ok(&merge);
    assert_eq!(read(&merged), read(&whole));
    assert_eq!(
        read(&dir.path().join("merged.json")),
        read(&dir.path().join("whole.json"))
    );
    let again = ok(&args(&["--out", whole.to_str().unwrap()]));
    assert!(
        again.contains("0 evaluated") && again.contains("24 resumed"),
        "{again}"
    );
}

#[test]
fn bad_specs_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.csv");
    let o = out.to_str().unwrap();
    let e = fails(&["sweep", "--rows", "64..8:x2", "--out", o]);
    assert!(e.contains("rows") && e.contains("empty"), "{e}");
    let e = fails(&["sweep", "--model", "gpt-5", "--out", o]);
    assert!(e.contains("gpt-5") && e.contains("bitnet-b1.58-3b"), "{e}");
    let e = fails(&["sweep", "--kv-bits", "3", "--out", o]);
    assert!(
        e.contains("no point of this sweep is possible") && e.contains("kv_bits = 3"),
        "{e}"
    );
    let e = fails(&["sweep", "--shard", "3/3", "--out", o]);
    assert!(e.contains("3/3"), "{e}");
    let spec = dir.path().join("spec.toml");
    std::fs::write(&spec, "[arch]\nrows = [8, 16]\nbandwidth = 64\n").unwrap();
    let e = fails(&["sweep", "--spec", spec.to_str().unwrap(), "--out", o]);
    assert!(e.contains("bandwidth") && e.contains("dram_gbps"), "{e}");
    assert!(!out.exists());
}

#[test]
fn toml_spec_and_flags_combine() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.toml");
    std::fs::write(
        &spec,
        "[arch]\nrows = \"8..16:x2\"\npe = [\"ternary\", \"mac-int8\"]\n[workload]\nmodel = \"bitnet-b1.58-700m\"\nprefill = 32\ndecode = 8\n",
    )
    .unwrap();
    let out = dir.path().join("t.csv");
    // --rows overrides the file's rows.
    let stdout = ok(&[
        "sweep",
        "--quiet",
        "--spec",
        spec.to_str().unwrap(),
        "--rows",
        "32",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(stdout.contains("2 of 2 points"), "{stdout}");
    assert!(read(&out).contains("rows=32;cols=256;pe=mac-int8;"));
}

#[test]
fn synth_counts_are_added_and_cached_per_hardware_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache.json");
    let run = |out: &str| {
        let out = dir.path().join(out);
        let stdout = ok(&[
            "sweep",
            "--quiet",
            "--rows",
            "4",
            "--cols",
            "4",
            // Small buffers keep the engine's synthesis short.
            "--weight-kib",
            "4",
            "--act-kib",
            "4",
            "--out-kib",
            "4",
            "--model",
            "bitnet-b1.58-700m",
            "--prefill",
            "8",
            "--decode",
            "2,3",
            "--synth",
            "--synth-cache",
            cache.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        (stdout, read(&out))
    };
    // One engine, two workloads: one synthesis for two points (the keying
    // of distinct hardware is covered by the sweep crate's tests).
    let (stdout, csv) = run("a.csv");
    assert!(stdout.contains("synthesized 1 hardware"), "{stdout}");
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let luts = header.iter().position(|c| *c == "luts").unwrap();
    let counts: Vec<u64> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(luts).unwrap().parse().unwrap())
        .collect();
    assert_eq!(counts.len(), 2);
    assert!(counts[0] > 0 && counts[0] == counts[1], "{counts:?}");
    assert!(
        dir.path().join("a-pareto-luts.svg").exists()
            && dir.path().join("a-pareto-luts.png").exists()
    );
    // A fresh sweep with the same cache synthesizes nothing.
    let (stdout, csv_b) = run("b.csv");
    assert!(stdout.contains("synthesized 0 hardware"), "{stdout}");
    assert_eq!(csv_b, csv);
}

/// `kill -9` in the middle of a sweep: the rerun takes over every row the
/// journal holds, evaluates only the rest, and writes what an uninterrupted
/// run writes.
#[test]
fn a_sweep_killed_mid_run_resumes_without_recomputing() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = [
        "sweep",
        "--quiet",
        "--model",
        "bitnet-b1.58-70b",
        "--rows",
        "8,16",
        "--cols",
        "8,16",
        "--prefill",
        "64..4096:x2",
        "--decode",
        "1..64:x2",
    ];
    let out = dir.path().join("k.csv");
    let journal = dir.path().join("k-journal.csv");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tritone"))
        .args(sweep)
        .args(["--out", out.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait for at least 3 whole rows (header, 3 rows and maybe a partial
    // line), then kill.
    let start = std::time::Instant::now();
    while std::fs::read_to_string(&journal).map_or(0, |t| t.lines().count()) < 5 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sweep ended before it could be killed"
        );
        assert!(start.elapsed().as_secs() < 120, "no progress journaled");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(!out.exists(), "killed before its outputs");
    let rerun = ok(&[&sweep[..], &["--out", out.to_str().unwrap()]].concat());
    // "N of N points in this run (E evaluated in ...; R resumed)"
    let resumed: usize = rerun
        .split("; ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{rerun}"));
    assert!(resumed >= 3, "{rerun}");
    assert!(!journal.exists());
    let whole = dir.path().join("whole.csv");
    ok(&[&sweep[..], &["--out", whole.to_str().unwrap()]].concat());
    assert_eq!(read(&out), read(&whole));
}

/// Sweeps past the point limit, outputs that collide or are inputs, and
/// merges of files that are not parts of one sweep: each refused before any
/// work, on one line naming the problem, nothing written.
#[test]
fn oversized_sweeps_colliding_outputs_and_foreign_shards_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name).display().to_string();
    let start = std::time::Instant::now();
    // 10^9 points: counted, refused at once.
    let e = fails(&[
        "sweep",
        "--rows",
        "1..1000:+1",
        "--cols",
        "1..1000:+1",
        "--decode",
        "1..1000:+1",
        "--out",
        &d("big.csv"),
    ]);
    assert!(
        e.contains("1000000000 points")
            && e.contains("rows 1000 × cols 1000 × decode 1000")
            && e.contains("limit of 100000")
            && e.contains("--max-points"),
        "{e}"
    );
    assert!(start.elapsed() < std::time::Duration::from_secs(10));
    assert!(!dir.path().join("big.csv").exists());
    // The limit is raised by the flag (here lowered, to keep the test fast).
    let e = fails(&args(&["--max-points", "23", "--out", &d("s.csv")]));
    assert!(e.contains("24 points") && e.contains("limit of 23"), "{e}");

    // --out s.json would write its JSON over its own CSV.
    let e = fails(&args(&["--out", &d("s.json")]));
    assert!(e.contains("same file") && e.contains("s.json"), "{e}");
    let spec = d("spec.toml");
    std::fs::write(&spec, "[arch]\nrows = [8, 16]\n").unwrap();
    let e = fails(&[
        "sweep",
        "--spec",
        &spec,
        "--out",
        &d("spec.csv"),
        "--synth",
        "--synth-cache",
        &spec,
    ]);
    assert!(
        e.contains("--synth-cache") && e.contains("input file"),
        "{e}"
    );
    let e = fails(&[
        "sweep",
        "--rows",
        "8",
        "--out",
        &d("w.csv"),
        "--synth",
        "--synth-cache",
        &d("w.json"),
    ]);
    assert!(e.contains("same file"), "{e}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "only the spec"
    );

    // Shards of other sweeps (another model, other lists) or files that
    // disagree on a point are not merged.
    let small = [
        "sweep",
        "--quiet",
        "--rows",
        "8,16",
        "--prefill",
        "16",
        "--decode",
        "4",
    ];
    let (a, b, c) = (d("a.csv"), d("b.csv"), d("c.csv"));
    ok(&[&small[..], &["--model", "bitnet-b1.58-700m", "--out", &a]].concat());
    ok(&[&small[..], &["--model", "bitnet-b1.58-1.3b", "--out", &b]].concat());
    let e = fails(&["sweep", "--merge", &a, &b, "--out", &d("m.csv")]);
    assert!(
        e.contains("not shards of one sweep") && e.contains("a.csv"),
        "{e}"
    );
    let text = std::fs::read_to_string(&a).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "cycles").unwrap();
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let mut cells: Vec<String> = l.split(',').map(String::from).collect();
            if i == 1 {
                cells[col] = "12345".into();
            }
            cells.join(",")
        })
        .collect();
    std::fs::write(&c, lines.join("\n") + "\n").unwrap();
    let e = fails(&["sweep", "--merge", &a, &c, "--out", &d("m.csv")]);
    assert!(e.contains("cycles") && e.contains("disagree"), "{e}");
    let e = fails(&["sweep", "--merge", &a, &c, "--out", &c]);
    assert!(e.contains("input file"), "{e}");
    assert!(!dir.path().join("m.csv").exists());

    // A resumed row with a negative energy is refused, naming the row.
    let col = header
        .iter()
        .position(|h| *h == "energy_per_token_pj")
        .unwrap();
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let mut cells: Vec<String> = l.split(',').map(String::from).collect();
            if i == 2 {
                cells[col] = "-7.5".into();
            }
            cells.join(",")
        })
        .collect();
    std::fs::write(&a, lines.join("\n") + "\n").unwrap();
    let e = fails(&[&small[..], &["--model", "bitnet-b1.58-700m", "--out", &a]].concat());
    assert!(
        e.contains("row 3") && e.contains("energy_per_token_pj") && e.contains("-7.5"),
        "{e}"
    );
}

/// An output name that is not UTF-8 gets siblings with the same bytes.
#[cfg(unix)]
#[test]
fn non_utf8_sweep_outputs_keep_their_bytes_in_every_sibling() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join(OsStr::from_bytes(b"s\xff.csv"));
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_tritone"))
        .args([
            "sweep",
            "--quiet",
            "--rows",
            "8,16",
            "--prefill",
            "16",
            "--decode",
            "4",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut names: Vec<Vec<u8>> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().as_bytes().to_vec())
        .collect();
    names.sort();
    let want: Vec<Vec<u8>> = [
        &b"s\xff-pareto.png"[..],
        b"s\xff-pareto.svg",
        b"s\xff.csv",
        b"s\xff.json",
    ]
    .iter()
    .map(|n| n.to_vec())
    .collect();
    assert_eq!(names, want);
}
