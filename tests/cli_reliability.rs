//! Reliability of the command line, class by class: a closed or full
//! standard output, an output that is an input, work past a limit, an
//! interrupt in the middle of a write, nonsense numbers, and messages that
//! are one line naming the problem.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use safetensors::tensor::{Dtype, TensorView};

mod common;
use common::{failure, stdout, tritone};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tritone"))
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("reference/tests/fixtures/checkpoints")
        .join(name)
}

/// Commands that print more than one line, each with what it needs. The
/// list covers every command; those that write files write them in `dir`.
fn printing_commands(dir: &Path) -> Vec<Vec<String>> {
    let d = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let w = dir.join("W.safetensors");
    let x = dir.join("X.safetensors");
    write_f32(
        &w,
        "weight",
        &[2, 4],
        &[1.0, -1.0, 0.2, 0.0, -2.0, 0.6, 0.0, 1.2],
    );
    write_f32(&x, "input", &[1, 4], &[0.5, -1.0, 0.25, 2.0]);
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    vec![
        s(&["models"]),
        s(&["models", "--json"]),
        s(&["reference", "demo"]),
        s(&[
            "reference",
            "bitlinear",
            "--weight",
            &d("W.safetensors"),
            "--input",
            &d("X.safetensors"),
            "--out",
            &d("Y.safetensors"),
        ]),
        s(&["verilog", "--rows", "4", "--cols", "4", "--out", &d("rtl")]),
        s(&[
            "run",
            "--checkpoint",
            &fixture("bitnet-packed").to_string_lossy(),
            "--ids",
            "1,2,3",
            "--decode",
            "2",
        ]),
        s(&[
            "simulate", "tile", "--rows", "4", "--cols", "4", "--tokens", "8",
        ]),
        s(&["simulate", "model", "--model", "bitnet-b1.58-3b", "--ops"]),
        s(&["energy", "--model", "bitnet-b1.58-3b"]),
        s(&[
            "sweep",
            "--rows",
            "8",
            "--cols",
            "8",
            "--quiet",
            "--out",
            &d("sweep.csv"),
        ]),
    ]
}

fn write_f32(path: &Path, name: &str, shape: &[usize], v: &[f32]) {
    let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
    let view = TensorView::new(Dtype::F32, shape.to_vec(), &bytes).unwrap();
    std::fs::write(path, safetensors::serialize([(name, view)], &None).unwrap()).unwrap();
}

