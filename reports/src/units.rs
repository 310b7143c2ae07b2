//! Energy in units a reader takes in at a glance: a whole set of values is
//! shown in the one SI unit (pJ … J) that keeps its largest value at or above
//! 1, and single values with their own prefix.

/// SI energy units and the picojoules in one of each, smallest first.
pub const ENERGY_UNITS: [(&str, f64); 5] = [
    ("pJ", 1.0),
    ("nJ", 1e3),
    ("µJ", 1e6),
    ("mJ", 1e9),
    ("J", 1e12),
];

/// The unit for values whose largest is `max_pj`: the largest unit in which
/// it is still at least 1 (pJ for tiny or zero values). Returns (name,
/// picojoules per unit).
pub fn energy_unit(max_pj: f64) -> (&'static str, f64) {
    ENERGY_UNITS
        .iter()
        .rev()
        .find(|(_, pj)| max_pj.abs() >= *pj)
        .copied()
        .unwrap_or(ENERGY_UNITS[0])
}

/// One energy with its own prefix and four decimals, e.g. "12.3456 mJ";
/// `n/a` for a value that is not finite (never `inf J`).
pub fn si_joules(pj: f64) -> String {
    if !pj.is_finite() {
        return "n/a".into();
    }
    let (unit, per) = energy_unit(pj);
    format!("{:.4} {unit}", pj / per)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_keep_the_largest_value_at_or_above_one() {
        assert_eq!(energy_unit(8.0e10), ("mJ", 1e9));
        assert_eq!(energy_unit(61_400_000.0), ("µJ", 1e6));
        assert_eq!(energy_unit(0.5), ("pJ", 1.0));
        assert_eq!(si_joules(1.5e9), "1.5000 mJ");
        assert_eq!(si_joules(2.0), "2.0000 pJ");
        assert_eq!(si_joules(3.2e12), "3.2000 J");
        assert_eq!(si_joules(f64::INFINITY), "n/a");
        assert_eq!(si_joules(f64::NAN), "n/a");
    }
}
