//! Tile level: the beat-exact timing contract of the array core.
//!
//! This module *is* the timing specification that the RTL in `hdl/` implements
//! and that its co-simulation tests check edge by edge (see
//! `docs/array-interface.md`). Edges are numbered from 0 (the first weight beat
//! of the first tile).
//!
//! Rules of the core (R rows, C columns, L weight rows per beat, B = ⌈R/L⌉ beats per load):
//! - A token accepted at edge `x` has its output valid after edge `x + R + C − 1`.
//! - A token uses the weights of the most recently *completed* load (last beat
//!   at an edge `< x`); with double buffering loads alternate between two banks.
//! - Row `r` of a bank may be overwritten at edge `e` only if the last token
//!   that used the bank was accepted at `a` with `e ≥ a + r + C` (the token's
//!   wavefront has passed row `r`).
//! - One weight beat and one activation beat per edge at most.

use crate::config::ArrayConfig;
use serde::Serialize;

/// Edges of every beat of a sequence of tiles, as the core sees them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BeatSchedule {
    /// Per tile: the edge of each weight beat (B entries).
    pub weight_beats: Vec<Vec<u64>>,
    /// Per tile: the edge that accepts each activation beat (one per token).
    pub x_beats: Vec<Vec<u64>>,
    /// Per tile: the edge after which each output beat is valid.
    pub y_beats: Vec<Vec<u64>>,
}

impl BeatSchedule {
    /// Number of clock cycles from the first weight beat to the last valid output, inclusive.
    pub fn total_cycles(&self) -> u64 {
        self.y_beats
            .iter()
            .flatten()
            .copied()
            .max()
            .map_or(0, |e| e + 1)
    }
}

/// Cycles from the edge that accepts the first of `tokens` back-to-back
/// activation beats to the edge at which the last output beat is valid:
/// `R + C + M − 2`.
pub fn stream_latency(cfg: &ArrayConfig, tokens: u64) -> u64 {
    assert!(tokens > 0, "a tile streams at least one token");
    cfg.rows() as u64 + cfg.cols() as u64 + tokens - 2
}

/// The pipeline depth of one token: `R + C − 1` edges from accept to valid output.
pub fn token_latency(cfg: &ArrayConfig) -> u64 {
    cfg.rows() as u64 + cfg.cols() as u64 - 1
}

/// Earliest-possible schedule of `tokens[t]` back-to-back tokens through tile
/// `t`, each tile's weights loaded as early as the rules allow.
pub fn schedule(cfg: &ArrayConfig, tokens: &[u64]) -> BeatSchedule {
    let (r, c) = (cfg.rows() as u64, cfg.cols() as u64);
    let b = cfg.weight_beats() as u64;
    let banks = cfg.weight_banks() as usize;
    let lat = token_latency(cfg);
    // Latest beat writes row R−1 at offset B−1: the drain rule binds hardest there.
    let drain = c + r - b;
    let mut sched = BeatSchedule {
        weight_beats: vec![],
        x_beats: vec![],
        y_beats: vec![],
    };
    let mut last_accept: Vec<u64> = vec![]; // a_t per tile
    let mut load_start: Vec<u64> = vec![];
    for (t, &m) in tokens.iter().enumerate() {
        assert!(m > 0, "tile {t} streams no token");
        let mut s = 0u64;
        if t >= 1 {
            s = s.max(load_start[t - 1] + b); // one weight port
                                              // Do not complete this load before the previous tile's last token is in.
            s = s.max((last_accept[t - 1] + 1).saturating_sub(b));
        }
        if t >= banks {
            s = s.max(last_accept[t - banks] + drain);
        }
        let x0 = if t >= 1 {
            (s + b).max(last_accept[t - 1] + 1)
        } else {
            s + b
        };
        sched.weight_beats.push((0..b).map(|i| s + i).collect());
        sched.x_beats.push((0..m).map(|i| x0 + i).collect());
        sched.y_beats.push((0..m).map(|i| x0 + i + lat).collect());
        load_start.push(s);
        last_accept.push(x0 + m - 1);
    }
    sched
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ArraySpec;

    fn cfg(r: u32, c: u32, db: bool, l: u32) -> ArrayConfig {
        ArrayConfig::new(ArraySpec {
            rows: Some(r),
            cols: Some(c),
            double_buffer: Some(db),
            weight_rows_per_cycle: Some(l),
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn single_tile_matches_the_stream_latency() {
        let c = cfg(4, 3, false, 1);
        let s = schedule(&c, &[5]);
        assert_eq!(s.weight_beats[0], vec![0, 1, 2, 3]);
        assert_eq!(s.x_beats[0][0], 4);
        assert_eq!(s.y_beats[0][4] - s.x_beats[0][0], stream_latency(&c, 5));
        assert_eq!(stream_latency(&c, 5), 4 + 3 + 5 - 2);
    }

    #[test]
    fn single_buffer_waits_for_the_wavefront() {
        let c = cfg(4, 3, false, 1);
        let s = schedule(&c, &[5, 5]);
        // Last token of tile 0 accepted at 8; next load may start at 8 + C = 11.
        assert_eq!(s.weight_beats[1][0], 11);
        assert_eq!(s.x_beats[1][0], 15);
    }

    #[test]
    fn double_buffer_streams_back_to_back_when_tiles_are_long() {
        let c = cfg(4, 3, true, 1);
        // M = 10 >= R + C − 1: no bubble between tiles.
        let s = schedule(&c, &[10, 10, 10]);
        assert_eq!(s.x_beats[1][0], s.x_beats[0][9] + 1);
        assert_eq!(s.x_beats[2][0], s.x_beats[1][9] + 1);
    }
}
