//! The AXI4-Lite register map: one table from which the RTL's read
//! multiplexer, the manifest and the testbench's register accesses are all
//! derived. Byte addresses, 32-bit registers.

use serde::Serialize;

/// How software may access a register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    /// Read and write.
    ReadWrite,
    /// Read only (writes answer SLVERR).
    ReadOnly,
    /// Write only (reads return 0).
    WriteOnly,
}

/// One 32-bit register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Register {
    /// Name (upper case, as in the docs).
    pub name: &'static str,
    /// Byte offset.
    pub offset: u32,
    /// Access.
    pub access: Access,
    /// What it holds.
    pub meaning: &'static str,
    /// The Verilog expression the RTL returns on a read (internal).
    #[serde(skip)]
    pub verilog: &'static str,
}

/// `CTRL` bit: start a GEMM with the current M, K, N.
pub const CTRL_START: u32 = 1 << 0;
/// `CTRL` bit: clear DONE and ERROR (when not busy).
pub const CTRL_CLEAR: u32 = 1 << 1;
/// `STATUS` bit: a GEMM is running.
pub const STATUS_BUSY: u32 = 1 << 0;
/// `STATUS` bit: the last GEMM finished (its last result beat has moved).
pub const STATUS_DONE: u32 = 1 << 1;
/// `STATUS` bit: a start was refused or the input stream broke its format.
pub const STATUS_ERROR: u32 = 1 << 2;

/// Values of `STATUS[15:8]`, the cause of ERROR.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[repr(u8)]
pub enum ErrorCause {
    /// M is 0 or above `MAX_M`.
    MOutOfRange = 1,
    /// K is 0 or above `MAX_K`.
    KOutOfRange = 2,
    /// N is 0 or above `MAX_N`.
    NOutOfRange = 3,
    /// An input beat's `TLAST` did not mark the end of its transfer.
    InputTlast = 4,
}

