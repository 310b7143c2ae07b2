//! The design space of a sweep: one value list per parameter of the
//! parameter table ([`tritone_eval::param::PARAMS`]), and the sweep's points
//! ([`SweepPoint`]) in a stable cartesian enumeration.

use super::range::parse_values;
use super::SweepError;
use std::collections::HashSet;
use tritone_eval::param::{self, DesignSpec, Param, Value, PARAMS};

/// The value lists of one sweep: one non-empty, duplicate-free list per
/// parameter, in table order. Parameters not given keep their default.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepSpec {
    lists: Vec<Vec<Value>>,
}

impl Default for SweepSpec {
    /// One point: every parameter's default (the simulator's default
    /// architecture, the default model and workload).
    fn default() -> Self {
        SweepSpec {
            lists: param::defaults().into_iter().map(|v| vec![v]).collect(),
        }
    }
}

/// One design point of a sweep: a value for every parameter, and its
/// position in the sweep's enumeration.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepPoint {
    /// Position in the enumeration of its sweep (0-based).
    pub index: u64,
    /// One value per parameter, in table order.
    pub values: Vec<Value>,
}

impl SweepPoint {
    /// The stable identity of the point: `rows=16;cols=32;pe=ternary;...;kv_bits=16`
    /// (every parameter, in table order). Resume and merge match rows by it.
    pub fn key(&self) -> String {
        PARAMS
            .iter()
            .zip(&self.values)
            .map(|(p, v)| format!("{}={v}", p.name))
            .collect::<Vec<_>>()
            .join(";")
    }

    /// The design the values build.
    pub fn design(&self) -> DesignSpec {
        DesignSpec::from_values(&self.values)
    }

    /// Rebuilds a point from its parameter texts (a CSV row), refusing
    /// missing or unparsable values.
    pub fn from_texts<'a>(
        index: u64,
        mut text_of: impl FnMut(&Param) -> Option<&'a str>,
    ) -> Result<SweepPoint, SweepError> {
        let values = PARAMS
            .iter()
            .map(|p| {
                let text =
                    text_of(p).ok_or_else(|| SweepError::spec(p.name, "missing value".into()))?;
                p.kind.parse(text).map_err(|e| SweepError::spec(p.name, e))
            })
            .collect::<Result<_, _>>()?;
        Ok(SweepPoint { index, values })
    }
}

fn no_duplicates(p: &Param, values: Vec<Value>) -> Result<Vec<Value>, SweepError> {
    let mut seen = HashSet::new();
    for v in &values {
        if !seen.insert(v.text()) {
            return Err(SweepError::spec(
                p.name,
                format!("value {v} is listed twice"),
            ));
        }
    }
    Ok(values)
}

impl SweepSpec {
    /// Replaces the values of the parameter `name` with the list in `text`
    /// (see [`super::range`] for the grammar). Unknown names, empty lists,
    /// unparsable values and duplicates are refused.
    pub fn set(&mut self, name: &str, text: &str) -> Result<(), SweepError> {
        let p = param::find(name).map_err(|e| SweepError::UnknownParam {
            key: e.name,
            valid: e.valid,
        })?;
        self.lists[p.index()] = no_duplicates(p, parse_values(p, text)?)?;
        Ok(())
    }

