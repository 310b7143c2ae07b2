//! The report as a list of figures: each one file stem, the report section
//! that shows it, its rows (written as CSV and JSON) and, when it has one,
//! its chart (SVG and PNG). A new figure is one entry of [`FIGURES`].

use super::data::{ReportData, EQUIVALENCES, FIG3_TOKENS, PJ};
use super::markdown::Section;
use crate::plot::{with_ext, BarChart, BarGroup, BarLayout, Chart, Scale, Series, XyChart};
use crate::units::energy_unit;
use crate::write::{write_csv, write_json, WriteError};
use serde::Serialize;
use std::path::Path;

/// One figure of the report.
pub struct Figure {
    /// File stem: `<stem>.csv`, `<stem>.json` and, with a chart, `.svg` and `.png`.
    pub stem: &'static str,
    /// The section that shows it.
    pub section: Section,
    /// The chart's alternative text (empty for a table-only figure).
    pub alt: &'static str,
    /// Writes its rows as `<stem>.csv` and `<stem>.json` (`stem` is a path).
    pub rows: fn(&ReportData, &Path) -> Result<(), WriteError>,
    /// Its chart, when it has one and there is data for it.
    pub chart: fn(&ReportData) -> Option<Chart>,
}

impl Figure {
    /// Whether it is drawn (the others are tables only).
    pub fn has_chart(&self) -> bool {
        !self.alt.is_empty()
    }
}

/// Writes `rows` as `<stem>.csv` and `<stem>.json`.
fn rows<T: Serialize>(stem: &Path, rows: &[T]) -> Result<(), WriteError> {
    write_csv(&with_ext(stem, "csv"), rows)?;
    write_json(&with_ext(stem, "json"), rows)
}

/// One cell of the equivalence regions, one row per (design, claim): the
/// long form a data frame reads.
#[derive(Serialize)]
struct RegionCell {
    dram_gbps: f64,
    rows: u32,
    cols: u32,
    attention_unit: String,
    bitnet: &'static str,
    fp16: &'static str,
    /// FP16 decode latency over BitNet b1.58's; empty when a model is not in the setup.
    latency_ratio: Option<f64>,
    /// Whether the claim holds (ratio above 1).
    holds: Option<bool>,
}

fn region_cells(d: &ReportData) -> Vec<RegionCell> {
    d.regions
        .iter()
        .flat_map(|r| {
            EQUIVALENCES
                .iter()
                .zip(&r.ratios)
                .map(|(&(bitnet, fp16), &ratio)| RegionCell {
                    dram_gbps: r.dram_gbps,
                    rows: r.dim,
                    cols: r.dim,
                    attention_unit: r.attention_unit.clone(),
                    bitnet,
                    fp16,
                    latency_ratio: ratio,
                    holds: ratio.map(|x| x > 1.0),
                })
        })
        .collect()
}

fn no_chart(_: &ReportData) -> Option<Chart> {
    None
}

fn series<T>(label: &str, rows: &[T], f: impl Fn(&T) -> (f64, f64)) -> Series {
    Series::new(label, rows.iter().map(f).collect())
}

