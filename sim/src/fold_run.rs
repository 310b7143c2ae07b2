//! The engine's timing ([`crate::engine::spec`]) with exact jumps over
//! repeating folds: the same transfers, folds and result write-backs, in
//! time that grows with the distinct stretches of a GEMM, not its folds.
//!
//! Every rule of the spec is max-plus: each new time is the max of old times
//! plus constants. A fold's step is an affine map of the loop state once the
//! winner of every max (its [`Binding`]s and gate choices) is fixed. When two
//! consecutive cycles of `p` folds of the same kinds took the same winners
//! and moved the state by the same per-coordinate delta `D`, the state after
//! `j` more cycles is `x + j·D` provided the cycle replayed from
//! `x + (k−1)·D` takes the same winners and lands on `x + k·D`: every
//! comparison's slack is affine in the cycle count, so agreeing at both ends
//! proves every cycle in between (`docs/simulator.md`, "GEMM: the cycle
//! jump"). Cycles are a few folds inside a K-block's middle, or whole
//! N-blocks (their folds' kinds repeat every `⌈K/R⌉` folds).
//! `gemm::tests::jump_equals_the_spec` checks the result bit for bit.

use crate::engine::program::{ActivationFeed, Mapping, Program};
use crate::engine::{Geometry, StreamPace, BANK_TO_STREAM, BUFFER_TO_ARRAY, STREAM_TO_BANK};
use crate::fold::{Binding, FoldTimer, TIMES};
use crate::ArrayConfig;
use std::collections::VecDeque;

/// Largest cycle inside a K-block's middle (the timer repeats every fold or
/// two; streams against the drain rule take a few more).
const MAX_INNER_PERIOD: u64 = 6;

/// Largest `⌈K/R⌉` whose N-blocks are jumped whole (stepping four N-blocks
/// first); longer N-blocks jump inside their middle instead.
const MAX_OUTER_K_BLOCKS: u64 = 256;

/// What one fold does besides the array (constant over a run of equal kinds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Kind {
    tokens: u64,
    /// Fetches its weight tile; `fetch_pops`: the queue is full, the gate is
    /// the slot freed `slots` fetches before (else start-up).
    fetch: bool,
    fetch_pops: bool,
    /// Fetches its activation slice; `slice_waits`: gated by the fold two
    /// before (else start-up).
    slice: bool,
    slice_waits: bool,
    /// First fold of an N-block whose output bank must be emptied first.
    bank_gate: bool,
    /// Last fold of an N-block: its results leave on the output stream.
    results: bool,
}

/// Edges of a transfer: to its last beat, and until the stream is free.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Span {
    last: u64,
    free: u64,
}

impl Span {
    fn of(pace: &StreamPace, beats: u64) -> Span {
        Span {
            last: pace.beat_offset(beats - 1),
            free: pace.beat_offset(beats),
        }
    }
}

/// Constants of one chunk's folds.
#[derive(Clone, Copy, Debug)]
struct Consts {
    startup: u64,
    tile: Span,
    slice: Span,
    out: Span,
    /// Edges from a token's accept to the write of its sums (R + C).
    write: u64,
    /// Edges added to a load start to free its slot (reads of the tile).
    slot: u64,
}

/// Loop coordinates: timer, DRAM-free timer ([`TIMES`] each), input free,
/// output free, two bank-free times, done, the chunk's activations ready.
const COORDS: usize = 2 * TIMES + 6;
type Coords = [u64; COORDS];

/// The array, its DRAM-free twin and the streams.
#[derive(Clone)]
struct Lane {
    timer: FoldTimer,
    ideal: FoldTimer,
    input: u64,
    output: u64,
    bank: [u64; 2],
    done: u64,
    chunk_ready: u64,
}

