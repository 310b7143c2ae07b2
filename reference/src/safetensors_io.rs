//! safetensors tensor I/O: read a named tensor as f32 (from F32, F16 or BF16,
//! converted exactly), write several i8/i32/f32 tensors atomically (a temp
//! file in the target directory, then a rename: never a half-written file).

use std::path::Path;

use safetensors::tensor::{Dtype, SafeTensors, TensorView};

use crate::error::{ReferenceError, Result};
use crate::matrix::Matrix;

/// A named tensor of f32 values, as read from a file.
#[derive(Clone, Debug, PartialEq)]
pub struct TensorF32 {
    /// Its shape.
    pub shape: Vec<usize>,
    /// Row-major values.
    pub data: Vec<f32>,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ReferenceError + '_ {
    move |source| ReferenceError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What is wrong with a file the safetensors parser refused, in words (the
/// parser's own names, such as `MetadataIncompleteBuffer`, say little to a
/// user).
pub(crate) fn invalid_file(e: &safetensors::SafeTensorError) -> String {
    use safetensors::SafeTensorError as E;
    match e {
        E::HeaderTooSmall => "shorter than the 8-byte header length".into(),
        E::InvalidHeaderLength => "its header length runs past the end of the file".into(),
        E::HeaderTooLarge => "its header is larger than 100 MB".into(),
        E::InvalidHeader => "its header is not UTF-8 text".into(),
        E::InvalidHeaderStart => "its header is not a JSON object".into(),
        E::InvalidHeaderDeserialization => {
            "its header is not a valid tensor table (bad JSON, an unknown dtype or a missing field)"
                .into()
        }
        E::MetadataIncompleteBuffer => {
            "the tensors' data offsets do not cover the file's data exactly (truncated, or extra bytes)"
                .into()
        }
        E::TensorInvalidInfo => "a tensor's shape, dtype and data offsets disagree".into(),
        E::InvalidOffset(name) => format!("tensor `{}` has invalid data offsets", name.escape_debug()),
        E::ValidationOverflow => "a tensor's shape overflows".into(),
        other => other.to_string(),
    }
}

/// Parses the safetensors file `path` holds as `bytes`, or says in words
/// ([`invalid_file`]) why it is not one.
pub(crate) fn parse<'a>(bytes: &'a [u8], path: &Path) -> Result<SafeTensors<'a>> {
    SafeTensors::deserialize(bytes).map_err(|e| ReferenceError::Safetensors {
        path: path.to_path_buf(),
        reason: invalid_file(&e),
    })
}