    /// Reads a TOML spec: `[arch]` and `[workload]` tables whose keys are
    /// parameter names and whose values are value-list strings
    /// (`"8..64:x2"`), TOML arrays (`[8, 16]`) or single values.
    pub fn from_toml_str(text: &str) -> Result<SweepSpec, SweepError> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| SweepError::SpecFile(tritone_energy::toml_error(&e)))?;
        let mut spec = SweepSpec::default();
        for (section, value) in &table {
            let in_section = |p: &Param| p.group.section() == section.as_str();
            if !PARAMS.iter().any(in_section) {
                return Err(SweepError::SpecFile(format!(
                    "unknown table [{section}] (expected [arch] and [workload])"
                )));
            }
            let toml::Value::Table(entries) = value else {
                return Err(SweepError::SpecFile(format!("'{section}' must be a table")));
            };
            for (key, value) in entries {
                let unknown = |why: String| SweepError::UnknownParam {
                    key: format!("[{section}] {key}{why}"),
                    valid: param::names(in_section),
                };
                let p = param::find(key).map_err(|_| unknown(String::new()))?;
                if !in_section(p) {
                    let home = p.group.section();
                    return Err(unknown(format!(" (it belongs in [{home}])")));
                }
                spec.set(p.name, &toml_list_text(p, value)?)?;
            }
        }
        Ok(spec)
    }

    /// Number of values of every parameter, in table order.
    pub fn lens(&self) -> Vec<usize> {
        self.lists.iter().map(Vec::len).collect()
    }

    /// Number of design points (the product of the list lengths).
    pub fn len(&self) -> Result<u64, SweepError> {
        self.lists
            .iter()
            .try_fold(1u64, |acc, l| acc.checked_mul(l.len() as u64))
            .ok_or(SweepError::TooLarge)
    }

    /// The number of design points, refused when past `max` (or past 64
    /// bits): the error gives the count and the lists that multiply to it.
    /// Checked before any work, since every point is evaluated and kept.
    pub fn check_size(&self, max: u64) -> Result<u64, SweepError> {
        let points = self.len();
        if matches!(points, Ok(n) if n <= max) {
            return points;
        }
        Err(SweepError::TooManyPoints {
            points: points.map_or_else(|_| format!("more than {}", u64::MAX), |n| n.to_string()),
            factors: self.factors(),
            max,
        })
    }

    /// The lists of more than one value that multiply to the number of
    /// points, for people: `rows 4 × cols 3` (`one point` when none).
    pub fn factors(&self) -> String {
        let factors: Vec<String> = PARAMS
            .iter()
            .zip(&self.lists)
            .filter(|(_, l)| l.len() > 1)
            .map(|(p, l)| format!("{} {}", p.name, l.len()))
            .collect();
        if factors.is_empty() {
            "one point".into()
        } else {
            factors.join(" × ")
        }
    }

    /// The sweep's identity: a fingerprint (16 hex digits) of every
    /// parameter's value list, in order. Shards of one sweep share it; a
    /// change to any list changes it.
    pub fn fingerprint(&self) -> String {
        let text: String = PARAMS
            .iter()
            .zip(&self.lists)
            .map(|(p, l)| {
                let values: Vec<String> = l.iter().map(Value::text).collect();
                format!("{}={};", p.name, values.join(","))
            })
            .collect();
        format!("{:016x}", fingerprint(text.as_bytes()))
    }

    /// Whether the sweep has no points (never: every list is non-empty).
    pub fn is_empty(&self) -> bool {
        self.lists.iter().any(Vec::is_empty)
    }

    /// The values of `p`, in list order.
    pub fn values(&self, p: &Param) -> &[Value] {
        &self.lists[p.index()]
    }

    /// The enumeration position of a point with these values in this sweep,
    /// if it is one of its points (matched on canonical texts).
    pub fn index_of(&self, point: &SweepPoint) -> Option<u64> {
        let mut index = 0u64;
        for (list, v) in self.lists.iter().zip(&point.values) {
            let text = v.text();
            let pos = list.iter().position(|x| x.text() == text)?;
            index = index * list.len() as u64 + pos as u64;
        }
        Some(index)
    }

    /// The point at enumeration position `index` (< [`SweepSpec::len`]):
    /// mixed-radix digits, the last parameter varying fastest.
    pub fn point(&self, index: u64) -> SweepPoint {
        let mut digits = vec![0; self.lists.len()];
        let mut rest = index;
        for (d, list) in digits.iter_mut().zip(&self.lists).rev() {
            let n = list.len() as u64;
            *d = (rest % n) as usize;
            rest /= n;
        }
        let values = self
            .lists
            .iter()
            .zip(digits)
            .map(|(list, d)| list[d].clone())
            .collect();
        SweepPoint { index, values }
    }
}

/// A stable 64-bit fingerprint of `bytes` (FNV-1a): the same on every
/// machine and version, for identities written into files (not a
/// cryptographic hash).
pub fn fingerprint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Turns a TOML value into the value-list grammar.
fn toml_list_text(p: &Param, value: &toml::Value) -> Result<String, SweepError> {
    let scalar = |v: &toml::Value| -> Result<String, SweepError> {
        match v {
            toml::Value::String(s) => Ok(s.clone()),
            toml::Value::Integer(i) => Ok(i.to_string()),
            toml::Value::Float(f) => Ok(f.to_string()),
            toml::Value::Boolean(b) => Ok(b.to_string()),
            other => Err(SweepError::spec(
                p.name,
                format!("unsupported value {other}"),
            )),
        }
    };
    match value {
        toml::Value::Array(items) if items.is_empty() => {
            Err(SweepError::spec(p.name, "empty list".to_string()))
        }
        toml::Value::Array(items) => Ok(items
            .iter()
            .map(scalar)
            .collect::<Result<Vec<_>, _>>()?
            .join(",")),
        other => scalar(other),
    }
}
