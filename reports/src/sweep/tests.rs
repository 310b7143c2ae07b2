//! Engine tests with a fake evaluator (fast, exact and countable).

use super::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use tritone_sim::ArrayConfig;

/// Metrics from a closed formula; counts its calls.
#[derive(Default)]
struct Fake {
    calls: AtomicUsize,
}

impl PointEvaluator for Fake {
    fn check(&self, point: &SweepPoint) -> Result<(), String> {
        let d = point.design();
        if d.model != "m" && d.model != "n" {
            return Err(format!("unknown model '{}'", d.model));
        }
        d.config().map(|_| ()).map_err(|e| e.to_string())
    }

    fn evaluate(&self, point: &SweepPoint) -> Outcome {
        self.calls.fetch_add(1, Ordering::Relaxed);
        if let Err(e) = self.check(point) {
            return Outcome::Invalid(e);
        }
        let c = point.design().config().unwrap();
        let (rows, cols) = (c.rows(), c.cols());
        let macs = (rows * cols) as f64;
        Outcome::Ok(Metrics {
            cycles: 1000 + 7 * rows as u64,
            prefill_cycles: 600,
            decode_cycles: 400 + 7 * rows as u64,
            tokens_per_s: macs * c.clock_mhz() / 3.0,
            ttft_s: 1.0 / macs,
            utilization: 0.1 + 1.0 / (1.0 + cols as f64),
            stall_cycles: 3,
            // Bigger arrays are faster but cost more per token, except cols = 8.
            energy_per_token_pj: macs.sqrt() * 1.1 + if cols == 8 { -1.0 } else { 0.0 },
            paper_energy_per_token_pj: macs / 7.0,
            dram_bytes: 10,
            weight_bytes: 20,
            kv_cache_bytes: 30,
            ..Metrics::default()
        })
    }
}

fn spec(pairs: &[(&str, &str)]) -> SweepSpec {
    let mut s = SweepSpec::default();
    s.set("model", "m").unwrap();
    for (p, v) in pairs {
        s.set(p, v).unwrap();
    }
    s
}

/// The value texts of parameter `name` in `s`.
fn texts(s: &SweepSpec, name: &str) -> Vec<String> {
    s.values(tritone_eval::param::find(name).unwrap())
        .iter()
        .map(|v| v.text())
        .collect()
}

fn options(out: &std::path::Path) -> SweepOptions<'static> {
    SweepOptions {
        out: out.to_path_buf(),
        shard: None,
        synth: None,
        progress: false,
        max_points: DEFAULT_MAX_POINTS,
    }
}

