//! A checked, row-major f32 matrix: the input type of the quantizers and of
//! BitLinear. Construction rejects empty and non-finite data, so everything
//! downstream can assume a well-formed `[rows, cols]` of finite values.

use crate::error::{ReferenceError, Result};

/// A non-empty row-major `[rows, cols]` matrix of finite `f32` values.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    rows: usize,
    cols: usize,
    data: Vec<f32>,
}

impl Matrix {
    /// Checks and wraps `data` as `[rows, cols]`; `name` is used in errors.
    ///
    /// Errors: [`ReferenceError::Empty`] if either dimension is 0,
    /// [`ReferenceError::Shape`] if `data.len() != rows * cols`,
    /// [`ReferenceError::NonFinite`] naming the first NaN/Inf.
    pub fn new(name: &str, rows: usize, cols: usize, data: Vec<f32>) -> Result<Self> {
        if rows == 0 || cols == 0 {
            return Err(ReferenceError::Empty {
                name: name.to_string(),
                shape: vec![rows, cols],
            });
        }
        if rows.checked_mul(cols) != Some(data.len()) {
            return Err(ReferenceError::Shape(format!(
                "`{name}` is declared [{rows}, {cols}] but holds {} values",
                data.len()
            )));
        }
        if let Some(index) = data.iter().position(|v| !v.is_finite()) {
            return Err(ReferenceError::NonFinite {
                name: name.to_string(),
                index,
                row: index / cols,
                col: index % cols,
                value: data[index],
            });
        }
        Ok(Matrix { rows, cols, data })
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The values, row-major.
    pub fn data(&self) -> &[f32] {
        &self.data
    }

    /// Row `r`.
    pub fn row(&self, r: usize) -> &[f32] {
        &self.data[r * self.cols..(r + 1) * self.cols]
    }

    /// Consumes the matrix, returning its row-major values.
    pub fn into_data(self) -> Vec<f32> {
        self.data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_empty_mismatched_and_non_finite() {
        assert!(matches!(
            Matrix::new("w", 0, 3, vec![]),
            Err(ReferenceError::Empty { .. })
        ));
        assert!(matches!(
            Matrix::new("w", 2, 2, vec![0.0; 3]),
            Err(ReferenceError::Shape(_))
        ));
        let err = Matrix::new("w", 2, 2, vec![0.0, 1.0, f32::NAN, 0.0]).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("`w`") && msg.contains("index 2") && msg.contains("row 1"),
            "{msg}"
        );
        let err = Matrix::new("x", 1, 2, vec![0.0, f32::NEG_INFINITY]).unwrap_err();
        assert!(err.to_string().contains("-inf"), "{err}");
    }

    #[test]
    fn rows_are_row_major() {
        let m = Matrix::new("x", 2, 3, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
        assert_eq!(m.row(1), &[4.0, 5.0, 6.0]);
        assert_eq!((m.rows(), m.cols()), (2, 3));
    }
}
