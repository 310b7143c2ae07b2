//! Lossless ternary weight packings:
//!
//! - [`pack_code2`]: the hardware's 2-bit two's-complement code (`01` = +1,
//!   `11` = −1, `00` = 0), four trits per byte, trit `i` at bits `2i..2i+1`.
//! - [`pack_hf`]: HF transformers' `pack_weights` layout (notes:
//!   bitnet-models.md): stored shape `(⌈out/4⌉, in)`, byte `[r, c]` bits
//!   `2i..2i+1` hold `W[i·⌈out/4⌉ + r, c] + 1`; rows past `out` are zero bits,
//!   as `pack_weights` leaves them.
//! - [`pack_base3`]: five trits per byte (3⁵ = 243 ≤ 256, 1.6 bits/weight):
//!   byte = Σ_i (t_i + 1)·3^i, padding trits are 0.
//!
//! Every unpacker rejects codes no packer writes (including non-zero padding),
//! so `pack(unpack(b)) == b` whenever `unpack` succeeds.

use crate::error::{ReferenceError, Result};
use crate::trit::Trit;

/// Trits per byte in the 2-bit codes.
const PER_BYTE_2BIT: usize = 4;
/// Trits per byte in the base-3 packing.
const PER_BYTE_BASE3: usize = 5;
/// 3⁵: bytes at or above this are not base-3 packings of five trits.
const BASE3_LIMIT: u8 = 243;

/// Packs trits into the hardware's 2-bit code, four per byte (the last byte zero-padded).
pub fn pack_code2(trits: &[Trit]) -> Vec<u8> {
    trits
        .chunks(PER_BYTE_2BIT)
        .map(|c| {
            c.iter()
                .enumerate()
                .fold(0u8, |b, (i, t)| b | (t.code2() << (2 * i)))
        })
        .collect()
}

/// Unpacks `len` trits from [`pack_code2`] bytes.
pub fn unpack_code2(bytes: &[u8], len: usize) -> Result<Vec<Trit>> {
    expect_bytes("2-bit code", bytes.len(), len.div_ceil(PER_BYTE_2BIT))?;
    let mut out = Vec::with_capacity(len);
    for (j, &b) in bytes.iter().enumerate() {
        for i in 0..PER_BYTE_2BIT {
            let code = (b >> (2 * i)) & 0b11;
            let idx = j * PER_BYTE_2BIT + i;
            if idx >= len {
                if code != 0 {
                    return Err(ReferenceError::Pack(format!(
                        "2-bit code: padding bits {i} of byte {j} are {code:02b}, expected 00"
                    )));
                }
                continue;
            }
            out.push(Trit::from_code2(code).ok_or_else(|| {
                ReferenceError::Pack(format!(
                    "2-bit code: trit {idx} (byte {j}, bits {}..{}) has the invalid code 10",
                    2 * i,
                    2 * i + 1
                ))
            })?);
        }
    }
    Ok(out)
}

/// HF `pack_weights` code: the trit plus one (0 = −1, 1 = 0, 2 = +1).
fn hf_code(t: Trit) -> u8 {
    match t {
        Trit::Neg => 0,
        Trit::Zero => 1,
        Trit::Pos => 2,
    }
}

/// Packed rows of the HF layout for `out` weight rows.
pub fn hf_packed_rows(out: usize) -> usize {
    out.div_ceil(PER_BYTE_2BIT)
}

/// Packs a row-major `[out, inp]` trit matrix in HF transformers' `pack_weights`
/// layout: a row-major `[⌈out/4⌉, inp]` byte matrix. `out` need not be a
/// multiple of 4: like `pack_weights`, the missing rows are zero bits.
///
/// Panics if `trits.len() != out * inp`.
pub fn pack_hf(trits: &[Trit], out: usize, inp: usize) -> Vec<u8> {
    assert_eq!(trits.len(), out * inp, "trits must be [out, in]");
    let rows = hf_packed_rows(out);
    let mut packed = vec![0u8; rows * inp];
    for (w_row, row) in trits.chunks_exact(inp.max(1)).enumerate() {
        let (i, r) = (w_row / rows, w_row % rows);
        for (c, &t) in row.iter().enumerate() {
            packed[r * inp + c] |= hf_code(t) << (2 * i);
        }
    }
    packed
}

