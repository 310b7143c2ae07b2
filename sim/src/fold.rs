//! The fold timer: `tile::schedule`'s rules evaluated one fold at a time in
//! O(1) time and memory, with the extra "data not here yet" constraints that
//! DRAM adds.
//!
//! A fold is one weight tile of the GEMM loaded into the array followed by the
//! tokens streamed through it. [`FoldTimer::push`] applies exactly the
//! recurrence of [`crate::tile::schedule`] (its tests prove the two equal on
//! random fold sequences), so a GEMM's timing is the tile contract's timing.

use crate::config::ArrayConfig;
use crate::tile::token_latency;

/// Edges of one timed fold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FoldTiming {
    /// Edge of the first weight beat.
    pub load_start: u64,
    /// Edge that accepts the first token.
    pub first_accept: u64,
    /// Edge that accepts the last token.
    pub last_accept: u64,
    /// Edge after which the last output is valid.
    pub last_output: u64,
}

/// Which constraint of the recurrence bound a fold's load start and first
/// accept (ties: the first in the order of [`FoldTimer::push_traced`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Binding(pub u8);

/// Incremental form of [`crate::tile::schedule`].
#[derive(Clone, Debug)]
pub struct FoldTimer {
    beats: u64,
    banks: u64,
    drain: u64,
    latency: u64,
    folds: u64,
    prev_load_start: u64,
    /// First accept of the previous fold.
    prev_first_accept: u64,
    /// Last accepts of the previous folds, most recent first (as many as banks).
    last_accept: [u64; MAX_BANKS],
    end: u64,
}

/// Most weight banks a PE has (`ArrayConfig::weight_banks`).
pub const MAX_BANKS: usize = 8;

/// The times the recurrence remembers ([`FoldTimer::times`]).
pub const TIMES: usize = 2 + MAX_BANKS;

impl FoldTimer {
    /// An idle array described by `cfg`.
    pub fn new(cfg: &ArrayConfig) -> FoldTimer {
        let (r, c, b) = (
            cfg.rows() as u64,
            cfg.cols() as u64,
            cfg.weight_beats() as u64,
        );
        FoldTimer {
            beats: b,
            banks: cfg.weight_banks() as u64,
            // Same drain rule as tile::schedule: the last beat writes row R−1.
            drain: c + r - b,
            latency: token_latency(cfg),
            folds: 0,
            prev_load_start: 0,
            prev_first_accept: 0,
            last_accept: [0; MAX_BANKS],
            end: 0,
        }
    }

    /// Times the next fold of `tokens` back-to-back tokens. Its first weight
    /// beat may not come before edge `weights_ready` (weights still arriving
    /// from DRAM) and its first token not before `x_ready`.
    #[inline]
    pub fn push(&mut self, tokens: u64, weights_ready: u64, x_ready: u64) -> FoldTiming {
        self.push_traced(tokens, weights_ready, x_ready).0
    }

    /// [`FoldTimer::push`], also returning which constraint set the load start
    /// and which the first accept (a [`Binding`]). The GEMM's cycle jump
    /// compares these to prove that a repeated stretch of folds takes the
    /// same branches (see `docs/simulator.md`).
    #[inline]
    pub fn push_traced(
        &mut self,
        tokens: u64,
        weights_ready: u64,
        x_ready: u64,
    ) -> (FoldTiming, Binding) {
        debug_assert!(tokens > 0);
        let b = self.beats;
        // Ties keep the earlier term: the value is the same either way.
        let mut s = weights_ready;
        let mut load = 0u8;
        if self.folds >= 1 {
            if self.prev_load_start + b > s {
                s = self.prev_load_start + b;
                load = 1;
            }
            let after = self.last_accept[0] + 1;
            // The saturation at 0 is its own branch (a constant, not a shift).
            let (v, code) = if after >= b { (after - b, 2) } else { (0, 3) };
            if v > s {
                s = v;
                load = code;
            }
            // A sequencer decides a load from what has happened: it does not
            // start loading the next tile before the previous fold's first
            // token is in (implied by the contract unless DRAM delays that token).
            if self.prev_first_accept > s {
                s = self.prev_first_accept;
                load = 5;
            }
        }
        if self.folds >= self.banks {
            let a = self.last_accept[(self.banks - 1) as usize] + self.drain;
            if a > s {
                s = a;
                load = 4;
            }
        }
        let mut x0 = s + b;
        let mut accept = 0u8;
        if self.folds >= 1 && self.last_accept[0] + 1 > x0 {
            x0 = self.last_accept[0] + 1;
            accept = 1;
        }
        if x_ready > x0 {
            x0 = x_ready;
            accept = 2;
        }
        let last = x0 + tokens - 1;
        self.last_accept.copy_within(0..MAX_BANKS - 1, 1);
        self.last_accept[0] = last;
        self.prev_load_start = s;
        self.prev_first_accept = x0;
        self.folds += 1;
        let last_output = last + self.latency;
        self.end = last_output + 1;
        (
            FoldTiming {
                load_start: s,
                first_accept: x0,
                last_accept: last,
                last_output,
            },
            Binding(load | accept << 3),
        )
    }

