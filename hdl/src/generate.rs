//! Writing a generated array to disk: Verilog, manifest and (optionally) a
//! self-checking testbench, each written to a temporary file in the target
//! directory and renamed into place, so no half-written file is left behind.

use crate::design::ArrayDesign;
use crate::emit::verilog;
use crate::error::HdlError;
use crate::job::{random_jobs, Stimulus};
use crate::manifest::manifest;
use crate::testbench::{testbench, testbench_name, TestbenchOptions};
use std::path::{Path, PathBuf};

/// Vectors of the testbench to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestbenchSpec {
    /// Tokens streamed through each tile.
    pub tokens: usize,
    /// Tiles (random weights each) in sequence.
    pub tiles: usize,
    /// Seed of the random weights and activations.
    pub seed: u64,
    /// Dump a VCD waveform.
    pub vcd: bool,
}

/// A file the generator wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    /// Where.
    pub path: PathBuf,
    /// Size in bytes.
    pub bytes: u64,
}

/// Writes `<top>.v`, `<top>.json` and, with `tb`, `<top>_tb.v` into `dir`
/// (created if missing).
pub fn write_design(
    design: &ArrayDesign,
    dir: &Path,
    tb: Option<&TestbenchSpec>,
) -> Result<Vec<Written>, HdlError> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |e| HdlError::Io { path, source: e }
    };
    tritone_reference::atomic::create_dir_all(dir).map_err(io(dir))?;
    let top = design.top_name();
    let json =
        serde_json::to_string_pretty(&manifest(design)).expect("the manifest is plain data") + "\n";
    let mut files = vec![
        (format!("{top}.v"), verilog(design)),
        (format!("{top}.json"), json),
    ];
    if let Some(spec) = tb {
        if spec.tokens == 0 || spec.tiles == 0 {
            return Err(HdlError::Job {
                tile: 0,
                why: "the testbench needs at least one tile and one token".into(),
            });
        }
        let jobs = random_jobs(design, &vec![spec.tokens; spec.tiles], spec.seed);
        let stim = Stimulus::new(design, &jobs)?;
        files.push((
            format!("{}.v", testbench_name(design)),
            testbench(design, &stim, TestbenchOptions { vcd: spec.vcd }),
        ));
    }
    files
        .into_iter()
        .map(|(name, text)| {
            let path = dir.join(name);
            tritone_reference::atomic::write_atomic(&path, text.as_bytes()).map_err(io(&path))?;
            Ok(Written {
                path,
                bytes: text.len() as u64,
            })
        })
        .collect()
}
