//! The parameters a design point is built from, described once in
//! [`PARAMS`]: name, group, kind of value, meaning, default, and how the
//! value sets the architecture or the workload. Everything that names
//! parameters derives from this table — the sweep's flags, spec-file keys,
//! CSV columns and point keys, the synthesis-cache key ([`rtl_key`]) and the
//! table in `docs/sweeps.md` ([`markdown_table`]) — so a new parameter is
//! one entry here.
//!
//! ```
//! use tritone_eval::param::{self, DesignSpec};
//!
//! let mut values = param::defaults();
//! let rows = param::find("rows")?;
//! values[rows.index()] = rows.kind.parse("64")?;
//! let spec = DesignSpec::from_values(&values);
//! assert_eq!(spec.arch.rows, Some(64));
//! assert!(param::rtl_key(&spec.config()?).starts_with("rows=64;cols=256;pe=ternary;acc_bits=15;"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::error::EvalError;
use crate::point::{DesignPoint, DEFAULT_MODEL, DEFAULT_WORKLOAD};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use tritone_energy::DramKind;
use tritone_reference::ModelShape;
use tritone_sim::config::{AttentionUnit, Buffers, Dram, Schedule, System, VectorUnit};
use tritone_sim::{ArrayConfig, ArraySpec, DataflowKind, PeKind, Workload};

/// Which part of a design a parameter sets.
#[derive(Clone, Copy, Debug)]
pub enum Group {
    /// Hardware the RTL generator reads: part of the synthesis key, with the
    /// value the built design has (an `auto` accumulator resolved).
    Rtl {
        /// The parameter's value in a validated architecture.
        resolved: fn(&ArrayConfig) -> Value,
    },
    /// The rest of the architecture (memories, clock): not in the RTL.
    Arch,
    /// The model and how it is run.
    Workload,
}

impl Group {
    /// The spec-file table holding the parameter: `arch` or `workload`.
    pub const fn section(self) -> &'static str {
        match self {
            Group::Rtl { .. } | Group::Arch => "arch",
            Group::Workload => "workload",
        }
    }
}

/// Accumulator width: a number of bits, or the narrowest that cannot overflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccBits {
    /// The narrowest width that cannot overflow for the rows and PE kind.
    Auto,
    /// A fixed width.
    Bits(u32),
}

/// The kind of a parameter's values: how one is parsed and written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A non-negative integer.
    Count,
    /// A real number.
    Real,
    /// `true`, `false`, or `auto` (decided by another parameter).
    Flag,
    /// A PE kind name.
    Pe,
    /// A dataflow name.
    Dataflow,
    /// A DRAM type name.
    Dram,
    /// Accumulator bits or `auto`.
    AccBits,
    /// Weight banks per PE (1, 2, 4, 8) or `auto` (two with double buffering, else one).
    Banks,
    /// A model of the zoo (case-insensitive; written lowercase).
    Model,
    /// Where attention's products run: `vector`, or an array `RxC`.
    AttentionUnit,
    /// An operator schedule: `sequential` or `overlapped`.
    Schedule,
}

/// One parameter value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A [`Kind::Count`].
    Count(u32),
    /// A [`Kind::Real`].
    Real(f64),
    /// A [`Kind::Flag`]: `None` is `auto`.
    Flag(Option<bool>),
    /// A [`Kind::Pe`].
    Pe(PeKind),
    /// A [`Kind::Dataflow`].
    Dataflow(DataflowKind),
    /// A [`Kind::Dram`].
    Dram(DramKind),
    /// A [`Kind::AccBits`].
    AccBits(AccBits),
    /// A [`Kind::Banks`]: `None` is `auto`.
    Banks(Option<u32>),
    /// A [`Kind::Model`], lowercase.
    Model(String),
    /// A [`Kind::AttentionUnit`].
    AttentionUnit(AttentionUnit),
    /// A [`Kind::Schedule`].
    Schedule(Schedule),
}

