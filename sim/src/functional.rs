//! Functional mode: the values the array computes, register by register.
//!
//! [`run_tile`] steps one tile edge by edge: weight beats, the input skew
//! (row `r` sees a token `r` edges after it is accepted), activations moving
//! right and partial sums moving down through `acc_bits`-wide PE registers,
//! the output deskew (column `c` delayed `C−1−c` edges) and the output
//! register — so it yields both the i32 results and the cycle count of the
//! tile contract. [`gemm`] folds tiles over K and N with 32-bit accumulation in
//! the output buffer, in the simulator's loop order; it equals
//! `tritone_reference::ternary_matmul` (or `int8_matmul`) bit for bit.

use crate::array_model::{ArrayStepper, ArrayStructure, PeModel};
use crate::config::{ArrayConfig, PeKind};
use crate::error::SimError;
use crate::gemm::GemmShape;
use crate::pe::FunctionalPe;
use tritone_reference::Trit;

/// Weights of a GEMM in the reference's `[N, K]` row-major layout.
#[derive(Clone, Copy, Debug)]
pub enum WeightMatrix<'a> {
    /// Ternary weights, stored as trits (a checkpoint's unpacked layer).
    Ternary(&'a [Trit]),
    /// Weights stored as integers, for any PE that holds them (the PE's
    /// functional model checks each value).
    Int8(&'a [i8]),
}

impl WeightMatrix<'_> {
    /// Number of weights.
    pub fn len(&self) -> usize {
        match self {
            WeightMatrix::Ternary(w) => w.len(),
            WeightMatrix::Int8(w) => w.len(),
        }
    }

    /// Whether there are no weights.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Weight `i` (row-major `[N, K]`) as an integer.
    pub fn get(&self, i: usize) -> i8 {
        match self {
            WeightMatrix::Ternary(w) => w[i].to_i8(),
            WeightMatrix::Int8(w) => w[i],
        }
    }

    /// Zero weights.
    pub fn zeros(&self) -> u64 {
        (0..self.len()).filter(|&i| self.get(i) == 0).count() as u64
    }
}

/// How a fold's values are computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fidelity {
    /// Step every register edge by edge ([`run_tile`]).
    Registers,
    /// Each column's sum in the array's row order with the same `acc_bits`
    /// wrap-around: the same values without stepping (tested equal).
    Dataflow,
}

/// The result of one tile stepped edge by edge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TileRun {
    /// Outputs `[M, cols]` as the output register holds them.
    pub y: Vec<i32>,
    /// Cycles from the first weight beat to the last valid output, inclusive.
    pub cycles: u64,
}

/// Two's-complement wrap of `v` to `bits` bits (what an adder of that width keeps).
fn wrap(v: i64, bits: u32) -> i64 {
    let sh = 64 - bits;
    (v << sh) >> sh
}

/// One PE operation (the kind's own, e.g. add, subtract or skip for the
/// ternary PE) with the accumulator's wrap-around.
#[inline]
fn pe_op(pe: &dyn FunctionalPe, acc: i64, w: i8, x: i8, bits: u32) -> i64 {
    wrap(pe.mac(acc, w, x), bits)
}

/// The functional model of `cfg`'s PE kind, or why it has none.
fn check_pe(cfg: &ArrayConfig) -> Result<&'static dyn FunctionalPe, SimError> {
    cfg.pe().implementation().functional().ok_or_else(|| {
        SimError::Functional(format!(
            "the {} PE has timing and energy only, no functional model",
            cfg.pe().name()
        ))
    })
}

