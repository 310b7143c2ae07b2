//! What an interrupted run must undo, in one registry every crate reaches:
//! the temporary files and folders of outputs being written, and the child
//! processes (Yosys, Icarus Verilog, Verilator) the toolchain started.
//!
//! Writers register a temporary path for as long as it exists
//! ([`remove_on_interrupt`], or [`tempdir`]); child processes are started
//! through [`output`], each in its own process group so that the tool's own
//! children (yosys-abc) go with it. The command line calls [`install`] once:
//! on SIGINT, SIGTERM or SIGHUP a background thread kills the registered
//! process groups, removes the registered paths, then ends the process as
//! the signal would have (a shell sees status 130 for SIGINT, 143 for
//! SIGTERM). Without [`install`] the registry is bookkeeping only.
//!
//! A multi-file publish holds a [`critical_section`] while it renames its
//! files into place: the clean-up waits for it, so an interrupt leaves
//! either the old set of files or the new one, never a mix.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard};

/// Registered paths and process groups, keyed by registration number.
struct Registry {
    next: u64,
    paths: BTreeMap<u64, PathBuf>,
    groups: BTreeMap<u64, u32>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    next: 0,
    paths: BTreeMap::new(),
    groups: BTreeMap::new(),
});

/// The registry, even if a thread panicked while holding it: the clean-up
/// must run regardless.
fn registry() -> MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

impl Registry {
    fn add_path(&mut self, path: PathBuf) -> TempGuard {
        self.next += 1;
        self.paths.insert(self.next, path);
        TempGuard { id: self.next }
    }
}

/// A registered temporary path: an interrupt removes it while the guard
/// lives. Dropping the guard only forgets the path (the owner removes or
/// renames it itself).
#[must_use = "the path is forgotten when the guard is dropped"]
#[derive(Debug)]
pub struct TempGuard {
    id: u64,
}

impl Drop for TempGuard {
    fn drop(&mut self) {
        registry().paths.remove(&self.id);
    }
}

/// Registers `path` (a file or a folder) for removal on interrupt.
pub fn remove_on_interrupt(path: &Path) -> TempGuard {
    registry().add_path(path.to_path_buf())
}

/// Runs `create` (which makes a temporary file or folder) and registers the
/// path it returns, both under the registry lock, so an interrupt can never
/// fall between the creation and the registration.
pub fn create_registered<T>(
    create: impl FnOnce() -> io::Result<T>,
    path_of: impl FnOnce(&T) -> &Path,
) -> io::Result<(T, TempGuard)> {
    let mut reg = registry();
    let made = create()?;
    let guard = reg.add_path(path_of(&made).to_path_buf());
    Ok((made, guard))
}

/// A temporary folder (in the system's temporary directory) that an
/// interrupt removes; dropping it removes it too.
#[derive(Debug)]
pub struct TempDir {
    // Field order matters: the folder is removed before it is forgotten.
    dir: tempfile::TempDir,
    _guard: TempGuard,
}

impl TempDir {
    /// The folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Creates a registered temporary folder: use it instead of
/// `tempfile::tempdir` for scratch space of external tools.
pub fn tempdir() -> io::Result<TempDir> {
    let (dir, guard) = create_registered(
        || tempfile::Builder::new().prefix(".tritone-").tempdir(),
        |d| d.path(),
    )?;
    Ok(TempDir { dir, _guard: guard })
}

/// Holds off the interrupt clean-up while alive. Keep it short (a loop of
/// renames), and do not create or drop a [`TempGuard`] while holding it.
pub struct CriticalSection {
    _lock: MutexGuard<'static, Registry>,
}

/// Enters a [`CriticalSection`].
pub fn critical_section() -> CriticalSection {
    CriticalSection { _lock: registry() }
}

/// Runs `cmd` to completion like [`Command::output`] (standard input empty,
/// standard output and error captured), with the child in a process group of
/// its own that an interrupt kills.
pub fn output(cmd: &mut Command) -> io::Result<Output> {
    #[cfg(unix)]
    {
        unix::output(cmd)
    }
    #[cfg(not(unix))]
    {
        cmd.output()
    }
}

/// Installs the SIGINT / SIGTERM / SIGHUP clean-up (once; later calls do
/// nothing). Call it from a program's `main`, never from a library.
pub fn install() -> io::Result<()> {
    #[cfg(unix)]
    {
        unix::install()
    }
    #[cfg(not(unix))]
    {
        Ok(())
    }
}

/// Kills the registered process groups and removes the registered paths,
/// with the registry locked; returns the lock so that the caller can end the
/// process before any writer moves on.
#[cfg(unix)]
fn undo_all() -> MutexGuard<'static, Registry> {
    let mut reg = registry();
    undo(&mut reg, |_| true, true);
    reg
}