impl Kind {
    /// Parses one value.
    pub fn parse(self, text: &str) -> Result<Value, String> {
        let t = text.trim();
        let number = |what: &str| format!("'{t}' is not {what}");
        Ok(match self {
            Kind::Count => Value::Count(t.parse().map_err(|_| number("a non-negative integer"))?),
            Kind::Real => {
                let v: f64 = t.parse().map_err(|_| number("a number"))?;
                if !v.is_finite() {
                    return Err(number("a finite number"));
                }
                Value::Real(v)
            }
            Kind::Flag => Value::Flag(match t.to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" | "1" => Some(true),
                "false" | "no" | "off" | "0" => Some(false),
                "auto" => None,
                _ => return Err(number("true, false or auto")),
            }),
            Kind::Pe => Value::Pe(t.parse()?),
            Kind::Dataflow => Value::Dataflow(t.parse()?),
            Kind::Dram => Value::Dram(t.parse()?),
            Kind::AccBits if t.eq_ignore_ascii_case("auto") => Value::AccBits(AccBits::Auto),
            Kind::AccBits => Value::AccBits(AccBits::Bits(
                t.parse().map_err(|_| number("a number of bits or auto"))?,
            )),
            Kind::Banks if t.eq_ignore_ascii_case("auto") => Value::Banks(None),
            Kind::Banks => {
                Value::Banks(Some(t.parse().map_err(|_| number("a bank count or auto"))?))
            }
            Kind::Model if t.is_empty() => return Err("empty model name".into()),
            Kind::Model => Value::Model(t.to_ascii_lowercase()),
            Kind::AttentionUnit => Value::AttentionUnit(parse_attention_unit(t)?),
            Kind::Schedule => Value::Schedule(t.parse()?),
        })
    }

    /// The accepted values, for help texts and the docs table.
    pub fn values_doc(self) -> String {
        let names = |v: Vec<&str>| {
            v.iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Kind::Count => "integer".into(),
            Kind::Real => "number".into(),
            Kind::Flag => "`true`, `false`, or `auto`".into(),
            Kind::Pe => names(PeKind::ALL.iter().map(|k| k.name()).collect()),
            Kind::Dataflow => names(DataflowKind::ALL.iter().map(|k| k.name()).collect()),
            Kind::Dram => names(DramKind::ALL.iter().map(|k| k.name()).collect()),
            Kind::AccBits => "bits, or `auto`".into(),
            Kind::Banks => "`1`, `2`, `4`, `8`, or `auto`".into(),
            Kind::Model => "a zoo name (`tritone models`)".into(),
            Kind::AttentionUnit => "`vector`, or an array `RxC` (e.g. `64x64`)".into(),
            Kind::Schedule => names(Schedule::ALL.iter().map(|s| s.name()).collect()),
        }
    }
}

/// `vector` or `RxC` (rows × columns of an attention array).
pub fn parse_attention_unit(text: &str) -> Result<AttentionUnit, String> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("vector") {
        return Ok(AttentionUnit::Vector);
    }
    let dims: Option<Vec<u32>> = t
        .split(['x', 'X', '×'])
        .map(|d| d.trim().parse().ok())
        .collect();
    match dims.as_deref() {
        Some([rows, cols]) => Ok(AttentionUnit::Array {
            rows: *rows,
            cols: *cols,
        }),
        _ => Err(format!("'{t}' is not `vector` or RxC (e.g. 64x64)")),
    }
}

/// The text of an attention unit: `vector` or `RxC`.
pub fn attention_unit_text(u: AttentionUnit) -> String {
    match u {
        AttentionUnit::Vector => "vector".into(),
        AttentionUnit::Array { rows, cols } => format!("{rows}x{cols}"),
    }
}

impl Value {
    /// The canonical text, as written in point keys and CSV cells (reals in
    /// their shortest form that reads back exactly).
    pub fn text(&self) -> String {
        match self {
            Value::Count(n) => n.to_string(),
            Value::Real(v) => v.to_string(),
            Value::Flag(Some(b)) => b.to_string(),
            Value::Flag(None) => "auto".into(),
            Value::Pe(p) => p.name().to_string(),
            Value::Dataflow(d) => d.name().to_string(),
            Value::Dram(d) => d.name().to_string(),
            Value::AccBits(AccBits::Auto) => "auto".into(),
            Value::AccBits(AccBits::Bits(b)) => b.to_string(),
            Value::Banks(None) => "auto".into(),
            Value::Banks(Some(b)) => b.to_string(),
            Value::Model(m) => m.clone(),
            Value::AttentionUnit(u) => attention_unit_text(*u),
            Value::Schedule(k) => k.name().to_string(),
        }
    }

    fn mismatch(&self, want: &str) -> ! {
        unreachable!("parameter table: {self:?} is not {want}")
    }