#[test]
fn enumeration_is_cartesian_with_the_last_parameter_fastest() {
    let s = spec(&[("rows", "8,16"), ("cols", "4,8"), ("decode", "1,2")]);
    assert_eq!(s.len().unwrap(), 8);
    let got: Vec<(u32, u32, u64)> = (0..8)
        .map(|i| s.point(i).design())
        .map(|d| {
            (
                d.arch.rows.unwrap(),
                d.arch.cols.unwrap(),
                d.workload.decode,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (8, 4, 1),
            (8, 4, 2),
            (8, 8, 1),
            (8, 8, 2),
            (16, 4, 1),
            (16, 4, 2),
            (16, 8, 1),
            (16, 8, 2)
        ]
    );
    for i in 0..8 {
        assert_eq!(s.index_of(&s.point(i)), Some(i));
    }
}

#[test]
fn point_keys_are_canonical() {
    let s = SweepSpec::default();
    assert_eq!(
        s.point(0).key(),
        "rows=256;cols=256;pe=ternary;acc_bits=auto;double_buffer=auto;weight_banks=auto;\
         weight_rows_per_cycle=1;dataflow=weight-stationary;\
         weight_kib=256;act_kib=8192;out_kib=512;dram=lpddr4;dram_gbps=64;clock_mhz=1000;\
         vector_lanes=256;attention_unit=64x64;schedule=overlapped;devices=1;tensor_parallel=1;\
         model=bitnet-b1.58-3b;batch=1;prefill=512;decode=128;kv_bits=16"
    );
    let p = spec(&[
        ("pe", "MAC-INT8"),
        ("clock_mhz", "250.5"),
        ("acc_bits", "24"),
    ])
    .point(0);
    assert!(
        p.key().contains("pe=mac-int8;acc_bits=24;") && p.key().contains("clock_mhz=250.5;"),
        "{}",
        p.key()
    );
}

#[test]
fn spec_errors_name_the_problem() {
    let mut s = SweepSpec::default();
    let e = s.set("rows", "16,8..32:x2").unwrap_err().to_string();
    assert!(e.contains("16 is listed twice"), "{e}");
    let e = s.set("model", "M,m").unwrap_err().to_string();
    assert!(e.contains("m is listed twice"), "{e}");
    let e = s.set("rowz", "8").unwrap_err().to_string();
    assert!(
        e.contains("'rowz'") && e.contains("weight_rows_per_cycle") && e.contains("kv_bits"),
        "{e}"
    );
    s.set("clock-mhz", "500").unwrap();
    assert_eq!(texts(&s, "clock_mhz"), ["500"]);
}

#[test]
fn toml_spec_reads_lists_ranges_and_refuses_unknown_keys() {
    let s = SweepSpec::from_toml_str(
        "[arch]\nrows = \"8..32:x2\"\ncols = [8, 16]\npe = [\"ternary\", \"mac-int8\"]\n\
         double_buffer = [true, false]\nclock_mhz = 500.0\n[workload]\nmodel = \"m\"\nprefill = [128, \"256..512:+256\"]\n",
    )
    .unwrap();
    assert_eq!(s.len().unwrap(), 3 * 2 * 2 * 2 * 3);
    assert_eq!(texts(&s, "prefill"), ["128", "256", "512"]);
    assert_eq!(texts(&s, "clock_mhz"), ["500"]);
    for (text, want) in [
        (
            "[arch]\nrowz = 8\n",
            "unknown sweep parameter '[arch] rowz' (valid: rows, cols, pe",
        ),
        ("[arch]\nmodel = \"m\"\n", "it belongs in [workload]"),
        (
            "[workload]\nrows = 8\n",
            "(valid: model, batch, prefill, decode, kv_bits)",
        ),
        ("[hardware]\nrows = 8\n", "unknown table [hardware]"),
        ("[arch]\nrows = []\n", "empty list"),
        ("[arch]\nrows = \"64..8:x2\"\n", "empty"),
        ("[arch]\nrows = ", "sweep spec"),
    ] {
        let e = SweepSpec::from_toml_str(text).unwrap_err().to_string();
        assert!(e.contains(want), "{text:?}: {e}");
    }
}

#[test]
fn impossible_values_are_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let fake = Fake::default();
    for (pairs, want) in [
        (
            vec![("kv_bits", "16,3")],
            "kv_bits=3 is impossible in every combination",
        ),
        (
            vec![("rows", "8"), ("weight_rows_per_cycle", "1,16")],
            "weight_rows_per_cycle=16",
        ),
        (vec![("model", "m,gpt")], "unknown model 'gpt'"),
        (
            vec![("pe", "mac-fp16"), ("acc_bits", "24")],
            "no point of this sweep is possible: invalid architecture: acc_bits",
        ),
    ] {
        let out = dir.path().join("x.csv");
        let e = run_sweep(&spec(&pairs), &fake, options(&out))
            .unwrap_err()
            .to_string();
        assert!(e.contains(want), "{e}");
        assert!(!out.exists());
    }
    assert_eq!(fake.calls.load(Ordering::Relaxed), 0);
}

#[test]
fn an_impossible_point_in_a_valid_sweep_is_reported_in_its_row() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.csv");
    // Every value is possible somewhere, but rows=8 with 16 weight rows per cycle is not.
    let s = spec(&[("rows", "8,16"), ("weight_rows_per_cycle", "1,16")]);
    let summary = run_sweep(&s, &Fake::default(), options(&out)).unwrap();
    assert_eq!((summary.ok, summary.invalid), (3, 1));
    let table = SweepTable::read_csv(&out).unwrap();
    match &table.rows[1].outcome {
        Outcome::Invalid(e) => assert!(e.contains("weight_rows_per_cycle = 16"), "{e}"),
        other => panic!("{other:?}"),
    }
    assert!(!table.rows[1].pareto);
    assert!(table.rows.iter().any(|r| r.pareto));
}

