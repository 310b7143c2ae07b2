//! Plots (line, scatter with a highlighted front, grouped or stacked bars),
//! each written as both SVG and PNG from one drawing routine.
//!
//! Text is rendered with DejaVu Sans embedded in the binary (the `dejavu`
//! crate, DejaVu fonts license) through plotters' `ab_glyph` backend, so
//! plots render identically on a machine without any system font or
//! fontconfig. Output is deterministic: same data, same bytes.
//!
//! ```
//! use tritone_reports::plot::{scatter, Series, XyChart};
//! # let dir = tempfile::tempdir().unwrap();
//! let chart = XyChart::new("Design space", "area (mm2)", "energy per token (mJ)");
//! let points = Series::new("designs", vec![(1.0, 9.0), (2.0, 4.0), (3.0, 5.0), (4.0, 2.0)]);
//! let front = Series::new("Pareto front", vec![(1.0, 9.0), (2.0, 4.0), (4.0, 2.0)]);
//! let files = scatter(&dir.path().join("sweep"), &chart, &[points], Some(&front)).unwrap();
//! assert!(files.png.ends_with("sweep.png") && files.svg.ends_with("sweep.svg"));
//! ```

use crate::write::{atomic_write, atomic_write_with, WriteError};
use plotters::coord::ranged1d::{AsRangedCoord, Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Image size of every plot, in pixels.
pub const SIZE: (u32, u32) = (900, 560);

/// The font family name plots use (registered from embedded bytes).
const FONT: &str = "sans-serif";

/// Colour-blind-safe palette (Okabe–Ito), in series order.
const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(240, 228, 66),
    RGBColor(0, 0, 0),
];

fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Why a plot could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// Nothing to draw.
    #[error("plot '{title}': no data points")]
    Empty {
        /// The chart title.
        title: String,
    },
    /// A value that cannot be placed on the axis (NaN, infinite, or ≤ 0 on a log axis).
    #[error("plot '{title}': {axis} value {value} cannot be drawn ({why})")]
    BadValue {
        /// The chart title.
        title: String,
        /// "x" or "y".
        axis: &'static str,
        /// The value.
        value: f64,
        /// Why.
        why: &'static str,
    },
    /// Bar values do not match the categories.
    #[error("plot '{title}': group '{group}' has {got} values for {want} categories")]
    Shape {
        /// The chart title.
        title: String,
        /// The offending group.
        group: String,
        /// Values given.
        got: usize,
        /// Categories.
        want: usize,
    },
    /// The embedded font could not be registered.
    #[error("cannot load the embedded plot font")]
    Font,
    /// The drawing backend failed.
    #[error("cannot draw {path}: {why}")]
    Draw {
        /// The file being drawn.
        path: PathBuf,
        /// What went wrong.
        why: String,
    },
    /// Writing the file failed.
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// A named set of (x, y) points.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// The points, in drawing order.
    pub points: Vec<(f64, f64)>,
}

impl Series {
    /// A series from a label and points.
    pub fn new(label: impl Into<String>, points: Vec<(f64, f64)>) -> Series {
        Series {
            label: label.into(),
            points,
        }
    }
}

/// Axis scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Scale {
    /// Linear.
    #[default]
    Linear,
    /// Base-10 logarithmic (all values must be positive).
    Log,
}

/// Title and axes of an x–y chart.
#[derive(Clone, Debug, PartialEq)]
pub struct XyChart {
    /// Title drawn above the plot.
    pub title: String,
    /// X axis description.
    pub x_label: String,
    /// Y axis description.
    pub y_label: String,
    /// X scale.
    pub x_scale: Scale,
    /// Y scale.
    pub y_scale: Scale,
}

impl XyChart {
    /// A chart with linear axes.
    pub fn new(
        title: impl Into<String>,
        x_label: impl Into<String>,
        y_label: impl Into<String>,
    ) -> XyChart {
        XyChart {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            x_scale: Scale::Linear,
            y_scale: Scale::Linear,
        }
    }

    /// The same chart with the given scales.
    pub fn scales(mut self, x: Scale, y: Scale) -> XyChart {
        self.x_scale = x;
        self.y_scale = y;
        self
    }
}

