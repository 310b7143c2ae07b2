//! Runtime accumulator width → const-generic PE type.
//!
//! rust-hdl types carry their width as a const generic; the generator picks
//! the width at run time, so every supported width is instantiated once here.

/// Calls `$f::<PE type>($args...)` for the PE and accumulator width of `$design`.
macro_rules! with_pe {
    ($design:expr, $f:ident $args:tt) => {
        with_pe!(@widths $design, $f, $args;
            9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32)
    };
    (@widths $design:expr, $f:ident, $args:tt; $($a:literal)*) => {{
        let d: &$crate::design::ArrayDesign = $design;
        match (d.pe(), d.acc_bits()) {
            $( ($crate::design::RtlPe::Ternary, $a) => $f::<$crate::pe::TernaryPe<$a>> $args, )*
            // mac-int8 accumulators are at least 16 bits (ArrayConfig guarantees it).
            $( ($crate::design::RtlPe::MacInt8, $a) if $a >= 16 => $f::<$crate::pe::MacInt8Pe<$a>> $args, )*
            (pe, a) => unreachable!("ArrayDesign admitted {} with {a}-bit accumulators", pe.name()),
        }
    }};
}
pub(crate) use with_pe;