/// Steps one tile: `w` is `[rows][cols]` (row-major, `rows ≤ R`, `cols ≤ C`;
/// the rest of the array holds zero weights and sees zero activations), `x`
/// is `[M][rows]`.
pub fn run_tile(
    cfg: &ArrayConfig,
    w: &[i8],
    rows: usize,
    cols: usize,
    x: &[i8],
) -> Result<TileRun, SimError> {
    let pe = check_pe(cfg)?;
    let (r_n, c_n) = (cfg.rows() as usize, cfg.cols() as usize);
    if rows == 0 || cols == 0 || rows > r_n || cols > c_n || w.len() != rows * cols {
        return Err(SimError::Functional(format!(
            "tile weights must be rows × cols with 1 ≤ rows ≤ {r_n}, 1 ≤ cols ≤ {c_n} (got {rows}×{cols}, {} values)",
            w.len()
        )));
    }
    if x.is_empty() || !x.len().is_multiple_of(rows) {
        return Err(SimError::Functional(format!(
            "tile activations must be M × {rows} with M ≥ 1"
        )));
    }
    if w.iter().any(|&v| !pe.accepts(v)) {
        return Err(SimError::Functional(format!(
            "a {} array takes {} only",
            cfg.pe().name(),
            pe.weights()
        )));
    }
    let m = x.len() / rows;
    let s = ArrayStructure::of(cfg);
    let pes = (0..r_n * c_n)
        .map(|_| PeState::new(pe, cfg.acc_bits(), s.banks))
        .collect();
    let mut array = ArrayStepper::new(s, pes);
    let lanes_per_beat = cfg.weight_rows_per_cycle() as usize * c_n;
    let beats = cfg.weight_beats() as usize;
    let mut y = vec![0i32; m * cols];
    let (mut seen, mut e) = (0usize, 0usize);
    let mut cycles = 0;
    // Weight beats at edges 0 .. B−1 (beat b carries rows b·L …, zero past
    // the tile), then the M tokens back to back, then until the last output.
    while seen < m {
        let beat: Option<Vec<u64>> = (e < beats).then(|| {
            (0..lanes_per_beat)
                .map(|lane| {
                    let (r, c) = (e * (lanes_per_beat / c_n) + lane / c_n, lane % c_n);
                    if r < rows && c < cols {
                        w[r * cols + c] as u8 as u64
                    } else {
                        0
                    }
                })
                .collect()
        });
        let t = e.wrapping_sub(beats);
        let token: Option<Vec<u64>> = (e >= beats && t < m).then(|| {
            (0..r_n)
                .map(|r| {
                    if r < rows {
                        x[t * rows + r] as u8 as u64
                    } else {
                        0
                    }
                })
                .collect()
        });
        if let Some(out) = array
            .edge(beat.as_deref(), token.as_deref())
            .map_err(SimError::Functional)?
        {
            for c in 0..cols {
                y[seen * cols + c] = signed(out[c], cfg.acc_bits()) as i32;
            }
            seen += 1;
            cycles = e as u64 + 1;
        }
        e += 1;
    }
    Ok(TileRun { y, cycles })
}

/// The low `bits` bits of `v` read as a signed number.
fn signed(v: u64, bits: u32) -> i64 {
    wrap(v as i64, bits)
}

/// A PE's registers stepped with its kind's arithmetic: what
/// [`ArrayStepper`] drives in the functional model.
struct PeState<'a> {
    op: &'a dyn FunctionalPe,
    bits: u32,
    a: u64,
    bank: u64,
    p: u64,
    w: Vec<i8>,
}

impl<'a> PeState<'a> {
    fn new(op: &'a dyn FunctionalPe, bits: u32, banks: usize) -> Self {
        PeState {
            op,
            bits,
            a: 0,
            bank: 0,
            p: 0,
            w: vec![0; banks],
        }
    }
}

impl PeModel for PeState<'_> {
    fn edge(
        &mut self,
        a_in: u64,
        bank_in: u64,
        p_in: u64,
        w: u64,
        w_en: bool,
        w_bank: u64,
    ) -> Result<(), String> {
        let weight = self.w[bank_in as usize];
        let sum = pe_op(
            self.op,
            signed(p_in, self.bits),
            weight,
            a_in as u8 as i8,
            self.bits,
        );
        self.p = sum as u64 & (u64::MAX >> (64 - self.bits));
        if w_en {
            self.w[w_bank as usize] = w as u8 as i8;
        }
        self.a = a_in;
        self.bank = bank_in;
        Ok(())
    }

    fn outputs(&self) -> (u64, u64, u64) {
        (self.a, self.bank, self.p)
    }
}

