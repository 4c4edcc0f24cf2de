//! A generator of synthetic organisations of any size, for benchmarks and
//! property tests. Deterministic for a given seed.
//!
//! The generated plan is designed to be valid: every reference resolves, the
//! dependency graph is acyclic, each team is planned at about 80% of its
//! capacity with an exact 70-20-10 mix and about 16% of capacity on tech debt,
//! and every skill an initiative needs is held by the whole team.

use crate::diag::Loc;
use crate::model::*;
use jiff::ToSpan;
use jiff::civil::Date;

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct GenOptions {
    pub teams: usize,
    pub people_per_team: usize,
    pub initiatives: usize,
    pub milestones_per_initiative: usize,
    pub quarter: Quarter,
    pub seed: u64,
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            teams: 8,
            people_per_team: 8,
            initiatives: 40,
            milestones_per_initiative: 2,
            quarter: Quarter { year: 2027, q: 1 },
            seed: 1,
        }
    }
}

/// SplitMix64: small, fast and good enough for synthetic data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const SKILLS: &[&str] = &[
    "rust",
    "go",
    "kotlin",
    "swift",
    "typescript",
    "react",
    "postgres",
    "kafka",
    "kubernetes",
    "terraform",
    "aws",
    "spark",
    "dbt",
    "ml",
    "security",
    "sre",
    "observability",
    "python",
    "java",
    "graphql",
];
const FIRST: &[&str] = &[
    "ana", "ben", "chen", "dara", "eli", "fatima", "goran", "hana", "ivan", "jun", "kofi", "lena", "mateo", "nia",
    "omar", "priya",
];
const LAST: &[&str] =
    &["ng", "okafor", "silva", "kowalski", "tanaka", "haddad", "larsen", "mehta", "novak", "reyes", "schmidt", "wang"];

fn r(id: &str) -> Ref {
    Ref { id: Id(id.to_string()), loc: Loc::NONE }
}

