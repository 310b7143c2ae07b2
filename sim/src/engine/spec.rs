//! The engine's timing, stepped transfer by transfer and fold by fold: the
//! executable specification of the RTL (`docs/engine.md`, "Timing").
//!
//! Edges are numbered from the start command (edge 0). Everything below is
//! an earliest-time rule, evaluated in program order:
//!
//! - **Streams.** A transfer's first beat moves at `max(channel free, gate)`;
//!   beat `i` moves `pace(i)` edges later and the channel is free for the
//!   next transfer `pace(n)` edges after the first beat ([`StreamPace`]). The
//!   input stream carries the transfers of [`Program::transfers`]; the output
//!   stream one transfer per (chunk, N-block).
//! - **Gates** (the engine raises `tready` for a transfer's first beat once
//!   it has room): the first transfers wait for [`Geometry::startup`]; a
//!   weight tile waits for its slot's previous tile to have been read into
//!   the array ([`Geometry::slot_free`]); a chunk's activations wait for the
//!   previous chunk's last token; a fold's slice waits for the last token of
//!   the fold two before (two slice slots).
//! - **Folds** run through the array's [`FoldTimer`] (the tile contract)
//!   with their weights ready [`BUFFER_TO_ARRAY`] edges after the tile's last
//!   beat, their tokens ready likewise after their activations' last beat,
//!   and a chunk's first fold of an N-block waiting until the output bank it
//!   writes has been emptied ([`STREAM_TO_BANK`] edges after the results two
//!   N-blocks back have left).
//! - **Results.** A token accepted at edge `x` is added into its output bank
//!   at edge `x + R + C`; an N-block's results are offered on the output
//!   stream [`BANK_TO_STREAM`] edges after its last write.
//! - **Done** when the last result beat has moved (or, with results kept on
//!   chip, at the last write).

use super::program::{ActivationFeed, Mapping, Program, Transfer};
use super::{Geometry, StreamPace, BANK_TO_STREAM, BUFFER_TO_ARRAY, STREAM_TO_BANK};
use crate::fold::{FoldTimer, FoldTiming};
use crate::ArrayConfig;
use serde::Serialize;
use std::collections::VecDeque;

/// One stream and its pace.
#[derive(Clone, Copy, Debug)]
pub struct Channel {
    pace: StreamPace,
    free: u64,
}

/// When one transfer moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Moved {
    /// Edge of the first beat.
    pub first: u64,
    /// Edge of the last beat.
    pub last: u64,
}

impl Channel {
    /// An idle stream.
    pub fn new(pace: StreamPace) -> Channel {
        Channel { pace, free: 0 }
    }

    /// Moves a transfer of `beats` beats whose first beat may not move before `gate`.
    pub fn transfer(&mut self, gate: u64, beats: u64) -> Moved {
        let first = self.free.max(gate);
        self.free = first + self.pace.beat_offset(beats);
        Moved {
            first,
            last: first + self.pace.beat_offset(beats - 1),
        }
    }

    /// The first edge at which the next transfer's first beat may move.
    pub fn free(&self) -> u64 {
        self.free
    }
}

/// Every event of one GEMM on the engine (for tests and waveform debugging).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Trace {
    /// Input transfers with when they moved, in stream order.
    pub inputs: Vec<(Transfer, Moved)>,
    /// Folds (chunk, N-block, K-block) with their edges, in order.
    pub folds: Vec<((u64, u64, u64), FoldTiming)>,
    /// Output transfers (chunk, N-block) with when they moved, in order.
    pub outputs: Vec<((u64, u64), Moved)>,
}

/// Timing of one GEMM on the engine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EngineTiming {
    /// Edges from start to done.
    pub cycles: u64,
    /// The same folds with operands always ready (the tile contract alone),
    /// first weight beat to last output, inclusive.
    pub compute_cycles: u64,
    /// Beats on the input stream.
    pub in_beats: u64,
    /// Of which weight-tile beats.
    pub weight_beats: u64,
    /// Beats on the output stream.
    pub out_beats: u64,
}