/// Every figure, in report order.
pub const FIGURES: &[Figure] = &[
    Figure {
        stem: "energy_table",
        section: Section::Setup,
        alt: "",
        rows: |d, s| rows(s, &d.table),
        chart: no_chart,
    },
    Figure {
        stem: "headline",
        section: Section::Headline,
        alt: "",
        rows: |d, s| rows(s, &d.headline),
        chart: no_chart,
    },
    Figure {
        stem: "fig3_left",
        section: Section::Fig3Left,
        alt: "Figure 3 left",
        rows: |d, s| rows(s, &d.fig3_left),
        chart: fig3_left,
    },
    Figure {
        stem: "fig3_right",
        section: Section::Fig3Right,
        alt: "Figure 3 right",
        rows: |d, s| rows(s, &d.fig3_right),
        chart: fig3_right,
    },
    Figure {
        stem: "fig3_right_ratio",
        section: Section::Fig3Right,
        alt: "Figure 3 right, ratio",
        rows: |d, s| rows(s, &d.fig3_right),
        chart: fig3_right_ratio,
    },
    Figure {
        stem: "table1",
        section: Section::Table1,
        alt: "",
        rows: |d, s| rows(s, &d.table1),
        chart: no_chart,
    },
    Figure {
        stem: "fig2_latency",
        section: Section::Table1,
        alt: "Figure 2 left",
        rows: |d, s| rows(s, &d.table1),
        chart: fig2_latency,
    },
    Figure {
        stem: "fig2_memory",
        section: Section::Table1,
        alt: "Figure 2 right",
        rows: |d, s| rows(s, &d.table1),
        chart: fig2_memory,
    },
    Figure {
        stem: "table3",
        section: Section::Table3,
        alt: "",
        rows: |d, s| rows(s, &d.table3),
        chart: no_chart,
    },
    Figure {
        stem: "table3_throughput",
        section: Section::Table3,
        alt: "Table 3",
        rows: |d, s| rows(s, &d.table3),
        chart: table3_throughput,
    },
    Figure {
        stem: "moe",
        section: Section::Moe,
        alt: "",
        rows: |d, s| rows(s, &d.moe),
        chart: no_chart,
    },
    Figure {
        stem: "equivalences",
        section: Section::Equivalences,
        alt: "",
        rows: |d, s| rows(s, &d.equivalences),
        chart: no_chart,
    },
    Figure {
        stem: "equivalence_regions",
        section: Section::Equivalences,
        alt: "",
        rows: |d, s| rows(s, &region_cells(d)),
        chart: no_chart,
    },
    Figure {
        stem: "gap",
        section: Section::Gap,
        alt: "",
        rows: |d, s| rows(s, &d.gap),
        chart: no_chart,
    },
    Figure {
        stem: "faithful_components",
        section: Section::Gap,
        alt: "Faithful components",
        rows: |d, s| rows(s, &d.components),
        chart: faithful_components,
    },
    Figure {
        stem: "models",
        section: Section::PerModel,
        alt: "",
        rows: |d, s| rows(s, &d.models),
        chart: no_chart,
    },
    Figure {
        stem: "components",
        section: Section::PerModel,
        alt: "",
        rows: |d, s| rows(s, &d.components),
        chart: no_chart,
    },
    Figure {
        stem: "kinds",
        section: Section::PerModel,
        alt: "",
        rows: |d, s| rows(s, &d.kinds),
        chart: no_chart,
    },
];

/// Composition of the linear layers' arithmetic energy (the largest pair).
fn fig3_left(d: &ReportData) -> Option<Chart> {
    let pair: Vec<_> = d.fig3_left.iter().rev().take(2).rev().collect();
    if pair.is_empty() {
        return None;
    }
    let chart = BarChart {
        title: format!(
            "Figure 3 (left): matmul arithmetic energy ({})",
            d.table_name
        ),
        y_label: "share of matmul arithmetic energy (%)".into(),
        categories: pair.iter().map(|r| r.model.clone()).collect(),
        layout: BarLayout::Stacked,
    };
    let group = |label: &str, f: fn(&super::data::Fig3LeftRow) -> f64| BarGroup {
        label: label.into(),
        values: pair.iter().map(|r| f(r)).collect(),
    };
    Some(Chart::Bar(
        chart,
        vec![
            group("INT8 add", |r| r.int8_add_pct),
            group("FP16 add", |r| r.fp16_add_pct),
            group("FP16 mul", |r| r.fp16_mul_pct),
        ],
    ))
}

/// End-to-end energy by size, in the unit that suits the largest value.
fn fig3_right(d: &ReportData) -> Option<Chart> {
    let r = &d.fig3_right;
    let max_j = r
        .iter()
        .flat_map(|x| [x.fp16_paper_j, x.fp16_faithful_j])
        .fold(0.0, f64::max);
    let (unit, per_pj) = energy_unit(max_j / PJ);
    let k = 1.0 / (per_pj * PJ);
    let chart = XyChart::new(
        format!("Figure 3 (right): energy of a {FIG3_TOKENS}-token inference"),
        "parameters (billions)",
        format!("energy per inference ({unit})"),
    )
    .scales(Scale::Log, Scale::Log);
    Some(Chart::Line(
        chart,
        vec![
            series("FP16 LLaMA, paper view", r, |x| {
                (x.params_b, x.fp16_paper_j * k)
            }),
            series("BitNet b1.58, paper view", r, |x| {
                (x.params_b, x.bitnet_paper_j * k)
            }),
            series("FP16 LLaMA, faithful", r, |x| {
                (x.params_b, x.fp16_faithful_j * k)
            }),
            series("BitNet b1.58, faithful", r, |x| {
                (x.params_b, x.bitnet_faithful_j * k)
            }),
        ],
    ))
}

