//! Pareto fronts: which points no other point dominates.
//!
//! A point dominates another when it is at least as good in every objective
//! and strictly better in one; equal points do not dominate each other (both
//! stay on the front). Points with a non-finite objective are never on the
//! front. Two objectives take O(n log n) (sort and sweep); more take a sort
//! plus a check against the front found so far, O(n log n + n·f).
//!
//! ```
//! use tritone_reports::pareto::{pareto_front, Sense};
//! // (energy per token: minimize, tokens/s: maximize)
//! let points = [[10.0, 100.0], [12.0, 90.0], [8.0, 50.0]];
//! let front = pareto_front(&points, &[Sense::Minimize, Sense::Maximize]);
//! assert_eq!(front, [true, false, true]);
//! ```

use std::cmp::Ordering;

/// Whether an objective is better small or large.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sense {
    /// Smaller is better (energy, area).
    Minimize,
    /// Larger is better (throughput).
    Maximize,
}

/// Marks the Pareto-optimal points: `result[i]` is true when no point
/// dominates `points[i]`. Every point must have one value per sense.
pub fn pareto_front<P: AsRef<[f64]>>(points: &[P], senses: &[Sense]) -> Vec<bool> {
    // Flip maximized objectives so that everything is minimized.
    let costs: Vec<Vec<f64>> = points
        .iter()
        .map(|p| {
            let p = p.as_ref();
            assert_eq!(p.len(), senses.len(), "one value per objective");
            p.iter()
                .zip(senses)
                .map(|(&v, s)| match s {
                    Sense::Minimize => v,
                    Sense::Maximize => -v,
                })
                .collect()
        })
        .collect();
    let mut order: Vec<usize> = (0..costs.len())
        .filter(|&i| costs[i].iter().all(|v| v.is_finite()))
        .collect();
    // Finite values: partial_cmp is total here.
    order.sort_by(|&a, &b| lex(&costs[a], &costs[b]));
    let mut front = vec![false; costs.len()];
    if senses.len() == 2 {
        sweep_2d(&costs, &order, &mut front);
    } else {
        filter_nd(&costs, &order, &mut front);
    }
    front
}

fn lex(a: &[f64], b: &[f64]) -> Ordering {
    a.iter()
        .zip(b)
        .map(|(x, y)| x.partial_cmp(y).expect("finite"))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// Sorted by (x, y): a point is on the front when its y is the smallest of
/// its x group and strictly below every y seen at smaller x.
fn sweep_2d(costs: &[Vec<f64>], order: &[usize], front: &mut [bool]) {
    let mut best_before = f64::INFINITY;
    let mut i = 0;
    while i < order.len() {
        let x = costs[order[i]][0];
        let group_min = costs[order[i]][1];
        let mut j = i;
        while j < order.len() && costs[order[j]][0] == x {
            let y = costs[order[j]][1];
            front[order[j]] = y == group_min && y < best_before;
            j += 1;
        }
        best_before = best_before.min(group_min);
        i = j;
    }
}

/// `a` dominates `b` (all costs ≤, one <).
fn dominates(a: &[f64], b: &[f64]) -> bool {
    a.iter().zip(b).all(|(x, y)| x <= y) && a.iter().zip(b).any(|(x, y)| x < y)
}

/// In lexicographic order a point's dominators all come before it, and a
/// dominated dominator is itself dominated by an earlier front point, so
/// checking against the front so far suffices.
fn filter_nd(costs: &[Vec<f64>], order: &[usize], front: &mut [bool]) {
    let mut kept: Vec<usize> = Vec::new();
    for &i in order {
        if !kept.iter().any(|&k| dominates(&costs[k], &costs[i])) {
            front[i] = true;
            kept.push(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MIN_MAX: [Sense; 2] = [Sense::Minimize, Sense::Maximize];

    #[test]
    fn hand_cases_two_objectives() {
        // Energy (min), tokens/s (max).
        let pts = [
            [5.0, 10.0],
            [4.0, 8.0],
            [6.0, 12.0],
            [6.0, 9.0],
            [4.0, 8.0],
            [7.0, 12.0],
        ];
        // [3] is dominated by [0]; [5] by [2]; the duplicates [1] and [4] both stay.
        assert_eq!(
            pareto_front(&pts, &MIN_MAX),
            [true, true, true, false, true, false]
        );
        // Same x, better y wins; same y, smaller x wins.
        assert_eq!(
            pareto_front(&[[1.0, 1.0], [1.0, 2.0]], &MIN_MAX),
            [false, true]
        );
        assert_eq!(
            pareto_front(&[[1.0, 2.0], [3.0, 2.0]], &MIN_MAX),
            [true, false]
        );
        // Non-finite values are never on the front and never dominate.
        assert_eq!(
            pareto_front(&[[f64::NAN, 100.0], [1.0, 1.0]], &MIN_MAX),
            [false, true]
        );
        assert!(pareto_front::<[f64; 2]>(&[], &MIN_MAX).is_empty());
    }

    #[test]
    fn hand_case_three_objectives() {
        let senses = [Sense::Minimize, Sense::Maximize, Sense::Minimize];
        // The second point is worse in energy and throughput but uses fewer LUTs.
        let pts = [
            [1.0, 10.0, 500.0],
            [2.0, 5.0, 100.0],
            [2.0, 5.0, 200.0],
            [1.0, 10.0, 500.0],
        ];
        assert_eq!(pareto_front(&pts, &senses), [true, true, false, true]);
    }

    fn brute(points: &[Vec<f64>], senses: &[Sense]) -> Vec<bool> {
        let cost = |p: &Vec<f64>| -> Vec<f64> {
            p.iter()
                .zip(senses)
                .map(|(&v, s)| if *s == Sense::Maximize { -v } else { v })
                .collect()
        };
        points
            .iter()
            .map(|p| {
                p.iter().all(|v| v.is_finite())
                    && !points
                        .iter()
                        .any(|q| q.iter().all(|v| v.is_finite()) && dominates(&cost(q), &cost(p)))
            })
            .collect()
    }

    fn points(dim: usize) -> impl Strategy<Value = Vec<Vec<f64>>> {
        // Few distinct values, so that ties are frequent.
        prop::collection::vec(
            prop::collection::vec((0u8..6).prop_map(f64::from), dim),
            0..60,
        )
    }

    proptest! {
        #[test]
        fn two_objectives_match_the_definition(pts in points(2)) {
            prop_assert_eq!(pareto_front(&pts, &MIN_MAX), brute(&pts, &MIN_MAX));
        }

        #[test]
        fn three_objectives_match_the_definition(pts in points(3)) {
            let senses = [Sense::Minimize, Sense::Maximize, Sense::Minimize];
            let front = pareto_front(&pts, &senses);
            prop_assert_eq!(&front, &brute(&pts, &senses));
            // Every non-front point is dominated by a front point.
            let cost = |p: &Vec<f64>| vec![p[0], -p[1], p[2]];
            for (i, p) in pts.iter().enumerate() {
                if !front[i] {
                    prop_assert!(pts.iter().zip(&front).any(|(q, &f)| f && dominates(&cost(q), &cost(p))));
                }
            }
        }
    }
}