/// Steps every transfer and fold of `program` on `cfg`; with `trace`, records
/// every event.
pub fn run(
    cfg: &ArrayConfig,
    program: &Program<'_>,
    trace: Option<&mut Trace>,
) -> Result<EngineTiming, crate::SimError> {
    let g: &Geometry = program.geometry;
    let map: &Mapping = &program.mapping;
    let pace = StreamPace::of(cfg)?;
    let mut trace = trace;
    let mut input = Channel::new(pace);
    let mut output = Channel::new(pace);
    let mut timer = FoldTimer::new(cfg);
    let mut ideal = FoldTimer::new(cfg);
    // Load start of every fetch still holding a slot, oldest first.
    let mut slots: VecDeque<u64> = VecDeque::new();
    // Last accepts of the two folds before (slice slots), results of the two
    // N-blocks before (output banks).
    let mut last_accepts = [0u64; 2];
    let mut bank_free = [0u64; 2];
    let (mut fold_index, mut block_index) = (0u64, 0u64);
    let (mut in_beats, mut weight_beats, mut out_beats) = (0u64, 0u64, 0u64);
    let mut done = 0u64;
    let moved = |channel: &mut Channel, gate: u64, beats: u64| channel.transfer(gate, beats);
    for chunk in 0..map.chunks {
        let tokens = map.chunk_len(program.shape.m, chunk);
        let mut chunk_ready = 0;
        if map.activations == ActivationFeed::PerChunk {
            let t = Transfer::XChunk { chunk };
            let gate = if chunk == 0 {
                g.startup
            } else {
                last_accepts[0]
            };
            let beats = program.beats(&t);
            let m = moved(&mut input, gate, beats);
            in_beats += beats;
            chunk_ready = m.last + BUFFER_TO_ARRAY;
            if let Some(tr) = trace.as_deref_mut() {
                tr.inputs.push((t, m));
            }
        }
        for n_block in 0..map.n_blocks {
            for k_block in 0..map.k_blocks {
                let mut weights_ready = 0;
                if map.fetches(chunk) {
                    let t = Transfer::WTile {
                        chunk,
                        n_block,
                        k_block,
                    };
                    let gate = if (slots.len() as u64) < map.weight_slots {
                        g.startup
                    } else {
                        g.slot_free(slots.pop_front().expect("a full queue"))
                    };
                    let m = moved(&mut input, gate, g.tile_beats);
                    in_beats += g.tile_beats;
                    weight_beats += g.tile_beats;
                    weights_ready = m.last + BUFFER_TO_ARRAY;
                    if let Some(tr) = trace.as_deref_mut() {
                        tr.inputs.push((t, m));
                    }
                }
                let mut x_ready = chunk_ready;
                if map.activations == ActivationFeed::PerFold {
                    let t = Transfer::XSlice {
                        chunk,
                        n_block,
                        k_block,
                    };
                    let gate = if fold_index < 2 {
                        g.startup
                    } else {
                        last_accepts[1]
                    };
                    let beats = program.beats(&t);
                    let m = moved(&mut input, gate, beats);
                    in_beats += beats;
                    x_ready = m.last + BUFFER_TO_ARRAY;
                    if let Some(tr) = trace.as_deref_mut() {
                        tr.inputs.push((t, m));
                    }
                }
                if k_block == 0 && map.outputs_to_dram && block_index >= 2 {
                    x_ready = x_ready.max(bank_free[1]);
                }
                let f = timer.push(tokens, weights_ready, x_ready);
                ideal.push(tokens, 0, 0);
                if map.fetches(chunk) {
                    slots.push_back(f.load_start);
                }
                last_accepts = [f.last_accept, last_accepts[0]];
                fold_index += 1;
                // The accumulator writes the last token's sums at last + R + C.
                let last_write = f.last_accept + g.rows + g.cols;
                done = done.max(last_write);
                if let Some(tr) = trace.as_deref_mut() {
                    tr.folds.push(((chunk, n_block, k_block), f));
                }
                if k_block + 1 == map.k_blocks {
                    if map.outputs_to_dram {
                        let beats = g.beats_of(program.out_bytes(chunk));
                        let m = moved(&mut output, last_write + BANK_TO_STREAM, beats);
                        out_beats += beats;
                        bank_free = [m.last + STREAM_TO_BANK, bank_free[0]];
                        done = m.last;
                        if let Some(tr) = trace.as_deref_mut() {
                            tr.outputs.push(((chunk, n_block), m));
                        }
                    }
                    block_index += 1;
                }
            }
        }
    }
    Ok(EngineTiming {
        cycles: done,
        compute_cycles: ideal.total_cycles(),
        in_beats,
        weight_beats,
        out_beats,
    })
}
