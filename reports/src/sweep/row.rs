//! One row per design point: its parameters, its outcome (the shared
//! [`Metrics`] of the evaluation, or why it is impossible), optional
//! synthesis counts and its Pareto mark; and the table of rows as CSV (read
//! back for resume and merge) and JSON. The columns derive from the
//! parameter table and from [`Metrics::COLUMNS`].

use super::space::SweepPoint;
use super::synth::SynthCounts;
use super::SweepError;
use std::collections::HashMap;
use std::path::Path;
use tritone_eval::param::{Value as ParamValue, PARAMS};
pub use tritone_eval::Metrics;

/// Synthesis columns (present with `--synth`), in CSV order.
pub const SYNTH_COLUMNS: [&str; 4] = ["luts", "ffs", "brams", "dsps"];

/// The result of evaluating one point.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Simulated and priced.
    Ok(Metrics),
    /// The point is impossible (the architecture or workload is refused); the
    /// message says why. Final: a resumed sweep does not retry it.
    Invalid(String),
    /// Evaluation failed for another reason (e.g. synthesis); retried on resume.
    Failed(String),
}

impl Outcome {
    /// The `status` column: `ok`, `invalid` or `failed`.
    pub fn status(&self) -> &'static str {
        match self {
            Outcome::Ok(_) => "ok",
            Outcome::Invalid(_) => "invalid",
            Outcome::Failed(_) => "failed",
        }
    }

    /// Whether a resumed sweep keeps this outcome instead of re-evaluating.
    pub fn is_final(&self) -> bool {
        !matches!(self, Outcome::Failed(_))
    }

    /// The metrics of a successful point.
    pub fn metrics(&self) -> Option<&Metrics> {
        match self {
            Outcome::Ok(m) => Some(m),
            _ => None,
        }
    }
}

/// One design point with its results.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The point (its `index` is the enumeration position).
    pub point: SweepPoint,
    /// Metrics, or why there are none.
    pub outcome: Outcome,
    /// Synthesis counts of the point's hardware (with `--synth`, ok points).
    pub synth: Option<SynthCounts>,
    /// Whether the point is on the Pareto front of its table.
    pub pareto: bool,
}

/// What the rows of a table were computed from, written in two columns of
/// every row: the sweep ([`super::SweepSpec::fingerprint`]: its value lists)
/// and the energy table the points were priced with
/// ([`super::PointEvaluator::energy_table`]). Shards merge only when both
/// agree; a resumed output must have been priced with the same table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Provenance {
    /// The sweep's fingerprint (16 hex digits).
    pub sweep: String,
    /// The energy table's identity (`<name>#<16 hex digits>`).
    pub energy_table: String,
}

/// The provenance columns, in CSV order (after `pareto`).
pub const PROVENANCE_COLUMNS: [&str; 2] = ["sweep", "energy_table"];

/// The rows of a sweep in enumeration order, whether synthesis counts are
/// part of it (they add columns and a Pareto objective), and what it was
/// computed from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SweepTable {
    /// Rows sorted by point index, keys unique.
    pub rows: Vec<Row>,
    /// Whether the table has synthesis columns.
    pub with_synth: bool,
    /// The sweep and energy table of every row (empty in a table without rows
    /// read from a file).
    pub provenance: Provenance,
}

/// Largest sweep table read back (an output to resume, a journal, a shard
/// to merge): 1 GiB, some 1.5 million rows. A device or pipe without end is
/// cut there instead of filling memory.
pub const MAX_TABLE_BYTES: u64 = 1 << 30;

/// The column names of a table, with or without synthesis counts.
pub(crate) fn header(with_synth: bool) -> Vec<&'static str> {
    let mut h = vec!["index", "key"];
    h.extend(PARAMS.iter().map(|p| p.name));
    h.extend(["status", "error"]);
    h.extend(Metrics::COLUMNS);
    if with_synth {
        h.extend(SYNTH_COLUMNS);
    }
    h.push("pareto");
    h.extend(PROVENANCE_COLUMNS);
    h
}

