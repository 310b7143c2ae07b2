//! Stimulus: tile jobs, their beat-exact schedule from the timing contract
//! (`tritone_sim::tile::schedule`) and the reference results. One
//! [`Stimulus`] drives the rust-hdl simulation and the Verilog testbench alike.

use crate::design::ArrayDesign;
use crate::error::HdlError;
use tritone_sim::WeightCodes;

/// One weight tile and the tokens streamed through it.
#[derive(Clone, Debug, PartialEq)]
pub struct TileJob {
    /// The R × C stationary weights, row-major `[k][j]`, as integers the
    /// array's PE holds (−1, 0, +1 for ternary; any INT8 for mac-int8).
    pub weights: Vec<i8>,
    /// Token vectors of R activations each, in stream order.
    pub tokens: Vec<Vec<i8>>,
}

/// A bus value as fixed-width lanes (lane 0 in the low bits).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bus {
    /// Bits per lane.
    pub lane_bits: u32,
    /// Lane values, each masked to `lane_bits`.
    pub lanes: Vec<u64>,
}

impl Bus {
    /// Packs signed values as two's-complement lanes.
    pub fn from_signed(lane_bits: u32, values: impl IntoIterator<Item = i64>) -> Bus {
        let m = lane_mask(lane_bits);
        Bus {
            lane_bits,
            lanes: values.into_iter().map(|v| v as u64 & m).collect(),
        }
    }
    /// Lane `i` read as a signed value.
    pub fn signed(&self, i: usize) -> i64 {
        let s = 64 - self.lane_bits;
        ((self.lanes[i] << s) as i64) >> s
    }
    /// Total width in bits.
    pub fn bits(&self) -> u32 {
        self.lane_bits * self.lanes.len() as u32
    }
    /// Verilog hex digits (most significant first, no width prefix).
    pub fn to_hex(&self) -> String {
        let bits = self.bits() as usize;
        let mut nibbles = vec![0u8; bits.div_ceil(4).max(1)];
        for (i, &lane) in self.lanes.iter().enumerate() {
            for b in 0..self.lane_bits as usize {
                if lane >> b & 1 == 1 {
                    let pos = i * self.lane_bits as usize + b;
                    nibbles[pos / 4] |= 1 << (pos % 4);
                }
            }
        }
        nibbles
            .iter()
            .rev()
            .map(|n| char::from_digit(*n as u32, 16).unwrap())
            .collect()
    }
    /// Parses hex digits as printed by a simulator (`x`/`z` digits are refused).
    pub fn from_hex(lane_bits: u32, lanes: usize, hex: &str) -> Option<Bus> {
        let digits: Vec<u8> = hex
            .chars()
            .rev()
            .map(|c| c.to_digit(16).map(|d| d as u8))
            .collect::<Option<_>>()?;
        let bit = |pos: usize| digits.get(pos / 4).is_some_and(|d| d >> (pos % 4) & 1 == 1);
        let lanes = (0..lanes)
            .map(|i| {
                (0..lane_bits as usize)
                    .filter(|&b| bit(i * lane_bits as usize + b))
                    .fold(0u64, |acc, b| acc | 1 << b)
            })
            .collect();
        Some(Bus { lane_bits, lanes })
    }
}

fn lane_mask(bits: u32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1 << bits) - 1
    }
}

/// A beat on an input port: the edge that accepts it and its data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Beat {
    /// Edge number (0 = first weight beat).
    pub edge: u64,
    /// The bus value.
    pub data: Bus,
}

/// An output beat: valid after `edge`, elements `j = Σ_k x[k]·w[k][j]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YBeat {
    /// Edge after which `y_valid` is high with this value.
    pub edge: u64,
    /// The C results.
    pub values: Vec<i64>,
}

