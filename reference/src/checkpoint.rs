//! A HuggingFace checkpoint directory: `config.json` plus `model.safetensors`
//! or a sharded `model.safetensors.index.json`, with every tensor file
//! memory-mapped and checked once (header, offsets) when opened.
//!
//! Tensors are read by name with their expected shape; the errors name the
//! tensor, the file and what is wrong (missing, shape, dtype, NaN/Inf), and a
//! sharded index that points at a missing file is refused when the directory
//! is opened, naming the file and a tensor mapped to it.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use safetensors::tensor::Dtype;

use crate::error::{ReferenceError, Result};
use crate::hf_config::{load_model_config, ModelConfig};
use crate::input::{map_or_read, read_text, Bytes, MAX_TEXT_BYTES};

/// The single-file weights name.
pub const WEIGHTS_FILE: &str = "model.safetensors";
/// The sharded index name.
pub const INDEX_FILE: &str = "model.safetensors.index.json";

/// Where one tensor's bytes are.
#[derive(Clone, Debug)]
struct Entry {
    file: usize,
    start: usize,
    end: usize,
    dtype: Dtype,
    shape: Vec<usize>,
}

/// One tensor of a checkpoint, borrowed from its memory map.
#[derive(Clone, Copy, Debug)]
pub struct TensorRef<'a> {
    /// The tensor's name.
    pub name: &'a str,
    /// Its dtype.
    pub dtype: Dtype,
    /// Its shape.
    pub shape: &'a [usize],
    /// Its little-endian bytes.
    pub bytes: &'a [u8],
}

/// An opened checkpoint directory.
pub struct Checkpoint {
    dir: PathBuf,
    config: ModelConfig,
    maps: Vec<(PathBuf, Bytes)>,
    tensors: HashMap<String, Entry>,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ReferenceError + '_ {
    move |source| ReferenceError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn checkpoint_err(path: &Path, reason: String) -> ReferenceError {
    ReferenceError::Config {
        path: path.to_path_buf(),
        reason,
    }
}

impl Checkpoint {
    /// Opens `dir`: reads `config.json`, then `model.safetensors` or the files
    /// listed by `model.safetensors.index.json`.
    pub fn open(dir: &Path) -> Result<Checkpoint> {
        let config = load_model_config(&dir.join("config.json"))?;
        let index = dir.join(INDEX_FILE);
        let single = dir.join(WEIGHTS_FILE);
        // file name -> the tensors the index says it holds
        let files: BTreeMap<String, Vec<String>> = if index.exists() {
            read_index(&index)?
        } else if single.exists() {
            BTreeMap::from([(WEIGHTS_FILE.to_string(), Vec::new())])
        } else {
            return Err(checkpoint_err(
                dir,
                format!("no {WEIGHTS_FILE} and no {INDEX_FILE} in the checkpoint directory"),
            ));
        };
        let mut maps = Vec::new();
        let mut tensors = HashMap::new();
        for (file, expected) in files {
            let path = dir.join(&file);
            if !path.exists() {
                return Err(checkpoint_err(
                    &index,
                    format!(
                        "the index maps `{}` to {file}, which does not exist",
                        expected.first().map_or("", String::as_str)
                    ),
                ));
            }
            let map = map_or_read(&path).map_err(io_err(&path))?;
            let st = crate::safetensors_io::parse(&map, &path)?;
            let base = map.as_ptr() as usize;
            for (name, view) in st.tensors() {
                let start = view.data().as_ptr() as usize - base;
                let entry = Entry {
                    file: maps.len(),
                    start,
                    end: start + view.data().len(),
                    dtype: view.dtype(),
                    shape: view.shape().to_vec(),
                };
                if tensors.insert(name.clone(), entry).is_some() {
                    return Err(checkpoint_err(
                        &path,
                        format!("tensor `{name}` appears in more than one file"),
                    ));
                }
            }
            if let Some(name) = expected.iter().find(|n| !st.names().contains(n)) {
                return Err(checkpoint_err(
                    &index,
                    format!("the index maps `{name}` to {file}, which has no such tensor"),
                ));
            }
            drop(st);
            maps.push((path, map));
        }
        Ok(Checkpoint {
            dir: dir.to_path_buf(),
            config,
            maps,
            tensors,
        })
    }

    /// The parsed `config.json`.
    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether a tensor of this name exists.
    pub fn contains(&self, name: &str) -> bool {
        self.tensors.contains_key(name)
    }