/// The fold result without stepping: each column's sum in row order, with the
/// PE accumulator's wrap-around.
fn fold_dataflow(
    pe: &dyn FunctionalPe,
    bits: u32,
    w: &[i8],
    rows: usize,
    cols: usize,
    x: &[i8],
) -> Vec<i32> {
    let m = x.len() / rows;
    let mut y = vec![0i32; m * cols];
    for i in 0..m {
        for c in 0..cols {
            let mut acc = 0i64;
            for r in 0..rows {
                acc = pe_op(pe, acc, w[r * cols + c], x[i * rows + r], bits);
            }
            y[i * cols + c] = acc as i32;
        }
    }
    y
}

/// Result of a functional GEMM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionalGemm {
    /// `Y = X · Wᵀ` as `[M, N]` i32, as the output buffer holds it.
    pub y: Vec<i32>,
    /// Zero weights in W.
    pub zero_weights: u64,
}

/// Computes `Y[M×N] = X[M×K] · W[N×K]ᵀ` through the array, fold by fold in the
/// simulator's loop order (N-block, then K-block), accumulating K-blocks in
/// 32-bit output-buffer words.
pub fn gemm(
    cfg: &ArrayConfig,
    shape: &GemmShape,
    x: &[i8],
    w: WeightMatrix<'_>,
    fidelity: Fidelity,
) -> Result<FunctionalGemm, SimError> {
    gemm_with_width(cfg, cfg.acc_bits(), shape, x, w, fidelity)
}

fn gemm_with_width(
    cfg: &ArrayConfig,
    acc_bits: u32,
    shape: &GemmShape,
    x: &[i8],
    w: WeightMatrix<'_>,
    fidelity: Fidelity,
) -> Result<FunctionalGemm, SimError> {
    let pe = check_pe(cfg)?;
    shape.validate()?;
    let (m, k, n) = (shape.m as usize, shape.k as usize, shape.n as usize);
    if x.len() != m * k || w.len() != n * k {
        return Err(SimError::Functional(format!(
            "operands do not match M={m}, K={k}, N={n}: X has {} values (needs {}), W has {} (needs {})",
            x.len(),
            m * k,
            w.len(),
            n * k
        )));
    }
    if (0..w.len()).any(|i| !pe.accepts(w.get(i))) {
        return Err(SimError::Functional(format!(
            "a {} array needs {}",
            cfg.pe().name(),
            pe.weights()
        )));
    }
    let (r_n, c_n) = (cfg.rows() as usize, cfg.cols() as usize);
    let mut y = vec![0i32; m * n];
    for n0 in (0..n).step_by(c_n) {
        let cols = c_n.min(n - n0);
        for k0 in (0..k).step_by(r_n) {
            let rows = r_n.min(k - k0);
            // The tile as the array holds it: row = input feature, column = output.
            let mut wt = vec![0i8; rows * cols];
            for r in 0..rows {
                for c in 0..cols {
                    wt[r * cols + c] = w.get((n0 + c) * k + k0 + r);
                }
            }
            let mut xs = vec![0i8; m * rows];
            for i in 0..m {
                xs[i * rows..(i + 1) * rows].copy_from_slice(&x[i * k + k0..i * k + k0 + rows]);
            }
            let part = match fidelity {
                Fidelity::Registers => run_tile(cfg, &wt, rows, cols, &xs)?.y,
                Fidelity::Dataflow => fold_dataflow(pe, acc_bits, &wt, rows, cols, &xs),
            };
            for i in 0..m {
                for c in 0..cols {
                    let o = &mut y[i * n + n0 + c];
                    *o = o.wrapping_add(part[i * cols + c]);
                }
            }
        }
    }
    Ok(FunctionalGemm {
        y,
        zero_weights: w.zeros(),
    })
}

// ---- A deliberately narrow accumulator (what-if studies) ----
//
// `ArrayConfig` refuses an accumulator below the overflow-free minimum, as a
// design must. To show what such a design would do to a model's outputs,
// `tritone run --array --acc-bits 12` builds the functional model with the
// narrow width on purpose; only the values change (two's-complement wrap in
// every PE), so only `Fidelity::Dataflow` is offered.

