//! The Pareto plots of a sweep: every ok point, one colour per PE kind, the
//! front highlighted and joined. Energy per token against tokens/s always;
//! against LUTs too when the table has synthesis counts.

use super::row::{Row, SweepTable};
use super::run::sibling;
use super::SweepError;
use crate::pareto::{pareto_front, Sense};
use crate::plot::{scatter, Scale, Series, XyChart};
use crate::units::energy_unit;
use std::path::{Path, PathBuf};
use tritone_sim::PeKind;

/// One plot: what goes on each axis and how the front is taken.
struct Axes {
    suffix: &'static str,
    title: &'static str,
    x_label: &'static str,
    x: fn(&Row) -> Option<f64>,
    x_sense: Sense,
}

/// Energy per token (faithful view), pJ.
fn energy(row: &Row) -> Option<f64> {
    row.outcome.metrics().map(|m| m.energy_per_token_pj)
}

const THROUGHPUT: Axes = Axes {
    suffix: "-pareto",
    title: "Design space: energy per token vs decode throughput",
    x_label: "decode throughput (tokens/s)",
    x: |r| r.outcome.metrics().map(|m| m.tokens_per_s),
    x_sense: Sense::Maximize,
};

const AREA: Axes = Axes {
    suffix: "-pareto-luts",
    title: "Design space: energy per token vs LUTs",
    x_label: "LUTs of the synthesized engine (count)",
    x: |r| r.synth.map(|s| s.luts as f64),
    x_sense: Sense::Minimize,
};

/// Log axis when the values are positive and span a decade or more (sweeps
/// usually do), linear otherwise so that a narrow range still gets ticks.
fn scale(values: impl Iterator<Item = f64>) -> Scale {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if lo > 0.0 && hi >= 10.0 * lo {
        Scale::Log
    } else {
        Scale::Linear
    }
}

/// The plots [`write_pareto_plots`] may write next to `out`.
pub fn plot_files(out: &Path, with_synth: bool) -> Vec<PathBuf> {
    let mut axes = vec![THROUGHPUT];
    if with_synth {
        axes.push(AREA);
    }
    axes.iter()
        .flat_map(|a| {
            let stem = sibling(out, a.suffix);
            ["svg", "png"].map(|ext| crate::plot::with_ext(&stem, ext))
        })
        .collect()
}

/// Writes `<stem>-pareto.{svg,png}` (and `<stem>-pareto-luts.{svg,png}` with
/// synthesis counts) next to `out`; nothing when no point is ok.
pub fn write_pareto_plots(table: &SweepTable, out: &Path) -> Result<Vec<PathBuf>, SweepError> {
    let mut files = Vec::new();
    let mut plots = vec![THROUGHPUT];
    if table.with_synth {
        plots.push(AREA);
    }
    for axes in plots {
        let points: Vec<(PeKind, f64, f64)> = table
            .rows
            .iter()
            .filter_map(|r| Some((r.point.design().arch.pe?, (axes.x)(r)?, energy(r)?)))
            .filter(|(_, x, y)| x.is_finite() && y.is_finite())
            .collect();
        if points.is_empty() {
            continue;
        }
        // Energy in the unit that keeps the largest value at or above 1.
        let (unit, per_pj) = energy_unit(points.iter().map(|p| p.2).fold(0.0, f64::max));
        let points: Vec<(PeKind, f64, f64)> = points
            .into_iter()
            .map(|(k, x, y)| (k, x, y / per_pj))
            .collect();
        let series: Vec<Series> = PeKind::ALL
            .iter()
            .map(|&pe| {
                let pts = points
                    .iter()
                    .filter(|p| p.0 == pe)
                    .map(|p| (p.1, p.2))
                    .collect();
                Series::new(format!("{} PE", pe.name()), pts)
            })
            .filter(|s| !s.points.is_empty())
            .collect();
        let xy: Vec<[f64; 2]> = points.iter().map(|p| [p.1, p.2]).collect();
        let on_front = pareto_front(&xy, &[axes.x_sense, Sense::Minimize]);
        let mut front: Vec<(f64, f64)> = xy
            .iter()
            .zip(on_front)
            .filter(|(_, f)| *f)
            .map(|(p, _)| (p[0], p[1]))
            .collect();
        front.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        front.dedup();
        let y_label = format!("energy per token ({unit}, faithful view)");
        let chart = XyChart::new(axes.title, axes.x_label, y_label).scales(
            scale(points.iter().map(|p| p.1)),
            scale(points.iter().map(|p| p.2)),
        );
        let stem = sibling(out, axes.suffix);
        let written = scatter(
            &stem,
            &chart,
            &series,
            Some(&Series::new("Pareto front", front)),
        )
        .map_err(|e| SweepError::file(&stem, e))?;
        files.extend([written.svg, written.png]);
    }
    Ok(files)
}
