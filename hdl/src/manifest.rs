//! The JSON manifest written next to the Verilog: what a user (or a script)
//! needs to instantiate the array without reading the RTL.

use crate::design::{ArrayDesign, ACT_BITS};
use serde::Serialize;
use tritone_sim::{PeKind, WeightCodes};

/// Direction of a port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Into the array.
    Input,
    /// Out of the array.
    Output,
}

/// One port of the top module.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Port {
    /// Verilog name.
    pub name: &'static str,
    /// Direction.
    pub direction: Direction,
    /// Width in bits.
    pub width: u32,
    /// What it carries.
    pub description: String,
}

/// Options the array was generated with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Options {
    /// Two weight banks: the next tile loads while the current one streams.
    pub double_buffer: bool,
    /// Weight rows per `w_data` beat (L).
    pub weight_rows_per_cycle: u32,
    /// Beats per tile load, ⌈R / L⌉.
    pub weight_beats: u32,
}

/// How weights are coded on `w_data`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WeightEncoding {
    /// Bits per weight.
    pub bits: u32,
    /// Format name.
    pub format: String,
    /// Codes when the PE holds few values (ternary): value → bit pattern.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<(i8, String)>,
    /// Bit position of weight (row-in-beat i, column j).
    pub layout: String,
}

impl WeightEncoding {
    /// The codes of `pe`'s weights (two's complement in the weight bits),
    /// listed when it holds at most four values: nonzero weights from the
    /// largest down, zero last (ternary: +1 → `01`, −1 → `11`, 0 → `00`).
    pub fn codes(pe: PeKind) -> Vec<(i8, String)> {
        let values = pe.weight_values();
        if values.len() > 4 {
            return Vec::new();
        }
        let bits = pe.weight_bits() as usize;
        let mut values = values;
        // Nonzero weights from the largest down, zero last (+1, −1, 0).
        values.sort_by_key(|&w| (w == 0, -(w as i16)));
        values
            .into_iter()
            .map(|w| (w, format!("{:0bits$b}", pe.weight_code(w))))
            .collect()
    }

    /// One line for documents: "2-bit two's complement (1 = 01, -1 = 11,
    /// 0 = 00)" or "8-bit two's complement".
    pub fn describe(pe: PeKind) -> String {
        let codes = Self::codes(pe);
        let mut s = format!("{}-bit two's complement", pe.weight_bits());
        if !codes.is_empty() {
            let list: Vec<String> = codes.iter().map(|(w, c)| format!("{w} = {c}")).collect();
            s.push_str(&format!(" ({})", list.join(", ")));
        }
        s
    }
}

/// The latency contract (`tritone_sim::tile`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Latency {
    /// Edges from accepting a token to its valid output: `R + C − 1`.
    pub token_edges: u64,
    /// Formula for M back-to-back tokens, first accept to last valid output.
    pub stream_formula: String,
}

/// The manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Manifest {
    /// Top module name.
    pub top: String,
    /// Rows R.
    pub rows: u32,
    /// Columns C.
    pub cols: u32,
    /// Activation bits.
    pub act_bits: u32,
    /// Accumulator bits A.
    pub acc_bits: u32,
    /// PE kind.
    pub pe: PeKind,
    /// Generation options.
    pub options: Options,
    /// Ports of the top module.
    pub ports: Vec<Port>,
    /// Weight coding.
    pub weight_encoding: WeightEncoding,
    /// Timing.
    pub latency: Latency,
}

/// The manifest of `design`.
pub fn manifest(design: &ArrayDesign) -> Manifest {
    let (r, c, a) = (design.rows(), design.cols(), design.acc_bits());
    let wb = design.pe().weight_bits();
    let port = |name, direction, width, description: String| Port {
        name,
        direction,
        width,
        description,
    };
    use Direction::*;
    Manifest {
        top: design.top_name(),
        rows: r,
        cols: c,
        act_bits: ACT_BITS,
        acc_bits: a,
        pe: design.pe(),
        options: Options {
            double_buffer: design.double_buffer(),
            weight_rows_per_cycle: design.rows_per_beat(),
            weight_beats: design.weight_beats(),
        },
        ports: vec![
            port("clk", Input, 1, "clock, rising edge".into()),
            port(
                "rst",
                Input,
                1,
                "synchronous reset, active high (control state only)".into(),
            ),
            port("w_valid", Input, 1, "a weight beat is on w_data".into()),
            port(
                "w_data",
                Input,
                design.w_data_bits(),
                format!(
                    "{} weight row(s) of {c} weights; beat b carries rows b·L .. b·L+L−1",
                    design.rows_per_beat()
                ),
            ),
            port("x_valid", Input, 1, "a token is on x_data".into()),
            port(
                "x_data",
                Input,
                design.x_data_bits(),
                format!("{r} INT8 activations, element k in bits [8k+7:8k]"),
            ),
            port("y_valid", Output, 1, "an output vector is on y_data".into()),
            port(
                "y_data",
                Output,
                design.y_data_bits(),
                format!(
                    "{c} signed {a}-bit sums Σ_k x[k]·w[k][j], element j in bits [{a}j+{}:{a}j]",
                    a - 1
                ),
            ),
        ],
        weight_encoding: WeightEncoding {
            bits: wb,
            format: format!(
                "{}, {}",
                design.pe().name(),
                WeightEncoding::describe(design.pe())
            ),
            codes: WeightEncoding::codes(design.pe()),
            layout: format!(
                "row i of the beat, column j: bits [{wb}·({c}·i + j) + {} : {wb}·({c}·i + j)]",
                wb - 1
            ),
        },
        latency: Latency {
            token_edges: tritone_sim::tile::token_latency(design.config()),
            stream_formula: format!("R + C + M − 2 = {} + M", r + c - 2),
        },
    }
}
