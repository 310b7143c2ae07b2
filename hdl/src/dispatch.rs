//! Runtime accumulator width and bank count → const-generic PE type.
//!
//! rust-hdl types carry their widths as const generics; the generator picks
//! them at run time, so every supported pair (accumulator bits, bank-index
//! bits) is instantiated once here.

/// Calls `$f::<PE type>($args...)` for the PE, accumulator width and bank
/// count of `$design`.
macro_rules! with_pe {
    ($design:expr, $f:ident $args:tt) => {
        with_pe!(@widths $design, $f, $args;
            9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32)
    };
    (@widths $design:expr, $f:ident, $args:tt; $($a:literal)*) => {{
        let d: &$crate::design::ArrayDesign = $design;
        match (d.pe(), d.acc_bits(), d.bank_bits()) {
            $( ($crate::design::RtlPe::Ternary, $a, 1) => $f::<$crate::pe::TernaryPe<$a, 1>> $args, )*
            $( ($crate::design::RtlPe::Ternary, $a, 2) => $f::<$crate::pe::TernaryPe<$a, 2>> $args, )*
            $( ($crate::design::RtlPe::Ternary, $a, 3) => $f::<$crate::pe::TernaryPe<$a, 3>> $args, )*
            // mac-int8 accumulators are at least 16 bits (ArrayConfig guarantees it).
            $( ($crate::design::RtlPe::MacInt8, $a, 1) if $a >= 16 => $f::<$crate::pe::MacInt8Pe<$a, 1>> $args, )*
            $( ($crate::design::RtlPe::MacInt8, $a, 2) if $a >= 16 => $f::<$crate::pe::MacInt8Pe<$a, 2>> $args, )*
            $( ($crate::design::RtlPe::MacInt8, $a, 3) if $a >= 16 => $f::<$crate::pe::MacInt8Pe<$a, 3>> $args, )*
            (pe, a, b) => unreachable!("ArrayDesign admitted {} with {a}-bit accumulators and {b}-bit bank indices", pe.name()),
        }
    }};
}
pub(crate) use with_pe;