/// Every input beat of a job sequence and the output beats it must produce.
#[derive(Clone, Debug, PartialEq)]
pub struct Stimulus {
    /// `w_valid` beats, in edge order.
    pub w_beats: Vec<Beat>,
    /// `x_valid` beats, in edge order.
    pub x_beats: Vec<Beat>,
    /// Expected `y_valid` beats: reference values at contract edges.
    pub expected: Vec<YBeat>,
    /// Edges to simulate (one past the last expected output).
    pub edges: u64,
    /// `y_data` lane width (the accumulator width).
    pub acc_bits: u32,
}

impl Stimulus {
    /// Schedules `jobs` on `design` as early as the timing contract allows and
    /// computes the reference results.
    pub fn new(design: &ArrayDesign, jobs: &[TileJob]) -> Result<Stimulus, HdlError> {
        let (r, c) = (design.rows() as usize, design.cols() as usize);
        let l = design.rows_per_beat() as usize;
        let counts: Vec<u64> = jobs.iter().map(|j| j.tokens.len() as u64).collect();
        for (t, job) in jobs.iter().enumerate() {
            let bad = |why: String| Err(HdlError::Job { tile: t, why });
            let n = job.weights.len();
            let pe = design.functional();
            if let Some(i) = job.weights.iter().position(|&w| !pe.accepts(w)) {
                return bad(format!(
                    "weight {i} is {}: a {} array takes {} only",
                    job.weights[i],
                    design.pe().name(),
                    pe.weights()
                ));
            }
            if n != r * c {
                return bad(format!("{n} weights, the array holds {r}×{c} = {}", r * c));
            }
            if job.tokens.is_empty() {
                return bad("no token".into());
            }
            if let Some((i, tok)) = job.tokens.iter().enumerate().find(|(_, t)| t.len() != r) {
                return bad(format!(
                    "token {i} has {} activations, the array has {r} rows",
                    tok.len()
                ));
            }
        }
        let sched = tritone_sim::tile::schedule(design.config(), &counts);
        let wbits = design.pe().weight_bits();
        let mut stim = Stimulus {
            w_beats: vec![],
            x_beats: vec![],
            expected: vec![],
            edges: sched.total_cycles(),
            acc_bits: design.acc_bits(),
        };
        for (t, job) in jobs.iter().enumerate() {
            let codes: Vec<u64> = job
                .weights
                .iter()
                .map(|&w| design.pe().weight_code(w))
                .collect();
            for (b, &edge) in sched.weight_beats[t].iter().enumerate() {
                // Beat b carries rows b·L .. b·L+L−1; rows past R−1 (last beat) are zero.
                let lanes = (0..l * c)
                    .map(|i| {
                        let row = b * l + i / c;
                        if row < r {
                            codes[row * c + i % c]
                        } else {
                            0
                        }
                    })
                    .collect();
                stim.w_beats.push(Beat {
                    edge,
                    data: Bus {
                        lane_bits: wbits,
                        lanes,
                    },
                });
            }
            let m = job.tokens.len();
            let x: Vec<i8> = job.tokens.concat();
            // The reference takes weights as [N, K]: transpose the [k][j] tile.
            let wt: Vec<i8> = (0..c)
                .flat_map(|j| (0..r).map(move |k| (j, k)))
                .map(|(j, k)| job.weights[k * c + j])
                .collect();
            let y = design.functional().reference(&x, &wt, m, r, c);
            for (i, tok) in job.tokens.iter().enumerate() {
                stim.x_beats.push(Beat {
                    edge: sched.x_beats[t][i],
                    data: Bus::from_signed(8, tok.iter().map(|&v| v as i64)),
                });
                stim.expected.push(YBeat {
                    edge: sched.y_beats[t][i],
                    values: y[i * c..(i + 1) * c].iter().map(|&v| v as i64).collect(),
                });
            }
        }
        Ok(stim)
    }
}

/// A small deterministic generator (SplitMix64) for test vectors: the same
/// seed gives the same jobs on every machine.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// Seeds the generator.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
    /// A uniformly random INT8.
    pub fn i8(&mut self) -> i8 {
        self.next_u64() as i8
    }
}