/// Unpacks [`pack_hf`] bytes back to a row-major `[out, inp]` trit matrix.
pub fn unpack_hf(packed: &[u8], out: usize, inp: usize) -> Result<Vec<Trit>> {
    let rows = hf_packed_rows(out);
    expect_bytes("HF pack_weights", packed.len(), rows * inp)?;
    let mut trits = Vec::with_capacity(out * inp);
    for w_row in 0..out {
        let (i, r) = (w_row / rows, w_row % rows);
        for c in 0..inp {
            let code = (packed[r * inp + c] >> (2 * i)) & 0b11;
            trits.push(match code {
                0 => Trit::Neg,
                1 => Trit::Zero,
                2 => Trit::Pos,
                _ => {
                    return Err(ReferenceError::Pack(format!(
                        "HF pack_weights: weight [{w_row}, {c}] has the invalid code 3"
                    )))
                }
            });
        }
    }
    // Bit groups past the last weight row must be zero, as pack_weights leaves them.
    for slot in out..rows * PER_BYTE_2BIT {
        let (i, r) = (slot / rows, slot % rows);
        for c in 0..inp {
            if (packed[r * inp + c] >> (2 * i)) & 0b11 != 0 {
                return Err(ReferenceError::Pack(format!(
                    "HF pack_weights: padding bits {}..{} of byte [{r}, {c}] are not zero",
                    2 * i,
                    2 * i + 1
                )));
            }
        }
    }
    Ok(trits)
}

/// Packs trits five per byte in base 3 (1.6 bits/weight), first trit least significant.
pub fn pack_base3(trits: &[Trit]) -> Vec<u8> {
    trits
        .chunks(PER_BYTE_BASE3)
        .map(|c| {
            // Missing trailing trits pad as 0 (digit 1).
            (0..PER_BYTE_BASE3).rev().fold(0u8, |b, i| {
                let digit = c.get(i).map_or(1, |&t| hf_code(t));
                b * 3 + digit
            })
        })
        .collect()
}

/// Unpacks `len` trits from [`pack_base3`] bytes.
pub fn unpack_base3(bytes: &[u8], len: usize) -> Result<Vec<Trit>> {
    expect_bytes("base-3", bytes.len(), len.div_ceil(PER_BYTE_BASE3))?;
    let mut out = Vec::with_capacity(len);
    for (j, &b) in bytes.iter().enumerate() {
        if b >= BASE3_LIMIT {
            return Err(ReferenceError::Pack(format!(
                "base-3: byte {j} is {b}, above the largest code 242"
            )));
        }
        let mut v = b;
        for i in 0..PER_BYTE_BASE3 {
            let t = match v % 3 {
                0 => Trit::Neg,
                1 => Trit::Zero,
                _ => Trit::Pos,
            };
            v /= 3;
            let idx = j * PER_BYTE_BASE3 + i;
            if idx < len {
                out.push(t);
            } else if t != Trit::Zero {
                return Err(ReferenceError::Pack(format!(
                    "base-3: padding trit {i} of byte {j} is {}, expected 0",
                    t.to_i8()
                )));
            }
        }
    }
    Ok(out)
}

