//! One description of the array's top: the input skew, the PE grid, the
//! output de-skew, the valid pipeline and the weight-beat and bank control.
//!
//! [`ArrayStructure`] holds the structure's index expressions (how deep each
//! row's skew is, which beat writes a row, which `w_data` lane feeds a PE…)
//! as [`Expr`]s that evaluate in Rust and print as Verilog; [`ArrayStepper`]
//! steps the structure's registers edge by edge over any [`PeModel`]. The
//! Verilog emitter (`tritone_hdl::emit`) prints its generate loops from the
//! same expressions, the rust-hdl model (`tritone_hdl::array`) steps the
//! stepper with rust-hdl PE blocks, and the functional model
//! ([`crate::functional::run_tile`]) with the PE kind's arithmetic: a change
//! to the structure is made here, once.

use crate::config::ArrayConfig;
use std::collections::VecDeque;
use std::fmt;

/// A parameter of the structure, named as in the Verilog (`localparam`s).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    /// Rows R.
    R,
    /// Columns C.
    C,
    /// Weight rows per beat L.
    L,
}

/// An integer expression over the row `r`, the column `c` and the parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// The row index `r`.
    Row,
    /// The column index `c`.
    Col,
    /// A parameter.
    Param(Param),
    /// A constant.
    Int(i64),
    /// Sum.
    Add(Box<Expr>, Box<Expr>),
    /// Difference.
    Sub(Box<Expr>, Box<Expr>),
    /// Product.
    Mul(Box<Expr>, Box<Expr>),
    /// Quotient (rounded down; operands are never negative).
    Div(Box<Expr>, Box<Expr>),
    /// Remainder.
    Mod(Box<Expr>, Box<Expr>),
}

impl std::ops::Add for Expr {
    type Output = Expr;
    fn add(self, o: Expr) -> Expr {
        Expr::Add(Box::new(self), Box::new(o))
    }
}
impl std::ops::Sub for Expr {
    type Output = Expr;
    fn sub(self, o: Expr) -> Expr {
        Expr::Sub(Box::new(self), Box::new(o))
    }
}
impl std::ops::Mul for Expr {
    type Output = Expr;
    fn mul(self, o: Expr) -> Expr {
        Expr::Mul(Box::new(self), Box::new(o))
    }
}
impl std::ops::Div for Expr {
    type Output = Expr;
    fn div(self, o: Expr) -> Expr {
        Expr::Div(Box::new(self), Box::new(o))
    }
}
impl std::ops::Rem for Expr {
    type Output = Expr;
    fn rem(self, o: Expr) -> Expr {
        Expr::Mod(Box::new(self), Box::new(o))
    }
}

impl Expr {
    /// The value at row `r`, column `c` of `s`.
    pub fn eval(&self, s: &ArrayStructure, r: usize, c: usize) -> usize {
        let v = |e: &Expr| e.eval(s, r, c);
        match self {
            Expr::Row => r,
            Expr::Col => c,
            Expr::Param(Param::R) => s.rows,
            Expr::Param(Param::C) => s.cols,
            Expr::Param(Param::L) => s.rows_per_beat,
            Expr::Int(i) => *i as usize,
            Expr::Add(a, b) => v(a) + v(b),
            Expr::Sub(a, b) => v(a) - v(b),
            Expr::Mul(a, b) => v(a) * v(b),
            Expr::Div(a, b) => v(a) / v(b),
            Expr::Mod(a, b) => v(a) % v(b),
        }
    }
}

/// Verilog text, with `r`, `c`, `R`, `C`, `L` as the generate variables and
/// `localparam`s of the emitted top.
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Row => f.write_str("r"),
            Expr::Col => f.write_str("c"),
            Expr::Param(p) => write!(f, "{p:?}"),
            Expr::Int(i) => write!(f, "{i}"),
            Expr::Add(a, b) => write!(f, "({a} + {b})"),
            Expr::Sub(a, b) => write!(f, "({a} - {b})"),
            Expr::Mul(a, b) => write!(f, "({a} * {b})"),
            Expr::Div(a, b) => write!(f, "({a} / {b})"),
            Expr::Mod(a, b) => write!(f, "({a} % {b})"),
        }
    }
}

/// The array's structure for one architecture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArrayStructure {
    /// Rows R.
    pub rows: usize,
    /// Columns C.
    pub cols: usize,
    /// Weight rows per beat L.
    pub rows_per_beat: usize,
    /// Beats per tile load B = ⌈R/L⌉.
    pub beats: usize,
    /// Weight banks per PE.
    pub banks: usize,
}