impl Lane {
    fn coords(&self) -> Coords {
        let mut x = [0; COORDS];
        x[..TIMES].copy_from_slice(&self.timer.times());
        x[TIMES..2 * TIMES].copy_from_slice(&self.ideal.times());
        x[2 * TIMES..].copy_from_slice(&[
            self.input,
            self.output,
            self.bank[0],
            self.bank[1],
            self.done,
            self.chunk_ready,
        ]);
        x
    }

    fn resume(&mut self, folds: u64, x: &Coords) {
        let times = |i: usize| x[i..i + TIMES].try_into().expect("TIMES coordinates");
        self.timer.resume(folds, times(0));
        self.ideal.resume(folds, times(TIMES));
        let t = 2 * TIMES;
        self.input = x[t];
        self.output = x[t + 1];
        self.bank = [x[t + 2], x[t + 3]];
        self.done = x[t + 4];
        self.chunk_ready = x[t + 5];
    }

    /// Moves a transfer gated at `gate` on the stream freed at `*free`; the
    /// first beat's edge, and whether the gate won.
    fn transfer(free: &mut u64, gate: u64, span: Span) -> (u64, bool) {
        let (first, won) = if gate > *free {
            (gate, true)
        } else {
            (*free, false)
        };
        *free = first + span.free;
        (first, won)
    }

    /// One fold, exactly as `engine::spec::run` steps it; `front` is the
    /// freed slot the fetch waits for. Returns the fold's winners and the
    /// slot-free time it queues.
    #[inline]
    fn fold(&mut self, k: &Kind, c: &Consts, front: Option<u64>) -> (u64, Option<u64>) {
        let mut bits = 0u64;
        let mut weights_ready = 0;
        if k.fetch {
            let gate = if k.fetch_pops {
                front.expect("a full queue pops")
            } else {
                c.startup
            };
            let (first, won) = Lane::transfer(&mut self.input, gate, c.tile);
            bits |= won as u64;
            weights_ready = first + c.tile.last + BUFFER_TO_ARRAY;
        }
        let mut x_ready = self.chunk_ready;
        if k.slice {
            let gate = if k.slice_waits {
                self.timer.last_accept(1)
            } else {
                c.startup
            };
            let (first, won) = Lane::transfer(&mut self.input, gate, c.slice);
            bits |= (won as u64) << 1;
            x_ready = first + c.slice.last + BUFFER_TO_ARRAY;
        }
        if k.bank_gate && self.bank[1] > x_ready {
            x_ready = self.bank[1];
            bits |= 1 << 2;
        }
        let (f, Binding(tb)) = self.timer.push_traced(k.tokens, weights_ready, x_ready);
        let (_, Binding(ib)) = self.ideal.push_traced(k.tokens, 0, 0);
        let write = f.last_accept + c.write;
        if write > self.done {
            self.done = write;
            bits |= 1 << 3;
        }
        if k.results {
            let (first, won) = Lane::transfer(&mut self.output, write + BANK_TO_STREAM, c.out);
            bits |= (won as u64) << 4;
            let last = first + c.out.last;
            self.bank = [last + STREAM_TO_BANK, self.bank[0]];
            if last > self.done {
                self.done = last;
                bits |= 1 << 5;
            }
        }
        bits |= (tb as u64) << 8 | (ib as u64) << 16;
        (bits, k.fetch.then_some(f.load_start + c.slot))
    }
}

/// A run of freed-slot times: entry `t` is `vals[t % period] + (t / period)·shift`.
#[derive(Clone, Debug)]
struct SlotRun {
    vals: Vec<u64>,
    shift: u64,
    /// First entry not yet popped.
    start: u64,
    /// Entries left.
    len: u64,
    /// Queue position (counting every entry ever pushed) one past its last entry.
    end: u64,
}

impl SlotRun {
    fn period(&self) -> u64 {
        self.vals.len() as u64
    }

    fn entry(&self, t: u64) -> u64 {
        self.vals[(t % self.period()) as usize] + (t / self.period()) * self.shift
    }
}

