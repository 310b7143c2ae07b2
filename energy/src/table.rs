//! The energy reference table (ERT): parsing and validation.
//!
//! A table is TOML with one section per action family; every entry carries
//! its `value`, its `unit` and its `source`, so every number that reaches a
//! report can be traced back. The two built-in tables (45 nm and 7 nm) ship
//! inside the crate; a user's own table has the same schema:
//!
//! ```toml
//! name = "my-16nm"                      # optional; defaults to the file name
//! description = "..."                   # optional
//! [int_add]                             # keys: widths in bits; 8 is required
//! 8 = { value = 0.01, unit = "pJ/op", source = "..." }
//! [int_mul]                             # keys: widths in bits
//! [fp_add]                              # fp16, bf16, fp32 (all required), "pJ/op"
//! [fp_mul]                              # fp16, bf16, fp32 (all required), "pJ/op"
//! [sram]                                # keys: capacity in KiB, "pJ/64-bit access"
//! [dram]                                # keys: DRAM type names (lpddr4, hbm2, ...), "pJ/bit"
//! [register]                            # bit, "pJ/bit"
//! [skipped_product]                     # op, "pJ/op"
//! [leakage]                             # pe and sram_kib, "pJ/cycle"
//! ```
//!
//! The `[dram]` section is an open map: a table lists the DRAM types it
//! prices, and a design whose DRAM type is absent is refused when priced
//! (so a DRAM type added to the toolchain leaves every table valid).
//!
//! Every value must be a finite number ≥ 0 with the section's unit and a
//! non-empty source; a source starting with "estimate" or "derived" marks the
//! number as not published, and reports label it so.

use crate::action::FpFormat;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Text of the built-in 45 nm table (Horowitz, ISSCC 2014).
pub const TABLE_45NM: &str = include_str!("../tables/45nm.toml");
/// Text of the built-in 7 nm table (TPUv4i, Jouppi et al., ISCA 2021).
pub const TABLE_7NM: &str = include_str!("../tables/7nm.toml");

/// A technology node with a built-in table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Node {
    /// 45 nm, 0.9 V (Horowitz, ISSCC 2014).
    #[serde(rename = "45nm")]
    Nm45,
    /// 7 nm (TPUv4i table, as used by the BitNet papers).
    #[serde(rename = "7nm")]
    Nm7,
}

impl Node {
    /// Every node, in a stable order.
    pub const ALL: [Node; 2] = [Node::Nm45, Node::Nm7];

    /// The name used on the command line and in files.
    pub const fn name(self) -> &'static str {
        match self {
            Node::Nm45 => "45nm",
            Node::Nm7 => "7nm",
        }
    }
}

impl std::fmt::Display for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Node {
    type Err = ErtError;
    fn from_str(s: &str) -> Result<Self, ErtError> {
        Node::ALL
            .into_iter()
            .find(|n| n.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| ErtError::UnknownNode(s.to_string()))
    }
}

/// Why a table was refused.
#[derive(Debug, thiserror::Error)]
pub enum ErtError {
    /// Not one of the built-in nodes.
    #[error("unknown technology node '{0}' (expected 45nm or 7nm)")]
    UnknownNode(String),
    /// The file could not be read.
    #[error("cannot read energy table {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The TOML is malformed or has the wrong shape.
    #[error("energy table {table}: {why}")]
    Parse {
        /// The table (file name or built-in name).
        table: String,
        /// The parser's message.
        why: String,
    },
    /// A required entry is absent.
    #[error("energy table {table}: missing entry {key}")]
    Missing {
        /// The table.
        table: String,
        /// The entry, as `section.key`.
        key: String,
    },
    /// An entry the schema does not know.
    #[error("energy table {table}: unknown entry {key} ({why})")]
    Unknown {
        /// The table.
        table: String,
        /// The entry.
        key: String,
        /// What is accepted there.
        why: String,
    },
    /// A value outside 0 to [`MAX_ENTRY_PJ`], or an empty source.
    #[error("energy table {table}: {key} = {value}: {why}")]
    BadValue {
        /// The table.
        table: String,
        /// The entry.
        key: String,
        /// The offending value, as text.
        value: String,
        /// What is wrong.
        why: String,
    },
    /// A unit other than the one the section is priced in.
    #[error("energy table {table}: {key} has unit '{got}', expected '{want}'")]
    Unit {
        /// The table.
        table: String,
        /// The entry.
        key: String,
        /// The unit given.
        got: String,
        /// The unit required.
        want: &'static str,
    },
}

