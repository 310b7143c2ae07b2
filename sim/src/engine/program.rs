//! The mapping rule and the program: which tokens form an M-chunk, how
//! activations are fed, whether weights stay resident, and the order in which
//! transfers cross the input and output streams.
//!
//! Weight-stationary, loop order M-chunk → N-block → K-block (K on the array
//! rows, N on the columns, M streamed). The rule is a closed form the RTL's
//! sequencer evaluates at start (one division), so the host, the simulator
//! and the hardware agree on it without timing anything:
//!
//! - `kb = ⌈K/R⌉` K-blocks, `nb = ⌈N/C⌉` N-blocks, `kb·nb` folds (tiles);
//! - a token's activations are padded to `kb·R` (whole slices); if one
//!   padded token fits the activation buffer (`kb ≤ slices`), a chunk's
//!   tokens are read once and reused by every N-block
//!   ([`ActivationFeed::PerChunk`]), `chunk = min(M, bank tokens, ⌊slices / kb⌋)`;
//! - otherwise each fold reads its chunk's slice of R activations
//!   ([`ActivationFeed::PerFold`]) into one of two slice slots,
//!   `chunk = min(M, bank tokens, ⌊rows/2⌋·banks)`;
//! - weights are fetched once if all `kb·nb` tiles fit the weight buffer
//!   (resident), else again for every chunk;
//! - each (chunk, N-block) writes its C partial sums per token to the output
//!   stream from one of two output banks.
//!
//! Inside a whole-model simulation ([`OperandHome::OnChipIfFits`]) X stays in
//! the activation buffer and Y in the output buffer when they fit; the RTL
//! engine always runs the standalone form ([`OperandHome::Dram`]).

use super::Geometry;
use crate::error::SimError;
use serde::Serialize;

pub use crate::gemm::{GemmShape, OperandHome};

/// How activations reach the activation buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActivationFeed {
    /// All of X is already on chip (whole-model simulation only).
    OnChip,
    /// Each M-chunk's padded rows arrive once and serve every N-block.
    PerChunk,
    /// Each fold's chunk × R slice arrives on its own, into one of two slots.
    PerFold,
}

/// The mapping of one GEMM onto the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Mapping {
    /// K-blocks ⌈K/R⌉.
    pub k_blocks: u64,
    /// N-blocks ⌈N/C⌉.
    pub n_blocks: u64,
    /// Tokens per M-chunk (the last may be fewer).
    pub chunk_tokens: u64,
    /// M-chunks ⌈M / chunk_tokens⌉.
    pub chunks: u64,
    /// How X is fed.
    pub activations: ActivationFeed,
    /// Whether Y leaves on the output stream (else it stays in the output buffer).
    pub outputs_to_dram: bool,
    /// Whether all tiles fit the weight buffer (fetched once).
    pub weights_resident: bool,
    /// Weight tiles the weight buffer holds.
    pub weight_slots: u64,
}

impl Mapping {
    /// The mapping of `shape` on an engine of geometry `g`.
    pub fn of(g: &Geometry, shape: &GemmShape, operands: OperandHome) -> Result<Mapping, SimError> {
        shape.validate()?;
        let (k_blocks, n_blocks) = (shape.k.div_ceil(g.rows), shape.n.div_ceil(g.cols));
        let on_chip = operands == OperandHome::OnChipIfFits;
        let x_fits = on_chip && shape.m * k_blocks <= g.act_slices;
        let y_fits = on_chip
            && shape.m * n_blocks * g.out_token_bytes <= 2 * g.out_bank_tokens * g.out_token_bytes;
        let y_cap = if y_fits { shape.m } else { g.out_bank_tokens };
        let (activations, x_cap) = if x_fits {
            (ActivationFeed::OnChip, shape.m)
        } else if k_blocks <= g.act_slices {
            (ActivationFeed::PerChunk, g.act_slices / k_blocks)
        } else {
            (ActivationFeed::PerFold, g.per_fold_chunk_cap())
        };
        let chunk_tokens = shape.m.min(y_cap).min(x_cap);
        Ok(Mapping {
            k_blocks,
            n_blocks,
            chunk_tokens,
            chunks: shape.m.div_ceil(chunk_tokens),
            activations,
            outputs_to_dram: !y_fits,
            weights_resident: k_blocks * n_blocks <= g.weight_slots,
            weight_slots: g.weight_slots,
        })
    }

