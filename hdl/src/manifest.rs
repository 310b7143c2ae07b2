//! The JSON manifest written next to the Verilog: what a user (or a script)
//! needs to instantiate the array without reading the RTL.

use crate::design::{ArrayDesign, RtlPe, ACT_BITS};
use serde::Serialize;

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
    pub format: &'static str,
    /// Codes (ternary only): value → bit pattern.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<(i8, &'static str)>,
    /// Bit position of weight (row-in-beat i, column j).
    pub layout: String,
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
    pub pe: RtlPe,
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
        weight_encoding: match design.pe() {
            RtlPe::Ternary => WeightEncoding {
                bits: wb,
                format: "ternary, 2-bit two's complement",
                codes: vec![(1, "01"), (-1, "11"), (0, "00")],
                layout: format!(
                    "row i of the beat, column j: bits [{wb}·({c}·i + j) + {} : {wb}·({c}·i + j)]",
                    wb - 1
                ),
            },
            RtlPe::MacInt8 => WeightEncoding {
                bits: wb,
                format: "int8 two's complement",
                codes: vec![],
                layout: format!(
                    "row i of the beat, column j: bits [{wb}·({c}·i + j) + {} : {wb}·({c}·i + j)]",
                    wb - 1
                ),
            },
        },
        latency: Latency {
            token_edges: tritone_sim::tile::token_latency(design.config()),
            stream_formula: format!("R + C + M − 2 = {} + M", r + c - 2),
        },
    }
}
