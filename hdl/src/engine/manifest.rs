//! The engine's JSON manifest: everything an independent testbench or a
//! host driver needs — ports, register map, buffer sizes, the mapping rule,
//! the stream formats and the timing model — without reading the RTL.

use super::regs::{Access, REGISTERS};
use super::EngineDesign;
use crate::manifest::Direction;
use crate::manifest::WeightEncoding;
use serde::Serialize;
use tritone_sim::engine::{BANK_TO_STREAM, BUFFER_TO_ARRAY, OUT_WORD_BYTES, STREAM_TO_BANK};
use tritone_sim::PeKind;

/// One port of the engine's top module.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Port {
    /// Verilog name.
    pub name: &'static str,
    /// Direction.
    pub direction: Direction,
    /// Width in bits.
    pub width: u64,
    /// Interface it belongs to.
    pub interface: &'static str,
    /// What it carries.
    pub description: &'static str,
}

/// One register as the manifest lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RegisterEntry {
    /// Name.
    pub name: &'static str,
    /// Byte offset.
    pub offset: u32,
    /// Access.
    pub access: Access,
    /// Width in bits.
    pub bits: u32,
    /// Meaning.
    pub meaning: &'static str,
}

/// The buffers' organisation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BufferSizes {
    /// Weight buffer bytes.
    pub weight_bytes: u64,
    /// Weight tiles it holds.
    pub weight_slots: u64,
    /// Bytes of one stored weight tile (before padding to whole beats).
    pub tile_bytes: u64,
    /// Stream beats of one weight tile.
    pub tile_beats: u64,
    /// Activation buffer bytes.
    pub act_bytes: u64,
    /// Token slices (R activations) it holds.
    pub act_slices: u64,
    /// Tokens per chunk with per-fold activations.
    pub per_fold_chunk_tokens: u64,
    /// Output buffer bytes (two banks).
    pub out_bytes: u64,
    /// Tokens of C partial sums each output bank holds.
    pub out_bank_tokens: u64,
}

/// The engine's timing constants (see `docs/engine.md`, "Timing").
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Timing {
    /// Edges from START to the first edge a stream beat can be accepted.
    pub startup_edges: u64,
    /// Edges from a transfer's last beat to the array using its data.
    pub buffer_to_array: u64,
    /// Edges from a token's accept to its sums written: R + C.
    pub token_to_write: u64,
    /// Edges from an N-block's last write to its first result beat offered.
    pub bank_to_stream: u64,
    /// Edges from a bank's last result beat to a token writing that bank again.
    pub stream_to_bank: u64,
    /// The DRAM model the simulator's cycles assume.
    pub dram_model: String,
}

/// The manifest.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EngineManifest {
    /// Top module.
    pub top: String,
    /// What it is.
    pub kind: &'static str,
    /// Array rows R.
    pub rows: u64,
    /// Array columns C.
    pub cols: u64,
    /// PE kind.
    pub pe: PeKind,
    /// Accumulator bits in the array.
    pub acc_bits: u32,
    /// Weight rows per array weight beat (L).
    pub weight_rows_per_cycle: u64,
    /// Two weight banks per PE.
    pub double_buffer: bool,
    /// Weights stored five trits per byte.
    pub five_trits_per_byte: bool,
    /// Bytes per beat on both streams.
    pub stream_bytes: u64,
    /// Largest M, K, N.
    pub max_m: u64,
    /// Largest K.
    pub max_k: u64,
    /// Largest N.
    pub max_n: u64,
    /// Ports.
    pub ports: Vec<Port>,
    /// Registers (32-bit, byte offsets).
    pub registers: Vec<RegisterEntry>,
    /// Value of the CONFIG register.
    pub config_word: u32,
    /// Buffer sizes.
    pub buffers: BufferSizes,
    /// The mapping rule the sequencer applies at START.
    pub mapping_rule: String,
    /// Input stream: what it carries, in order.
    pub input_stream: Vec<String>,
    /// Output stream.
    pub output_stream: Vec<String>,
    /// Timing constants and model.
    pub timing: Timing,
    /// How a host runs one GEMM.
    pub host_sequence: Vec<String>,
}

