//! Policy settings: the scoring weights and every lint threshold.
//!
//! The defaults are the framework's numbers; a workspace overrides any of
//! them in its `policy` section.

use crate::diag::{Loc, Severity};

/// Weights of the four scoring criteria, in percent.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Weights {
    pub business_impact: f64,
    pub technical_feasibility: f64,
    pub resource_requirements: f64,
    pub strategic_fit: f64,
}

impl Weights {
    pub const DEFAULT: Weights = Weights {
        business_impact: 30.0,
        technical_feasibility: 25.0,
        resource_requirements: 25.0,
        strategic_fit: 20.0,
    };

    pub fn as_array(&self) -> [f64; 4] {
        [self.business_impact, self.technical_feasibility, self.resource_requirements, self.strategic_fit]
    }

    pub fn from_array(w: [f64; 4]) -> Weights {
        Weights { business_impact: w[0], technical_feasibility: w[1], resource_requirements: w[2], strategic_fit: w[3] }
    }

    pub fn sum(&self) -> f64 {
        self.as_array().iter().sum()
    }
}

/// The names of the four criteria, in the order of `Weights::as_array`.
pub const CRITERIA: [&str; 4] = ["business_impact", "technical_feasibility", "resource_requirements", "strategic_fit"];

/// An inclusive range of counts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CountRange {
    pub min: u32,
    pub max: u32,
}

impl CountRange {
    pub fn contains(&self, n: usize) -> bool {
        n >= self.min as usize && n <= self.max as usize
    }
}

/// An inclusive range of percentages.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PctRange {
    pub min: f64,
    pub max: f64,
}

/// Target shares of effort per 70-20-10 category, in percent.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CapacityMix {
    pub committed: f64,
    pub improvement: f64,
    pub exploration: f64,
    pub tolerance_pct: f64,
}

/// A per-rule severity override.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleLevel {
    Off,
    Is(Severity),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    pub weights: Weights,
    pub themes: CountRange,
    pub objectives_per_team_quarter: CountRange,
    pub key_results_per_objective: CountRange,
    pub core_metrics_per_team: CountRange,
    pub capacity_mix: CapacityMix,
    pub utilization_warn_pct: f64,
    pub utilization_error_pct: f64,
    pub tech_debt_pct: PctRange,
    pub buffer_internal_pct: f64,
    pub buffer_external_pct: f64,
    pub min_skill_holders: u32,
    pub robustness_pp: f64,
    /// Severity overrides by rule id, with where each was written.
    pub rules: Vec<(String, RuleLevel, Loc)>,
    pub loc: Loc,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            weights: Weights::DEFAULT,
            themes: CountRange { min: 3, max: 5 },
            objectives_per_team_quarter: CountRange { min: 3, max: 5 },
            key_results_per_objective: CountRange { min: 2, max: 4 },
            core_metrics_per_team: CountRange { min: 5, max: 7 },
            capacity_mix: CapacityMix { committed: 70.0, improvement: 20.0, exploration: 10.0, tolerance_pct: 10.0 },
            utilization_warn_pct: 85.0,
            utilization_error_pct: 100.0,
            tech_debt_pct: PctRange { min: 15.0, max: 25.0 },
            buffer_internal_pct: 20.0,
            buffer_external_pct: 50.0,
            min_skill_holders: 2,
            robustness_pp: 10.0,
            rules: Vec::new(),
            loc: Loc::NONE,
        }
    }
}

impl Policy {
    /// The severity the workspace wants for a rule, or `None` when it is off.
    pub fn level_of(&self, rule: &str, default: Severity) -> Option<Severity> {
        match self.rules.iter().rev().find(|(r, _, _)| r == rule) {
            Some((_, RuleLevel::Off, _)) => None,
            Some((_, RuleLevel::Is(s), _)) => Some(*s),
            None => Some(default),
        }
    }
}
