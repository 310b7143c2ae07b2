//! The value grammar of a swept parameter: comma-separated items, each a
//! single value or an inclusive range `start..end:xK` (geometric) or
//! `start..end:+K` (arithmetic). `8..64:x2` is 8, 16, 32, 64;
//! `200..1000:+200` is 200, 400, 600, 800, 1000.

use super::SweepError;
use tritone_eval::param::{AccBits, Kind, Param, Value};

/// Longest list one range may expand to: a typo such as `1..1000000:+1`
/// should fail fast, not allocate a billion points.
pub const MAX_RANGE_LEN: usize = 100_000;

/// Splits a value list at commas, trimming blanks and refusing empty items.
pub fn split_items<'a>(param: &str, text: &'a str) -> Result<Vec<&'a str>, SweepError> {
    let items: Vec<&str> = text.split(',').map(str::trim).collect();
    if items.iter().any(|s| s.is_empty()) {
        return Err(SweepError::spec(param, format!("empty item in '{text}'")));
    }
    Ok(items)
}

/// One parsed range: `start..end:step`.
struct RangeText<'a> {
    start: &'a str,
    end: &'a str,
    step: Step<'a>,
}

enum Step<'a> {
    Times(&'a str),
    Plus(&'a str),
}

fn parse_range<'a>(param: &str, item: &'a str) -> Result<Option<RangeText<'a>>, SweepError> {
    let Some((start, rest)) = item.split_once("..") else {
        return Ok(None);
    };
    let Some((end, step)) = rest.split_once(':') else {
        return Err(SweepError::spec(
            param,
            format!("range '{item}' needs a step: start..end:xK (geometric) or start..end:+K (arithmetic)"),
        ));
    };
    let step = if let Some(k) = step.strip_prefix(['x', 'X', '*']) {
        Step::Times(k.trim())
    } else if let Some(k) = step.strip_prefix('+') {
        Step::Plus(k.trim())
    } else {
        return Err(SweepError::spec(
            param,
            format!("range '{item}': step '{step}' must be xK or +K"),
        ));
    };
    Ok(Some(RangeText {
        start: start.trim(),
        end: end.trim(),
        step,
    }))
}

fn number<T: std::str::FromStr>(param: &str, text: &str, what: &str) -> Result<T, SweepError> {
    text.parse()
        .map_err(|_| SweepError::spec(param, format!("'{text}' is not a valid {what}")))
}

fn empty_range(param: &str, item: &str) -> SweepError {
    SweepError::spec(
        param,
        format!("range '{item}' is empty (start is past end)"),
    )
}

fn too_long(param: &str, item: &str) -> SweepError {
    SweepError::spec(
        param,
        format!("range '{item}' expands to more than {MAX_RANGE_LEN} values"),
    )
}

