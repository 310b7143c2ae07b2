//! A self-checking testbench for an engine: it programs M, K, N over
//! AXI4-Lite, starts the GEMM, drives the input stream and takes the output
//! stream under a [`Pacing`], checks every result beat (data and `TLAST`)
//! against the reference, reads every activity counter back and compares it
//! with the simulator, reads the GEMM's mapping (`MAPPING`, `CHUNK`) and the
//! design's size registers and compares them with the simulator's mapping
//! and the design's geometry, and ends with `TRITONE_TB PASS <cycles> cycles` or
//! `TRITONE_TB FAIL <n> errors`.
//!
//! With [`Pacing::Dram`] the streams move as the simulator's DRAM model
//! moves them (`tritone_sim::engine::spec`): the testbench also requires the
//! cycle count (the `CYCLES` register and the edge of the last result beat)
//! to equal `tritone simulate gemm`'s. With [`Pacing::Random`] `TVALID` and
//! `TREADY` have random gaps: cycles change, results and activity may not.

use super::regs::{self, register};
use super::EngineDesign;
use crate::error::HdlError;
use crate::job::SplitMix64;
use std::fmt::Write;
use tritone_sim::engine::program::Mapping;
use tritone_sim::engine::stream::{input_beats, output_beats, Beat, Operands};
use tritone_sim::engine::StreamPace;
use tritone_sim::functional::WeightMatrix;
use tritone_sim::gemm::{simulate_gemm_stepwise, GemmOptions, GemmShape, OperandHome, ZeroWeights};
use tritone_sim::{PeKind, WeightCodes};

/// Line the testbench prints when every check passed.
pub const PASS_MARK: &str = "TRITONE_TB PASS";
/// Line prefix the testbench prints when a check failed.
pub const FAIL_MARK: &str = "TRITONE_TB FAIL";

/// How the testbench moves the streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pacing {
    /// As the simulator's DRAM model at the design's bandwidth and clock:
    /// the cycle count must equal the simulator's.
    Dram,
    /// `TVALID` (input) and `TREADY` (output) each high with the given
    /// percentage on every edge (seeded), and random AXI4-Lite delays.
    Random {
        /// Seed of the patterns.
        seed: u64,
        /// Chance of `s_axis_tvalid` on an edge it may rise, percent.
        valid_percent: u32,
        /// Chance of `m_axis_y_tready` on an edge, percent.
        ready_percent: u32,
    },
}

/// One GEMM's operands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineJob {
    /// The PE kind the weights are for.
    pub pe: PeKind,
    /// The GEMM.
    pub shape: GemmShape,
    /// `X` `[M, K]`, INT8.
    pub x: Vec<i8>,
    /// `W` `[N, K]` row-major, as integers the engine's PE holds (−1, 0,
    /// +1 for ternary; any INT8 for mac-int8).
    pub w: Vec<i8>,
}

impl EngineJob {
    /// Seeded random operands for `design`: weights uniform over the PE's
    /// (ternary: −1, 0, +1), activations uniform INT8.
    pub fn random(design: &EngineDesign, shape: GemmShape, seed: u64) -> EngineJob {
        let mut rng = SplitMix64::new(seed);
        let x = (0..shape.m * shape.k).map(|_| rng.i8()).collect();
        let pe = design.array().functional();
        let w = (0..shape.n * shape.k)
            .map(|_| pe.random_weight(rng.next_u64()))
            .collect();
        EngineJob {
            pe: design.array().pe(),
            shape,
            x,
            w,
        }
    }

    /// The corner every accumulator must survive: activations alternating
    /// −128 / 127 per token, all weights at the PE's most negative weight
    /// (−1 ternary, −128 mac-int8).
    pub fn extreme(design: &EngineDesign, shape: GemmShape) -> EngineJob {
        let x = (0..shape.m * shape.k)
            .map(|i| {
                if (i / shape.k).is_multiple_of(2) {
                    -128
                } else {
                    127
                }
            })
            .collect();
        let w = vec![design.array().pe().extreme_weight(); (shape.n * shape.k) as usize];
        EngineJob {
            pe: design.array().pe(),
            shape,
            x,
            w,
        }
    }

    /// The reference `Y` `[M, N]`.
    pub fn reference(&self) -> Vec<i32> {
        let (m, k, n) = (
            self.shape.m as usize,
            self.shape.k as usize,
            self.shape.n as usize,
        );
        match self.pe.functional() {
            Some(f) => f.reference(&self.x, &self.w, m, k, n),
            None => Vec::new(),
        }
    }
}

