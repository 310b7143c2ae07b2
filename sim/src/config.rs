//! The architecture description: one validated [`ArrayConfig`] that the
//! simulator, the energy model and the RTL generator all read.
//!
//! [`ArraySpec`] is the raw, serde-friendly form (every field optional, TOML
//! loadable); [`ArrayConfig::new`] validates it once, and an `ArrayConfig`
//! cannot exist in an invalid state afterwards.

use crate::dataflow::DataflowKind;
use crate::dram::DramRate;
use crate::error::SimError;
use serde::{Deserialize, Serialize};
use std::path::Path;
use tritone_energy::{DramKind, FpFormat};

/// Largest array dimension the simulator accepts.
pub const MAX_DIM: u32 = 4096;

/// The clocks an architecture may have, MHz: 1 MHz to 10 GHz. Below, no
/// logic runs (and the simulator's kHz resolution would round the clock
/// away); above, no silicon switches. A clock outside is a typo (`1e-300`).
pub const CLOCK_MHZ_RANGE: std::ops::RangeInclusive<f64> = 1.0..=10_000.0;

/// The DRAM bandwidths an architecture may have, GB/s: the simulator's
/// resolution of 0.001 GB/s to 100,000 GB/s (100 TB/s, past any memory
/// system built). The bound keeps bytes per cycle (`1000 · MB/s / kHz`) far
/// inside 64 bits; `1e300` would wrap it.
pub const DRAM_GBPS_RANGE: std::ops::RangeInclusive<f64> = 0.001..=100_000.0;

/// Default array rows and columns: 256×256. At batch 1 every fold streams
/// one token, so a fold cannot start sooner than the drain of the bank it
/// reloads allows (about (R + C)/2 cycles with two weight banks); a 256×256
/// tile of 2-bit weights (16 KiB) every 256 cycles is 64 B/cycle, the
/// default DRAM's rate at 1 GHz, so batch-1 decode reaches the DRAM bound
/// (a 128×128 array reaches half of it). The FP16 baseline's 128 KiB tiles
/// are 8× the bytes: DRAM-bound, as on the paper's GPUs.
pub const DEFAULT_DIM: u32 = 256;

/// Default on-chip buffers. The activation buffer holds a chunk of at least
/// R tokens of the widest K of the zoo (LLaMA-2 70B's down_proj, K = 28 672:
/// 256 tokens × 28 KiB = 7 MiB), so that each weight tile streams as many
/// tokens as it takes to load; each output bank holds 256 tokens of 256
/// 32-bit sums (512 KiB for the two).
pub const DEFAULT_BUFFERS: Buffers = Buffers {
    weight_kib: 256,
    act_kib: 8192,
    out_kib: 512,
    width_bits: 256,
};

/// Default vector-unit lanes: 256 FP16 lanes keep the norms, quantizers,
/// softmax and activations of a 70B prefill at an eighth of the array's time
/// (64 lanes: half), so that they hide under the array when overlapped.
pub const DEFAULT_LANES: u32 = 256;

/// Rows and columns of the default attention array.
pub const DEFAULT_ATTENTION_DIM: u32 = 64;

/// The default attention unit: a 64×64 array, so that QKᵀ and AV at long
/// prompts do not fall on the vector unit (which the paper's GPUs did not
/// have to do either: their tensor cores run attention's matrix products).
pub fn default_attention_unit() -> AttentionUnit {
    AttentionUnit::Array {
        rows: DEFAULT_ATTENTION_DIM,
        cols: DEFAULT_ATTENTION_DIM,
    }
}

pub use crate::pe::PeKind;

/// Precision of attention (QKᵀ, softmax, AV) on the vector unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttentionPrecision {
    /// FP16 multiply-adds.
    Fp16,
    /// INT8 multiply, wide integer accumulate.
    Int8,
}

/// How ternary weights are stored in DRAM.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WeightPacking {
    /// 2 bits per weight (the array's own code).
    TwoBit,
    /// Five trits per byte: 1.6 bits per weight.
    FiveTritsPerByte,
}

impl WeightPacking {
    /// The name used in TOML and shown to users (`two-bit`, `five-trits-per-byte`).
    pub const fn name(self) -> &'static str {
        match self {
            WeightPacking::TwoBit => "two-bit",
            WeightPacking::FiveTritsPerByte => "five-trits-per-byte",
        }
    }

    /// Ternary weights per DRAM byte (3^5 = 243 ≤ 256: five trits fit a byte).
    pub const fn weights_per_byte(self) -> u64 {
        match self {
            WeightPacking::TwoBit => 4,
            WeightPacking::FiveTritsPerByte => 5,
        }
    }

    /// Average DRAM bits per ternary weight.
    pub fn bits_per_weight(self) -> f64 {
        8.0 / self.weights_per_byte() as f64
    }
}

