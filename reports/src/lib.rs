//! Reports: writers for CSV, JSON, Markdown and plots (SVG and PNG), the
//! whole-model report that reproduces the BitNet b1.58 paper, and
//! design-space sweeps with Pareto fronts.

pub mod pareto;
pub mod plot;
pub mod report;
pub mod summary;
pub mod sweep;
pub mod units;
pub mod write;