/// One priced action family member: value, unit and where the number comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Energy in `unit`.
    pub value: f64,
    /// Unit, e.g. "pJ/op".
    pub unit: String,
    /// Citation, or "estimate: …" / "derived: …" with the derivation.
    pub source: String,
}

impl Entry {
    /// Whether the number is an estimate or a derivation rather than a published figure.
    pub fn is_estimate(&self) -> bool {
        let s = self.source.trim_start().to_ascii_lowercase();
        s.starts_with("estimate") || s.starts_with("derived")
    }
}

/// Raw TOML shape; sections optional so that a missing one gets our error.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    name: Option<String>,
    description: Option<String>,
    int_add: Option<BTreeMap<String, Entry>>,
    int_mul: Option<BTreeMap<String, Entry>>,
    fp_add: Option<BTreeMap<String, Entry>>,
    fp_mul: Option<BTreeMap<String, Entry>>,
    sram: Option<BTreeMap<String, Entry>>,
    dram: Option<BTreeMap<String, Entry>>,
    register: Option<BTreeMap<String, Entry>>,
    skipped_product: Option<BTreeMap<String, Entry>>,
    leakage: Option<BTreeMap<String, Entry>>,
}

/// Largest energy of one table entry, pJ (per op, access, bit or cycle):
/// 10⁶ pJ = 1 µJ, 10,000 times the largest built-in entry (a 64-bit access
/// of a 1 MB SRAM at 45 nm, 100 pJ: Horowitz, ISSCC 2014, in
/// `tables/45nm.toml`). Any physical device is far below; the bound keeps
/// the energy of 2⁶⁴ actions finite (no `inf J` in a report) and refuses
/// typos such as `1e308`.
pub const MAX_ENTRY_PJ: f64 = 1e6;

/// Largest energy table file read: 1 MiB (the built-in tables are about
/// 5 KiB). A device or pipe without end (`--table /dev/zero`) is cut there.
pub const MAX_TABLE_BYTES: u64 = 1 << 20;

/// Unit of each section.
pub(crate) const UNIT_OP: &str = "pJ/op";
pub(crate) const UNIT_SRAM: &str = "pJ/64-bit access";
pub(crate) const UNIT_BIT: &str = "pJ/bit";
pub(crate) const UNIT_CYCLE: &str = "pJ/cycle";

/// A validated energy reference table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ert {
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) int_add: BTreeMap<u32, Entry>,
    pub(crate) int_mul: BTreeMap<u32, Entry>,
    pub(crate) fp_add: BTreeMap<FpFormat, Entry>,
    pub(crate) fp_mul: BTreeMap<FpFormat, Entry>,
    pub(crate) sram: BTreeMap<u32, Entry>,
    pub(crate) dram: BTreeMap<String, Entry>,
    pub(crate) register_bit: Entry,
    pub(crate) skipped_product: Entry,
    pub(crate) leakage_pe: Entry,
    pub(crate) leakage_sram_kib: Entry,
}

/// One row of a table, for listing it in a report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TableRow {
    /// `section.key`, e.g. `int_add.8`.
    pub key: String,
    /// Value in `unit`.
    pub value: f64,
    /// Unit.
    pub unit: String,
    /// Source or derivation.
    pub source: String,
}

struct Checker<'a> {
    table: &'a str,
}