/// The manifest of `design`.
pub fn manifest(design: &EngineDesign) -> EngineManifest {
    let g = design.geometry();
    let a = design.array();
    let b = design.config().buffers();
    let d = g.stream_bytes;
    let kib = |k: u32| k as u64 * 1024;
    let five = g.five_trit_groups();
    let port = |name, direction, width, interface, description| Port {
        name,
        direction,
        width,
        interface,
        description,
    };
    use Direction::*;
    let ports = vec![
        port("aclk", Input, 1, "clock", "clock; everything happens on its rising edge"),
        port("aresetn", Input, 1, "clock", "synchronous reset, active low"),
        port("s_axis_tdata", Input, 8 * d, "s_axis (AXI4-Stream slave)", "input beats: weight tiles and activations in program order, byte 0 in bits 7:0"),
        port("s_axis_tvalid", Input, 1, "s_axis (AXI4-Stream slave)", "a beat is offered"),
        port("s_axis_tready", Output, 1, "s_axis (AXI4-Stream slave)", "the engine takes the beat; high for a transfer's first beat once its buffer slot is free, then for the whole transfer"),
        port("s_axis_tlast", Input, 1, "s_axis (AXI4-Stream slave)", "last beat of a transfer, optional there (one DMA transfer may carry the whole input); TLAST on any other beat sets ERROR, cause 4"),
        port("m_axis_y_tdata", Output, 8 * d, "m_axis_y (AXI4-Stream master)", "result beats: little-endian INT32 sums"),
        port("m_axis_y_tvalid", Output, 1, "m_axis_y (AXI4-Stream master)", "a beat is offered (held until taken)"),
        port("m_axis_y_tready", Input, 1, "m_axis_y (AXI4-Stream master)", "the consumer takes the beat; may pause at any edge"),
        port("m_axis_y_tlast", Output, 1, "m_axis_y (AXI4-Stream master)", "last beat of an (M-chunk, N-block) result transfer"),
        port("s_axil_awaddr", Input, 8, "s_axil (AXI4-Lite slave)", "write address (bytes)"),
        port("s_axil_awprot", Input, 3, "s_axil (AXI4-Lite slave)", "ignored"),
        port("s_axil_awvalid", Input, 1, "s_axil (AXI4-Lite slave)", "write address valid"),
        port("s_axil_awready", Output, 1, "s_axil (AXI4-Lite slave)", "write address taken"),
        port("s_axil_wdata", Input, 32, "s_axil (AXI4-Lite slave)", "write data"),
        port("s_axil_wstrb", Input, 4, "s_axil (AXI4-Lite slave)", "byte strobes"),
        port("s_axil_wvalid", Input, 1, "s_axil (AXI4-Lite slave)", "write data valid"),
        port("s_axil_wready", Output, 1, "s_axil (AXI4-Lite slave)", "write data taken"),
        port("s_axil_bresp", Output, 2, "s_axil (AXI4-Lite slave)", "OKAY (00) or SLVERR (10): read-only register, unknown address, or M/K/N/START while busy"),
        port("s_axil_bvalid", Output, 1, "s_axil (AXI4-Lite slave)", "write response valid"),
        port("s_axil_bready", Input, 1, "s_axil (AXI4-Lite slave)", "write response taken"),
        port("s_axil_araddr", Input, 8, "s_axil (AXI4-Lite slave)", "read address (bytes)"),
        port("s_axil_arprot", Input, 3, "s_axil (AXI4-Lite slave)", "ignored"),
        port("s_axil_arvalid", Input, 1, "s_axil (AXI4-Lite slave)", "read address valid"),
        port("s_axil_arready", Output, 1, "s_axil (AXI4-Lite slave)", "read address taken"),
        port("s_axil_rdata", Output, 32, "s_axil (AXI4-Lite slave)", "read data"),
        port("s_axil_rresp", Output, 2, "s_axil (AXI4-Lite slave)", "OKAY (00) or SLVERR (10) for an unknown address"),
        port("s_axil_rvalid", Output, 1, "s_axil (AXI4-Lite slave)", "read data valid"),
        port("s_axil_rready", Input, 1, "s_axil (AXI4-Lite slave)", "read data taken"),
        port("irq", Output, 1, "interrupt", "DONE or ERROR (level), cleared by CTRL.CLEAR or START"),
    ];
    let mut wcode = WeightEncoding::describe(a.pe());
    if a.pe() == PeKind::Ternary {
        // The fourth code has no trit; the PE's select passes nothing for it.
        wcode.push_str(", code 10 never sent (the PE takes it as 0)");
    }
    let input_stream = vec![
        format!("Transfers in program order, each padded with zero bytes to whole {d}-byte beats, TLAST on its last beat (optional there, see s_axis_tlast). kb = ceil(K/{r}), nb = ceil(N/{c}); chunks of CHUNK tokens (see mapping_rule).", r = g.rows, c = g.cols),
        "For each M-chunk: [activation chunk, if activations are per chunk]; then for each N-block n (0..nb) and K-block k (0..kb): [weight tile (n, k), if this chunk fetches weights: chunk 0 always, later chunks only when weights are not resident]; [activation slice (chunk, k), if activations are per fold: sent again for every N-block].".into(),
        if five {
            format!("Weight tile (n, k): rows k*{r} .. k*{r}+{rm} of W^T (input features), columns n*{c} .. n*{c}+{cm} (output features), zero past K and N; grouped in weight beats of {l} rows; ceil({bt}/5) = {gr} groups of {cl} bytes: byte j of group q holds position j (= {c}*row_in_beat + column) of beats 5q .. 5q+4 as base-3 digits, digit d = trit+1 of beat 5q+d, least significant first (a beat past {bt} counts as trit 0, digit 1).", r = g.rows, rm = g.rows - 1, c = g.cols, cm = g.cols - 1, l = g.rows_per_beat, bt = g.beats, gr = g.weight_reads, cl = g.weight_word_bytes)
        } else {
            format!("Weight tile (n, k): rows k*{r} .. k*{r}+{rm} of W^T (input features), columns n*{c} .. n*{c}+{cm} (output features), zero past K and N; {bt} weight beats of {l} rows, {wb} bytes each, back to back: in weight beat b, row i (tile row b*{l}+i), column j is the {w}-bit code at bit {w}*({c}*i + j), {wcode}, bits little-endian in bytes.", r = g.rows, rm = g.rows - 1, c = g.cols, cm = g.cols - 1, bt = g.beats, l = g.rows_per_beat, wb = g.weight_beat_bytes, w = a.pe().weight_bits())
        } + " Weight beats are units of the array, not stream beats: the tile's tile_bytes are cut into tile_beats stream beats.",
        format!("Activation slice of token t, K-block k: {r} INT8 bytes X[t][k*{r}+i] (zero past K). An activation chunk is its tokens in order, each with its kb slices in K order; an activation-slice transfer is the chunk's tokens' slices of one K-block, in token order.", r = g.rows),
    ];
    let output_stream = vec![
        "One transfer per (M-chunk, N-block), in order, TLAST on its last beat, zero-padded to whole beats.".into(),
        format!("A transfer holds the chunk's tokens in order, each {c} little-endian INT32 sums Y[t][n*{c}+j], j = 0..{cm} (columns past N are 0): {ob} bytes per token.", c = g.cols, cm = g.cols - 1, ob = g.out_token_bytes),
    ];
    EngineManifest {
        top: design.top_name(),
        kind: "bitlinear-engine",
        rows: g.rows,
        cols: g.cols,
        pe: a.pe(),
        acc_bits: a.acc_bits(),
        weight_rows_per_cycle: g.rows_per_beat,
        double_buffer: a.double_buffer(),
        five_trits_per_byte: five,
        stream_bytes: d,
        max_m: design.max_m(),
        max_k: design.max_k(),
        max_n: design.max_n(),
        ports,
        registers: REGISTERS
            .iter()
            .map(|r| RegisterEntry {
                name: r.name,
                offset: r.offset,
                access: r.access,
                bits: 32,
                meaning: r.meaning,
            })
            .collect(),
        config_word: design.config_word(),
        buffers: BufferSizes {
            weight_bytes: kib(b.weight_kib),
            weight_slots: g.weight_slots,
            tile_bytes: g.tile_bytes,
            tile_beats: g.tile_beats,
            act_bytes: kib(b.act_kib),
            act_slices: g.act_slices,
            per_fold_chunk_tokens: g.per_fold_chunk_cap(),
            out_bytes: kib(b.out_kib),
            out_bank_tokens: g.out_bank_tokens,
        },
        mapping_rule: format!(
            "kb = ceil(K/{r}), nb = ceil(N/{c}). If kb <= {s} (activation slices): activations per chunk, CHUNK = min(M, {bt}, floor({s}/kb)); else activations per fold, CHUNK = min(M, {bt}, {pf}). Weights resident (fetched by chunk 0 only) if kb*nb <= {ws}, else every chunk fetches them. Registers MAPPING and CHUNK show the result from edge timing.startup_edges after START on (before, they may hold the previous GEMM's). Sizes: slots = buffers.weight_slots (WEIGHT_SLOTS); slices = buffers.act_slices = ACT_ROWS * max(1, STREAM_BYTES / R); bank tokens = buffers.out_bank_tokens (BANK_TOKENS).",
            r = g.rows,
            c = g.cols,
            s = g.act_slices,
            bt = g.out_bank_tokens,
            pf = g.per_fold_chunk_cap(),
            ws = g.weight_slots
        ),
        input_stream,
        output_stream,
        timing: Timing {
            startup_edges: g.startup,
            buffer_to_array: BUFFER_TO_ARRAY,
            token_to_write: g.rows + g.cols,
            bank_to_stream: BANK_TO_STREAM,
            stream_to_bank: STREAM_TO_BANK,
            dram_model: format!(
                "Edge 0 is the edge that completes the START write. Each stream moves one transfer at a time, paced on its own (input and output do not share b): a transfer's first beat moves at max(the stream's free edge, the engine's TREADY), beat i moves max(i, ceil(i*{d}*f/b)) edges after the first, and the stream is free for the next transfer max(n, ceil(n*{d}*f/b)) edges after the first beat of an n-beat transfer (b bytes/s of DRAM, f the clock). Cycles (the CYCLES register) equal `tritone simulate gemm` under this model; any other pacing changes cycles, never results or the activity counters."
            ),
        },
        host_sequence: vec![
            "Write M, K, N (offsets 0x08, 0x0C, 0x10).".into(),
            "Write CTRL = 1 (START); STATUS.BUSY rises, or STATUS.ERROR with its cause if M, K or N is out of range.".into(),
            "Send the input stream; take the output stream (both may pause at any edge).".into(),
            format!("Wait for STATUS.DONE (or irq); read CYCLES and the activity counters (64-bit, LO then HI). Outputs per token: {OUT_WORD_BYTES}-byte sums."),
        ],
    }
}
