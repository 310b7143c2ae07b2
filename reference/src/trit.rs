//! The ternary weight value and its 2-bit hardware code.

use serde::{Deserialize, Serialize};

/// A ternary weight: −1, 0 or +1.
///
/// The ternary datapath never multiplies: a `Trit` selects whether an
/// activation is added, subtracted or skipped ([`Trit::apply`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Trit {
    /// −1: subtract the activation.
    Neg,
    /// 0: skip the activation.
    Zero,
    /// +1: add the activation.
    Pos,
}

impl Trit {
    /// All three values, in ascending order.
    pub const ALL: [Trit; 3] = [Trit::Neg, Trit::Zero, Trit::Pos];

    /// The value as a small signed integer (for reports and interchange, never for arithmetic).
    pub const fn to_i8(self) -> i8 {
        match self {
            Trit::Neg => -1,
            Trit::Zero => 0,
            Trit::Pos => 1,
        }
    }

    /// Converts −1, 0 or +1; anything else is `None`.
    pub const fn from_i8(v: i8) -> Option<Trit> {
        match v {
            -1 => Some(Trit::Neg),
            0 => Some(Trit::Zero),
            1 => Some(Trit::Pos),
            _ => None,
        }
    }

    /// The hardware's 2-bit two's-complement code: `01` = +1, `11` = −1, `00` = 0.
    pub const fn code2(self) -> u8 {
        match self {
            Trit::Neg => 0b11,
            Trit::Zero => 0b00,
            Trit::Pos => 0b01,
        }
    }

    /// Decodes a 2-bit hardware code; `10` is not a valid code.
    pub const fn from_code2(code: u8) -> Option<Trit> {
        match code {
            0b11 => Some(Trit::Neg),
            0b00 => Some(Trit::Zero),
            0b01 => Some(Trit::Pos),
            _ => None,
        }
    }

    /// Adds, subtracts or skips `x` into `acc`: the only arithmetic a ternary PE does.
    #[inline]
    pub fn apply(self, acc: i32, x: i32) -> i32 {
        match self {
            Trit::Pos => acc + x,
            Trit::Neg => acc - x,
            Trit::Zero => acc,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for t in Trit::ALL {
            assert_eq!(Trit::from_code2(t.code2()), Some(t));
            assert_eq!(Trit::from_i8(t.to_i8()), Some(t));
        }
        assert_eq!(Trit::from_code2(0b10), None);
        assert_eq!(Trit::from_i8(2), None);
    }

    #[test]
    fn apply_adds_subtracts_or_skips() {
        assert_eq!(Trit::Pos.apply(10, -3), 7);
        assert_eq!(Trit::Neg.apply(10, -3), 13);
        assert_eq!(Trit::Zero.apply(10, -3), 10);
    }
}
