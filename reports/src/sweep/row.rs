//! One row per design point: its parameters, its outcome (metrics, or why it
//! is impossible), optional synthesis counts and its Pareto mark; and the
//! table of rows as CSV (read back for resume and merge) and JSON.

use super::space::{DesignPoint, Param};
use super::synth::SynthCounts;
use super::SweepError;
use std::collections::HashMap;
use std::path::Path;

/// What the simulator and the energy model say about one valid point.
#[derive(Clone, Debug, PartialEq)]
pub struct Metrics {
    /// Total cycles (prefill + decode).
    pub cycles: u64,
    /// Cycles of the prefill (prompt) phase.
    pub prefill_cycles: u64,
    /// Cycles of the decode (generation) phase.
    pub decode_cycles: u64,
    /// Generated tokens per second in decode.
    pub tokens_per_s: f64,
    /// Time to first token, seconds.
    pub ttft_s: f64,
    /// Array utilization, 0..1.
    pub utilization: f64,
    /// Cycles the array waited for memory.
    pub stall_cycles: u64,
    /// Energy per generated token, faithful view (every action priced), pJ.
    pub energy_per_token_pj: f64,
    /// Energy per generated token, the paper's view (arithmetic only), pJ.
    pub paper_energy_per_token_pj: f64,
    /// Bytes moved to and from DRAM.
    pub dram_bytes: u64,
    /// Bytes of weights in DRAM.
    pub weight_bytes: u64,
    /// Bytes of KV cache at the end of the run.
    pub kv_cache_bytes: u64,
}

/// Metric columns, in CSV order.
pub const METRIC_COLUMNS: [&str; 12] = [
    "cycles",
    "prefill_cycles",
    "decode_cycles",
    "tokens_per_s",
    "ttft_s",
    "utilization",
    "stall_cycles",
    "energy_per_token_pj",
    "paper_energy_per_token_pj",
    "dram_bytes",
    "weight_bytes",
    "kv_cache_bytes",
];

/// Synthesis columns (present with `--synth`), in CSV order.
pub const SYNTH_COLUMNS: [&str; 4] = ["luts", "ffs", "brams", "dsps"];

impl Metrics {
    fn cells(&self) -> [String; 12] {
        [
            self.cycles.to_string(),
            self.prefill_cycles.to_string(),
            self.decode_cycles.to_string(),
            self.tokens_per_s.to_string(),
            self.ttft_s.to_string(),
            self.utilization.to_string(),
            self.stall_cycles.to_string(),
            self.energy_per_token_pj.to_string(),
            self.paper_energy_per_token_pj.to_string(),
            self.dram_bytes.to_string(),
            self.weight_bytes.to_string(),
            self.kv_cache_bytes.to_string(),
        ]
    }

    fn from_cells(cell: &Cells<'_>) -> Result<Metrics, String> {
        fn num<T: std::str::FromStr>(cell: &Cells<'_>, c: &str) -> Result<T, String> {
            let text = cell.get(c)?;
            text.parse()
                .map_err(|_| format!("column {c}: '{text}' is not a number"))
        }
        Ok(Metrics {
            cycles: num(cell, "cycles")?,
            prefill_cycles: num(cell, "prefill_cycles")?,
            decode_cycles: num(cell, "decode_cycles")?,
            tokens_per_s: num(cell, "tokens_per_s")?,
            ttft_s: num(cell, "ttft_s")?,
            utilization: num(cell, "utilization")?,
            stall_cycles: num(cell, "stall_cycles")?,
            energy_per_token_pj: num(cell, "energy_per_token_pj")?,
            paper_energy_per_token_pj: num(cell, "paper_energy_per_token_pj")?,
            dram_bytes: num(cell, "dram_bytes")?,
            weight_bytes: num(cell, "weight_bytes")?,
            kv_cache_bytes: num(cell, "kv_cache_bytes")?,
        })
    }
}

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
    pub point: DesignPoint,
    /// Metrics, or why there are none.
    pub outcome: Outcome,
    /// Synthesis counts of the point's hardware (with `--synth`, ok points).
    pub synth: Option<SynthCounts>,
    /// Whether the point is on the Pareto front of its table.
    pub pareto: bool,
}

/// The rows of a sweep in enumeration order, and whether synthesis counts
/// are part of it (they add columns and a Pareto objective).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SweepTable {
    /// Rows sorted by point index, keys unique.
    pub rows: Vec<Row>,
    /// Whether the table has synthesis columns.
    pub with_synth: bool,
}