impl ArrayStructure {
    /// The structure of `cfg`'s array.
    pub fn of(cfg: &ArrayConfig) -> ArrayStructure {
        ArrayStructure {
            rows: cfg.rows() as usize,
            cols: cfg.cols() as usize,
            rows_per_beat: cfg.weight_rows_per_cycle() as usize,
            beats: cfg.weight_beats() as usize,
            banks: cfg.weight_banks() as usize,
        }
    }

    /// Registers that delay row `r`'s activation (with its bank index)
    /// before PE(r, 0): `r + 1`, so PE(r, c) sees a token accepted at edge
    /// `e` at edge `e + r + c + 1`.
    pub fn skew_depth() -> Expr {
        Expr::Row + Expr::Int(1)
    }

    /// Registers after the last row that delay column `c`'s sum: `C − 1 − c`,
    /// so a token's C sums leave together.
    pub fn deskew_depth() -> Expr {
        Expr::Param(Param::C) - Expr::Int(1) - Expr::Col
    }

    /// Stages of the valid pipeline: `R + C` (a token accepted at edge `e`
    /// is on `y_data` after edge `e + R + C − 1`).
    pub fn valid_depth() -> Expr {
        Expr::Param(Param::R) + Expr::Param(Param::C)
    }

    /// The weight beat (0 … B−1) of a load that writes row `r`: `r / L`.
    pub fn row_beat() -> Expr {
        Expr::Row / Expr::Param(Param::L)
    }

    /// The `w_data` lane of row `r`, column `c` within its beat: `(r % L)·C + c`.
    pub fn weight_lane() -> Expr {
        (Expr::Row % Expr::Param(Param::L)) * Expr::Param(Param::C) + Expr::Col
    }
}

/// A PE as the stepper drives it: raw bit patterns (two's complement in the
/// low bits), one call per rising edge.
pub trait PeModel {
    /// Applies one rising edge with these inputs: `a_in` and `bank_in` from
    /// the left, `p_in` from above, and `w` written into bank `w_bank` when `w_en`.
    fn edge(
        &mut self,
        a_in: u64,
        bank_in: u64,
        p_in: u64,
        w: u64,
        w_en: bool,
        w_bank: u64,
    ) -> Result<(), String>;
    /// The registered (activation, bank index, partial sum).
    fn outputs(&self) -> (u64, u64, u64);
}

/// The array's registers outside the PEs, and the PEs, stepped edge by edge
/// as the emitted Verilog top steps them.
pub struct ArrayStepper<P> {
    s: ArrayStructure,
    pes: Vec<P>,
    /// Per row: `skew_depth(r)` stages of (activation, bank index), newest first.
    skew: Vec<VecDeque<(u64, u64)>>,
    /// Per column: `deskew_depth(c)` stages of the bottom sum, newest first.
    deskew: Vec<VecDeque<u64>>,
    /// `valid_depth` stages of `x_valid`, newest first.
    valid: VecDeque<bool>,
    /// Per row: the beat that writes it; per PE: its `w_data` lane.
    row_beat: Vec<usize>,
    lane: Vec<usize>,
    w_beat: usize,
    load_bank: u64,
    cur_bank: u64,
}

impl<P: PeModel> ArrayStepper<P> {
    /// An idle array of `pes` (row-major, R·C of them).
    pub fn new(s: ArrayStructure, pes: Vec<P>) -> ArrayStepper<P> {
        assert_eq!(pes.len(), s.rows * s.cols, "one PE model per PE");
        let at = |e: Expr, r: usize, c: usize| e.eval(&s, r, c);
        ArrayStepper {
            skew: (0..s.rows)
                .map(|r| VecDeque::from(vec![(0, 0); at(ArrayStructure::skew_depth(), r, 0)]))
                .collect(),
            deskew: (0..s.cols)
                .map(|c| VecDeque::from(vec![0; at(ArrayStructure::deskew_depth(), 0, c)]))
                .collect(),
            valid: VecDeque::from(vec![false; at(ArrayStructure::valid_depth(), 0, 0)]),
            row_beat: (0..s.rows)
                .map(|r| at(ArrayStructure::row_beat(), r, 0))
                .collect(),
            lane: (0..s.rows * s.cols)
                .map(|i| at(ArrayStructure::weight_lane(), i / s.cols, i % s.cols))
                .collect(),
            w_beat: 0,
            load_bank: 0,
            cur_bank: 0,
            pes,
            s,
        }
    }

    fn pe(&self, r: usize, c: usize) -> &P {
        &self.pes[r * self.s.cols + c]
    }

