//! The figures of a design point that every view shares — the sweep's row,
//! `tritone energy --json` and the report's per-model table — declared once,
//! with their column names, as one list.

use serde::Serialize;
use tritone_sim::model::Resource;

/// Declares [`Metrics`] and its columns from one list of documented fields.
macro_rules! metrics {
    ($( $(#[doc = $doc:literal])+ $field:ident: $ty:ty, )+) => {
        /// The shared figures of one evaluated design point.
        #[derive(Clone, Debug, Default, PartialEq, Serialize)]
        pub struct Metrics {
            $( $(#[doc = $doc])+ pub $field: $ty, )+
        }

        impl Metrics {
            /// Column names, in order (CSV headers and JSON keys).
            pub const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),+];

            /// What each column holds, in column order (first doc line).
            pub const ABOUT: &'static [&'static str] = &[$(first_line(&[$($doc),+])),+];

            /// The cells of the row: integers, and reals in their shortest
            /// form that reads back exactly.
            pub fn cells(&self) -> Vec<String> {
                vec![$(self.$field.cell()),+]
            }

            /// Reads the figures back from cells found by column name;
            /// refuses a value no evaluation gives (negative, NaN or
            /// infinite), naming the column.
            pub fn from_cells<'a>(
                mut cell: impl FnMut(&str) -> Option<&'a str>,
            ) -> Result<Metrics, String> {
                Ok(Metrics {
                    $( $field: {
                        let name = stringify!($field);
                        let text = cell(name).ok_or_else(|| format!("column {name} is missing"))?;
                        let v: $ty = text.parse().map_err(|_| format!("column {name}: '{text}' is not a valid value"))?;
                        if !Figure::is_possible(&v) {
                            return Err(format!("column {name}: '{text}' is not a finite number >= 0"));
                        }
                        v
                    }, )+
                })
            }
        }
    };
}

/// A metric's value type: whether a value can come out of an evaluation.
trait Figure {
    fn is_possible(&self) -> bool;
    /// The CSV cell.
    fn cell(&self) -> String;
}

impl Figure for u64 {
    fn is_possible(&self) -> bool {
        true
    }
    fn cell(&self) -> String {
        self.to_string()
    }
}

impl Figure for Resource {
    fn is_possible(&self) -> bool {
        true
    }
    fn cell(&self) -> String {
        self.to_string()
    }
}

impl Figure for f64 {
    fn is_possible(&self) -> bool {
        self.is_finite() && *self >= 0.0
    }
    /// As JSON and every other CSV of the reports write reals (the shortest
    /// form that reads back exactly, always with a decimal point or an
    /// exponent): a column of reals then loads as reals in pandas even where
    /// every value is whole.
    fn cell(&self) -> String {
        serde_json::to_string(self).expect("a finite real")
    }
}

/// The first line of a doc comment, trimmed (a const fn: the list is static).
const fn first_line(doc: &[&'static str]) -> &'static str {
    doc[0].trim_ascii()
}

metrics! {
    /// Total cycles (prefill + decode).
    cycles: u64,
    /// Cycles of the prefill (prompt) phase.
    prefill_cycles: u64,
    /// Cycles of the decode (generation) phase.
    decode_cycles: u64,
    /// Decode throughput, tokens/s: B·D / decode time (0 without decode).
    tokens_per_s: f64,
    /// Time to first token, s: the prefill, whose LM head yields it.
    ttft_s: f64,
    /// Decode time per generation step, s (0 without decode).
    decode_latency_s: f64,
    /// Array utilization, 0..1: MACs / (R·C·cycles).
    utilization: f64,
    /// Cycles waiting for DRAM.
    stall_cycles: u64,
    /// Faithful energy per processed token, pJ: every action plus leakage, over B·(P + D).
    energy_per_token_pj: f64,
    /// Paper-view energy per processed token, pJ (the BitNet papers' arithmetic convention).
    paper_energy_per_token_pj: f64,
    /// Faithful energy of the whole inference, pJ.
    energy_pj: f64,
    /// Paper-view energy of the whole inference, pJ.
    paper_energy_pj: f64,
    /// Bytes moved to and from DRAM.
    dram_bytes: u64,
    /// Weight bytes in DRAM (linear layers in the array's format, the rest FP16).
    weight_bytes: u64,
    /// KV-cache bytes at P + D tokens.
    kv_cache_bytes: u64,
    /// Footprint, bytes: weights + KV cache + activations (estimate).
    memory_bytes: u64,
    /// What bounds the prefill: dram, array, weight-path, attention-unit, vector-unit or link.
    prefill_bound: Resource,
    /// What bounds the decode (the same resources; `array` without decode steps).
    decode_bound: Resource,
    /// Time to first token under the sequential schedule, s.
    sequential_ttft_s: f64,
    /// Decode tokens/s under the sequential schedule.
    sequential_tokens_per_s: f64,
}

/// The table of metric columns in `docs/sweeps.md`, generated from [`Metrics`].
pub fn markdown_table() -> String {
    let mut out = String::from("| column | meaning |\n|---|---|\n");
    for (name, about) in Metrics::COLUMNS.iter().zip(Metrics::ABOUT) {
        out.push_str(&format!("| `{name}` | {about} |\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_read_back_exactly() {
        let m = Metrics {
            cycles: 7,
            tokens_per_s: 0.1 + 0.2,
            energy_per_token_pj: 1.782_244e10,
            ttft_s: 1e-9,
            memory_bytes: u64::MAX,
            decode_bound: Resource::WeightPath,
            ..Metrics::default()
        };
        let cells = m.cells();
        assert_eq!(cells.len(), Metrics::COLUMNS.len());
        assert_eq!(Metrics::ABOUT.len(), Metrics::COLUMNS.len());
        let back = Metrics::from_cells(|c| {
            Metrics::COLUMNS
                .iter()
                .position(|n| *n == c)
                .map(|i| cells[i].as_str())
        })
        .unwrap();
        assert_eq!(back, m);
        let e = Metrics::from_cells(|c| (c != "dram_bytes").then_some("1")).unwrap_err();
        assert!(e.contains("dram_bytes"), "{e}");
        let e = Metrics::from_cells(|c| Some(if c.ends_with("_bound") { "dram" } else { "x" }))
            .unwrap_err();
        assert!(e.contains("'x'"), "{e}");
        for bad in ["-1.5", "NaN", "inf", "-0.1e-300"] {
            let e = Metrics::from_cells(|c| Some(if c == "energy_pj" { bad } else { "1" }))
                .unwrap_err();
            assert!(e.contains("energy_pj") && e.contains(bad), "{e}");
        }
    }
}
