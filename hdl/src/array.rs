//! The whole array simulated with rust-hdl: the PE blocks (`pe.rs`) are
//! wired here in Rust exactly as the emitted Verilog top wires them (skew
//! chains, weight-row control, bank bits, de-skew, valid pipeline).

use crate::design::ArrayDesign;
use crate::dispatch::with_pe;
use crate::error::HdlError;
use crate::job::{Bus, Stimulus, YBeat};
use crate::pe::ArrayPe;
use rust_hdl::prelude::simulate as settle;

/// Iterations rust-hdl may take to settle a PE's combinational logic.
const SETTLE_ITERS: usize = 64;

/// Runs `stim` through the rust-hdl model of `design`; returns every output
/// beat (edge and values) the array produced.
pub fn simulate(design: &ArrayDesign, stim: &Stimulus) -> Result<Vec<YBeat>, HdlError> {
    with_pe!(design, run_array(design, stim))
}

/// Register state of the array outside the PEs.
struct Array<P> {
    rows: usize,
    cols: usize,
    pes: Vec<P>,
    /// Per row k: k+1 stages of (activation, bank index).
    skew: Vec<Vec<(u64, u64)>>,
    /// Per column c: C−1−c stages of the bottom partial sum.
    deskew: Vec<Vec<u64>>,
    /// `x_valid` delayed by R+C edges.
    valid: Vec<bool>,
    w_beat: u32,
    load_bank: u64,
    cur_bank: u64,
}

fn run_array<P: ArrayPe>(design: &ArrayDesign, stim: &Stimulus) -> Result<Vec<YBeat>, HdlError> {
    let (r, c) = (design.rows() as usize, design.cols() as usize);
    let mut arr = Array::<P> {
        rows: r,
        cols: c,
        pes: (0..r * c)
            .map(|_| P::with_banks(design.banks() as usize))
            .collect(),
        skew: (0..r).map(|k| vec![(0, 0); k + 1]).collect(),
        deskew: (0..c).map(|j| vec![0; c - 1 - j]).collect(),
        valid: vec![false; r + c],
        w_beat: 0,
        load_bank: 0,
        cur_bank: 0,
    };
    for pe in arr.pes.iter_mut() {
        pe.connect_all();
    }
    let mut w_iter = stim.w_beats.iter().peekable();
    let mut x_iter = stim.x_beats.iter().peekable();
    let mut out = vec![];
    for edge in 0..stim.edges {
        let w = w_iter.next_if(|b| b.edge == edge).map(|b| &b.data);
        let x = x_iter.next_if(|b| b.edge == edge).map(|b| &b.data);
        arr.clock_edge(design, w, x)?;
        if arr.valid[r + c - 1] {
            let values = (0..c).map(|j| arr.y(j)).collect::<Vec<_>>();
            let bus = Bus {
                lane_bits: design.acc_bits(),
                lanes: values,
            };
            out.push(YBeat {
                edge,
                values: (0..c).map(|j| bus.signed(j)).collect(),
            });
        }
    }
    Ok(out)
}

impl<P: ArrayPe> Array<P> {
    fn pe(&self, r: usize, c: usize) -> &P {
        &self.pes[r * self.cols + c]
    }

    /// Column `j` of `y_data` (raw A-bit pattern).
    fn y(&self, j: usize) -> u64 {
        match self.deskew[j].last() {
            Some(&v) => v,
            None => self.pe(self.rows - 1, j).outputs().2,
        }
    }

    /// One rising edge with the given beats on the input ports.
    fn clock_edge(
        &mut self,
        d: &ArrayDesign,
        w: Option<&Bus>,
        x: Option<&Bus>,
    ) -> Result<(), HdlError> {
        let (r, c, l) = (self.rows, self.cols, d.rows_per_beat() as usize);
        // PE inputs, all from pre-edge register values.
        let mut inputs = Vec::with_capacity(r * c);
        for k in 0..r {
            for j in 0..c {
                let (a, bank) = if j == 0 {
                    self.skew[k][k]
                } else {
                    let (a, bank, _) = self.pe(k, j - 1).outputs();
                    (a, bank)
                };
                let p = if k == 0 {
                    0
                } else {
                    self.pe(k - 1, j).outputs().2
                };
                let (code, en) = match w {
                    Some(bus) if self.w_beat as usize == k / l => {
                        (bus.lanes[(k % l) * c + j], true)
                    }
                    _ => (0, false),
                };
                inputs.push((a, bank, p, code, en));
            }
        }
        // Registers outside the PEs.
        let bottom: Vec<u64> = (0..c).map(|j| self.pe(r - 1, j).outputs().2).collect();
        for (k, chain) in self.skew.iter_mut().enumerate() {
            chain.rotate_right(1);
            chain[0] = (x.map_or(0, |b| b.lanes[k]), self.cur_bank);
        }
        for (j, chain) in self.deskew.iter_mut().enumerate() {
            if !chain.is_empty() {
                chain.rotate_right(1);
                chain[0] = bottom[j];
            }
        }
        self.valid.rotate_right(1);
        self.valid[0] = x.is_some();
        let load_bank = self.load_bank;
        if w.is_some() {
            if self.w_beat + 1 == d.weight_beats() {
                self.w_beat = 0;
                self.cur_bank = self.load_bank;
                self.load_bank = (self.load_bank + 1) % d.banks() as u64;
            } else {
                self.w_beat += 1;
            }
        }
        // The PEs: settle the new inputs with the clock low, then raise it.
        for (pe, (a, bank, p, code, en)) in self.pes.iter_mut().zip(inputs) {
            pe.drive(a, bank, p, code, en, load_bank);
            pe.set_clock(false);
            if !settle(pe, SETTLE_ITERS) {
                return Err(HdlError::Mismatch(
                    "a PE did not settle before the edge".into(),
                ));
            }
            pe.set_clock(true);
            if !settle(pe, SETTLE_ITERS) {
                return Err(HdlError::Mismatch(
                    "a PE did not settle after the edge".into(),
                ));
            }
        }
        Ok(())
    }
}