fn fig3_right_ratio(d: &ReportData) -> Option<Chart> {
    let r = &d.fig3_right;
    let chart = XyChart::new(
        format!("Energy ratio FP16 / BitNet b1.58 ({FIG3_TOKENS} tokens)"),
        "parameters (billions)",
        "FP16 / BitNet b1.58 (ratio)",
    )
    .scales(Scale::Log, Scale::Linear);
    Some(Chart::Line(
        chart,
        vec![
            series("paper view (arithmetic)", r, |x| {
                (x.params_b, x.paper_ratio)
            }),
            series("faithful (whole design)", r, |x| {
                (x.params_b, x.faithful_ratio)
            }),
        ],
    ))
}

fn fig2_latency(d: &ReportData) -> Option<Chart> {
    let t = &d.table1;
    let chart = XyChart::new(
        "Figure 2 (left): decode latency",
        "parameters (billions)",
        "decode latency (ms per token)",
    )
    .scales(Scale::Log, Scale::Log);
    Some(Chart::Line(
        chart,
        vec![
            series("FP16 LLaMA", t, |x| (x.params_b, x.fp16_latency_ms)),
            series("BitNet b1.58", t, |x| (x.params_b, x.bitnet_latency_ms)),
        ],
    ))
}

fn fig2_memory(d: &ReportData) -> Option<Chart> {
    let t = &d.table1;
    let chart = XyChart::new(
        "Figure 2 (right): memory",
        "parameters (billions)",
        "memory (GB)",
    )
    .scales(Scale::Log, Scale::Log);
    Some(Chart::Line(
        chart,
        vec![
            series("FP16 LLaMA", t, |x| (x.params_b, x.fp16_mem_gb)),
            series("BitNet b1.58", t, |x| (x.params_b, x.bitnet_mem_gb)),
        ],
    ))
}

fn table3_throughput(d: &ReportData) -> Option<Chart> {
    if d.table3.is_empty() {
        return None;
    }
    let chart = BarChart {
        title: "Table 3: 70B in 2 x 80 GB at sequence 512".into(),
        y_label: "largest batch (sequences)".into(),
        categories: d.table3.iter().map(|r| r.model.clone()).collect(),
        layout: BarLayout::Grouped,
    };
    Some(Chart::Bar(
        chart,
        vec![
            BarGroup {
                label: "simulated".into(),
                values: d.table3.iter().map(|r| r.max_batch as f64).collect(),
            },
            BarGroup {
                label: "paper".into(),
                values: d.table3.iter().map(|r| r.paper_batch as f64).collect(),
            },
        ],
    ))
}

/// Faithful components of the largest pair.
fn faithful_components(d: &ReportData) -> Option<Chart> {
    let names: Vec<String> = d
        .models
        .iter()
        .rev()
        .take(2)
        .rev()
        .map(|m| m.model.clone())
        .collect();
    if names.is_empty() {
        return None;
    }
    let mut comps: Vec<String> = Vec::new();
    for c in &d.components {
        if !comps.contains(&c.component) {
            comps.push(c.component.clone());
        }
    }
    let chart = BarChart {
        title: "Hardware-faithful energy by component".into(),
        y_label: "share of inference energy (%)".into(),
        categories: names.clone(),
        layout: BarLayout::Stacked,
    };
    let groups = comps
        .iter()
        .map(|comp| BarGroup {
            label: comp.clone(),
            values: names
                .iter()
                .map(|n| {
                    d.components
                        .iter()
                        .find(|c| &c.model == n && &c.component == comp)
                        .map(|c| c.pct)
                        .unwrap_or(0.0)
                })
                .collect(),
        })
        .collect();
    Some(Chart::Bar(chart, groups))
}