/// On-chip SRAM buffers. TOML: `[buffers]`; an unknown key is refused.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Buffers {
    /// Weight buffer capacity in KiB.
    pub weight_kib: u32,
    /// Activation buffer capacity in KiB.
    pub act_kib: u32,
    /// Output / accumulator buffer capacity in KiB.
    pub out_kib: u32,
    /// Width of one SRAM access in bits, as the design states it. It changes
    /// no figure: the engine's buffer words follow from R, C, L and the
    /// stream width ([`crate::engine::Geometry`]), and SRAM energy is priced
    /// per bit moved. Reports print it and cache keys carry it.
    pub width_bits: u32,
}

/// Off-chip memory. TOML: `[dram]`; an unknown key is refused.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dram {
    /// Technology (selects the energy per bit).
    pub kind: DramKind,
    /// Sustained bandwidth in GB/s (10^9 bytes per second).
    pub bandwidth_gbps: f64,
}

/// The vector unit that runs everything that is not a BitLinear. TOML:
/// `[vector]`; an unknown key is refused.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VectorUnit {
    /// Parallel lanes (one element operation each per cycle).
    pub lanes: u32,
    /// Arithmetic precision.
    pub precision: FpFormat,
}

/// Where attention's two matrix products, QKᵀ and AV, run.
///
/// TOML: `[attention_unit]` with `kind = "vector"`, or `kind = "array"` and
/// its `rows` and `cols`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum AttentionUnit {
    /// On the vector unit: one lane per multiply-add.
    Vector,
    /// On a second systolic array of multiply-accumulate PEs in the
    /// `attention` precision (INT8, or FP16 with FP32 accumulation), with the
    /// KV cache's operand stationary and queries (or score rows) streamed
    /// (`model::attention`).
    Array {
        /// Rows of the attention array.
        rows: u32,
        /// Columns of the attention array.
        cols: u32,
    },
}

impl AttentionUnit {
    /// Multiply-accumulate PEs it adds to the design (0 on the vector unit).
    pub fn pes(&self) -> u64 {
        match *self {
            AttentionUnit::Vector => 0,
            AttentionUnit::Array { rows, cols } => rows as u64 * cols as u64,
        }
    }
}

/// How the operators of a phase are scheduled on the units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Schedule {
    /// One operator after another: no unit works while another does.
    Sequential,
    /// The array, the attention unit, the vector unit and DRAM overlap
    /// where the data dependences allow: a pipeline over tiles of tokens
    /// between producers and consumers (`model::schedule`).
    Overlapped,
}

impl Schedule {
    /// Both schedules, sequential first.
    pub const ALL: [Schedule; 2] = [Schedule::Sequential, Schedule::Overlapped];

    /// The name, as in files.
    pub const fn name(self) -> &'static str {
        match self {
            Schedule::Sequential => "sequential",
            Schedule::Overlapped => "overlapped",
        }
    }
}

impl std::str::FromStr for Schedule {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Schedule::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown schedule '{s}' (valid: sequential, overlapped)"))
    }
}

/// Default bandwidth of a device-to-device link, GB/s per direction: PCIe
/// 4.0 ×16 (16 GT/s × 16 lanes with 128b/130b coding ≈ 31.5 GB/s, PCI-SIG),
/// rounded to 32.
pub const DEFAULT_LINK_GBPS: f64 = 32.0;

/// Default latency of one transfer on a link, µs (an assumption of the order
/// of a PCIe DMA round trip; the report shows how little it weighs).
pub const DEFAULT_LINK_LATENCY_US: f64 = 2.0;

/// Most devices a system may have.
pub const MAX_DEVICES: u32 = 4096;

/// Several devices running one model: pipeline parallelism (the layers
/// split into `devices / tensor_parallel` stages, the batch into
/// micro-batches) and tensor parallelism (each layer's GEMMs and heads
/// split over `tensor_parallel` devices, with an all-reduce over the links
/// after o_proj and down_proj). Every device is the design of the rest of
/// the architecture. TOML: `[system]`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct System {
    /// Devices D. Default 1.
    #[serde(default = "one")]
    pub devices: u32,
    /// Tensor-parallel devices per pipeline stage (divides `devices`). Default 1.
    #[serde(default = "one")]
    pub tensor_parallel: u32,
    /// Micro-batches the batch is split into for the pipeline. Default: the
    /// number of pipeline stages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub micro_batches: Option<u32>,
    /// Bandwidth of each device-to-device link, GB/s per direction.
    #[serde(default = "default_link_gbps")]
    pub link_gbps: f64,
    /// Latency of one transfer on a link, µs.
    #[serde(default = "default_link_latency_us")]
    pub link_latency_us: f64,
    /// DRAM capacity of each device, GiB: the model's share and its KV
    /// cache must fit. Default: unlimited (not checked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_gib: Option<f64>,
}

fn one() -> u32 {
    1
}

fn default_link_gbps() -> f64 {
    DEFAULT_LINK_GBPS
}

