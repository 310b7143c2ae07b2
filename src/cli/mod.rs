//! One module per subcommand: argument types and a `run` that calls a library
//! crate; [`output`] prints and ends every run; [`refuse_overwrite`] guards
//! every output path.

use std::path::{Component, Path, PathBuf};

pub mod design;
pub mod energy;
pub mod models;
pub mod output;
pub mod reference;
pub mod report;
pub mod run;
pub mod simulate;
pub mod sweep;
pub mod verilog;

/// A path the command reads or writes, with the flag that named it (for
/// messages): `("--weight", path)`.
pub type Named<'a> = (&'a str, &'a Path);

/// Refuses, before any work, an output that is one of the inputs, and two
/// outputs that are the same file: an output never overwrites what it was
/// computed from, and one output never overwrites another. Paths are
/// compared as files, not as text: `./w.safetensors`, `dir/../w.safetensors`,
/// a symbolic link and a hard link to the same file all match.
pub fn refuse_overwrite(outputs: &[Named<'_>], inputs: &[Named<'_>]) -> anyhow::Result<()> {
    for (i, &(oflag, out)) in outputs.iter().enumerate() {
        if let Some(&(iflag, input)) = inputs.iter().find(|(_, p)| same_file(out, p)) {
            // Files named after --out (a sweep's JSON, a report's figures)
            // move with it.
            let choose = if oflag.starts_with("--") {
                oflag
            } else {
                "--out"
            };
            anyhow::bail!(
                "{oflag} {} is an input file (the same file as {iflag} {}): refusing to \
                 overwrite it; choose another {choose}",
                out.display(),
                input.display()
            );
        }
        if let Some(&(flag, other)) = outputs[..i].iter().find(|(_, p)| same_file(out, p)) {
            anyhow::bail!(
                "{flag} {} and {oflag} {} are the same file: two outputs cannot share a name",
                other.display(),
                out.display()
            );
        }
    }
    Ok(())
}

/// Whether two paths name the same file, existing or not.
fn same_file(a: &Path, b: &Path) -> bool {
    if identity(a) == identity(b) {
        return true;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return (x.dev(), x.ino()) == (y.dev(), y.ino());
        }
    }
    false
}

/// A path made comparable: its canonical form when it exists; otherwise its
/// deepest existing ancestor made canonical, with the rest of the path
/// appended after resolving `.` and `..` lexically.
fn identity(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    let absolute = match std::env::current_dir() {
        Ok(cwd) => cwd.join(path),
        Err(_) => path.to_path_buf(),
    };
    let mut rest = Vec::new();
    let mut base = absolute.as_path();
    loop {
        if let Ok(p) = base.canonicalize() {
            let mut out = p;
            for c in rest.iter().rev() {
                match c {
                    Component::ParentDir => {
                        out.pop();
                    }
                    Component::CurDir => {}
                    other => out.push(other.as_os_str()),
                }
            }
            return out;
        }
        match (base.parent(), base.components().next_back()) {
            (Some(parent), Some(last)) => {
                rest.push(last);
                base = parent;
            }
            _ => return absolute,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_files_are_found_by_any_path() {
        let dir = tempfile::tempdir().unwrap();
        let w = dir.path().join("w.safetensors");
        std::fs::write(&w, b"x").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let dotted = dir.path().join("sub/../w.safetensors");
        assert!(same_file(&w, &dotted));
        #[cfg(unix)]
        {
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(&w, &link).unwrap();
            assert!(same_file(&w, &link));
            let hard = dir.path().join("hard");
            std::fs::hard_link(&w, &hard).unwrap();
            assert!(same_file(&w, &hard));
        }
        // Outputs that do not exist yet compare by their resolved paths.
        let a = dir.path().join("new/./o.csv");
        let b = dir.path().join("sub/../new/o.csv");
        assert!(same_file(&a, &b));
        assert!(!same_file(&a, &dir.path().join("new/p.csv")));

        let e = refuse_overwrite(&[("--out", &dotted)], &[("--weight", &w)]).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("--out") && msg.contains("--weight"), "{msg}");
        let e = refuse_overwrite(&[("--out", &a), ("JSON", &b)], &[]).unwrap_err();
        assert!(e.to_string().contains("same file"), "{e}");
        refuse_overwrite(&[("--out", &a)], &[("--weight", &w)]).unwrap();
    }
}