impl Checker<'_> {
    fn entry(&self, key: &str, e: Entry, unit: &'static str) -> Result<Entry, ErtError> {
        if !(0.0..=MAX_ENTRY_PJ).contains(&e.value) {
            return Err(ErtError::BadValue {
                table: self.table.into(),
                key: key.into(),
                // `{:?}` keeps 1e308 short, where Display writes 309 digits.
                value: format!("{:?}", e.value),
                why: format!("energy must be a number from 0 to {MAX_ENTRY_PJ:e} pJ"),
            });
        }
        if e.unit != unit {
            return Err(ErtError::Unit {
                table: self.table.into(),
                key: key.into(),
                got: e.unit,
                want: unit,
            });
        }
        if e.source.trim().is_empty() {
            return Err(ErtError::BadValue {
                table: self.table.into(),
                key: key.into(),
                value: e.value.to_string(),
                why: "every entry needs a source".into(),
            });
        }
        Ok(e)
    }

    fn missing(&self, key: impl Into<String>) -> ErtError {
        ErtError::Missing {
            table: self.table.into(),
            key: key.into(),
        }
    }

    fn section(
        &self,
        name: &str,
        s: Option<BTreeMap<String, Entry>>,
    ) -> Result<BTreeMap<String, Entry>, ErtError> {
        match s {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(self.missing(name)),
        }
    }

    /// A section keyed by a positive integer (bit width or KiB).
    fn numeric(
        &self,
        name: &str,
        s: Option<BTreeMap<String, Entry>>,
        unit: &'static str,
        max: u32,
    ) -> Result<BTreeMap<u32, Entry>, ErtError> {
        let mut out = BTreeMap::new();
        for (k, e) in self.section(name, s)? {
            let key = format!("{name}.{k}");
            let n: u32 = k
                .parse()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| ErtError::Unknown {
                    table: self.table.into(),
                    key: key.clone(),
                    why: format!("keys in [{name}] are integers from 1 to {max}"),
                })?;
            out.insert(n, self.entry(&key, e, unit)?);
        }
        Ok(out)
    }

    /// A section keyed by lowercase names, any number of them.
    fn open(
        &self,
        name: &str,
        s: Option<BTreeMap<String, Entry>>,
        unit: &'static str,
    ) -> Result<BTreeMap<String, Entry>, ErtError> {
        let mut out = BTreeMap::new();
        for (k, e) in self.section(name, s)? {
            let key = format!("{name}.{k}");
            let named = k
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
            if !named {
                return Err(ErtError::Unknown {
                    table: self.table.into(),
                    key,
                    why: format!("keys in [{name}] are lowercase names such as lpddr4"),
                });
            }
            out.insert(k, self.entry(&key, e, unit)?);
        }
        Ok(out)
    }

    /// A section keyed by names that must cover `all`.
    fn named<K: Ord + Copy>(
        &self,
        name: &str,
        s: Option<BTreeMap<String, Entry>>,
        unit: &'static str,
        all: &[(K, &str)],
    ) -> Result<BTreeMap<K, Entry>, ErtError> {
        let mut s = self.section(name, s)?;
        let mut out = BTreeMap::new();
        for &(k, kname) in all {
            let key = format!("{name}.{kname}");
            let e = s.remove(kname).ok_or_else(|| self.missing(&key))?;
            out.insert(k, self.entry(&key, e, unit)?);
        }
        if let Some(extra) = s.keys().next() {
            let names: Vec<&str> = all.iter().map(|(_, n)| *n).collect();
            return Err(ErtError::Unknown {
                table: self.table.into(),
                key: format!("{name}.{extra}"),
                why: format!("expected {}", names.join(", ")),
            });
        }
        Ok(out)
    }

    fn single(
        &self,
        name: &str,
        s: Option<BTreeMap<String, Entry>>,
        key: &str,
        unit: &'static str,
    ) -> Result<Entry, ErtError> {
        Ok(self
            .named(name, s, unit, &[((), key)])?
            .remove(&())
            .expect("present"))
    }
}

const FP_NAMES: [(FpFormat, &str); 3] = [
    (FpFormat::Fp16, "fp16"),
    (FpFormat::Bf16, "bf16"),
    (FpFormat::Fp32, "fp32"),
];

impl Ert {
    /// The built-in table of a node.
    pub fn builtin(node: Node) -> Ert {
        let text = match node {
            Node::Nm45 => TABLE_45NM,
            Node::Nm7 => TABLE_7NM,
        };
        Ert::from_toml_str(text, node.name()).expect("built-in tables are valid (tested)")
    }

    /// Reads and validates a table file.
    pub fn from_toml_file(path: &Path) -> Result<Ert, ErtError> {
        let text =
            tritone_reference::input::read_text(path, MAX_TABLE_BYTES).map_err(|source| {
                ErtError::Read {
                    path: path.display().to_string(),
                    source,
                }
            })?;
        Ert::from_toml_str(&text, &path.display().to_string())
    }