    fn count(&self) -> u32 {
        match self {
            Value::Count(n) => *n,
            v => v.mismatch("a count"),
        }
    }

    fn real(&self) -> f64 {
        match self {
            Value::Real(v) => *v,
            v => v.mismatch("a real"),
        }
    }

    fn flag(&self) -> Option<bool> {
        match self {
            Value::Flag(b) => *b,
            v => v.mismatch("a flag"),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

/// What the parameters build: a raw architecture, a model name and a workload.
#[derive(Clone, Debug, PartialEq)]
pub struct DesignSpec {
    /// The architecture (validated by [`DesignSpec::config`]).
    pub arch: ArraySpec,
    /// The model's zoo name.
    pub model: String,
    /// The workload.
    pub workload: Workload,
}

impl DesignSpec {
    /// The design of `values`, one per parameter in [`PARAMS`] order.
    pub fn from_values(values: &[Value]) -> DesignSpec {
        assert_eq!(values.len(), PARAMS.len(), "one value per parameter");
        let mut spec = DesignSpec {
            arch: ArraySpec::default(),
            model: DEFAULT_MODEL.to_string(),
            workload: DEFAULT_WORKLOAD,
        };
        for (p, v) in PARAMS.iter().zip(values) {
            (p.set)(&mut spec, v);
        }
        spec
    }

    /// The validated architecture.
    pub fn config(&self) -> Result<ArrayConfig, EvalError> {
        Ok(ArrayConfig::new(self.arch.clone())?)
    }

    /// The design point, its model looked up in `zoo`.
    pub fn point(&self, zoo: &Zoo) -> Result<DesignPoint, EvalError> {
        DesignPoint::new(self.config()?, zoo.get(&self.model)?, self.workload)
    }

    fn buffers(&mut self) -> &mut Buffers {
        self.arch
            .buffers
            .get_or_insert_with(|| ArrayConfig::default().buffers())
    }

    fn dram(&mut self) -> &mut Dram {
        self.arch
            .dram
            .get_or_insert_with(|| ArrayConfig::default().dram())
    }

    fn vector(&mut self) -> &mut VectorUnit {
        self.arch
            .vector
            .get_or_insert_with(|| ArrayConfig::default().vector())
    }

    fn system(&mut self) -> &mut System {
        self.arch
            .system
            .get_or_insert_with(|| ArrayConfig::default().system())
    }
}

/// The model zoo by lowercase name, each shape shared.
#[derive(Clone, Debug)]
pub struct Zoo(HashMap<String, Arc<ModelShape>>);

impl Default for Zoo {
    fn default() -> Self {
        Zoo(tritone_reference::zoo()
            .into_iter()
            .map(|m| (m.name.to_ascii_lowercase(), Arc::new(m)))
            .collect())
    }
}

impl Zoo {
    /// The model named `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Result<Arc<ModelShape>, EvalError> {
        self.0
            .get(&name.to_ascii_lowercase())
            .cloned()
            // The zoo's own error lists every known name.
            .ok_or_else(|| match tritone_reference::model(name) {
                Err(e) => EvalError::Model(e.to_string()),
                Ok(_) => EvalError::Model(format!("unknown model '{name}'")),
            })
    }
}

/// One parameter.
#[derive(Clone, Copy, Debug)]
pub struct Param {
    /// The name in spec files, CSV headers and point keys (flags use dashes).
    pub name: &'static str,
    /// What it sets.
    pub group: Group,
    /// Its values.
    pub kind: Kind,
    /// What it means.
    pub about: &'static str,
    /// Its value when not given.
    pub default: fn() -> Value,
    /// Sets the value on a design being built.
    pub set: fn(&mut DesignSpec, &Value),
}

impl Param {
    /// Its position in [`PARAMS`] (the enumeration order of a sweep).
    pub fn index(&self) -> usize {
        PARAMS
            .iter()
            .position(|p| p.name == self.name)
            .expect("a parameter of the table")
    }

    /// The command-line flag, e.g. `--acc-bits`.
    pub fn flag(&self) -> String {
        format!("--{}", self.name.replace('_', "-"))
    }
}

fn default_arch() -> ArrayConfig {
    ArrayConfig::default()
}

/// Every parameter, in enumeration order: a sweep varies the last one
/// fastest, like nested loops written in this order.
pub const PARAMS: &[Param] = &[
    Param {
        name: "rows",
        group: Group::Rtl {
            resolved: |c| Value::Count(c.rows()),
        },
        kind: Kind::Count,
        about: "array rows R (1..4096), the reduction dimension",
        default: || Value::Count(default_arch().rows()),
        set: |s, v| s.arch.rows = Some(v.count()),
    },
    Param {
        name: "cols",
        group: Group::Rtl {
            resolved: |c| Value::Count(c.cols()),
        },
        kind: Kind::Count,
        about: "array columns C (1..4096), the output features",
        default: || Value::Count(default_arch().cols()),
        set: |s, v| s.arch.cols = Some(v.count()),
    },
    Param {
        name: "pe",
        group: Group::Rtl {
            resolved: |c| Value::Pe(c.pe()),
        },
        kind: Kind::Pe,
        about: "processing element",
        default: || Value::Pe(default_arch().pe()),
        set: |s, v| match v {
            Value::Pe(p) => s.arch.pe = Some(*p),
            v => v.mismatch("a PE kind"),
        },
    },
    Param {
        name: "acc_bits",
        group: Group::Rtl {
            resolved: |c| Value::AccBits(AccBits::Bits(c.acc_bits())),
        },
        kind: Kind::AccBits,
        about: "accumulator bits (`auto`: the narrowest that cannot overflow)",
        default: || Value::AccBits(AccBits::Auto),
        set: |s, v| match v {
            Value::AccBits(AccBits::Auto) => s.arch.acc_bits = None,
            Value::AccBits(AccBits::Bits(b)) => s.arch.acc_bits = Some(*b),
            v => v.mismatch("an accumulator width"),
        },
    },
    Param {
        name: "double_buffer",
        group: Group::Rtl {
            resolved: |c| Value::Flag(Some(c.double_buffer())),
        },
        kind: Kind::Flag,
        about: "load the next weight tile while one streams (`auto`: as weight_banks \
                decides, yes unless it is 1; a value a weight_banks count contradicts \
                makes the point invalid)",
        default: || Value::Flag(None),
        set: |s, v| s.arch.double_buffer = v.flag(),
    },
    Param {
        name: "weight_banks",
        group: Group::Rtl {
            resolved: |c| Value::Banks(Some(c.weight_banks())),
        },
        kind: Kind::Banks,
        about: "weight banks per PE (`auto`: two, or one with double_buffer = false); \
                more banks let one-token decode load tiles further ahead",
        default: || Value::Banks(None),
        set: |s, v| match v {
            Value::Banks(None) => s.arch.weight_banks = None,
            Value::Banks(Some(b)) => s.arch.weight_banks = Some(*b),
            v => v.mismatch("a bank count"),
        },
    },
    Param {
        name: "weight_rows_per_cycle",
        group: Group::Rtl {
            resolved: |c| Value::Count(c.weight_rows_per_cycle()),
        },
        kind: Kind::Count,
        about: "weight rows written per weight beat (1..rows)",
        default: || Value::Count(default_arch().weight_rows_per_cycle()),
        set: |s, v| s.arch.weight_rows_per_cycle = Some(v.count()),
    },
    Param {
        name: "dataflow",
        group: Group::Rtl {
            resolved: |c| Value::Dataflow(c.dataflow()),
        },
        kind: Kind::Dataflow,
        about: "how GEMMs fold onto the array (the RTL engine is weight-stationary)",
        default: || Value::Dataflow(default_arch().dataflow()),
        set: |s, v| match v {
            Value::Dataflow(d) => s.arch.dataflow = Some(*d),
            v => v.mismatch("a dataflow"),
        },
    },
    Param {
        name: "weight_kib",
        group: Group::Arch,
        kind: Kind::Count,
        about: "weight buffer, KiB",
        default: || Value::Count(default_arch().buffers().weight_kib),
        set: |s, v| s.buffers().weight_kib = v.count(),
    },
    Param {
        name: "act_kib",
        group: Group::Arch,
        kind: Kind::Count,
        about: "activation buffer, KiB",
        default: || Value::Count(default_arch().buffers().act_kib),
        set: |s, v| s.buffers().act_kib = v.count(),
    },
    Param {
        name: "out_kib",
        group: Group::Arch,
        kind: Kind::Count,
        about: "output buffer, KiB",
        default: || Value::Count(default_arch().buffers().out_kib),
        set: |s, v| s.buffers().out_kib = v.count(),
    },
    Param {
        name: "dram",
        group: Group::Arch,
        kind: Kind::Dram,
        about: "DRAM type (its energy per bit comes from the energy table)",
        default: || Value::Dram(default_arch().dram().kind),
        set: |s, v| match v {
            Value::Dram(d) => s.dram().kind = *d,
            v => v.mismatch("a DRAM type"),
        },
    },
    Param {
        name: "dram_gbps",
        group: Group::Arch,
        kind: Kind::Real,
        about: "DRAM bandwidth, GB/s",
        default: || Value::Real(default_arch().dram().bandwidth_gbps),
        set: |s, v| s.dram().bandwidth_gbps = v.real(),
    },
    Param {
        name: "clock_mhz",
        group: Group::Arch,
        kind: Kind::Real,
        about: "clock, MHz",
        default: || Value::Real(default_arch().clock_mhz()),
        set: |s, v| s.arch.clock_mhz = Some(v.real()),
    },
    Param {
        name: "vector_lanes",
        group: Group::Arch,
        kind: Kind::Count,
        about: "vector-unit lanes (norms, quantizers, softmax, activations)",
        default: || Value::Count(default_arch().vector().lanes),
        set: |s, v| s.vector().lanes = v.count(),
    },
    Param {
        name: "attention_unit",
        group: Group::Arch,
        kind: Kind::AttentionUnit,
        about: "where QKᵀ and AV run: the vector unit, or an attention array RxC",
        default: || Value::AttentionUnit(default_arch().attention_unit()),
        set: |s, v| match v {
            Value::AttentionUnit(u) => s.arch.attention_unit = Some(*u),
            v => v.mismatch("an attention unit"),
        },
    },
    Param {
        name: "schedule",
        group: Group::Arch,
        kind: Kind::Schedule,
        about: "operator schedule: one after another, or overlapped across units",
        default: || Value::Schedule(default_arch().schedule()),
        set: |s, v| match v {
            Value::Schedule(k) => s.arch.schedule = Some(*k),
            v => v.mismatch("a schedule"),
        },
    },
    Param {
        name: "devices",
        group: Group::Arch,
        kind: Kind::Count,
        about: "devices running the model (pipeline stages × tensor-parallel devices)",
        default: || Value::Count(default_arch().system().devices),
        set: |s, v| s.system().devices = v.count(),
    },
    Param {
        name: "tensor_parallel",
        group: Group::Arch,
        kind: Kind::Count,
        about: "tensor-parallel devices per pipeline stage (divides devices)",
        default: || Value::Count(default_arch().system().tensor_parallel),
        set: |s, v| s.system().tensor_parallel = v.count(),
    },
    Param {
        name: "model",
        group: Group::Workload,
        kind: Kind::Model,
        about: "model",
        default: || Value::Model(DEFAULT_MODEL.to_string()),
        set: |s, v| match v {
            Value::Model(m) => s.model = m.clone(),
            v => v.mismatch("a model name"),
        },
    },
    Param {
        name: "batch",
        group: Group::Workload,
        kind: Kind::Count,
        about: "sequences processed together",
        default: || Value::Count(DEFAULT_WORKLOAD.batch as u32),
        set: |s, v| s.workload.batch = v.count().into(),
    },
    Param {
        name: "prefill",
        group: Group::Workload,
        kind: Kind::Count,
        about: "prompt tokens per sequence",
        default: || Value::Count(DEFAULT_WORKLOAD.prefill as u32),
        set: |s, v| s.workload.prefill = v.count().into(),
    },
    Param {
        name: "decode",
        group: Group::Workload,
        kind: Kind::Count,
        about: "generated tokens per sequence",
        default: || Value::Count(DEFAULT_WORKLOAD.decode as u32),
        set: |s, v| s.workload.decode = v.count().into(),
    },
    Param {
        name: "kv_bits",
        group: Group::Workload,
        kind: Kind::Count,
        about: "KV-cache bits per element: 16, 8 or 4",
        default: || Value::Count(default_arch().kv_bits()),
        set: |s, v| s.arch.kv_bits = Some(v.count()),
    },
];

/// Why a parameter name was not found.
#[derive(Debug, thiserror::Error)]
#[error("unknown parameter '{name}' (valid: {valid})")]
pub struct UnknownParam {
    /// The name as given.
    pub name: String,
    /// The valid names, comma-separated.
    pub valid: String,
}

/// The names of the parameters that satisfy `keep`, comma-separated.
pub fn names(keep: impl Fn(&Param) -> bool) -> String {
    PARAMS
        .iter()
        .filter(|p| keep(p))
        .map(|p| p.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The parameter called `name` (`acc_bits` and `acc-bits` alike).
pub fn find(name: &str) -> Result<&'static Param, UnknownParam> {
    let norm = name.trim().replace('-', "_");
    PARAMS
        .iter()
        .find(|p| p.name == norm)
        .ok_or_else(|| UnknownParam {
            name: name.to_string(),
            valid: names(|_| true),
        })
}

/// Every parameter's default value, in table order.
pub fn defaults() -> Vec<Value> {
    PARAMS.iter().map(|p| (p.default)()).collect()
}

/// The synthesis-cache key of an architecture: every RTL parameter with the
/// value the built design has, e.g. `rows=16;cols=32;pe=ternary;acc_bits=12;…`.
/// Clock, memories and workload do not change the RTL.
pub fn rtl_key(cfg: &ArrayConfig) -> String {
    PARAMS
        .iter()
        .filter_map(|p| match p.group {
            Group::Rtl { resolved } => Some(format!("{}={}", p.name, resolved(cfg))),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// The parameter table of `docs/sweeps.md`, generated from [`PARAMS`].
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| parameter | flag | table | default | meaning | values |\n|---|---|---|---|---|---|\n",
    );
    for p in PARAMS {
        let rtl = if matches!(p.group, Group::Rtl { .. }) {
            " (RTL)"
        } else {
            ""
        };
        out.push_str(&format!(
            "| {} | `{}` | {}{rtl} | {} | {} | {} |\n",
            p.name,
            p.flag(),
            p.group.section(),
            (p.default)(),
            p.about,
            p.kind.values_doc()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_build_the_default_design() {
        let spec = DesignSpec::from_values(&defaults());
        assert_eq!(spec.config().unwrap(), ArrayConfig::default());
        assert_eq!(
            (spec.model.as_str(), spec.workload),
            (DEFAULT_MODEL, DEFAULT_WORKLOAD)
        );
        assert!(spec.point(&Zoo::default()).is_ok());
    }

    #[test]
    fn every_parameter_sets_its_part_and_reads_back() {
        for p in PARAMS {
            assert_eq!(find(p.name).unwrap().name, p.name);
            assert_eq!(find(&p.flag()[2..]).unwrap().index(), p.index());
            let mut values = defaults();
            let before = DesignSpec::from_values(&values);
            // A value other than the default, parsed from its own text.
            let other = match p.kind {
                Kind::Count => "7",
                Kind::Real => "123.5",
                Kind::Flag => "false",
                Kind::Pe => "mac-int8",
                // One dataflow so far: its name reads back, another is refused.
                Kind::Dataflow if DataflowKind::ALL.len() == 1 => {
                    let v = p.kind.parse("Weight-Stationary").unwrap();
                    assert_eq!((p.default)(), v);
                    assert!(p.kind.parse("output-stationary").is_err());
                    continue;
                }
                Kind::Dataflow => DataflowKind::ALL[1].name(),
                Kind::Dram => "hbm2",
                Kind::AccBits => "30",
                Kind::Banks => "4",
                Kind::Model => "Bitnet-B1.58-700M",
                Kind::AttentionUnit => "32x16",
                Kind::Schedule => "sequential",
            };
            let v = p.kind.parse(other).unwrap();
            assert_eq!(p.kind.parse(&v.text()).unwrap(), v, "{}", p.name);
            values[p.index()] = v;
            assert_ne!(
                DesignSpec::from_values(&values),
                before,
                "{} sets nothing",
                p.name
            );
        }
        assert!(find("bogus").unwrap_err().to_string().contains("kv_bits"));
    }

    #[test]
    fn the_rtl_key_resolves_auto_and_ignores_the_rest() {
        let mut values = defaults();
        let base = DesignSpec::from_values(&values).config().unwrap();
        let key = rtl_key(&base);
        assert_eq!(
            key,
            "rows=256;cols=256;pe=ternary;acc_bits=17;double_buffer=true;weight_banks=2;\
             weight_rows_per_cycle=1;dataflow=weight-stationary"
        );
        for (name, text) in [
            ("clock_mhz", "500"),
            ("dram_gbps", "8"),
            ("kv_bits", "8"),
            ("acc_bits", "17"),
            ("attention_unit", "vector"),
            ("schedule", "sequential"),
            ("vector_lanes", "32"),
        ] {
            let p = find(name).unwrap();
            values[p.index()] = p.kind.parse(text).unwrap();
            let c = DesignSpec::from_values(&values).config().unwrap();
            assert_eq!(rtl_key(&c), key, "{name} changed the RTL key");
        }
    }

    /// `double_buffer = auto` follows a bank count (so a design point never
    /// claims double buffering with one bank); a value given against the
    /// count makes the point invalid instead of being overridden.
    #[test]
    fn double_buffering_follows_or_contradicts_a_bank_count() {
        let (db, wb) = (
            find("double_buffer").unwrap(),
            find("weight_banks").unwrap(),
        );
        let design = |d: &str, b: &str| {
            let mut values = defaults();
            values[db.index()] = db.kind.parse(d).unwrap();
            values[wb.index()] = wb.kind.parse(b).unwrap();
            DesignSpec::from_values(&values).config()
        };
        for (d, b, banks, double) in [
            ("auto", "auto", 2, true),
            ("auto", "1", 1, false),
            ("auto", "4", 4, true),
            ("false", "auto", 1, false),
            ("true", "8", 8, true),
            ("false", "1", 1, false),
        ] {
            let c = design(d, b).unwrap();
            assert_eq!(
                (c.weight_banks(), c.double_buffer()),
                (banks, double),
                "{d} {b}"
            );
            assert!(rtl_key(&c).contains(&format!("double_buffer={double};")));
        }
        for (d, b) in [("false", "4"), ("true", "1")] {
            let e = design(d, b).unwrap_err().to_string();
            assert!(e.contains("contradicts double_buffer"), "{d} {b}: {e}");
        }
    }

    /// `docs/sweeps.md` shows the tables the code generates: a parameter or
    /// a metric column added or changed fails here until the docs follow.
    #[test]
    fn the_docs_tables_are_the_generated_ones() {
        let doc = include_str!("../../docs/sweeps.md");
        let block = |start: &str| {
            let from = doc.find(start).map(|i| i + start.len() + 1);
            let from = from.unwrap_or_else(|| panic!("docs/sweeps.md lacks '{start}'"));
            let to = from + doc[from..].find("<!-- end of").expect("end marker");
            doc[from..to].to_string()
        };
        let params =
            block("<!-- parameter table: generated by tritone_eval::param::markdown_table -->");
        assert_eq!(
            params,
            markdown_table(),
            "update docs/sweeps.md with this table"
        );
        let metrics =
            block("<!-- metric columns: generated by tritone_eval::metrics::markdown_table -->");
        assert_eq!(
            metrics,
            crate::metrics::markdown_table(),
            "update docs/sweeps.md with this table"
        );
    }

    #[test]
    fn bad_values_are_refused_with_the_reason() {
        assert!(Kind::Count.parse("-1").unwrap_err().contains("'-1'"));
        assert!(Kind::Real.parse("inf").unwrap_err().contains("finite"));
        assert!(Kind::Flag
            .parse("maybe")
            .unwrap_err()
            .contains("true, false or auto"));
        assert_eq!(Kind::Flag.parse("off"), Ok(Value::Flag(Some(false))));
        assert_eq!(Kind::Flag.parse("Auto"), Ok(Value::Flag(None)));
        assert!(Kind::Pe.parse("mac-int4").unwrap_err().contains("mac-int8"));
        assert!(Kind::Dram.parse("sdram").unwrap_err().contains("lpddr4"));
        let e = Zoo::default().get("gpt-5").unwrap_err().to_string();
        assert!(e.contains("gpt-5"), "{e}");
        assert!(markdown_table().contains("| rows | `--rows` | arch (RTL) | 256 | array rows"));
        assert_eq!(
            Kind::AttentionUnit.parse("64X32"),
            Ok(Value::AttentionUnit(AttentionUnit::Array {
                rows: 64,
                cols: 32
            }))
        );
        assert!(Kind::AttentionUnit.parse("64").unwrap_err().contains("RxC"));
        assert!(Kind::Schedule
            .parse("eager")
            .unwrap_err()
            .contains("overlapped"));
    }
}