fn sweep_spec() -> SweepSpec {
    spec(&[
        ("rows", "4..64:x2"),
        ("cols", "4,8,16"),
        ("clock_mhz", "200..1000:+400"),
        ("acc_bits", "auto,12"),
    ])
}

#[test]
fn shards_partition_the_sweep_and_merge_to_the_single_run() {
    let dir = tempfile::tempdir().unwrap();
    let s = sweep_spec();
    let whole = dir.path().join("whole.csv");
    run_sweep(&s, &Fake::default(), options(&whole)).unwrap();
    let mut shard_files = Vec::new();
    let mut counted = 0;
    for i in 0..3 {
        let out = dir.path().join(format!("part{i}.csv"));
        let o = SweepOptions {
            shard: Some(Shard::new(i, 3).unwrap()),
            ..options(&out)
        };
        let summary = run_sweep(&s, &Fake::default(), o).unwrap();
        counted += summary.shard_points;
        shard_files.push(out);
    }
    assert_eq!(counted as u64, s.len().unwrap());
    // Shards in any order, one given twice: still the single run.
    shard_files.push(shard_files[0].clone());
    shard_files.reverse();
    let merged = merge_shards(&shard_files).unwrap();
    let single = SweepTable::read_csv(&whole).unwrap();
    assert_eq!(merged, single);
    assert_eq!(merged.to_csv(), std::fs::read(&whole).unwrap());
    assert_eq!(
        merged.to_json(),
        std::fs::read_to_string(dir.path().join("whole.json")).unwrap()
    );
    assert!(single.rows.iter().any(|r| r.pareto) && single.rows.iter().any(|r| !r.pareto));
    // The JSON's keys come in the CSV's column order.
    let json = merged.to_json();
    let first = &json[..json.find('}').expect("an object")];
    let mut at = 0;
    for column in super::row::header(merged.with_synth) {
        let i = first[at..]
            .find(&format!("\"{column}\":"))
            .unwrap_or_else(|| panic!("`{column}` out of the CSV's order in {first}"));
        at += i + 1;
    }
}

#[test]
fn merge_refuses_tables_of_different_sweeps() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.csv");
    let b = dir.path().join("b.csv");
    run_sweep(&spec(&[("rows", "8,16")]), &Fake::default(), options(&a)).unwrap();
    run_sweep(&spec(&[("rows", "8,32")]), &Fake::default(), options(&b)).unwrap();
    let e = merge_shards(&[a.clone(), b]).unwrap_err().to_string();
    assert!(e.contains("not shards of one sweep"), "{e}");
    // Another workload is another sweep, even over the same array lists.
    let c = dir.path().join("c.csv");
    run_sweep(
        &spec(&[("rows", "8,16"), ("model", "n")]),
        &Fake::default(),
        options(&c),
    )
    .unwrap();
    let e = merge_shards(&[a, c]).unwrap_err().to_string();
    assert!(e.contains("not shards of one sweep"), "{e}");
}

#[test]
fn merge_refuses_files_that_disagree_on_a_point() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.csv");
    run_sweep(&sweep_spec(), &Fake::default(), options(&a)).unwrap();
    let mut table = SweepTable::read_csv(&a).unwrap();
    let Outcome::Ok(m) = &mut table.rows[2].outcome else {
        panic!("row 2 is ok");
    };
    m.energy_per_token_pj *= 2.0;
    let b = dir.path().join("b.csv");
    std::fs::write(&b, table.to_csv()).unwrap();
    let e = merge_shards(&[a, b]).unwrap_err().to_string();
    assert!(
        e.contains("energy_per_token_pj") && e.contains("disagree") && e.contains("a.csv"),
        "{e}"
    );
}