/// Generates an organisation.
pub fn generate(opt: GenOptions) -> Model {
    let mut rng = Rng(opt.seed);
    let n_teams = opt.teams.max(1);
    let per_team = opt.people_per_team.max(3);
    let mut m = Model {
        organisation: Organisation {
            name: format!("Synthetic org ({} teams, {} initiatives, seed {})", n_teams, opt.initiatives, opt.seed),
            ..Organisation::default()
        },
        ..Model::default()
    };
    let q = opt.quarter;
    let start = q.start();
    let day = |offset: i64| -> Date { start.checked_add(offset.days()).unwrap_or(start) };

    // Kernel, themes, pillars.
    for k in 0..4 {
        m.diagnosis.push(DiagnosisItem {
            id: Id(format!("d-{k}")),
            kind: DiagnosisKind::ALL[k % DiagnosisKind::ALL.len()].0,
            statement: format!("Synthetic challenge {k}"),
            evidence: vec![format!("{} incidents last quarter", 10 + k)],
            loc: Loc::NONE,
        });
        m.policies.push(GuidingPolicy {
            id: Id(format!("p-{k}")),
            statement: format!("Synthetic policy {k}"),
            addresses: vec![r(&format!("d-{k}"))],
            loc: Loc::NONE,
        });
        m.themes.push(Theme {
            id: Id(format!("t-{k}")),
            name: format!("Theme {k}"),
            impact: Some(format!("Business impact {k}")),
            success_metrics: vec![format!("metric {k} up 10%")],
            capacity_share_pct: Some(25.0),
            loc: Loc::NONE,
        });
        m.pillars.push(Pillar {
            id: Id(format!("pl-{k}")),
            name: format!("Pillar {k}"),
            description: None,
            themes: vec![r(&format!("t-{k}"))],
            loc: Loc::NONE,
        });
    }

    // Teams, people, metrics, objectives.
    for t in 0..n_teams {
        let team_id = format!("team-{t}");
        m.teams.push(Team {
            id: Id(team_id.clone()),
            name: format!("Team {t}"),
            mission: None,
            lead: Some(r(&format!("{team_id}-p0"))),
            focus_factor: 0.7,
            on_call_fte: 0.5,
            time_off_weeks: 2.0,
            services: Vec::new(),
            loc: Loc::NONE,
        });
        let skills: Vec<&str> = (0..3).map(|k| SKILLS[(t * 3 + k) % SKILLS.len()]).collect();
        for p in 0..per_team {
            let seniority = match p {
                0 => Seniority::Staff,
                1 | 2 => Seniority::Senior,
                3 | 4 => Seniority::Mid,
                _ => Seniority::Junior,
            };
            let name = format!(
                "{} {}",
                FIRST[rng.below(FIRST.len() as u64) as usize],
                LAST[rng.below(LAST.len() as u64) as usize]
            );
            m.people.push(Person {
                id: Id(format!("{team_id}-p{p}")),
                name,
                team: r(&team_id),
                seniority,
                fte: 1.0,
                skills: skills.iter().map(|s| Skill { name: s.to_string(), level: 3 + rng.below(3) as u8 }).collect(),
                loc: Loc::NONE,
            });
        }
        for (k, (category, indicator)) in [
            (MetricCategory::Delivery, Indicator::Leading),
            (MetricCategory::Delivery, Indicator::Lagging),
            (MetricCategory::Quality, Indicator::Leading),
            (MetricCategory::Reliability, Indicator::Lagging),
            (MetricCategory::BusinessImpact, Indicator::Lagging),
        ]
        .into_iter()
        .enumerate()
        {
            m.metrics.push(Metric {
                id: Id(format!("{team_id}-km{k}")),
                team: r(&team_id),
                name: format!("{category} metric {k}"),
                category,
                indicator,
                unit: Some("count".into()),
                direction: Some(Direction::Increase),
                target: Some(10.0 + k as f64),
                measure: None,
                loc: Loc::NONE,
            });
        }
        for k in 0..3 {
            let oid = format!("{team_id}-o{k}");
            m.objectives.push(Objective {
                id: Id(oid.clone()),
                title: format!("Objective {k} of team {t}"),
                quarter: q,
                team: r(&team_id),
                contributors: Vec::new(),
                kind: ObjectiveKind::ALL[k % 3].0,
                theme: Some(r(&format!("t-{}", (t + k) % 4))),
                owner: Some(r(&format!("{team_id}-p0"))),
                key_results: (0..2)
                    .map(|j| KeyResult {
                        id: Id(format!("{oid}-kr{j}")),
                        title: format!("Raise metric {j} of objective {k}"),
                        metric: Some(format!("metric {j}")),
                        baseline: Some(10.0),
                        target: Some(20.0 + j as f64),
                        unit: Some("count".into()),
                        direction: Some(Direction::Increase),
                        due: Some(q.end()),
                        measure: None,
                        loc: Loc::NONE,
                    })
                    .collect(),
                loc: Loc::NONE,
            });
        }
    }

    // Initiatives: round-robin over teams, sized so each team is planned at
    // about 80% of its capacity.
    let weeks = crate::capacity::working_weeks(&m, q);
    let capacity = ((per_team as f64 - 0.5) * 0.7 * weeks) - 2.0 * 0.7;
    let n_init = opt.initiatives;
    let n_ms = opt.milestones_per_initiative;
    let per_team_inits = n_init.div_ceil(n_teams).max(1);
    let likely = (0.8 * capacity / per_team_inits as f64 * 10.0).floor() / 10.0;
    let mut team_counter = vec![0usize; n_teams];
    for i in 0..n_init {
        let t = i % n_teams;
        let k = team_counter[t];
        team_counter[t] += 1;
        let team_id = format!("team-{t}");
        // Ten initiatives per team cycle through 7 committed, 2 improvement
        // (tech debt) and 1 exploration.
        let (category, investment) = match k % 10 {
            0..=4 => (Category::Committed, Investment::Feature),
            5 | 6 => (Category::Committed, Investment::Platform),
            7 | 8 => (Category::Improvement, Investment::TechDebt),
            _ => (Category::Exploration, Investment::Innovation),
        };
        let id = format!("i-{i}");
        let score = |rng: &mut Rng| Some(1 + rng.below(5) as u8);
        let scores = Scores {
            business_impact: score(&mut rng),
            technical_feasibility: score(&mut rng),
            resource_requirements: score(&mut rng),
            strategic_fit: score(&mut rng),
            loc: Loc::NONE,
        };
        let review = |rating| Some(ScalabilityCheck { rating, note: Some("synthetic review".into()), loc: Loc::NONE });
        let scalability = if investment == Investment::Platform {
            ScalabilityReview {
                x2: review(ScalabilityRating::Ok),
                x5: review(ScalabilityRating::Ok),
                x10: review(ScalabilityRating::Risk),
            }
        } else {
            ScalabilityReview::default()
        };
        let milestones = (0..n_ms)
            .map(|j| Milestone {
                id: Id(format!("{id}-m{j}")),
                title: format!("Step {j}"),
                outcome: Some(format!("{}% of the scope live with zero incidents", (j + 1) * 100 / n_ms.max(1))),
                due: Some(day(7 + (j as i64 * 80) / n_ms.max(1) as i64)),
                owner: Some(r(&format!("{team_id}-p{}", (k + j) % per_team))),
                effort: Some(likely / n_ms.max(1) as f64),
                team: None,
                status: MilestoneStatus::Planned,
                loc: Loc::NONE,
            })
            .collect();
        m.initiatives.push(Initiative {
            id: Id(id),
            title: format!("Initiative {i}"),
            description: None,
            quarter: q,
            theme: Some(r(&format!("t-{}", i % 4))),
            objectives: vec![r(&format!("{team_id}-o{}", k % 3))],
            policies: vec![r(&format!("p-{}", i % 4))],
            pillars: vec![r(&format!("pl-{}", i % 4))],
            category,
            investment,
            scores,
            effort: vec![TeamEffort {
                team: r(&team_id),
                estimate: Estimate {
                    optimistic: (likely * 0.7 * 10.0).round() / 10.0,
                    likely,
                    pessimistic: (likely * 1.6 * 10.0).round() / 10.0,
                },
                loc: Loc::NONE,
            }],
            skills: vec![SKILLS[(t * 3 + k % 3) % SKILLS.len()].to_string()],
            owner: Some(r(&format!("{team_id}-p0"))),
            staffing: Vec::new(),
            status: InitiativeStatus::Planned,
            scalability,
            milestones,
            loc: Loc::NONE,
        });
    }

    // Dependencies: milestone j of initiative i enables milestone j+1 of the
    // next initiative, so edges always go forward in time and never cycle.
    for i in 0..n_init.saturating_sub(1) {
        if n_ms < 2 {
            break;
        }
        let j = i % (n_ms - 1);
        let kind = match i % 5 {
            0 => DependencyKind::External,
            1 => DependencyKind::Organizational,
            _ => DependencyKind::Technical,
        };
        let on = format!("i-{i}-m{j}");
        let blocks = format!("i-{}-m{}", i + 1, j + 1);
        let due = m.initiatives[i].milestones[j].due;
        m.dependencies.push(Dependency {
            id: Id(format!("dep-{i}")),
            kind,
            title: Some(format!("{on} before {blocks}")),
            blocks: vec![r(&blocks)],
            waits_for: (!kind.is_external()).then(|| r(&on)),
            party: kind.is_external().then(|| "Vendor".to_string()),
            owner: Some(r(&format!("team-{}-p0", i % n_teams))),
            due,
            status: DependencyStatus::Open,
            buffer_pct: Some(if kind.is_external() { 50.0 } else { 20.0 }),
            backup_plan: Some("Re-plan the blocked milestone".into()),
            loc: Loc::NONE,
        });
    }
    m
}

