//! Integer matrix products: the add-only ternary product and the INT8 MAC
//! baseline. Layouts follow PyTorch's `nn.Linear`: activations `x` are
//! `[M, K]` row-major, weights `w` are `[N, K]` row-major, results `[M, N]`.
//!
//! The ternary kernel never multiplies. Each trit becomes two select masks
//! (all-ones where it is +1, resp. −1), and every term is `acc += x & pos;
//! acc -= x & neg`: the adder/subtractor and operand gating of a ternary PE,
//! written so the compiler can vectorize it.

use rayon::prelude::*;

use crate::trit::Trit;

/// i16 lanes per accumulator vector.
const LANES: usize = 16;
/// K elements summed in i16 lanes before widening to i32: each lane then sums
/// at most 2048 / 16 = 128 terms of |x| ≤ 128, so |lane| ≤ 16384 < i16::MAX.
const K_CHUNK: usize = 2048;
/// Tokens processed against one weight row while it is hot in cache.
const M_BLOCK: usize = 32;
/// Weight rows per parallel tile, so that even one token (decode) spreads
/// over all cores.
const N_BLOCK: usize = 256;

/// One weight row as add/subtract select masks (0 or −1 = all ones).
#[derive(Clone, Debug, PartialEq)]
struct SelectMasks {
    pos: Vec<i8>,
    neg: Vec<i8>,
}

impl SelectMasks {
    fn new(w: &[Trit]) -> Self {
        let (pos, neg) = w
            .iter()
            .map(|t| match t {
                Trit::Pos => (-1i8, 0i8),
                Trit::Neg => (0, -1),
                Trit::Zero => (0, 0),
            })
            .unzip();
        SelectMasks { pos, neg }
    }
}

/// Σ_k (x & pos) − (x & neg): additions and subtractions of gated activations.
#[inline(always)]
fn masked_dot(x: &[i8], pos: &[i8], neg: &[i8]) -> i32 {
    let mut total = 0i32;
    for ((xc, pc), nc) in x
        .chunks(K_CHUNK)
        .zip(pos.chunks(K_CHUNK))
        .zip(neg.chunks(K_CHUNK))
    {
        let mut lanes = [0i16; LANES];
        let body = xc.len() / LANES * LANES;
        for j in (0..body).step_by(LANES) {
            let xv: &[i8; LANES] = xc[j..j + LANES].try_into().expect("LANES wide");
            let pv: &[i8; LANES] = pc[j..j + LANES].try_into().expect("LANES wide");
            let nv: &[i8; LANES] = nc[j..j + LANES].try_into().expect("LANES wide");
            for l in 0..LANES {
                // Wrapping ops only so overflow checks do not block vectorization:
                // the K_CHUNK bound keeps every lane in range.
                // The gated i8 values widen to the i16 lanes.
                lanes[l] = lanes[l]
                    .wrapping_add((xv[l] & pv[l]) as i16)
                    .wrapping_sub((xv[l] & nv[l]) as i16);
            }
        }
        for j in body..xc.len() {
            lanes[0] = lanes[0]
                .wrapping_add((xc[j] & pc[j]) as i16)
                .wrapping_sub((xc[j] & nc[j]) as i16);
        }
        total += lanes.iter().map(|&v| v as i32).sum::<i32>();
    }
    total
}

/// The signature of [`masked_dot`]: token row, +1 masks, −1 masks.
type DotFn = fn(&[i8], &[i8], &[i8]) -> i32;

/// The same loop compiled for AVX2 (16 i16 lanes per instruction).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn masked_dot_avx2(x: &[i8], pos: &[i8], neg: &[i8]) -> i32 {
    masked_dot(x, pos, neg)
}

/// The fastest build of [`masked_dot`] this CPU runs; every build computes
/// the same integers.
fn dot_for_cpu() -> DotFn {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 support was just detected at run time.
        return |x, p, n| unsafe { masked_dot_avx2(x, p, n) };
    }
    masked_dot
}

/// A ternary matrix `[n, k]` turned into the kernel's select masks once, so
/// that repeated products (a model's decode steps) do not rebuild them.
/// Holds 2 bytes per weight.
#[derive(Clone, Debug, PartialEq)]
pub struct PreparedTernary {
    masks: Vec<SelectMasks>,
    n: usize,
    k: usize,
}

impl PreparedTernary {
    /// Prepares row-major `[n, k]` trits.
    ///
    /// Panics if `w.len() != n * k`.
    pub fn new(w: &[Trit], n: usize, k: usize) -> PreparedTernary {
        assert_eq!(w.len(), n * k, "w must be [N, K]");
        let masks = if k == 0 {
            Vec::new()
        } else {
            w.par_chunks(k).map(SelectMasks::new).collect()
        };
        PreparedTernary { masks, n, k }
    }
}