fn expect_bytes(format: &str, found: usize, expected: usize) -> Result<()> {
    if found != expected {
        return Err(ReferenceError::Pack(format!(
            "{format}: {found} bytes, expected {expected}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use Trit::{Neg as N, Pos as P, Zero as Z};

    fn trits(max: usize) -> impl Strategy<Value = Vec<Trit>> {
        proptest::collection::vec(proptest::sample::select(Trit::ALL.to_vec()), 0..max)
    }

    #[test]
    fn code2_hand_packed() {
        // [+1, −1, 0, +1] → 01 | 11<<2 | 00<<4 | 01<<6 = 0b01_00_11_01; then [−1] → 0b11.
        assert_eq!(pack_code2(&[P, N, Z, P, N]), vec![0b0100_1101, 0b0000_0011]);
        assert!(unpack_code2(&[0b10], 1).is_err());
        assert!(unpack_code2(&[0b0100], 1).is_err(), "non-zero padding");
        assert!(unpack_code2(&[0, 0], 4).is_err(), "wrong length");
    }

    #[test]
    fn hf_hand_packed() {
        // out = 4, in = 2: rows = 1, byte [0, c] holds W[0..4, c] + 1 at bits 0, 2, 4, 6.
        let w = [P, N, Z, Z, N, P, P, N];
        // Column 0: W[.,0] = [+1, 0, −1, +1] → codes [2, 1, 0, 2] → 2 | 1<<2 | 0<<4 | 2<<6.
        // Column 1: W[.,1] = [−1, 0, +1, −1] → codes [0, 1, 2, 0] → 0 | 1<<2 | 2<<4 | 0.
        assert_eq!(pack_hf(&w, 4, 2), vec![2 | 4 | 128, 4 | 32]);
        // out = 5: rows = 2; byte row 0 holds W[0], W[2], W[4] (codes 2, 0, 0), byte row 1
        // holds W[1], W[3] (codes 1, 2); bits 4..7 of byte row 1 are padding and stay 0.
        let w5 = [P, Z, N, P, N];
        assert_eq!(pack_hf(&w5, 5, 1), vec![0b00_00_10, 0b10_01]);
        assert_eq!(unpack_hf(&pack_hf(&w5, 5, 1), 5, 1).unwrap(), w5);
        assert!(
            unpack_hf(&[2, 1 | 2 << 2 | 1 << 4], 5, 1).is_err(),
            "non-zero padding"
        );
        assert!(unpack_hf(&[3], 1, 1).is_err(), "code 3");
    }

    #[test]
    fn base3_hand_packed() {
        // [+1, −1, 0, 0, +1] → digits [2, 0, 1, 1, 2] → 2 + 0 + 9 + 27 + 162 = 200.
        // [−1] padded with zeros → digits [0, 1, 1, 1, 1] → 3 + 9 + 27 + 81 = 120.
        assert_eq!(pack_base3(&[P, N, Z, Z, P, N]), vec![200, 120]);
        assert!(unpack_base3(&[243], 5).is_err());
        assert!(unpack_base3(&[0], 1).is_err(), "padding trits of −1");
    }

    proptest! {
        #[test]
        fn code2_round_trips(t in trits(100)) {
            let b = pack_code2(&t);
            prop_assert_eq!(b.len(), t.len().div_ceil(4));
            prop_assert_eq!(unpack_code2(&b, t.len()).unwrap(), t);
        }

        #[test]
        fn base3_round_trips(t in trits(100)) {
            let b = pack_base3(&t);
            prop_assert_eq!(b.len(), t.len().div_ceil(5));
            prop_assert_eq!(unpack_base3(&b, t.len()).unwrap(), t);
        }

        #[test]
        fn hf_round_trips(
            (out, inp, t) in (1usize..13, 1usize..9).prop_flat_map(|(o, i)| {
                (Just(o), Just(i), proptest::collection::vec(
                    proptest::sample::select(Trit::ALL.to_vec()), o * i))
            })
        ) {
            let b = pack_hf(&t, out, inp);
            prop_assert_eq!(b.len(), out.div_ceil(4) * inp);
            prop_assert_eq!(unpack_hf(&b, out, inp).unwrap(), t);
        }

        #[test]
        fn valid_bytes_repack_identically(b in proptest::collection::vec(any::<u8>(), 0..20)) {
            // Any byte string an unpacker accepts is exactly what the packer writes.
            let len = b.len() * 4;
            if let Ok(t) = unpack_code2(&b, len) { prop_assert_eq!(pack_code2(&t), b.clone()); }
            let len = b.len() * 5;
            if let Ok(t) = unpack_base3(&b, len) { prop_assert_eq!(pack_base3(&t), b); }
        }
    }
}
