//! The MAC-INT8 PE block: the integer baseline, with a real multiplier.

use super::mask;
use rust_hdl::prelude::*;

/// INT8 × INT8 product, sign-extended to `A` bits (`A ≥ 16`).
///
/// Its own block with hand-written Verilog because rust-hdl multiplies only
/// 16-bit values; the emitted `*` is a real multiplier for synthesis to map.
#[derive(LogicBlock, Default)]
pub struct MulInt8<const A: usize> {
    /// Activation (two's complement).
    pub x: Signal<In, Bits<8>>,
    /// Weight (two's complement).
    pub w: Signal<In, Bits<8>>,
    /// `x · w`, sign-extended to `A` bits.
    pub y: Signal<Out, Bits<A>>,
}

impl<const A: usize> Logic for MulInt8<A> {
    fn update(&mut self) {
        let x = self.x.val().index() as u8 as i8 as i64;
        let w = self.w.val().index() as u8 as i8 as i64;
        self.y.next = Bits::<A>::from(((x * w) as u64) & mask(A));
    }
    fn connect(&mut self) {
        self.y.connect();
    }
    fn hdl(&self) -> Verilog {
        let ext = if A > 16 {
            format!("{{{}{{prod[15]}}}}, ", A - 16)
        } else {
            String::new()
        };
        Verilog::Custom(format!(
            "wire signed [15:0] prod = $signed(x) * $signed(w);\nalways @(*) y = {{{ext}prod}};"
        ))
    }
}

super::pe_block! {
    /// MAC-INT8 PE: `p <= p_in + a_in · w` with an 8-bit two's-complement weight.
    /// The baseline the ternary PE is compared against; banks as in [`TernaryPe`](super::TernaryPe).
    MacInt8Pe, weight bits 8, {
        mul: MulInt8<A> = Default::default(),
        wsel: Signal<Local, Bits<8>> = Default::default(),
    }
}

impl<const A: usize, const BB: usize> Logic for MacInt8Pe<A, BB> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, a, bank, p);
        self.a.d.next = self.a_in.val();
        self.bank.d.next = self.bank_in.val();
        for i in 0..self.w.len() {
            self.w[i].clock.next = self.clock.val();
            self.w[i].d.next = self.w[i].q.val();
            if self.w_en.val() & (self.w_bank.val().index() == i) {
                self.w[i].d.next = self.w_code.val();
            }
        }
        // Select the bank in a local first: a submodule input assigned twice
        // in one pass glitches, and an event-driven simulator would loop
        // through the multiplier forever.
        self.wsel.next = self.w[0].q.val();
        for i in 1..self.w.len() {
            if self.bank_in.val().index() == i {
                self.wsel.next = self.w[i].q.val();
            }
        }
        self.mul.x.next = self.a_in.val();
        self.mul.w.next = self.wsel.val();
        self.p.d.next = self.p_in.val() + self.mul.y.val();
        self.a_out.next = self.a.q.val();
        self.bank_out.next = self.bank.q.val();
        self.p_out.next = self.p.q.val();
    }
}