/// The weight-slot queue (the time each fetched tile's slot frees, in fetch
/// order), stored as periodic runs so a jump appends O(1) data.
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
                    vals: vec![base],
                    shift: v - base,
                    start: 0,
                    len: 2,
                    end,
                };
                return;
            }
            if last.period() == 1 && last.len > 1 && last.entry(last.start + last.len) == v {
                last.len += 1;
                last.end = end;
                return;
            }
        }
        self.runs.push_back(SlotRun {
            vals: vec![v],
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
            if last.period() == run.period()
                && last.shift == run.shift
                && end.is_multiple_of(last.period())
                && (0..run.period()).all(|t| last.entry(end + t) == run.vals[t as usize])
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
        let mut prev = seed.to_vec();
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
                if t >= f
                    && f.is_multiple_of(run.period())
                    && run.shift * (f / run.period()) == shift
                {
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

/// One stepped fold, for the repeat check.
#[derive(Clone, Copy)]
struct Record {
    /// State before the fold.
    before: Coords,
    binding: u64,
    kind: Kind,
    popped: Option<u64>,
    pushed: Option<u64>,
}

/// The last folds stepped, oldest first, at most `cap` of them (a window
/// over a buffer compacted every `cap` pushes, so keeping the window costs
/// O(1) a fold where dropping the oldest record on every push moved the
/// whole window: 89 % of the time of `tritone energy --model
/// bitnet-b1.58-70b --prefill 200000`).
struct History {
    buf: Vec<Record>,
    start: usize,
    cap: usize,
}

impl History {
    /// An empty history of at most `cap` (≥ 1) records.
    fn new(cap: usize) -> History {
        History {
            buf: Vec::with_capacity(2 * cap),
            start: 0,
            cap: cap.max(1),
        }
    }

    fn records(&self) -> &[Record] {
        &self.buf[self.start..]
    }

    fn records_mut(&mut self) -> &mut [Record] {
        &mut self.buf[self.start..]
    }

    fn len(&self) -> usize {
        self.buf.len() - self.start
    }

    fn clear(&mut self) {
        self.buf.clear();
        self.start = 0;
    }

    /// Appends `r`, dropping the oldest record beyond `cap`.
    fn push(&mut self, r: Record) {
        let cap = self.cap;
        self.buf.push(r);
        if self.len() > cap {
            self.start = self.buf.len() - cap;
        }
        if self.start >= cap {
            self.buf.drain(..self.start);
            self.start = 0;
        }
    }

    /// Keeps only the last `n` records.
    fn keep_last(&mut self, n: usize) {
        self.start = self.buf.len() - n.min(self.len());
    }
}

/// [`try_jump`]'s answer when the replay disproved every jump length (the
/// caller backs off); a plain 0 means the repeat check did not pass yet.
const FAILED: u64 = u64::MAX;

/// What the fast fold loop found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct RunTotals {
    /// Edges from start to done.
    pub cycles: u64,
    /// The same folds with operands always ready.
    pub compute_cycles: u64,
    /// Folds stepped one by one, and jumped over.
    pub stepped: u64,
    pub jumped: u64,
}

/// The state the fold loop carries.
struct LoopState {
    lane: Lane,
    slots: SlotQueue,
}

/// Runs `program` on `cfg`; `jumps` enables the cycle jump (off: plain
/// stepping, equal to [`crate::engine::spec::run`]).
pub(crate) fn run(
    cfg: &ArrayConfig,
    program: &Program<'_>,
    jumps: bool,
) -> Result<RunTotals, crate::SimError> {
    let g: &Geometry = program.geometry;
    let map: &Mapping = &program.mapping;
    let pace = StreamPace::of(cfg)?;
    let mut st = LoopState {
        lane: Lane {
            timer: FoldTimer::new(cfg),
            ideal: FoldTimer::new(cfg),
            input: 0,
            output: 0,
            bank: [0; 2],
            done: 0,
            chunk_ready: 0,
        },
        slots: SlotQueue::default(),
    };
    let mut tot = RunTotals::default();
    let kb = map.k_blocks;
    let folds = map.folds();
    let (mut fetches, mut fold_index, mut block_index) = (0u64, 0u64, 0u64);
    // Jumps of whole N-blocks keep two cycles of up to two N-blocks each;
    // jumps inside a K-block, two of the longest inner period.
    let outer = jumps && kb <= MAX_OUTER_K_BLOCKS;
    let cap = if outer { 4 * kb } else { 2 * MAX_INNER_PERIOD } as usize;
    let mut hist = History::new(cap);
    for chunk in 0..map.chunks {
        let tokens = map.chunk_len(program.shape.m, chunk);
        if map.activations == ActivationFeed::PerChunk {
            let gate = if chunk == 0 {
                g.startup
            } else {
                st.lane.timer.last_accept(0)
            };
            let beats =
                g.beats_of(program.bytes(&crate::engine::program::Transfer::XChunk { chunk }));
            let span = Span::of(&pace, beats);
            let (first, _) = Lane::transfer(&mut st.lane.input, gate, span);
            st.lane.chunk_ready = first + span.last + BUFFER_TO_ARRAY;
        }
        let c = Consts {
            startup: g.startup,
            tile: Span::of(&pace, g.tile_beats),
            slice: Span::of(&pace, g.beats_of(tokens * g.slice_bytes)),
            out: Span::of(&pace, g.beats_of(program.out_bytes(chunk))),
            write: g.rows + g.cols,
            slot: g.slot_free(0),
        };
        let fetch = map.fetches(chunk);
        // Kind of the chunk's fold `j` (fetch, fold and block counts at the chunk start).
        let (f0, g0, b0) = (fetches, fold_index, block_index);
        let kind_at = |j: u64| {
            let kbi = j % kb;
            Kind {
                tokens,
                fetch,
                fetch_pops: fetch && f0 + j >= map.weight_slots,
                slice: map.activations == ActivationFeed::PerFold,
                slice_waits: g0 + j >= 2,
                bank_gate: map.outputs_to_dram && kbi == 0 && b0 + j / kb >= 2,
                results: map.outputs_to_dram && kbi + 1 == kb,
            }
        };
        // Folds at which a start-up flag of the kinds flips: between two of
        // them a fold's kind depends on its position in the N-block only.
        let mut flips: Vec<u64> = [
            (fetch && f0 < map.weight_slots).then(|| map.weight_slots - f0),
            (g0 < 2).then(|| 2 - g0),
            (b0 < 2).then(|| (2 - b0) * kb),
        ]
        .into_iter()
        .flatten()
        .filter(|&f| f > 0 && f < folds)
        .collect();
        flips.sort_unstable();
        hist.clear();
        let (mut next_try, mut backoff) = (0u64, 1u64);
        let mut j = 0u64;
        while j < folds {
            if jumps && j >= next_try {
                let mut failed = false;
                let mut done = 0;
                for (p, end) in periods(j, kb, folds, &flips, outer, hist.len() as u64) {
                    let (n, _) = try_jump(
                        &mut st,
                        &mut hist,
                        &c,
                        &kind_at,
                        j,
                        end,
                        p,
                        map.weight_slots,
                    );
                    if n == FAILED {
                        failed = true;
                    } else if n > 0 {
                        done = n;
                        break;
                    }
                }
                if done > 0 {
                    tot.jumped += done;
                    j += done;
                    backoff = 1;
                    continue;
                }
                if failed {
                    next_try = j + backoff;
                    backoff *= 2;
                }
            }
            let k = kind_at(j);
            let before = st.lane.coords();
            let popped = if k.fetch_pops {
                Some(st.slots.pop().expect("a full queue"))
            } else {
                None
            };
            let (binding, pushed) = st.lane.fold(&k, &c, popped);
            if let Some(v) = pushed {
                st.slots.push(v);
            }
            if jumps {
                // Only the records a repeat check can use are kept.
                if flips.contains(&j) || (!outer && j.is_multiple_of(kb)) {
                    hist.clear();
                }
                hist.push(Record {
                    before,
                    binding,
                    kind: k,
                    popped,
                    pushed,
                });
            }
            j += 1;
            tot.stepped += 1;
        }
        if fetch {
            fetches += folds;
        }
        fold_index += folds;
        block_index += map.n_blocks;
    }
    tot.cycles = st.lane.done;
    tot.compute_cycles = st.lane.ideal.total_cycles();
    Ok(tot)
}

/// Cycle lengths worth trying at chunk fold `j`, each with the end
/// (exclusive) of the stretch over which kinds repeat with that period: whole
/// N-blocks (outer), or a few folds inside a K-block's middle. The last two
/// cycles (`hist` holds `h` records) must lie in the same stretch.
fn periods(j: u64, kb: u64, folds: u64, flips: &[u64], outer: bool, h: u64) -> Vec<(u64, u64)> {
    let seg0 = flips.iter().rev().find(|&&f| f <= j).copied().unwrap_or(0);
    let seg1 = flips.iter().find(|&&f| f > j).copied().unwrap_or(folds);
    let fits = |p: u64, start: u64| h >= 2 * p && j >= start + 2 * p;
    if outer || kb == 1 {
        return [kb, 2 * kb]
            .into_iter()
            .filter(|&p| fits(p, seg0))
            .map(|p| (p, seg1))
            .collect();
    }
    // A K-block's folds 1 ..= kb − 2 have one kind.
    let block = j - j % kb;
    if j % kb + 1 >= kb {
        return vec![];
    }
    let (start, end) = (seg0.max(block + 1), seg1.min(block + kb - 1));
    (1..=MAX_INNER_PERIOD)
        .filter(|&p| fits(p, start))
        .map(|p| (p, end))
        .collect()
}

fn delta(a: &Coords, b: &Coords) -> Option<Coords> {
    let mut d = [0; COORDS];
    for i in 0..COORDS {
        d[i] = b[i].checked_sub(a[i])?;
    }
    Some(d)
}

fn add(x: &Coords, d: &Coords, times: u64) -> Coords {
    let mut y = *x;
    for i in 0..COORDS {
        y[i] += d[i] * times;
    }
    y
}

/// Tries to jump whole cycles of `p` folds from chunk fold `j` (kinds repeat
/// with period `p` up to fold `end`); returns the folds jumped (0: none yet,
/// [`FAILED`]: the replay refuted every length). `hist` holds the folds
/// stepped since the stretch began.
#[allow(clippy::too_many_arguments)]
fn try_jump(
    st: &mut LoopState,
    hist: &mut History,
    c: &Consts,
    kind_at: &impl Fn(u64) -> Kind,
    j: u64,
    end: u64,
    p: u64,
    slots_total: u64,
) -> (u64, usize) {
    let LoopState { lane, slots } = st;
    let pu = p as usize;
    let h = hist.len();
    let kmax = (end - j) / p;
    // From the third fold on the recurrence has all its terms (two banks at most).
    if h < 2 * pu || kmax < 2 || lane.timer.folds() < 2 * p + 2 {
        return (0, 0);
    }
    let recs = hist.records();
    let (a, b) = (&recs[h - 2 * pu..h - pu], &recs[h - pu..]);
    // Newest first: a stretch that does not repeat yet differs last.
    if a.iter()
        .zip(b)
        .rev()
        .any(|(x, y)| x.binding != y.binding || x.kind != y.kind)
        || b.iter()
            .enumerate()
            .any(|(i, r)| r.kind != kind_at(j + i as u64))
    {
        return (0, 0);
    }
    let b: Vec<Record> = b.to_vec();
    let now = lane.coords();
    let Some(d) = delta(&b[0].before, &now) else {
        return (0, 0);
    };
    if delta(&a[0].before, &b[0].before) != Some(d) {
        return (0, 0);
    }
    let fetches = b.iter().filter(|r| r.pushed.is_some()).count() as u64;
    let pops = b.iter().filter(|r| r.popped.is_some()).count() as u64;
    let mut k = kmax;
    let mut case = 0;
    // The weight-slot queue: no pops during the jump, or pops whose slots are
    // already free (they never bind), or pops of a periodic run of slots.
    if let Some(fetches) = std::num::NonZeroU64::new(fetches) {
        let fetches = fetches.get();
        if pops == 0 {
            if slots.len >= slots_total {
                return (0, 0);
            }
            k = k.min((slots_total - slots.len) / fetches);
        } else if pops == fetches && slots.len >= slots_total {
            let seed: Vec<u64> = b.iter().filter_map(|r| r.popped).collect();
            let periodic = match slots.get(0).checked_sub(seed[0]) {
                Some(du) => slots.periodic_prefix(&seed, du, k * fetches) / fetches,
                None => 0,
            };
            let free = if periodic >= k {
                0
            } else {
                slots.count_at_most(lane.input, k * fetches) / fetches
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
        let mut q = (k - 1) * pops;
        for r in &b {
            let front = r.popped.map(|_| {
                let v = slots.get(q);
                q += 1;
                v
            });
            let (binding, _) = probe.fold(&r.kind, c, front);
            if binding != r.binding {
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
    lane.resume(folds + k * p, &add(&now, &d, k));
    let pushed: Vec<u64> = b.iter().filter_map(|r| r.pushed).collect();
    // The last two cycles before the new position, as if stepped, so the
    // next repeat check needs no new folds.
    hist.keep_last(2 * pu);
    let fronts_of = |cycle: Option<u64>, recs: &mut [Record]| {
        let mut i = 0;
        for r in recs.iter_mut() {
            r.before = add(&r.before, &d, k);
            r.pushed = r.pushed.map(|v| v + d[0] * k);
            if let (Some(cy), Some(_)) = (cycle, r.popped) {
                r.popped = Some(slots.get(cy * pops + i));
                i += 1;
            }
        }
    };
    let (ra, rb) = hist.records_mut().split_at_mut(pu);
    fronts_of(Some(k - 1), rb);
    if k >= 2 {
        fronts_of(Some(k - 2), ra);
    } else {
        fronts_of(None, ra);
        for (r, o) in ra.iter_mut().zip(&b) {
            r.popped = o.popped;
        }
    }
    if pops > 0 {
        slots.pop_n(k * pops);
    }
    if fetches > 0 {
        let shift = d[0];
        slots.push_run(SlotRun {
            vals: pushed.iter().map(|v| v + shift).collect(),
            shift,
            start: 0,
            len: k * fetches,
            end: 0,
        });
    }
    (k * p, case)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(binding: u64) -> Record {
        Record {
            before: [0; COORDS],
            binding,
            kind: Kind {
                tokens: 1,
                fetch: false,
                fetch_pops: false,
                slice: false,
                slice_waits: false,
                bank_gate: false,
                results: false,
            },
            popped: None,
            pushed: None,
        }
    }

    fn bindings(h: &History) -> Vec<u64> {
        h.records().iter().map(|r| r.binding).collect()
    }

    #[test]
    fn the_history_keeps_the_last_records_in_order() {
        for cap in [1, 2, 3, 7] {
            let mut h = History::new(cap);
            for i in 0..40u64 {
                h.push(record(i));
                let first = (i + 1).saturating_sub(cap as u64);
                assert_eq!(bindings(&h), (first..=i).collect::<Vec<_>>(), "cap {cap}");
                // Compaction keeps the buffer within twice the window.
                assert!(h.buf.len() < 2 * cap + 1, "cap {cap}: {} kept", h.buf.len());
            }
            h.keep_last(1);
            assert_eq!(bindings(&h), vec![39]);
            h.records_mut()[0].binding = 7;
            assert_eq!(bindings(&h), vec![7]);
            h.clear();
            assert_eq!(h.len(), 0);
        }
    }
}
