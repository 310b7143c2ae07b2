//! Exact sums of whole-cycle costs over a range of context lengths, so that D
//! decode steps are priced in closed form instead of stepped one by one.
//!
//! A per-step cost is `max(⌈f(x)⌉, ⌈g(x)⌉)` for affine rationals `f`, `g`
//! (compute time and DRAM time of an operator at context `x`). Because ⌈·⌉ is
//! monotone this is `⌈max(f, g)(x)⌉`; `max(f, g)` is `f` on one side of the
//! crossing point and `g` on the other, and each side is a floor sum.

/// The rational affine function `(a·x + b) / d`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ratio {
    /// Slope numerator.
    pub a: u128,
    /// Intercept numerator.
    pub b: u128,
    /// Denominator (positive).
    pub d: u128,
}

impl Ratio {
    /// `⌈(a·x + b) / d⌉`.
    pub fn ceil_at(&self, x: u128) -> u128 {
        (self.a * x + self.b).div_ceil(self.d)
    }

    /// Whether `self(x) ≥ other(x)`.
    fn ge_at(&self, other: &Ratio, x: u128) -> bool {
        (self.a * x + self.b) * other.d >= (other.a * x + other.b) * self.d
    }

    /// `Σ_{x=lo}^{hi} ⌈(a·x + b) / d⌉` (0 for an empty range).
    pub fn sum_ceil(&self, lo: u128, hi: u128) -> u128 {
        if lo > hi {
            return 0;
        }
        // ⌈(a(lo+i) + b)/d⌉ = ⌊(a·i + a·lo + b + d − 1)/d⌋.
        floor_sum(
            hi - lo + 1,
            self.d,
            self.a,
            self.a * lo + self.b + self.d - 1,
        )
    }
}

/// `Σ_{i=0}^{n−1} ⌊(a·i + b) / m⌋` (the classic Euclid-like floor sum).
pub fn floor_sum(mut n: u128, mut m: u128, mut a: u128, mut b: u128) -> u128 {
    let mut ans = 0u128;
    loop {
        if a >= m {
            ans += n * n.saturating_sub(1) / 2 * (a / m);
            a %= m;
        }
        if b >= m {
            ans += n * (b / m);
            b %= m;
        }
        let y_max = a * n + b;
        if y_max < m {
            return ans;
        }
        n = y_max / m;
        b = y_max % m;
        std::mem::swap(&mut m, &mut a);
    }
}

/// `Σ_{x=lo}^{hi} max(⌈f(x)⌉, ⌈g(x)⌉)`, exactly.
pub fn sum_ceil_max(f: &Ratio, g: &Ratio, lo: u128, hi: u128) -> u128 {
    if lo > hi {
        return 0;
    }
    // f − g is affine, so {x : f(x) ≥ g(x)} ∩ [lo, hi] is a prefix or a suffix.
    let (f_lo, f_hi) = (f.ge_at(g, lo), f.ge_at(g, hi));
    if f_lo == f_hi {
        return if f_lo {
            f.sum_ceil(lo, hi)
        } else {
            g.sum_ceil(lo, hi)
        };
    }
    // Binary search the last x where the side of `lo` still wins.
    let (mut l, mut h) = (lo, hi);
    while h - l > 1 {
        let mid = l + (h - l) / 2;
        if f.ge_at(g, mid) == f_lo {
            l = mid;
        } else {
            h = mid;
        }
    }
    let (first, second) = if f_lo { (f, g) } else { (g, f) };
    first.sum_ceil(lo, l) + second.sum_ceil(l + 1, hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn closed_form_equals_stepping(
            a1 in 0u128..5000, b1 in 0u128..5000, d1 in 1u128..300,
            a2 in 0u128..5000, b2 in 0u128..5000, d2 in 1u128..300,
            lo in 0u128..2000, len in 0u128..600,
        ) {
            let (f, g) = (Ratio { a: a1, b: b1, d: d1 }, Ratio { a: a2, b: b2, d: d2 });
            let hi = lo + len;
            let stepped: u128 = (lo..=hi).map(|x| f.ceil_at(x).max(g.ceil_at(x))).sum();
            prop_assert_eq!(sum_ceil_max(&f, &g, lo, hi), stepped);
            let single: u128 = (lo..=hi).map(|x| f.ceil_at(x)).sum();
            prop_assert_eq!(f.sum_ceil(lo, hi), single);
        }
    }

    #[test]
    fn empty_range_sums_to_zero() {
        let f = Ratio { a: 1, b: 0, d: 1 };
        assert_eq!(sum_ceil_max(&f, &f, 5, 4), 0);
        assert_eq!(floor_sum(0, 3, 1, 1), 0);
    }
}