/// How bar groups share a category.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BarLayout {
    /// Side by side.
    Grouped,
    /// On top of each other (shares of a total).
    Stacked,
}

/// A bar chart: one bar (or stack segment) per group and category.
#[derive(Clone, Debug, PartialEq)]
pub struct BarChart {
    /// Title drawn above the plot.
    pub title: String,
    /// Y axis description.
    pub y_label: String,
    /// Category names along the x axis.
    pub categories: Vec<String>,
    /// Grouped or stacked.
    pub layout: BarLayout,
}

/// One group of bars: a value per category.
#[derive(Clone, Debug, PartialEq)]
pub struct BarGroup {
    /// Legend label.
    pub label: String,
    /// One value per category (must be finite and ≥ 0).
    pub values: Vec<f64>,
}

/// The two files a plot produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlotFiles {
    /// The SVG.
    pub svg: PathBuf,
    /// The PNG.
    pub png: PathBuf,
}

/// Registers the embedded font once per process.
fn ensure_font() -> Result<(), PlotError> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = *DONE.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok()
            && plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold()).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(PlotError::Font)
    }
}

/// Tick label text: plain for ordinary magnitudes, scientific otherwise
/// (`1e6` for a power of ten).
pub fn tick_label(v: f64) -> String {
    let a = v.abs();
    let decade = a.log10().round();
    if a == 0.0 {
        "0".into()
    } else if !(1e-2..1e5).contains(&a) && (a / 10f64.powf(decade) - 1.0).abs() < 1e-9 {
        format!("{}1e{decade}", if v < 0.0 { "-" } else { "" })
    } else if !(1e-2..1e5).contains(&a) {
        format!("{v:.1e}")
    } else if a >= 100.0 || (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{v:.2}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    } else {
        format!("{v:.3}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

/// The ticks of a log axis over `lo..hi` (both > 0): labelled ticks at every
/// decade inside the range (at 1, 2 and 5 times a decade when the range holds
/// fewer than two decades), and unlabelled grid lines at the other integer
/// multiples.
pub fn log_ticks(lo: f64, hi: f64) -> (Vec<f64>, Vec<f64>) {
    let (a, b) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let within = |v: &f64| *v >= lo * (1.0 - 1e-12) && *v <= hi * (1.0 + 1e-12);
    let at = |mults: &[f64]| -> Vec<f64> {
        (a..=b)
            .flat_map(|k| mults.iter().map(move |m| m * 10f64.powi(k)))
            .filter(within)
            .collect()
    };
    let mut labelled = at(&[1.0]);
    if labelled.len() < 2 {
        labelled = at(&[1.0, 2.0, 5.0]);
    }
    let grid = at(&[2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
        .into_iter()
        .filter(|v| !labelled.contains(v))
        .collect();
    (labelled, grid)
}

/// Appends an extension to a stem without replacing dots already in it.
pub(crate) fn with_ext(stem: &Path, ext: &str) -> PathBuf {
    let mut s = stem.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

/// What a chart draws; one routine renders it on any backend.
enum Plot<'a> {
    Xy {
        chart: &'a XyChart,
        series: &'a [Series],
        front: Option<&'a Series>,
        lines: bool,
    },
    Bar {
        chart: &'a BarChart,
        groups: &'a [BarGroup],
    },
}

impl Plot<'_> {
    fn title(&self) -> &str {
        match self {
            Plot::Xy { chart, .. } => &chart.title,
            Plot::Bar { chart, .. } => &chart.title,
        }
    }

    fn validate(&self) -> Result<(), PlotError> {
        let title = self.title().to_string();
        match self {
            Plot::Xy {
                chart,
                series,
                front,
                ..
            } => {
                let pts: Vec<(f64, f64)> = series
                    .iter()
                    .chain(front.iter().copied())
                    .flat_map(|s| s.points.iter().copied())
                    .collect();
                if pts.is_empty() {
                    return Err(PlotError::Empty { title });
                }
                for (x, y) in pts {
                    for (axis, v, scale) in [("x", x, chart.x_scale), ("y", y, chart.y_scale)] {
                        if !v.is_finite() {
                            return Err(PlotError::BadValue {
                                title,
                                axis,
                                value: v,
                                why: "not finite",
                            });
                        }
                        if scale == Scale::Log && v <= 0.0 {
                            return Err(PlotError::BadValue {
                                title,
                                axis,
                                value: v,
                                why: "log axis needs > 0",
                            });
                        }
                    }
                }
            }
            Plot::Bar { chart, groups } => {
                if groups.is_empty() || chart.categories.is_empty() {
                    return Err(PlotError::Empty { title });
                }
                for g in groups.iter() {
                    if g.values.len() != chart.categories.len() {
                        return Err(PlotError::Shape {
                            title,
                            group: g.label.clone(),
                            got: g.values.len(),
                            want: chart.categories.len(),
                        });
                    }
                    if let Some(&v) = g.values.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
                        return Err(PlotError::BadValue {
                            title,
                            axis: "y",
                            value: v,
                            why: "bars need finite values ≥ 0",
                        });
                    }
                }
            }
        }
        Ok(())
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: DrawingArea<DB, plotters::coord::Shift>,
    ) -> Result<(), String> {
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        match self {
            Plot::Xy {
                chart,
                series,
                front,
                lines,
            } => {
                let all: Vec<(f64, f64)> = series
                    .iter()
                    .chain(front.iter().copied())
                    .flat_map(|s| s.points.iter().copied())
                    .collect();
                let xr = axis_range(all.iter().map(|p| p.0), chart.x_scale, false);
                let yr = axis_range(all.iter().map(|p| p.1), chart.y_scale, true);
                let ctx = XyCtx {
                    chart,
                    series,
                    front: *front,
                    lines: *lines,
                };
                // Log axes get their ticks at the decades (plotters' own
                // choice leaves some decades unlabelled).
                let log = |r: std::ops::Range<f64>| {
                    let (labelled, grid) = log_ticks(r.start, r.end);
                    r.log_scale()
                        .with_key_points(labelled)
                        .with_light_points(grid)
                };
                match (chart.x_scale, chart.y_scale) {
                    (Scale::Linear, Scale::Linear) => ctx.draw(&root, xr, yr),
                    (Scale::Linear, Scale::Log) => ctx.draw(&root, xr, log(yr)),
                    (Scale::Log, Scale::Linear) => ctx.draw(&root, log(xr), yr),
                    (Scale::Log, Scale::Log) => ctx.draw(&root, log(xr), log(yr)),
                }?;
            }
            Plot::Bar { chart, groups } => draw_bars(&root, chart, groups)?,
        }
        root.present().map_err(|e| e.to_string())
    }
}

/// Data range of one axis with a margin; linear value axes start at 0 when
/// all values are non-negative (so bar-like comparisons are honest).
fn axis_range(
    vals: impl Iterator<Item = f64>,
    scale: Scale,
    from_zero: bool,
) -> std::ops::Range<f64> {
    let (mut lo, mut hi) = vals.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
        (l.min(v), h.max(v))
    });
    match scale {
        Scale::Log => {
            if lo == hi {
                lo /= 2.0;
                hi *= 2.0;
            }
            let f = (hi / lo).powf(0.05);
            lo / f..hi * f
        }
        Scale::Linear => {
            if from_zero && lo >= 0.0 {
                lo = 0.0;
            }
            if lo == hi {
                let d = if lo == 0.0 { 1.0 } else { lo.abs() * 0.5 };
                lo -= d;
                hi += d;
            }
            let m = (hi - lo) * 0.05;
            let lo = if from_zero && lo == 0.0 { 0.0 } else { lo - m };
            lo..hi + m
        }
    }
}

struct XyCtx<'a> {
    chart: &'a XyChart,
    series: &'a [Series],
    front: Option<&'a Series>,
    lines: bool,
}

