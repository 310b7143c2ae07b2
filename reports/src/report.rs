//! The whole-model report: the BitNet b1.58 paper's energy, memory, latency
//! and throughput figures reproduced under the simulator and the energy
//! model, next to the paper's own numbers, in two views (the paper's
//! arithmetic-only convention and the hardware-faithful one).
//!
//! [`write_report`] computes everything ([`data::compute`], models in
//! parallel), then writes `report.md`, a CSV and a JSON per table, and every
//! plot as SVG and PNG into one directory, each file atomically. Output is
//! deterministic: no timestamps, stable ordering.
//!
//! ```
//! use tritone_energy::Node;
//! use tritone_reports::report::{default_setup, energy_view};
//!
//! // One model and its FP16 counterpart, both views, at 7 nm.
//! let setup = default_setup(Node::Nm7);
//! let model = tritone_reference::model("bitnet-b1.58-700m").unwrap();
//! let w = tritone_sim::Workload { prefill: 16, decode: 4, batch: 1 };
//! let c = energy_view::compare(&setup.ert, &setup.arch, &model, &w).unwrap();
//! assert!(c.fp16.faithful.total_pj > c.model.faithful.total_pj);
//! assert!(c.fp16.paper.total_pj > 10.0 * c.model.paper.total_pj);
//! // The whole report: `report::write_report(dir, &setup)`.
//! ```

pub mod data;
pub mod energy_view;
pub mod figures;
pub mod markdown;
pub mod memory;

use crate::plot::PlotError;
use crate::write::{write_csv, write_json, write_markdown, WriteError};
use data::{ReportData, Setup};
use serde::Serialize;
use std::path::{Path, PathBuf};
use tritone_energy::{Ert, Node};
use tritone_reference::WeightKind;
use tritone_sim::{ArrayConfig, SimError, Workload};

/// Why the report could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The simulator refused a model or workload.
    #[error(transparent)]
    Sim(#[from] SimError),
    /// A file could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// A plot could not be drawn.
    #[error(transparent)]
    Plot(#[from] PlotError),
}

/// The default setup: the default architecture, the given node's table, a
/// 512-token prompt with 128 generated tokens at batch 1, every BitNet model of the zoo.
pub fn default_setup(node: Node) -> Setup {
    Setup {
        arch: ArrayConfig::default(),
        ert: Ert::builtin(node),
        workload: Workload {
            prefill: 512,
            decode: 128,
            batch: 1,
        },
        models: tritone_reference::zoo()
            .into_iter()
            .filter(|m| m.weights == WeightKind::Ternary)
            .collect(),
    }
}

/// What was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    /// The Markdown report.
    pub markdown: PathBuf,
    /// Every file, in writing order.
    pub files: Vec<PathBuf>,
}

fn table<T: Serialize>(
    dir: &Path,
    stem: &str,
    rows: &[T],
    files: &mut Vec<PathBuf>,
) -> Result<(), WriteError> {
    let csv = dir.join(format!("{stem}.csv"));
    let json = dir.join(format!("{stem}.json"));
    write_csv(&csv, rows)?;
    write_json(&json, rows)?;
    files.push(csv);
    files.push(json);
    Ok(())
}

/// Writes every table of `d` as CSV and JSON into `dir`.
fn write_tables(dir: &Path, d: &ReportData, files: &mut Vec<PathBuf>) -> Result<(), WriteError> {
    table(dir, "energy_table", &d.table, files)?;
    table(dir, "headline", &d.headline, files)?;
    table(dir, "fig3_left", &d.fig3_left, files)?;
    table(dir, "fig3_right", &d.fig3_right, files)?;
    // The ratio plot and the right plot share the same rows.
    table(dir, "fig3_right_ratio", &d.fig3_right, files)?;
    table(dir, "table1", &d.table1, files)?;
    table(dir, "fig2_latency", &d.table1, files)?;
    table(dir, "fig2_memory", &d.table1, files)?;
    table(dir, "table3", &d.table3, files)?;
    table(dir, "table3_throughput", &d.table3, files)?;
    table(dir, "equivalences", &d.equivalences, files)?;
    table(dir, "gap", &d.gap, files)?;
    table(dir, "models", &d.models, files)?;
    table(dir, "components", &d.components, files)?;
    table(dir, "faithful_components", &d.components, files)?;
    table(dir, "kinds", &d.kinds, files)?;
    Ok(())
}

/// Computes the report for `setup` and writes it into `dir` (created if missing).
pub fn write_report(dir: &Path, setup: &Setup) -> Result<Written, ReportError> {
    let d = data::compute(setup)?;
    let mut files = Vec::new();
    write_tables(dir, &d, &mut files)?;
    for p in figures::draw_all(dir, &d)? {
        files.push(p.svg);
        files.push(p.png);
    }
    let markdown = dir.join("report.md");
    write_markdown(&markdown, &markdown::render(setup, &d))?;
    files.push(markdown.clone());
    Ok(Written { markdown, files })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_every_file_deterministically_with_every_section() {
        let setup = default_setup(Node::Nm7);
        let d1 = tempfile::tempdir().unwrap();
        let d2 = tempfile::tempdir().unwrap();
        let out1 = d1.path().join("new/dir");
        let w1 = write_report(&out1, &setup).unwrap();
        let w2 = write_report(d2.path(), &setup).unwrap();
        let md = std::fs::read_to_string(&w1.markdown).unwrap();
        for s in markdown::SECTIONS {
            assert!(md.contains(s), "missing section {s}");
        }
        for stem in figures::STEMS {
            assert!(md.contains(&format!("{stem}.png")), "{stem} not linked");
            let png = std::fs::read(out1.join(format!("{stem}.png"))).unwrap();
            assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{stem}.png");
            let svg = std::fs::read_to_string(out1.join(format!("{stem}.svg"))).unwrap();
            assert!(svg.starts_with("<svg"), "{stem}.svg");
            assert!(
                out1.join(format!("{stem}.csv")).exists()
                    && out1.join(format!("{stem}.json")).exists()
            );
        }
        assert!(
            md.contains("LLaMA-2 shapes") && md.contains("71.43x"),
            "headline or assumption missing"
        );
        assert_eq!(w1.files.len(), w2.files.len());
        for (a, b) in w1.files.iter().zip(&w2.files) {
            assert_eq!(
                std::fs::read(a).unwrap(),
                std::fs::read(b).unwrap(),
                "{} differs",
                a.display()
            );
        }
        // Nothing but the listed files (no temporaries left).
        assert_eq!(std::fs::read_dir(&out1).unwrap().count(), w1.files.len());
    }
}
