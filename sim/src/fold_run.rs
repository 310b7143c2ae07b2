//! One mapping's fold sequence (M-chunk → N-block → K-block) run through the
//! fold timer and the DRAM model, with exact cycle jumps over runs of
//! identical folds.
//!
//! The timer and DRAM recurrences are max-plus: each new time is the max of
//! old times plus constants. Within a run of folds of one kind, once two
//! consecutive cycles of `p` folds took the same
//! branches ([`Binding`]s) and moved the state by the same per-coordinate
//! delta `D`, the state after `j` more cycles is `x + j·D` provided the cycle
//! run from `x + (k−1)·D` takes the same branches and lands on `x + k·D`:
//! with the branches fixed the cycle is an affine map, each comparison's slack
//! is affine in the cycle count, so agreeing at both ends proves every cycle
//! in between (`docs/simulator.md`, "GEMM: the cycle jump").
//! `gemm::tests::cycle_jump_equals_stepping` checks the result bit for bit.

use crate::dram::DramRate;
use crate::fold::{Binding, FoldTimer};
use crate::ArrayConfig;
use std::collections::VecDeque;

/// Everything the fold loop of one mapping needs (fixed for the GEMM).
pub(crate) struct FoldPlan {
    pub m: u64,
    pub k: u64,
    pub k_blocks: u64,
    pub n_blocks: u64,
    pub chunks: u64,
    pub chunk_tokens: u64,
    pub r: u64,
    pub c: u64,
    pub r_last: u64,
    pub c_last: u64,
    pub act_bytes: u64,
    pub x_per_chunk: bool,
    pub x_per_fold: bool,
    pub weights_resident: bool,
    pub weight_slots: u64,
    pub outputs_to_dram: bool,
    pub out_word_bytes: u64,
    /// Weight DRAM bytes of a tile with `re` rows and `ce` columns.
    pub w_bytes: fn(&ArrayConfig, u64, u64) -> u64,
    pub rate: DramRate,
}

/// What the fold loop adds up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct FoldTotals {
    /// The array's cycles (timer with DRAM).
    pub array_cycles: u64,
    /// The same folds with infinitely fast DRAM.
    pub compute_cycles: u64,
    /// Transfer time of the last write-back.
    pub last_write: u64,
    pub read_cycles: u64,
    pub write_cycles: u64,
    pub dram_read: u64,
    pub dram_write: u64,
    pub weight_dram: u64,
    /// Folds stepped one by one and folds jumped over (per slot-queue case:
    /// no fetch or no pop, pops of slots already free, pops of a periodic run).
    pub stepped: u64,
    pub jumped: [u64; 3],
}

/// One fold kind of an N-block: tokens, weight and X bytes and their transfer time.
#[derive(Clone, Copy, PartialEq, Eq)]
struct FoldKind {
    tokens: u64,
    fetch: bool,
    bytes: u64,
    weight_bytes: u64,
    /// `rate.cycles(bytes)`, computed once per kind (a 128-bit division).
    transfer: u64,
}

/// The time coordinates of the loop state: timer (3), ideal timer (3),
/// channel free, chunk X ready.
type Coords = [u64; 8];
/// Read cycles, DRAM read bytes, weight DRAM bytes (a K-run has no writes).
type Sums = [u64; 3];

/// The array, its DRAM-free twin and the read channel.
#[derive(Clone)]
struct Lane {
    timer: FoldTimer,
    ideal: FoldTimer,
    channel_free: u64,
    x_ready: u64,
}

/// A fold's effect beyond the lane state.
struct FoldOut {
    binding: u32,
    slot_free: Option<u64>,
}

impl Lane {
    fn coords(&self) -> Coords {
        let [a, b, c] = self.timer.times();
        let [d, e, f] = self.ideal.times();
        [a, b, c, d, e, f, self.channel_free, self.x_ready]
    }

    fn resume(&mut self, folds: u64, x: &Coords) {
        self.timer.resume(folds, [x[0], x[1], x[2]]);
        self.ideal.resume(folds, [x[3], x[4], x[5]]);
        self.channel_free = x[6];
        self.x_ready = x[7];
    }