impl XyCtx<'_> {
    fn draw<DB, X, Y>(
        &self,
        root: &DrawingArea<DB, plotters::coord::Shift>,
        x: X,
        y: Y,
    ) -> Result<(), String>
    where
        DB: DrawingBackend,
        X: AsRangedCoord<Value = f64>,
        Y: AsRangedCoord<Value = f64>,
        X::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
        Y::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        let mut c = ChartBuilder::on(root)
            .caption(&self.chart.title, (FONT, 22))
            .margin(14)
            .x_label_area_size(48)
            .y_label_area_size(78)
            .build_cartesian_2d(x, y)
            .map_err(e)?;
        c.configure_mesh()
            .x_desc(&self.chart.x_label)
            .y_desc(&self.chart.y_label)
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .x_label_formatter(&|v| tick_label(*v))
            .y_label_formatter(&|v| tick_label(*v))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(e)?;
        for (i, s) in self.series.iter().enumerate() {
            let col = colour(i);
            let pts = s.points.clone();
            if self.lines {
                c.draw_series(LineSeries::new(pts.clone(), col.stroke_width(2)))
                    .map_err(e)?
                    .label(&s.label)
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 18, y)], col.stroke_width(2))
                    });
                c.draw_series(pts.iter().map(|&p| Circle::new(p, 3, col.filled())))
                    .map_err(e)?;
            } else {
                c.draw_series(
                    pts.iter()
                        .map(|&p| Circle::new(p, 3, col.mix(0.55).filled())),
                )
                .map_err(e)?
                .label(&s.label)
                .legend(move |(x, y)| Circle::new((x + 9, y), 4, col.filled()));
            }
        }
        if let Some(f) = self.front {
            // The front: sorted by x and joined, drawn over everything else.
            let mut pts = f.points.clone();
            pts.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
            let col = RGBColor(200, 0, 0);
            c.draw_series(LineSeries::new(pts.clone(), col.stroke_width(2)))
                .map_err(e)?;
            c.draw_series(pts.iter().map(|&p| Circle::new(p, 5, col.filled())))
                .map_err(e)?
                .label(&f.label)
                .legend(move |(x, y)| Circle::new((x + 9, y), 5, col.filled()));
        }
        c.configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font((FONT, 14))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(e)?;
        Ok(())
    }
}

