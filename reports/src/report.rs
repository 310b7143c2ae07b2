//! The whole-model report: the BitNet b1.58 paper's energy, memory, latency
//! and throughput figures reproduced under the simulator and the energy
//! model, next to the paper's own numbers, in two views (the paper's
//! arithmetic-only convention and the hardware-faithful one), every model
//! evaluated by [`tritone_eval::Evaluator`].
//!
//! [`write_report`] computes everything ([`data::compute`], models in
//! parallel), then writes every figure of [`figures::FIGURES`] (a CSV and a
//! JSON of its rows, and its plot as SVG and PNG) and `report.md` into one
//! directory, each file atomically. Output is deterministic: no timestamps,
//! stable ordering.
//!
//! ```
//! use tritone_energy::Node;
//! use tritone_reports::report::{data, default_setup, markdown};
//!
//! // One model and its FP16 counterpart at a short workload, 7 nm.
//! let mut setup = default_setup(Node::Nm7);
//! setup.models = vec![tritone_reference::model("bitnet-b1.58-700m")?];
//! setup.workload = tritone_sim::Workload { prefill: 16, decode: 4, batch: 1 };
//! let d = data::compute(&setup)?;
//! let (bitnet, fp16) = (&d.models[0].metrics, &d.models[1].metrics);
//! assert!(fp16.energy_per_token_pj > bitnet.energy_per_token_pj);
//! assert!(fp16.paper_energy_pj > 10.0 * bitnet.paper_energy_pj);
//! let text = markdown::render_sections(&setup, &d, &[markdown::Section::Headline], markdown::Links::None);
//! assert!(text.contains("71.43x"));
//! // The whole report: `report::write_report(dir, &setup)`.
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod data;
pub mod figures;
pub mod markdown;

use crate::plot::PlotError;
use crate::write::{write_markdown, WriteError};
use data::Setup;
use std::path::{Path, PathBuf};
use tritone_energy::{Ert, Node};
use tritone_eval::{EvalError, DEFAULT_WORKLOAD};
use tritone_reference::WeightKind;
use tritone_sim::{ArrayConfig, SimError};

/// Why the report could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The simulator refused a model or workload.
    #[error(transparent)]
    Sim(#[from] SimError),
    /// A model could not be evaluated.
    #[error(transparent)]
    Eval(#[from] EvalError),
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
        workload: DEFAULT_WORKLOAD,
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

/// Every file a report into `dir` may write (a figure without a chart
/// writes no plot), so that a caller can refuse an output that would
/// replace one of its inputs before any work.
pub fn report_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for f in figures::FIGURES {
        let stem = dir.join(f.stem);
        let exts: &[&str] = if f.has_chart() {
            &["csv", "json", "svg", "png"]
        } else {
            &["csv", "json"]
        };
        files.extend(exts.iter().map(|ext| crate::plot::with_ext(&stem, ext)));
    }
    files.push(dir.join("report.md"));
    files
}

/// Computes the report for `setup` and writes it into `dir` (created if
/// missing). The files are written into a staging folder and published
/// together ([`tritone_reference::atomic::publish_together`]): a failure or
/// an interrupt leaves the previous report whole, never a mix of two runs.
pub fn write_report(dir: &Path, setup: &Setup) -> Result<Written, ReportError> {
    let d = data::compute(setup)?;
    let mut names = Vec::new();
    tritone_reference::atomic::publish_together(dir, |stage| -> Result<(), ReportError> {
        for f in figures::FIGURES {
            let stem = stage.join(f.stem);
            (f.rows)(&d, &stem)?;
            names.extend(["csv", "json"].map(|ext| crate::plot::with_ext(Path::new(f.stem), ext)));
            if let Some(chart) = (f.chart)(&d) {
                chart.draw(&stem)?;
                names.extend(
                    ["svg", "png"].map(|ext| crate::plot::with_ext(Path::new(f.stem), ext)),
                );
            }
        }
        write_markdown(&stage.join("report.md"), &markdown::render(setup, &d))?;
        names.push(PathBuf::from("report.md"));
        Ok(())
    })
    .map_err(|source| WriteError::Io {
        path: dir.to_path_buf(),
        source,
    })??;
    Ok(Written {
        markdown: dir.join("report.md"),
        files: names.iter().map(|n| dir.join(n)).collect(),
    })
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
        for s in markdown::Section::ALL {
            assert!(md.contains(s.heading()), "missing section {s:?}");
        }
        for f in figures::FIGURES {
            let stem = f.stem;
            assert!(
                out1.join(format!("{stem}.csv")).exists()
                    && out1.join(format!("{stem}.json")).exists()
            );
            if !f.has_chart() {
                assert!(md.contains(&format!("{stem}.csv")), "{stem} not linked");
                continue;
            }
            assert!(md.contains(&format!("{stem}.png")), "{stem} not linked");
            let png = std::fs::read(out1.join(format!("{stem}.png"))).unwrap();
            assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{stem}.png");
            let svg = std::fs::read_to_string(out1.join(format!("{stem}.svg"))).unwrap();
            assert!(svg.starts_with("<svg"), "{stem}.svg");
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
