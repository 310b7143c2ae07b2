//! The design space: the swept parameters in their documented order, the
//! value lists of one sweep ([`SweepSpec`]) and its points ([`DesignPoint`])
//! in a stable cartesian enumeration.

use super::range::{
    parse_bool_list, parse_f64_list, parse_named_list, parse_u32_list, split_items,
};
use super::SweepError;
use std::collections::HashSet;
use std::fmt;
use tritone_energy::DramKind;
use tritone_sim::config::{Buffers, Dram};
use tritone_sim::{ArrayConfig, ArraySpec, PeKind};

/// The model swept when none is given.
pub const DEFAULT_MODEL: &str = "bitnet-b1.58-3b";

/// Which table of a spec file a parameter belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// `[arch]`: the hardware.
    Arch,
    /// `[workload]`: the model and how it is run.
    Workload,
}

/// A swept parameter. The declaration order is the enumeration order: the
/// cartesian product varies the last parameter fastest, like nested loops
/// written in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Param {
    /// Array rows R.
    Rows,
    /// Array columns C.
    Cols,
    /// PE kind.
    Pe,
    /// Accumulator width (`auto`: the smallest that cannot overflow).
    AccBits,
    /// Double-buffered weights.
    DoubleBuffer,
    /// Weight rows loaded per cycle.
    WeightRowsPerCycle,
    /// Weight buffer KiB.
    WeightKib,
    /// Activation buffer KiB.
    ActKib,
    /// Output buffer KiB.
    OutKib,
    /// DRAM technology.
    Dram,
    /// DRAM bandwidth, GB/s.
    DramGbps,
    /// Clock, MHz.
    ClockMhz,
    /// Model name (zoo key).
    Model,
    /// Sequences processed together.
    Batch,
    /// Prompt tokens.
    Prefill,
    /// Generated tokens.
    Decode,
    /// KV-cache bits per element.
    KvBits,
}

/// Number of swept parameters.
pub const PARAM_COUNT: usize = 17;

impl Param {
    /// Every parameter, in enumeration order.
    pub const ALL: [Param; PARAM_COUNT] = [
        Param::Rows,
        Param::Cols,
        Param::Pe,
        Param::AccBits,
        Param::DoubleBuffer,
        Param::WeightRowsPerCycle,
        Param::WeightKib,
        Param::ActKib,
        Param::OutKib,
        Param::Dram,
        Param::DramGbps,
        Param::ClockMhz,
        Param::Model,
        Param::Batch,
        Param::Prefill,
        Param::Decode,
        Param::KvBits,
    ];

