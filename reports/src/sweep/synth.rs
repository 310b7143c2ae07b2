//! Synthesis counts (LUT/FF/BRAM/DSP) per hardware configuration, and their
//! cache. Synthesis is the slow part of a sweep and depends only on the
//! generated Verilog, so it is keyed by the RTL group of the parameter table
//! — not by clock, memory or workload — and kept in a JSON file so a rerun
//! does not synthesize again.
//!
//! This crate does not run synthesis itself: a [`Synthesizer`] is passed in
//! (the command line passes the RTL crate's Yosys flow).

use super::SweepError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tritone_sim::ArrayConfig;

/// Resource counts of one synthesized engine (array, buffers, sequencer and
/// interfaces).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SynthCounts {
    /// Look-up tables.
    pub luts: u64,
    /// Flip-flops.
    pub ffs: u64,
    /// Block RAMs.
    pub brams: u64,
    /// DSP slices.
    pub dsps: u64,
}

/// Runs synthesis of the engine generated for a configuration.
pub trait Synthesizer: Sync {
    /// Resource counts of the Verilog generated for `config`, or why
    /// synthesis failed.
    fn synthesize(&self, config: &ArrayConfig) -> Result<SynthCounts, String>;

    /// What the counts of `config` depend on besides its [`HwKey`]: the
    /// generated text, the counting method, the tool's version. Cached
    /// counts are used only under the same identity, so a changed
    /// generator, method or tool synthesizes again.
    fn identity(&self, config: &ArrayConfig) -> String;
}

/// The hardware identity of a configuration: what the generated RTL depends on.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HwKey(String);

impl HwKey {
    /// The key of `config`: every RTL parameter of the parameter table with
    /// its value in the built design ([`tritone_eval::param::rtl_key`]; an
    /// `auto` accumulator resolved, so it shares its explicit width's
    /// synthesis), then the engine's organisation around the array
    /// ([`tritone_sim::engine::Geometry`]: buffer slots, stream width), which
    /// the buffer sizes, DRAM bandwidth and clock decide. A new RTL parameter
    /// joins the key with its table entry; a new engine field with its
    /// `Geometry` field.
    pub fn of(config: &ArrayConfig) -> HwKey {
        let mut key = tritone_eval::param::rtl_key(config);
        match tritone_sim::engine::Geometry::of(config) {
            Ok(g) => {
                if let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(&g) {
                    for (k, v) in fields {
                        key.push_str(&format!(";{k}={v}"));
                    }
                }
            }
            // Refused by the engine: synthesis reports why; one key for all.
            Err(_) => key.push_str(";engine=none"),
        }
        HwKey(key)
    }

    /// The key text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Synthesis results by hardware key and synthesizer identity, stored as a
/// JSON object whose keys are `<hardware key> | <identity>`. Entries of
/// other identities (an earlier generator or tool) stay in the file and
/// are not used.
#[derive(Debug, Default)]
pub struct SynthCache {
    path: Option<PathBuf>,
    entries: BTreeMap<String, SynthCounts>,
}

impl SynthCache {
    /// A cache that lives only in memory.
    pub fn in_memory() -> SynthCache {
        SynthCache::default()
    }

    /// Opens the cache file at `path` (empty if it does not exist yet).
    pub fn open(path: &Path) -> Result<SynthCache, SweepError> {
        let entries = match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| SweepError::Table {
                path: path.display().to_string(),
                why: format!("not a synthesis cache: {e}"),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(SweepError::file(path, e)),
        };
        Ok(SynthCache {
            path: Some(path.to_path_buf()),
            entries,
        })
    }

    /// The entry name of a hardware configuration synthesized by a
    /// synthesizer of `identity`.
    fn entry(key: &HwKey, identity: &str) -> String {
        format!("{} | {identity}", key.as_str())
    }

    /// Cached counts of a hardware configuration synthesized by a
    /// synthesizer of `identity` ([`Synthesizer::identity`]).
    pub fn get(&self, key: &HwKey, identity: &str) -> Option<SynthCounts> {
        self.entries.get(&Self::entry(key, identity)).copied()
    }

    /// Records counts and, for a file-backed cache, saves the file at once
    /// (atomically) so an interrupted sweep keeps what it synthesized.
    pub fn insert(
        &mut self,
        key: &HwKey,
        identity: &str,
        counts: SynthCounts,
    ) -> Result<(), SweepError> {
        self.entries.insert(Self::entry(key, identity), counts);
        match &self.path {
            Some(path) => {
                let text = serde_json::to_string_pretty(&self.entries).expect("JSON of counts");
                Ok(crate::write::atomic_write(path, text.as_bytes())?)
            }
            None => Ok(()),
        }
    }

    /// Number of cached configurations.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
