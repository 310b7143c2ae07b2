//! The BitLinear engine: the accelerator around the array that `hdl`
//! generates as RTL and that this simulator times — weight, activation and
//! output buffers, the sequencer that walks a GEMM fold by fold, and the
//! AXI4-Stream interfaces that carry DRAM traffic.
//!
//! This module is the one home of the engine's structure:
//! - [`Geometry`]: buffer organisation (banks, rows, slots), stream width,
//!   fixed pipeline latencies — everything both the RTL generator and the
//!   timing model read;
//! - [`program`]: the mapping rule (chunk size, activation feed, weight
//!   residency) and the order of transfers on the streams;
//! - [`spec`]: the engine's timing, stepped transfer by transfer and fold by
//!   fold: the executable specification the RTL meets edge for edge and that
//!   the fast GEMM model (`gemm`) is proven equal to;
//! - [`stream`]: the bytes on each stream for given operands (what a host or
//!   a testbench sends and receives).
//!
//! The timing rules are written out in `docs/engine.md`.

pub mod program;
pub mod spec;
pub mod stream;

use crate::config::{ArrayConfig, WeightPacking};
use crate::dram::DramRate;
use crate::error::SimError;
use serde::Serialize;

/// Width of an output-buffer partial sum and of a result on the output
/// stream: the reference's `i32` (FP32 for the FP16 baseline).
pub const OUT_WORD_BYTES: u64 = 4;

/// Trits per byte in the five-trits-per-byte packing (3⁵ = 243 ≤ 256).
pub const TRITS_PER_BYTE: u64 = 5;

/// Edges from the last beat of a transfer (written into its buffer on that
/// edge) to the first edge on which the array can take what it carried: one
/// edge to issue the buffer's registered read, one for the array to take the
/// read data.
pub const BUFFER_TO_ARRAY: u64 = 2;

/// Edges from a fold's last output written into its output bank to the
/// first beat of the bank's results being offered on the output stream (one
/// registered read, one output register).
pub const BANK_TO_STREAM: u64 = 2;

/// Edges from the last beat of a bank's results accepted on the output stream
/// to the first token that may be accepted to write into that bank again (the
/// bank-free flag is registered; the token's activation read takes one more).
pub const STREAM_TO_BANK: u64 = 2;

/// Largest stream width the generator builds, in bytes (8192 bits, the
/// largest AXI4-Stream `TDATA`).
pub const MAX_STREAM_BYTES: u64 = 1024;

/// The engine's buffer organisation, stream width and latencies for one
/// architecture. All sizes in bytes unless named otherwise.
///
/// Every buffer is written and read in *rows* of `max(stream beat, reader
/// word)` bytes, split into banks of one reader word, so that a stream beat
/// is one row write and a reader takes one word per edge: the weight buffer's
/// reader is the array's weight port (one weight beat, L rows of C codes),
/// the activation buffer's is its activation port (one token's R
/// activations), the output banks' is the accumulator (one token's C partial
/// sums). With power-of-two sizes (the RTL's) no row is partial.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Geometry {
    /// Array rows R.
    pub rows: u64,
    /// Array columns C.
    pub cols: u64,
    /// Weight rows per array weight beat (L).
    pub rows_per_beat: u64,
    /// Array weight beats per tile load, B = ⌈R/L⌉.
    pub beats: u64,
    /// Weight banks in each PE (2 when double-buffered, up to 8).
    pub array_banks: u64,
    /// Bytes of one stream beat (`TDATA` width / 8), input and output alike.
    pub stream_bytes: u64,
    /// Bytes of one array weight beat as stored (C·L codes, whole bytes).
    pub weight_beat_bytes: u64,
    /// Weight-buffer reads per tile load (B, or ⌈B/5⌉ five-trit groups).
    pub weight_reads: u64,
    /// Edges between consecutive weight-buffer reads of one load (1, or 5
    /// when a read holds a five-trit group of five weight beats).
    pub weight_read_stride: u64,
    /// Bytes of one weight-buffer read (a weight beat, or a five-trit group).
    pub weight_word_bytes: u64,
    /// Bytes of one weight tile as stored and streamed (before beat padding).
    pub tile_bytes: u64,
    /// Stream beats of one weight-tile transfer.
    pub tile_beats: u64,
    /// Weight tiles the weight buffer holds.
    pub weight_slots: u64,
    /// Bytes of one activation element (1 for INT8, 2 for FP16).
    pub act_elem_bytes: u64,
    /// Bytes of one token's slice of R activations (one activation-buffer word).
    pub slice_bytes: u64,
    /// Activation slices the activation buffer holds.
    pub act_slices: u64,
    /// Activation-buffer rows.
    pub act_rows: u64,
    /// Slices per activation-buffer row (its banks).
    pub act_banks: u64,
    /// Bytes of one token's C partial sums (one output-bank word).
    pub out_token_bytes: u64,
    /// Tokens each of the two output banks holds.
    pub out_bank_tokens: u64,
    /// Tokens per output-bank row.
    pub out_banks: u64,
    /// Edges from the start command to the first edge a stream beat can be
    /// accepted (the sequencer computes the mapping meanwhile).
    pub startup: u64,
}

