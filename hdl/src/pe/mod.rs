//! The processing elements, as rust-hdl blocks.
//!
//! A PE holds one stationary weight per bank and, at every clock edge,
//! passes the activation right (`a`) and the partial sum down (`p`):
//! `p <= p_in ± a_in` (ternary) or `p <= p_in + a_in · w` (mac-int8).
//! Activations are INT8; `A` is the accumulator width.
//!
//! Everything else about a PE kind — weight bits and codes, the narrowest
//! accumulator, whether zero weights are skipped, the reference it must
//! equal — is the simulator's [`tritone_sim::Pe`]; the generator derives
//! ports, stream formats, manifests and counters from it. A kind the
//! generator builds adds its block's file here — its arithmetic, declared
//! with `pe_block!`, which supplies the ports, registers and weight banks
//! every PE shares — and one line to `rtl_pe_kinds!`.

mod mac_int8;
mod ternary;

pub use mac_int8::{MacInt8Pe, MulInt8};
pub use ternary::TernaryPe;

use rust_hdl::prelude::*;
use tritone_sim::PeKind;

/// The registration table: the simulator's PE kinds the generator builds,
/// one line each, `Kind => block` (a rust-hdl block generic over the
/// accumulator bits `A` and the bank-index bits `BB`, implementing
/// [`ArrayPe`]). Hands the table to `$m!` (after `$args;`), which expands it:
/// the dispatch to the block's type and [`buildable`].
macro_rules! rtl_pe_kinds {
    ($m:ident! $args:tt) => {
        $m!($args; Ternary => TernaryPe, MacInt8 => MacInt8Pe)
    };
}
pub(crate) use rtl_pe_kinds;

macro_rules! buildable_kinds {
    ($kind:tt; $($k:ident => $block:ident),+) => {
        matches!($kind, $(PeKind::$k)|+)
    };
}

/// Whether the generator has a block for `kind`.
pub fn buildable(kind: PeKind) -> bool {
    rtl_pe_kinds!(buildable_kinds! kind)
}

/// The PE kinds the generator builds, in registration order.
pub fn buildable_kinds() -> Vec<PeKind> {
    PeKind::ALL
        .iter()
        .copied()
        .filter(|&k| buildable(k))
        .collect()
}

/// The low `bits` bits set.
fn mask(bits: usize) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
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

/// Declares a PE block with the ports and registers every PE has — the
/// clock, activation and bank index in from the left and registered out to
/// the right, the partial sum in from above and registered out below, one
/// `$wbits`-bit weight register per bank written from `w_code` — plus the
/// kind's own arithmetic (`$field: $ty = $init`), its `new(banks)` and its
/// [`ArrayPe`] implementation. A kind's file then holds only its arithmetic.
macro_rules! pe_block {
    (
        $(#[$meta:meta])*
        $name:ident, weight bits $wbits:literal,
        { $( $field:ident : $ty:ty = $init:expr ),* $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(LogicBlock)]
        pub struct $name<const A: usize, const BB: usize> {
            /// Clock.
            pub clock: Signal<In, Clock>,
            /// Activation from the left neighbour (or the skew chain).
            pub a_in: Signal<In, Bits<8>>,
            /// Bank index travelling with `a_in`.
            pub bank_in: Signal<In, Bits<BB>>,
            /// Partial sum from the PE above (0 for row 0).
            pub p_in: Signal<In, Bits<A>>,
            /// Weight code to store.
            pub w_code: Signal<In, Bits<$wbits>>,
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
            w: Vec<DFF<Bits<$wbits>>>,
            $( $field: $ty, )*
        }

        impl<const A: usize, const BB: usize> $name<A, BB> {
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
                    $( $field: $init, )*
                }
            }
        }

        impl<const A: usize, const BB: usize> $crate::pe::ArrayPe for $name<A, BB> {
            fn with_banks(banks: usize) -> Self {
                $name::new(banks)
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
pub(crate) use pe_block;
