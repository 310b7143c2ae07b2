//! The array design options shared by `tritone verilog` and `tritone
//! simulate`, so both take the same flags with the same defaults.

use std::path::PathBuf;

use tritone_sim::config::{AttentionUnit, Schedule};
use tritone_sim::{ArrayConfig, ArraySpec, DataflowKind, PeKind};

/// The array design: an optional TOML file, overridden field by field.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct DesignArgs {
    /// Architecture TOML (ArraySpec); the options below override its fields.
    #[arg(long)]
    pub arch: Option<PathBuf>,
    /// Array rows R: the reduction dimension.
    #[arg(long)]
    pub rows: Option<u32>,
    /// Array columns C: output features.
    #[arg(long)]
    pub cols: Option<u32>,
    /// Accumulator bits; default: the smallest that cannot overflow.
    #[arg(long)]
    pub acc_bits: Option<u32>,
    /// Two weight banks (or the --arch file's 2 or more): load the next tile
    /// while the current one streams (the default of `tritone simulate gemm`
    /// and `model`, `tritone energy` and `tritone verilog --engine`).
    #[arg(long, conflicts_with = "single_buffer")]
    pub double_buffer: bool,
    /// One weight bank (the default of `tritone simulate tile` and of
    /// `tritone verilog` without `--engine`).
    #[arg(long)]
    pub single_buffer: bool,
    /// Weight banks per PE: 1, 2, 4 or 8 (overrides --double-buffer and
    /// --single-buffer; more banks let one-token folds load tiles ahead).
    #[arg(long, conflicts_with_all = ["double_buffer", "single_buffer"])]
    pub weight_banks: Option<u32>,
    /// Processing element: ternary, mac-int8 or mac-fp16.
    #[arg(long)]
    pub pe: Option<PeKind>,
    /// Weight rows written per weight beat.
    #[arg(long)]
    pub weight_rows_per_cycle: Option<u32>,
    /// Dataflow (weight-stationary, the only one so far, and the RTL engine's).
    #[arg(long)]
    pub dataflow: Option<DataflowKind>,
}

impl DesignArgs {
    /// The validated architecture. Without `--arch`, the array is
    /// double-buffered when `double_by_default` (GEMM and model level: the
    /// `ArrayConfig` default) and single-buffered otherwise (tile level, like
    /// `tritone verilog`).
    pub fn config(&self, double_by_default: bool) -> anyhow::Result<ArrayConfig> {
        Ok(ArrayConfig::new(self.spec(double_by_default)?)?)
    }

    /// The architecture file with the options applied, not yet validated
    /// (`tritone run` takes the accumulator width out of it before
    /// validation, to study widths a design would refuse).
    pub fn spec(&self, double_by_default: bool) -> anyhow::Result<ArraySpec> {
        let mut spec = match &self.arch {
            Some(p) => ArraySpec::from_toml_file(p)?,
            None => ArraySpec {
                double_buffer: Some(double_by_default),
                ..Default::default()
            },
        };
        let o = self.clone();
        spec.rows = o.rows.or(spec.rows);
        spec.cols = o.cols.or(spec.cols);
        spec.acc_bits = o.acc_bits.or(spec.acc_bits);
        spec.pe = o.pe.or(spec.pe);
        spec.dataflow = o.dataflow.or(spec.dataflow);
        spec.weight_rows_per_cycle = o.weight_rows_per_cycle.or(spec.weight_rows_per_cycle);
        // The flags override the file's banks, whichever key it states them
        // with: `--double-buffer` keeps a file's 2 or more banks (or takes
        // the default 2), `--single-buffer` makes it 1.
        if o.double_buffer {
            if spec.weight_banks.is_some_and(|b| b < 2) {
                spec.weight_banks = None;
            }
            spec.double_buffer = spec.weight_banks.is_none().then_some(true);
        }
        if o.single_buffer {
            spec.weight_banks = None;
            spec.double_buffer = Some(false);
        }
        if let Some(b) = o.weight_banks {
            // The bank count decides double buffering; a file's
            // `double_buffer` would otherwise contradict the flag.
            spec.weight_banks = Some(b);
            spec.double_buffer = None;
        }
        Ok(spec)
    }
}

impl DesignArgs {
    /// Refuses a design without dimensions: at the tile and RTL level R and C
    /// are always chosen, from the flags or from `--arch`.
    pub fn require_dimensions(&self) -> anyhow::Result<()> {
        if self.arch.is_none() && (self.rows.is_none() || self.cols.is_none()) {
            anyhow::bail!("give --rows and --cols (or --arch FILE)");
        }
        Ok(())
    }
}

/// The model-level parts of a design: where attention runs, the operator
/// schedule and the devices (`tritone simulate model`, `energy`, `report`).
#[derive(clap::Args, Clone, Debug, Default)]
pub struct SystemArgs {
    /// Operator schedule: overlapped (the default) or sequential.
    #[arg(long, value_parser = parse_schedule)]
    pub schedule: Option<Schedule>,
    /// Where QKᵀ and AV run: `vector`, or an attention array `RxC` (e.g. 64x64).
    #[arg(long, value_name = "vector|RxC", value_parser = tritone_eval::param::parse_attention_unit)]
    pub attention_unit: Option<AttentionUnit>,
    /// Devices running the model (pipeline stages × tensor-parallel devices).
    #[arg(long)]
    pub devices: Option<u32>,
    /// Tensor-parallel devices per pipeline stage (divides --devices).
    #[arg(long)]
    pub tensor_parallel: Option<u32>,
    /// Micro-batches of the pipeline (default: one per stage, at most the batch).
    #[arg(long)]
    pub micro_batches: Option<u32>,
    /// Bandwidth of each device-to-device link, GB/s.
    #[arg(long)]
    pub link_gbps: Option<f64>,
    /// Latency of one link transfer, µs.
    #[arg(long)]
    pub link_latency_us: Option<f64>,
    /// DRAM per device, GiB: refuse what does not fit.
    #[arg(long)]
    pub memory_gib: Option<f64>,
}

fn parse_schedule(text: &str) -> Result<Schedule, String> {
    text.parse()
}

impl SystemArgs {
    /// `spec` with these options applied (validated with the rest).
    pub fn apply(&self, mut spec: ArraySpec) -> ArraySpec {
        spec.schedule = self.schedule.or(spec.schedule);
        spec.attention_unit = self.attention_unit.or(spec.attention_unit);
        let any = self.devices.is_some()
            || self.tensor_parallel.is_some()
            || self.micro_batches.is_some()
            || self.link_gbps.is_some()
            || self.link_latency_us.is_some()
            || self.memory_gib.is_some();
        if any {
            let mut sys = spec.system.unwrap_or_default();
            sys.devices = self.devices.unwrap_or(sys.devices);
            sys.tensor_parallel = self.tensor_parallel.unwrap_or(sys.tensor_parallel);
            sys.micro_batches = self.micro_batches.or(sys.micro_batches);
            sys.link_gbps = self.link_gbps.unwrap_or(sys.link_gbps);
            sys.link_latency_us = self.link_latency_us.unwrap_or(sys.link_latency_us);
            sys.memory_gib = self.memory_gib.or(sys.memory_gib);
            spec.system = Some(sys);
        }
        spec
    }

    /// `design`'s architecture with these options applied.
    pub fn config(
        &self,
        design: &DesignArgs,
        double_by_default: bool,
    ) -> anyhow::Result<ArrayConfig> {
        Ok(ArrayConfig::new(
            self.apply(design.spec(double_by_default)?),
        )?)
    }
}