/// What `generate_project` makes: a flat project for scheduler benchmarks.
#[derive(Clone, Copy, Debug)]
pub struct ProjectOptions {
    pub tasks: usize,
    pub teams: usize,
    /// Predecessors per task (after the first few), drawn from the tasks just
    /// before it, so the project is a DAG with parallel work for every team.
    pub links_per_task: usize,
    /// Effort of a task is uniform in `1..=max_effort_days` days.
    pub max_effort_days: u32,
    pub seed: u64,
}

impl Default for ProjectOptions {
    fn default() -> Self {
        ProjectOptions { tasks: 1000, teams: 20, links_per_task: 2, max_effort_days: 10, seed: 1 }
    }
}

/// A generated project: each task is done by one team, one task at a time
/// per team (a team is one resource of capacity 1), for a whole number of
/// working days.
#[derive(Clone, Debug, PartialEq)]
pub struct GeneratedProject {
    pub teams: usize,
    pub team_of: Vec<usize>,
    pub effort_days: Vec<u32>,
    /// Per task, the tasks that must finish before it starts.
    pub predecessors: Vec<Vec<usize>>,
}

/// Generates a project for comparing schedulers (see `benches/tj3.rs` in
/// the throughline crate, which also writes it as a TaskJuggler file).
pub fn generate_project(opt: ProjectOptions) -> GeneratedProject {
    let mut rng = Rng(opt.seed ^ 0x005E_ED0F_7A5C);
    let teams = opt.teams.max(1);
    let window = (4 * teams).max(8);
    let mut team_of = Vec::with_capacity(opt.tasks);
    let mut effort_days = Vec::with_capacity(opt.tasks);
    let mut predecessors = Vec::with_capacity(opt.tasks);
    for i in 0..opt.tasks {
        team_of.push(rng.below(teams as u64) as usize);
        effort_days.push(1 + rng.below(u64::from(opt.max_effort_days.max(1))) as u32);
        let mut preds: Vec<usize> = Vec::with_capacity(opt.links_per_task);
        let lo = i.saturating_sub(window);
        if i > lo {
            for _ in 0..opt.links_per_task.min(i - lo) {
                // Draw until a new predecessor comes up; the window holds
                // more than enough distinct tasks.
                loop {
                    let p = lo + rng.below((i - lo) as u64) as usize;
                    if !preds.contains(&p) {
                        preds.push(p);
                        break;
                    }
                }
            }
        }
        preds.sort_unstable();
        predecessors.push(preds);
    }
    GeneratedProject { teams, team_of, effort_days, predecessors }
}

