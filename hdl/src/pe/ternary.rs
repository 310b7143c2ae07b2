//! The ternary PE block: add, subtract or skip, no multiplier.

use super::SignExtend;
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
        sext: SignExtend<A> = Default::default(),
        wsel: Signal<Local, Bits<2>> = Default::default(),
        operand: Signal<Local, Bits<A>> = Default::default(),
        carry: Signal<Local, Bits<A>> = Default::default(),
        code_pos: Constant<Bits<2>> = Constant::new(Bits::<2>::from(Trit::Pos.code2() as u64)),
        code_neg: Constant<Bits<2>> = Constant::new(Bits::<2>::from(Trit::Neg.code2() as u64)),
        zero: Constant<Bits<A>> = Constant::new(Bits::<A>::from(0u64)),
        one: Constant<Bits<A>> = Constant::new(Bits::<A>::from(1u64)),
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
        // One adder: p_in + x for +1, p_in + !x + 1 (= p_in − x) for −1,
        // p_in + 0 for 0 (and for the unused code 10).
        self.sext.x.next = self.a_in.val();
        self.operand.next = self.zero.val();
        self.carry.next = self.zero.val();
        if self.wsel.val() == self.code_pos.val() {
            self.operand.next = self.sext.y.val();
        }
        if self.wsel.val() == self.code_neg.val() {
            self.operand.next = !self.sext.y.val();
            self.carry.next = self.one.val();
        }
        self.p.d.next = self.p_in.val() + self.operand.val() + self.carry.val();
        self.a_out.next = self.a.q.val();
        self.bank_out.next = self.bank.q.val();
        self.p_out.next = self.p.q.val();
    }
}