fn draw_bars<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    chart: &BarChart,
    groups: &[BarGroup],
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let n = chart.categories.len();
    let top = match chart.layout {
        BarLayout::Grouped => groups
            .iter()
            .flat_map(|g| g.values.iter().copied())
            .fold(0.0, f64::max),
        BarLayout::Stacked => (0..n)
            .map(|i| groups.iter().map(|g| g.values[i]).sum::<f64>())
            .fold(0.0, f64::max),
    };
    let top = if top > 0.0 { top * 1.15 } else { 1.0 };
    let x: RangedCoordf64 = (-0.5..n as f64 - 0.5).into();
    let mut c = ChartBuilder::on(root)
        .caption(&chart.title, (FONT, 22))
        .margin(14)
        .x_label_area_size(48)
        .y_label_area_size(78)
        .build_cartesian_2d(x, 0.0..top)
        .map_err(e)?;
    let cats = chart.categories.clone();
    let cat_label = move |v: &f64| {
        let i = v.round();
        if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < cats.len() {
            cats[i as usize].clone()
        } else {
            String::new()
        }
    };
    c.configure_mesh()
        .disable_x_mesh()
        .x_labels(n.max(2) * 2 + 1)
        .x_label_formatter(&cat_label)
        .y_desc(&chart.y_label)
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .y_label_formatter(&|v| tick_label(*v))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(e)?;
    let k = groups.len() as f64;
    for (gi, g) in groups.iter().enumerate() {
        let col = colour(gi);
        let rects: Vec<Rectangle<(f64, f64)>> = (0..n)
            .map(|i| {
                let (x0, x1, y0) = match chart.layout {
                    BarLayout::Grouped => {
                        let w = 0.8 / k;
                        let x0 = i as f64 - 0.4 + gi as f64 * w;
                        (x0, x0 + w * 0.95, 0.0)
                    }
                    BarLayout::Stacked => (
                        i as f64 - 0.3,
                        i as f64 + 0.3,
                        groups[..gi].iter().map(|h| h.values[i]).sum(),
                    ),
                };
                Rectangle::new([(x0, y0), (x1, y0 + g.values[i])], col.filled())
            })
            .collect();
        c.draw_series(rects)
            .map_err(e)?
            .label(&g.label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], col.filled()));
    }
    c.configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font((FONT, 14))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(e)?;
    Ok(())
}