/// Asserts a failed run printed one line naming `needles`, and no panic.
fn one_line_error(o: &Output, needles: &[&str]) -> String {
    let err = failure(o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(!err.contains("panicked"), "{err}");
    for n in needles {
        assert!(err.contains(n), "expected `{n}` in: {err}");
    }
    err
}

#[test]
fn a_closed_standard_output_ends_every_command_quietly() {
    let dir = tempfile::tempdir().unwrap();
    for args in printing_commands(dir.path()) {
        let mut child = bin()
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Closed before the first write: every write then fails with EPIPE,
        // whatever the size of the output.
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: quiet, but printed: {err}");
    }
}

#[test]
fn head_reads_the_first_line_and_the_rest_ends_quietly() {
    let mut child = bin()
        .args(["simulate", "model", "--model", "bitnet-b1.58-3b", "--ops"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("bitnet-b1.58-3b"), "{first}");
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_standard_output_is_one_line_and_status_1() {
    let dir = tempfile::tempdir().unwrap();
    for args in printing_commands(dir.path()) {
        let o = bin()
            .args(&args)
            .stdout(std::fs::File::create("/dev/full").unwrap())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("error: ") && err.contains("No space left on device (os error 28)"),
            "{args:?}: {err}"
        );
    }
}

fn bitlinear(w: &Path, x: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "reference",
        "bitlinear",
        "--weight",
        w.to_str().unwrap(),
        "--input",
        x.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    tritone(&args)
}

#[test]
fn an_output_never_replaces_an_input_by_any_path() {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path().join("W.safetensors");
    let x = dir.path().join("X.safetensors");
    write_f32(
        &w,
        "weight",
        &[2, 4],
        &[1.0, -1.0, 0.2, 0.0, -2.0, 0.6, 0.0, 1.2],
    );
    write_f32(&x, "input", &[1, 4], &[0.5, -1.0, 0.25, 2.0]);
    let before = std::fs::read(&w).unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let mut outs = vec![
        w.clone(),
        dir.path().join("sub/../W.safetensors"),
        dir.path().join("./X.safetensors"),
    ];
    #[cfg(unix)]
    {
        let link = dir.path().join("link.safetensors");
        std::os::unix::fs::symlink(&w, &link).unwrap();
        let hard = dir.path().join("hard.safetensors");
        std::fs::hard_link(&w, &hard).unwrap();
        outs.extend([link, hard]);
    }
    for out in outs {
        let o = bitlinear(&w, &x, &out, &[]);
        one_line_error(&o, &["--out", "is an input file", "refusing"]);
        assert_eq!(std::fs::read(&w).unwrap(), before, "{}", out.display());
    }

    // `tritone verilog`: an --arch file where an output would go.
    let first = stdout(&tritone(&[
        "verilog",
        "--arch",
        "examples/arch/fpga-32x32.toml",
        "--out",
        dir.path().join("rtl").to_str().unwrap(),
    ]));
    let top = first
        .lines()
        .find_map(|l| l.strip_prefix("wrote ")?.split(' ').next())
        .unwrap()
        .to_string();
    let arch = PathBuf::from(&top);
    std::fs::copy("examples/arch/fpga-32x32.toml", &arch).unwrap();
    let arch_before = std::fs::read(&arch).unwrap();
    let o = tritone(&[
        "verilog",
        "--arch",
        arch.to_str().unwrap(),
        "--out",
        dir.path().join("rtl").to_str().unwrap(),
    ]);
    one_line_error(&o, &["--out", "is an input file", "--arch"]);
    assert_eq!(std::fs::read(&arch).unwrap(), arch_before);
}

#[test]
fn oversized_work_is_refused_before_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    let (w, x, y) = (
        dir.path().join("W.safetensors"),
        dir.path().join("X.safetensors"),
        dir.path().join("Y.safetensors"),
    );
    // K = 1 keeps the inputs at 400 KB, but M·N = 10^10 outputs.
    write_f32(&w, "weight", &[100_000, 1], &vec![1.0; 100_000]);
    write_f32(&x, "input", &[100_000, 1], &vec![1.0; 100_000]);
    let start = Instant::now();
    let o = bitlinear(&w, &x, &y, &[]);
    one_line_error(
        &o,
        &["[100000, 100000]", "10000000000", "--max-outputs 134217728"],
    );
    assert!(!y.exists());
    // Raised past what the machine holds: refused as memory, no abort (when
    // the kernel refuses allocations past memory, its default heuristic;
    // with overcommit always on, the probe cannot tell).
    let always_overcommit =
        std::fs::read_to_string("/proc/sys/vm/overcommit_memory").is_ok_and(|s| s.trim() == "1");
    if !always_overcommit {
        let o = bitlinear(&w, &x, &y, &["--max-outputs", "100000000000"]);
        one_line_error(&o, &["could not be allocated", "[100000, 100000]"]);
        assert!(!y.exists());
    }
    assert!(start.elapsed() < Duration::from_secs(30));

    for (tokens, tiles, needle) in [
        ("3000000", "1", "3000000 testbench tokens"),
        ("9223372036854775807", "4", "more than --max-tokens 65536"),
    ] {
        let o = tritone(&[
            "verilog",
            "--rows",
            "128",
            "--cols",
            "128",
            "--testbench",
            "--tokens",
            tokens,
            "--tiles",
            tiles,
            "--out",
            dir.path().join("rtl").to_str().unwrap(),
        ]);
        one_line_error(&o, &[needle]);
        assert!(!dir.path().join("rtl").exists());
    }

    let o = tritone(&[
        "run",
        "--checkpoint",
        fixture("bitnet-packed").to_str().unwrap(),
        "--ids",
        "1,2",
        "--decode",
        "1000000000",
    ]);
    one_line_error(&o, &["1000000002 positions", "--max-logits"]);

    // The model runs; its FP16 counterpart's largest prefill GEMM has too
    // many folds. Refused, naming the counterpart, before the model's own
    // simulation (seconds) is spent.
    let o = tritone(&[
        "energy",
        "--model",
        "bitnet-b1.58-70b",
        "--prefill",
        "1000000",
        "--decode",
        "1",
        "--rows",
        "32",
        "--cols",
        "32",
    ]);
    one_line_error(&o, &["FP16 counterpart", "fold passes"]);
}

#[test]
fn nonsense_sizes_are_refused_with_the_field_and_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.json");
    for (fields, needles) in [
        (
            r#""hidden_size": 2147483648, "intermediate_size": 4294967295,
               "num_hidden_layers": 4096, "vocab_size": 4294967295"#,
            &["hidden 2147483648", "limit 1125899906842624"][..],
        ),
        (
            r#""hidden_size": 64, "intermediate_size": 128,
               "num_hidden_layers": 100000000, "vocab_size": 32"#,
            &["num_hidden_layers", "100000000", "limit 4096"][..],
        ),
        (
            r#""hidden_size": 64, "intermediate_size": 8589934592,
               "num_hidden_layers": 1, "vocab_size": 32"#,
            &["`intermediate_size` is 8589934592, more than 4294967295"][..],
        ),
        (
            r#""hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 1,
               "vocab_size": 32, "head_dim": 127"#,
            &["`head_dim` is 127", "even"][..],
        ),
    ] {
        std::fs::write(
            &config,
            format!(r#"{{"model_type": "llama", "num_attention_heads": 1, {fields}}}"#),
        )
        .unwrap();
        let o = tritone(&["models", "--config", config.to_str().unwrap()]);
        one_line_error(&o, needles);
    }
    // A head_dim set apart from hidden / heads is honoured: q and o are
    // 64 × 128, k and v 64 × 128, the FFN 3 · 64 · 96; embedding and LM
    // head 32 · 64 each; norms 2 · 64 + 64.
    std::fs::write(
        &config,
        r#"{"model_type": "llama", "num_attention_heads": 1, "hidden_size": 64,
            "intermediate_size": 96, "num_hidden_layers": 1, "vocab_size": 32,
            "head_dim": 128}"#,
    )
    .unwrap();
    let o = tritone(&["models", "--config", config.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v[0]["head_dim"], 128);
    assert_eq!(v[0]["params"]["linear"], 4 * 64 * 128 + 3 * 64 * 96);
    assert_eq!(
        v[0]["params"]["total"],
        4 * 64 * 128 + 3 * 64 * 96 + 2 * 32 * 64 + 3 * 64
    );
    #[cfg(unix)]
    {
        let start = Instant::now();
        let o = tritone(&["models", "--config", "/dev/zero"]);
        one_line_error(&o, &["/dev/zero", "larger than 64 MiB"]);
        assert!(start.elapsed() < Duration::from_secs(30));
    }
    let topo = dir.path().join("t.csv");
    std::fs::write(
        &topo,
        "Layer, M, N, K,\nffn, 512, 99999999999999999999999, 64,\n",
    )
    .unwrap();
    let o = tritone(&["simulate", "gemm", "--topology", topo.to_str().unwrap()]);
    one_line_error(&o, &["line 2", "N = '99999999999999999999999'", "1048576"]);
}

#[test]
fn os_errors_are_printed_once_and_without_debug_text() {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path().join("W.safetensors");
    let x = dir.path().join("X.safetensors");
    write_f32(
        &w,
        "weight",
        &[2, 4],
        &[1.0, -1.0, 0.2, 0.0, -2.0, 0.6, 0.0, 1.2],
    );
    write_f32(&x, "input", &[1, 4], &[0.5, -1.0, 0.25, 2.0]);
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"x").unwrap();
    for out in [blocker.join("Y.safetensors"), dir.path().to_path_buf()] {
        let err = one_line_error(&bitlinear(&w, &x, &out, &[]), &["--out"]);
        assert!(err.matches("os error").count() <= 1, "{err}");
        assert!(!err.contains(" at path "), "{err}");
        assert!(!err.contains("Custom {") && !err.contains("kind:"), "{err}");
    }
    let missing = dir.path().join("missing.safetensors");
    let err = one_line_error(&bitlinear(&missing, &x, &dir.path().join("Y"), &[]), &[]);
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
}