impl GeneratedProject {
    /// The project as an RCPSP instance: one resource of capacity 1 per team.
    pub fn problem(&self) -> crate::schedule::Problem {
        let n = self.team_of.len();
        let mut successors = vec![Vec::new(); n];
        for (task, preds) in self.predecessors.iter().enumerate() {
            for &p in preds {
                successors[p].push(task);
            }
        }
        let demands = self
            .team_of
            .iter()
            .map(|&t| {
                let mut d = vec![0; self.teams];
                d[t] = 1;
                d
            })
            .collect();
        crate::schedule::Problem {
            durations: self.effort_days.clone(),
            demands,
            capacities: vec![1; self.teams],
            successors,
        }
    }

    /// max(critical path, busiest team's load), in days.
    pub fn lower_bound(&self) -> u32 {
        let n = self.team_of.len();
        let mut finish = vec![0u32; n];
        for i in 0..n {
            let start = self.predecessors[i].iter().map(|&p| finish[p]).max().unwrap_or(0);
            finish[i] = start + self.effort_days[i];
        }
        let mut load = vec![0u32; self.teams];
        for i in 0..n {
            load[self.team_of[i]] += self.effort_days[i];
        }
        finish.into_iter().max().unwrap_or(0).max(load.into_iter().max().unwrap_or(0))
    }
}