    /// Parses and validates table text; `table` names it in errors.
    pub fn from_toml_str(text: &str, table: &str) -> Result<Ert, ErtError> {
        let raw: RawTable = toml::from_str(text).map_err(|e| ErtError::Parse {
            table: table.into(),
            why: toml_error(&e),
        })?;
        let c = Checker { table };
        // Sections are checked in schema order, so the first problem reported
        // is the first one in the file.
        let int_add = c.numeric("int_add", raw.int_add, UNIT_OP, 64)?;
        // The paper's convention prices every ternary product as one INT8 add.
        if !int_add.contains_key(&8) {
            return Err(c.missing("int_add.8"));
        }
        let int_mul = c.numeric("int_mul", raw.int_mul, UNIT_OP, 64)?;
        let fp_add = c.named("fp_add", raw.fp_add, UNIT_OP, &FP_NAMES)?;
        let fp_mul = c.named("fp_mul", raw.fp_mul, UNIT_OP, &FP_NAMES)?;
        let sram = c.numeric("sram", raw.sram, UNIT_SRAM, 1 << 30)?;
        let dram = c.open("dram", raw.dram, UNIT_BIT)?;
        let register_bit = c.single("register", raw.register, "bit", UNIT_BIT)?;
        let skipped_product = c.single("skipped_product", raw.skipped_product, "op", UNIT_OP)?;
        let mut leak = c.named(
            "leakage",
            raw.leakage,
            UNIT_CYCLE,
            &[(0u8, "pe"), (1, "sram_kib")],
        )?;
        Ok(Ert {
            name: raw.name.unwrap_or_else(|| table.to_string()),
            description: raw.description.unwrap_or_default(),
            int_add,
            int_mul,
            fp_add,
            fp_mul,
            sram,
            dram,
            register_bit,
            skipped_product,
            leakage_pe: leak.remove(&0).expect("checked"),
            leakage_sram_kib: leak.remove(&1).expect("checked"),
        })
    }

    /// The table's name (e.g. "7nm").
    pub fn name(&self) -> &str {
        &self.name
    }

    /// One-line description.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Every entry as it appears in the table, in a stable order.
    pub fn rows(&self) -> Vec<TableRow> {
        let mut rows = Vec::new();
        let mut push = |key: String, e: &Entry| {
            rows.push(TableRow {
                key,
                value: e.value,
                unit: e.unit.clone(),
                source: e.source.clone(),
            })
        };
        for (b, e) in &self.int_add {
            push(format!("int_add.{b}"), e);
        }
        for (b, e) in &self.int_mul {
            push(format!("int_mul.{b}"), e);
        }
        for (f, e) in &self.fp_add {
            push(format!("fp_add.{}", fp_name(*f)), e);
        }
        for (f, e) in &self.fp_mul {
            push(format!("fp_mul.{}", fp_name(*f)), e);
        }
        for (k, e) in &self.sram {
            push(format!("sram.{k}"), e);
        }
        for (k, e) in &self.dram {
            push(format!("dram.{k}"), e);
        }
        push("register.bit".into(), &self.register_bit);
        push("skipped_product.op".into(), &self.skipped_product);
        push("leakage.pe".into(), &self.leakage_pe);
        push("leakage.sram_kib".into(), &self.leakage_sram_kib);
        rows
    }
}

/// Lowercase name of a format, as in table keys.
pub fn fp_name(f: FpFormat) -> &'static str {
    match f {
        FpFormat::Fp16 => "fp16",
        FpFormat::Bf16 => "bf16",
        FpFormat::Fp32 => "fp32",
    }
}