/// Every register in address order.
pub const REGISTERS: &[Register] = &[
    Register {
        name: "CTRL",
        offset: 0x00,
        access: Access::WriteOnly,
        meaning: "bit 0 START: run a GEMM with M, K, N (refused with ERROR when one is out of range; ignored with SLVERR while busy); bit 1 CLEAR: clear DONE and ERROR; a read returns 0 with SLVERR",
        verilog: "32'd0",
    },
    Register {
        name: "STATUS",
        offset: 0x04,
        access: Access::ReadOnly,
        meaning: "bit 0 BUSY, bit 1 DONE, bit 2 ERROR, bits 15:8 the error cause (1 M, 2 K, 3 N out of range, the first of the three that is; 4 input TLAST inside a transfer, the run goes on to DONE)",
        verilog: "{16'd0, err_cause, 5'd0, err, done, busy}",
    },
    Register {
        name: "M",
        offset: 0x08,
        access: Access::ReadWrite,
        meaning: "tokens (rows of X and Y), 1 to MAX_M",
        verilog: "reg_m",
    },
    Register {
        name: "K",
        offset: 0x0C,
        access: Access::ReadWrite,
        meaning: "input features (reduction), 1 to MAX_K",
        verilog: "reg_k",
    },
    Register {
        name: "N",
        offset: 0x10,
        access: Access::ReadWrite,
        meaning: "output features, 1 to MAX_N",
        verilog: "reg_n",
    },
    Register {
        name: "CONFIG",
        offset: 0x14,
        access: Access::ReadOnly,
        meaning: "bits 3:0 log2 R, 7:4 log2 C, 11:8 log2 L, 15:12 log2 stream bytes, 21:16 accumulator bits, 22 double-buffered, 23 five-trits-per-byte weights, 25:24 PE (0 ternary, 1 mac-int8), 31:26 format version (1)",
        verilog: "CONFIG_WORD",
    },
    Register {
        name: "MAPPING",
        offset: 0x18,
        access: Access::ReadOnly,
        meaning: "mapping of the last started GEMM, final from edge startup_edges on (the previous GEMM's before): bit 0 activations per fold (0: per chunk), bit 1 weights resident",
        verilog: "{30'd0, resident, ~per_chunk}",
    },
    Register {
        name: "CHUNK",
        offset: 0x1C,
        access: Access::ReadOnly,
        meaning: "tokens per M-chunk of the last started GEMM, final from edge startup_edges on",
        verilog: "chunk",
    },
    Register { name: "CYCLES_LO", offset: 0x20, access: Access::ReadOnly, meaning: "edges from start to done (bits 31:0); counts while busy", verilog: "cnt_cycles[31:0]" },
    Register { name: "CYCLES_HI", offset: 0x24, access: Access::ReadOnly, meaning: "bits 63:32 of CYCLES", verilog: "cnt_cycles[63:32]" },
    Register { name: "STALLS_LO", offset: 0x28, access: Access::ReadOnly, meaning: "edges after start-up at which the array took neither a weight beat nor a token while tokens remained (bits 31:0; not the stall cycles `tritone simulate gemm` prints, which are cycles minus compute cycles)", verilog: "cnt_stalls[31:0]" },
    Register { name: "STALLS_HI", offset: 0x2C, access: Access::ReadOnly, meaning: "bits 63:32 of STALLS", verilog: "cnt_stalls[63:32]" },
    Register { name: "IN_BYTES_LO", offset: 0x30, access: Access::ReadOnly, meaning: "bytes accepted on s_axis (beats x stream bytes, bits 31:0)", verilog: "cnt_in[31:0]" },
    Register { name: "IN_BYTES_HI", offset: 0x34, access: Access::ReadOnly, meaning: "bits 63:32 of IN_BYTES", verilog: "cnt_in[63:32]" },
    Register { name: "OUT_BYTES_LO", offset: 0x38, access: Access::ReadOnly, meaning: "bytes sent on m_axis_y (bits 31:0)", verilog: "cnt_out[31:0]" },
    Register { name: "OUT_BYTES_HI", offset: 0x3C, access: Access::ReadOnly, meaning: "bits 63:32 of OUT_BYTES", verilog: "cnt_out[63:32]" },
    Register { name: "W_READ_BITS_LO", offset: 0x40, access: Access::ReadOnly, meaning: "weight-buffer bits read (bits 31:0)", verilog: "cnt_wrd[31:0]" },
    Register { name: "W_READ_BITS_HI", offset: 0x44, access: Access::ReadOnly, meaning: "bits 63:32", verilog: "cnt_wrd[63:32]" },
    Register { name: "W_WRITE_BITS_LO", offset: 0x48, access: Access::ReadOnly, meaning: "weight-buffer bits written (bits 31:0)", verilog: "cnt_wwr[31:0]" },
    Register { name: "W_WRITE_BITS_HI", offset: 0x4C, access: Access::ReadOnly, meaning: "bits 63:32", verilog: "cnt_wwr[63:32]" },
    Register { name: "X_READ_BITS_LO", offset: 0x50, access: Access::ReadOnly, meaning: "activation-buffer bits read (bits 31:0)", verilog: "cnt_xrd[31:0]" },
    Register { name: "X_READ_BITS_HI", offset: 0x54, access: Access::ReadOnly, meaning: "bits 63:32", verilog: "cnt_xrd[63:32]" },
    Register { name: "X_WRITE_BITS_LO", offset: 0x58, access: Access::ReadOnly, meaning: "activation-buffer bits written (bits 31:0)", verilog: "cnt_xwr[31:0]" },
    Register { name: "X_WRITE_BITS_HI", offset: 0x5C, access: Access::ReadOnly, meaning: "bits 63:32", verilog: "cnt_xwr[63:32]" },
    Register { name: "Y_READ_BITS_LO", offset: 0x60, access: Access::ReadOnly, meaning: "output-bank bits read (partial sums and drain, bits 31:0)", verilog: "cnt_yrd[31:0]" },
    Register { name: "Y_READ_BITS_HI", offset: 0x64, access: Access::ReadOnly, meaning: "bits 63:32", verilog: "cnt_yrd[63:32]" },
    Register { name: "Y_WRITE_BITS_LO", offset: 0x68, access: Access::ReadOnly, meaning: "output-bank bits written (bits 31:0)", verilog: "cnt_ywr[31:0]" },
    Register { name: "Y_WRITE_BITS_HI", offset: 0x6C, access: Access::ReadOnly, meaning: "bits 63:32", verilog: "cnt_ywr[63:32]" },
    Register { name: "ADDS_LO", offset: 0x70, access: Access::ReadOnly, meaning: "PE passes that add: ternary, those with a nonzero weight; mac-int8, every pass, padding included (bits 31:0)", verilog: "cnt_adds[31:0]" },
    Register { name: "ADDS_HI", offset: 0x74, access: Access::ReadOnly, meaning: "bits 63:32", verilog: "cnt_adds[63:32]" },
    Register { name: "SKIPS_LO", offset: 0x78, access: Access::ReadOnly, meaning: "PE passes that add nothing: ternary, a zero or padding weight; mac-int8, none (bits 31:0)", verilog: "cnt_skips[31:0]" },
    Register { name: "SKIPS_HI", offset: 0x7C, access: Access::ReadOnly, meaning: "bits 63:32", verilog: "cnt_skips[63:32]" },
    Register { name: "ACC_ADDS_LO", offset: 0x80, access: Access::ReadOnly, meaning: "32-bit additions of partial sums in the output banks (bits 31:0)", verilog: "cnt_acc[31:0]" },
    Register { name: "ACC_ADDS_HI", offset: 0x84, access: Access::ReadOnly, meaning: "bits 63:32", verilog: "cnt_acc[63:32]" },
    Register { name: "ROWS", offset: 0xC0, access: Access::ReadOnly, meaning: "array rows R", verilog: "ROWS32" },
    Register { name: "COLS", offset: 0xC4, access: Access::ReadOnly, meaning: "array columns C", verilog: "COLS32" },
    Register { name: "STREAM_BYTES", offset: 0xC8, access: Access::ReadOnly, meaning: "bytes per beat of s_axis and m_axis_y", verilog: "D32" },
    Register { name: "WEIGHT_SLOTS", offset: 0xCC, access: Access::ReadOnly, meaning: "weight tiles the weight buffer holds", verilog: "W_SLOTS" },
    Register { name: "ACT_ROWS", offset: 0xD0, access: Access::ReadOnly, meaning: "activation-buffer rows, each of max(1, STREAM_BYTES / R) token slices", verilog: "X_DEPTH32" },
    Register { name: "BANK_TOKENS", offset: 0xD4, access: Access::ReadOnly, meaning: "tokens each output bank holds", verilog: "BANK_TOKENS" },
    Register { name: "MAX_M", offset: 0xD8, access: Access::ReadOnly, meaning: "largest M", verilog: "MAX_M" },
    Register { name: "MAX_K", offset: 0xDC, access: Access::ReadOnly, meaning: "largest K", verilog: "MAX_K" },
    Register { name: "MAX_N", offset: 0xE0, access: Access::ReadOnly, meaning: "largest N", verilog: "MAX_N" },
    Register { name: "ID", offset: 0xFC, access: Access::ReadOnly, meaning: "0x54524954 (\"TRIT\")", verilog: "32'h54524954" },
];

