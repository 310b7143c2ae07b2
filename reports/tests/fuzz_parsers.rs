//! Fuzz-style properties of the sweep's user-file parsers: the sweep spec
//! (`--spec`, TOML) and the sweep CSV read back to resume a run or to merge
//! shards. For every input: no panic, a bounded time, an error on one line
//! that names the file, the row or the parameter; what is accepted lies
//! inside the documented limits.

use proptest::prelude::*;
use tritone_reports::sweep::{
    journal, Metrics, Outcome, PointEvaluator, SweepPoint, SweepSpec, SweepTable,
    DEFAULT_MAX_POINTS,
};

#[path = "../../reference/tests/common/fuzz.rs"]
mod fuzz;
use fuzz::{fuzz, one_line};

// ------------------------------------------------------------------ sweep spec

/// A value list: grammar strings (ranges, lists), TOML arrays and scalars,
/// plausible and hostile.
fn list() -> impl Strategy<Value = String> {
    prop_oneof![
        (1u32..300).prop_map(|n| n.to_string()),
        (1u32..64, 1u32..5000, 1u32..100).prop_map(|(a, b, k)| format!("\"{a}..{b}:+{k}\"")),
        (1u32..64, 1u32..5000, 2u32..9).prop_map(|(a, b, k)| format!("\"{a}..{b}:x{k}\"")),
        prop::collection::vec(1u32..5000, 0..5).prop_map(|v| format!("{v:?}")),
        prop_oneof![
            Just("\"1..1000000000:+1\""),
            Just("\"1..18446744073709551615:x2\""),
            Just("\"5..1:+1\""),
            Just("\"1..9:+0\""),
            Just("\"1..9:x1\""),
            Just("\"8,8\""),
            Just("\"ternary,mac-int8\""),
            Just("\"bitnet-b1.58-large\""),
            Just("\"lpddr4,hbm2\""),
            Just("1e-300"),
            Just("1e300"),
            Just("nan"),
            Just("-8"),
            Just("0"),
            Just("true"),
            Just("\"\""),
            Just("[]"),
            Just("{}"),
            Just("[[1]]"),
        ]
        .prop_map(String::from),
        "\"\\PC{0,12}\"",
    ]
}

const KEYS: [&str; 14] = [
    "rows",
    "cols",
    "pe",
    "acc_bits",
    "clock_mhz",
    "dram",
    "dram_gbps",
    "weight_kib",
    "model",
    "batch",
    "prefill",
    "decode",
    "kv_bits",
    "nonsense",
];

fn section(name: &'static str) -> impl Strategy<Value = String> {
    prop::collection::vec((prop::sample::select(KEYS.to_vec()), list()), 0..5).prop_map(
        move |fields| {
            let mut text = format!("[{name}]\n");
            let mut seen = std::collections::BTreeSet::new();
            for (k, v) in fields {
                // A key twice is a TOML error, tried by the raw texts.
                if seen.insert(k) {
                    text.push_str(&format!("{k} = {v}\n"));
                }
            }
            text
        },
    )
}

fn spec_text() -> impl Strategy<Value = String> {
    prop_oneof![
        9 => (section("arch"), section("workload"), prop::option::of(section("other")))
            .prop_map(|(a, w, o)| a + &w + &o.unwrap_or_default()),
        1 => "\\PC{0,60}",
    ]
}

#[test]
fn sweep_specs_never_panic_and_are_counted_before_any_work() {
    let accepted = std::cell::Cell::new(0u32);
    fuzz("sweep spec TOML", 4000, spec_text(), |text| {
        match SweepSpec::from_toml_str(&text) {
            Ok(spec) => {
                accepted.set(accepted.get() + 1);
                // The count never wraps: within the limit or refused.
                match spec.check_size(DEFAULT_MAX_POINTS) {
                    Ok(n) => prop_assert!((1..=DEFAULT_MAX_POINTS).contains(&n)),
                    Err(e) => {
                        let msg = e.to_string();
                        one_line(&msg)?;
                        prop_assert!(msg.contains("points"), "{msg}");
                    }
                }
            }
            Err(e) => {
                let msg = e.to_string();
                one_line(msg.lines().next().unwrap_or(""))?;
                prop_assert!(
                    msg.starts_with("sweep spec: ")
                        || msg.starts_with("sweep parameter ")
                        || msg.starts_with("unknown sweep parameter "),
                    "names neither the spec nor a parameter: {msg}"
                );
            }
        }
        Ok(())
    });
    assert!(
        accepted.get() > 100,
        "only {} specs accepted",
        accepted.get()
    );
}

// ------------------------------------------------------------------- sweep CSV

/// Metrics from a closed formula, so that a small real table can be written.
struct Formula;

