//! The interrupt clean-up end to end, with real signals: a helper process
//! (this test binary run again) registers a temporary file and starts a
//! child through `interrupt::output`, whose own child ignores SIGTERM; the
//! helper is then signalled. The temporary must be gone, the whole child
//! process group dead, and the helper ended by the signal.

#![cfg(unix)]

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use tritone_reference::interrupt;

const HELPER_DIR: &str = "TRITONE_INTERRUPT_HELPER_DIR";

/// The helper's body, run only by the test below (as an ignored test).
#[test]
#[ignore = "the helper process of signals_remove_temporaries_and_kill_child_groups"]
fn helper() {
    let dir = PathBuf::from(std::env::var_os(HELPER_DIR).expect("started by the test"));
    interrupt::install().unwrap();
    let partial = dir.join(".tritone-partial");
    std::fs::write(&partial, b"half").unwrap();
    let _guard = interrupt::remove_on_interrupt(&partial);
    // The grandchild ignores SIGTERM and records its pid; only the group
    // SIGKILL ends it.
    let script = format!(
        "sh -c 'trap \"\" TERM; echo $$ > {}; exec sleep 60' & wait",
        dir.join("grandchild.pid").display()
    );
    let _ = interrupt::output(Command::new("sh").args(["-c", &script]));
    // Not reached: the signal ends the process first.
    std::fs::write(dir.join("finished"), b"").unwrap();
}

fn alive(pid: i32) -> bool {
    if Path::new("/proc/self").exists() {
        return std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
            // The state follows the command name in parentheses: a zombie
            // (dead, not yet reaped by whoever adopted it) counts as dead.
            !stat
                .rsplit(')')
                .next()
                .is_some_and(|rest| rest.trim_start().starts_with('Z'))
        });
    }
    // SAFETY: kill(2) with signal 0 only checks for existence.
    unsafe { libc::kill(pid, 0) == 0 }
}

#[test]
fn signals_remove_temporaries_and_kill_child_groups() {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "helper", "--ignored", "--nocapture"])
            .env(HELPER_DIR, dir.path())
            .spawn()
            .unwrap();
        let pid_file = dir.path().join("grandchild.pid");
        let start = Instant::now();
        let grandchild: i32 = loop {
            if let Some(pid) = std::fs::read_to_string(&pid_file)
                .ok()
                .and_then(|s| s.trim().parse().ok())
            {
                break pid;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "helper never started"
            );
            std::thread::sleep(Duration::from_millis(10));
        };
        assert!(alive(grandchild));
        assert!(dir.path().join(".tritone-partial").exists());
        // SAFETY: kill(2) on our own child.
        unsafe { libc::kill(child.id() as libc::pid_t, signal) };
        let status = child.wait().unwrap();
        assert_eq!(status.signal(), Some(signal), "{status:?}");
        assert!(!dir.path().join(".tritone-partial").exists());
        assert!(!dir.path().join("finished").exists());
        let start = Instant::now();
        while alive(grandchild) {
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "grandchild {grandchild} survived"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}
