//! Shared helpers of the hdl integration tests.
#![allow(dead_code)]

use tritone_hdl::job::{extreme_jobs, random_jobs, Stimulus, TileJob};
use tritone_hdl::ArrayDesign;
use tritone_sim::{ArrayConfig, ArraySpec, PeKind};

/// A generatable design.
pub fn design(
    rows: u32,
    cols: u32,
    pe: PeKind,
    double_buffer: bool,
    rows_per_beat: u32,
) -> ArrayDesign {
    let cfg = ArrayConfig::new(ArraySpec {
        rows: Some(rows),
        cols: Some(cols),
        pe: Some(pe),
        double_buffer: Some(double_buffer),
        weight_rows_per_cycle: Some(rows_per_beat),
        ..Default::default()
    })
    .expect("valid test architecture");
    ArrayDesign::new(&cfg).expect("generatable test architecture")
}

/// A generatable design with `banks` weight banks per PE.
pub fn design_banks(
    rows: u32,
    cols: u32,
    pe: PeKind,
    banks: u32,
    rows_per_beat: u32,
) -> ArrayDesign {
    let cfg = ArrayConfig::new(ArraySpec {
        rows: Some(rows),
        cols: Some(cols),
        pe: Some(pe),
        weight_banks: Some(banks),
        weight_rows_per_cycle: Some(rows_per_beat),
        ..Default::default()
    })
    .expect("valid test architecture");
    ArrayDesign::new(&cfg).expect("generatable test architecture")
}

/// The mixed workload every shape runs: random tiles with one token, short
/// tiles (M < R + C), a long stream, then the extreme corner and an all-zero tile.
pub fn workload(d: &ArrayDesign, seed: u64) -> Stimulus {
    let short = (d.rows() + d.cols()) as usize / 2;
    let long = 3 * (d.rows() + d.cols()) as usize + 5;
    let mut jobs: Vec<TileJob> = random_jobs(d, &[1, short.max(1), long, 2], seed);
    jobs.extend(extreme_jobs(d, 7));
    Stimulus::new(d, &jobs).expect("jobs fit the design")
}