/// The fake evaluator pricing with another energy table.
struct OtherTable(Fake);

impl PointEvaluator for OtherTable {
    fn check(&self, point: &SweepPoint) -> Result<(), String> {
        self.0.check(point)
    }
    fn evaluate(&self, point: &SweepPoint) -> Outcome {
        self.0.evaluate(point)
    }
    fn energy_table(&self) -> String {
        "mine#0123456789abcdef".into()
    }
}

#[test]
fn rows_priced_with_another_energy_table_are_neither_resumed_nor_merged() {
    let dir = tempfile::tempdir().unwrap();
    let s = spec(&[("rows", "8,16")]);
    let a = dir.path().join("a.csv");
    run_sweep(&s, &Fake::default(), options(&a)).unwrap();
    let e = run_sweep(&s, &OtherTable(Fake::default()), options(&a))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("mine#0123456789abcdef") && e.contains("a.csv"),
        "{e}"
    );
    let b = dir.path().join("b.csv");
    run_sweep(&s, &OtherTable(Fake::default()), options(&b)).unwrap();
    let e = merge_shards(&[a, b]).unwrap_err().to_string();
    assert!(
        e.contains("energy table") && e.contains("not shards"),
        "{e}"
    );
}

#[test]
fn the_product_of_the_lists_is_limited_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("big.csv");
    let s = spec(&[
        ("rows", "8..64:x2"),
        ("cols", "8,16,32"),
        ("decode", "1..10:+1"),
    ]);
    let fake = Fake::default();
    let o = SweepOptions {
        max_points: 100,
        ..options(&out)
    };
    let e = run_sweep(&s, &fake, o).unwrap_err().to_string();
    assert!(
        e.contains("120 points") && e.contains("rows 4 × cols 3 × decode 10") && e.contains("100"),
        "{e}"
    );
    assert_eq!(fake.calls.load(Ordering::Relaxed), 0);
    assert!(!out.exists() && !journal::path_for(&out).exists());
    // Lists whose product overflows 64 bits give a bound, not a wrap.
    let mut huge = spec(&[]);
    for p in ["rows", "cols", "prefill", "decode", "batch"] {
        huge.set(p, "1..10000:+1").unwrap();
    }
    let e = huge.check_size(DEFAULT_MAX_POINTS).unwrap_err().to_string();
    assert!(e.contains("points") && e.contains("100000"), "{e}");
    // Raised, the same sweep runs.
    let o = SweepOptions {
        max_points: 120,
        ..options(&out)
    };
    assert_eq!(run_sweep(&s, &fake, o).unwrap().total_points, 120);
}

#[test]
fn resumed_rows_with_impossible_numbers_are_refused_naming_the_row() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.csv");
    run_sweep(&sweep_spec(), &Fake::default(), options(&out)).unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    let table = SweepTable::read_csv(&out).unwrap();
    let Outcome::Ok(m) = &table.rows[1].outcome else {
        panic!("row 1 is ok");
    };
    let energy = m.energy_per_token_pj.to_string();
    for bad in ["-3.5", "NaN", "inf"] {
        let lines: Vec<String> = text
            .lines()
            .enumerate()
            .map(|(i, l)| {
                if i == 2 {
                    l.replacen(&energy, bad, 1)
                } else {
                    l.to_string()
                }
            })
            .collect();
        std::fs::write(&out, lines.join("\n") + "\n").unwrap();
        let e = run_sweep(&sweep_spec(), &Fake::default(), options(&out))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("row 3") && e.contains("energy_per_token_pj") && e.contains(bad),
            "{e}"
        );
    }
}