    /// One fold; `front` is the weight slot freed for its fetch, if the
    /// buffer is full. Same arithmetic as the stepping loop of `gemm`.
    #[inline]
    fn fold(&mut self, kind: &FoldKind, front: Option<u64>) -> FoldOut {
        let mut binding = 0u32;
        let mut weights_ready = 0;
        if kind.bytes > 0 {
            let mut start = self.channel_free;
            if let Some(f) = front {
                if f > start {
                    start = f;
                    binding = 1;
                }
            }
            self.channel_free = start + kind.transfer;
            weights_ready = self.channel_free;
        }
        let (t, Binding(tb)) = self
            .timer
            .push_traced(kind.tokens, weights_ready, self.x_ready);
        let (_, Binding(ib)) = self.ideal.push_traced(kind.tokens, 0, 0);
        binding |= (tb as u32) << 1 | (ib as u32) << 8;
        FoldOut {
            binding,
            slot_free: kind.fetch.then_some(t.load_start + self.timer.beats()),
        }
    }
}

/// Longest cycle (in folds) the repeat check looks for: the timer alone
/// repeats every fold or two (two banks); DRAM transfers against the drain
/// rule make a few folds more.
const MAX_PERIOD: usize = 6;

/// A run of freed-slot times: entry `t` is `vals[t % period] + (t / period)·shift`.
#[derive(Clone, Copy, Debug)]
struct SlotRun {
    vals: [u64; MAX_PERIOD],
    period: u64,
    shift: u64,
    /// First entry not yet popped.
    start: u64,
    /// Entries left.
    len: u64,
    /// Queue position (counting every entry ever pushed) one past its last entry.
    end: u64,
}

impl SlotRun {
    fn entry(&self, t: u64) -> u64 {
        self.vals[(t % self.period) as usize] + (t / self.period) * self.shift
    }
}

/// The weight-slot queue (times at which each fetched tile's slot frees, in
/// fetch order), stored as periodic runs so a jump appends O(1) data.
#[derive(Default)]
struct SlotQueue {
    runs: VecDeque<SlotRun>,
    len: u64,
    /// Entries ever pushed.
    pushed: u64,
}

impl SlotQueue {
    fn push(&mut self, v: u64) {
        self.len += 1;
        self.pushed += 1;
        let end = self.pushed;
        if let Some(last) = self.runs.back_mut() {
            if last.len == 1 && v >= last.entry(last.start) {
                let base = last.entry(last.start);
                *last = SlotRun {
                    vals: [base; MAX_PERIOD],
                    period: 1,
                    shift: v - base,
                    start: 0,
                    len: 2,
                    end,
                };
                return;
            }
            if last.period == 1 && last.len > 1 && last.entry(last.start + last.len) == v {
                last.len += 1;
                last.end = end;
                return;
            }
        }
        self.runs.push_back(SlotRun {
            vals: [v; MAX_PERIOD],
            period: 1,
            shift: 0,
            start: 0,
            len: 1,
            end,
        });
    }

    fn push_run(&mut self, mut run: SlotRun) {
        self.len += run.len;
        self.pushed += run.len;
        run.end = self.pushed;
        // Continue the last run when the new one extends its progression.
        if let Some(last) = self.runs.back_mut() {
            let end = last.start + last.len;
            if last.period == run.period
                && last.shift == run.shift
                && end % last.period == 0
                && (0..run.period).all(|t| last.entry(end + t) == run.vals[t as usize])
            {
                last.len += run.len;
                last.end = run.end;
                return;
            }
        }
        self.runs.push_back(run);
    }

    fn pop(&mut self) -> Option<u64> {
        let front = self.runs.front_mut()?;
        let v = front.entry(front.start);
        front.start += 1;
        front.len -= 1;
        if front.len == 0 {
            self.runs.pop_front();
        }
        self.len -= 1;
        Some(v)
    }