/// Kills the registered process groups and removes the registered paths
/// now: for a program about to exit without unwinding (a panic hook), where
/// no destructor will do it.
pub fn clean_up() {
    undo(&mut registry(), |_| true, true);
}

/// The clean-up of the paths `select` picks and, with `groups`, of every
/// registered process group (tests pick their own).
fn undo(reg: &mut Registry, select: impl Fn(&Path) -> bool, groups: bool) {
    if groups {
        #[cfg(unix)]
        unix::kill_groups(reg.groups.values().copied().collect());
        reg.groups.clear();
    }
    let picked: Vec<u64> = reg
        .paths
        .iter()
        .filter(|(_, p)| select(p))
        .map(|(&id, _)| id)
        .collect();
    for id in picked {
        let path = reg.paths.remove(&id).expect("picked from the registry");
        // Removal is best effort: the path may already be renamed or gone.
        let _ = match std::fs::symlink_metadata(&path) {
            Ok(m) if m.is_dir() => remove_folder(&path),
            Ok(_) => std::fs::remove_file(&path),
            Err(_) => Ok(()),
        };
    }
}

/// Removes a folder that a writer may still be renaming a file into (a
/// rename takes no lock: `remove_dir_all` can find the folder not empty
/// once); each try removes what the one before missed. Writers make no new
/// temporaries while the clean-up holds the registry, so this ends.
fn remove_folder(path: &Path) -> io::Result<()> {
    let mut last = Ok(());
    for _ in 0..8 {
        match std::fs::remove_dir_all(path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => last = Err(e),
            _ => return Ok(()),
        }
    }
    last
}

#[cfg(unix)]
mod unix {
    use super::*;
    use std::io::Read;
    use std::os::unix::process::CommandExt;
    use std::process::Stdio;
    use std::sync::OnceLock;
    use std::time::{Duration, Instant};

    /// How long children get to exit after SIGTERM before SIGKILL.
    const GRACE: Duration = Duration::from_millis(500);

    pub(super) fn install() -> io::Result<()> {
        static INSTALLED: OnceLock<()> = OnceLock::new();
        if INSTALLED.get().is_some() {
            return Ok(());
        }
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
        std::thread::Builder::new()
            .name("interrupt".into())
            .spawn(move || {
                if let Some(sig) = signals.forever().next() {
                    let _held = undo_all();
                    // End as the signal would have, so a calling shell or
                    // script sees an interrupted program; exit with the
                    // conventional status if that is not possible.
                    let _ = signal_hook::low_level::emulate_default_handler(sig);
                    std::process::exit(128 + sig);
                }
            })?;
        let _ = INSTALLED.set(());
        Ok(())
    }