#[test]
fn resume_skips_points_already_in_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.csv");
    let s = sweep_spec();
    let n = s.len().unwrap() as usize;
    let fake = Fake::default();
    run_sweep(&s, &fake, options(&out)).unwrap();
    assert_eq!(fake.calls.load(Ordering::Relaxed), n);
    let first = std::fs::read(&out).unwrap();
    // Nothing left to do: no evaluation, same bytes.
    let again = run_sweep(&s, &fake, options(&out)).unwrap();
    assert_eq!((again.evaluated, again.resumed), (0, n));
    assert_eq!(fake.calls.load(Ordering::Relaxed), n);
    assert_eq!(std::fs::read(&out).unwrap(), first);
    // An interrupted run: keep every third row, mark one kept row failed.
    let mut table = SweepTable::read_csv(&out).unwrap();
    table.rows.retain(|r| r.point.index % 3 == 0);
    table.rows[1].outcome = Outcome::Failed("synthesis failed: tool crashed".into());
    let kept = table.rows.len() - 1;
    std::fs::write(&out, table.to_csv()).unwrap();
    let fake = Fake::default();
    let resumed = run_sweep(&s, &fake, options(&out)).unwrap();
    assert_eq!((resumed.resumed, resumed.evaluated), (kept, n - kept));
    assert_eq!(fake.calls.load(Ordering::Relaxed), n - kept);
    assert_eq!(std::fs::read(&out).unwrap(), first);
}

#[test]
fn resume_refuses_an_output_of_another_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o.csv");
    run_sweep(&spec(&[("rows", "8,16")]), &Fake::default(), options(&out)).unwrap();
    let e = run_sweep(&spec(&[("rows", "8,32")]), &Fake::default(), options(&out))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("not part of this sweep") && e.contains("rows=16;"),
        "{e}"
    );
    let o = SweepOptions {
        shard: Some("1/2".parse().unwrap()),
        ..options(&out)
    };
    let e = run_sweep(&spec(&[("rows", "8,16")]), &Fake::default(), o)
        .unwrap_err()
        .to_string();
    assert!(e.contains("not in this shard"), "{e}");
}

#[test]
fn shard_selectors_are_validated() {
    assert_eq!("2/4".parse::<Shard>().unwrap(), Shard::new(2, 4).unwrap());
    for bad in ["4/4", "0/0", "1", "a/2", "-1/2"] {
        let e = bad.parse::<Shard>().unwrap_err().to_string();
        assert!(e.contains(bad) && e.contains("0 <= i < n"), "{e}");
    }
    let s = Shard::new(1, 3).unwrap();
    assert_eq!(
        (0..9).filter(|&i| s.contains(i)).collect::<Vec<_>>(),
        [1, 4, 7]
    );
}

/// Area grows with the array; counts its calls.
#[derive(Default)]
struct FakeSynth {
    calls: AtomicUsize,
    identity: String,
}

impl Synthesizer for FakeSynth {
    fn synthesize(&self, c: &ArrayConfig) -> Result<SynthCounts, String> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        if c.rows() == 64 && c.cols() == 16 {
            return Err("out of memory".into());
        }
        let pes = (c.rows() * c.cols()) as u64;
        Ok(SynthCounts {
            luts: pes * c.acc_bits() as u64,
            ffs: pes * 30,
            brams: 2,
            dsps: 0,
        })
    }

    fn identity(&self, _: &ArrayConfig) -> String {
        self.identity.clone()
    }
}

