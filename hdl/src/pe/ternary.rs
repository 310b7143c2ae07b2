//! The ternary PE block: add, subtract or skip, no multiplier.

use super::mask;
use rust_hdl::prelude::*;
use tritone_reference::Trit;

super::pe_block! {
    /// Ternary PE: adds, subtracts or skips the INT8 activation according to a
    /// 2-bit weight code (`01` = +1, `11` = −1, `00` = 0). No multiplier.
    ///
    /// One weight register per bank (1 to 2^`BB` banks, as many as the array
    /// has); `bank_in` (travelling with the activation, `BB` bits) selects the
    /// bank a token uses; `w_en` writes `w_code` into bank `w_bank`.
    TernaryPe, weight bits 2, {
        select: TernaryOperand<A> = Default::default(),
        wsel: Signal<Local, Bits<2>> = Default::default(),
    }
}

impl<const A: usize, const BB: usize> Logic for TernaryPe<A, BB> {
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
        self.wsel.next = self.w[0].q.val();
        for i in 1..self.w.len() {
            if self.bank_in.val().index() == i {
                self.wsel.next = self.w[i].q.val();
            }
        }
        // The bank's code goes to the select through a local: a submodule
        // input assigned twice in one pass glitches (as in the mac-int8 PE).
        self.select.x.next = self.a_in.val();
        self.select.code.next = self.wsel.val();
        self.p.d.next = self.p_in.val() + self.select.y.val() + self.select.carry.val();
        self.a_out.next = self.a.q.val();
        self.bank_out.next = self.bank.q.val();
        self.p_out.next = self.p.q.val();
    }
}

/// The ternary PE's adder operand and carry-in from the activation `x` and
/// the 2-bit weight code: `x` for +1, `!x` with a carry of 1 for −1
/// (`p + !x + 1 = p − x`, one adder for both), zero for 0 and the unused
/// code `10`; the selected 8 bits are sign-extended to `A` bits after the
/// select (`!sext(x) = sext(!x)`).
///
/// Selecting the 8-bit value and then repeating its sign bit is what makes
/// every PE map alike: Yosys's `alumacc` puts one of an adder's two wide
/// operands on the carry chain's `DI` inputs and, when both have the same
/// width and shape, orders them by a hash of their net names. A 12-bit
/// select looks like `p_in` and lands on `DI` in about half the PEs of a
/// flat engine (one LUT per bit more there: 23 LUTs a PE of 8×8 against
/// 16); an operand of repeated sign bits is always ordered after `p_in`.
/// Its own block with hand-written Verilog because rust-hdl has no sign
/// extension (its casts zero-extend, or overflow the stack on −128), and
/// with the carry-in beside the operand because Verilator reports the PE's
/// block as a combinational loop (`UNOPTFLAT`) when that block computes
/// the carry and also feeds the select.
#[derive(LogicBlock, Default)]
pub struct TernaryOperand<const A: usize> {
    /// The INT8 activation.
    pub x: Signal<In, Bits<8>>,
    /// The weight's 2-bit code (`01` = +1, `11` = −1, `00` = 0).
    pub code: Signal<In, Bits<2>>,
    /// The operand, sign-extended to `A` bits.
    pub y: Signal<Out, Bits<A>>,
    /// The carry-in, 1 for −1 (as an `A`-bit value).
    pub carry: Signal<Out, Bits<A>>,
}

impl<const A: usize> Logic for TernaryOperand<A> {
    fn update(&mut self) {
        let x = self.x.val().index() as u8;
        let code = self.code.val().index() as u8;
        let (s, c) = if code == Trit::Pos.code2() {
            (x, 0)
        } else if code == Trit::Neg.code2() {
            (!x, 1)
        } else {
            (0, 0)
        };
        self.y.next = Bits::<A>::from(s as i8 as i64 as u64 & mask(A));
        self.carry.next = Bits::<A>::from(c);
    }
    fn connect(&mut self) {
        self.y.connect();
        self.carry.connect();
    }
    fn hdl(&self) -> Verilog {
        let (pos, neg) = (Trit::Pos.code2(), Trit::Neg.code2());
        Verilog::Custom(format!(
            "wire [7:0] s = (code == 2'd{pos}) ? x : (code == 2'd{neg}) ? ~x : 8'd0;\n\
             always @(*) begin\n    y = {{{{{ext}{{s[7]}}}}, s}};\n    carry = {{{{{z}{{1'b0}}}}, code == 2'd{neg}}};\nend",
            ext = A - 8,
            z = A - 1
        ))
    }
}
