//! Atomic file output, shared by every writer in the toolchain: a file is
//! written to a hidden temporary next to its destination and renamed over
//! it, so a failure never leaves a half-written output behind. An output of
//! several files is written into a hidden staging folder and published as a
//! whole ([`publish_together`]). Every temporary is registered with
//! [`crate::interrupt`], so an interrupt removes it too.

use std::io;
use std::path::{Path, PathBuf};

use crate::interrupt;

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

/// tempfile reports its errors as "<OS error> at path <temporary name>";
/// callers name the destination themselves, so keep the OS error only (it
/// would otherwise be printed twice, with a name the user never chose).
fn plain(e: io::Error) -> io::Error {
    let Some(inner) = e.get_ref() else {
        return e;
    };
    let os = inner
        .source()
        .and_then(|src| src.downcast_ref::<io::Error>())
        .and_then(io::Error::raw_os_error);
    if let Some(code) = os {
        return io::Error::from_raw_os_error(code);
    }
    // tempfile's path error gives no source: read the OS error off its text,
    // "No such file or directory (os error 2) at path \"/d/.tritone-x\"".
    let text = inner.to_string();
    let Some((message, _)) = text.split_once(" at path ") else {
        return e;
    };
    let code = message
        .rsplit_once("(os error ")
        .and_then(|(_, n)| n.strip_suffix(')'))
        .and_then(|n| n.parse().ok());
    match code {
        Some(code) => io::Error::from_raw_os_error(code),
        None => io::Error::new(e.kind(), message.to_string()),
    }
}

/// Creates `dir` and its missing parents ([`std::fs::create_dir_all`])
/// under the interrupt registry's lock. An interrupt's clean-up removes the
/// registered folders (a staging folder `dir` may lie in) and ends the
/// process holding that lock, so a writer that makes its folders through
/// this never makes one again after the clean-up removed it.
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    let _lock = interrupt::critical_section();
    std::fs::create_dir_all(dir)
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
    if path.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "is a folder, not a file",
        ));
    }
    let (tmp, guard) = interrupt::create_registered(
        || {
            // The parent is made under the registry lock, as
            // `create_dir_all` makes it (that function would lock again).
            std::fs::create_dir_all(dir)?;
            temp_builder()
                .suffix(suffix)
                .tempfile_in(dir)
                .map_err(plain)
        },
        |t| t.path(),
    )?;
    // `finish` consumes the temporary (renamed or deleted) before the guard
    // forgets it, so an interrupt can never find it unregistered.
    let result = finish(tmp, path, fill);
    drop(guard);
    result
}

fn finish<E>(
    tmp: tempfile::NamedTempFile,
    path: &Path,
    fill: impl FnOnce(&Path) -> Result<(), E>,
) -> io::Result<Result<(), E>> {
    if let Err(e) = fill(tmp.path()) {
        // Dropping `tmp` deletes the partial file.
        return Ok(Err(e));
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| plain(e.error))?;
    Ok(Ok(()))
}

/// Publishes an output of several files as a whole: `fill` writes them into
/// a hidden staging folder inside `dir` (any layout, subfolders included);
/// then every file is renamed to the same place under `dir`, inside an
/// [`interrupt::critical_section`]. Files of `dir` the new output does not
/// have are left alone. Returns the published paths, sorted.
///
/// If `fill` fails, its error is returned inside `Ok` and `dir` is as it
/// was; an interrupt during `fill` removes the staging folder and leaves the
/// old output, and one during the renames waits for them to finish. The
/// outer error is for the file system itself (including a destination that
/// is a folder where the new output has a file, refused before any rename).
pub fn publish_together<E>(
    dir: &Path,
    fill: impl FnOnce(&Path) -> Result<(), E>,
) -> io::Result<Result<Vec<PathBuf>, E>> {
    let (staging, guard) = interrupt::create_registered(
        || {
            // Under the registry lock, as `create_dir_all` makes it.
            std::fs::create_dir_all(dir)?;
            tempfile::Builder::new()
                .prefix(".tritone-")
                .tempdir_in(dir)
                .map_err(plain)
        },
        |d| d.path(),
    )?;
    // As in `write_atomic_with`: the folder goes before its guard.
    let result = publish_staged(dir, staging, fill);
    drop(guard);
    result
}

