//! The engine's Verilog: the sequencer template (`engine.v.in`) filled in
//! with the design's constants, the array under the engine's prefix, and the
//! small helper modules. Deterministic; the file does not grow with R or C
//! beyond the base-3 decoder's fixed table.

use super::{regs, EngineDesign};
use crate::emit::verilog_named;
use std::fmt::Write;
use tritone_sim::{PeKind, WeightCodes};

const TEMPLATE: &str = include_str!("engine.v.in");

/// Bits to address `n` rows (at least 1).
fn addr_bits(n: u64) -> u64 {
    (64 - n.saturating_sub(1).leading_zeros() as u64).max(1)
}

/// The complete Verilog of `design`: the engine top, its RAM and decoder
/// modules, and the array with its PE modules.
pub fn verilog(design: &EngineDesign) -> String {
    pieces(design).joined()
}

/// The engine's Verilog in the three pieces [`verilog`] joins. A
/// hierarchical count reads only the pieces a part needs: Yosys elaborates
/// a module without parameters (the engine's) as it reads it, 20 s for a
/// 256×256 engine.
pub(crate) struct Pieces {
    /// The engine module.
    pub engine: String,
    /// The modules only the engine instantiates (RAM, base-3 decoder).
    pub helpers: String,
    /// The array's modules and its PE's.
    pub array: String,
}

impl Pieces {
    /// The whole file ([`verilog`]).
    pub fn joined(&self) -> String {
        [self.engine.as_str(), &self.helpers, &self.array].concat()
    }
}

/// The base-3 decoders of a five-trit engine: their module's name and how
/// many the engine instantiates (one per byte of the weight buffer's word:
/// C·L); `None` when weights are stored two bits each.
pub(crate) fn base3_decoders(design: &EngineDesign) -> Option<(String, u64)> {
    let g = design.geometry();
    g.five_trit_groups()
        .then(|| (format!("{}_b3dec", design.top_name()), g.weight_word_bytes))
}

/// First line of the template's helper modules.
const HELPERS: &str = "// Modules named after the engine, not the file.\n";

/// [`verilog`] in its pieces.
pub(crate) fn pieces(design: &EngineDesign) -> Pieces {
    let top = design.top_name();
    let g = design.geometry();
    let a = design.array();
    let log2 = |v: u64| v.trailing_zeros() as u64;
    let w_banks = (g.stream_bytes / g.weight_word_bytes).max(1);
    let w_collect = (g.weight_word_bytes / g.stream_bytes).max(1);
    let w_row = w_banks * g.weight_word_bytes;
    let w_depth = design.config().buffers().weight_kib as u64 * 1024 / w_row;
    let tile_rows = g.weight_reads.div_ceil(w_banks);
    let x_collect = (g.slice_bytes / g.stream_bytes).max(1);
    let y_segs = (g.out_token_bytes / g.stream_bytes).max(1);
    let y_depth = g.out_bank_tokens / g.out_banks;
    let decoders = base3_decoders(design);
    let five = decoders.is_some();
    let wb = a.pe().weight_bits() as u64;
    let values: Vec<(&str, String)> = vec![
        ("TOP", top.clone()),
        ("PE", a.pe().name().to_string()),
        ("R", g.rows.to_string()),
        ("C", g.cols.to_string()),
        ("L", g.rows_per_beat.to_string()),
        ("B", g.beats.to_string()),
        ("A", a.acc_bits().to_string()),
        ("D", g.stream_bytes.to_string()),
        ("DWM", (8 * g.stream_bytes - 1).to_string()),
        ("WDM", (wb * g.cols * g.rows_per_beat - 1).to_string()),
        ("LOG_R", log2(g.rows).to_string()),
        ("LOG_C", log2(g.cols).to_string()),
        ("W_WORD", g.weight_word_bytes.to_string()),
        ("W_BANKS", w_banks.to_string()),
        ("LOG_WBK", log2(w_banks).to_string()),
        ("W_DEPTH", w_depth.to_string()),
        ("W_AW", addr_bits(w_depth).to_string()),
        ("W_COLLECT", w_collect.to_string()),
        ("TILE_ROWS", tile_rows.to_string()),
        ("TILE_BEATS", g.tile_beats.to_string()),
        ("W_SLOTS", g.weight_slots.to_string()),
        ("W_SPAN", (tile_rows * g.weight_slots).to_string()),
        ("W_READS", g.weight_reads.to_string()),
        ("FIVE", (five as u32).to_string()),
        ("X_BANKS", g.act_banks.to_string()),
        ("LOG_XBK", log2(g.act_banks).to_string()),
        ("X_DEPTH", g.act_rows.to_string()),
        ("X_AW", addr_bits(g.act_rows).to_string()),
        ("X_COLLECT", x_collect.to_string()),
        ("LOG_XCOL", log2(x_collect).to_string()),
        ("X_HALF", (g.act_rows / 2).to_string()),
        ("PF_CAP", g.per_fold_chunk_cap().to_string()),
        ("Y_BANKS", g.out_banks.to_string()),
        ("LOG_YBK", log2(g.out_banks).to_string()),
        ("Y_DEPTH", y_depth.to_string()),
        ("Y_AW", addr_bits(y_depth).to_string()),
        ("Y_SEGS", y_segs.to_string()),
        ("BANK_TOKENS", g.out_bank_tokens.to_string()),
        ("DIVB", g.divider_bits().to_string()),
        ("MULB", g.multiplier_bits().to_string()),
        ("MAX_M", design.max_m().to_string()),
        ("MAX_K", design.max_k().to_string()),
        ("MAX_N", design.max_n().to_string()),
        ("CONFIG_WORD", format!("32'h{:08x}", design.config_word())),
        ("READ_MUX", regs::read_mux()),
        ("ROW_ASSEMBLY", row_assembly(w_collect, x_collect)),
        ("DRAIN_RULE", drain_rule(a.banks())),
        ("NBK", a.banks().max(2).to_string()),
        ("WEIGHT_DECODE", weight_decode(decoders.as_ref())),
        ("POPCOUNT", popcount(a.pe(), g.cols * g.rows_per_beat)),
        ("ADD_COUNT", add_count(a.pe())),
        ("ARRAY", format!("{top}_array")),
    ];
    let mut v = TEMPLATE.to_string();
    for (key, value) in &values {
        v = v.replace(&format!("@{key}@"), value);
    }
    debug_assert!(!v.contains("@TOP@"), "unfilled template key");
    let at = v.find(HELPERS).expect("the template's helper modules");
    let mut helpers = v.split_off(at);
    if let Some((name, _)) = &decoders {
        helpers.push('\n');
        helpers.push_str(&base3_decoder(name));
    }
    let array = verilog_named(a, &format!("{top}_array"));
    let array = format!(
        "\n{}/* verilator lint_on DECLFILENAME */\n",
        array
            .split_once("`timescale 1ns / 1ps\n")
            .map_or(array.as_str(), |(_, rest)| rest)
    );
    Pieces {
        engine: v,
        helpers,
        array,
    }
}