/// A stream's beats with the DRAM model's timing of each: edges after its
/// transfer's first beat, and for a first beat the edges until the next
/// transfer may start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PacedBeats {
    /// The beats.
    pub beats: Vec<Beat>,
    /// Per beat: edges after its transfer's first beat.
    pub offset: Vec<u64>,
    /// Per beat: for a transfer's first beat, edges until the stream is free
    /// for the next transfer (0 for other beats).
    pub span: Vec<u64>,
}

impl PacedBeats {
    fn new(beats: Vec<Beat>, pace: &StreamPace) -> PacedBeats {
        let (mut offset, mut span) = (Vec::with_capacity(beats.len()), vec![0; beats.len()]);
        let mut first = 0;
        for (i, b) in beats.iter().enumerate() {
            offset.push(pace.beat_offset((i - first) as u64));
            if b.last {
                span[first] = pace.beat_offset((i + 1 - first) as u64);
                first = i + 1;
            }
        }
        PacedBeats {
            beats,
            offset,
            span,
        }
    }
}

/// Everything a testbench run needs: both streams, paced, and the expected
/// cycle count and counters.
#[derive(Clone, Debug, PartialEq)]
pub struct EngineStimulus {
    /// The GEMM.
    pub shape: GemmShape,
    /// The input stream.
    pub input: PacedBeats,
    /// The output stream the engine must send.
    pub output: PacedBeats,
    /// The simulator's cycles, start to done.
    pub cycles: u64,
    /// Every counter register's expected value (base name, e.g. `ADDS`).
    pub counters: Vec<(&'static str, u64)>,
    /// The expected values of the 32-bit registers that describe the
    /// GEMM's mapping (`MAPPING`, `CHUNK`, from the simulator's
    /// [`Mapping`]) and the design (`ROWS` … `MAX_N`, from its geometry).
    pub registers: Vec<(&'static str, u64)>,
    /// The reference results `[M, N]`.
    pub y: Vec<i32>,
}

/// The counters the testbench reads back, with the register pair holding each.
pub const COUNTERS: [&str; 13] = [
    "CYCLES",
    "STALLS",
    "IN_BYTES",
    "OUT_BYTES",
    "W_READ_BITS",
    "W_WRITE_BITS",
    "X_READ_BITS",
    "X_WRITE_BITS",
    "Y_READ_BITS",
    "Y_WRITE_BITS",
    "ADDS",
    "SKIPS",
    "ACC_ADDS",
];

impl EngineStimulus {
    /// The streams and expectations of `job` on `design`.
    pub fn new(design: &EngineDesign, job: &EngineJob) -> Result<EngineStimulus, HdlError> {
        let cfg = design.config();
        let shape = job.shape;
        let sim = |e: tritone_sim::SimError| HdlError::Unsupported(e.to_string());
        for (what, v, max) in [
            ("M", shape.m, design.max_m()),
            ("K", shape.k, design.max_k()),
            ("N", shape.n, design.max_n()),
        ] {
            if v == 0 || v > max {
                return Err(HdlError::Job {
                    tile: 0,
                    why: format!("{what} = {v}: the engine takes 1 to {max}"),
                });
            }
        }
        if job.pe != design.array().pe() {
            return Err(HdlError::Job {
                tile: 0,
                why: format!(
                    "weights for a {} PE, the engine has a {} PE",
                    job.pe.name(),
                    design.array().pe().name()
                ),
            });
        }
        let ops = Operands {
            x: &job.x,
            w: WeightMatrix::Int8(&job.w),
        };
        let y = job.reference();
        let pace = StreamPace::of(cfg).map_err(sim)?;
        let input = PacedBeats::new(input_beats(cfg, &shape, &ops).map_err(sim)?, &pace);
        let output = PacedBeats::new(output_beats(cfg, &shape, &y).map_err(sim)?, &pace);
        let zeros = ops.w.zeros();
        let opts = GemmOptions {
            zero_weights: ZeroWeights::Count(zeros),
            operands: OperandHome::Dram,
        };
        let s = simulate_gemm_stepwise(cfg, &shape, &opts).map_err(sim)?;
        let counters = vec![
            ("CYCLES", s.cycles),
            ("IN_BYTES", s.dram_read_bytes),
            ("OUT_BYTES", s.dram_write_bytes),
            ("W_READ_BITS", s.buffers.weight.read_bits),
            ("W_WRITE_BITS", s.buffers.weight.write_bits),
            ("X_READ_BITS", s.buffers.act.read_bits),
            ("X_WRITE_BITS", s.buffers.act.write_bits),
            ("Y_READ_BITS", s.buffers.out.read_bits),
            ("Y_WRITE_BITS", s.buffers.out.write_bits),
            ("ADDS", s.pe_adds),
            ("SKIPS", s.pe_skips),
            ("ACC_ADDS", s.partial_sum_adds),
        ];
        let g = design.geometry();
        let map = Mapping::of(g, &shape, OperandHome::Dram).map_err(sim)?;
        let registers = vec![
            ("MAPPING", regs::mapping_word(&map) as u64),
            ("CHUNK", map.chunk_tokens),
            ("ROWS", g.rows),
            ("COLS", g.cols),
            ("STREAM_BYTES", g.stream_bytes),
            ("WEIGHT_SLOTS", g.weight_slots),
            ("ACT_ROWS", g.act_rows),
            ("BANK_TOKENS", g.out_bank_tokens),
            ("MAX_M", design.max_m()),
            ("MAX_K", design.max_k()),
            ("MAX_N", design.max_n()),
        ];
        Ok(EngineStimulus {
            shape,
            input,
            output,
            cycles: s.cycles,
            counters,
            registers,
            y,
        })
    }
}

/// Name of the testbench module (and file stem) for `design`.
pub fn testbench_name(design: &EngineDesign) -> String {
    format!("{}_tb", design.top_name())
}

/// Testbench options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TestbenchOptions {
    /// How the streams move.
    pub pacing: Pacing,
    /// Dump every signal to `<testbench>.vcd`.
    pub vcd: bool,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().rev().map(|b| format!("{b:02x}")).collect()
}

/// Length of the random `TVALID` / `TREADY` patterns (repeated).
const PATTERN: usize = 1021;

/// The files of a testbench: (file name, contents), the Verilog first, then
/// the vector files it reads with `$readmemh` by bare name (run the
/// simulator in the folder that holds them).
pub type TestbenchFiles = Vec<(String, String)>;

/// Bits of a beat's timing fields in a vector file: `last` (8), then the
/// offset and span (32 each) below the beat's data.
const TIMING_BITS: u64 = 72;

/// A stream's vector file: one line per beat, `{data, last, offset, span}`
/// in hex, the data in the top `8·D` bits.
fn vectors(p: &PacedBeats) -> String {
    let mut v = String::with_capacity(
        p.beats.len() * (2 * p.beats.first().map_or(0, |b| b.data.len()) + 20),
    );
    for (i, b) in p.beats.iter().enumerate() {
        let _ = writeln!(
            v,
            "{}{:02x}{:08x}{:08x}",
            hex(&b.data),
            b.last as u8,
            p.offset[i],
            p.span[i]
        );
    }
    v
}

/// The testbench for `design` running `stim`: the Verilog and its vector files.
pub fn testbench(
    design: &EngineDesign,
    stim: &EngineStimulus,
    opts: TestbenchOptions,
) -> TestbenchFiles {
    let tb = testbench_name(design);
    let top = design.top_name();
    let d = design.geometry().stream_bytes;
    let dw = 8 * d;
    let (ni, no) = (stim.input.beats.len(), stim.output.beats.len());
    let (random, seed, vp, rp) = match opts.pacing {
        Pacing::Dram => (0, 0, 100, 100),
        Pacing::Random {
            seed,
            valid_percent,
            ready_percent,
        } => (1, seed, valid_percent, ready_percent),
    };
    // Generous bound: a wedged engine fails instead of hanging the simulator.
    let limit = stim.cycles
        * if random == 1 {
            400 / vp.min(rp).max(1) as u64
        } else {
            2
        }
        + 10_000;
    let mut v = String::new();
    let _ = write!(
        v,
        r#"// Self-checking testbench for {top}: one GEMM M={m} K={k} N={n}
// with reference results and the simulator's cycles and activity.
// Generated by tritone. Streams paced {pacing}.
`timescale 1ns / 1ps
module {tb};
    localparam NI = {ni};
    localparam NO = {no};
    localparam DW = {dw};
    localparam RANDOM = {random};
    localparam NP = {np};
    localparam LIMIT = {limit};

    reg aclk = 1'b0;
    reg aresetn = 1'b0;
    reg [DW-1:0] s_axis_tdata = {{DW{{1'b0}}}};
    reg s_axis_tvalid = 1'b0, s_axis_tlast = 1'b0;
    wire s_axis_tready;
    wire [DW-1:0] m_axis_y_tdata;
    wire m_axis_y_tvalid, m_axis_y_tlast;
    reg m_axis_y_tready = 1'b0;
    reg [7:0] awaddr = 8'd0, araddr = 8'd0;
    reg awvalid = 1'b0, wvalid = 1'b0, bready = 1'b0, arvalid = 1'b0, rready = 1'b0;
    reg [31:0] wdata = 32'd0;
    wire awready, wready, bvalid, arready, rvalid, irq;
    wire [1:0] bresp, rresp;
    wire [31:0] rdata;

    {top} dut (
        .aclk(aclk), .aresetn(aresetn),
        .s_axis_tdata(s_axis_tdata), .s_axis_tvalid(s_axis_tvalid), .s_axis_tready(s_axis_tready), .s_axis_tlast(s_axis_tlast),
        .m_axis_y_tdata(m_axis_y_tdata), .m_axis_y_tvalid(m_axis_y_tvalid), .m_axis_y_tready(m_axis_y_tready), .m_axis_y_tlast(m_axis_y_tlast),
        .s_axil_awaddr(awaddr), .s_axil_awprot(3'd0), .s_axil_awvalid(awvalid), .s_axil_awready(awready),
        .s_axil_wdata(wdata), .s_axil_wstrb(4'hf), .s_axil_wvalid(wvalid), .s_axil_wready(wready),
        .s_axil_bresp(bresp), .s_axil_bvalid(bvalid), .s_axil_bready(bready),
        .s_axil_araddr(araddr), .s_axil_arprot(3'd0), .s_axil_arvalid(arvalid), .s_axil_arready(arready),
        .s_axil_rdata(rdata), .s_axil_rresp(rresp), .s_axil_rvalid(rvalid), .s_axil_rready(rready),
        .irq(irq)
    );

    always #5 aclk = ~aclk;

    // Vectors: {{data, last, offset, span}} per beat (hex files beside this one).
    reg [DW+{tbits}-1:0] in_vec [0:NI-1];
    reg [DW+{tbits}-1:0] out_vec [0:NO-1];
    reg [3:0]    pat [0:NP-1];
    reg [DW-1:0] in_mem [0:NI-1];
    reg          in_last [0:NI-1];
    integer      in_off [0:NI-1];
    integer      in_span [0:NI-1];
    reg [DW-1:0] out_mem [0:NO-1];
    reg          out_last [0:NO-1];
    integer      out_off [0:NO-1];
    integer      out_span [0:NO-1];
    reg          vpat [0:NP-1];
    reg          rpat [0:NP-1];
    reg          dpat [0:NP-1];
    integer now, ii, oi, errors, ch_free, t_first, oc_free, o_first, pi, last_out, i;
    reg [31:0] rd, lo, hi;
    reg [63:0] value;

    initial begin
        $readmemh("{tb}_in.hex", in_vec);
        $readmemh("{tb}_out.hex", out_vec);
        $readmemh("{tb}_pat.hex", pat);
        for (i = 0; i < NI; i = i + 1) begin
            in_mem[i] = in_vec[i][DW+{tbits}-1:{tbits}]; in_last[i] = in_vec[i][64];
            in_off[i] = in_vec[i][63:32]; in_span[i] = in_vec[i][31:0];
        end
        for (i = 0; i < NO; i = i + 1) begin
            out_mem[i] = out_vec[i][DW+{tbits}-1:{tbits}]; out_last[i] = out_vec[i][64];
            out_off[i] = out_vec[i][63:32]; out_span[i] = out_vec[i][31:0];
        end
        for (i = 0; i < NP; i = i + 1) begin
            vpat[i] = pat[i][0]; rpat[i] = pat[i][1]; dpat[i] = pat[i][2];
        end
"#,
        tbits = TIMING_BITS,
        m = stim.shape.m,
        k = stim.shape.k,
        n = stim.shape.n,
        pacing = match opts.pacing {
            Pacing::Dram => "as the simulator's DRAM model".to_string(),
            Pacing::Random {
                seed,
                valid_percent,
                ready_percent,
            } =>
                format!("randomly (seed {seed}, TVALID {valid_percent}%, TREADY {ready_percent}%)"),
        },
        np = PATTERN,
    );
    let mut rng = SplitMix64::new(seed);
    let mut pat = String::with_capacity(2 * PATTERN);
    for _ in 0..PATTERN {
        let bits = (rng.below(100) < vp as u64) as u8
            | ((rng.below(100) < rp as u64) as u8) << 1
            | (rng.below(4) as u8 & 1) << 2;
        let _ = writeln!(pat, "{bits:x}");
    }
    let dump = if opts.vcd {
        format!("        $dumpfile(\"{tb}.vcd\");\n        $dumpvars(0, {tb});\n")
    } else {
        String::new()
    };
    let reg = |name: &str| register(name).offset;
    let mut checks = String::new();
    for (name, want) in &stim.counters {
        let lo = reg(&format!("{name}_LO"));
        let _ = writeln!(
            checks,
            "        axil_read(8'h{lo:02x}, lo); axil_read(8'h{hi:02x}, hi); value = {{hi, lo}};\n\
             \x20       $display(\"counter {name} %0d expected %0d{note}\", value, 64'd{want});\n\
             \x20       if ({skip}value !== 64'd{want}) begin errors = errors + 1; $display(\"ERROR: counter {name} is %0d, expected %0d\", value, 64'd{want}); end",
            hi = lo + 4,
            skip = if *name == "CYCLES" { "RANDOM == 0 && " } else { "" },
            // Random gaps change the cycles: the DRAM pacing's are not required then.
            note = match (*name == "CYCLES", matches!(opts.pacing, Pacing::Random { .. })) {
                (true, true) => " with --pacing dram, not checked with random gaps",
                _ => "",
            },
        );
    }
    for (name, want) in &stim.registers {
        let _ = writeln!(
            checks,
            "        axil_read(8'h{at:02x}, rd);\n\
             \x20       if (rd !== 32'd{want}) begin errors = errors + 1; $display(\"ERROR: register {name} is %0d, expected %0d\", rd, 32'd{want}); end",
            at = reg(name),
        );
    }
    let _ = write!(
        v,
        r#"    end

    // AXI4-Lite: handshakes sampled just before each rising edge; in random
    // mode the data, response and read-data channels start a few edges late.
    reg aw_acc, w_acc, b_acc, ar_acc, r_acc, w_sent;
    reg [1:0] resp;
    task axil_write(input [7:0] addr, input [31:0] data);
        begin
            @(negedge aclk);
            awaddr = addr; wdata = data; awvalid = 1'b1;
            wvalid = (RANDOM == 0) || dpat[pi % NP]; pi = pi + 1;
            bready = (RANDOM == 0) || dpat[pi % NP]; pi = pi + 1;
            w_sent = 1'b0; b_acc = 1'b0;
            while (!b_acc) begin
                #4;
                aw_acc = awvalid && awready; w_acc = wvalid && wready; b_acc = bvalid && bready;
                if (b_acc) resp = bresp;
                @(posedge aclk); @(negedge aclk);
                if (aw_acc) awvalid = 1'b0;
                if (w_acc) begin wvalid = 1'b0; w_sent = 1'b1; end
                else if (!w_sent) wvalid = 1'b1;
                bready = 1'b1;
            end
            bready = 1'b0;
            if (resp != 2'b00) begin errors = errors + 1; $display("ERROR: write of %h to %h answered %b", data, addr, resp); end
        end
    endtask

    task axil_read(input [7:0] addr, output [31:0] data);
        begin
            @(negedge aclk);
            araddr = addr; arvalid = 1'b1;
            rready = (RANDOM == 0) || dpat[pi % NP]; pi = pi + 1;
            r_acc = 1'b0;
            while (!r_acc) begin
                #4;
                ar_acc = arvalid && arready; r_acc = rvalid && rready;
                if (r_acc) begin data = rdata; resp = rresp; end
                @(posedge aclk); @(negedge aclk);
                if (ar_acc) arvalid = 1'b0;
                rready = 1'b1;
            end
            rready = 1'b0;
            if (resp != 2'b00) begin errors = errors + 1; $display("ERROR: read of %h answered %b", addr, resp); end
        end
    endtask

    reg held;
    initial begin
{dump}        errors = 0; pi = 0; held = 1'b0;
        repeat (4) @(posedge aclk);
        @(negedge aclk); aresetn = 1'b1;
        axil_write(8'h{m_reg:02x}, 32'd{m});
        axil_write(8'h{k_reg:02x}, 32'd{k});
        axil_write(8'h{n_reg:02x}, 32'd{n});
        // START: address and data on one edge, which is edge 0.
        @(negedge aclk);
        awaddr = 8'h{ctrl:02x}; awvalid = 1'b1; wdata = 32'd{start}; wvalid = 1'b1; bready = 1'b1;
        #4;
        if (!(awready && wready)) begin errors = errors + 1; $display("ERROR: the engine did not take START at once"); end
        @(posedge aclk);
        now = 0; ii = 0; oi = 0; ch_free = 0; t_first = 0; oc_free = 0; o_first = 0; last_out = -1;
        @(negedge aclk); awvalid = 1'b0; wvalid = 1'b0;
        while ((ii < NI || oi < NO) && now < LIMIT) begin
            // Drive for edge now + 1; a beat offered stays until it moves.
            if (ii < NI && !held) begin
                if (RANDOM != 0) s_axis_tvalid = vpat[(now + 1) % NP];
                else if (in_span[ii] != 0) s_axis_tvalid = now + 1 >= ch_free;
                else s_axis_tvalid = now + 1 >= t_first + in_off[ii];
                s_axis_tdata = in_mem[ii]; s_axis_tlast = in_last[ii];
            end else if (ii >= NI) s_axis_tvalid = 1'b0;
            if (oi < NO) begin
                if (RANDOM != 0) m_axis_y_tready = rpat[(now + 1) % NP];
                else if (out_span[oi] != 0) m_axis_y_tready = now + 1 >= oc_free;
                else m_axis_y_tready = now + 1 >= o_first + out_off[oi];
            end else m_axis_y_tready = 1'b0;
            #4;
            held = s_axis_tvalid && !s_axis_tready;
            if (s_axis_tvalid && s_axis_tready) begin
                if (in_span[ii] != 0) begin t_first = now + 1; ch_free = now + 1 + in_span[ii]; end
                ii = ii + 1;
            end
            if (m_axis_y_tvalid && m_axis_y_tready) begin
                if (m_axis_y_tdata !== out_mem[oi] || m_axis_y_tlast !== out_last[oi]) begin
                    errors = errors + 1;
                    $display("ERROR: output beat %0d is %h last %b, expected %h last %b", oi, m_axis_y_tdata, m_axis_y_tlast, out_mem[oi], out_last[oi]);
                end
                if (out_span[oi] != 0) begin o_first = now + 1; oc_free = now + 1 + out_span[oi]; end
                oi = oi + 1;
                last_out = now + 1;
            end
            @(posedge aclk);
            now = now + 1;
            @(negedge aclk);
            bready = 1'b0;
        end
        s_axis_tvalid = 1'b0; m_axis_y_tready = 1'b0;
        if (ii < NI || oi < NO) begin
            errors = errors + 1;
            $display("ERROR: after %0d edges %0d of %0d input and %0d of %0d output beats moved", now, ii, NI, oi, NO);
        end
        repeat (2) @(posedge aclk);
        axil_read(8'h{status:02x}, rd);
        if (rd[2:0] !== 3'b010 || irq !== 1'b1) begin errors = errors + 1; $display("ERROR: STATUS is %h after the last result", rd); end
        $display("last result beat at edge %0d", last_out);
        if (RANDOM == 0 && last_out != {cycles}) begin errors = errors + 1; $display("ERROR: last result at edge %0d, the simulator says %0d", last_out, {cycles}); end
{checks}        axil_read(8'h{stalls_lo:02x}, lo); axil_read(8'h{stalls_hi:02x}, hi);
        $display("counter STALLS %0d", {{hi, lo}});
        axil_read(8'h{cycles_lo:02x}, lo); axil_read(8'h{cycles_hi:02x}, hi); value = {{hi, lo}};
        if (errors == 0) $display("{pass} %0d cycles", value);
        else $display("{fail} %0d errors", errors);
        $finish;
    end
endmodule
"#,
        m = stim.shape.m,
        k = stim.shape.k,
        n = stim.shape.n,
        m_reg = reg("M"),
        k_reg = reg("K"),
        n_reg = reg("N"),
        ctrl = reg("CTRL"),
        start = regs::CTRL_START,
        status = reg("STATUS"),
        cycles = stim.cycles,
        cycles_lo = reg("CYCLES_LO"),
        cycles_hi = reg("CYCLES_HI"),
        stalls_lo = reg("STALLS_LO"),
        stalls_hi = reg("STALLS_HI"),
        pass = PASS_MARK,
        fail = FAIL_MARK,
    );
    vec![
        (format!("{tb}.v"), v),
        (format!("{tb}_in.hex"), vectors(&stim.input)),
        (format!("{tb}_out.hex"), vectors(&stim.output)),
        (format!("{tb}_pat.hex"), pat),
    ]
}

/// A self-checking testbench of the control interface alone: identity and
/// configuration registers, refused starts (each out-of-range dimension sets
/// ERROR with its cause and never BUSY), CLEAR, SLVERR on read-only and
/// unknown registers and on writes while busy, address and data phases of a
/// write arriving apart, and a misplaced input `TLAST`. Ends with
/// [`PASS_MARK`] or [`FAIL_MARK`].
pub fn protocol_testbench(design: &EngineDesign) -> String {
    let tb = format!("{}_ptb", design.top_name());
    let top = design.top_name();
    let d = design.geometry().stream_bytes;
    let reg = |name: &str| register(name).offset;
    let (m, k, n, ctrl, status, id, config) = (
        reg("M"),
        reg("K"),
        reg("N"),
        reg("CTRL"),
        reg("STATUS"),
        reg("ID"),
        reg("CONFIG"),
    );
    // A GEMM whose first transfer has at least two beats, to misplace TLAST.
    let g = design.geometry();
    let kk = g.rows * 4;
    format!(
        r#"// Control-interface testbench for {top}. Generated by tritone.
`timescale 1ns / 1ps
module {tb};
    reg aclk = 1'b0, aresetn = 1'b0;
    reg [{dm}:0] s_axis_tdata = 0;
    reg s_axis_tvalid = 1'b0, s_axis_tlast = 1'b0, m_axis_y_tready = 1'b1;
    wire s_axis_tready, m_axis_y_tvalid, m_axis_y_tlast;
    wire [{dm}:0] m_axis_y_tdata;
    reg [7:0] awaddr = 0, araddr = 0;
    reg awvalid = 0, wvalid = 0, bready = 0, arvalid = 0, rready = 0;
    reg [31:0] wdata = 0;
    wire awready, wready, bvalid, arready, rvalid, irq;
    wire [1:0] bresp, rresp;
    wire [31:0] rdata;
    {top} dut (
        .aclk(aclk), .aresetn(aresetn),
        .s_axis_tdata(s_axis_tdata), .s_axis_tvalid(s_axis_tvalid), .s_axis_tready(s_axis_tready), .s_axis_tlast(s_axis_tlast),
        .m_axis_y_tdata(m_axis_y_tdata), .m_axis_y_tvalid(m_axis_y_tvalid), .m_axis_y_tready(m_axis_y_tready), .m_axis_y_tlast(m_axis_y_tlast),
        .s_axil_awaddr(awaddr), .s_axil_awprot(3'd0), .s_axil_awvalid(awvalid), .s_axil_awready(awready),
        .s_axil_wdata(wdata), .s_axil_wstrb(4'hf), .s_axil_wvalid(wvalid), .s_axil_wready(wready),
        .s_axil_bresp(bresp), .s_axil_bvalid(bvalid), .s_axil_bready(bready),
        .s_axil_araddr(araddr), .s_axil_arprot(3'd0), .s_axil_arvalid(arvalid), .s_axil_arready(arready),
        .s_axil_rdata(rdata), .s_axil_rresp(rresp), .s_axil_rvalid(rvalid), .s_axil_rready(rready),
        .irq(irq));
    always #5 aclk = ~aclk;
    integer errors = 0;
    reg [31:0] rd;
    reg [1:0] resp;
    reg aw_acc, w_acc, b_acc, ar_acc, r_acc;
    // Address first, data `gap` edges later (negative: data first).
    task wr(input [7:0] addr, input [31:0] data, input integer gap, output [1:0] r);
        integer i;
        begin
            @(negedge aclk);
            if (gap >= 0) begin awaddr = addr; awvalid = 1; end else begin wdata = data; wvalid = 1; end
            for (i = 0; i < (gap < 0 ? -gap : gap); i = i + 1) begin
                #4; aw_acc = awvalid && awready; w_acc = wvalid && wready;
                @(posedge aclk); @(negedge aclk);
                if (aw_acc) awvalid = 0;
                if (w_acc) wvalid = 0;
            end
            if (gap >= 0) begin wdata = data; wvalid = 1; end else begin awaddr = addr; awvalid = 1; end
            bready = 1; b_acc = 0;
            while (!b_acc) begin
                #4; aw_acc = awvalid && awready; w_acc = wvalid && wready; b_acc = bvalid && bready;
                if (b_acc) r = bresp;
                @(posedge aclk); @(negedge aclk);
                if (aw_acc) awvalid = 0;
                if (w_acc) wvalid = 0;
            end
            bready = 0;
        end
    endtask
    task rdr(input [7:0] addr, output [31:0] data, output [1:0] r);
        begin
            @(negedge aclk); araddr = addr; arvalid = 1; rready = 1; r_acc = 0;
            while (!r_acc) begin
                #4; ar_acc = arvalid && arready; r_acc = rvalid && rready;
                if (r_acc) begin data = rdata; r = rresp; end
                @(posedge aclk); @(negedge aclk);
                if (ar_acc) arvalid = 0;
            end
            rready = 0;
        end
    endtask
    task want_eq(input [31:0] got, input [31:0] want, input [8*24-1:0] what);
        begin
            if (got !== want) begin errors = errors + 1; $display("ERROR: %0s is %h, expected %h", what, got, want); end
        end
    endtask
    initial begin
        repeat (3) @(posedge aclk);
        @(negedge aclk); aresetn = 1;
        rdr(8'h{id:02x}, rd, resp); want_eq(rd, 32'h54524954, "ID"); want_eq(resp, 0, "ID rresp");
        rdr(8'h{config:02x}, rd, resp); want_eq(rd, 32'h{cw:08x}, "CONFIG");
        rdr(8'hf0, rd, resp); want_eq(resp, 2, "unknown rresp"); want_eq(rd, 0, "unknown rdata");
        wr(8'h{status:02x}, 32'h7, 0, resp); want_eq(resp, 2, "read-only bresp");
        wr(8'hf0, 32'h7, 0, resp); want_eq(resp, 2, "unknown bresp");
        // Address and data apart, both orders.
        wr(8'h{m:02x}, 32'd0, 3, resp); want_eq(resp, 0, "M bresp");
        wr(8'h{k:02x}, 32'd{kk}, -2, resp); want_eq(resp, 0, "K bresp");
        wr(8'h{n:02x}, 32'd5, 1, resp);
        rdr(8'h{k:02x}, rd, resp); want_eq(rd, {kk}, "K");
        // Refused starts: the cause, no BUSY, irq until CLEAR.
        wr(8'h{ctrl:02x}, 32'd1, 0, resp); want_eq(resp, 0, "start bresp");
        rdr(8'h{status:02x}, rd, resp); want_eq(rd, 32'h0104, "STATUS after M=0"); want_eq(irq, 1, "irq");
        wr(8'h{ctrl:02x}, 32'd2, 0, resp);
        rdr(8'h{status:02x}, rd, resp); want_eq(rd, 0, "STATUS after CLEAR"); want_eq(irq, 0, "irq after CLEAR");
        wr(8'h{m:02x}, 32'd3, 0, resp);
        wr(8'h{k:02x}, 32'd{kbad}, 0, resp);
        wr(8'h{ctrl:02x}, 32'd1, 0, resp);
        rdr(8'h{status:02x}, rd, resp); want_eq(rd, 32'h0204, "STATUS after K too large");
        wr(8'h{k:02x}, 32'd{kk}, 0, resp); wr(8'h{n:02x}, 32'd0, 0, resp);
        wr(8'h{ctrl:02x}, 32'd1, 0, resp);
        rdr(8'h{status:02x}, rd, resp); want_eq(rd, 32'h0304, "STATUS after N=0");
        // A valid start: BUSY; M, K, N and START refused while busy.
        wr(8'h{n:02x}, 32'd5, 0, resp);
        wr(8'h{ctrl:02x}, 32'd1, 0, resp); want_eq(resp, 0, "start bresp");
        rdr(8'h{status:02x}, rd, resp); want_eq(rd, 32'h0001, "STATUS running");
        wr(8'h{m:02x}, 32'd9, 0, resp); want_eq(resp, 2, "M while busy");
        rdr(8'h{m:02x}, rd, resp); want_eq(rd, 3, "M kept");
        wr(8'h{ctrl:02x}, 32'd1, 0, resp); want_eq(resp, 2, "START while busy");
        // The first transfer's first beat with TLAST: ERROR cause 4, still busy.
        @(negedge aclk); s_axis_tvalid = 1; s_axis_tlast = 1;
        while (!s_axis_tready) @(negedge aclk);
        @(posedge aclk); @(negedge aclk); s_axis_tvalid = 0; s_axis_tlast = 0;
        rdr(8'h{status:02x}, rd, resp); want_eq(rd, 32'h0405, "STATUS after a misplaced TLAST");
        if (errors == 0) $display("{PASS_MARK} control");
        else $display("{FAIL_MARK} %0d errors", errors);
        $finish;
    end
endmodule
"#,
        dm = 8 * d - 1,
        cw = design.config_word(),
        kbad = design.max_k() + 1,
    )
}