/// Reads tensor `name` from a safetensors file as f32 (any rank). F16 and BF16
/// widen exactly; other dtypes are an error naming the dtype. Non-finite
/// values are not checked here (see [`read_matrix`]).
pub fn read_tensor_f32(path: &Path, name: &str) -> Result<TensorF32> {
    let bytes = crate::input::map_or_read(path).map_err(io_err(path))?;
    let st = parse(&bytes, path)?;
    let view = st.tensor(name).map_err(|_| {
        let mut names: Vec<&str> = st.names().into_iter().map(String::as_str).collect();
        names.sort_unstable();
        // Escaped: a name from the file may hold a line break.
        let shown = names
            .iter()
            .take(8)
            .map(|n| n.escape_debug().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        ReferenceError::MissingTensor {
            path: path.to_path_buf(),
            name: name.to_string(),
            available: match names.len() {
                0 => "no tensors".to_string(),
                1..=8 => shown,
                n => format!("{shown}, … ({n} in all)"),
            },
        }
    })?;
    let data = crate::checkpoint::widen(&crate::checkpoint::TensorRef {
        name,
        dtype: view.dtype(),
        shape: view.shape(),
        bytes: view.data(),
    })?;
    Ok(TensorF32 {
        shape: view.shape().to_vec(),
        data,
    })
}

/// Reads tensor `name` as a rank-2, non-empty, finite f32 matrix.
///
/// Errors name the file or tensor: I/O, malformed file, missing tensor
/// (listing the ones present), dtype, rank, empty, NaN/Inf with its index.
pub fn read_matrix(path: &Path, name: &str) -> Result<Matrix> {
    let t = read_tensor_f32(path, name)?;
    let [rows, cols] = t.shape[..] else {
        return Err(ReferenceError::Rank {
            name: name.to_string(),
            shape: t.shape,
            expected: 2,
        });
    };
    Matrix::new(name, rows, cols, t.data)
}

/// The values of a tensor to write.
#[derive(Clone, Debug, PartialEq)]
pub enum TensorData {
    /// Unsigned bytes (packed ternary weights).
    U8(Vec<u8>),
    /// Signed 8-bit integers.
    I8(Vec<i8>),
    /// Signed 32-bit integers.
    I32(Vec<i32>),
    /// 32-bit floats (must be finite).
    F32(Vec<f32>),
}

impl TensorData {
    fn len(&self) -> usize {
        match self {
            TensorData::U8(v) => v.len(),
            TensorData::I8(v) => v.len(),
            TensorData::I32(v) => v.len(),
            TensorData::F32(v) => v.len(),
        }
    }

    fn dtype(&self) -> Dtype {
        match self {
            TensorData::U8(_) => Dtype::U8,
            TensorData::I8(_) => Dtype::I8,
            TensorData::I32(_) => Dtype::I32,
            TensorData::F32(_) => Dtype::F32,
        }
    }

    fn le_bytes(&self) -> Vec<u8> {
        match self {
            TensorData::U8(v) => v.clone(),
            TensorData::I8(v) => v.iter().map(|&x| x as u8).collect(),
            TensorData::I32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            TensorData::F32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        }
    }
}

/// A named tensor to write.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedTensor {
    /// Tensor name in the file.
    pub name: String,
    /// Its shape.
    pub shape: Vec<usize>,
    /// Row-major values.
    pub data: TensorData,
}

impl NamedTensor {
    /// A tensor named `name` of shape `shape`.
    pub fn new(name: &str, shape: &[usize], data: TensorData) -> Self {
        NamedTensor {
            name: name.to_string(),
            shape: shape.to_vec(),
            data,
        }
    }

    fn check(&self) -> Result<()> {
        let expected: usize = self.shape.iter().product();
        if expected != self.data.len() {
            return Err(ReferenceError::Shape(format!(
                "tensor `{}` is declared {:?} but holds {} values",
                self.name,
                self.shape,
                self.data.len()
            )));
        }
        if let TensorData::F32(v) = &self.data {
            if let Some(index) = v.iter().position(|x| !x.is_finite()) {
                let cols = self.shape.last().copied().unwrap_or(1).max(1);
                return Err(ReferenceError::NonFinite {
                    name: self.name.clone(),
                    index,
                    row: index / cols,
                    col: index % cols,
                    value: v[index],
                });
            }
        }
        Ok(())
    }
}