    /// The tensor `name`, or an error naming it and some of the tensors present.
    pub fn tensor(&self, name: &str) -> Result<TensorRef<'_>> {
        let (key, e) = self.tensors.get_key_value(name).ok_or_else(|| {
            let mut names: Vec<&str> = self.tensors.keys().map(String::as_str).collect();
            names.sort_unstable();
            // Escaped: a name from the file may hold a line break.
            let shown = names
                .iter()
                .take(8)
                .map(|n| n.escape_debug().to_string())
                .collect::<Vec<_>>()
                .join(", ");
            ReferenceError::MissingTensor {
                path: self.dir.clone(),
                name: name.to_string(),
                available: if names.len() > 8 {
                    format!("{shown}, … ({} in all)", names.len())
                } else {
                    shown
                },
            }
        })?;
        Ok(TensorRef {
            name: key,
            dtype: e.dtype,
            shape: &e.shape,
            bytes: &self.maps[e.file].1[e.start..e.end],
        })
    }

    /// Tensor `name` as f32 values (F32, F16 or BF16 widened exactly), after
    /// checking its shape and that every value is finite.
    pub fn f32_tensor(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>> {
        let t = self.tensor(name)?;
        expect_shape(&t, shape)?;
        let data = widen(&t)?;
        let cols = shape.last().copied().unwrap_or(1).max(1);
        if let Some(index) = data.iter().position(|v| !v.is_finite()) {
            return Err(ReferenceError::NonFinite {
                name: name.to_string(),
                index,
                row: index / cols,
                col: index % cols,
                value: data[index],
            });
        }
        Ok(data)
    }

    /// Tensor `name` as bytes of dtype U8 with the given shape.
    pub fn u8_tensor(&self, name: &str, shape: &[usize]) -> Result<&[u8]> {
        let t = self.tensor(name)?;
        if t.dtype != Dtype::U8 {
            return Err(ReferenceError::Dtype {
                name: name.to_string(),
                found: format!("{:?}", t.dtype),
                expected: "U8 (packed ternary weights)",
            });
        }
        expect_shape(&t, shape)?;
        Ok(t.bytes)
    }
}

/// Refuses a tensor whose shape differs from `shape`, naming both.
pub fn expect_shape(t: &TensorRef<'_>, shape: &[usize]) -> Result<()> {
    if t.shape != shape {
        return Err(ReferenceError::Shape(format!(
            "tensor `{}` has shape {:?}; the config implies {:?}",
            t.name, t.shape, shape
        )));
    }
    Ok(())
}

/// The values of an F32, F16 or BF16 tensor as f32 (exact widening); a
/// tensor too large for the memory left is an error, not an abort.
pub fn widen(t: &TensorRef<'_>) -> Result<Vec<f32>> {
    let b = t.bytes;
    let width = match t.dtype {
        Dtype::F32 => 4,
        Dtype::F16 | Dtype::BF16 => 2,
        other => {
            return Err(ReferenceError::Dtype {
                name: t.name.to_string(),
                found: format!("{other:?}"),
                expected: "F32, F16 or BF16",
            })
        }
    };
    let mut out = crate::error::try_vec(b.len() / width, 4, || {
        format!("tensor `{}` {:?} as f32", t.name, t.shape)
    })?;
    match t.dtype {
        Dtype::F32 => out.extend(
            b.chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        ),
        Dtype::F16 => out.extend(
            b.chunks_exact(2)
                .map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32()),
        ),
        _ => out.extend(
            b.chunks_exact(2)
                .map(|c| half::bf16::from_le_bytes([c[0], c[1]]).to_f32()),
        ),
    }
    Ok(out)
}

/// `weight_map` of a sharded index, grouped by file.
fn read_index(path: &Path) -> Result<BTreeMap<String, Vec<String>>> {
    let text = read_text(path, MAX_TEXT_BYTES).map_err(io_err(path))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| checkpoint_err(path, format!("malformed JSON: {e}")))?;
    let map = value
        .get("weight_map")
        .and_then(serde_json::Value::as_object)
        .ok_or_else(|| checkpoint_err(path, "missing object `weight_map`".to_string()))?;
    let mut files: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (tensor, file) in map {
        let file = file.as_str().ok_or_else(|| {
            checkpoint_err(
                path,
                format!("`weight_map.{tensor}` is {file}, expected a file name"),
            )
        })?;
        // Shards live next to the index: no paths out of the directory.
        if file.contains('/') || file.contains('\\') || file.starts_with('.') {
            return Err(checkpoint_err(
                path,
                format!(
                    "`weight_map.{tensor}` names `{file}`, not a file in the checkpoint directory"
                ),
            ));
        }
        files
            .entry(file.to_string())
            .or_default()
            .push(tensor.clone());
    }
    if files.is_empty() {
        return Err(checkpoint_err(path, "`weight_map` is empty".to_string()));
    }
    for names in files.values_mut() {
        names.sort_unstable();
    }
    Ok(files)
}
