//! Reading the files a user names, bounded: a text input (`config.json`, a
//! sharded index, a topology CSV, a TOML file) larger than its limit is
//! refused, never read without end (`--config /dev/zero` would otherwise
//! fill memory), and a binary input is memory-mapped when it is a regular
//! file and read up to a limit when it is a pipe or a device.

use std::io::{self, Read};
use std::path::Path;

/// Largest text input (`config.json`, `model.safetensors.index.json`,
/// topology CSV, architecture and energy TOML): 64 MiB. Real files are a few
/// KiB; a 70B model's sharded index is about 60 KiB.
pub const MAX_TEXT_BYTES: u64 = 64 << 20;

/// Largest safetensors input read from a pipe or a device (regular files are
/// memory-mapped and limited only by their size): 4 GiB.
pub const MAX_STREAMED_BYTES: u64 = 4 << 30;

fn too_large(limit: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "larger than {}, the limit for this kind of input",
            human_bytes(limit)
        ),
    )
}

/// `n` bytes in the largest binary unit that divides it (64 MiB, 4 GiB, 100 B).
pub fn human_bytes(n: u64) -> String {
    for (shift, unit) in [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")] {
        if n >= 1 << shift && n.is_multiple_of(1 << shift) {
            return format!("{} {unit}", n >> shift);
        }
    }
    format!("{n} bytes")
}

/// Reads at most `limit` bytes of `path`; more is an error, checked before
/// reading when the file system knows the size.
pub fn read_bytes(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "is a folder, not a file",
        ));
    }
    if meta.is_file() && meta.len() > limit {
        return Err(too_large(limit));
    }
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(limit));
    }
    Ok(bytes)
}

/// [`read_bytes`] as UTF-8 text.
pub fn read_text(path: &Path, limit: u64) -> io::Result<String> {
    String::from_utf8(read_bytes(path, limit)?).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// The bytes of a binary input: memory-mapped when it is a regular file,
/// read (up to [`MAX_STREAMED_BYTES`]) otherwise.
pub enum Bytes {
    /// A regular file, mapped read-only.
    Mapped(memmap2::Mmap),
    /// A pipe or device, read into memory.
    Read(Vec<u8>),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(m) => m,
            Bytes::Read(v) => v,
        }
    }
}

/// Opens a binary input (see [`Bytes`]).
pub fn map_or_read(path: &Path) -> io::Result<Bytes> {
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "is a folder, not a file",
        ));
    }
    if meta.is_file() {
        if meta.len() == 0 {
            // Mapping an empty file fails on some systems; nothing to map.
            return Ok(Bytes::Read(Vec::new()));
        }
        // SAFETY: the map is read-only and private to this process; an input
        // changed on disk while it runs is outside its contract.
        return Ok(Bytes::Mapped(unsafe { memmap2::Mmap::map(&file)? }));
    }
    read_bytes(path, MAX_STREAMED_BYTES).map(Bytes::Read)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_enforced_before_and_while_reading() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.json");
        std::fs::write(&p, b"0123456789").unwrap();
        assert_eq!(read_text(&p, 10).unwrap(), "0123456789");
        let e = read_text(&p, 9).unwrap_err().to_string();
        assert!(e.contains("larger than 9 bytes"), "{e}");
        assert!(read_text(dir.path(), 9).is_err());
        #[cfg(unix)]
        {
            // A device without end is cut at the limit, not read forever.
            let e = read_text(Path::new("/dev/zero"), 1 << 20)
                .unwrap_err()
                .to_string();
            assert!(e.contains("larger than 1 MiB"), "{e}");
        }
        std::fs::write(&p, [0xff, 0xfe]).unwrap();
        assert!(read_text(&p, 10).unwrap_err().to_string().contains("UTF-8"));
        assert_eq!(&*map_or_read(&p).unwrap(), &[0xff, 0xfe]);
        assert_eq!(human_bytes(MAX_TEXT_BYTES), "64 MiB");
        assert_eq!(human_bytes(MAX_STREAMED_BYTES), "4 GiB");
    }
}