/// Writes `tensors` to a safetensors file at `path` atomically: everything is
/// checked first, written to a temp file in the same directory, then renamed
/// over `path`. On error no file (and no temp file) is left behind.
pub fn write_tensors(path: &Path, tensors: &[NamedTensor]) -> Result<()> {
    for t in tensors {
        t.check()?;
    }
    let bytes: Vec<Vec<u8>> = tensors.iter().map(|t| t.data.le_bytes()).collect();
    let views = tensors
        .iter()
        .zip(&bytes)
        .map(|(t, b)| {
            TensorView::new(t.data.dtype(), t.shape.clone(), b)
                .map(|v| (t.name.clone(), v))
                .map_err(|e| ReferenceError::Shape(format!("tensor `{}`: {e}", t.name)))
        })
        .collect::<Result<Vec<_>>>()?;
    // Streamed into the temporary file: no second copy of every tensor.
    crate::atomic::write_atomic_with(path, "", |tmp| {
        safetensors::serialize_to_file(views, &None, tmp).map_err(|e| match e {
            safetensors::SafeTensorError::IoError(source) => ReferenceError::Io {
                path: path.to_path_buf(),
                source,
            },
            other => ReferenceError::Safetensors {
                path: path.to_path_buf(),
                reason: other.to_string(),
            },
        })
    })
    .map_err(io_err(path))?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_raw(path: &Path, name: &str, dtype: Dtype, shape: &[usize], bytes: &[u8]) {
        let view = TensorView::new(dtype, shape.to_vec(), bytes).unwrap();
        std::fs::write(path, safetensors::serialize([(name, view)], &None).unwrap()).unwrap();
    }

    #[test]
    fn round_trip_and_exact_half_widening() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.safetensors");
        write_tensors(
            &p,
            &[
                NamedTensor::new("w", &[2, 2], TensorData::F32(vec![1.0, -2.5, 0.0, 3.25])),
                NamedTensor::new("q", &[1, 2], TensorData::I8(vec![-128, 127])),
                NamedTensor::new("a", &[2], TensorData::I32(vec![i32::MIN, 7])),
            ],
        )
        .unwrap();
        let m = read_matrix(&p, "w").unwrap();
        assert_eq!(m.data(), &[1.0, -2.5, 0.0, 3.25]);
        let bytes = std::fs::read(&p).unwrap();
        let st = SafeTensors::deserialize(&bytes).unwrap();
        assert_eq!(st.tensor("q").unwrap().data(), &[0x80, 0x7f]);
        assert_eq!(st.tensor("a").unwrap().dtype(), Dtype::I32);
        // Only the target file exists: no stray temp file.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

        let h: Vec<u8> = [1.5f32, -0.099975586]
            .iter()
            .flat_map(|&v| half::f16::from_f32(v).to_le_bytes())
            .collect();
        write_raw(&p, "h", Dtype::F16, &[1, 2], &h);
        assert_eq!(read_matrix(&p, "h").unwrap().data(), &[1.5, -0.099975586]);
        let b: Vec<u8> = [1.5f32, -3.0e38]
            .iter()
            .flat_map(|&v| half::bf16::from_f32(v).to_le_bytes())
            .collect();
        write_raw(&p, "b", Dtype::BF16, &[2, 1], &b);
        let m = read_matrix(&p, "b").unwrap();
        assert_eq!(m.data()[1], half::bf16::from_f32(-3.0e38).to_f32());
    }

    #[test]
    fn errors_name_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.safetensors");
        let msg = |e: ReferenceError| e.to_string();

        assert!(msg(read_matrix(&dir.path().join("none"), "w").unwrap_err()).contains("none"));
        std::fs::write(&p, b"not a safetensors file").unwrap();
        assert!(msg(read_matrix(&p, "w").unwrap_err()).contains("not a valid safetensors"));

        write_raw(&p, "x", Dtype::F32, &[1, 1], &1f32.to_le_bytes());
        let e = msg(read_matrix(&p, "weight").unwrap_err());
        assert!(e.contains("`weight`") && e.contains("has: x"), "{e}");
        write_raw(&p, "x", Dtype::I32, &[1, 1], &1i32.to_le_bytes());
        assert!(msg(read_matrix(&p, "x").unwrap_err()).contains("dtype I32"));
        write_raw(&p, "x", Dtype::F32, &[1], &1f32.to_le_bytes());
        assert!(msg(read_matrix(&p, "x").unwrap_err()).contains("rank 1"));
        write_raw(&p, "x", Dtype::F32, &[0, 4], &[]);
        assert!(msg(read_matrix(&p, "x").unwrap_err()).contains("empty"));
        let nan: Vec<u8> = [0.0f32, 1.0, f32::NAN]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        write_raw(&p, "x", Dtype::F32, &[1, 3], &nan);
        let e = msg(read_matrix(&p, "x").unwrap_err());
        assert!(e.contains("NaN") && e.contains("index 2"), "{e}");
    }

    #[test]
    fn failed_write_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("y.safetensors");
        let bad = [
            NamedTensor::new("ok", &[1], TensorData::I8(vec![1])),
            NamedTensor::new("output", &[2], TensorData::F32(vec![0.0, f32::INFINITY])),
        ];
        let e = write_tensors(&p, &bad).unwrap_err().to_string();
        assert!(e.contains("`output`") && e.contains("index 1"), "{e}");
        let short = [NamedTensor::new("acc", &[2, 2], TensorData::I32(vec![1]))];
        assert!(write_tensors(&p, &short)
            .unwrap_err()
            .to_string()
            .contains("`acc`"));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