fn default_link_latency_us() -> f64 {
    DEFAULT_LINK_LATENCY_US
}

impl Default for System {
    fn default() -> Self {
        System {
            devices: 1,
            tensor_parallel: 1,
            micro_batches: None,
            link_gbps: DEFAULT_LINK_GBPS,
            link_latency_us: DEFAULT_LINK_LATENCY_US,
            memory_gib: None,
        }
    }
}

impl System {
    /// Pipeline stages: `devices / tensor_parallel`.
    pub fn stages(&self) -> u32 {
        self.devices / self.tensor_parallel
    }

    /// Micro-batches: as set, or one per pipeline stage.
    pub fn micro_batches(&self) -> u32 {
        self.micro_batches.unwrap_or(self.stages())
    }

    /// DRAM capacity per device in bytes, if limited.
    pub fn memory_bytes(&self) -> Option<u64> {
        self.memory_gib.map(|g| (g * (1u64 << 30) as f64) as u64)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.devices == 0 || self.devices > MAX_DEVICES {
            return Err(invalid(
                "system.devices",
                self.devices,
                format!("must be between 1 and {MAX_DEVICES}"),
            ));
        }
        if self.tensor_parallel == 0 || !self.devices.is_multiple_of(self.tensor_parallel) {
            return Err(invalid(
                "system.tensor_parallel",
                self.tensor_parallel,
                format!(
                    "must divide system.devices ({}): each pipeline stage has the same number of devices",
                    self.devices
                ),
            ));
        }
        if self.micro_batches == Some(0) {
            return Err(invalid("system.micro_batches", 0, "must be at least 1"));
        }
        if !(self.link_gbps.is_finite() && self.link_gbps > 0.0) {
            return Err(invalid(
                "system.link_gbps",
                self.link_gbps,
                "must be a positive number (a link that moves nothing cannot carry activations)",
            ));
        }
        if !(self.link_latency_us.is_finite() && self.link_latency_us >= 0.0) {
            return Err(invalid(
                "system.link_latency_us",
                self.link_latency_us,
                "must be a finite number of at least 0",
            ));
        }
        if let Some(g) = self.memory_gib {
            if !(g.is_finite() && g > 0.0) {
                return Err(invalid("system.memory_gib", g, "must be a positive number"));
            }
        }
        Ok(())
    }
}

/// Raw architecture description: every field optional, defaults filled in by
/// [`ArrayConfig::new`]. This is the TOML schema.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArraySpec {
    /// Array rows R (the reduction dimension K maps onto rows). Default 256.
    pub rows: Option<u32>,
    /// Array columns C (output features N map onto columns). Default 256.
    pub cols: Option<u32>,
    /// Accumulator width; default: the smallest that cannot overflow.
    pub acc_bits: Option<u32>,
    /// PE kind. Default ternary.
    pub pe: Option<PeKind>,
    /// Dataflow. Default (and the only one so far) weight-stationary.
    pub dataflow: Option<DataflowKind>,
    /// Double-buffered weights (two weight banks per PE). Default true.
    pub double_buffer: Option<bool>,
    /// Weight banks per PE: 1, 2, 4 or 8 (tiles loaded while earlier ones
    /// stream). Default 2, or 1 with `double_buffer = false`; more banks let
    /// one-token folds reload the array faster than a bank drains (R + C edges).
    pub weight_banks: Option<u32>,
    /// Weight rows loaded per cycle (per weight beat). Default 1.
    pub weight_rows_per_cycle: Option<u32>,
    /// Clock in MHz. Default 1000.
    pub clock_mhz: Option<f64>,
    /// On-chip buffers.
    pub buffers: Option<Buffers>,
    /// DRAM.
    pub dram: Option<Dram>,
    /// Vector unit.
    pub vector: Option<VectorUnit>,
    /// Attention precision. Default fp16.
    pub attention: Option<AttentionPrecision>,
    /// KV-cache bits per element: 16, 8 or 4. Default 16.
    pub kv_bits: Option<u32>,
    /// DRAM packing of ternary weights. Default two-bit.
    pub weight_packing: Option<WeightPacking>,
    /// Where QKᵀ and AV run. Default: [`default_attention_unit`].
    pub attention_unit: Option<AttentionUnit>,
    /// Operator schedule. Default overlapped.
    pub schedule: Option<Schedule>,
    /// Devices and their parallelism. Default: one device.
    pub system: Option<System>,
    /// Bytes per beat of the engine's AXI4-Stream interfaces (a power of two,
    /// 1 to 1024). Default ([`crate::engine::stream_bytes`]): the smallest
    /// power of two of at least the DRAM's bytes per cycle (at least 4), so
    /// the stream never limits the DRAM, but no wider than the widest buffer
    /// word (a weight beat, a token's R activations, a token's C 32-bit
    /// sums, rounded up to a power of two), since the engine takes no more
    /// than one word per edge.
    pub stream_bytes: Option<u32>,
}