/// Parses a list of non-negative integers (with ranges).
pub fn parse_u32_list(param: &str, text: &str) -> Result<Vec<u32>, SweepError> {
    let mut out = Vec::new();
    for item in split_items(param, text)? {
        match parse_range(param, item)? {
            None => out.push(number(param, item, "non-negative integer")?),
            Some(r) => {
                let start: u64 = number::<u32>(param, r.start, "non-negative integer")?.into();
                let end: u64 = number::<u32>(param, r.end, "non-negative integer")?.into();
                if start > end {
                    return Err(empty_range(param, item));
                }
                let mut v = start;
                match r.step {
                    Step::Times(k) => {
                        let k: u64 = number::<u32>(param, k, "integer factor")?.into();
                        if k < 2 || start == 0 {
                            return Err(SweepError::spec(
                                param,
                                format!("range '{item}': a geometric range needs a factor ≥ 2 and a start ≥ 1"),
                            ));
                        }
                        while v <= end {
                            out.push(v as u32);
                            v *= k;
                            if out.len() > MAX_RANGE_LEN {
                                return Err(too_long(param, item));
                            }
                        }
                    }
                    Step::Plus(k) => {
                        let k: u64 = number::<u32>(param, k, "integer step")?.into();
                        if k == 0 {
                            return Err(SweepError::spec(
                                param,
                                format!("range '{item}': step must be ≥ 1"),
                            ));
                        }
                        if (end - start) / k >= MAX_RANGE_LEN as u64 {
                            return Err(too_long(param, item));
                        }
                        while v <= end {
                            out.push(v as u32);
                            v += k;
                        }
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Parses a list of positive finite reals (with ranges).
///
/// Range values are computed as `start + i·K` or `start · Kⁱ` (no running sum,
/// so `0.1..0.5:+0.1` does not drift) and the end is included up to a relative
/// tolerance of 1e-9.
pub fn parse_f64_list(param: &str, text: &str) -> Result<Vec<f64>, SweepError> {
    let finite = |t: &str, what: &str| -> Result<f64, SweepError> {
        let v: f64 = number(param, t, what)?;
        if v.is_finite() {
            Ok(v)
        } else {
            Err(SweepError::spec(
                param,
                format!("'{t}' is not a finite number"),
            ))
        }
    };
    let mut out = Vec::new();
    for item in split_items(param, text)? {
        match parse_range(param, item)? {
            None => out.push(finite(item, "number")?),
            Some(r) => {
                let start = finite(r.start, "number")?;
                let end = finite(r.end, "number")?;
                if start > end {
                    return Err(empty_range(param, item));
                }
                let limit = end + end.abs() * 1e-9;
                let values: Box<dyn Fn(u32) -> f64> = match r.step {
                    Step::Times(k) => {
                        let k = finite(k, "factor")?;
                        if k <= 1.0 || start <= 0.0 {
                            return Err(SweepError::spec(
                                param,
                                format!("range '{item}': a geometric range needs a factor > 1 and a start > 0"),
                            ));
                        }
                        Box::new(move |i| start * k.powi(i as i32))
                    }
                    Step::Plus(k) => {
                        let k = finite(k, "step")?;
                        if k <= 0.0 {
                            return Err(SweepError::spec(
                                param,
                                format!("range '{item}': step must be > 0"),
                            ));
                        }
                        Box::new(move |i| start + k * i as f64)
                    }
                };
                let mut i = 0;
                loop {
                    let v = values(i);
                    if v > limit {
                        break;
                    }
                    // Snap the last value onto `end` when it is within tolerance.
                    out.push(if v > end { end } else { v });
                    i += 1;
                    if i as usize > MAX_RANGE_LEN {
                        return Err(too_long(param, item));
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Parses the value list of `param`: numbers with ranges for integer and
/// real parameters (and accumulator widths, which also take `auto`), plain
/// comma-separated values for the others.
pub fn parse_values(param: &Param, text: &str) -> Result<Vec<Value>, SweepError> {
    let n = param.name;
    let one = |item: &str| param.kind.parse(item).map_err(|e| SweepError::spec(n, e));
    match param.kind {
        Kind::Count => Ok(parse_u32_list(n, text)?
            .into_iter()
            .map(Value::Count)
            .collect()),
        Kind::Real => Ok(parse_f64_list(n, text)?
            .into_iter()
            .map(Value::Real)
            .collect()),
        Kind::AccBits => {
            let mut out = Vec::new();
            for item in split_items(n, text)? {
                if item.eq_ignore_ascii_case("auto") {
                    out.push(one(item)?);
                } else {
                    out.extend(
                        parse_u32_list(n, item)?
                            .into_iter()
                            .map(|b| Value::AccBits(AccBits::Bits(b))),
                    );
                }
            }
            Ok(out)
        }
        Kind::Flag
        | Kind::Pe
        | Kind::Dataflow
        | Kind::Dram
        | Kind::Model
        | Kind::AttentionUnit
        | Kind::Schedule
        | Kind::Banks => split_items(n, text)?.into_iter().map(one).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_lists_and_ranges() {
        assert_eq!(parse_u32_list("rows", "8,16, 32").unwrap(), [8, 16, 32]);
        assert_eq!(parse_u32_list("rows", "8..64:x2").unwrap(), [8, 16, 32, 64]);
        assert_eq!(
            parse_u32_list("rows", "8..100:x2").unwrap(),
            [8, 16, 32, 64]
        );
        assert_eq!(parse_u32_list("rows", "1..7:+3,64").unwrap(), [1, 4, 7, 64]);
        assert_eq!(parse_u32_list("rows", "5..5:+1").unwrap(), [5]);
    }

    #[test]
    fn real_ranges_include_their_end_without_drift() {
        assert_eq!(
            parse_f64_list("clock_mhz", "200..1000:+200").unwrap(),
            [200.0, 400.0, 600.0, 800.0, 1000.0]
        );
        let v = parse_f64_list("x", "0.1..0.5:+0.1").unwrap();
        assert_eq!(v.len(), 5);
        assert_eq!(*v.last().unwrap(), 0.5);
        assert_eq!(
            parse_f64_list("bw", "12.5..100:x2").unwrap(),
            [12.5, 25.0, 50.0, 100.0]
        );
    }

    #[test]
    fn bad_ranges_name_the_problem() {
        let cases = [
            ("64..8:x2", "empty"),
            ("8..64", "needs a step"),
            ("8..64:x1", "factor"),
            ("0..64:x2", "start"),
            ("8..64:+0", "step must be"),
            ("8..64:/2", "must be xK or +K"),
            ("8,,16", "empty item"),
            ("eight", "not a valid"),
            ("-4", "not a valid"),
            ("1..4000000000:+1", "more than"),
        ];
        for (text, want) in cases {
            let e = parse_u32_list("rows", text).unwrap_err().to_string();
            assert!(e.contains("rows") && e.contains(want), "{text}: {e}");
        }
        for (text, want) in [
            ("1000..200:+200", "empty"),
            ("inf", "finite"),
            ("1..2:+-1", "step must be"),
        ] {
            let e = parse_f64_list("clock_mhz", text).unwrap_err().to_string();
            assert!(e.contains(want), "{text}: {e}");
        }
    }

    #[test]
    fn values_of_every_kind() {
        let p = |name| tritone_eval::param::find(name).unwrap();
        assert_eq!(
            parse_values(p("double_buffer"), "true,off").unwrap(),
            [Value::Flag(Some(true)), Value::Flag(Some(false))]
        );
        assert!(parse_values(p("double_buffer"), "maybe").is_err());
        use tritone_sim::PeKind;
        assert_eq!(
            parse_values(p("pe"), "ternary,MAC-INT8").unwrap(),
            [Value::Pe(PeKind::Ternary), Value::Pe(PeKind::MacInt8)]
        );
        let e = parse_values(p("pe"), "binary").unwrap_err().to_string();
        assert!(e.contains("binary") && e.contains("ternary"), "{e}");
        assert_eq!(
            parse_values(p("acc_bits"), "auto,20..22:+2").unwrap(),
            [
                Value::AccBits(AccBits::Auto),
                Value::AccBits(AccBits::Bits(20)),
                Value::AccBits(AccBits::Bits(22))
            ]
        );
        assert_eq!(
            parse_values(p("model"), "BitNet-B1.58-3B").unwrap(),
            [Value::Model("bitnet-b1.58-3b".into())]
        );
    }
}