    /// SIGTERM to each group, a grace period for the leaders to exit, then
    /// SIGKILL to whatever is left of the groups.
    pub(super) fn kill_groups(groups: Vec<u32>) {
        if groups.is_empty() {
            return;
        }
        for &g in &groups {
            // SAFETY: kill(2) with a negative id signals that process group.
            unsafe { libc::kill(-(g as libc::pid_t), libc::SIGTERM) };
        }
        let start = Instant::now();
        let mut alive = groups.clone();
        while !alive.is_empty() && start.elapsed() < GRACE {
            // SAFETY: waitpid(2) on our own child with WNOHANG; a null
            // status pointer is allowed.
            alive.retain(|&g| unsafe {
                libc::waitpid(g as libc::pid_t, std::ptr::null_mut(), libc::WNOHANG) == 0
            });
            std::thread::sleep(Duration::from_millis(10));
        }
        for &g in &groups {
            // SAFETY: as above; a group already gone gives ESRCH, ignored.
            unsafe { libc::kill(-(g as libc::pid_t), libc::SIGKILL) };
        }
    }

    pub(super) fn output(cmd: &mut Command) -> io::Result<Output> {
        cmd.process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let (mut child, id) = {
            // Spawn and register under the lock: an interrupt either comes
            // before the child exists or finds it registered.
            let mut reg = registry();
            let child = cmd.spawn()?;
            reg.next += 1;
            let id = reg.next;
            reg.groups.insert(id, child.id());
            (child, id)
        };
        fn drain(pipe: Option<impl Read>) -> Vec<u8> {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                // A read error ends the capture; the exit status still tells.
                let _ = p.read_to_end(&mut buf);
            }
            buf
        }
        let (out, err) = (child.stdout.take(), child.stderr.take());
        let (stdout, stderr) = std::thread::scope(|s| {
            let e = s.spawn(move || drain(err));
            (drain(out), e.join().unwrap_or_default())
        });
        // Wait without reaping, forget the group, then reap: the group id
        // cannot be reused by another process while it is still registered.
        // SAFETY: waitid(2) on our own child; `info` is plain data it fills.
        unsafe {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            while libc::waitid(
                libc::P_PID,
                child.id() as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            ) == -1
                && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted
            {}
        }
        registry().groups.remove(&id);
        let status = child.wait()?;
        Ok(Output {
            status,
            stdout,
            stderr,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undo_removes_registered_paths_and_forgets_dropped_ones() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("partial.bin");
        let folder = dir.path().join("staging");
        let kept = dir.path().join("kept.bin");
        std::fs::write(&file, b"x").unwrap();
        std::fs::create_dir_all(folder.join("sub")).unwrap();
        std::fs::write(folder.join("sub/a"), b"x").unwrap();
        std::fs::write(&kept, b"x").unwrap();
        let g1 = remove_on_interrupt(&file);
        let g2 = remove_on_interrupt(&folder);
        drop(remove_on_interrupt(&kept));
        undo(&mut registry(), |p| p.starts_with(dir.path()), false);
        assert!(!file.exists() && !folder.exists());
        assert!(kept.exists(), "a dropped guard's path is not removed");
        drop((g1, g2));
    }

    #[cfg(unix)]
    #[test]
    fn output_captures_and_undo_kills_running_groups() {
        let out =
            output(Command::new("sh").args(["-c", "echo out; echo err >&2; exit 3"])).unwrap();
        assert_eq!(
            (out.stdout, out.stderr, out.status.code()),
            (b"out\n".to_vec(), b"err\n".to_vec(), Some(3))
        );
        assert!(
            registry().groups.is_empty(),
            "a finished child is forgotten"
        );

        // A child whose own child ignores SIGTERM: the whole group dies.
        let t = std::thread::spawn(|| {
            output(Command::new("sh").args(["-c", "sh -c 'trap \"\" TERM; sleep 30' & wait"]))
        });
        let start = std::time::Instant::now();
        while registry().groups.is_empty() {
            assert!(start.elapsed().as_secs() < 10, "child not registered");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        undo(&mut registry(), |_| false, true);
        // The pipes close once every process of the group is gone; the
        // reaped leader then makes `output` fail or report a signal.
        let r = t.join().unwrap();
        assert!(start.elapsed().as_secs() < 10);
        if let Ok(o) = r {
            assert!(!o.status.success());
        }
    }
}