impl Geometry {
    /// Whether weights are stored five trits per byte: a weight-buffer read
    /// is then a five-trit group, one byte per weight of a beat, which the
    /// engine decodes one base-3 digit at a time.
    pub fn five_trit_groups(&self) -> bool {
        self.weight_read_stride == TRITS_PER_BYTE
    }

    /// The engine organisation of `cfg`, or why no GEMM could run on it.
    pub fn of(cfg: &ArrayConfig) -> Result<Geometry, SimError> {
        let (r, c) = (cfg.rows() as u64, cfg.cols() as u64);
        let l = cfg.weight_rows_per_cycle() as u64;
        let beats = r.div_ceil(l);
        let d = stream_bytes(cfg);
        let pe = cfg.pe();
        let weight_beat_bytes = (c * l * pe.weight_bits() as u64).div_ceil(8);
        // Five trits per byte packs weights that are trits; other PEs' weights
        // are stored as they are.
        let five = pe.model_weights() == tritone_reference::WeightKind::Ternary
            && cfg.weight_packing() == WeightPacking::FiveTritsPerByte;
        let (weight_reads, weight_read_stride, weight_word_bytes) = if five {
            // A group: byte j holds position j of five consecutive weight beats.
            (beats.div_ceil(TRITS_PER_BYTE), TRITS_PER_BYTE, c * l)
        } else {
            (beats, 1, weight_beat_bytes)
        };
        let tile_bytes = weight_reads * weight_word_bytes;
        let tile_beats = tile_bytes.div_ceil(d);
        let bufs = cfg.buffers();
        let kib = |k: u32| k as u64 * 1024;
        let weight_slots = kib(bufs.weight_kib) / (tile_beats * d);
        let act_elem_bytes = pe.act_bits() as u64 / 8;
        let slice_bytes = r * act_elem_bytes;
        let act_banks = (d / slice_bytes).max(1);
        let act_rows = kib(bufs.act_kib) / (act_banks * slice_bytes).max(d);
        let act_slices = act_rows * act_banks;
        let out_token_bytes = c * OUT_WORD_BYTES;
        let out_banks = (d / out_token_bytes).max(1);
        let out_bank_tokens =
            kib(bufs.out_kib) / 2 / (out_banks * out_token_bytes).max(d) * out_banks;
        let g = Geometry {
            rows: r,
            cols: c,
            rows_per_beat: l,
            beats,
            array_banks: cfg.weight_banks() as u64,
            stream_bytes: d,
            weight_beat_bytes,
            weight_reads,
            weight_read_stride,
            weight_word_bytes,
            tile_bytes,
            tile_beats,
            weight_slots,
            act_elem_bytes,
            slice_bytes,
            act_slices,
            act_rows,
            act_banks,
            out_token_bytes,
            out_bank_tokens,
            out_banks,
            startup: 0,
        };
        let startup = g.divider_bits() + g.multiplier_bits() + 3;
        let g = Geometry { startup, ..g };
        g.check(cfg)?;
        Ok(g)
    }