fn publish_staged<E>(
    dir: &Path,
    staging: tempfile::TempDir,
    fill: impl FnOnce(&Path) -> Result<(), E>,
) -> io::Result<Result<Vec<PathBuf>, E>> {
    if let Err(e) = fill(staging.path()) {
        return Ok(Err(e));
    }
    let mut files = Vec::new();
    list_files(staging.path(), Path::new(""), &mut files)?;
    files.sort();
    for rel in &files {
        let dest = dir.join(rel);
        if dest.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                format!(
                    "{} is a folder, where the output has a file",
                    dest.display()
                ),
            ));
        }
        // Durable before it becomes visible.
        std::fs::File::open(staging.path().join(rel))?.sync_all()?;
    }
    let _critical = interrupt::critical_section();
    for rel in &files {
        let dest = dir.join(rel);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::rename(staging.path().join(rel), &dest)?;
    }
    Ok(Ok(files.iter().map(|rel| dir.join(rel)).collect()))
}

/// The files under `root/rel`, as paths relative to `root`.
fn list_files(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in std::fs::read_dir(root.join(rel))? {
        let entry = entry?;
        let path = rel.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            list_files(root, &path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// While the interrupt clean-up holds the registry (it keeps it until
    /// the process ends), a writer cannot make again a folder it removed:
    /// neither `create_dir_all` nor `write_atomic` (which makes the parent)
    /// gets past the lock.
    #[test]
    fn a_folder_removed_by_the_clean_up_is_not_made_again() {
        let root = tempfile::tempdir().unwrap();
        let staging = root.path().join(".tritone-staging");
        let file = staging.join("out.v");
        for write in [
            (|p: &Path| create_dir_all(p.parent().unwrap())) as fn(&Path) -> io::Result<()>,
            |p: &Path| write_atomic(p, b"x"),
        ] {
            let held = interrupt::critical_section();
            let writer = std::thread::spawn({
                let file = file.clone();
                move || write(&file)
            });
            std::thread::sleep(std::time::Duration::from_millis(100));
            assert!(!staging.exists(), "made while the clean-up held the lock");
            drop(held);
            writer.join().unwrap().unwrap();
            assert!(staging.is_dir());
            std::fs::remove_dir_all(&staging).unwrap();
        }
    }

    /// A folder where no file can be made (`/proc`): the OS error alone,
    /// without tempfile's "at path" and its temporary name.
    #[cfg(target_os = "linux")]
    #[test]
    fn errors_name_no_temporary() {
        let e = write_atomic(Path::new("/proc/tritone-test.bin"), b"x").unwrap_err();
        let text = e.to_string();
        assert!(
            !text.contains(" at path ") && !text.contains(".tritone-") && text.contains("os error"),
            "{text}"
        );
        let e = publish_together(Path::new("/proc"), |_| Ok::<(), ()>(())).unwrap_err();
        assert!(!e.to_string().contains(".tritone-"), "{e}");
    }

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
        let e = write_atomic(path.parent().unwrap(), b"x").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::IsADirectory);
    }

    #[test]
    fn errors_carry_the_os_error_once() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, b"x").unwrap();
        // The parent is a file: creating anything under it fails.
        let e = write_atomic(&blocker.join("out.bin"), b"x").unwrap_err();
        let text = e.to_string();
        assert!(!text.contains(" at path "), "{text}");
    }

    #[test]
    fn publishes_a_set_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("user.txt"), b"mine").unwrap();
        std::fs::write(out.join("a.txt"), b"old a").unwrap();
        let written = publish_together(&out, |stage| {
            std::fs::write(stage.join("a.txt"), b"new a")?;
            std::fs::create_dir(stage.join("plots"))?;
            write_atomic(&stage.join("plots/b.svg"), b"new b")
        })
        .unwrap()
        .unwrap();
        assert_eq!(written, vec![out.join("a.txt"), out.join("plots/b.svg")]);
        assert_eq!(std::fs::read(out.join("a.txt")).unwrap(), b"new a");
        assert_eq!(std::fs::read(out.join("plots/b.svg")).unwrap(), b"new b");
        assert_eq!(std::fs::read(out.join("user.txt")).unwrap(), b"mine");

        // A failing fill leaves the old files and no staging folder.
        let failed = publish_together(&out, |stage| {
            std::fs::write(stage.join("a.txt"), b"newer a").unwrap();
            Err("renderer failed")
        })
        .unwrap();
        assert_eq!(failed, Err("renderer failed"));
        assert_eq!(std::fs::read(out.join("a.txt")).unwrap(), b"new a");
        let mut names: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["a.txt", "plots", "user.txt"]);

        // A folder where the output has a file is refused before any rename.
        std::fs::create_dir(out.join("c.txt")).unwrap();
        let e = publish_together(&out, |stage| {
            std::fs::write(stage.join("a.txt"), b"newest a")?;
            std::fs::write(stage.join("c.txt"), b"c")
        })
        .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::IsADirectory);
        assert_eq!(std::fs::read(out.join("a.txt")).unwrap(), b"new a");
    }
}