/// Rows of the weight and activation buffers from stream beats: one beat is
/// a row, or `collect` beats are gathered into one.
fn row_assembly(w_collect: u64, x_collect: u64) -> String {
    let mut s = String::new();
    if w_collect > 1 || x_collect > 1 {
        s.push_str("    genvar ga;\n");
    }
    for (port, kind, collect, end) in [
        ("w", "in_kind == IN_WT", w_collect, "in_row_end_w"),
        ("x", "in_kind != IN_WT", x_collect, "in_row_end_x"),
    ] {
        if collect == 1 {
            let _ = writeln!(s, "    assign {port}_row = s_axis_tdata;");
            continue;
        }
        let _ = writeln!(
            s,
            "    // Beats of a row before its last, kept until the row is written.\n\
             \x20   reg [DW-1:0] {port}_coll [0:{last}];\n\
             \x20   wire [{bm}:0] {port}_coll_at = in_beat[{bm}:0];\n\
             \x20   always @(posedge clk) if (in_hs && {kind} && !{end}) {port}_coll[{port}_coll_at] <= s_axis_tdata;\n\
             \x20   generate for (ga = 0; ga < {last1}; ga = ga + 1) begin : g_{port}coll\n\
             \x20       assign {port}_row[DW*ga +: DW] = {port}_coll[ga];\n\
             \x20   end endgenerate\n\
             \x20   assign {port}_row[DW*{last1} +: DW] = s_axis_tdata;",
            last = collect - 2,
            last1 = collect - 1,
            bm = collect.trailing_zeros() - 1,
        );
    }
    s
}

/// The tile contract's drain rule for the next load (`tritone_sim::tile`):
/// the bank it overwrites was last used by the fold `banks` before.
fn drain_rule(banks: u32) -> String {
    if banks > 1 {
        format!("    wire ld_c_drain = ld_count < {banks} || now + T_TWO + T_B >= e_lastb + T_CR;")
    } else {
        "    wire ld_c_drain = ld_first || now + T_TWO + T_B >= e_last0 + T_CR;\n    wire unused_lastb = &{1'b0, e_lastb};".into()
    }
}

/// `w_data` from the weight buffer's word: the word itself, or one base-3
/// digit of every byte of a five-trit group.
fn weight_decode(decoders: Option<&(String, u64)>) -> String {
    let Some((name, cl)) = decoders else {
        return "    assign w_data = w_word;\n    wire unused_digit = &{1'b0, ld_digit};".into();
    };
    format!(
        "    genvar gd;\n    generate for (gd = 0; gd < {cl}; gd = gd + 1) begin : g_b3\n\
         \x20       {name} u_dec (.x(w_word[8*gd +: 8]), .d(ld_digit), .code(w_data[2*gd +: 2]));\n\
         \x20   end endgenerate"
    )
}