    /// Refuses an organisation in which some GEMM could not run.
    fn check(&self, cfg: &ArrayConfig) -> Result<(), SimError> {
        let b = cfg.buffers();
        let need = |buffer: &'static str, kib: u32, why: String| SimError::Buffer {
            buffer,
            why: format!("{kib} KiB {why}"),
        };
        if self.weight_slots == 0 {
            return Err(need(
                "weight",
                b.weight_kib,
                format!(
                    "cannot hold one weight tile ({} bytes)",
                    self.tile_beats * self.stream_bytes
                ),
            ));
        }
        if self.act_rows < 2 {
            return Err(need(
                "activation",
                b.act_kib,
                format!(
                    "cannot hold two rows of one token's activations ({} bytes)",
                    2 * (self.act_banks * self.slice_bytes).max(self.stream_bytes)
                ),
            ));
        }
        if self.out_bank_tokens == 0 {
            return Err(need(
                "output",
                b.out_kib,
                format!(
                    "cannot hold two banks of one token's {} partial sums ({} bytes)",
                    self.cols,
                    2 * (self.out_banks * self.out_token_bytes).max(self.stream_bytes)
                ),
            ));
        }
        Ok(())
    }

    /// Bits of the sequencer's divider: enough for the largest dividend it
    /// divides (activation slices, weight slots), at least 2.
    pub fn divider_bits(&self) -> u64 {
        let top = self.act_slices.max(self.weight_slots).max(1);
        (64 - top.leading_zeros() as u64).max(2)
    }

    /// Bits of the sequencer's multiplier: enough for the largest K-block
    /// count, ⌈2²⁰ / R⌉ (it forms tokens × K-blocks, the slices of a chunk).
    pub fn multiplier_bits(&self) -> u64 {
        let top = crate::gemm::MAX_GEMM_DIM.div_ceil(self.rows);
        (64 - top.leading_zeros() as u64).max(1)
    }

    /// Tokens per M-chunk when activations are fed per fold: two slice slots
    /// (one filling while the other feeds the array), each half the rows.
    pub fn per_fold_chunk_cap(&self) -> u64 {
        self.act_rows / 2 * self.act_banks
    }

    /// Stream beats of `bytes` bytes (a transfer is padded to whole beats).
    pub fn beats_of(&self, bytes: u64) -> u64 {
        bytes.div_ceil(self.stream_bytes)
    }

    /// The edge after the load starting at `load_start` after which its tile's
    /// weight-buffer slot may be refilled: its last read has been issued.
    pub fn slot_free(&self, load_start: u64) -> u64 {
        // Read i is issued one edge before the weight beat it feeds.
        load_start + self.weight_read_stride * (self.weight_reads - 1)
    }
}

/// The stream width of `cfg` in bytes: its `stream_bytes`, or the smallest
/// power of two of at least the DRAM's bytes per cycle (so that the stream
/// does not limit the DRAM), at least 4, and no wider than the widest buffer
/// word (a weight beat, a token's activations, a token's partial sums: the
/// engine takes no more than that per edge), at most [`MAX_STREAM_BYTES`].
pub fn stream_bytes(cfg: &ArrayConfig) -> u64 {
    if let Some(b) = cfg.stream_bytes() {
        return b as u64;
    }
    let per_cycle = cfg.dram().bandwidth_gbps * 1000.0 / cfg.clock_mhz();
    let want = per_cycle.ceil().clamp(4.0, MAX_STREAM_BYTES as f64) as u64;
    let pe = cfg.pe();
    let (r, c, l) = (
        cfg.rows() as u64,
        cfg.cols() as u64,
        cfg.weight_rows_per_cycle() as u64,
    );
    let widest = [
        (c * l * pe.weight_bits() as u64).div_ceil(8),
        r * pe.act_bits() as u64 / 8,
        c * OUT_WORD_BYTES,
    ]
    .into_iter()
    .max()
    .unwrap_or(1)
    .next_power_of_two();
    want.next_power_of_two()
        .min(widest.max(4))
        .min(MAX_STREAM_BYTES)
}

/// The pace of one stream: DRAM bandwidth at the clock, never more than one
/// beat per edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamPace {
    rate: DramRate,
    beat_bytes: u64,
}

impl StreamPace {
    /// The pace of `cfg`'s streams.
    pub fn of(cfg: &ArrayConfig) -> Result<StreamPace, SimError> {
        Ok(StreamPace {
            rate: DramRate::of(cfg)?,
            beat_bytes: stream_bytes(cfg),
        })
    }

    /// Edges after a transfer's first beat at which its beat `i` moves:
    /// `max(i, ⌈i·D / bytes-per-cycle⌉)`. Beat `n` of an `n`-beat transfer is
    /// the first beat of the next one.
    pub fn beat_offset(&self, i: u64) -> u64 {
        self.rate.cycles(i * self.beat_bytes).max(i)
    }
}