    /// Distinct weight tiles ⌈K/R⌉·⌈N/C⌉.
    pub fn folds(&self) -> u64 {
        self.k_blocks * self.n_blocks
    }

    /// Tokens of chunk `c`.
    pub fn chunk_len(&self, m: u64, c: u64) -> u64 {
        if c + 1 == self.chunks {
            m - c * self.chunk_tokens
        } else {
            self.chunk_tokens
        }
    }

    /// Whether chunk `c` fetches its weight tiles.
    pub fn fetches(&self, c: u64) -> bool {
        c == 0 || !self.weights_resident
    }
}

/// What one input-stream transfer carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Transfer {
    /// Chunk `chunk`'s tokens, each padded to `kb·R` activations (per-chunk feed).
    XChunk {
        /// M-chunk.
        chunk: u64,
    },
    /// The weight tile of (`n_block`, `k_block`), zero-padded to R × C.
    WTile {
        /// M-chunk that fetches it.
        chunk: u64,
        /// N-block.
        n_block: u64,
        /// K-block.
        k_block: u64,
    },
    /// Chunk `chunk`'s activations of K-block `k_block` (per-fold feed).
    XSlice {
        /// M-chunk.
        chunk: u64,
        /// N-block (the slice is sent again for every N-block).
        n_block: u64,
        /// K-block.
        k_block: u64,
    },
}

/// Beats moved on the streams by one GEMM.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BeatTotals {
    /// Input-stream beats (weights and activations).
    pub input: u64,
    /// Of which weight-tile beats.
    pub weights: u64,
    /// Output-stream beats.
    pub output: u64,
}

/// Sizes of the transfers of one GEMM.
#[derive(Clone, Copy, Debug)]
pub struct Program<'a> {
    /// The engine.
    pub geometry: &'a Geometry,
    /// The GEMM.
    pub shape: GemmShape,
    /// Its mapping.
    pub mapping: Mapping,
}

impl Program<'_> {
    /// Payload bytes of an input transfer (before padding to whole beats).
    pub fn bytes(&self, t: &Transfer) -> u64 {
        let (g, m) = (self.geometry, &self.mapping);
        match *t {
            Transfer::XChunk { chunk } => {
                m.chunk_len(self.shape.m, chunk) * m.k_blocks * g.slice_bytes
            }
            Transfer::WTile { .. } => g.tile_bytes,
            Transfer::XSlice { chunk, .. } => m.chunk_len(self.shape.m, chunk) * g.slice_bytes,
        }
    }

    /// Stream beats of an input transfer.
    pub fn beats(&self, t: &Transfer) -> u64 {
        self.geometry.beats_of(self.bytes(t))
    }

    /// Payload bytes of chunk `c`'s results of one N-block on the output stream.
    pub fn out_bytes(&self, c: u64) -> u64 {
        self.mapping.chunk_len(self.shape.m, c) * self.geometry.out_token_bytes
    }

    /// Beats on the streams over the whole GEMM, in closed form.
    pub fn beat_totals(&self) -> BeatTotals {
        let (g, m) = (self.geometry, &self.mapping);
        let mut t = BeatTotals::default();
        for chunk in 0..m.chunks {
            let tokens = m.chunk_len(self.shape.m, chunk);
            if m.activations == ActivationFeed::PerChunk {
                t.input += self.beats(&Transfer::XChunk { chunk });
            }
            if m.fetches(chunk) {
                t.weights += m.folds() * g.tile_beats;
            }
            if m.activations == ActivationFeed::PerFold {
                t.input += m.folds() * g.beats_of(tokens * g.slice_bytes);
            }
            if m.outputs_to_dram {
                t.output += m.n_blocks * g.beats_of(self.out_bytes(chunk));
            }
        }
        t.input += t.weights;
        t
    }

    /// Every input transfer in stream order.
    pub fn transfers(&self) -> Vec<Transfer> {
        let m = &self.mapping;
        let mut out = Vec::new();
        for chunk in 0..m.chunks {
            if m.activations == ActivationFeed::PerChunk {
                out.push(Transfer::XChunk { chunk });
            }
            for n_block in 0..m.n_blocks {
                for k_block in 0..m.k_blocks {
                    if m.fetches(chunk) {
                        out.push(Transfer::WTile {
                            chunk,
                            n_block,
                            k_block,
                        });
                    }
                    if m.activations == ActivationFeed::PerFold {
                        out.push(Transfer::XSlice {
                            chunk,
                            n_block,
                            k_block,
                        });
                    }
                }
            }
        }
        out
    }
}