/// The register named `name`.
pub fn register(name: &str) -> &'static Register {
    REGISTERS
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no register {name}"))
}

/// The value the `MAPPING` register holds for `map`: bit 0 activations per
/// fold, bit 1 weights resident (the register's Verilog, above, in Rust).
pub fn mapping_word(map: &tritone_sim::engine::program::Mapping) -> u32 {
    use tritone_sim::engine::program::ActivationFeed;
    (map.activations == ActivationFeed::PerFold) as u32 | (map.weights_resident as u32) << 1
}

/// Address bits of the register file (256 bytes).
pub const ADDR_BITS: u32 = 8;

/// The Verilog `case` items of the read multiplexer.
pub(crate) fn read_mux() -> String {
    let mut s = String::new();
    for r in REGISTERS {
        if r.access != Access::WriteOnly {
            s.push_str(&format!(
                "            6'd{}: rd_word = {}; // {}\n",
                r.offset / 4,
                r.verilog,
                r.name
            ));
        }
    }
    s
}

/// The register map as a Markdown table (`docs/engine.md` holds this text;
/// a test keeps the two equal).
pub fn markdown_table() -> String {
    let mut s = String::from("| offset | name | access | meaning |\n|---|---|---|---|\n");
    for r in REGISTERS {
        let access = match r.access {
            Access::ReadWrite => "RW",
            Access::ReadOnly => "RO",
            Access::WriteOnly => "WO",
        };
        s.push_str(&format!(
            "| 0x{:02X} | {} | {access} | {} |\n",
            r.offset, r.name, r.meaning
        ));
    }
    s
}
