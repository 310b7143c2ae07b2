//! The ternary PE block: add, subtract or skip, no multiplier.

use super::SignExtend;
use rust_hdl::prelude::*;
use tritone_reference::Trit;

/// Ternary PE: adds, subtracts or skips the INT8 activation according to a
/// 2-bit weight code (`01` = +1, `11` = −1, `00` = 0). No multiplier.
///
/// One weight register per bank (1 to 2^`BB` banks, as many as the array
/// has); `bank_in` (travelling with the activation, `BB` bits) selects the
/// bank a token uses; `w_en` writes `w_code` into bank `w_bank`.
#[derive(LogicBlock)]
pub struct TernaryPe<const A: usize, const BB: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Activation from the left neighbour (or the skew chain).
    pub a_in: Signal<In, Bits<8>>,
    /// Bank index travelling with `a_in`.
    pub bank_in: Signal<In, Bits<BB>>,
    /// Partial sum from the PE above (0 for row 0).
    pub p_in: Signal<In, Bits<A>>,
    /// Weight code to store.
    pub w_code: Signal<In, Bits<2>>,
    /// Write `w_code` into bank `w_bank`.
    pub w_en: Signal<In, Bit>,
    /// The bank written.
    pub w_bank: Signal<In, Bits<BB>>,
    /// Registered activation, to the right neighbour.
    pub a_out: Signal<Out, Bits<8>>,
    /// Registered bank index, to the right neighbour.
    pub bank_out: Signal<Out, Bits<BB>>,
    /// Registered partial sum, to the PE below.
    pub p_out: Signal<Out, Bits<A>>,
    a: DFF<Bits<8>>,
    bank: DFF<Bits<BB>>,
    p: DFF<Bits<A>>,
    w: Vec<DFF<Bits<2>>>,
    sext: SignExtend<A>,
    wsel: Signal<Local, Bits<2>>,
    operand: Signal<Local, Bits<A>>,
    carry: Signal<Local, Bits<A>>,
    code_pos: Constant<Bits<2>>,
    code_neg: Constant<Bits<2>>,
    zero: Constant<Bits<A>>,
    one: Constant<Bits<A>>,
}

impl<const A: usize, const BB: usize> TernaryPe<A, BB> {
    /// A PE with `banks` weight banks (1 ..= 2^BB).
    pub fn new(banks: usize) -> Self {
        assert!(
            (1..=1 << BB).contains(&banks),
            "{banks} banks in a {BB}-bit bank index"
        );
        Self {
            clock: Default::default(),
            a_in: Default::default(),
            bank_in: Default::default(),
            p_in: Default::default(),
            w_code: Default::default(),
            w_en: Default::default(),
            w_bank: Default::default(),
            a_out: Default::default(),
            bank_out: Default::default(),
            p_out: Default::default(),
            a: Default::default(),
            bank: Default::default(),
            p: Default::default(),
            w: (0..banks).map(|_| Default::default()).collect(),
            sext: Default::default(),
            wsel: Default::default(),
            operand: Default::default(),
            carry: Default::default(),
            zero: Constant::new(Bits::<A>::from(0u64)),
            one: Constant::new(Bits::<A>::from(1u64)),
            code_pos: Constant::new(Bits::<2>::from(Trit::Pos.code2() as u64)),
            code_neg: Constant::new(Bits::<2>::from(Trit::Neg.code2() as u64)),
        }
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

super::impl_array_pe!(TernaryPe);
