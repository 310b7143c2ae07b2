//! Standard output and the end of a run, for every command: one printing
//! path ([`outln!`], [`print`](fn@print)), one error line, one exit status.
//!
//! A closed standard output (`tritone models | head -1`) ends the program
//! quietly with status 0, as ripgrep does; any other write error (`>
//! /dev/full`) is a one-line error and status 1. Commands that still print
//! with `println!` are covered by [`guard_println`], which turns std's
//! "failed printing to stdout" panic into the same outcome.

use std::fmt;
use std::io::{self, Write};

/// A failed write to standard output.
#[derive(Debug)]
pub struct StdoutError(pub io::Error);

impl fmt::Display for StdoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "writing to standard output: {}", self.0)
    }
}

// No `source()`: the OS error is already in the message, and would be
// printed twice.
impl std::error::Error for StdoutError {}

/// Writes formatted text to standard output (what [`outln!`] calls).
pub fn write_fmt(args: fmt::Arguments<'_>) -> Result<(), StdoutError> {
    io::stdout().lock().write_fmt(args).map_err(StdoutError)
}

/// Writes `text` to standard output as it is.
pub fn print(text: &str) -> Result<(), StdoutError> {
    io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(StdoutError)
}

/// `println!` that returns a [`StdoutError`] instead of panicking.
macro_rules! outln {
    () => {
        $crate::cli::output::write_fmt(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::output::write_fmt(format_args!("{}\n", format_args!($($arg)*)))
    };
}
pub(crate) use outln;

/// The exit status of a finished command: 0 on success and on a closed
/// standard output; otherwise the error is printed as one line on standard
/// error and the status is 1. Flushes standard output first, so that a
/// write error of the last line is not lost.
pub fn finish(result: anyhow::Result<()>) -> i32 {
    let result = result.and_then(|()| io::stdout().flush().map_err(|e| StdoutError(e).into()));
    let Err(e) = result else {
        return 0;
    };
    if let Some(StdoutError(io)) = e.downcast_ref::<StdoutError>() {
        if io.kind() == io::ErrorKind::BrokenPipe {
            return 0;
        }
    }
    report(&error_line(&e));
    1
}

/// Prints `error: <line>` on standard error; if even that fails, the exit
/// status is all that is left to tell.
fn report(line: &str) {
    let _ = writeln!(io::stderr().lock(), "error: {line}");
}

/// An error and its causes as one line: causes whose text is already in the
/// message are skipped (an I/O error wrapped with its own text would
/// otherwise appear twice), a cause that starts with the name the message
/// ends with ("writing --out a.bin" then "a.bin: disk full") loses that
/// repeated name, and the lines of a multi-line message (a tool's output)
/// are joined with "; ".
pub fn error_line(e: &anyhow::Error) -> String {
    let mut msg = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        let mut text = text.trim();
        if text.is_empty() || msg.contains(text) {
            continue;
        }
        if let Some((head, tail)) = text.split_once(": ") {
            if !head.is_empty() && msg.ends_with(head) {
                text = tail;
            }
        }
        if !msg.is_empty() {
            msg.push_str(": ");
        }
        msg.push_str(text);
    }
    msg.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The text std's `print!` family panics with when standard output fails.
const PRINT_PANIC: &str = "failed printing to stdout: ";

/// Makes a `println!` that fails end the program like a [`StdoutError`]
/// does (quietly on a closed pipe, one line and status 1 otherwise) instead
/// of a panic with status 101. Registered temporaries are removed and
/// registered children killed first, since no destructor runs after this.
pub fn guard_println() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let Some(why) = info
            .payload_as_str()
            .and_then(|m| m.strip_prefix(PRINT_PANIC))
        else {
            return default(info);
        };
        tritone_reference::interrupt::clean_up();
        if why == broken_pipe_text() {
            std::process::exit(0);
        }
        report(&format!("writing to standard output: {why}"));
        std::process::exit(1);
    }));
}

/// How std shows the OS's broken-pipe error (the text inside the panic).
fn broken_pipe_text() -> String {
    #[cfg(unix)]
    {
        io::Error::from_raw_os_error(libc::EPIPE).to_string()
    }
    #[cfg(not(unix))]
    {
        io::Error::from(io::ErrorKind::BrokenPipe).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_lines_drop_repeated_causes_and_newlines() {
        let os = io::Error::from_raw_os_error(13);
        let wrapped = anyhow::Error::new(io::Error::new(
            os.kind(),
            format!("{os} at path \"/x/.tritone-1\""),
        ))
        .context(format!("out.bin: {os} at path \"/x/.tritone-1\""));
        let line = error_line(&wrapped);
        assert_eq!(line.matches("os error 13").count(), 1, "{line}");
        let named =
            anyhow::Error::new(io::Error::other("a.bin: disk full")).context("writing --out a.bin");
        assert_eq!(error_line(&named), "writing --out a.bin: disk full");
        let tool = anyhow::anyhow!("yosys failed: exit status: 1\nERROR: syntax\n\n");
        assert_eq!(
            error_line(&tool),
            "yosys failed: exit status: 1; ERROR: syntax"
        );
    }

    #[test]
    fn broken_pipe_ends_quietly_and_other_write_errors_fail() {
        let pipe = anyhow::Error::new(StdoutError(io::ErrorKind::BrokenPipe.into()));
        assert_eq!(finish(Err(pipe.context("printing the table"))), 0);
        let full = anyhow::Error::new(StdoutError(io::Error::from_raw_os_error(28)));
        assert_eq!(finish(Err(full)), 1);
        assert_eq!(finish(Ok(())), 0);
    }
}
