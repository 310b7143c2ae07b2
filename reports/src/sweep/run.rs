//! Running a sweep: select the points of this shard, skip those already in
//! the output or its journal, evaluate the rest in parallel (each row
//! journaled as it finishes), add synthesis counts, mark the Pareto front
//! and write CSV, JSON and plots — all rows in enumeration order, so the
//! files are the same for the same command.

use super::eval::PointEvaluator;
use super::journal::{self, Journal};
use super::row::{Outcome, Provenance, Row, SweepTable};
use super::space::SweepSpec;
use super::synth::{HwKey, SynthCache, Synthesizer};
use super::SweepError;
use crate::pareto::{pareto_front, Sense};
use crate::write::atomic_write;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tritone_eval::param::PARAMS;

/// A slice of a sweep for one job of a job array: the points whose
/// enumeration index `i` satisfies `i % count == index`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    index: u64,
    count: u64,
}

impl Shard {
    /// Shard `index` of `count` (0-based); refuses `count == 0` and `index >= count`.
    pub fn new(index: u64, count: u64) -> Result<Shard, SweepError> {
        if count == 0 || index >= count {
            return Err(SweepError::Shard(format!("{index}/{count}")));
        }
        Ok(Shard { index, count })
    }

    /// Whether the point at enumeration position `i` belongs to this shard.
    pub fn contains(&self, i: u64) -> bool {
        i % self.count == self.index
    }
}

impl std::str::FromStr for Shard {
    type Err = SweepError;
    /// Parses `i/n`.
    fn from_str(s: &str) -> Result<Shard, SweepError> {
        let bad = || SweepError::Shard(s.to_string());
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        Shard::new(
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        )
        .map_err(|_| bad())
    }
}

/// Synthesis for a sweep: the flow and its cache.
pub struct SynthStage<'a> {
    /// Runs synthesis for configurations missing from the cache.
    pub synthesizer: &'a dyn Synthesizer,
    /// Results by hardware configuration.
    pub cache: &'a mut SynthCache,
}

/// Default limit of the points of one sweep ([`SweepOptions::max_points`]):
/// 100,000. Every point is evaluated (about 3,000 to 6,000 a second on two
/// cores) and its row kept in memory and written (about 700 bytes of CSV),
/// so a spec whose lists multiply past it is refused before any work.
pub const DEFAULT_MAX_POINTS: u64 = 100_000;

/// How to run a sweep.
pub struct SweepOptions<'a> {
    /// The CSV output; JSON and plots are written next to it.
    pub out: PathBuf,
    /// Only this shard of the points.
    pub shard: Option<Shard>,
    /// Add synthesis counts (and LUTs as a Pareto objective).
    pub synth: Option<SynthStage<'a>>,
    /// Show a progress bar (only drawn when stderr is a terminal).
    pub progress: bool,
    /// Most points of the sweep (all shards); more is refused before any
    /// work ([`DEFAULT_MAX_POINTS`] unless raised).
    pub max_points: u64,
}

/// What a sweep did.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepSummary {
    /// Points of the sweep (all shards).
    pub total_points: u64,
    /// Points of this shard.
    pub shard_points: usize,
    /// Points evaluated by this run.
    pub evaluated: usize,
    /// Points taken over from the existing output.
    pub resumed: usize,
    /// Rows with status ok / invalid / failed.
    pub ok: usize,
    /// See `ok`.
    pub invalid: usize,
    /// See `ok`.
    pub failed: usize,
    /// Rows on the Pareto front.
    pub pareto: usize,
    /// Hardware configurations synthesized by this run (not from the cache).
    pub synthesized: usize,
    /// Wall time of the evaluation stage.
    pub eval_time: Duration,
    /// Files written.
    pub files: Vec<PathBuf>,
}

