//! The processing elements, as rust-hdl blocks.
//!
//! A PE holds one stationary weight per bank and, at every clock edge,
//! passes the activation right (`a`) and the partial sum down (`p`):
//! `p <= p_in ± a_in` (ternary) or `p <= p_in + a_in · w` (mac-int8).
//! Activations are INT8; `A` is the accumulator width.

use rust_hdl::prelude::*;
use tritone_reference::Trit;

/// Sign extension of an INT8 to `A` bits: a wire, no logic.
///
/// Its own block because rust-hdl's casts either zero-extend (with a width
/// mismatch in the emitted Verilog) or, for `signed_bit_cast`, overflow the
/// stack on −128.
#[derive(LogicBlock, Default)]
pub struct SignExtend<const A: usize> {
    /// The INT8 value.
    pub x: Signal<In, Bits<8>>,
    /// `x` sign-extended to `A` bits.
    pub y: Signal<Out, Bits<A>>,
}

impl<const A: usize> Logic for SignExtend<A> {
    fn update(&mut self) {
        let v = self.x.val().index() as u8 as i8 as i64 as u64;
        self.y.next = Bits::<A>::from(v & mask(A));
    }
    fn connect(&mut self) {
        self.y.connect();
    }
    fn hdl(&self) -> Verilog {
        // rust-hdl declares outputs as `reg`: drive them from a combinational block.
        Verilog::Custom(format!("always @(*) y = {{{{{}{{x[7]}}}}, x}};", A - 8))
    }
}

/// The low `bits` bits set.
fn mask(bits: usize) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

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

/// MAC-INT8 PE: `p <= p_in + a_in · w` with an 8-bit two's-complement weight.
/// The baseline the ternary PE is compared against; banks as in [`TernaryPe`].
#[derive(LogicBlock)]
pub struct MacInt8Pe<const A: usize, const BB: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Activation from the left neighbour (or the skew chain).
    pub a_in: Signal<In, Bits<8>>,
    /// Bank index travelling with `a_in`.
    pub bank_in: Signal<In, Bits<BB>>,
    /// Partial sum from the PE above (0 for row 0).
    pub p_in: Signal<In, Bits<A>>,
    /// Weight to store.
    pub w_code: Signal<In, Bits<8>>,
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
    w: Vec<DFF<Bits<8>>>,
    mul: MulInt8<A>,
    wsel: Signal<Local, Bits<8>>,
}

impl<const A: usize, const BB: usize> MacInt8Pe<A, BB> {
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
            mul: Default::default(),
            wsel: Default::default(),
        }
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

/// What the array needs from a PE block: drive its inputs, read its registers.
/// Values are raw bit patterns (two's complement, low bits).
pub trait ArrayPe: Block {
    /// A PE with `banks` weight banks.
    fn with_banks(banks: usize) -> Self;
    /// Sets every input for the coming clock edge; `w` is written into
    /// bank `w_bank` when `w_en`.
    fn drive(&mut self, a: u64, bank: u64, p: u64, w: u64, w_en: bool, w_bank: u64);
    /// The registered (activation, bank index, partial sum).
    fn outputs(&self) -> (u64, u64, u64);
    /// Drives the clock line.
    fn set_clock(&mut self, high: bool);
}

macro_rules! impl_array_pe {
    ($pe:ident) => {
        impl<const A: usize, const BB: usize> ArrayPe for $pe<A, BB> {
            fn with_banks(banks: usize) -> Self {
                $pe::new(banks)
            }
            fn drive(&mut self, a: u64, bank: u64, p: u64, w: u64, w_en: bool, w_bank: u64) {
                self.a_in.next = a.into();
                self.bank_in.next = bank.into();
                self.p_in.next = p.into();
                self.w_code.next = w.into();
                self.w_en.next = w_en;
                self.w_bank.next = w_bank.into();
            }
            fn outputs(&self) -> (u64, u64, u64) {
                (
                    self.a_out.val().index() as u64,
                    self.bank_out.val().index() as u64,
                    self.p_out.val().index() as u64,
                )
            }
            fn set_clock(&mut self, high: bool) {
                self.clock.next = Clock { clk: high };
            }
        }
    };
}
impl_array_pe!(TernaryPe);
impl_array_pe!(MacInt8Pe);