    /// One rising edge with a weight beat `w` (L·C lanes) and a token `x`
    /// (R activations) on the ports; the C sums on `y_data` after the edge
    /// when `y_valid` is high.
    pub fn edge(
        &mut self,
        w: Option<&[u64]>,
        x: Option<&[u64]>,
    ) -> Result<Option<Vec<u64>>, String> {
        let (r_n, c_n) = (self.s.rows, self.s.cols);
        // PE inputs, all from pre-edge register values.
        let mut inputs = Vec::with_capacity(r_n * c_n);
        for r in 0..r_n {
            let row_we = w.is_some() && self.w_beat == self.row_beat[r];
            for c in 0..c_n {
                let (a, bank) = if c == 0 {
                    *self.skew[r].back().expect("a skew has a stage")
                } else {
                    let (a, bank, _) = self.pe(r, c - 1).outputs();
                    (a, bank)
                };
                let p = if r == 0 {
                    0
                } else {
                    self.pe(r - 1, c).outputs().2
                };
                let code = match w {
                    Some(lanes) if row_we => lanes[self.lane[r * c_n + c]],
                    _ => 0,
                };
                inputs.push((a, bank, p, code, row_we));
            }
        }
        // Registers outside the PEs.
        let bottom: Vec<u64> = (0..c_n).map(|c| self.pe(r_n - 1, c).outputs().2).collect();
        for (r, chain) in self.skew.iter_mut().enumerate() {
            chain.pop_back();
            chain.push_front((x.map_or(0, |t| t[r]), self.cur_bank));
        }
        for (c, chain) in self.deskew.iter_mut().enumerate() {
            if chain.pop_back().is_some() {
                chain.push_front(bottom[c]);
            }
        }
        self.valid.pop_back();
        self.valid.push_front(x.is_some());
        let load_bank = self.load_bank;
        if w.is_some() {
            if self.w_beat + 1 == self.s.beats {
                // The load completes: tokens from the next edge on use it.
                self.w_beat = 0;
                self.cur_bank = self.load_bank;
                self.load_bank = (self.load_bank + 1) % self.s.banks as u64;
            } else {
                self.w_beat += 1;
            }
        }
        for (pe, (a, bank, p, code, en)) in self.pes.iter_mut().zip(inputs) {
            pe.edge(a, bank, p, code, en, load_bank)?;
        }
        Ok(self.valid.back().copied().unwrap_or(false).then(|| {
            (0..c_n)
                .map(|c| match self.deskew[c].back() {
                    Some(&v) => v,
                    None => self.pe(r_n - 1, c).outputs().2,
                })
                .collect()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_evaluate_and_print_as_verilog() {
        let s = ArrayStructure {
            rows: 8,
            cols: 5,
            rows_per_beat: 4,
            beats: 2,
            banks: 2,
        };
        let at = |e: Expr, r, c| (e.eval(&s, r, c), e.to_string());
        assert_eq!(
            at(ArrayStructure::skew_depth(), 3, 0),
            (4, "(r + 1)".into())
        );
        assert_eq!(
            at(ArrayStructure::deskew_depth(), 0, 1),
            (3, "((C - 1) - c)".into())
        );
        assert_eq!(
            at(ArrayStructure::valid_depth(), 0, 0),
            (13, "(R + C)".into())
        );
        assert_eq!(at(ArrayStructure::row_beat(), 6, 0), (1, "(r / L)".into()));
        assert_eq!(
            at(ArrayStructure::weight_lane(), 6, 4),
            (14, "(((r % L) * C) + c)".into())
        );
    }

    /// A PE that passes its inputs through one register, adding 1 to the sum.
    struct Counter((u64, u64, u64));
    impl PeModel for Counter {
        fn edge(
            &mut self,
            a: u64,
            bank: u64,
            p: u64,
            _: u64,
            _: bool,
            _: u64,
        ) -> Result<(), String> {
            self.0 = (a, bank, p + 1);
            Ok(())
        }
        fn outputs(&self) -> (u64, u64, u64) {
            self.0
        }
    }

    #[test]
    fn a_token_leaves_after_r_plus_c_minus_one_edges_with_all_columns_together() {
        let s = ArrayStructure {
            rows: 3,
            cols: 4,
            rows_per_beat: 1,
            beats: 3,
            banks: 1,
        };
        let mut a = ArrayStepper::new(s, (0..12).map(|_| Counter((0, 0, 0))).collect());
        let token = [7u64, 7, 7];
        let mut when = vec![];
        for e in 0..20 {
            let x = (e == 2).then_some(&token[..]);
            if let Some(y) = a.edge(None, x).unwrap() {
                when.push((e, y));
            }
        }
        // Accepted at edge 2, on y_data after edge 2 + R + C − 1 = 8; every
        // column has passed R PEs.
        assert_eq!(when, vec![(8, vec![3, 3, 3, 3])]);
    }
}