/// A TOML parse error on one line: `line L, column C: what` (the parser's
/// own text spans several lines, quoting the source under a caret). Every
/// TOML reader of the workspace (tables, architectures, sweep specs) words
/// its errors with it; this crate is the lowest that reads TOML.
pub fn toml_error(e: &toml::de::Error) -> String {
    let what = e.message().trim().replace('\n', "; ");
    let text = e.to_string();
    let mut lines = text.lines();
    let Some(at) = lines
        .next()
        .and_then(|l| l.strip_prefix("TOML parse error at "))
    else {
        return what;
    };
    // The quoted source line, `59 | bogus = 1`: it names the key.
    let number = at
        .strip_prefix("line ")
        .and_then(|r| r.split(',').next())
        .unwrap_or_default();
    let source = lines.find_map(|l| {
        l.trim_start()
            .strip_prefix(number)
            .and_then(|r| r.strip_prefix(" | "))
            .map(str::trim)
    });
    match source {
        Some(src) if !number.is_empty() && !src.is_empty() => {
            format!("{at} (`{src}`): {what}")
        }
        _ => format!("{at}: {what}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_errors_are_one_line_with_their_place() {
        let e = toml::from_str::<toml::Table>("a = 1\nb =\n").unwrap_err();
        let why = toml_error(&e);
        assert!(why.starts_with("line 2, column "), "{why}");
        assert!(
            !why.contains('\n') && why.contains("invalid string"),
            "{why}"
        );
    }

    #[test]
    fn builtin_tables_parse_and_cite_every_entry() {
        for node in Node::ALL {
            let t = Ert::builtin(node);
            assert_eq!(t.name(), node.name());
            let rows = t.rows();
            assert_eq!(rows.len(), 2 + 2 + 3 + 3 + 3 + 6 + 4);
            assert!(rows.iter().all(|r| !r.source.is_empty()));
        }
    }

    #[test]
    fn node_names_parse() {
        assert_eq!("7NM".parse::<Node>().unwrap(), Node::Nm7);
        assert_eq!("45nm".parse::<Node>().unwrap(), Node::Nm45);
        let e = "28nm".parse::<Node>().unwrap_err().to_string();
        assert!(e.contains("28nm") && e.contains("45nm"), "{e}");
    }

    fn without(line_starting: &str) -> String {
        TABLE_7NM
            .lines()
            .filter(|l| !l.starts_with(line_starting))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn missing_entries_are_named() {
        for (drop, key) in [
            ("fp16 = { value = 0.34", "fp_mul.fp16"),
            ("8 = { value = 0.007", "int_add.8"),
            ("sram_kib =", "leakage.sram_kib"),
            ("bit =", "register"),
        ] {
            let e = Ert::from_toml_str(&without(drop), "mine.toml")
                .unwrap_err()
                .to_string();
            assert!(
                e.contains(key) && e.contains("mine.toml"),
                "dropping '{drop}': {e}"
            );
        }
    }

    #[test]
    fn bad_values_units_and_keys_are_refused() {
        let cases = [
            (
                TABLE_7NM.replace("value = 0.16,", "value = -0.16,"),
                "fp_add.fp16",
            ),
            (
                TABLE_7NM.replace("value = 0.16,", "value = nan,"),
                "fp_add.fp16",
            ),
            (
                TABLE_7NM.replace("value = 0.16,", "value = 1e308,"),
                "fp_add.fp16 = 1e308: energy must be a number from 0 to 1e6 pJ",
            ),
            (
                TABLE_7NM.replace("value = 0.16,", "value = inf,"),
                "fp_add.fp16 = inf",
            ),
            (
                TABLE_7NM.replace(
                    "value = 7.5, unit = \"pJ/64-bit access\"",
                    "value = 7.5, unit = \"pJ/bit\"",
                ),
                "sram.8",
            ),
            (
                TABLE_7NM.replace("[int_mul]\n8 =", "[int_mul]\nwide ="),
                "int_mul.wide",
            ),
            (TABLE_7NM.replace("lpddr4 =", "LPDDR4 ="), "dram.LPDDR4"),
            (
                TABLE_7NM.replace(
                    "source = \"TPUv4i 7 nm (Jouppi et al., ISCA 2021), FP16 add\"",
                    "source = \" \"",
                ),
                "fp_add.fp16",
            ),
            (format!("{TABLE_7NM}\nbogus = 1\n"), "bogus"),
        ];
        for (text, key) in cases {
            let e = Ert::from_toml_str(&text, "t").unwrap_err().to_string();
            assert!(e.contains(key), "expected '{key}' in: {e}");
        }
        let e = Ert::from_toml_str("int_add = [", "broken.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("broken.toml"), "{e}");
    }

    /// The DRAM section is open: a table without some DRAM type still
    /// loads, lists what it has, and refuses only a price it cannot give.
    #[test]
    fn dram_types_are_priced_when_listed() {
        use crate::{Action, DramKind};
        let t = Ert::from_toml_str(
            &without("hbm2 =").replace("lpddr4 =", "sdram ="),
            "mine.toml",
        )
        .unwrap();
        assert!(t.rows().iter().any(|r| r.key == "dram.sdram"));
        let e = t
            .cost(Action::DramBit {
                kind: DramKind::Hbm2,
            })
            .unwrap_err()
            .to_string();
        assert!(e.contains("dram.hbm2"), "{e}");
        assert!(t
            .cost(Action::DramBit {
                kind: DramKind::Ddr4
            })
            .is_ok());
        // Every built-in table prices every DRAM type the toolchain knows.
        for node in Node::ALL {
            for &kind in DramKind::ALL {
                assert!(Ert::builtin(node).cost(Action::DramBit { kind }).is_ok());
            }
        }
    }

    #[test]
    fn reads_a_user_file() {
        let dir = std::env::temp_dir().join(format!("tritone-ert-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("mine.toml");
        std::fs::write(&p, TABLE_45NM.replace("name = \"45nm\"", "name = \"mine\"")).unwrap();
        assert_eq!(Ert::from_toml_file(&p).unwrap().name(), "mine");
        let e = Ert::from_toml_file(&dir.join("absent.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("absent.toml"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