    /// The times the recurrence remembers: the previous load start, the
    /// previous first accept, and the last accepts of the previous folds
    /// (most recent first).
    pub fn times(&self) -> [u64; TIMES] {
        let mut t = [0; TIMES];
        t[0] = self.prev_load_start;
        t[1] = self.prev_first_accept;
        t[2..].copy_from_slice(&self.last_accept);
        t
    }

    /// The last accept of the fold `j + 1` folds back (0: the previous fold).
    pub fn last_accept(&self, j: usize) -> u64 {
        self.last_accept[j]
    }

    /// Resumes the timer after `folds` folds with the remembered `times`
    /// (as returned by [`FoldTimer::times`]), e.g. after a proven cycle jump.
    pub fn resume(&mut self, folds: u64, times: [u64; TIMES]) {
        self.folds = folds;
        self.prev_load_start = times[0];
        self.prev_first_accept = times[1];
        self.last_accept.copy_from_slice(&times[2..]);
        self.end = if folds == 0 {
            0
        } else {
            times[2] + self.latency + 1
        };
    }

    /// Weight beats per load.
    pub fn beats(&self) -> u64 {
        self.beats
    }

    /// Cycles from the first weight beat to the last valid output, inclusive
    /// (equal to `tile::schedule(..).total_cycles()`).
    pub fn total_cycles(&self) -> u64 {
        self.end
    }

    /// Folds timed so far.
    pub fn folds(&self) -> u64 {
        self.folds
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ArraySpec;
    use crate::tile::schedule;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        /// The O(1) timer and the contract's schedule agree edge for edge.
        #[test]
        fn timer_equals_tile_schedule(
            r in 1u32..40, c in 1u32..40, l in 1u32..40,
            banks in prop::sample::select(vec![1u32, 2, 4, 8]),
            tokens in proptest::collection::vec(1u64..70, 1..12),
        ) {
            let cfg = ArrayConfig::new(ArraySpec {
                rows: Some(r), cols: Some(c), weight_banks: Some(banks),
                weight_rows_per_cycle: Some(l.min(r)), ..Default::default()
            }).unwrap();
            let sched = schedule(&cfg, &tokens);
            let mut t = FoldTimer::new(&cfg);
            for (i, &m) in tokens.iter().enumerate() {
                let f = t.push(m, 0, 0);
                prop_assert_eq!(f.load_start, sched.weight_beats[i][0]);
                prop_assert_eq!(f.first_accept, sched.x_beats[i][0]);
                prop_assert_eq!(f.last_accept, *sched.x_beats[i].last().unwrap());
                prop_assert_eq!(f.last_output, *sched.y_beats[i].last().unwrap());
            }
            prop_assert_eq!(t.total_cycles(), sched.total_cycles());
        }
    }

    #[test]
    fn late_weights_delay_the_load_and_everything_after() {
        let cfg = ArrayConfig::new(ArraySpec {
            rows: Some(4),
            cols: Some(3),
            ..Default::default()
        })
        .unwrap();
        let mut t = FoldTimer::new(&cfg);
        let f = t.push(5, 100, 0);
        assert_eq!((f.load_start, f.first_accept), (100, 104));
        assert_eq!(t.total_cycles(), 100 + 4 + 4 + 3 + 5 - 1);
        let g = t.push(5, 0, 200);
        assert_eq!(g.first_accept, 200);
    }
}