    fn pop_n(&mut self, mut n: u64) {
        while n > 0 {
            let front = self.runs.front_mut().expect("popping queued slots");
            let take = n.min(front.len);
            front.start += take;
            front.len -= take;
            self.len -= take;
            n -= take;
            if front.len == 0 {
                self.runs.pop_front();
            }
        }
    }

    /// Entry `idx` from the front (O(log runs)).
    fn get(&self, idx: u64) -> u64 {
        let g = self.pushed - self.len + idx;
        let i = self.runs.partition_point(|r| r.end <= g);
        let run = &self.runs[i];
        run.entry(run.start + g - (run.end - run.len))
    }

    /// How many of the first `limit` entries are `≤ t` (entries ascend).
    fn count_at_most(&self, t: u64, limit: u64) -> u64 {
        let n = limit.min(self.len);
        if n == 0 || self.get(n - 1) <= t {
            return n;
        }
        let (mut lo, mut hi) = (0, n - 1);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.get(mid) <= t {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// The longest prefix, at most `limit` entries, that continues `seed`
    /// (the `f` entries just before the queue's front) with
    /// `entry[t] = entry[t − f] + shift`.
    fn periodic_prefix(&self, seed: &[u64], shift: u64, limit: u64) -> u64 {
        let f = seed.len() as u64;
        // The last f entries, as a ring.
        let mut prev = [0u64; MAX_PERIOD];
        prev[..seed.len()].copy_from_slice(seed);
        let mut at = 0usize;
        let mut n = 0;
        for run in &self.runs {
            let mut t = 0;
            while t < run.len {
                if n >= limit {
                    return n;
                }
                // Past its first f entries a run whose own progression is the
                // wanted one continues it to its end.
                if t >= f && f.is_multiple_of(run.period) && run.shift * (f / run.period) == shift {
                    let skip = (run.len - t).min(limit - n);
                    t += skip;
                    n += skip;
                    for (i, u) in (t - f..t).enumerate() {
                        prev[i] = run.entry(run.start + u);
                    }
                    at = 0;
                    continue;
                }
                let v = run.entry(run.start + t);
                if prev[at] + shift != v {
                    return n;
                }
                prev[at] = v;
                at = (at + 1) % seed.len();
                n += 1;
                t += 1;
            }
        }
        n
    }
}

/// The state the fold loop carries from fold to fold.
struct LoopState {
    lane: Lane,
    slots: SlotQueue,
    sums: Sums,
}

/// One stepped fold of the current K-run, for the repeat check.
#[derive(Clone, Copy)]
struct Record {
    /// State before the fold.
    before: Coords,
    sums: Sums,
    binding: u32,
    popped: Option<u64>,
    pushed: Option<u64>,
}

/// [`try_jump`]'s answer when the replay disproved every jump length (the
/// caller backs off); a plain 0 means the repeat check did not pass yet.
const FAILED: u64 = u64::MAX;

/// Runs the whole fold loop; `jumps` enables the cycle jump (off: plain
/// stepping, the reference the tests compare against).
pub(crate) fn run(cfg: &ArrayConfig, plan: &FoldPlan, jumps: bool) -> FoldTotals {
    let mut st = LoopState {
        lane: Lane {
            timer: FoldTimer::new(cfg),
            ideal: FoldTimer::new(cfg),
            channel_free: 0,
            x_ready: 0,
        },
        slots: SlotQueue::default(),
        sums: [0; 3],
    };
    let mut tot = FoldTotals::default();
    let mut hist: Vec<Record> = Vec::new();
    for chunk in 0..plan.chunks {
        let mc = if chunk + 1 == plan.chunks {
            plan.m - chunk * plan.chunk_tokens
        } else {
            plan.chunk_tokens
        };
        st.lane.x_ready = 0;
        if plan.x_per_chunk {
            // The single chunk buffer is free once the previous chunk's last token is in.
            let prev_chunk_end = if chunk == 0 {
                0
            } else {
                st.lane.timer.times()[1] + 1
            };
            let bytes = mc * plan.k * plan.act_bytes;
            let d = plan.rate.cycles(bytes);
            let start = st.lane.channel_free.max(prev_chunk_end);
            st.lane.channel_free = start + d;
            st.sums[0] += d;
            st.sums[1] += bytes;
            st.lane.x_ready = st.lane.channel_free;
        }
        let fetch = chunk == 0 || !plan.weights_resident;
        // The fold kinds of this chunk: (full, last K-block) of a full and of
        // the last N-block; one 128-bit division each, not one per fold.
        let kind = |re: u64, ce: u64| {
            let weight_bytes = if fetch {
                (plan.w_bytes)(cfg, re, ce)
            } else {
                0
            };
            let x_bytes = if plan.x_per_fold {
                mc * re * plan.act_bytes
            } else {
                0
            };
            let bytes = weight_bytes + x_bytes;
            FoldKind {
                tokens: mc,
                fetch,
                bytes,
                weight_bytes,
                transfer: plan.rate.cycles(bytes),
            }
        };
        let kinds = [plan.c, plan.c_last].map(|ce| (kind(plan.r, ce), kind(plan.r_last, ce)));
        let kb_n = plan.k_blocks;
        let total = plan.n_blocks * kb_n;
        let kind_at = |g: u64| {
            let (full, last) = &kinds[(g / kb_n + 1 == plan.n_blocks) as usize];
            if g % kb_n + 1 == kb_n {
                last
            } else {
                full
            }
        };
        // Write-back of N-block `nb`'s outputs (posted: no effect on timing
        // but the final write and the channel's total).
        let write_blocks = |tot: &mut FoldTotals, nb: u64, count: u64| {
            if plan.outputs_to_dram && count > 0 {
                let ce = if nb + 1 == plan.n_blocks {
                    plan.c_last
                } else {
                    plan.c
                };
                let bytes = mc * ce * plan.out_word_bytes;
                tot.dram_write += bytes * count;
                tot.last_write = plan.rate.cycles(bytes);
                tot.write_cycles += tot.last_write * count;
            }
        };
        // The folds run as one sequence; a run of folds of one kind may span
        // N-blocks (when K is a multiple of R the last K-block is full too).
        let mut run_end = 0u64;
        let (mut next_try, mut backoff) = (0u64, 1u64);
        let mut g = 0u64;
        while g < total {
            if g >= run_end {
                run_end = kind_run_end(g, total, kb_n, plan.n_blocks, &kind_at);
                hist.clear();
                (next_try, backoff) = (g, 1);
            }
            let k = *kind_at(g);
            if jumps && g + 1 < run_end && g >= next_try {
                let (mut jumped, mut failed) = (0, false);
                for p in 1..=MAX_PERIOD as u64 {
                    let (n, case) = try_jump(&mut st, &mut hist, plan, &k, run_end - g, p);
                    if n == FAILED {
                        failed = true;
                    } else if n > 0 {
                        tot.jumped[case] += n;
                        jumped = n;
                        break;
                    }
                }
                if jumped > 0 {
                    // N-blocks that ended inside the jump: all but possibly
                    // the last N-block of the chunk write the same bytes.
                    let (lo, hi) = (g / kb_n, (g + jumped) / kb_n);
                    let mid_hi = hi.min(plan.n_blocks - 1);
                    if mid_hi > lo {
                        write_blocks(&mut tot, lo, mid_hi - lo);
                    }
                    if hi == plan.n_blocks {
                        write_blocks(&mut tot, plan.n_blocks - 1, 1);
                    }
                    g += jumped;
                    backoff = 1;
                    continue;
                }
                if failed {
                    next_try = g + backoff;
                    backoff *= 2;
                }
            }
            let before = st.lane.coords();
            let before_sums = st.sums;
            let popped = if k.fetch && k.bytes > 0 && st.slots.len >= plan.weight_slots {
                Some(st.slots.pop().unwrap_or(0))
            } else {
                None
            };
            let out = st.lane.fold(&k, popped);
            if k.bytes > 0 {
                st.sums[0] += k.transfer;
                st.sums[1] += k.bytes;
                st.sums[2] += k.weight_bytes;
            }
            if let Some(v) = out.slot_free {
                st.slots.push(v);
            }
            if jumps {
                hist.push(Record {
                    before,
                    sums: before_sums,
                    binding: out.binding,
                    popped,
                    pushed: out.slot_free,
                });
            }
            if g % kb_n + 1 == kb_n {
                write_blocks(&mut tot, g / kb_n, 1);
            }
            g += 1;
            tot.stepped += 1;
        }
    }
    tot.array_cycles = st.lane.timer.total_cycles();
    tot.compute_cycles = st.lane.ideal.total_cycles();
    tot.read_cycles = st.sums[0];
    tot.dram_read = st.sums[1];
    tot.weight_dram = st.sums[2];
    tot
}

/// End (exclusive) of the run of folds from `g` that share `g`'s kind. Kinds
/// change only at a K-block's last fold and at the chunk's last N-block.
fn kind_run_end<'a>(
    g: u64,
    total: u64,
    kb_n: u64,
    n_blocks: u64,
    kind_at: &impl Fn(u64) -> &'a FoldKind,
) -> u64 {
    let k0 = kind_at(g);
    let last_block = (n_blocks - 1) * kb_n;
    let mut e = g + 1;
    while e < total {
        if kind_at(e) != k0 {
            return e;
        }
        let kb = e % kb_n;
        e = if kb + 1 < kb_n {
            // The rest of this K-run has this kind; its last fold may not.
            e - kb + kb_n - 1
        } else if e < last_block && kind_at(e - kb) == k0 {
            // A whole N-block of this kind: so are all before the last.
            last_block.max(e + 1)
        } else {
            e + 1
        };
    }
    total
}

fn delta(a: &Coords, b: &Coords) -> Option<Coords> {
    let mut d = [0; 8];
    for i in 0..8 {
        d[i] = b[i].checked_sub(a[i])?;
    }
    Some(d)
}

fn add(x: &Coords, d: &Coords, times: u64) -> Coords {
    let mut y = *x;
    for i in 0..8 {
        y[i] += d[i] * times;
    }
    y
}

/// Tries to jump whole cycles of `p` folds of `full`'s kind (the next
/// `run_left` folds are of that kind); returns the folds jumped (0: none).
/// `hist` holds the folds stepped so far in this run, all of that kind.
/// Also returns which slot-queue case applied (see [`FoldTotals`]).
fn try_jump(
    st: &mut LoopState,
    hist: &mut Vec<Record>,
    plan: &FoldPlan,
    full: &FoldKind,
    run_left: u64,
    p: u64,
) -> (u64, usize) {
    let LoopState { lane, slots, sums } = st;
    let pu = p as usize;
    let h = hist.len();
    // Worth a replay only for two cycles or more.
    let kmax = run_left / p;
    // From the third fold on the recurrence has all its terms (two banks at most).
    if h < 2 * pu || kmax < 2 || lane.timer.folds() < 2 * p + 2 {
        return (0, 0);
    }
    let (a, b) = (&hist[h - 2 * pu..h - pu], &hist[h - pu..]);
    let mut b_buf = [b[0]; MAX_PERIOD];
    b_buf[..pu].copy_from_slice(b);
    let b = &b_buf[..pu];
    let b0 = b[0];
    if a.iter().zip(b).any(|(x, y)| x.binding != y.binding) {
        return (0, 0);
    }
    let now = lane.coords();
    let Some(d) = delta(&b[0].before, &now) else {
        return (0, 0);
    };
    if delta(&a[0].before, &b[0].before) != Some(d) {
        return (0, 0);
    }
    let fetching = b.iter().any(|r| r.pushed.is_some());
    let fetches = b.iter().filter(|r| r.pushed.is_some()).count() as u64;
    let pops = b.iter().filter(|r| r.popped.is_some()).count() as u64;
    let mut k = kmax;
    let mut case = 0;
    // The weight-slot queue: no pops during the jump, or pops whose slots are
    // already free (they never bind), or pops of a periodic run of slots.
    if fetching {
        let s = plan.weight_slots;
        if pops == 0 {
            if slots.len >= s {
                return (0, 0);
            }
            k = k.min((s - slots.len) / fetches);
        } else if pops == fetches && slots.len >= s {
            // Fronts that do bind must repeat with a fixed shift, counting
            // from the fronts the observed cycle popped.
            let mut seed = [0u64; MAX_PERIOD];
            for (s, v) in seed.iter_mut().zip(b.iter().filter_map(|r| r.popped)) {
                *s = v;
            }
            let seed = &seed[..pops as usize];
            let periodic = match slots.get(0).checked_sub(seed[0]) {
                Some(du) => slots.periodic_prefix(seed, du, k * fetches) / fetches,
                None => 0,
            };
            // Only when the periodic fronts fall short: slots already free.
            let free = if periodic >= k {
                0
            } else {
                slots.count_at_most(lane.channel_free, k * fetches) / fetches
            };
            case = if periodic >= free { 2 } else { 1 };
            k = k.min(periodic.max(free));
        } else {
            return (0, 0);
        }
    }
    let folds = lane.timer.folds();
    while k >= 1 {
        // Replay the last cycle of the jump from its extrapolated state.
        let y = add(&now, &d, k - 1);
        let mut probe = lane.clone();
        probe.resume(folds + (k - 1) * p, &y);
        let mut ok = true;
        let mut j = (k - 1) * pops;
        for r in b {
            let front = r.popped.map(|_| {
                let v = slots.get(j);
                j += 1;
                v
            });
            let out = probe.fold(full, front);
            if out.binding != r.binding {
                ok = false;
                break;
            }
        }
        if ok && probe.coords() == add(&now, &d, k) {
            break;
        }
        k /= 2;
    }
    if k == 0 {
        return (FAILED, 0);
    }
    // Apply k cycles.
    let ds: Sums = [
        sums[0] - b0.sums[0],
        sums[1] - b0.sums[1],
        sums[2] - b0.sums[2],
    ];
    for (s, d) in sums.iter_mut().zip(ds) {
        *s += d * k;
    }
    lane.resume(folds + k * p, &add(&now, &d, k));
    let mut pushed = [0u64; MAX_PERIOD];
    for (p, v) in pushed.iter_mut().zip(b.iter().filter_map(|r| r.pushed)) {
        *p = v;
    }
    // The last two cycles before the new position, as if stepped, so the
    // next repeat check needs no new folds: the extrapolated states, and the
    // slots the last jumped cycles really popped.
    hist.drain(..h - 2 * pu);
    let fronts_of = |cycle: Option<u64>, recs: &mut [Record]| {
        let mut j = 0;
        for r in recs.iter_mut() {
            r.before = add(&r.before, &d, k);
            for (s, d) in r.sums.iter_mut().zip(ds) {
                *s += d * k;
            }
            r.pushed = r.pushed.map(|v| v + d[0] * k);
            if let (Some(c), Some(_)) = (cycle, r.popped) {
                r.popped = Some(slots.get(c * pops + j));
                j += 1;
            }
        }
    };
    let (ra, rb) = hist.split_at_mut(pu);
    fronts_of(Some(k - 1), rb);
    // With k = 1 the cycle before the last jumped one is the observed one.
    if k >= 2 {
        fronts_of(Some(k - 2), ra);
    } else {
        fronts_of(None, ra);
        for (r, o) in ra.iter_mut().zip(b) {
            r.popped = o.popped;
        }
    }
    if pops > 0 {
        slots.pop_n(k * pops);
    }
    if fetching {
        let shift = d[0];
        let mut vals = [0; MAX_PERIOD];
        for (v, p) in vals.iter_mut().zip(&pushed[..fetches as usize]) {
            *v = p + shift;
        }
        slots.push_run(SlotRun {
            vals,
            period: fetches,
            shift,
            start: 0,
            len: k * fetches,
            end: 0,
        });
    }
    (k * p, case)
}
