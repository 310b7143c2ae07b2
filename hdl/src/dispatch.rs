//! Runtime PE kind, accumulator width and bank count → const-generic PE type.
//!
//! rust-hdl types carry their widths as const generics; the generator picks
//! them at run time, so every registered block (`pe::rtl_pe_kinds!`) is
//! instantiated once per supported pair (accumulator bits, bank-index bits).

/// Calls `$f::<PE type>($args...)` for the PE, accumulator width and bank
/// count of `$design`.
macro_rules! with_pe {
    ((@kinds $design:expr, $f:ident, $args:tt); $($kind:ident => $block:ident),+) => {{
        let d: &$crate::design::ArrayDesign = $design;
        match d.pe() {
            $( tritone_sim::PeKind::$kind => with_pe!(@widths d, $kind, $block, $f, $args;
                9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32), )+
            #[allow(unreachable_patterns)]
            pe => unreachable!("ArrayDesign admitted the {} PE, which has no block", pe.name()),
        }
    }};
    (@widths $d:ident, $kind:ident, $block:ident, $f:ident, $args:tt; $($a:literal)*) => {{
        // Widths below the kind's narrowest accumulator for one row are never
        // admitted (ArrayConfig guarantees it); the guard keeps them out.
        let min = tritone_sim::PeKind::$kind.min_acc_bits(1);
        match ($d.acc_bits(), $d.bank_bits()) {
            $( ($a, 1) if $a >= min => $f::<$crate::pe::$block<$a, 1>> $args, )*
            $( ($a, 2) if $a >= min => $f::<$crate::pe::$block<$a, 2>> $args, )*
            $( ($a, 3) if $a >= min => $f::<$crate::pe::$block<$a, 3>> $args, )*
            (a, b) => unreachable!(
                "ArrayDesign admitted {} with {a}-bit accumulators and {b}-bit bank indices",
                $d.pe().name()
            ),
        }
    }};
    ($design:expr, $f:ident $args:tt) => {
        $crate::pe::rtl_pe_kinds!(with_pe! (@kinds $design, $f, $args))
    };
}
pub(crate) use with_pe;