fn header(with_synth: bool) -> Vec<&'static str> {
    let mut h = vec!["index", "key"];
    h.extend(Param::ALL.iter().map(|p| p.name()));
    h.extend(["status", "error"]);
    h.extend(METRIC_COLUMNS);
    if with_synth {
        h.extend(SYNTH_COLUMNS);
    }
    h.push("pareto");
    h
}

impl Row {
    /// The CSV cells of this row (numbers plain, absent values empty).
    fn cells(&self, with_synth: bool) -> Vec<String> {
        let mut c = vec![self.point.index.to_string(), self.point.key()];
        c.extend(self.point.values().into_iter().map(|(_, v)| v));
        c.push(self.outcome.status().to_string());
        c.push(match &self.outcome {
            Outcome::Ok(_) => String::new(),
            Outcome::Invalid(e) | Outcome::Failed(e) => e.clone(),
        });
        match &self.outcome {
            Outcome::Ok(m) => c.extend(m.cells()),
            _ => c.extend(METRIC_COLUMNS.iter().map(|_| String::new())),
        }
        if with_synth {
            match &self.synth {
                Some(s) => c.extend([s.luts, s.ffs, s.brams, s.dsps].map(|n| n.to_string())),
                None => c.extend(SYNTH_COLUMNS.iter().map(|_| String::new())),
            }
        }
        c.push(self.pareto.to_string());
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
            w.write_record(row.cells(self.with_synth))
                .expect("in-memory CSV");
        }
        w.into_inner().expect("in-memory CSV")
    }

    /// The JSON text: an array with one object per row, keyed by the CSV
    /// column names (numbers as numbers, absent values as null).
    pub fn to_json(&self) -> String {
        let names = header(self.with_synth);
        let rows: Vec<serde_json::Value> = self
            .rows
            .iter()
            .map(|row| {
                let obj: serde_json::Map<String, serde_json::Value> = names
                    .iter()
                    .zip(row.cells(self.with_synth))
                    .map(|(name, cell)| (name.to_string(), json_cell(name, cell)))
                    .collect();
                serde_json::Value::Object(obj)
            })
            .collect();
        serde_json::to_string_pretty(&rows).expect("JSON of plain values")
    }

    /// Reads a table written by [`SweepTable::to_csv`]. Every row is checked:
    /// its key must match its parameters, keys and indices must be unique.
    pub fn read_csv(path: &Path) -> Result<SweepTable, SweepError> {
        let bad = |why: String| SweepError::Table {
            path: path.display().to_string(),
            why,
        };
        let mut reader = csv::Reader::from_path(path).map_err(|e| SweepError::file(path, e))?;
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
        for (line, record) in reader.records().enumerate() {
            let record = record.map_err(|e| bad(e.to_string()))?;
            let cell = Cells {
                record: &record,
                pos: &pos,
            };
            let row = parse_row(&cell, with_synth)
                .map_err(|why| bad(format!("row {}: {why}", line + 2)))?;
            rows.push(row);
        }
        let table = SweepTable { rows, with_synth };
        table.check_order().map_err(bad)?;
        Ok(table)
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

fn parse_row(cell: &Cells<'_>, with_synth: bool) -> Result<Row, String> {
    let index: u64 = cell
        .get("index")?
        .parse()
        .map_err(|_| "bad index".to_string())?;
    let mut values = HashMap::new();
    for p in Param::ALL {
        values.insert(p, cell.get(p.name())?);
    }
    let point =
        DesignPoint::from_values(index, |p| values.get(&p).copied()).map_err(|e| e.to_string())?;
    let key = cell.get("key")?;
    if point.key() != key {
        return Err(format!("key '{key}' does not match its parameter columns"));
    }
    let error = cell.get("error")?.to_string();
    let outcome = match cell.get("status")? {
        "ok" => Outcome::Ok(Metrics::from_cells(cell)?),
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

/// Numbers become JSON numbers, empty cells null, the rest strings.
fn json_cell(column: &str, cell: String) -> serde_json::Value {
    use serde_json::Value;
    if cell.is_empty() {
        return Value::Null;
    }
    let textual = ["key", "pe", "acc_bits", "dram", "model", "status", "error"];
    if textual.contains(&column) {
        return Value::String(cell);
    }
    if let Ok(b) = cell.parse::<bool>() {
        return Value::Bool(b);
    }
    if let Ok(n) = cell.parse::<u64>() {
        return Value::from(n);
    }
    match cell.parse::<f64>() {
        Ok(x) if x.is_finite() => Value::from(x),
        _ => Value::String(cell),
    }
}