/// An accumulator width chosen on purpose, possibly below
/// [`Pe::min_acc_bits`](crate::pe::Pe::min_acc_bits): the PE adders wrap at this width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NarrowAccumulator(u32);

impl NarrowAccumulator {
    /// A width of 2 to 32 bits (the output buffer holds 32-bit words).
    pub fn new(bits: u32) -> Result<Self, SimError> {
        if !(2..=32).contains(&bits) {
            return Err(SimError::Functional(format!(
                "accumulator width {bits} bits: must be between 2 and 32"
            )));
        }
        Ok(NarrowAccumulator(bits))
    }

    /// The width in bits.
    pub fn bits(self) -> u32 {
        self.0
    }
}

/// [`gemm`] with `Fidelity::Dataflow` and the accumulator width `acc`
/// instead of `cfg.acc_bits()`: every column sum of a fold wraps to `acc`
/// bits, and K-folds add in 32-bit output-buffer words as in [`gemm`].
pub fn gemm_narrow(
    cfg: &ArrayConfig,
    acc: NarrowAccumulator,
    shape: &GemmShape,
    x: &[i8],
    w: WeightMatrix<'_>,
) -> Result<FunctionalGemm, SimError> {
    gemm_with_width(cfg, acc.bits(), shape, x, w, Fidelity::Dataflow)
}

