//! The whole array simulated with rust-hdl: the PE blocks (`pe.rs`) stepped
//! by the simulator's [`ArrayStepper`], the one description of the array top
//! (skew chains, weight-row control, bank bits, de-skew, valid pipeline)
//! that the emitted Verilog top is printed from too.

use crate::design::ArrayDesign;
use crate::dispatch::with_pe;
use crate::error::HdlError;
use crate::job::{Bus, Stimulus, YBeat};
use crate::pe::ArrayPe;
use rust_hdl::prelude::simulate as settle;
use tritone_sim::array_model::{ArrayStepper, PeModel};

/// Iterations rust-hdl may take to settle a PE's combinational logic.
const SETTLE_ITERS: usize = 64;

/// Runs `stim` through the rust-hdl model of `design`; returns every output
/// beat (edge and values) the array produced.
pub fn simulate(design: &ArrayDesign, stim: &Stimulus) -> Result<Vec<YBeat>, HdlError> {
    with_pe!(design, run_array(design, stim))
}

/// A rust-hdl PE block as the shared array stepper drives it: inputs
/// settled with the clock low, then the rising edge settled.
struct HdlPe<P>(P);

impl<P: ArrayPe> PeModel for HdlPe<P> {
    fn edge(
        &mut self,
        a: u64,
        bank: u64,
        p: u64,
        w: u64,
        w_en: bool,
        w_bank: u64,
    ) -> Result<(), String> {
        let pe = &mut self.0;
        pe.drive(a, bank, p, w, w_en, w_bank);
        pe.set_clock(false);
        if !settle(pe, SETTLE_ITERS) {
            return Err("a PE did not settle before the edge".into());
        }
        pe.set_clock(true);
        if !settle(pe, SETTLE_ITERS) {
            return Err("a PE did not settle after the edge".into());
        }
        Ok(())
    }

    fn outputs(&self) -> (u64, u64, u64) {
        self.0.outputs()
    }
}

fn run_array<P: ArrayPe>(design: &ArrayDesign, stim: &Stimulus) -> Result<Vec<YBeat>, HdlError> {
    let s = design.structure();
    let pes = (0..s.rows * s.cols)
        .map(|_| {
            let mut pe = P::with_banks(s.banks);
            pe.connect_all();
            HdlPe(pe)
        })
        .collect();
    let mut array = ArrayStepper::new(s, pes);
    let mut w_iter = stim.w_beats.iter().peekable();
    let mut x_iter = stim.x_beats.iter().peekable();
    let mut out = vec![];
    for edge in 0..stim.edges {
        let w = w_iter
            .next_if(|b| b.edge == edge)
            .map(|b| b.data.lanes.as_slice());
        let x = x_iter
            .next_if(|b| b.edge == edge)
            .map(|b| b.data.lanes.as_slice());
        if let Some(values) = array.edge(w, x).map_err(HdlError::Mismatch)? {
            let bus = Bus {
                lane_bits: design.acc_bits(),
                lanes: values,
            };
            out.push(YBeat {
                edge,
                values: (0..bus.lanes.len()).map(|j| bus.signed(j)).collect(),
            });
        }
    }
    Ok(out)
}