/// Refuses a sweep in which some parameter value cannot be evaluated in any
/// combination (e.g. `kv_bits=3`, an unknown model, `weight_rows_per_cycle`
/// above every `rows`). Checks every point, in parallel; the check is cheap.
pub fn check_spec(spec: &SweepSpec, evaluator: &dyn PointEvaluator) -> Result<(), SweepError> {
    let total = spec.len()?;
    let lens = spec.lens();
    // For each parameter value: whether some point with it passes, and the
    // first failure seen (for the message).
    type Seen = Vec<Vec<(bool, Option<String>)>>;
    let empty = || -> Seen { lens.iter().map(|&n| vec![(false, None); n]).collect() };
    let seen = (0..total)
        .into_par_iter()
        .fold(empty, |mut seen, i| {
            let point = spec.point(i);
            let result = evaluator.check(&point);
            let mut rest = i;
            for k in (0..lens.len()).rev() {
                let d = (rest % lens[k] as u64) as usize;
                rest /= lens[k] as u64;
                let slot = &mut seen[k][d];
                match &result {
                    Ok(()) => slot.0 = true,
                    Err(e) if slot.1.is_none() => slot.1 = Some(e.clone()),
                    Err(_) => {}
                }
            }
            seen
        })
        .reduce(empty, |mut a, b| {
            for (va, vb) in a.iter_mut().zip(b) {
                for (sa, sb) in va.iter_mut().zip(vb) {
                    sa.0 |= sb.0;
                    if sa.1.is_none() {
                        sa.1 = sb.1;
                    }
                }
            }
            a
        });
    // seen[0] covers every point: no ok value there means no point is possible.
    if !seen[0].iter().any(|(ok, _)| *ok) {
        let why = seen[0]
            .iter()
            .find_map(|(_, e)| e.clone())
            .unwrap_or_default();
        return Err(SweepError::Impossible(why));
    }
    for (k, p) in PARAMS.iter().enumerate() {
        let values = spec.values(p);
        for (d, (any_ok, err)) in seen[k].iter().enumerate() {
            if !any_ok {
                return Err(SweepError::spec(
                    p.name,
                    format!(
                        "{}={} is impossible in every combination of this sweep: {}",
                        p.name,
                        values[d],
                        err.as_deref().unwrap_or("no point")
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn progress_bar(len: usize, enabled: bool) -> ProgressBar {
    if enabled && std::io::stderr().is_terminal() {
        let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} points, {per_sec}, eta {eta}")
                .expect("static template"),
        );
        bar
    } else {
        ProgressBar::hidden()
    }
}

/// Evaluates the points at `indices` in parallel; rows come back in the
/// order of `indices`. Each row is appended to `journal` as it finishes.
pub fn evaluate_points(
    spec: &SweepSpec,
    evaluator: &dyn PointEvaluator,
    indices: &[u64],
    progress: bool,
    journal: Option<&Journal>,
) -> Result<Vec<Row>, SweepError> {
    let bar = progress_bar(indices.len(), progress);
    let rows = indices
        .par_iter()
        .map(|&i| {
            let point = spec.point(i);
            let outcome = evaluator.evaluate(&point);
            let row = Row {
                point,
                outcome,
                synth: None,
                pareto: false,
            };
            if let Some(j) = journal {
                j.append(&row)?;
            }
            bar.inc(1);
            Ok(row)
        })
        .collect();
    bar.finish_and_clear();
    rows
}

/// Marks the Pareto front of the ok rows: energy per token (minimize) and
/// tokens/s (maximize), plus LUTs (minimize) when the table has synthesis
/// counts.
pub fn mark_pareto(table: &mut SweepTable) {
    let mut senses = vec![Sense::Minimize, Sense::Maximize];
    if table.with_synth {
        senses.push(Sense::Minimize);
    }
    let candidates: Vec<usize> = (0..table.rows.len())
        .filter(|&i| table.rows[i].outcome.metrics().is_some())
        .collect();
    let objectives: Vec<Vec<f64>> = candidates
        .iter()
        .map(|&i| {
            let row = &table.rows[i];
            let m = row.outcome.metrics().expect("ok rows only");
            let mut v = vec![m.energy_per_token_pj, m.tokens_per_s];
            if table.with_synth {
                v.push(row.synth.map_or(f64::NAN, |s| s.luts as f64));
            }
            v
        })
        .collect();
    let front = pareto_front(&objectives, &senses);
    for row in &mut table.rows {
        row.pareto = false;
    }
    for (&i, on) in candidates.iter().zip(front) {
        table.rows[i].pareto = on;
    }
}

/// A file next to the CSV `out`: its stem followed by `suffix`
/// (`sweep.csv`, `.json` → `sweep.json`). The stem is kept byte for byte,
/// so a name that is not UTF-8 gets siblings with the same bytes.
pub fn sibling(out: &Path, suffix: &str) -> PathBuf {
    let mut name: OsString = out
        .file_stem()
        .map_or_else(|| OsString::from("sweep"), ToOwned::to_owned);
    name.push(suffix);
    out.with_file_name(name)
}

/// Every file a sweep writing `out` may create, each with what it is (for
/// messages): the CSV, the JSON, the Pareto plots (with `synth`, those
/// against LUTs too) and the journal. The synthesis cache is chosen
/// separately (`SynthCache::open`). A caller refuses collisions among them,
/// and with its inputs, before any work.
pub fn output_files(out: &Path, synth: bool) -> Vec<(&'static str, PathBuf)> {
    let mut files = vec![
        ("--out", out.to_path_buf()),
        ("the JSON", sibling(out, ".json")),
    ];
    files.extend(
        super::figure::plot_files(out, synth)
            .into_iter()
            .map(|p| ("a Pareto plot", p)),
    );
    files.push(("the journal", journal::path_for(out)));
    files
}

/// Writes the CSV, the JSON and the Pareto plots of a table, published
/// together ([`tritone_reference::atomic::publish_together`]: an interrupt
/// or a failure leaves the previous files whole); returns the files.
pub fn write_outputs(table: &SweepTable, out: &Path) -> Result<Vec<PathBuf>, SweepError> {
    let Some(name) = out.file_name() else {
        return Err(SweepError::file(out, "names no file"));
    };
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut staged = Vec::new();
    tritone_reference::atomic::publish_together(dir, |stage| -> Result<(), SweepError> {
        let csv = stage.join(name);
        atomic_write(&csv, &table.to_csv())?;
        let json = sibling(&csv, ".json");
        atomic_write(&json, table.to_json().as_bytes())?;
        staged = vec![csv.clone(), json];
        staged.extend(super::figure::write_pareto_plots(table, &csv)?);
        Ok(())
    })
    .map_err(|e| SweepError::file(out, e))??;
    // The same names next to `out`, in writing order.
    Ok(staged
        .iter()
        .map(|p| out.with_file_name(p.file_name().expect("a staged file")))
        .collect())
}

/// Rows of an existing output and of its journal that this run keeps
/// (final outcomes, one per point), re-indexed for `spec`. Rows priced with
/// another energy table than `energy_table` are refused.
fn resumable_rows(
    spec: &SweepSpec,
    shard: Option<Shard>,
    out: &Path,
    energy_table: &str,
) -> Result<Vec<Row>, SweepError> {
    let written = if out.exists() {
        SweepTable::read_csv(out)?
    } else {
        SweepTable::default()
    };
    let journal_path = journal::path_for(out);
    let journaled = journal::read(&journal_path)?;
    let mut kept: BTreeMap<u64, Row> = BTreeMap::new();
    for (path, table) in [(out, written), (journal_path.as_path(), journaled)] {
        let theirs = &table.provenance.energy_table;
        if !table.rows.is_empty() && theirs != energy_table {
            return Err(SweepError::Table {
                path: path.display().to_string(),
                why: format!(
                    "its rows were priced with energy table {theirs}, this run prices with \
                     {energy_table}: write to a new --out or delete the file"
                ),
            });
        }
        for row in checked_rows(spec, shard, path, table.rows)? {
            kept.entry(row.point.index).or_insert(row);
        }
    }
    Ok(kept.into_values().collect())
}

/// The final rows of `rows` (read from `path`), re-indexed for `spec`;
/// refuses rows that are not points of this sweep or shard.
fn checked_rows(
    spec: &SweepSpec,
    shard: Option<Shard>,
    path: &Path,
    rows: Vec<Row>,
) -> Result<Vec<Row>, SweepError> {
    let mut kept = Vec::new();
    for mut row in rows {
        let bad = |why: String| SweepError::Table {
            path: path.display().to_string(),
            why,
        };
        let index = spec.index_of(&row.point).ok_or_else(|| {
            bad(format!(
                "holds point {} which is not part of this sweep; write to a new --out or delete the file",
                row.point.key()
            ))
        })?;
        if shard.is_some_and(|s| !s.contains(index)) {
            return Err(bad(format!(
                "holds point {} which is not in this shard",
                row.point.key()
            )));
        }
        row.point.index = index;
        if row.outcome.is_final() {
            kept.push(row);
        }
    }
    Ok(kept)
}

/// Adds synthesis counts to every ok row: cached, or synthesized once per
/// hardware configuration (in parallel). A failed synthesis fails its rows.
fn add_synthesis(rows: &mut [Row], stage: &mut SynthStage<'_>) -> Result<usize, SweepError> {
    let synthesizer = stage.synthesizer;
    // Each hardware configuration once, with its synthesizer identity.
    let mut configs = HashMap::new();
    for row in rows.iter() {
        if let (Outcome::Ok(_), Ok(config)) = (&row.outcome, row.point.design().config()) {
            configs.entry(HwKey::of(&config)).or_insert_with(|| {
                let identity = synthesizer.identity(&config);
                (config, identity)
            });
        }
    }
    let missing: BTreeSet<HwKey> = configs
        .iter()
        .filter(|(k, (_, identity))| stage.cache.get(k, identity).is_none())
        .map(|(k, _)| k.clone())
        .collect();
    let cache = std::sync::Mutex::new(&mut *stage.cache);
    let failures: HashMap<HwKey, String> = missing
        .par_iter()
        .filter_map(|key| match synthesizer.synthesize(&configs[key].0) {
            Ok(counts) => {
                // Saved as soon as it is known: synthesis is the expensive part.
                let saved = cache
                    .lock()
                    .expect("cache lock")
                    .insert(key, &configs[key].1, counts);
                saved
                    .err()
                    .map(|e| (key.clone(), format!("synthesis cache: {e}")))
            }
            Err(e) => Some((key.clone(), format!("synthesis failed: {e}"))),
        })
        .collect();
    for row in rows.iter_mut() {
        if !matches!(row.outcome, Outcome::Ok(_)) {
            continue;
        }
        let key = HwKey::of(
            &row.point
                .design()
                .config()
                .expect("ok rows have a valid architecture"),
        );
        match failures.get(&key) {
            Some(e) => {
                row.outcome = Outcome::Failed(e.clone());
                row.synth = None;
            }
            None => row.synth = stage.cache.get(&key, &configs[&key].1),
        }
    }
    Ok(missing.len() - failures.len())
}

/// Runs a sweep (see the module documentation) and writes its files.
pub fn run_sweep(
    spec: &SweepSpec,
    evaluator: &dyn PointEvaluator,
    mut options: SweepOptions<'_>,
) -> Result<SweepSummary, SweepError> {
    let total = spec.check_size(options.max_points)?;
    check_spec(spec, evaluator)?;
    let selected: Vec<u64> = (0..total)
        .filter(|&i| options.shard.is_none_or(|s| s.contains(i)))
        .collect();
    let provenance = Provenance {
        sweep: spec.fingerprint(),
        energy_table: evaluator.energy_table(),
    };
    let kept = resumable_rows(spec, options.shard, &options.out, &provenance.energy_table)?;
    let done: BTreeSet<u64> = kept.iter().map(|r| r.point.index).collect();
    let todo: Vec<u64> = selected
        .iter()
        .copied()
        .filter(|i| !done.contains(i))
        .collect();

    let journal = Journal::start(&journal::path_for(&options.out), &kept, &provenance)?;
    let start = Instant::now();
    let fresh = evaluate_points(spec, evaluator, &todo, options.progress, Some(&journal))?;
    let eval_time = start.elapsed();

    let mut rows = kept;
    let resumed = rows.len();
    rows.extend(fresh);
    rows.sort_by_key(|r| r.point.index);
    let with_synth = options.synth.is_some();
    let synthesized = match options.synth.as_mut() {
        Some(stage) => add_synthesis(&mut rows, stage)?,
        None => {
            rows.iter_mut().for_each(|r| r.synth = None);
            0
        }
    };
    let mut table = SweepTable {
        rows,
        with_synth,
        provenance,
    };
    mark_pareto(&mut table);
    let files = write_outputs(&table, &options.out)?;
    journal.finish()?;
    let count = |s: &str| {
        table
            .rows
            .iter()
            .filter(|r| r.outcome.status() == s)
            .count()
    };
    Ok(SweepSummary {
        total_points: total,
        shard_points: selected.len(),
        evaluated: todo.len(),
        resumed,
        ok: count("ok"),
        invalid: count("invalid"),
        failed: count("failed"),
        pareto: table.rows.iter().filter(|r| r.pareto).count(),
        synthesized,
        eval_time,
        files,
    })
}