#[test]
fn synthesis_runs_once_per_hardware_and_is_cached() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("syn.csv");
    let cache_path = dir.path().join("syn-synth.json");
    let s = sweep_spec();
    let synth = FakeSynth::default();
    let run = |synth: &FakeSynth| {
        let mut cache = SynthCache::open(&cache_path).unwrap();
        let stage = SynthStage {
            synthesizer: synth,
            cache: &mut cache,
        };
        run_sweep(
            &s,
            &Fake::default(),
            SweepOptions {
                synth: Some(stage),
                ..options(&out)
            },
        )
        .unwrap()
    };
    let first = run(&synth);
    // Clock does not change the hardware; acc_bits=auto and its resolved value share a key.
    let hw: std::collections::BTreeSet<String> = (0..s.len().unwrap())
        .filter_map(|i| s.point(i).design().config().ok())
        .map(|c| HwKey::of(&c).as_str().to_string())
        .collect();
    assert_eq!(synth.calls.load(Ordering::Relaxed), hw.len());
    assert_eq!(first.synthesized, hw.len() - 1);
    assert!(first.failed > 0);
    let table = SweepTable::read_csv(&out).unwrap();
    assert!(table.with_synth);
    for row in &table.rows {
        match &row.outcome {
            Outcome::Ok(_) => assert!(row.synth.is_some()),
            Outcome::Failed(e) => {
                assert!(e.contains("out of memory") && row.point.design().arch.rows == Some(64))
            }
            Outcome::Invalid(_) => assert!(row.synth.is_none()),
        }
    }
    assert!(
        dir.path().join("syn-pareto-luts.svg").exists()
            && dir.path().join("syn-pareto-luts.png").exists()
    );
    // A rerun synthesizes only what failed, and re-evaluates only the failed rows.
    let synth2 = FakeSynth::default();
    let second = run(&synth2);
    assert_eq!(synth2.calls.load(Ordering::Relaxed), 1);
    assert_eq!(second.evaluated, first.failed);
    // Another generator, method or tool (another identity) synthesizes
    // everything again; the earlier identity's entries stay in the file.
    let synth3 = FakeSynth {
        identity: "another flow".into(),
        ..Default::default()
    };
    run(&synth3);
    assert_eq!(synth3.calls.load(Ordering::Relaxed), hw.len());
    let cache = SynthCache::open(&cache_path).unwrap();
    assert_eq!(cache.len(), 2 * (hw.len() - 1));
}

#[test]
fn pareto_column_marks_the_non_dominated_ok_rows() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p.csv");
    run_sweep(&sweep_spec(), &Fake::default(), options(&out)).unwrap();
    let table = SweepTable::read_csv(&out).unwrap();
    let ok: Vec<(&Row, &Metrics)> = table
        .rows
        .iter()
        .filter_map(|r| Some((r, r.outcome.metrics()?)))
        .collect();
    let dominated = |m: &Metrics| {
        ok.iter().any(|(_, o)| {
            o.energy_per_token_pj <= m.energy_per_token_pj
                && o.tokens_per_s >= m.tokens_per_s
                && (o.energy_per_token_pj < m.energy_per_token_pj
                    || o.tokens_per_s > m.tokens_per_s)
        })
    };
    for (row, m) in &ok {
        assert_eq!(row.pareto, !dominated(m), "{}", row.point.key());
    }
    assert!(ok.iter().filter(|(r, _)| r.pareto).count() >= 2);
    for f in ["p.json", "p-pareto.svg", "p-pareto.png"] {
        assert!(dir.path().join(f).exists(), "{f}");
    }
}

#[test]
fn csv_round_trips_and_rejects_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t.csv");
    run_sweep(&sweep_spec(), &Fake::default(), options(&out)).unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("index,key,rows,cols,pe,acc_bits,"));
    let table = SweepTable::read_csv(&out).unwrap();
    assert_eq!(table.to_csv(), text.as_bytes());
    // A parameter edited without its key no longer matches.
    let tampered = text.replacen(",ternary,", ",mac-int8,", 1);
    std::fs::write(&out, tampered).unwrap();
    let e = SweepTable::read_csv(&out).unwrap_err().to_string();
    assert!(
        e.contains("does not match its parameter columns") && e.contains("row 2"),
        "{e}"
    );
    std::fs::write(&out, "a,b\n1,2\n").unwrap();
    let e = SweepTable::read_csv(&out).unwrap_err().to_string();
    assert!(e.contains("column 'index' is missing"), "{e}");
    // A quoted cell with a newline (found by fuzzing) is quoted on one line.
    let (head, rows) = text.split_once('\n').unwrap();
    let cut = rows.replacen("0,", "\"0\n1\",", 1);
    std::fs::write(&out, format!("{head}\n{cut}")).unwrap();
    let e = SweepTable::read_csv(&out).unwrap_err().to_string();
    assert!(
        !e.contains('\n') && e.contains("row 2") && e.contains("0\\n1"),
        "{e}"
    );
}

