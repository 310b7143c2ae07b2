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
/// Two weight banks; `bank_in` (travelling with the activation) selects the
/// bank a token uses, `w_we[b]` writes `w_code` into bank `b`.
#[derive(LogicBlock)]
pub struct TernaryPe<const A: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Activation from the left neighbour (or the skew chain).
    pub a_in: Signal<In, Bits<8>>,
    /// Bank bit travelling with `a_in`.
    pub bank_in: Signal<In, Bit>,
    /// Partial sum from the PE above (0 for row 0).
    pub p_in: Signal<In, Bits<A>>,
    /// Weight code to store.
    pub w_code: Signal<In, Bits<2>>,
    /// Write enable per bank (bit b writes bank b).
    pub w_we: Signal<In, Bits<2>>,
    /// Registered activation, to the right neighbour.
    pub a_out: Signal<Out, Bits<8>>,
    /// Registered bank bit, to the right neighbour.
    pub bank_out: Signal<Out, Bit>,
    /// Registered partial sum, to the PE below.
    pub p_out: Signal<Out, Bits<A>>,
    a: DFF<Bits<8>>,
    bank: DFF<Bit>,
    p: DFF<Bits<A>>,
    w0: DFF<Bits<2>>,
    w1: DFF<Bits<2>>,
    sext: SignExtend<A>,
    wsel: Signal<Local, Bits<2>>,
    operand: Signal<Local, Bits<A>>,
    carry: Signal<Local, Bits<A>>,
    code_pos: Constant<Bits<2>>,
    code_neg: Constant<Bits<2>>,
    zero: Constant<Bits<A>>,
    one: Constant<Bits<A>>,
}

impl<const A: usize> Default for TernaryPe<A> {
    fn default() -> Self {
        Self {
            clock: Default::default(),
            a_in: Default::default(),
            bank_in: Default::default(),
            p_in: Default::default(),
            w_code: Default::default(),
            w_we: Default::default(),
            a_out: Default::default(),
            bank_out: Default::default(),
            p_out: Default::default(),
            a: Default::default(),
            bank: Default::default(),
            p: Default::default(),
            w0: Default::default(),
            w1: Default::default(),
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

impl<const A: usize> Logic for TernaryPe<A> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, a, bank, p, w0, w1);
        self.a.d.next = self.a_in.val();
        self.bank.d.next = self.bank_in.val();
        if self.w_we.val().get_bit(0) {
            self.w0.d.next = self.w_code.val();
        }
        if self.w_we.val().get_bit(1) {
            self.w1.d.next = self.w_code.val();
        }
        self.wsel.next = self.w0.q.val();
        if self.bank_in.val() {
            self.wsel.next = self.w1.q.val();
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
/// The baseline the ternary PE is compared against.
#[derive(LogicBlock)]
pub struct MacInt8Pe<const A: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Activation from the left neighbour (or the skew chain).
    pub a_in: Signal<In, Bits<8>>,
    /// Bank bit travelling with `a_in`.
    pub bank_in: Signal<In, Bit>,
    /// Partial sum from the PE above (0 for row 0).
    pub p_in: Signal<In, Bits<A>>,
    /// Weight to store.
    pub w_code: Signal<In, Bits<8>>,
    /// Write enable per bank (bit b writes bank b).
    pub w_we: Signal<In, Bits<2>>,
    /// Registered activation, to the right neighbour.
    pub a_out: Signal<Out, Bits<8>>,
    /// Registered bank bit, to the right neighbour.
    pub bank_out: Signal<Out, Bit>,
    /// Registered partial sum, to the PE below.
    pub p_out: Signal<Out, Bits<A>>,
    a: DFF<Bits<8>>,
    bank: DFF<Bit>,
    p: DFF<Bits<A>>,
    w0: DFF<Bits<8>>,
    w1: DFF<Bits<8>>,
    mul: MulInt8<A>,
    wsel: Signal<Local, Bits<8>>,
}

impl<const A: usize> Default for MacInt8Pe<A> {
    fn default() -> Self {
        Self {
            clock: Default::default(),
            a_in: Default::default(),
            bank_in: Default::default(),
            p_in: Default::default(),
            w_code: Default::default(),
            w_we: Default::default(),
            a_out: Default::default(),
            bank_out: Default::default(),
            p_out: Default::default(),
            a: Default::default(),
            bank: Default::default(),
            p: Default::default(),
            w0: Default::default(),
            w1: Default::default(),
            mul: Default::default(),
            wsel: Default::default(),
        }
    }
}

impl<const A: usize> Logic for MacInt8Pe<A> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, a, bank, p, w0, w1);
        self.a.d.next = self.a_in.val();
        self.bank.d.next = self.bank_in.val();
        if self.w_we.val().get_bit(0) {
            self.w0.d.next = self.w_code.val();
        }
        if self.w_we.val().get_bit(1) {
            self.w1.d.next = self.w_code.val();
        }
        // Select the bank in a local first: a submodule input assigned twice
        // in one pass glitches, and an event-driven simulator would loop
        // through the multiplier forever.
        self.wsel.next = self.w0.q.val();
        if self.bank_in.val() {
            self.wsel.next = self.w1.q.val();
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
pub trait ArrayPe: Block + Default {
    /// Sets every input for the coming clock edge.
    fn drive(&mut self, a: u64, bank: bool, p: u64, w: u64, we: u64);
    /// The registered (activation, bank bit, partial sum).
    fn outputs(&self) -> (u64, bool, u64);
    /// Drives the clock line.
    fn set_clock(&mut self, high: bool);
}

macro_rules! impl_array_pe {
    ($pe:ident) => {
        impl<const A: usize> ArrayPe for $pe<A> {
            fn drive(&mut self, a: u64, bank: bool, p: u64, w: u64, we: u64) {
                self.a_in.next = a.into();
                self.bank_in.next = bank;
                self.p_in.next = p.into();
                self.w_code.next = w.into();
                self.w_we.next = we.into();
            }
            fn outputs(&self) -> (u64, bool, u64) {
                (
                    self.a_out.val().index() as u64,
                    self.bank_out.val(),
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