impl ArraySpec {
    /// Parses a TOML architecture file into the raw spec (not yet validated),
    /// so that command-line options can override single fields before
    /// [`ArrayConfig::new`] validates the whole.
    pub fn from_toml_file(path: &Path) -> Result<ArraySpec, ConfigError> {
        let file_err = |why: String| ConfigError::File {
            path: path.display().to_string(),
            why,
        };
        let text = std::fs::read_to_string(path).map_err(|e| file_err(e.to_string()))?;
        toml::from_str(&text).map_err(|e| file_err(tritone_energy::toml_error(&e)))
    }
}

/// Why an architecture description was refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    /// A field is out of its range.
    #[error("invalid architecture: {field} = {value}: {why}")]
    Invalid {
        /// The offending field.
        field: &'static str,
        /// Its value, as text.
        value: String,
        /// What is wrong.
        why: String,
    },
    /// The TOML could not be read or parsed.
    #[error("cannot read architecture file {path}: {why}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        why: String,
    },
}

fn invalid(field: &'static str, value: impl ToString, why: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        field,
        value: value.to_string(),
        why: why.into(),
    }
}

/// A validated architecture. Construct with [`ArrayConfig::new`] (or
/// [`ArrayConfig::from_toml_file`]); fields are read through accessors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ArraySpec", into = "ArraySpec")]
pub struct ArrayConfig {
    rows: u32,
    cols: u32,
    acc_bits: u32,
    pe: PeKind,
    dataflow: DataflowKind,
    weight_banks: u32,
    weight_rows_per_cycle: u32,
    clock_mhz: f64,
    buffers: Buffers,
    dram: Dram,
    vector: VectorUnit,
    attention: AttentionPrecision,
    kv_bits: u32,
    weight_packing: WeightPacking,
    attention_unit: AttentionUnit,
    schedule: Schedule,
    system: System,
    stream_bytes: Option<u32>,
}

impl Default for ArrayConfig {
    fn default() -> Self {
        ArrayConfig::new(ArraySpec::default()).expect("defaults are valid")
    }
}

impl TryFrom<ArraySpec> for ArrayConfig {
    type Error = ConfigError;
    fn try_from(spec: ArraySpec) -> Result<Self, ConfigError> {
        ArrayConfig::new(spec)
    }
}

impl From<ArrayConfig> for ArraySpec {
    fn from(c: ArrayConfig) -> ArraySpec {
        c.spec()
    }
}