/// Random jobs: `tokens[t]` tokens in tile `t`, uniform weights and activations.
pub fn random_jobs(design: &ArrayDesign, tokens: &[usize], seed: u64) -> Vec<TileJob> {
    let mut rng = SplitMix64::new(seed);
    let (r, c) = (design.rows() as usize, design.cols() as usize);
    tokens
        .iter()
        .map(|&m| {
            let pe = design.functional();
            let weights = (0..r * c)
                .map(|_| pe.random_weight(rng.next_u64()))
                .collect();
            let tokens = (0..m).map(|_| (0..r).map(|_| rng.i8()).collect()).collect();
            TileJob { weights, tokens }
        })
        .collect()
}

/// The corner every accumulator must survive: all weights at the PE's most
/// negative weight (−1 ternary, −128 mac-int8) and activations alternating −128 / 127, followed by an all-zero tile.
pub fn extreme_jobs(design: &ArrayDesign, tokens: usize) -> Vec<TileJob> {
    let (r, c) = (design.rows() as usize, design.cols() as usize);
    let (neg, zero) = (vec![design.pe().extreme_weight(); r * c], vec![0; r * c]);
    let toks: Vec<Vec<i8>> = (0..tokens)
        .map(|i| vec![if i % 2 == 0 { -128 } else { 127 }; r])
        .collect();
    vec![
        TileJob {
            weights: neg,
            tokens: toks.clone(),
        },
        TileJob {
            weights: zero,
            tokens: toks,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bus_hex_round_trips_signed_lanes() {
        let bus = Bus::from_signed(11, [-1024, 1023, 0, -1, 5]);
        assert_eq!(bus.bits(), 55);
        let hex = bus.to_hex();
        assert_eq!(hex.len(), 14);
        let back = Bus::from_hex(11, 5, &hex).unwrap();
        assert_eq!(
            (0..5).map(|i| back.signed(i)).collect::<Vec<_>>(),
            vec![-1024, 1023, 0, -1, 5]
        );
        assert_eq!(Bus::from_signed(2, [1, -1, 0]).to_hex(), "0d");
        assert!(Bus::from_hex(8, 1, "x3").is_none());
    }

    #[test]
    fn weights_are_sent_row_per_beat_and_checked_against_the_shape() {
        let cfg = tritone_sim::ArrayConfig::new(tritone_sim::ArraySpec {
            rows: Some(3),
            cols: Some(2),
            weight_rows_per_cycle: Some(2),
            double_buffer: Some(false),
            ..Default::default()
        })
        .unwrap();
        let d = ArrayDesign::new(&cfg).unwrap();
        let job = TileJob {
            weights: vec![1, -1, 0, 1, -1, -1],
            tokens: vec![vec![1, 2, 3]],
        };
        let s = Stimulus::new(&d, std::slice::from_ref(&job)).unwrap();
        // Two beats: rows 0–1, then row 2 with an empty second lane row.
        assert_eq!(
            s.w_beats.iter().map(|b| b.edge).collect::<Vec<_>>(),
            vec![0, 1]
        );
        assert_eq!(s.w_beats[0].data.lanes, vec![0b01, 0b11, 0b00, 0b01]);
        assert_eq!(s.w_beats[1].data.lanes, vec![0b11, 0b11, 0, 0]);
        // y = [1 − 3, −1 + 2 − 3] accepted at edge 2, valid after 2 + 3 + 2 − 1.
        assert_eq!(
            s.expected,
            vec![YBeat {
                edge: 6,
                values: vec![-2, -2]
            }]
        );
        let short = TileJob {
            tokens: vec![vec![1, 2]],
            ..job
        };
        assert!(matches!(
            Stimulus::new(&d, &[short]),
            Err(HdlError::Job { tile: 0, .. })
        ));
    }
}