/// Entries of `dir` whose names start with the atomic writer's prefix.
#[cfg(unix)]
fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| {
                let name = e.ok()?.file_name().to_string_lossy().into_owned();
                name.starts_with(".tritone-").then_some(name)
            })
            .collect()
        })
        .unwrap_or_default()
}

/// Interrupts a large `tritone verilog` while its staging folder exists:
/// the previous design stays whole and nothing of the new one is left.
#[cfg(unix)]
#[test]
fn an_interrupt_mid_write_leaves_the_old_output_and_no_temporaries() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rtl");
    let args = |tokens: &str, seed: &str| {
        vec![
            "verilog".to_string(),
            "--rows=64".into(),
            "--cols=64".into(),
            "--testbench".into(),
            format!("--tokens={tokens}"),
            format!("--seed={seed}"),
            "--max-tokens=1000000".into(),
            format!("--out={}", out.display()),
        ]
    };
    stdout(&bin().args(args("16", "1")).output().unwrap());
    let snapshot = |d: &Path| {
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    };
    let before = snapshot(&out);
    assert_eq!(before.len(), 3);
    for (signal, name) in [(libc::SIGINT, "SIGINT"), (libc::SIGTERM, "SIGTERM")] {
        let mut child = bin()
            .args(args("400000", "2"))
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        while temporaries(&out).is_empty() {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "{name}: no staging folder appeared"
            );
            assert!(
                child.try_wait().unwrap().is_none(),
                "{name}: finished too soon"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        // SAFETY: kill(2) on our own child.
        unsafe { libc::kill(child.id() as libc::pid_t, signal) };
        let status = child.wait().unwrap();
        assert_eq!(status.signal(), Some(signal), "{name}: {status:?}");
        assert_eq!(temporaries(&out), Vec::<String>::new(), "{name}");
        assert_eq!(snapshot(&out), before, "{name}: the old output changed");
    }
}