impl ArrayConfig {
    /// Validates `spec`, filling in defaults.
    pub fn new(spec: ArraySpec) -> Result<ArrayConfig, ConfigError> {
        let rows = spec.rows.unwrap_or(DEFAULT_DIM);
        let cols = spec.cols.unwrap_or(DEFAULT_DIM);
        for (field, v) in [("rows", rows), ("cols", cols)] {
            if v == 0 || v > MAX_DIM {
                return Err(invalid(
                    field,
                    v,
                    format!("must be between 1 and {MAX_DIM}"),
                ));
            }
        }
        let pe = spec.pe.unwrap_or(PeKind::Ternary);
        let min_acc = pe.min_acc_bits(rows);
        let acc_bits = spec.acc_bits.unwrap_or(min_acc);
        if acc_bits < min_acc {
            return Err(invalid(
                "acc_bits",
                acc_bits,
                format!(
                    "a {}-row {} array can overflow below {min_acc} bits",
                    rows,
                    pe.name()
                ),
            ));
        }
        if acc_bits > 64 {
            return Err(invalid("acc_bits", acc_bits, "at most 64"));
        }
        if let Some((fixed, why)) = pe.fixed_acc_bits() {
            if acc_bits != fixed {
                return Err(invalid("acc_bits", acc_bits, why));
            }
        }
        let weight_rows_per_cycle = spec.weight_rows_per_cycle.unwrap_or(1);
        if weight_rows_per_cycle == 0 || weight_rows_per_cycle > rows {
            return Err(invalid(
                "weight_rows_per_cycle",
                weight_rows_per_cycle,
                format!("must be between 1 and rows ({rows})"),
            ));
        }
        let clock_mhz = spec.clock_mhz.unwrap_or(1000.0);
        if !(CLOCK_MHZ_RANGE.contains(&clock_mhz)) {
            return Err(invalid(
                "clock_mhz",
                format!("{clock_mhz:?}"),
                format!(
                    "must be a clock from {} to {} MHz",
                    CLOCK_MHZ_RANGE.start(),
                    CLOCK_MHZ_RANGE.end()
                ),
            ));
        }
        let buffers = spec.buffers.unwrap_or(DEFAULT_BUFFERS);
        if buffers.width_bits == 0 || !buffers.width_bits.is_power_of_two() {
            return Err(invalid(
                "buffers.width_bits",
                buffers.width_bits,
                "must be a power of two",
            ));
        }
        let dram = spec.dram.unwrap_or(Dram {
            kind: DramKind::Lpddr4,
            bandwidth_gbps: 64.0,
        });
        if !(DRAM_GBPS_RANGE.contains(&dram.bandwidth_gbps)) {
            return Err(invalid(
                "dram.bandwidth_gbps",
                format!("{:?}", dram.bandwidth_gbps),
                format!(
                    "must be a bandwidth from {} to {} GB/s",
                    DRAM_GBPS_RANGE.start(),
                    DRAM_GBPS_RANGE.end()
                ),
            ));
        }
        let vector = spec.vector.unwrap_or(VectorUnit {
            lanes: DEFAULT_LANES,
            precision: FpFormat::Fp16,
        });
        if vector.lanes == 0 || vector.lanes > 65536 {
            return Err(invalid(
                "vector.lanes",
                vector.lanes,
                "must be between 1 and 65536",
            ));
        }
        let kv_bits = spec.kv_bits.unwrap_or(16);
        if ![16, 8, 4].contains(&kv_bits) {
            return Err(invalid("kv_bits", kv_bits, "must be 16, 8 or 4"));
        }
        if let Some(b) = spec.stream_bytes {
            if !b.is_power_of_two() || b as u64 > crate::engine::MAX_STREAM_BYTES {
                return Err(invalid(
                    "stream_bytes",
                    b,
                    format!(
                        "must be a power of two from 1 to {}",
                        crate::engine::MAX_STREAM_BYTES
                    ),
                ));
            }
        }
        let attention_unit = spec.attention_unit.unwrap_or_else(default_attention_unit);
        if let AttentionUnit::Array { rows, cols } = attention_unit {
            for (field, v) in [("attention_unit.rows", rows), ("attention_unit.cols", cols)] {
                if v == 0 || v > MAX_DIM {
                    return Err(invalid(
                        field,
                        v,
                        format!("must be between 1 and {MAX_DIM}"),
                    ));
                }
            }
        }
        let system = spec.system.unwrap_or_default();
        system.validate()?;
        let weight_banks = match (spec.weight_banks, spec.double_buffer) {
            (Some(b), _) if ![1, 2, 4, 8].contains(&b) => {
                return Err(invalid("weight_banks", b, "must be 1, 2, 4 or 8"));
            }
            (Some(b), Some(db)) if db != (b > 1) => {
                return Err(invalid(
                    "weight_banks",
                    b,
                    format!(
                        "contradicts double_buffer = {db} (double buffering is 2 or more banks)"
                    ),
                ));
            }
            (Some(b), _) => b,
            (None, db) => {
                if db.unwrap_or(true) {
                    2
                } else {
                    1
                }
            }
        };
        let cfg = ArrayConfig {
            rows,
            cols,
            acc_bits,
            pe,
            dataflow: spec.dataflow.unwrap_or(DataflowKind::WeightStationary),
            weight_banks,
            weight_rows_per_cycle,
            clock_mhz,
            buffers,
            dram,
            vector,
            attention: spec.attention.unwrap_or(AttentionPrecision::Fp16),
            kv_bits,
            weight_packing: spec.weight_packing.unwrap_or(WeightPacking::TwoBit),
            attention_unit,
            schedule: spec.schedule.unwrap_or(Schedule::Overlapped),
            system,
            stream_bytes: spec.stream_bytes,
        };
        // Every buffer must hold what the engine needs for any GEMM.
        if let Err(crate::SimError::Buffer { buffer, why }) = crate::engine::Geometry::of(&cfg) {
            let (field, kib) = match buffer {
                "weight" => ("buffers.weight_kib", buffers.weight_kib),
                "activation" => ("buffers.act_kib", buffers.act_kib),
                _ => ("buffers.out_kib", buffers.out_kib),
            };
            return Err(invalid(field, kib, why));
        }
        Ok(cfg)
    }