fn render(stem: &Path, plot: Plot<'_>) -> Result<PlotFiles, PlotError> {
    plot.validate()?;
    ensure_font()?;
    let svg = with_ext(stem, "svg");
    let png = with_ext(stem, "png");
    let mut text = String::new();
    plot.draw(SVGBackend::with_string(&mut text, SIZE).into_drawing_area())
        .map_err(|why| PlotError::Draw {
            path: svg.clone(),
            why,
        })?;
    atomic_write(&svg, text.as_bytes())?;
    // The bitmap encoder picks the format from the extension and writes the
    // file itself, so it draws into a temporary `.png` that is then renamed.
    atomic_write_with(&png, ".png", |tmp| {
        plot.draw(BitMapBackend::new(tmp, SIZE).into_drawing_area())
    })?
    .map_err(|why| PlotError::Draw {
        path: png.clone(),
        why,
    })?;
    Ok(PlotFiles { svg, png })
}

/// Lines through each series' points (in the given order), with markers.
/// Writes `<stem>.svg` and `<stem>.png`.
pub fn line(stem: &Path, chart: &XyChart, series: &[Series]) -> Result<PlotFiles, PlotError> {
    render(
        stem,
        Plot::Xy {
            chart,
            series,
            front: None,
            lines: true,
        },
    )
}

/// Points of each series; `front` (e.g. a Pareto front) is highlighted in
/// red and joined in x order. Writes `<stem>.svg` and `<stem>.png`.
pub fn scatter(
    stem: &Path,
    chart: &XyChart,
    series: &[Series],
    front: Option<&Series>,
) -> Result<PlotFiles, PlotError> {
    render(
        stem,
        Plot::Xy {
            chart,
            series,
            front,
            lines: false,
        },
    )
}

/// Grouped or stacked bars. Writes `<stem>.svg` and `<stem>.png`.
pub fn bar(stem: &Path, chart: &BarChart, groups: &[BarGroup]) -> Result<PlotFiles, PlotError> {
    render(stem, Plot::Bar { chart, groups })
}

/// A chart with its data, drawn by [`Chart::draw`].
#[derive(Clone, Debug, PartialEq)]
pub enum Chart {
    /// Lines through each series' points ([`line`](fn@line)).
    Line(XyChart, Vec<Series>),
    /// Grouped or stacked bars ([`bar`]).
    Bar(BarChart, Vec<BarGroup>),
}

