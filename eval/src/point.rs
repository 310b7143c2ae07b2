//! A design point: a validated architecture, the model it runs and the
//! workload — everything an evaluation needs except the energy table.

use crate::error::EvalError;
use std::sync::Arc;
use tritone_reference::ModelShape;
use tritone_sim::model::{fp16_baseline_config, fp16_baseline_model};
use tritone_sim::{ArrayConfig, Workload};

/// The model evaluated when none is named.
pub const DEFAULT_MODEL: &str = "bitnet-b1.58-3b";

/// The workload evaluated when none is given: a 512-token prompt and 128
/// generated tokens, one sequence.
pub const DEFAULT_WORKLOAD: Workload = Workload {
    prefill: 512,
    decode: 128,
    batch: 1,
};

/// An architecture, a model whose weights its PEs run, and a valid workload.
/// Construct with [`DesignPoint::new`] or [`DesignPoint::for_model`].
#[derive(Clone, Debug)]
pub struct DesignPoint {
    arch: ArrayConfig,
    model: Arc<ModelShape>,
    workload: Workload,
}

impl DesignPoint {
    /// The point of `model` under `workload` on `arch`; refused when the
    /// model's shape or the workload is invalid, or when `arch`'s PE kind
    /// does not run the model's weights (FP16 models need FP16 MACs).
    pub fn new(
        arch: ArrayConfig,
        model: impl Into<Arc<ModelShape>>,
        workload: Workload,
    ) -> Result<DesignPoint, EvalError> {
        let model = model.into();
        model
            .validate()
            .map_err(|why| EvalError::Model(format!("model {}: {why}", model.name)))?;
        workload.validate()?;
        if arch.pe().model_weights() != model.weights {
            return Err(EvalError::Model(format!(
                "model {} has {} weights, which cannot run on a {} array",
                model.name,
                model.weights.name(),
                arch.pe().name()
            )));
        }
        Ok(DesignPoint {
            arch,
            model,
            workload,
        })
    }

    /// The point of `model` on `arch`, an FP16 model moved onto the FP16
    /// copy of `arch` (same array and memories, FP16 MAC PEs).
    pub fn for_model(
        arch: &ArrayConfig,
        model: impl Into<Arc<ModelShape>>,
        workload: Workload,
    ) -> Result<DesignPoint, EvalError> {
        let model = model.into();
        let arch = if arch.pe().model_weights() == model.weights {
            arch.clone()
        } else {
            fp16_baseline_config(arch)?
        };
        DesignPoint::new(arch, model, workload)
    }

    /// The FP16 LLaMA baseline of this point: the model with FP16 linear
    /// layers and no subln norms, on the FP16 copy of the array.
    pub fn fp16_baseline(&self) -> Result<DesignPoint, EvalError> {
        DesignPoint::new(
            fp16_baseline_config(&self.arch)?,
            fp16_baseline_model(&self.model),
            self.workload,
        )
    }

    /// The architecture.
    pub fn arch(&self) -> &ArrayConfig {
        &self.arch
    }

    /// The model.
    pub fn model(&self) -> &ModelShape {
        &self.model
    }

    /// The workload.
    pub fn workload(&self) -> Workload {
        self.workload
    }

    /// Tokens the inference processes: B·(P + D).
    pub fn tokens(&self) -> u64 {
        let w = self.workload;
        w.batch * (w.prefill + w.decode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tritone_sim::PeKind;

    #[test]
    fn points_refuse_models_their_pes_cannot_run() {
        let m = tritone_reference::model("bitnet-b1.58-700m").unwrap();
        let fp = tritone_reference::model("llama-700m_fp16").unwrap();
        let arch = ArrayConfig::default();
        assert!(DesignPoint::new(arch.clone(), m.clone(), DEFAULT_WORKLOAD).is_ok());
        let e = DesignPoint::new(arch.clone(), fp.clone(), DEFAULT_WORKLOAD).unwrap_err();
        assert!(
            e.to_string().contains("cannot run on a ternary array"),
            "{e}"
        );
        // `for_model` moves the FP16 model onto the FP16 copy of the array.
        let p = DesignPoint::for_model(&arch, fp, DEFAULT_WORKLOAD).unwrap();
        assert_eq!(p.arch().pe(), PeKind::MacFp16);
        let base = DesignPoint::new(arch, m, DEFAULT_WORKLOAD)
            .unwrap()
            .fp16_baseline()
            .unwrap();
        assert_eq!(base.arch().pe(), PeKind::MacFp16);
        assert_eq!(base.tokens(), 640);
        let bad = Workload {
            prefill: 0,
            ..DEFAULT_WORKLOAD
        };
        let e = DesignPoint::for_model(&ArrayConfig::default(), base.model().clone(), bad);
        assert!(e.unwrap_err().to_string().contains("prefill"));
    }
}
