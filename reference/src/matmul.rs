//! Integer matrix products: the add-only ternary product and the INT8 MAC
//! baseline. Layouts follow PyTorch's `nn.Linear`: activations `x` are
//! `[M, K]` row-major, weights `w` are `[N, K]` row-major, results `[M, N]`.

use crate::trit::Trit;

/// `acc[m][n] = Σ_k x[m][k] · w[n][k]`, computed with additions and
/// subtractions only ([`Trit::apply`]): there is no multiplication here.
///
/// Panics if the slice lengths do not match the shape.
pub fn ternary_matmul(x: &[i8], w: &[Trit], m: usize, k: usize, n: usize) -> Vec<i32> {
    assert_eq!(x.len(), m * k, "x must be [M, K]");
    assert_eq!(w.len(), n * k, "w must be [N, K]");
    let mut acc = vec![0i32; m * n];
    for (xr, out) in x.chunks_exact(k.max(1)).zip(acc.chunks_exact_mut(n.max(1))) {
        for (wr, o) in w.chunks_exact(k.max(1)).zip(out.iter_mut()) {
            *o = xr.iter().zip(wr).fold(0i32, |a, (&xv, &t)| t.apply(a, xv as i32));
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