/// Seeded operands for a functional run: uniform INT8 activations and
/// uniform weights of the PE kind (ternary: −1, 0, +1 each with probability
/// 1/3; INT8, and kinds without a functional model: uniform INT8).
pub fn random_operands(pe: PeKind, shape: &GemmShape, seed: u64) -> (Vec<i8>, Vec<i8>) {
    let ops = pe.functional();
    let mut s = seed;
    // SplitMix64: tiny, seedable and identical on every platform.
    let mut next = move || {
        s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let x = (0..shape.m * shape.k).map(|_| next() as i8).collect();
    let w = (0..shape.n * shape.k)
        .map(|_| {
            let r = next();
            ops.map_or(r as i8, |f| f.random_weight(r))
        })
        .collect();
    (x, w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ArraySpec;
    use crate::tile::schedule;
    use proptest::prelude::*;
    use tritone_reference::{int8_matmul, ternary_matmul};

    fn cfg(r: u32, c: u32, l: u32, pe: PeKind) -> ArrayConfig {
        ArrayConfig::new(ArraySpec {
            rows: Some(r),
            cols: Some(c),
            weight_rows_per_cycle: Some(l.min(r)),
            pe: Some(pe),
            ..Default::default()
        })
        .unwrap()
    }

    fn trits(w: &[i8]) -> Vec<Trit> {
        w.iter().map(|&v| Trit::from_i8(v).unwrap()).collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(120))]
        /// Register stepping gives the contract's cycle count and the dot products.
        #[test]
        fn stepped_tile_matches_contract_and_reference(
            r in 1u32..10, c in 1u32..10, l in 1u32..10, m in 1u64..12, seed: u64,
        ) {
            let cfg = cfg(r, c, l, PeKind::Ternary);
            let shape = GemmShape { m, k: r as u64, n: c as u64 };
            let (x, w) = random_operands(PeKind::Ternary, &shape, seed);
            // Tile layout [r][c] from the reference's [n][k].
            let wt: Vec<i8> = (0..r as usize).flat_map(|k| (0..c as usize).map(move |n| (k, n)))
                .map(|(k, n)| w[n * r as usize + k]).collect();
            let run = run_tile(&cfg, &wt, r as usize, c as usize, &x).unwrap();
            prop_assert_eq!(run.cycles, schedule(&cfg, &[m]).total_cycles());
            prop_assert_eq!(run.y, ternary_matmul(&x, &trits(&w), m as usize, r as usize, c as usize));
        }

        /// Folded GEMMs (partial edge tiles included) equal the reference bit for bit.
        #[test]
        fn folded_gemm_is_bit_exact(
            r in 1u32..9, c in 1u32..9, m in 1u64..7, k in 1u64..30, n in 1u64..30, seed: u64, int8: bool,
        ) {
            let pe = if int8 { PeKind::MacInt8 } else { PeKind::Ternary };
            let cfg = cfg(r, c, 1, pe);
            let shape = GemmShape { m, k, n };
            let (x, w) = random_operands(pe, &shape, seed);
            let t = trits(&w.iter().map(|&v| if int8 { 0 } else { v }).collect::<Vec<_>>());
            let wm = if int8 { WeightMatrix::Int8(&w) } else { WeightMatrix::Ternary(&t) };
            let reference = if int8 {
                int8_matmul(&x, &w, m as usize, k as usize, n as usize)
            } else {
                ternary_matmul(&x, &t, m as usize, k as usize, n as usize)
            };
            let stepped = gemm(&cfg, &shape, &x, wm, Fidelity::Registers).unwrap();
            let fast = gemm(&cfg, &shape, &x, wm, Fidelity::Dataflow).unwrap();
            prop_assert_eq!(&stepped.y, &reference);
            prop_assert_eq!(&fast.y, &reference);
        }
    }

    #[test]
    fn corners_saturate_nothing() {
        // All −128 activations against all −1 weights: the largest sums a
        // minimum-width accumulator must hold.
        for (r, c) in [(1, 1), (8, 3), (16, 16)] {
            let cfg = cfg(r, c, 1, PeKind::Ternary);
            let shape = GemmShape { m: 3, k: 40, n: 5 };
            let x = vec![-128i8; 120];
            for v in [-1i8, 1] {
                let t = vec![Trit::from_i8(v).unwrap(); 200];
                let got = gemm(
                    &cfg,
                    &shape,
                    &x,
                    WeightMatrix::Ternary(&t),
                    Fidelity::Registers,
                )
                .unwrap();
                assert_eq!(got.y, ternary_matmul(&x, &t, 3, 40, 5));
            }
        }
    }

    #[test]
    fn a_narrow_accumulator_wraps_and_the_full_width_does_not() {
        // 4 rows of 127 · (+1) = 508 per fold: 508 needs 10 bits; at 9 bits it
        // wraps to 508 − 512 = −4. K = 8 is two folds: −8 in the output buffer.
        let c = cfg(4, 2, 1, PeKind::Ternary);
        let shape = GemmShape { m: 1, k: 8, n: 1 };
        let t = vec![Trit::Pos; 8];
        let x = vec![127i8; 8];
        let wide = gemm_narrow(
            &c,
            NarrowAccumulator::new(c.acc_bits()).unwrap(),
            &shape,
            &x,
            WeightMatrix::Ternary(&t),
        )
        .unwrap();
        assert_eq!(wide.y, vec![1016]);
        let narrow = gemm_narrow(
            &c,
            NarrowAccumulator::new(9).unwrap(),
            &shape,
            &x,
            WeightMatrix::Ternary(&t),
        )
        .unwrap();
        assert_eq!(narrow.y, vec![-8]);
        assert!(NarrowAccumulator::new(1).is_err() && NarrowAccumulator::new(33).is_err());
    }

    #[test]
    fn refuses_mismatched_operands() {
        let c = cfg(4, 4, 1, PeKind::Ternary);
        let shape = GemmShape { m: 2, k: 3, n: 2 };
        let t = vec![Trit::Zero; 6];
        assert!(gemm(
            &c,
            &shape,
            &[0; 5],
            WeightMatrix::Ternary(&t),
            Fidelity::Dataflow
        )
        .is_err());
        assert!(gemm(
            &c,
            &shape,
            &[0; 6],
            WeightMatrix::Int8(&[2; 6]),
            Fidelity::Dataflow
        )
        .is_err());
        let f = cfg(4, 4, 1, PeKind::MacFp16);
        assert!(gemm(
            &f,
            &shape,
            &[0; 6],
            WeightMatrix::Ternary(&t),
            Fidelity::Dataflow
        )
        .is_err());
        assert!(run_tile(&c, &[2, 0, 0, 0], 2, 2, &[1, 1]).is_err());
    }
}