impl PointEvaluator for Formula {
    fn check(&self, point: &SweepPoint) -> Result<(), String> {
        point
            .design()
            .config()
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn evaluate(&self, point: &SweepPoint) -> Outcome {
        let c = point.design().config().unwrap();
        let macs = (c.rows() * c.cols()) as f64;
        if c.rows() == 16 && c.cols() == 8 {
            return Outcome::Invalid("too small for the model".into());
        }
        Outcome::Ok(Metrics {
            cycles: 1000 + c.rows() as u64,
            tokens_per_s: macs,
            energy_per_token_pj: macs.sqrt(),
            energy_pj: 3.0 * macs,
            ..Metrics::default()
        })
    }
}

/// The CSV of a real four-point sweep, written once.
fn base_csv() -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("base.csv");
    let mut spec = SweepSpec::default();
    spec.set("rows", "8,16").unwrap();
    spec.set("cols", "8,16").unwrap();
    let options = tritone_reports::sweep::SweepOptions {
        out: out.clone(),
        shard: None,
        synth: None,
        progress: false,
        max_points: DEFAULT_MAX_POINTS,
    };
    tritone_reports::sweep::run_sweep(&spec, &Formula, options).unwrap();
    std::fs::read_to_string(&out).unwrap()
}

fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u64..100).prop_map(|n| n.to_string()),
        prop_oneof![
            Just(""),
            Just("-1"),
            Just("-0.5"),
            Just("NaN"),
            Just("inf"),
            Just("1e308"),
            Just("18446744073709551616"),
            Just("ok"),
            Just("invalid"),
            Just("failed"),
            Just("true"),
            Just("rows=8;cols=8"),
            Just("\"a,b\""),
        ]
        .prop_map(String::from),
        "\\PC{0,8}",
    ]
}

#[derive(Clone, Debug)]
enum CsvEdit {
    Cell(String),
    DropLine,
    TwiceLine,
    SwapLines,
    Cut,
}

type Located = (prop::sample::Index, prop::sample::Index, CsvEdit);

fn csv_edit() -> impl Strategy<Value = Located> {
    (
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
        prop_oneof![
            6 => cell().prop_map(CsvEdit::Cell),
            1 => Just(CsvEdit::DropLine),
            1 => Just(CsvEdit::TwiceLine),
            1 => Just(CsvEdit::SwapLines),
            1 => Just(CsvEdit::Cut),
        ],
    )
}

fn edited(base: &str, edits: &[Located]) -> String {
    let mut lines: Vec<String> = base.lines().map(String::from).collect();
    for (line, at, e) in edits {
        if lines.is_empty() {
            break;
        }
        let i = line.index(lines.len());
        match e {
            CsvEdit::Cell(v) => {
                let mut cells: Vec<&str> = lines[i].split(',').collect();
                let j = at.index(cells.len());
                cells[j] = v;
                lines[i] = cells.join(",");
            }
            CsvEdit::DropLine => {
                lines.remove(i);
            }
            CsvEdit::TwiceLine => lines.insert(i, lines[i].clone()),
            CsvEdit::SwapLines => {
                let j = at.index(lines.len());
                lines.swap(i, j);
            }
            CsvEdit::Cut => {
                let l = &lines[i];
                let mut k = at.index(l.len() + 1);
                while !l.is_char_boundary(k) {
                    k -= 1;
                }
                lines[i] = l[..k].to_string();
            }
        }
    }
    lines.join("\n") + "\n"
}

#[test]
fn sweep_csvs_never_panic_and_errors_name_the_file_and_row() {
    let base = base_csv();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("resume.csv");
    let shown = path.display().to_string();
    let accepted = std::cell::Cell::new(0u32);
    let strategy = prop_oneof![
        9 => prop::collection::vec(csv_edit(), 0..4).prop_map(move |e| edited(&base, &e)),
        1 => "\\PC{0,80}",
    ];
    let case = std::cell::Cell::new(0u32);
    fuzz("sweep CSV (resume, merge)", 4000, strategy, |text| {
        // The table as read back on resume and merge (in memory, as
        // `read_csv` parses it; every tenth case through the files too, the
        // output and the same text as a journal).
        let mut reads = vec![(
            "output",
            SweepTable::parse(text.as_bytes(), &path).and_then(|t| {
                t.check_order().map(|()| t).map_err(|why| {
                    tritone_reports::sweep::SweepError::Table {
                        path: shown.clone(),
                        why,
                    }
                })
            }),
        )];
        case.set(case.get() + 1);
        if case.get().is_multiple_of(10) {
            std::fs::write(&path, &text).unwrap();
            reads.push(("output file", SweepTable::read_csv(&path)));
            reads.push(("journal", journal::read(&path)));
        }
        for (what, read) in reads {
            match read {
                Ok(table) => {
                    if what == "output" {
                        accepted.set(accepted.get() + 1);
                    }
                    for row in &table.rows {
                        if let Outcome::Ok(m) = &row.outcome {
                            for v in [m.energy_per_token_pj, m.energy_pj, m.tokens_per_s] {
                                prop_assert!(v.is_finite() && v >= 0.0, "{v} accepted");
                            }
                        }
                    }
                }
                Err(e) => {
                    let msg = e.to_string();
                    one_line(&msg)?;
                    prop_assert!(
                        msg.contains(&shown),
                        "{what}: does not name the file: {msg}"
                    );
                }
            }
        }
        Ok(())
    });
    assert!(
        accepted.get() > 200,
        "only {} tables accepted",
        accepted.get()
    );
}
