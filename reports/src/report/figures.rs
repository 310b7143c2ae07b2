//! The report's plots, drawn from [`ReportData`] with [`crate::plot`].

use super::data::ReportData;
use crate::plot::{
    self, BarChart, BarGroup, BarLayout, PlotError, PlotFiles, Scale, Series, XyChart,
};
use std::path::Path;

/// File stems of the plots, in report order (each has `.svg` and `.png`).
pub const STEMS: [&str; 7] = [
    "fig3_left",
    "fig3_right",
    "fig3_right_ratio",
    "fig2_latency",
    "fig2_memory",
    "table3_throughput",
    "faithful_components",
];

fn series<T>(label: &str, rows: &[T], f: impl Fn(&T) -> (f64, f64)) -> Series {
    Series::new(label, rows.iter().map(f).collect())
}

/// Draws every plot into `dir`.
pub fn draw_all(dir: &Path, d: &ReportData) -> Result<Vec<PlotFiles>, PlotError> {
    let mut out = Vec::new();
    let stem = |s: &str| dir.join(s);

    // Figure 3 left: composition of the linear layers' arithmetic energy (largest pair).
    let pair: Vec<_> = d.fig3_left.iter().rev().take(2).rev().collect();
    if !pair.is_empty() {
        let chart = BarChart {
            title: format!(
                "Figure 3 (left): matmul arithmetic energy ({})",
                d.table_name
            ),
            y_label: "share of matmul arithmetic energy (%)".into(),
            categories: pair.iter().map(|r| r.model.clone()).collect(),
            layout: BarLayout::Stacked,
        };
        let groups = [
            BarGroup {
                label: "INT8 add".into(),
                values: pair.iter().map(|r| r.int8_add_pct).collect(),
            },
            BarGroup {
                label: "FP16 add".into(),
                values: pair.iter().map(|r| r.fp16_add_pct).collect(),
            },
            BarGroup {
                label: "FP16 mul".into(),
                values: pair.iter().map(|r| r.fp16_mul_pct).collect(),
            },
        ];
        out.push(plot::bar(&stem(STEMS[0]), &chart, &groups)?);
    }

    let r = &d.fig3_right;
    let chart = XyChart::new(
        "Figure 3 (right): energy of a 512-token inference",
        "parameters (billions)",
        "energy (J)",
    )
    .scales(Scale::Log, Scale::Log);
    out.push(plot::line(
        &stem(STEMS[1]),
        &chart,
        &[
            series("FP16 LLaMA, paper view", r, |x| {
                (x.params_b, x.fp16_paper_j)
            }),
            series("BitNet b1.58, paper view", r, |x| {
                (x.params_b, x.bitnet_paper_j)
            }),
            series("FP16 LLaMA, faithful", r, |x| {
                (x.params_b, x.fp16_faithful_j)
            }),
            series("BitNet b1.58, faithful", r, |x| {
                (x.params_b, x.bitnet_faithful_j)
            }),
        ],
    )?);
    let chart = XyChart::new(
        "Energy ratio FP16 / BitNet b1.58 (512 tokens)",
        "parameters (billions)",
        "FP16 / BitNet b1.58",
    )
    .scales(Scale::Log, Scale::Linear);
    out.push(plot::line(
        &stem(STEMS[2]),
        &chart,
        &[
            series("paper view (arithmetic)", r, |x| {
                (x.params_b, x.paper_ratio)
            }),
            series("faithful (whole design)", r, |x| {
                (x.params_b, x.faithful_ratio)
            }),
        ],
    )?);

    let t = &d.table1;
    let chart = XyChart::new(
        "Figure 2 (left): decode latency",
        "parameters (billions)",
        "ms per token",
    )
    .scales(Scale::Log, Scale::Log);
    out.push(plot::line(
        &stem(STEMS[3]),
        &chart,
        &[
            series("FP16 LLaMA", t, |x| (x.params_b, x.fp16_latency_ms)),
            series("BitNet b1.58", t, |x| (x.params_b, x.bitnet_latency_ms)),
        ],
    )?);
    let chart = XyChart::new(
        "Figure 2 (right): memory",
        "parameters (billions)",
        "memory (GB)",
    )
    .scales(Scale::Log, Scale::Log);
    out.push(plot::line(
        &stem(STEMS[4]),
        &chart,
        &[
            series("FP16 LLaMA", t, |x| (x.params_b, x.fp16_mem_gb)),
            series("BitNet b1.58", t, |x| (x.params_b, x.bitnet_mem_gb)),
        ],
    )?);

    if !d.table3.is_empty() {
        let chart = BarChart {
            title: "Table 3: 70B in 2 x 80 GB at sequence 512".into(),
            y_label: "largest batch".into(),
            categories: d.table3.iter().map(|r| r.model.clone()).collect(),
            layout: BarLayout::Grouped,
        };
        let groups = [
            BarGroup {
                label: "simulated".into(),
                values: d.table3.iter().map(|r| r.max_batch as f64).collect(),
            },
            BarGroup {
                label: "paper".into(),
                values: d.table3.iter().map(|r| r.paper_batch as f64).collect(),
            },
        ];
        out.push(plot::bar(&stem(STEMS[5]), &chart, &groups)?);
    }

    // Faithful components of the largest pair.
    let names: Vec<String> = d
        .models
        .iter()
        .rev()
        .take(2)
        .rev()
        .map(|m| m.model.clone())
        .collect();
    if !names.is_empty() {
        let comps: Vec<String> = {
            let mut v: Vec<String> = Vec::new();
            for c in &d.components {
                if !v.contains(&c.component) {
                    v.push(c.component.clone());
                }
            }
            v
        };
        let chart = BarChart {
            title: "Hardware-faithful energy by component".into(),
            y_label: "share of inference energy (%)".into(),
            categories: names.clone(),
            layout: BarLayout::Stacked,
        };
        let groups: Vec<BarGroup> = comps
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
        out.push(plot::bar(&stem(STEMS[6]), &chart, &groups)?);
    }
    Ok(out)
}