    /// The name in spec files, CSV headers and point keys (the CLI flag uses dashes).
    pub const fn name(self) -> &'static str {
        match self {
            Param::Rows => "rows",
            Param::Cols => "cols",
            Param::Pe => "pe",
            Param::AccBits => "acc_bits",
            Param::DoubleBuffer => "double_buffer",
            Param::WeightRowsPerCycle => "weight_rows_per_cycle",
            Param::WeightKib => "weight_kib",
            Param::ActKib => "act_kib",
            Param::OutKib => "out_kib",
            Param::Dram => "dram",
            Param::DramGbps => "dram_gbps",
            Param::ClockMhz => "clock_mhz",
            Param::Model => "model",
            Param::Batch => "batch",
            Param::Prefill => "prefill",
            Param::Decode => "decode",
            Param::KvBits => "kv_bits",
        }
    }

    /// The spec-file table the parameter lives in.
    pub const fn group(self) -> Group {
        match self {
            Param::Model | Param::Batch | Param::Prefill | Param::Decode | Param::KvBits => {
                Group::Workload
            }
            _ => Group::Arch,
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// Every valid name of a group, comma-separated (for error messages).
    pub fn names_of(group: Group) -> String {
        Param::ALL
            .iter()
            .filter(|p| p.group() == group)
            .map(|p| p.name())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Param {
    type Err = SweepError;
    /// Accepts `acc_bits` and `acc-bits` alike.
    fn from_str(s: &str) -> Result<Self, SweepError> {
        let norm = s.replace('-', "_");
        Param::ALL
            .into_iter()
            .find(|p| p.name() == norm)
            .ok_or_else(|| SweepError::UnknownParam {
                key: s.to_string(),
                valid: Param::ALL
                    .iter()
                    .map(|p| p.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

/// Accumulator width of a point: a number of bits or the overflow-free minimum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccBits {
    /// The smallest width that cannot overflow for the point's rows and PE.
    Auto,
    /// A fixed width.
    Bits(u32),
}

impl fmt::Display for AccBits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccBits::Auto => f.write_str("auto"),
            AccBits::Bits(b) => write!(f, "{b}"),
        }
    }
}

/// The value lists of one sweep, one non-empty duplicate-free list per
/// parameter. Parameters not given keep a single default value.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepSpec {
    rows: Vec<u32>,
    cols: Vec<u32>,
    pe: Vec<PeKind>,
    acc_bits: Vec<AccBits>,
    double_buffer: Vec<bool>,
    weight_rows_per_cycle: Vec<u32>,
    weight_kib: Vec<u32>,
    act_kib: Vec<u32>,
    out_kib: Vec<u32>,
    dram: Vec<DramKind>,
    dram_gbps: Vec<f64>,
    clock_mhz: Vec<f64>,
    model: Vec<String>,
    batch: Vec<u32>,
    prefill: Vec<u32>,
    decode: Vec<u32>,
    kv_bits: Vec<u32>,
}

impl Default for SweepSpec {
    /// One point: the simulator's default architecture, the 3B model, batch 1,
    /// prefill 512, decode 128.
    fn default() -> Self {
        let c = ArrayConfig::default();
        SweepSpec {
            rows: vec![c.rows()],
            cols: vec![c.cols()],
            pe: vec![c.pe()],
            acc_bits: vec![AccBits::Auto],
            double_buffer: vec![c.double_buffer()],
            weight_rows_per_cycle: vec![c.weight_rows_per_cycle()],
            weight_kib: vec![c.buffers().weight_kib],
            act_kib: vec![c.buffers().act_kib],
            out_kib: vec![c.buffers().out_kib],
            dram: vec![c.dram().kind],
            dram_gbps: vec![c.dram().bandwidth_gbps],
            clock_mhz: vec![c.clock_mhz()],
            model: vec![DEFAULT_MODEL.to_string()],
            batch: vec![1],
            prefill: vec![512],
            decode: vec![128],
            kv_bits: vec![c.kv_bits()],
        }
    }
}

/// The canonical text of a parameter value, as written in point keys and CSV cells.
pub trait ValueText {
    /// Canonical text (`f64` uses the shortest form that reads back exactly).
    fn text(&self) -> String;
}

impl ValueText for u32 {
    fn text(&self) -> String {
        self.to_string()
    }
}
impl ValueText for f64 {
    fn text(&self) -> String {
        self.to_string()
    }
}
impl ValueText for bool {
    fn text(&self) -> String {
        self.to_string()
    }
}
impl ValueText for String {
    fn text(&self) -> String {
        self.clone()
    }
}
impl ValueText for PeKind {
    fn text(&self) -> String {
        self.name().to_string()
    }
}
impl ValueText for DramKind {
    fn text(&self) -> String {
        self.name().to_string()
    }
}
impl ValueText for AccBits {
    fn text(&self) -> String {
        self.to_string()
    }
}

fn no_duplicates<T: ValueText>(param: Param, values: Vec<T>) -> Result<Vec<T>, SweepError> {
    let mut seen = HashSet::new();
    for v in &values {
        if !seen.insert(v.text()) {
            return Err(SweepError::spec(
                param.name(),
                format!("value {} is listed twice", v.text()),
            ));
        }
    }
    Ok(values)
}

fn acc_list(param: &str, text: &str) -> Result<Vec<AccBits>, SweepError> {
    let mut out = Vec::new();
    for item in split_items(param, text)? {
        if item.eq_ignore_ascii_case("auto") {
            out.push(AccBits::Auto);
        } else {
            out.extend(parse_u32_list(param, item)?.into_iter().map(AccBits::Bits));
        }
    }
    Ok(out)
}

/// One design point: a value for every parameter, and its position in the
/// sweep's enumeration.
#[derive(Clone, Debug, PartialEq)]
pub struct DesignPoint {
    /// Position in the enumeration of its sweep (0-based).
    pub index: u64,
    /// Array rows.
    pub rows: u32,
    /// Array columns.
    pub cols: u32,
    /// PE kind.
    pub pe: PeKind,
    /// Accumulator width.
    pub acc_bits: AccBits,
    /// Double-buffered weights.
    pub double_buffer: bool,
    /// Weight rows loaded per cycle.
    pub weight_rows_per_cycle: u32,
    /// Weight buffer KiB.
    pub weight_kib: u32,
    /// Activation buffer KiB.
    pub act_kib: u32,
    /// Output buffer KiB.
    pub out_kib: u32,
    /// DRAM technology.
    pub dram: DramKind,
    /// DRAM bandwidth, GB/s.
    pub dram_gbps: f64,
    /// Clock, MHz.
    pub clock_mhz: f64,
    /// Model name.
    pub model: String,
    /// Batch size.
    pub batch: u32,
    /// Prompt tokens.
    pub prefill: u32,
    /// Generated tokens.
    pub decode: u32,
    /// KV-cache bits per element.
    pub kv_bits: u32,
}

impl DesignPoint {
    /// Every parameter with its canonical value text, in enumeration order.
    pub fn values(&self) -> [(Param, String); PARAM_COUNT] {
        [
            (Param::Rows, self.rows.text()),
            (Param::Cols, self.cols.text()),
            (Param::Pe, self.pe.text()),
            (Param::AccBits, self.acc_bits.text()),
            (Param::DoubleBuffer, self.double_buffer.text()),
            (Param::WeightRowsPerCycle, self.weight_rows_per_cycle.text()),
            (Param::WeightKib, self.weight_kib.text()),
            (Param::ActKib, self.act_kib.text()),
            (Param::OutKib, self.out_kib.text()),
            (Param::Dram, self.dram.text()),
            (Param::DramGbps, self.dram_gbps.text()),
            (Param::ClockMhz, self.clock_mhz.text()),
            (Param::Model, self.model.text()),
            (Param::Batch, self.batch.text()),
            (Param::Prefill, self.prefill.text()),
            (Param::Decode, self.decode.text()),
            (Param::KvBits, self.kv_bits.text()),
        ]
    }

    /// The stable identity of the point: `rows=16;cols=32;pe=ternary;...;kv_bits=16`
    /// (every parameter, in enumeration order). Resume and merge match rows by it.
    pub fn key(&self) -> String {
        let parts: Vec<String> = self
            .values()
            .iter()
            .map(|(p, v)| format!("{p}={v}"))
            .collect();
        parts.join(";")
    }

    /// The architecture of the point, as the simulator's raw description.
    pub fn array_spec(&self) -> ArraySpec {
        let width_bits = ArrayConfig::default().buffers().width_bits;
        ArraySpec {
            rows: Some(self.rows),
            cols: Some(self.cols),
            acc_bits: match self.acc_bits {
                AccBits::Auto => None,
                AccBits::Bits(b) => Some(b),
            },
            pe: Some(self.pe),
            double_buffer: Some(self.double_buffer),
            weight_rows_per_cycle: Some(self.weight_rows_per_cycle),
            clock_mhz: Some(self.clock_mhz),
            buffers: Some(Buffers {
                weight_kib: self.weight_kib,
                act_kib: self.act_kib,
                out_kib: self.out_kib,
                width_bits,
            }),
            dram: Some(Dram {
                kind: self.dram,
                bandwidth_gbps: self.dram_gbps,
            }),
            kv_bits: Some(self.kv_bits),
            ..ArraySpec::default()
        }
    }

    /// The validated architecture, or why it is impossible.
    pub fn array_config(&self) -> Result<ArrayConfig, tritone_sim::ConfigError> {
        ArrayConfig::new(self.array_spec())
    }

    /// Rebuilds a point from its parameter texts (a CSV row), refusing
    /// missing or unparsable values.
    pub fn from_values<'a>(
        index: u64,
        mut value_of: impl FnMut(Param) -> Option<&'a str>,
    ) -> Result<DesignPoint, SweepError> {
        let mut spec = SweepSpec::default();
        for p in Param::ALL {
            let text = value_of(p)
                .ok_or_else(|| SweepError::spec(p.name(), "missing value".to_string()))?;
            spec.set(p, text)?;
            if spec.lens()[p.index()] != 1 {
                return Err(SweepError::spec(
                    p.name(),
                    format!("'{text}' is not a single value"),
                ));
            }
        }
        let mut point = spec.point(0);
        point.index = index;
        Ok(point)
    }
}

impl SweepSpec {
    /// Replaces the values of `param` with the list in `text` (see
    /// [`super::range`] for the grammar). Empty lists, unparsable values
    /// and duplicates are refused.
    pub fn set(&mut self, param: Param, text: &str) -> Result<(), SweepError> {
        let n = param.name();
        match param {
            Param::Rows => self.rows = no_duplicates(param, parse_u32_list(n, text)?)?,
            Param::Cols => self.cols = no_duplicates(param, parse_u32_list(n, text)?)?,
            Param::Pe => self.pe = no_duplicates(param, parse_named_list(n, text)?)?,
            Param::AccBits => self.acc_bits = no_duplicates(param, acc_list(n, text)?)?,
            Param::DoubleBuffer => {
                self.double_buffer = no_duplicates(param, parse_bool_list(n, text)?)?
            }
            Param::WeightRowsPerCycle => {
                self.weight_rows_per_cycle = no_duplicates(param, parse_u32_list(n, text)?)?
            }
            Param::WeightKib => self.weight_kib = no_duplicates(param, parse_u32_list(n, text)?)?,
            Param::ActKib => self.act_kib = no_duplicates(param, parse_u32_list(n, text)?)?,
            Param::OutKib => self.out_kib = no_duplicates(param, parse_u32_list(n, text)?)?,
            Param::Dram => self.dram = no_duplicates(param, parse_named_list(n, text)?)?,
            Param::DramGbps => self.dram_gbps = no_duplicates(param, parse_f64_list(n, text)?)?,
            Param::ClockMhz => self.clock_mhz = no_duplicates(param, parse_f64_list(n, text)?)?,
            Param::Model => {
                // Zoo names are matched case-insensitively: one spelling per model.
                let names = split_items(n, text)?
                    .into_iter()
                    .map(str::to_ascii_lowercase)
                    .collect();
                self.model = no_duplicates(param, names)?
            }
            Param::Batch => self.batch = no_duplicates(param, parse_u32_list(n, text)?)?,
            Param::Prefill => self.prefill = no_duplicates(param, parse_u32_list(n, text)?)?,
            Param::Decode => self.decode = no_duplicates(param, parse_u32_list(n, text)?)?,
            Param::KvBits => self.kv_bits = no_duplicates(param, parse_u32_list(n, text)?)?,
        }
        Ok(())
    }

    /// Reads a TOML spec: `[arch]` and `[workload]` tables whose keys are
    /// parameter names and whose values are value-list strings
    /// (`"8..64:x2"`), TOML arrays (`[8, 16]`) or single values.
    pub fn from_toml_str(text: &str) -> Result<SweepSpec, SweepError> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| SweepError::SpecFile(e.to_string()))?;
        let mut spec = SweepSpec::default();
        for (section, value) in &table {
            let group = match section.as_str() {
                "arch" => Group::Arch,
                "workload" => Group::Workload,
                other => {
                    return Err(SweepError::SpecFile(format!(
                        "unknown table [{other}] (expected [arch] and [workload])"
                    )))
                }
            };
            let toml::Value::Table(entries) = value else {
                return Err(SweepError::SpecFile(format!("'{section}' must be a table")));
            };
            for (key, value) in entries {
                let param: Param = key.parse().map_err(|_| SweepError::UnknownParam {
                    key: format!("[{section}] {key}"),
                    valid: Param::names_of(group),
                })?;
                if param.group() != group {
                    return Err(SweepError::UnknownParam {
                        key: format!("[{section}] {key} (it belongs in the other table)"),
                        valid: Param::names_of(group),
                    });
                }
                spec.set(param, &toml_list_text(param, value)?)?;
            }
        }
        Ok(spec)
    }

    /// Number of values of every parameter, in enumeration order.
    pub fn lens(&self) -> [usize; PARAM_COUNT] {
        [
            self.rows.len(),
            self.cols.len(),
            self.pe.len(),
            self.acc_bits.len(),
            self.double_buffer.len(),
            self.weight_rows_per_cycle.len(),
            self.weight_kib.len(),
            self.act_kib.len(),
            self.out_kib.len(),
            self.dram.len(),
            self.dram_gbps.len(),
            self.clock_mhz.len(),
            self.model.len(),
            self.batch.len(),
            self.prefill.len(),
            self.decode.len(),
            self.kv_bits.len(),
        ]
    }

    /// Number of design points (the product of the list lengths).
    pub fn len(&self) -> Result<u64, SweepError> {
        self.lens()
            .iter()
            .try_fold(1u64, |acc, &n| acc.checked_mul(n as u64))
            .ok_or(SweepError::TooLarge)
    }

    /// Whether the sweep has no points (never: every list is non-empty).
    pub fn is_empty(&self) -> bool {
        self.lens().contains(&0)
    }

    /// The canonical texts of the values of `param`, in list order.
    pub fn value_texts(&self, param: Param) -> Vec<String> {
        fn texts<T: ValueText>(v: &[T]) -> Vec<String> {
            v.iter().map(ValueText::text).collect()
        }
        match param {
            Param::Rows => texts(&self.rows),
            Param::Cols => texts(&self.cols),
            Param::Pe => texts(&self.pe),
            Param::AccBits => texts(&self.acc_bits),
            Param::DoubleBuffer => texts(&self.double_buffer),
            Param::WeightRowsPerCycle => texts(&self.weight_rows_per_cycle),
            Param::WeightKib => texts(&self.weight_kib),
            Param::ActKib => texts(&self.act_kib),
            Param::OutKib => texts(&self.out_kib),
            Param::Dram => texts(&self.dram),
            Param::DramGbps => texts(&self.dram_gbps),
            Param::ClockMhz => texts(&self.clock_mhz),
            Param::Model => texts(&self.model),
            Param::Batch => texts(&self.batch),
            Param::Prefill => texts(&self.prefill),
            Param::Decode => texts(&self.decode),
            Param::KvBits => texts(&self.kv_bits),
        }
    }

    /// The enumeration position of a point with these parameter values in
    /// this sweep, if it is one of its points (matched on canonical texts).
    pub fn index_of(&self, point: &DesignPoint) -> Option<u64> {
        let lens = self.lens();
        let mut index = 0u64;
        for (p, text) in point.values() {
            let pos = self.value_texts(p).iter().position(|v| *v == text)?;
            index = index * lens[p.index()] as u64 + pos as u64;
        }
        Some(index)
    }

    /// The model names of the sweep.
    pub fn models(&self) -> &[String] {
        &self.model
    }

    /// The point at enumeration position `index` (< [`SweepSpec::len`]):
    /// mixed-radix digits, the last parameter varying fastest.
    pub fn point(&self, index: u64) -> DesignPoint {
        let lens = self.lens();
        let mut digits = [0usize; PARAM_COUNT];
        let mut rest = index;
        for i in (0..PARAM_COUNT).rev() {
            digits[i] = (rest % lens[i] as u64) as usize;
            rest /= lens[i] as u64;
        }
        let d = |p: Param| digits[p.index()];
        DesignPoint {
            index,
            rows: self.rows[d(Param::Rows)],
            cols: self.cols[d(Param::Cols)],
            pe: self.pe[d(Param::Pe)],
            acc_bits: self.acc_bits[d(Param::AccBits)],
            double_buffer: self.double_buffer[d(Param::DoubleBuffer)],
            weight_rows_per_cycle: self.weight_rows_per_cycle[d(Param::WeightRowsPerCycle)],
            weight_kib: self.weight_kib[d(Param::WeightKib)],
            act_kib: self.act_kib[d(Param::ActKib)],
            out_kib: self.out_kib[d(Param::OutKib)],
            dram: self.dram[d(Param::Dram)],
            dram_gbps: self.dram_gbps[d(Param::DramGbps)],
            clock_mhz: self.clock_mhz[d(Param::ClockMhz)],
            model: self.model[d(Param::Model)].clone(),
            batch: self.batch[d(Param::Batch)],
            prefill: self.prefill[d(Param::Prefill)],
            decode: self.decode[d(Param::Decode)],
            kv_bits: self.kv_bits[d(Param::KvBits)],
        }
    }
}

/// Turns a TOML value into the value-list grammar.
fn toml_list_text(param: Param, value: &toml::Value) -> Result<String, SweepError> {
    let scalar = |v: &toml::Value| -> Result<String, SweepError> {
        match v {
            toml::Value::String(s) => Ok(s.clone()),
            toml::Value::Integer(i) => Ok(i.to_string()),
            toml::Value::Float(f) => Ok(f.to_string()),
            toml::Value::Boolean(b) => Ok(b.to_string()),
            other => Err(SweepError::spec(
                param.name(),
                format!("unsupported value {other}"),
            )),
        }
    };
    match value {
        toml::Value::Array(items) if items.is_empty() => {
            Err(SweepError::spec(param.name(), "empty list".to_string()))
        }
        toml::Value::Array(items) => Ok(items
            .iter()
            .map(scalar)
            .collect::<Result<Vec<_>, _>>()?
            .join(",")),
        other => scalar(other),
    }
}
