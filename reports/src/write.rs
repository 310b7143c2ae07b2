//! Atomic file writing: CSV, JSON, Markdown and raw bytes.
//!
//! Every writer goes through [`atomic_write`]: the bytes land in a temporary
//! file in the destination directory, which is then renamed over the target,
//! so a reader (or a crash) never sees a half-written file. Parent
//! directories are created when missing.
//!
//! ```
//! # let dir = tempfile::tempdir().unwrap();
//! #[derive(serde::Serialize)]
//! struct Row { model: String, pj: f64 }
//! let rows = vec![Row { model: "bitnet-b1.58-3b".into(), pj: 1.5 }];
//! let path = dir.path().join("out/energy.csv");
//! tritone_reports::write::write_csv(&path, &rows).unwrap();
//! assert_eq!(std::fs::read_to_string(&path).unwrap(), "model,pj\nbitnet-b1.58-3b,1.5\n");
//! ```

use serde::Serialize;
use std::path::{Path, PathBuf};

/// Why a file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The file system refused (directory creation, temporary file, write or rename).
    #[error("cannot write {path}: {source}")]
    Io {
        /// The destination.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The rows could not be encoded as CSV (CSV rows must be flat: no nested
    /// structs, maps or sequences).
    #[error("cannot encode {path} as CSV: {why}")]
    Csv {
        /// The destination.
        path: PathBuf,
        /// What went wrong.
        why: String,
    },
    /// The value could not be encoded as JSON.
    #[error("cannot encode {path} as JSON: {why}")]
    Json {
        /// The destination.
        path: PathBuf,
        /// What went wrong.
        why: String,
    },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The directory a file at `path` lives in (`.` for a bare file name).
/// Creates the temporary file next to `path` with the given suffix, hands its
/// path to `fill`, then renames it over `path`. Used by writers that can only
/// write through a path (e.g. an image encoder choosing its format by extension).
pub fn atomic_write_with<E>(
    path: &Path,
    suffix: &str,
    fill: impl FnOnce(&Path) -> Result<(), E>,
) -> Result<Result<(), E>, WriteError> {
    tritone_reference::atomic::write_atomic_with(path, suffix, fill).map_err(io_err(path))
}

/// Writes `bytes` to `path` atomically (temporary file in the same directory,
/// then rename), creating the parent directories.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    tritone_reference::atomic::write_atomic(path, bytes).map_err(io_err(path))
}

/// Encodes `rows` as CSV (a header line from the field names, then one line
/// per row). Rows must be flat structs or tuples.
pub fn csv_string<T: Serialize>(rows: &[T]) -> Result<String, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in rows {
        w.serialize(row).map_err(|e| e.to_string())?;
    }
    let bytes = w.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

/// Writes `rows` as CSV to `path` atomically.
pub fn write_csv<T: Serialize>(path: &Path, rows: &[T]) -> Result<(), WriteError> {
    let text = csv_string(rows).map_err(|why| WriteError::Csv {
        path: path.to_path_buf(),
        why,
    })?;
    atomic_write(path, text.as_bytes())
}

/// Writes `value` as pretty-printed JSON (with a final newline) to `path` atomically.
pub fn write_json<T: Serialize + ?Sized>(path: &Path, value: &T) -> Result<(), WriteError> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| WriteError::Json {
        path: path.to_path_buf(),
        why: e.to_string(),
    })?;
    text.push('\n');
    atomic_write(path, text.as_bytes())
}

/// Writes Markdown text to `path` atomically.
pub fn write_markdown(path: &Path, text: &str) -> Result<(), WriteError> {
    atomic_write(path, text.as_bytes())
}

/// A GitHub-flavoured Markdown table. Cells containing `|` are escaped;
/// rows shorter than the header are padded with empty cells.
pub fn markdown_table<S: AsRef<str>>(header: &[S], rows: &[Vec<String>]) -> String {
    let esc = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut out = String::new();
    out.push('|');
    for h in header {
        out.push_str(&format!(" {} |", esc(h.as_ref())));
    }
    out.push_str("\n|");
    for _ in header {
        out.push_str("---|");
    }
    out.push('\n');
    for row in rows {
        out.push('|');
        for i in 0..header.len() {
            let cell = row.get(i).map(String::as_str).unwrap_or("");
            out.push_str(&format!(" {} |", esc(cell)));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Row {
        name: &'static str,
        pj: f64,
    }

    #[test]
    fn csv_and_json_round_trip_through_files() {
        let dir = tempfile::tempdir().unwrap();
        let csv_path = dir.path().join("sub/dir/t.csv");
        write_csv(
            &csv_path,
            &[
                Row { name: "a", pj: 1.5 },
                Row {
                    name: "b,c",
                    pj: 2.0,
                },
            ],
        )
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(&csv_path).unwrap(),
            "name,pj\na,1.5\n\"b,c\",2.0\n"
        );
        let json_path = dir.path().join("t.json");
        write_json(&json_path, &[1, 2]).unwrap();
        let back: Vec<i32> =
            serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
        assert_eq!(back, vec![1, 2]);
        // Only the two files remain: no temporary left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&json_path).unwrap().permissions().mode();
            assert_eq!(mode & 0o044, 0o044, "group/other cannot read: {mode:o}");
        }
    }

    #[test]
    fn nested_csv_rows_are_refused_with_the_path() {
        #[derive(Serialize)]
        struct Nested {
            v: Vec<u8>,
        }
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.csv");
        let e = write_csv(&p, &[Nested { v: vec![1] }]).unwrap_err();
        assert!(e.to_string().contains("bad.csv"), "{e}");
        assert!(!p.exists());
    }

    #[test]
    fn failed_fill_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.png");
        let r = atomic_write_with(&p, ".png", |_| Err::<(), _>("boom")).unwrap();
        assert_eq!(r, Err("boom"));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn markdown_table_escapes_and_pads() {
        let t = markdown_table(&["a", "b"], &[vec!["x|y".into()]]);
        assert_eq!(t, "| a | b |\n|---|---|\n| x\\|y |  |\n");
    }

    #[test]
    fn unwritable_destination_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, b"x").unwrap();
        // A regular file cannot be a directory.
        let e = atomic_write(&file.join("child.md"), b"y").unwrap_err();
        assert!(e.to_string().contains("child.md"), "{e}");
    }
}
