//! Duration sampling for a block of [`LANES`] samples at once.
//!
//! Triangular durations come from the inverse CDF applied to uniforms from
//! [`LANES`] independent xoshiro128+ generators kept as struct-of-arrays:
//! the generator step (shifts, xors, adds) and the inverse CDF (a select and
//! a square root) are plain loops over lanes that compile to SIMD. PERT-Beta
//! durations are exact draws of `X / (X + Y)` with `X`, `Y` Gamma variates
//! from `rand_distr` (Marsaglia and Tsang's method over a ziggurat normal),
//! fed by one xoshiro256++ per block; scalar, but about twice as fast as
//! `rand_distr::Beta`. Both generators are seeded
//! from `(seed, block index)` only.

// Lane loops index several arrays in step; plain indices read best there.
#![allow(clippy::needless_range_loop)]

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::Distribution as _;

use super::network::Estimate;
use super::{Distribution, LANES};

/// `LANES` xoshiro128+ generators, one per lane.
pub(crate) struct LaneRng {
    s0: [u32; LANES],
    s1: [u32; LANES],
    s2: [u32; LANES],
    s3: [u32; LANES],
}

/// SplitMix64's finalizer: a bijective mix with good avalanche.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The 64-bit key of one block of one run.
pub(crate) fn block_key(seed: u64, block: usize) -> u64 {
    mix(mix(seed).wrapping_add((block as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)) ^ 0x5851_f42d_4c95_7f2d)
}

impl LaneRng {
    pub(crate) fn new(key: u64) -> LaneRng {
        let mut rng = LaneRng { s0: [0; LANES], s1: [0; LANES], s2: [0; LANES], s3: [0; LANES] };
        let mut z = key;
        for l in 0..LANES {
            let mut next = || {
                z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
                mix(z)
            };
            let (x, y) = (next(), next());
            rng.s0[l] = x as u32;
            rng.s1[l] = (x >> 32) as u32;
            rng.s2[l] = y as u32;
            rng.s3[l] = (y >> 32) as u32 | 1; // never the all-zero state
        }
        rng
    }

    /// Fills `u` with uniforms in `[0, 1)` (24 random bits each).
    #[inline(always)]
    fn uniforms(&mut self, u: &mut [f32; LANES]) {
        for l in 0..LANES {
            let (s0, s1, mut s2, mut s3) = (self.s0[l], self.s1[l], self.s2[l], self.s3[l]);
            let r = s0.wrapping_add(s3);
            let t = s1 << 9;
            s2 ^= s0;
            s3 ^= s1;
            let s1 = s1 ^ s2;
            let s0 = s0 ^ s3;
            s2 ^= t;
            s3 = s3.rotate_left(11);
            self.s0[l] = s0;
            self.s1[l] = s1;
            self.s2[l] = s2;
            self.s3[l] = s3;
            // The top 24 bits, exact in f32; through i32 for a signed
            // conversion SSE2 has.
            u[l] = (r >> 8) as i32 as f32 * (1.0 / 16_777_216.0);
        }
    }
}

/// The random number generators of one block.
pub(crate) struct BlockRng {
    lanes: LaneRng,
    scalar: Xoshiro256PlusPlus,
}

impl BlockRng {
    pub(crate) fn new(seed: u64, block: usize) -> BlockRng {
        let key = block_key(seed, block);
        BlockRng {
            lanes: LaneRng::new(key),
            scalar: Xoshiro256PlusPlus::seed_from_u64(mix(key ^ 0x2545_f491_4f6c_dd1d)),
        }
    }
}

/// One task's duration distribution, ready to sample.
#[derive(Clone, Debug)]
pub(crate) enum Sampler {
    Fixed(f32),
    Triangular {
        a: f32,
        b: f32,
        /// CDF at the mode.
        fc: f32,
        /// `(b - a) (m - a)` and `(b - a) (b - m)`.
        k_low: f32,
        k_high: f32,
    },
    /// `a + range * X / (X + Y)` with `X ~ Gamma(alpha)`, `Y ~ Gamma(beta)`.
    Beta {
        a: f64,
        range: f64,
        x: rand_distr::Gamma<f64>,
        y: rand_distr::Gamma<f64>,
    },
}

impl Sampler {
    pub(crate) fn new(estimate: &Estimate, distribution: Distribution) -> Sampler {
        let (a, m, b) = (estimate.optimistic(), estimate.likely(), estimate.pessimistic());
        if b <= a {
            return Sampler::Fixed(a as f32);
        }
        match distribution {
            Distribution::Triangular => Sampler::Triangular {
                a: a as f32,
                b: b as f32,
                fc: ((m - a) / (b - a)) as f32,
                k_low: ((b - a) * (m - a)) as f32,
                k_high: ((b - a) * (b - m)) as f32,
            },
            Distribution::PertBeta => {
                let (alpha, beta) = estimate.pert_shape().unwrap_or((3.0, 3.0));
                match (rand_distr::Gamma::new(alpha, 1.0), rand_distr::Gamma::new(beta, 1.0)) {
                    (Ok(x), Ok(y)) => Sampler::Beta { a, range: b - a, x, y },
                    // Unreachable: both shapes lie in [1, 5].
                    _ => Sampler::Fixed(estimate.mean(distribution) as f32),
                }
            }
        }
    }

    /// Fills `out` with one duration per lane.
    #[inline(always)]
    pub(crate) fn fill(&self, rng: &mut BlockRng, out: &mut [f32; LANES]) {
        match *self {
            Sampler::Fixed(d) => *out = [d; LANES],
            Sampler::Triangular { a, b, fc, k_low, k_high } => {
                rng.lanes.uniforms(out);
                // Branch-free so that it vectorizes: pick the side's
                // parameters, then one square root per lane.
                for d in out.iter_mut() {
                    let u = *d;
                    let low = u < fc;
                    let x = if low { u } else { 1.0 - u };
                    let k = if low { k_low } else { k_high };
                    let base = if low { a } else { b };
                    let sign = if low { 1.0 } else { -1.0 };
                    // Clamped against rounding, so a duration never leaves [a, b].
                    *d = (base + sign * (x * k).sqrt()).max(a).min(b);
                }
            }
            Sampler::Beta { a, range, ref x, ref y } => {
                for d in out.iter_mut() {
                    let gx = x.sample(&mut rng.scalar);
                    let gy = y.sample(&mut rng.scalar);
                    *d = (a + range * (gx / (gx + gy))) as f32;
                }
            }
        }
    }
}