/// Output names that are not UTF-8 are used byte for byte: the file written
/// is the one named, and the files of a set land in the folder named.
#[cfg(unix)]
#[test]
fn non_utf8_output_names_are_kept_byte_for_byte() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path().join("W.safetensors");
    let x = dir.path().join("X.safetensors");
    write_f32(
        &w,
        "weight",
        &[2, 4],
        &[1.0, -1.0, 0.2, 0.0, -2.0, 0.6, 0.0, 1.2],
    );
    write_f32(&x, "input", &[1, 4], &[0.5, -1.0, 0.25, 2.0]);
    let y = dir.path().join(OsStr::from_bytes(b"y\xff.safetensors"));
    let o = bin()
        .args(["reference", "bitlinear", "--weight"])
        .arg(&w)
        .arg("--input")
        .arg(&x)
        .arg("--out")
        .arg(&y)
        .output()
        .unwrap();
    stdout(&o);
    assert!(y.is_file());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 3);

    let rtl = dir.path().join(OsStr::from_bytes(b"rtl\xfe"));
    let o = bin()
        .args([
            "verilog",
            "--rows",
            "4",
            "--cols",
            "4",
            "--testbench",
            "--out",
        ])
        .arg(&rtl)
        .output()
        .unwrap();
    stdout(&o);
    let names: Vec<_> = std::fs::read_dir(&rtl).unwrap().collect();
    assert_eq!(names.len(), 3);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 4);
}

#[test]
fn nonsense_numbers_are_refused_with_the_field_and_the_range() {
    let dir = tempfile::tempdir().unwrap();
    let arch = dir.path().join("arch.toml");
    let a = arch.to_str().unwrap();
    for (text, needles) in [
        (
            "rows = 8\ncols = 8\nclock_mhz = 1e-300\n",
            &["clock_mhz = 1e-300", "from 1 to 10000 MHz"][..],
        ),
        (
            "rows = 8\ncols = 8\nclock_mhz = 20000.0\n",
            &["clock_mhz = 20000.0", "10000 MHz"][..],
        ),
        (
            "rows = 8\ncols = 8\n[dram]\nkind = \"hbm2\"\nbandwidth_gbps = 1e300\n",
            &["dram.bandwidth_gbps = 1e300", "100000 GB/s"][..],
        ),
    ] {
        std::fs::write(&arch, text).unwrap();
        one_line_error(&tritone(&["energy", "--paper", "--arch", a]), needles);
        one_line_error(
            &tritone(&[
                "simulate", "gemm", "--arch", a, "--m", "4", "--k", "8", "--n", "8",
            ]),
            needles,
        );
    }
    let o = tritone(&["sweep", "--clock-mhz", "1e-300", "--out", "x.csv"]);
    one_line_error(&o, &["clock_mhz = 1e-300", "from 1 to 10000 MHz"]);

    let table = dir.path().join("table.toml");
    let t = table.to_str().unwrap();
    let builtin = tritone_energy::table::TABLE_7NM;
    for (from, to, needles) in [
        (
            "value = 0.16,",
            "value = 1e308,",
            &["fp_add.fp16 = 1e308", "1e6 pJ"][..],
        ),
        (
            "value = 0.16,",
            "value = -0.16,",
            &["fp_add.fp16 = -0.16", "0 to 1e6 pJ"][..],
        ),
    ] {
        assert!(builtin.contains(from));
        std::fs::write(&table, builtin.replacen(from, to, 1)).unwrap();
        one_line_error(&tritone(&["energy", "--paper", "--table", t]), needles);
        let out = dir.path().join("report");
        let o = tritone(&["report", "--table", t, "--out", out.to_str().unwrap()]);
        one_line_error(&o, needles);
        assert!(!out.exists());
    }
    // The largest entries accepted still give finite energies: no `inf J`
    // or `NaNx` in the report.
    let huge: String = builtin
        .lines()
        .map(|l| match l.split_once("value = ") {
            Some((head, tail)) => {
                let rest = tail.split_once(',').map_or("", |(_, r)| r);
                format!("{head}value = 1e6,{rest}")
            }
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&table, huge).unwrap();
    let out = dir.path().join("report");
    let o = tritone(&[
        "report",
        "--table",
        t,
        "--model",
        "bitnet-b1.58-700m",
        "--prefill",
        "16",
        "--decode",
        "4",
        "--out",
        out.to_str().unwrap(),
    ]);
    stdout(&o);
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    let words = md.split(|c: char| c.is_whitespace() || c == '|');
    for w in words {
        let w = w.trim_end_matches('x').to_ascii_lowercase();
        assert!(
            !["inf", "-inf", "nan"].contains(&w.as_str()),
            "{w} in the report"
        );
    }
    assert!(!md.contains("NaN"));
}