/// `acc[m][n] = Σ_k x[m][k] · w[n][k]`, computed with additions and
/// subtractions only (trits select add, subtract or skip): there is no
/// multiplication here. Parallel over tiles of tokens × weight rows; the
/// result does not depend on the thread count (integer sums are exact).
///
/// Panics if the slice lengths do not match the shape.
pub fn ternary_matmul(x: &[i8], w: &[Trit], m: usize, k: usize, n: usize) -> Vec<i32> {
    ternary_matmul_prepared(x, &PreparedTernary::new(w, n, k), m)
}

/// [`ternary_matmul`] with the weights prepared once.
///
/// Panics if `x` is not `[m, w.k]`.
pub fn ternary_matmul_prepared(x: &[i8], w: &PreparedTernary, m: usize) -> Vec<i32> {
    let (k, n) = (w.k, w.n);
    assert_eq!(x.len(), m * k, "x must be [M, K]");
    let mut acc = vec![0i32; m * n];
    if m == 0 || n == 0 || k == 0 {
        return acc;
    }
    let masks = &w.masks;
    let dot = dot_for_cpu();
    let n_blocks = n.div_ceil(N_BLOCK);
    let tiles: Vec<(usize, usize, Vec<i32>)> = (0..m.div_ceil(M_BLOCK) * n_blocks)
        .into_par_iter()
        .map(|t| {
            let (r0, c0) = ((t / n_blocks) * M_BLOCK, (t % n_blocks) * N_BLOCK);
            let (rows, cols) = ((m - r0).min(M_BLOCK), (n - c0).min(N_BLOCK));
            let mut tile = vec![0i32; rows * cols];
            for (j, w) in masks[c0..c0 + cols].iter().enumerate() {
                for (i, x) in x[r0 * k..(r0 + rows) * k].chunks_exact(k).enumerate() {
                    tile[i * cols + j] = dot(x, &w.pos, &w.neg);
                }
            }
            (r0, c0, tile)
        })
        .collect();
    for (r0, c0, tile) in tiles {
        let cols = (n - c0).min(N_BLOCK);
        for (i, row) in tile.chunks_exact(cols).enumerate() {
            acc[(r0 + i) * n + c0..][..cols].copy_from_slice(row);
        }
    }
    acc
}

/// `acc[m][n] = Σ_k x[m][k] · w[n][k]` with INT8 × INT8 multiplies: the MAC
/// baseline, and the plain dot product the ternary path is tested against.
pub fn int8_matmul(x: &[i8], w: &[i8], m: usize, k: usize, n: usize) -> Vec<i32> {
    assert_eq!(x.len(), m * k, "x must be [M, K]");
    assert_eq!(w.len(), n * k, "w must be [N, K]");
    let mut acc = vec![0i32; m * n];
    for (xr, out) in x.chunks_exact(k.max(1)).zip(acc.chunks_exact_mut(n.max(1))) {
        for (wr, o) in w.chunks_exact(k.max(1)).zip(out.iter_mut()) {
            *o = xr.iter().zip(wr).map(|(&a, &b)| a as i32 * b as i32).sum();
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn trit_vec(len: usize) -> impl Strategy<Value = Vec<Trit>> {
        proptest::collection::vec(proptest::sample::select(Trit::ALL.to_vec()), len)
    }

    #[test]
    fn hand_computed() {
        // x = [[1, −2, 3]], w = [[+1, −1, 0], [−1, −1, +1]] → [1 + 2, −1 + 2 + 3].
        let w = [
            Trit::Pos,
            Trit::Neg,
            Trit::Zero,
            Trit::Neg,
            Trit::Neg,
            Trit::Pos,
        ];
        assert_eq!(ternary_matmul(&[1, -2, 3], &w, 1, 3, 2), vec![3, 4]);
    }

    #[test]
    fn extreme_sums_do_not_overflow_lanes() {
        // K = 5000 spans three K chunks with a tail; every term is −(−128) = +128.
        let k = 5000;
        let x = vec![-128i8; 2 * k];
        let w = vec![Trit::Neg; k];
        assert_eq!(ternary_matmul(&x, &w, 2, k, 1), vec![128 * k as i32; 2]);
        let w = vec![Trit::Pos; k];
        assert_eq!(ternary_matmul(&x, &w, 2, k, 1), vec![-128 * k as i32; 2]);
    }

    proptest! {
        #[test]
        fn equals_plain_i32_dot_product(
            (m, k, n, x, w) in (1usize..40, 1usize..70, 1usize..300).prop_flat_map(|(m, k, n)| {
                (Just(m), Just(k), Just(n),
                 proptest::collection::vec(any::<i8>(), m * k), trit_vec(n * k))
            })
        ) {
            let wi: Vec<i8> = w.iter().map(|t| t.to_i8()).collect();
            prop_assert_eq!(ternary_matmul(&x, &w, m, k, n), int8_matmul(&x, &wi, m, k, n));
        }
    }
}