impl Chart {
    /// Writes `<stem>.svg` and `<stem>.png`.
    pub fn draw(&self, stem: &Path) -> Result<PlotFiles, PlotError> {
        match self {
            Chart::Line(chart, series) => line(stem, chart, series),
            Chart::Bar(chart, groups) => bar(stem, chart, groups),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";

    fn check(files: &PlotFiles) {
        let png = std::fs::read(&files.png).unwrap();
        assert!(
            png.starts_with(PNG_MAGIC) && png.len() > 5000,
            "{}",
            files.png.display()
        );
        let svg = std::fs::read_to_string(&files.svg).unwrap();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    }

    fn sample(dir: &Path) -> Vec<PlotFiles> {
        let chart = XyChart::new("Energy per token", "parameters (B)", "energy (mJ)")
            .scales(Scale::Log, Scale::Log);
        let a = Series::new("BitNet b1.58", vec![(0.7, 1.0), (3.0, 3.5), (70.0, 50.0)]);
        let b = Series::new("FP16 LLaMA", vec![(0.7, 10.0), (3.0, 40.0), (70.0, 900.0)]);
        let front = Series::new("Pareto front", vec![(3.0, 3.5), (0.7, 1.0)]);
        let bars = BarChart {
            title: "Shares".into(),
            y_label: "pJ".into(),
            categories: vec!["BitNet b1.58".into(), "LLaMA".into()],
            layout: BarLayout::Stacked,
        };
        let groups = [
            BarGroup {
                label: "INT8 add".into(),
                values: vec![0.9, 0.0],
            },
            BarGroup {
                label: "FP16 add".into(),
                values: vec![0.0, 0.32],
            },
            BarGroup {
                label: "FP16 mul".into(),
                values: vec![0.1, 0.68],
            },
        ];
        let grouped = BarChart {
            layout: BarLayout::Grouped,
            title: "Grouped".into(),
            ..bars.clone()
        };
        vec![
            line(&dir.join("line"), &chart, &[a.clone(), b.clone()]).unwrap(),
            scatter(
                &dir.join("scatter.v1"),
                &XyChart::new("Sweep", "area", "energy"),
                &[a, b],
                Some(&front),
            )
            .unwrap(),
            bar(&dir.join("stacked"), &bars, &groups).unwrap(),
            bar(&dir.join("grouped"), &grouped, &groups).unwrap(),
        ]
    }

    #[test]
    fn every_kind_writes_valid_svg_and_png_deterministically() {
        let d1 = tempfile::tempdir().unwrap();
        let d2 = tempfile::tempdir().unwrap();
        let f1 = sample(d1.path());
        let f2 = sample(d2.path());
        assert_eq!(f1[1].svg, d1.path().join("scatter.v1.svg"));
        for (a, b) in f1.iter().zip(&f2) {
            check(a);
            assert_eq!(
                std::fs::read(&a.png).unwrap(),
                std::fs::read(&b.png).unwrap()
            );
            assert_eq!(
                std::fs::read(&a.svg).unwrap(),
                std::fs::read(&b.svg).unwrap()
            );
        }
        // The labels reach the SVG as text.
        let svg = std::fs::read_to_string(&f1[0].svg).unwrap();
        assert!(svg.contains("Energy per token") && svg.contains("FP16 LLaMA"));
        // Nothing but the 8 plot files in the directory.
        assert_eq!(std::fs::read_dir(d1.path()).unwrap().count(), 8);
    }

    #[test]
    fn bad_data_is_refused_before_writing() {
        let d = tempfile::tempdir().unwrap();
        let log = XyChart::new("t", "x", "y").scales(Scale::Linear, Scale::Log);
        let e = line(
            &d.path().join("a"),
            &log,
            &[Series::new("s", vec![(1.0, 0.0)])],
        )
        .unwrap_err();
        assert!(e.to_string().contains("log axis"), "{e}");
        let e = line(
            &d.path().join("b"),
            &XyChart::new("t", "x", "y"),
            &[Series::new("s", vec![(f64::NAN, 1.0)])],
        )
        .unwrap_err();
        assert!(e.to_string().contains("not finite"), "{e}");
        let e = scatter(
            &d.path().join("c"),
            &XyChart::new("empty", "x", "y"),
            &[],
            None,
        )
        .unwrap_err();
        assert!(e.to_string().contains("no data"), "{e}");
        let chart = BarChart {
            title: "b".into(),
            y_label: "y".into(),
            categories: vec!["a".into()],
            layout: BarLayout::Grouped,
        };
        let e = bar(
            &d.path().join("d"),
            &chart,
            &[BarGroup {
                label: "g".into(),
                values: vec![1.0, 2.0],
            }],
        )
        .unwrap_err();
        assert!(e.to_string().contains("2 values for 1 categories"), "{e}");
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 0);
    }

    #[test]
    fn tick_labels_are_compact() {
        assert_eq!(tick_label(0.0), "0");
        assert_eq!(tick_label(2.5), "2.5");
        assert_eq!(tick_label(0.125), "0.125");
        assert_eq!(tick_label(300.0), "300");
        assert_eq!(tick_label(1.5e6), "1.5e6");
        assert_eq!(tick_label(1e6), "1e6");
        assert_eq!(tick_label(1e-3), "1e-3");
    }

    #[test]
    fn log_axes_are_labelled_at_every_decade() {
        let (labelled, grid) = log_ticks(0.7, 4200.0);
        assert_eq!(labelled, [1.0, 10.0, 100.0, 1000.0]);
        assert!(grid.contains(&2000.0) && !grid.contains(&1000.0));
        // Less than two decades: 1, 2, 5 times each.
        let (labelled, _) = log_ticks(3.0, 40.0);
        assert_eq!(labelled, [5.0, 10.0, 20.0]);
    }
}