    /// Reads and validates a TOML architecture file.
    pub fn from_toml_file(path: &Path) -> Result<ArrayConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
            path: path.display().to_string(),
            why: e.to_string(),
        })?;
        Self::from_toml_str(&text).map_err(|e| match e {
            ConfigError::File { why, .. } => ConfigError::File {
                path: path.display().to_string(),
                why,
            },
            other => other,
        })
    }

    /// Parses and validates TOML text.
    pub fn from_toml_str(text: &str) -> Result<ArrayConfig, ConfigError> {
        let spec: ArraySpec = toml::from_str(text).map_err(|e| ConfigError::File {
            path: "<toml>".into(),
            why: tritone_energy::toml_error(&e),
        })?;
        ArrayConfig::new(spec)
    }

    /// The fully specified form (every field set): round-trips through `new`.
    pub fn spec(&self) -> ArraySpec {
        ArraySpec {
            rows: Some(self.rows),
            cols: Some(self.cols),
            acc_bits: Some(self.acc_bits),
            pe: Some(self.pe),
            dataflow: Some(self.dataflow),
            double_buffer: Some(self.weight_banks > 1),
            weight_banks: Some(self.weight_banks),
            weight_rows_per_cycle: Some(self.weight_rows_per_cycle),
            clock_mhz: Some(self.clock_mhz),
            buffers: Some(self.buffers),
            dram: Some(self.dram),
            vector: Some(self.vector),
            attention: Some(self.attention),
            kv_bits: Some(self.kv_bits),
            weight_packing: Some(self.weight_packing),
            attention_unit: Some(self.attention_unit),
            schedule: Some(self.schedule),
            system: Some(self.system),
            stream_bytes: self.stream_bytes,
        }
    }

    /// Array rows R.
    pub fn rows(&self) -> u32 {
        self.rows
    }
    /// Array columns C.
    pub fn cols(&self) -> u32 {
        self.cols
    }
    /// Accumulator width A in bits.
    pub fn acc_bits(&self) -> u32 {
        self.acc_bits
    }
    /// PE kind.
    pub fn pe(&self) -> PeKind {
        self.pe
    }
    /// The dataflow.
    pub fn dataflow(&self) -> DataflowKind {
        self.dataflow
    }
    /// Whether weights are double-buffered (two or more banks).
    pub fn double_buffer(&self) -> bool {
        self.weight_banks > 1
    }
    /// Weight banks per PE.
    pub fn weight_banks(&self) -> u32 {
        self.weight_banks
    }
    /// Weight rows written per weight beat (L).
    pub fn weight_rows_per_cycle(&self) -> u32 {
        self.weight_rows_per_cycle
    }
    /// Weight beats per tile load: ⌈R / L⌉.
    pub fn weight_beats(&self) -> u32 {
        self.rows.div_ceil(self.weight_rows_per_cycle)
    }
    /// Clock frequency in MHz.
    pub fn clock_mhz(&self) -> f64 {
        self.clock_mhz
    }
    /// On-chip buffers.
    pub fn buffers(&self) -> Buffers {
        self.buffers
    }
    /// DRAM.
    pub fn dram(&self) -> Dram {
        self.dram
    }
    /// Vector unit.
    pub fn vector(&self) -> VectorUnit {
        self.vector
    }
    /// Attention precision.
    pub fn attention(&self) -> AttentionPrecision {
        self.attention
    }
    /// KV-cache bits per element.
    pub fn kv_bits(&self) -> u32 {
        self.kv_bits
    }
    /// DRAM packing of ternary weights.
    pub fn weight_packing(&self) -> WeightPacking {
        self.weight_packing
    }
    /// Where QKᵀ and AV run.
    pub fn attention_unit(&self) -> AttentionUnit {
        self.attention_unit
    }
    /// The operator schedule.
    pub fn schedule(&self) -> Schedule {
        self.schedule
    }
    /// The devices and their parallelism.
    pub fn system(&self) -> System {
        self.system
    }
    /// The same architecture with another schedule (both are always
    /// evaluated; this picks the one a figure reports).
    pub fn with_schedule(&self, schedule: Schedule) -> ArrayConfig {
        ArrayConfig {
            schedule,
            ..self.clone()
        }
    }
    /// The same architecture on a system of devices (validated).
    pub fn with_system(&self, system: System) -> Result<ArrayConfig, ConfigError> {
        system.validate()?;
        Ok(ArrayConfig {
            system,
            ..self.clone()
        })
    }
    /// The stream width set in the description, if any (see
    /// [`crate::engine::stream_bytes`] for the width in effect).
    pub fn stream_bytes(&self) -> Option<u32> {
        self.stream_bytes
    }

    /// The part of this architecture a GEMM's statistics depend on (see
    /// [`GemmKey`]); fails only when the DRAM rate is below the simulator's
    /// resolution.
    pub fn gemm_key(&self) -> Result<GemmKey, SimError> {
        // Every field is named: one added to ArrayConfig does not compile
        // here until it is placed in the key or said not to matter.
        let ArrayConfig {
            rows,
            cols,
            acc_bits,
            pe,
            dataflow,
            weight_banks,
            weight_rows_per_cycle,
            clock_mhz: _,
            buffers,
            dram,
            // Model-level only: the vector unit, attention (its precision and
            // its unit), the KV cache, the operator schedule and the devices
            // (tensor parallelism changes a GEMM's shape, not how a shape runs).
            vector: _,
            attention: _,
            kv_bits: _,
            attention_unit: _,
            schedule: _,
            system: _,
            weight_packing,
            stream_bytes: _,
        } = *self;
        // The clock and the bandwidth reach a GEMM only as bytes per cycle
        // (`DramRate`): equal fractions time every transfer alike.
        let (num, den) = DramRate::of(self)?.bytes_per_cycle();
        let g = gcd(num, den);
        Ok(GemmKey {
            array: ArrayKey {
                rows,
                cols,
                acc_bits,
                pe,
                dataflow,
                weight_banks,
                weight_rows_per_cycle,
                buffers: [
                    buffers.weight_kib,
                    buffers.act_kib,
                    buffers.out_kib,
                    buffers.width_bits,
                ],
                dram_kind: dram.kind,
                weight_packing,
                // The width in effect (set, or derived from the DRAM rate).
                stream_bytes: crate::engine::stream_bytes(self),
            },
            bytes_per_cycle: (num / g, den / g),
        })
    }
}

