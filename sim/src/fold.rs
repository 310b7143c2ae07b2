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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

/// Incremental form of [`crate::tile::schedule`].
#[derive(Clone, Debug)]
pub struct FoldTimer {
    beats: u64,
    banks: u64,
    drain: u64,
    latency: u64,
    folds: u64,
    prev_load_start: u64,
    /// Last accept of the previous fold and of the one before it.
    last_accept: [u64; 2],
    end: u64,
}

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
            banks: if cfg.double_buffer() { 2 } else { 1 },
            // Same drain rule as tile::schedule: the last beat writes row R−1.
            drain: c + r - b,
            latency: token_latency(cfg),
            folds: 0,
            prev_load_start: 0,
            last_accept: [0; 2],
            end: 0,
        }
    }

    /// Times the next fold of `tokens` back-to-back tokens. Its first weight
    /// beat may not come before edge `weights_ready` (weights still arriving
    /// from DRAM) and its first token not before `x_ready`.
    #[inline]
    pub fn push(&mut self, tokens: u64, weights_ready: u64, x_ready: u64) -> FoldTiming {
        debug_assert!(tokens > 0);
        let b = self.beats;
        let mut s = weights_ready;
        if self.folds >= 1 {
            s = s.max(self.prev_load_start + b);
            s = s.max((self.last_accept[0] + 1).saturating_sub(b));
        }
        if self.folds >= self.banks {
            let a = self.last_accept[(self.banks - 1) as usize];
            s = s.max(a + self.drain);
        }
        let mut x0 = s + b;
        if self.folds >= 1 {
            x0 = x0.max(self.last_accept[0] + 1);
        }
        x0 = x0.max(x_ready);
        let last = x0 + tokens - 1;
        self.last_accept = [last, self.last_accept[0]];
        self.prev_load_start = s;
        self.folds += 1;
        let last_output = last + self.latency;
        self.end = last_output + 1;
        FoldTiming {
            load_start: s,
            first_accept: x0,
            last_accept: last,
            last_output,
        }
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
            r in 1u32..40, c in 1u32..40, l in 1u32..40, db: bool,
            tokens in proptest::collection::vec(1u64..70, 1..12),
        ) {
            let cfg = ArrayConfig::new(ArraySpec {
                rows: Some(r), cols: Some(c), double_buffer: Some(db),
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
