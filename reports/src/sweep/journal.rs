//! Progress saved as it goes: every evaluated row is appended to a journal
//! next to the output (`<stem>-journal.csv`, the table's CSV format without
//! synthesis columns, in completion order) and flushed, so a sweep killed at
//! any moment — `kill -9` included — resumes without evaluating again what
//! it finished. The final outputs are still written once, atomically, in
//! enumeration order; the journal is then removed.

use super::row::{header, Provenance, Row, SweepTable, MAX_TABLE_BYTES};
use super::SweepError;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The journal of the output `out`.
pub fn path_for(out: &Path) -> PathBuf {
    super::run::sibling(out, "-journal.csv")
}

/// The rows of the journal at `path` (none when it does not exist), with
/// what they were computed from. A last line cut short by a kill is
/// ignored: only whole lines count.
pub fn read(path: &Path) -> Result<SweepTable, SweepError> {
    let bytes = match tritone_reference::input::read_bytes(path, MAX_TABLE_BYTES) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(SweepTable::default()),
        Err(e) => return Err(SweepError::file(path, e)),
    };
    let whole = bytes
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(&bytes[..0], |i| &bytes[..=i]);
    if whole.is_empty() {
        return Ok(SweepTable::default());
    }
    SweepTable::parse(whole, path)
}

/// An open journal, appended to from many threads.
pub struct Journal {
    path: PathBuf,
    file: Mutex<File>,
    provenance: Provenance,
}

fn line(cells: Vec<String>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(cells).expect("in-memory CSV");
    w.into_inner().expect("in-memory CSV")
}

impl Journal {
    /// Starts the journal at `path` holding `kept` (the rows a resumed run
    /// takes over), replacing whatever was there atomically, and opens it
    /// for appending; every row is marked with `provenance`.
    pub fn start(
        path: &Path,
        kept: &[Row],
        provenance: &Provenance,
    ) -> Result<Journal, SweepError> {
        let mut text = line(header(false).iter().map(|h| h.to_string()).collect());
        for row in kept {
            text.extend(line(row.cells(false, provenance)));
        }
        crate::write::atomic_write(path, &text)?;
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| SweepError::file(path, e))?;
        Ok(Journal {
            path: path.to_path_buf(),
            file: Mutex::new(file),
            provenance: provenance.clone(),
        })
    }

    /// Appends one evaluated row (one `write` of a whole line, so a kill
    /// leaves at most that line cut short).
    pub fn append(&self, row: &Row) -> Result<(), SweepError> {
        let bytes = line(row.cells(false, &self.provenance));
        let mut f = self.file.lock().unwrap_or_else(|e| e.into_inner());
        f.write_all(&bytes)
            .map_err(|e| SweepError::file(&self.path, e))
    }

    /// Removes the journal once the outputs hold every row.
    pub fn finish(self) -> Result<(), SweepError> {
        drop(self.file);
        std::fs::remove_file(&self.path).map_err(|e| SweepError::file(&self.path, e))
    }
}