impl Row {
    /// The CSV cells of this row (numbers plain, absent values empty).
    pub(crate) fn cells(&self, with_synth: bool, provenance: &Provenance) -> Vec<String> {
        let mut c = vec![self.point.index.to_string(), self.point.key()];
        c.extend(self.point.values.iter().map(|v| v.text()));
        c.push(self.outcome.status().to_string());
        c.push(match &self.outcome {
            Outcome::Ok(_) => String::new(),
            Outcome::Invalid(e) | Outcome::Failed(e) => e.clone(),
        });
        match &self.outcome {
            Outcome::Ok(m) => c.extend(m.cells()),
            _ => c.extend(Metrics::COLUMNS.iter().map(|_| String::new())),
        }
        if with_synth {
            match &self.synth {
                Some(s) => c.extend([s.luts, s.ffs, s.brams, s.dsps].map(|n| n.to_string())),
                None => c.extend(SYNTH_COLUMNS.iter().map(|_| String::new())),
            }
        }
        c.push(self.pareto.to_string());
        c.extend([provenance.sweep.clone(), provenance.energy_table.clone()]);
        c
    }
}

impl SweepTable {
    /// The CSV text: a header line, then one line per row.
    pub fn to_csv(&self) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        // Writing to memory cannot fail.
        w.write_record(header(self.with_synth))
            .expect("in-memory CSV");
        for row in &self.rows {
            w.write_record(row.cells(self.with_synth, &self.provenance))
                .expect("in-memory CSV");
        }
        w.into_inner().expect("in-memory CSV")
    }

    /// The JSON text: an array with one object per row, keyed by the CSV
    /// column names, each value of its own type (integers, reals, booleans,
    /// strings; absent values null) — the metrics exactly as
    /// `tritone energy --json` writes them.
    pub fn to_json(&self) -> String {
        let rows: Vec<InColumnOrder> = self
            .rows
            .iter()
            .map(|r| r.json(self.with_synth, &self.provenance))
            .collect();
        serde_json::to_string_pretty(&rows).expect("JSON of plain values")
    }

    /// Reads a table written by [`SweepTable::to_csv`]. Every row is checked:
    /// its key must match its parameters, keys and indices must be unique.
    pub fn read_csv(path: &Path) -> Result<SweepTable, SweepError> {
        let bytes = tritone_reference::input::read_bytes(path, MAX_TABLE_BYTES)
            .map_err(|e| SweepError::file(path, e))?;
        let table = SweepTable::parse(&bytes, path)?;
        table.check_order().map_err(|why| SweepError::Table {
            path: path.display().to_string(),
            why,
        })?;
        Ok(table)
    }

    /// The rows of CSV text in the table's format, in the order written
    /// (`path` names it in errors).
    pub fn parse(bytes: &[u8], path: &Path) -> Result<SweepTable, SweepError> {
        let bad = |why: String| SweepError::Table {
            path: path.display().to_string(),
            why: one_line(&why),
        };
        let mut reader = csv::Reader::from_reader(bytes);
        let headers = reader.headers().map_err(|e| bad(e.to_string()))?.clone();
        let pos: HashMap<&str, usize> = headers.iter().enumerate().map(|(i, h)| (h, i)).collect();
        let with_synth = SYNTH_COLUMNS.iter().all(|c| pos.contains_key(c));
        if let Some(missing) = header(with_synth)
            .into_iter()
            .find(|c| !pos.contains_key(c))
        {
            return Err(bad(format!(
                "not a sweep table: column '{missing}' is missing"
            )));
        }
        let mut rows = Vec::new();
        let mut provenance: Option<Provenance> = None;
        for (line, record) in reader.records().enumerate() {
            let record = record.map_err(|e| bad(e.to_string()))?;
            let cell = Cells {
                record: &record,
                pos: &pos,
            };
            let at = |why: String| bad(format!("row {}: {why}", line + 2));
            let row = parse_row(&cell, with_synth).map_err(at)?;
            let this = Provenance {
                sweep: cell.get("sweep").map_err(at)?.to_string(),
                energy_table: cell.get("energy_table").map_err(at)?.to_string(),
            };
            match &provenance {
                None => provenance = Some(this),
                Some(first) if *first != this => {
                    return Err(at(format!(
                        "sweep {} priced with {} differs from the rows above (sweep {} priced \
                         with {}): the file mixes rows of different sweeps",
                        this.sweep, this.energy_table, first.sweep, first.energy_table
                    )))
                }
                Some(_) => {}
            }
            rows.push(row);
        }
        Ok(SweepTable {
            rows,
            with_synth,
            provenance: provenance.unwrap_or_default(),
        })
    }

    /// Checks that rows are in strictly increasing index order (so no index
    /// appears twice), as every writer of a table leaves them.
    pub fn check_order(&self) -> Result<(), String> {
        for pair in self.rows.windows(2) {
            if pair[0].point.index >= pair[1].point.index {
                return Err(format!(
                    "rows out of order or duplicated at index {} ({} then {})",
                    pair[1].point.index,
                    pair[0].point.key(),
                    pair[1].point.key()
                ));
            }
        }
        Ok(())
    }
}