/// For a PE that skips zero weights: the nonzero-weight count of each
/// weight beat (the OR of the fewest low code bits that tell a nonzero
/// weight: bit 0 for ternary codes), summed per load by a balanced adder
/// tree of one array per level.
fn popcount(pe: PeKind, cl: u64) -> String {
    if !pe.skips_zero_weights() {
        return String::new();
    }
    let (wb, nzb) = (pe.weight_bits(), pe.nonzero_code_bits());
    let nonzero = if nzb == 1 {
        format!("w_data[{wb}*gp]")
    } else {
        format!("|w_data[{wb}*gp +: {nzb}]")
    };
    let levels = cl.trailing_zeros() as u64;
    let mut s = String::from(
        "    // Nonzero weights of the tile loading, and of the last completed load\n\
         \x20   // (the weights every token accepted from then on uses).\n\
         \x20   reg [NW-1:0] nz_acc, nz_cur;\n\
         \x20   genvar gp;\n",
    );
    for l in 0..=levels {
        let _ = writeln!(s, "    wire [NW-1:0] pop{l} [0:{}];", (cl >> l) - 1);
    }
    let _ = writeln!(
        s,
        "    generate\n        for (gp = 0; gp < {cl}; gp = gp + 1) begin : g_pop0\n\
         \x20           assign pop0[gp] = {{{{(NW-1){{1'b0}}}}, {nonzero}}};\n        end"
    );
    for l in 1..=levels {
        let _ = writeln!(
            s,
            "        for (gp = 0; gp < {n}; gp = gp + 1) begin : g_pop{l}\n\
             \x20           assign pop{l}[gp] = pop{p}[2*gp] + pop{p}[2*gp+1];\n        end",
            n = cl >> l,
            p = l - 1
        );
    }
    let _ = write!(
        s,
        "    endgenerate\n\
         \x20   wire [NW-1:0] nz_beat = pop{levels}[0];\n\
         \x20   always @(posedge clk) begin\n\
         \x20       if (rst || go_run) begin nz_acc <= 0; nz_cur <= 0; end\n\
         \x20       else if (run && w_valid_q) begin\n\
         \x20           if (ld_j + N_ONE == N_B) begin nz_cur <= nz_acc + nz_beat; nz_acc <= 0; end\n\
         \x20           else nz_acc <= nz_acc + nz_beat;\n\
         \x20       end\n\
         \x20   end"
    );
    s
}

/// The PE activity counters for one accepted token: a PE that skips zero
/// weights adds for the tile's nonzero ones, any other PE at every pass.
fn add_count(pe: PeKind) -> String {
    if pe.skips_zero_weights() {
        "                    cnt_adds <= cnt_adds + {32'd0, nz_cur};\n                    cnt_skips <= cnt_skips + {32'd0, N_RC - nz_cur};".into()
    } else {
        "                    cnt_adds <= cnt_adds + {32'd0, N_RC};".into()
    }
}

/// One base-3 digit of a byte as a 2-bit weight code (digit 0, 1, 2 =
/// trit −1, 0, +1 = code 11, 00, 01), as a lookup table.
fn base3_decoder(name: &str) -> String {
    let mut s = format!(
        "// Base-3 digit d of byte x (five trits per byte, first trit least\n\
         // significant) as the 2-bit code of trit digit - 1.\n\
         module {name} (\n    input  wire [7:0] x,\n    input  wire [2:0] d,\n    output reg  [1:0] code\n);\n\
         \x20   reg [9:0] codes;\n    always @(*) begin\n        case (x)\n"
    );
    for byte in 0..243u32 {
        let mut v = byte;
        let mut codes = 0u32;
        for i in 0..5 {
            let code = match v % 3 {
                0 => 0b11,
                1 => 0b00,
                _ => 0b01,
            };
            codes |= code << (2 * i);
            v /= 3;
        }
        let _ = writeln!(s, "            8'd{byte}: codes = 10'h{codes:03x};");
    }
    s.push_str(
        "            default: codes = 10'h000;\n        endcase\n        case (d)\n\
         \x20           3'd0: code = codes[1:0];\n            3'd1: code = codes[3:2];\n\
         \x20           3'd2: code = codes[5:4];\n            3'd3: code = codes[7:6];\n\
         \x20           3'd4: code = codes[9:8];\n            default: code = 2'b00;\n\
         \x20       endcase\n    end\nendmodule\n",
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_bits_cover_the_rows() {
        assert_eq!(
            [1, 2, 3, 4, 5, 1024, 1025].map(addr_bits),
            [1, 1, 2, 2, 3, 10, 11]
        );
    }
}