/// The architecture as a GEMM sees it: two configurations with equal keys
/// give equal [`crate::GemmStats`] for every shape and option (the clock and
/// DRAM bandwidth enter only as their bytes-per-cycle fraction, in lowest
/// terms). What a cache of GEMM results is keyed by.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GemmKey {
    array: ArrayKey,
    bytes_per_cycle: (u64, u64),
}

impl GemmKey {
    /// The key without the DRAM rate: what a mapping's candidates and its
    /// compute cycles (infinitely fast DRAM) depend on.
    pub fn array(&self) -> &ArrayKey {
        &self.array
    }
}

/// A [`GemmKey`] without the DRAM rate.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ArrayKey {
    rows: u32,
    cols: u32,
    acc_bits: u32,
    pe: PeKind,
    dataflow: DataflowKind,
    weight_banks: u32,
    weight_rows_per_cycle: u32,
    buffers: [u32; 4],
    dram_kind: DramKind,
    weight_packing: WeightPacking,
    stream_bytes: u64,
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_acc_bits_covers_the_extremes() {
        // 1 row: ±128 needs 9 bits; 128 rows: ±16384 needs 16 bits.
        assert_eq!(PeKind::Ternary.min_acc_bits(1), 9);
        assert_eq!(PeKind::Ternary.min_acc_bits(128), 16);
        assert_eq!(PeKind::Ternary.min_acc_bits(129), 16);
        assert_eq!(PeKind::Ternary.min_acc_bits(256), 17);
        assert_eq!(PeKind::MacInt8.min_acc_bits(1), 16);
        assert_eq!(PeKind::MacInt8.min_acc_bits(2), 17);
    }

    #[test]
    fn refuses_overflowing_accumulator() {
        let e = ArrayConfig::new(ArraySpec {
            rows: Some(8),
            acc_bits: Some(11),
            ..Default::default()
        })
        .unwrap_err();
        assert!(e.to_string().contains("acc_bits"), "{e}");
        assert!(ArrayConfig::new(ArraySpec {
            rows: Some(8),
            acc_bits: Some(12),
            ..Default::default()
        })
        .is_ok());
    }

    #[test]
    fn refuses_impossible_architectures() {
        for spec in [
            ArraySpec {
                rows: Some(0),
                ..Default::default()
            },
            ArraySpec {
                cols: Some(MAX_DIM + 1),
                ..Default::default()
            },
            ArraySpec {
                weight_rows_per_cycle: Some(0),
                ..Default::default()
            },
            ArraySpec {
                clock_mhz: Some(f64::NAN),
                ..Default::default()
            },
            ArraySpec {
                clock_mhz: Some(1e-300),
                ..Default::default()
            },
            ArraySpec {
                clock_mhz: Some(10_001.0),
                ..Default::default()
            },
            ArraySpec {
                dram: Some(Dram {
                    kind: DramKind::Hbm2,
                    bandwidth_gbps: 1e300,
                }),
                ..Default::default()
            },
            ArraySpec {
                dram: Some(Dram {
                    kind: DramKind::Hbm2,
                    bandwidth_gbps: f64::INFINITY,
                }),
                ..Default::default()
            },
            ArraySpec {
                kv_bits: Some(3),
                ..Default::default()
            },
            ArraySpec {
                dram: Some(Dram {
                    kind: DramKind::Hbm2,
                    bandwidth_gbps: 0.0,
                }),
                ..Default::default()
            },
            ArraySpec {
                rows: Some(256),
                cols: Some(256),
                buffers: Some(Buffers {
                    weight_kib: 8,
                    act_kib: 64,
                    out_kib: 64,
                    width_bits: 256,
                }),
                ..Default::default()
            },
            ArraySpec {
                stream_bytes: Some(48),
                ..Default::default()
            },
            ArraySpec {
                attention_unit: Some(AttentionUnit::Array { rows: 0, cols: 8 }),
                ..Default::default()
            },
        ] {
            assert!(ArrayConfig::new(spec.clone()).is_err(), "{spec:?} accepted");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(60))]
        /// What `GemmKey` claims: configurations with equal keys (here: the
        /// clock and the bandwidth scaled together) time every GEMM alike,
        /// and a different bytes-per-cycle fraction is a different key.
        #[test]
        fn equal_gemm_keys_give_equal_gemms(
            r in 1u32..12, c in 1u32..12, db: bool, int8: bool,
            gbps in 1u32..40, mhz in 50u32..400, k in 2u32..5,
            m in 1u64..40, kk in 1u64..300, n in 1u64..60,
        ) {
            use crate::gemm::{simulate_gemm, GemmOptions, GemmShape};
            let make = |gbps: f64, mhz: f64| ArrayConfig::new(ArraySpec {
                rows: Some(r),
                cols: Some(c),
                double_buffer: Some(db),
                pe: Some(if int8 { PeKind::MacInt8 } else { PeKind::Ternary }),
                clock_mhz: Some(mhz),
                buffers: Some(Buffers { weight_kib: 1, act_kib: 1, out_kib: 2, width_bits: 64 }),
                dram: Some(Dram { kind: DramKind::Ddr4, bandwidth_gbps: gbps }),
                ..Default::default()
            });
            let (a, b) = (make(gbps as f64, mhz as f64), make((gbps * k) as f64, (mhz * k) as f64));
            proptest::prop_assume!(a.is_ok());
            let (a, b) = (a.unwrap(), b.unwrap());
            proptest::prop_assert_eq!(a.gemm_key().unwrap(), b.gemm_key().unwrap());
            let shape = GemmShape { m, k: kk, n };
            let opts = GemmOptions::default();
            proptest::prop_assert_eq!(
                simulate_gemm(&a, &shape, &opts).unwrap(),
                simulate_gemm(&b, &shape, &opts).unwrap()
            );
            let faster = make((gbps * k) as f64, mhz as f64).unwrap();
            proptest::prop_assert_ne!(a.gemm_key().unwrap(), faster.gemm_key().unwrap());
        }
    }

    #[test]
    fn systems_are_refused_with_the_field_and_the_reason() {
        for (system, needle) in [
            (
                System {
                    link_gbps: 0.0,
                    devices: 2,
                    ..Default::default()
                },
                "system.link_gbps = 0",
            ),
            (
                System {
                    devices: 4,
                    tensor_parallel: 3,
                    ..Default::default()
                },
                "system.tensor_parallel = 3",
            ),
            (
                System {
                    devices: 0,
                    ..Default::default()
                },
                "system.devices = 0",
            ),
            (
                System {
                    micro_batches: Some(0),
                    ..Default::default()
                },
                "system.micro_batches",
            ),
            (
                System {
                    memory_gib: Some(-1.0),
                    ..Default::default()
                },
                "system.memory_gib",
            ),
        ] {
            let e = ArrayConfig::new(ArraySpec {
                system: Some(system),
                ..Default::default()
            })
            .unwrap_err()
            .to_string();
            assert!(e.contains(needle), "{e}");
        }
    }

    #[test]
    fn attention_unit_schedule_and_system_read_from_toml() {
        let c = ArrayConfig::from_toml_str(
            "schedule = \"sequential\"\n[attention_unit]\nkind = \"array\"\nrows = 32\ncols = 16\n\
             [system]\ndevices = 4\ntensor_parallel = 2\nlink_gbps = 300.0\n",
        )
        .unwrap();
        assert_eq!(
            c.attention_unit(),
            AttentionUnit::Array { rows: 32, cols: 16 }
        );
        assert_eq!(c.schedule(), Schedule::Sequential);
        let s = c.system();
        assert_eq!(
            (s.stages(), s.micro_batches(), s.link_latency_us),
            (2, 2, DEFAULT_LINK_LATENCY_US)
        );
        let v = ArrayConfig::from_toml_str("[attention_unit]\nkind = \"vector\"\n").unwrap();
        assert_eq!(v.attention_unit(), AttentionUnit::Vector);
        assert_eq!(ArrayConfig::default().schedule(), Schedule::Overlapped);
        let e = ArrayConfig::from_toml_str("[attention_unit]\nkind = \"array\"\nrows = 3\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("cols"), "{e}");
        let e = ArrayConfig::from_toml_str("[system]\ndevices = 2\nlink_gbps = 0.0\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("system.link_gbps = 0"), "{e}");
    }

    #[test]
    fn toml_round_trip() {
        let c = ArrayConfig::from_toml_str(
            "rows = 16\ncols = 8\npe = \"mac-int8\"\n[dram]\nkind = \"hbm2\"\nbandwidth_gbps = 256.0\n",
        )
        .unwrap();
        assert_eq!(
            (c.rows(), c.cols(), c.pe(), c.acc_bits()),
            (16, 8, PeKind::MacInt8, 20)
        );
        let text = toml::to_string(&c).unwrap();
        assert_eq!(ArrayConfig::from_toml_str(&text).unwrap(), c);
        assert!(ArrayConfig::from_toml_str("rows = 4\nbogus = 1\n")
            .unwrap_err()
            .to_string()
            .contains("bogus"));
    }
}