/// The cells of one CSV record, by column name.
struct Cells<'a> {
    record: &'a csv::StringRecord,
    pos: &'a HashMap<&'a str, usize>,
}

impl<'a> Cells<'a> {
    fn get(&self, column: &str) -> Result<&'a str, String> {
        self.pos
            .get(column)
            .and_then(|&i| self.record.get(i))
            .ok_or_else(|| format!("column {column} is missing"))
    }
}

/// A message that quotes cells of a file, made one line: control
/// characters (a newline inside a quoted cell) escaped, and clipped to 1000
/// characters.
fn one_line(why: &str) -> String {
    const MAX: usize = 1000;
    let mut out = String::new();
    for (i, c) in why.chars().enumerate() {
        if i == MAX {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

fn parse_row(cell: &Cells<'_>, with_synth: bool) -> Result<Row, String> {
    let index_text = cell.get("index")?;
    let index: u64 = index_text
        .parse()
        .map_err(|_| format!("index '{index_text}' is not a non-negative integer"))?;
    let point =
        SweepPoint::from_texts(index, |p| cell.get(p.name).ok()).map_err(|e| e.to_string())?;
    let key = cell.get("key")?;
    if point.key() != key {
        return Err(format!("key '{key}' does not match its parameter columns"));
    }
    let error = cell.get("error")?.to_string();
    let outcome = match cell.get("status")? {
        "ok" => Outcome::Ok(Metrics::from_cells(|c| cell.get(c).ok())?),
        "invalid" => Outcome::Invalid(error),
        "failed" => Outcome::Failed(error),
        other => return Err(format!("unknown status '{other}'")),
    };
    let synth = if with_synth && !cell.get("luts")?.is_empty() {
        let n = |c: &str| -> Result<u64, String> {
            cell.get(c)?
                .parse()
                .map_err(|_| format!("column {c} is not a count"))
        };
        Some(SynthCounts {
            luts: n("luts")?,
            ffs: n("ffs")?,
            brams: n("brams")?,
            dsps: n("dsps")?,
        })
    } else {
        None
    };
    let pareto = match cell.get("pareto")? {
        "true" => true,
        "false" => false,
        other => return Err(format!("pareto '{other}' is not true or false")),
    };
    Ok(Row {
        point,
        outcome,
        synth,
        pareto,
    })
}

impl Row {
    /// The row as a JSON object with the CSV's column names.
    fn json(&self, with_synth: bool, provenance: &Provenance) -> InColumnOrder {
        use serde_json::{json, Value};
        let mut o = InColumnOrder(Vec::new());
        o.insert("index".into(), json!(self.point.index));
        o.insert("key".into(), json!(self.point.key()));
        for (p, v) in PARAMS.iter().zip(&self.point.values) {
            let value = match v {
                ParamValue::Count(n) => json!(n),
                ParamValue::Real(x) => json!(x),
                ParamValue::Flag(Some(b)) => json!(b),
                other => json!(other.text()),
            };
            o.insert(p.name.into(), value);
        }
        o.insert("status".into(), json!(self.outcome.status()));
        let (error, metrics) = match &self.outcome {
            Outcome::Ok(m) => (Value::Null, serde_json::to_value(m).expect("plain numbers")),
            Outcome::Invalid(e) | Outcome::Failed(e) => (json!(e), Value::Null),
        };
        o.insert("error".into(), error);
        for c in Metrics::COLUMNS {
            o.insert(
                c.to_string(),
                metrics.get(c).cloned().unwrap_or(Value::Null),
            );
        }
        if with_synth {
            let counts = self.synth.map(|s| [s.luts, s.ffs, s.brams, s.dsps]);
            for (i, c) in SYNTH_COLUMNS.iter().enumerate() {
                o.insert(c.to_string(), counts.map_or(Value::Null, |n| json!(n[i])));
            }
        }
        o.insert("pareto".into(), json!(self.pareto));
        o.insert("sweep".into(), json!(provenance.sweep));
        o.insert("energy_table".into(), json!(provenance.energy_table));
        o
    }
}

/// A JSON object whose keys keep the order they were inserted in: the CSV's
/// column order (a `serde_json` map would sort them).
pub(crate) struct InColumnOrder(Vec<(String, serde_json::Value)>);

impl InColumnOrder {
    fn insert(&mut self, key: String, value: serde_json::Value) {
        self.0.push((key, value));
    }
}

impl serde::Serialize for InColumnOrder {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}
