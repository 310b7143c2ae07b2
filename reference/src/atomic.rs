//! Atomic file output, shared by every writer in the toolchain: a file is
//! written to a hidden temporary next to its destination and renamed over
//! it, so a failure never leaves a half-written output behind.

use std::path::Path;

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A temporary-file builder with ordinary permissions (tempfile's default
/// 0600 would survive the rename and surprise whoever shares the output).
fn temp_builder() -> tempfile::Builder<'static, 'static> {
    let mut b = tempfile::Builder::new();
    b.prefix(".tritone-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        b.permissions(std::fs::Permissions::from_mode(0o644));
    }
    b
}

/// Writes `bytes` to `path` atomically, creating the parent directories.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_with(path, "", |tmp| std::fs::write(tmp, bytes))?
}

/// Creates the temporary file (with `suffix`, for writers that pick a format
/// by extension), lets `fill` write it through its path, then renames it over
/// `path`. If `fill` fails, its error is returned inside `Ok` and nothing is
/// left on disk; the outer error is for the file system itself.
pub fn write_atomic_with<E>(
    path: &Path,
    suffix: &str,
    fill: impl FnOnce(&Path) -> Result<(), E>,
) -> std::io::Result<Result<(), E>> {
    let dir = parent_dir(path);
    std::fs::create_dir_all(dir)?;
    let tmp = temp_builder().suffix(suffix).tempfile_in(dir)?;
    if let Err(e) = fill(tmp.path()) {
        // Dropping `tmp` deletes the partial file.
        return Ok(Err(e));
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_files_and_leaves_nothing_on_failure() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/out.txt");
        write_atomic(&path, b"old").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        let failed = write_atomic_with(&path, ".txt", |tmp| {
            std::fs::write(tmp, b"partial").unwrap();
            Err("encoder failed")
        })
        .unwrap();
        assert_eq!(failed, Err("encoder failed"));
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o644);
        }
    }
}