#[test]
fn output_does_not_depend_on_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let s = sweep_spec();
    let mut outputs = Vec::new();
    for threads in [1, 3] {
        let out = dir.path().join(format!("t{threads}.csv"));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| run_sweep(&s, &Fake::default(), options(&out)))
            .unwrap();
        outputs.push((
            std::fs::read(&out).unwrap(),
            std::fs::read(run::sibling(&out, ".json")).unwrap(),
        ));
    }
    assert_eq!(outputs[0], outputs[1]);
}

#[test]
fn merge_refuses_to_mix_synthesis_and_plain_tables() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.csv");
    let with = dir.path().join("with.csv");
    let s = spec(&[("rows", "8,16")]);
    run_sweep(
        &s,
        &Fake::default(),
        SweepOptions {
            shard: Some(Shard::new(0, 2).unwrap()),
            ..options(&plain)
        },
    )
    .unwrap();
    let synth = FakeSynth::default();
    let mut cache = SynthCache::in_memory();
    let stage = SynthStage {
        synthesizer: &synth,
        cache: &mut cache,
    };
    let o = SweepOptions {
        shard: Some(Shard::new(1, 2).unwrap()),
        synth: Some(stage),
        ..options(&with)
    };
    run_sweep(&s, &Fake::default(), o).unwrap();
    let e = merge_shards(&[plain, with]).unwrap_err().to_string();
    assert!(
        e.contains("with.csv") && e.contains("synthesis columns"),
        "{e}"
    );
}

#[test]
fn rows_are_journaled_as_points_finish() {
    /// Records, at each call, how many rows the journal already holds.
    struct Watch<'a> {
        journal: &'a std::path::Path,
        seen: std::sync::Mutex<Vec<usize>>,
    }
    impl PointEvaluator for Watch<'_> {
        fn evaluate(&self, point: &SweepPoint) -> Outcome {
            let rows = journal::read(self.journal).unwrap().rows.len();
            self.seen.lock().unwrap().push(rows);
            Fake::default().evaluate(point)
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("j.csv");
    let path = journal::path_for(&out);
    let watch = Watch {
        journal: &path,
        seen: Default::default(),
    };
    let s = spec(&[("rows", "4..64:x2")]);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    pool.install(|| run_sweep(&s, &watch, options(&out)))
        .unwrap();
    // One thread: the k-th evaluation sees the k − 1 rows before it.
    assert_eq!(*watch.seen.lock().unwrap(), [0, 1, 2, 3, 4]);
    assert!(
        !path.exists(),
        "the journal is removed once the outputs are written"
    );
}

#[test]
fn a_killed_run_resumes_from_its_journal() {
    let dir = tempfile::tempdir().unwrap();
    let s = sweep_spec();
    let n = s.len().unwrap() as usize;
    let whole = dir.path().join("whole.csv");
    run_sweep(&s, &Fake::default(), options(&whole)).unwrap();
    // What a kill leaves: no output, a journal of some rows in completion
    // order, the last line cut short.
    let out = dir.path().join("killed.csv");
    let done: Vec<Row> = SweepTable::read_csv(&whole)
        .unwrap()
        .rows
        .into_iter()
        .filter(|r| r.point.index % 2 == 1)
        .rev()
        .map(|r| Row { pareto: false, ..r })
        .collect();
    let provenance = SweepTable::read_csv(&whole).unwrap().provenance;
    let journal = journal::Journal::start(&journal::path_for(&out), &done, &provenance).unwrap();
    drop(journal);
    let mut bytes = std::fs::read(journal::path_for(&out)).unwrap();
    bytes.extend_from_slice(b"3,rows=8;cols=4;pe=tern");
    std::fs::write(journal::path_for(&out), bytes).unwrap();
    let fake = Fake::default();
    let resumed = run_sweep(&s, &fake, options(&out)).unwrap();
    assert_eq!(
        (resumed.resumed, resumed.evaluated),
        (done.len(), n - done.len())
    );
    assert_eq!(fake.calls.load(Ordering::Relaxed), n - done.len());
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&whole).unwrap());
    assert!(!journal::path_for(&out).exists());
}
