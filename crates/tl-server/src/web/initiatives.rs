//! Initiatives: the scoring table (`/initiatives`), filtered by theme, team,
//! category and status and sorted by a column, all through query
//! parameters (a GET form and links); and one initiative
//! (`/initiatives/{id}`) with its milestones, dependencies, risks and
//! scalability review.

use super::{Ctx, Layout, SignedIn, not_found, num, render, words};
use crate::dto;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;
use crate::views;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use std::collections::HashMap;
use tl_engine::model::Initiative;

#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct Filters {
    #[serde(default)]
    theme: String,
    #[serde(default)]
    team: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    sort: String,
}

impl Filters {
    /// The query string for these filters sorted by `sort`.
    fn with_sort(&self, sort: &str) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in
            [("theme", &self.theme), ("team", &self.team), ("category", &self.category), ("status", &self.status)]
        {
            if !v.is_empty() {
                q.append_pair(k, v);
            }
        }
        q.append_pair("sort", sort);
        format!("?{}", q.finish())
    }
}

struct Row {
    rank: String,
    id: String,
    title: String,
    theme: String,
    teams: String,
    category: String,
    status: String,
    score: String,
    range: String,
    robust: bool,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

struct SortLink {
    key: &'static str,
    label: &'static str,
    href: String,
    active: bool,
    numeric: bool,
}

#[derive(Template)]
#[template(path = "initiatives.html")]
struct InitiativesPage {
    layout: Layout,
    rows: Vec<Row>,
    total: usize,
    themes: Vec<Choice>,
    teams: Vec<Choice>,
    categories: Vec<Choice>,
    statuses: Vec<Choice>,
    columns: Vec<SortLink>,
    sort: String,
    perturbation: String,
}

/// The teams an initiative asks effort of, and its owner's team.
pub(crate) fn teams_of(person_teams: &HashMap<&str, &str>, i: &Initiative) -> Vec<String> {
    let mut out: Vec<String> = i.effort.iter().map(|e| e.team.id.0.clone()).collect();
    if let Some(team) = views::milestone_team(person_teams, i, None)
        && !out.iter().any(|t| t == team)
    {
        out.push(team.to_string());
    }
    out
}

fn choices(options: impl IntoIterator<Item = (String, String)>, selected: &str) -> Vec<Choice> {
    options.into_iter().map(|(value, label)| Choice { selected: value == selected, value, label }).collect()
}

pub(crate) async fn list(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    ApiQuery(filters): ApiQuery<Filters>,
) -> Result<Response, ApiError> {
    let ctx = Ctx::load(&state, caller).await?;
    let plan = ctx.plan.clone();
    let ranking = tokio::task::spawn_blocking(move || views::ranking(plan.model(), plan.ranking())).await?;
    let model = ctx.model();
    let theme_name =
        |id: &str| model.themes.iter().find(|t| t.id.as_str() == id).map_or(id.to_string(), |t| t.name.clone());
    let scored: std::collections::HashMap<&str, &dto::Score> =
        ranking.ranked.iter().map(|s| (s.initiative.as_str(), s)).collect();
    let person_teams = views::person_teams(model);
    let mut rows: Vec<(Option<&dto::Score>, Row)> = model
        .initiatives
        .iter()
        .filter(|i| filters.theme.is_empty() || i.theme.as_ref().is_some_and(|t| t.as_str() == filters.theme))
        .filter(|i| filters.category.is_empty() || i.category.as_str() == filters.category)
        .filter(|i| filters.status.is_empty() || i.status.as_str() == filters.status)
        .filter(|i| filters.team.is_empty() || teams_of(&person_teams, i).contains(&filters.team))
        .map(|i| {
            let s = scored.get(i.id.as_str()).copied();
            let row = Row {
                rank: s.map_or("–".into(), |s| s.rank.to_string()),
                id: i.id.0.clone(),
                title: i.title.clone(),
                theme: i.theme.as_ref().map_or(String::new(), |t| theme_name(t.as_str())),
                teams: teams_of(&person_teams, i).join(", "),
                category: i.category.as_str().into(),
                status: i.status.as_str().into(),
                score: s.map_or("unscored".into(), |s| format!("{:.2}", s.score)),
                range: s.map_or(String::new(), |s| {
                    if s.best_rank == s.worst_rank {
                        s.best_rank.to_string()
                    } else {
                        format!("{}–{}", s.best_rank, s.worst_rank)
                    }
                }),
                robust: s.is_some_and(|s| s.worst_rank - s.best_rank <= 2),
            };
            (s, row)
        })
        .collect();
    let sort = match filters.sort.as_str() {
        "title" | "theme" | "category" | "status" | "teams" => filters.sort.clone(),
        _ => "rank".to_string(),
    };
    match sort.as_str() {
        "title" => rows.sort_by(|a, b| a.1.title.cmp(&b.1.title)),
        "theme" => rows.sort_by(|a, b| a.1.theme.cmp(&b.1.theme)),
        "teams" => rows.sort_by(|a, b| a.1.teams.cmp(&b.1.teams)),
        "category" => rows.sort_by(|a, b| a.1.category.cmp(&b.1.category)),
        "status" => rows.sort_by(|a, b| a.1.status.cmp(&b.1.status)),
        _ => rows.sort_by_key(|(s, _)| s.map_or(usize::MAX, |s| s.rank)),
    }
    let columns = [
        ("rank", "Rank", true),
        ("title", "Initiative", false),
        ("theme", "Theme", false),
        ("teams", "Teams", false),
        ("category", "Category", false),
        ("status", "Status", false),
    ]
    .into_iter()
    .map(|(key, label, numeric)| SortLink { key, label, href: filters.with_sort(key), active: sort == key, numeric })
    .collect();
    let page = InitiativesPage {
        layout: ctx.layout("Initiatives", "/initiatives"),
        total: model.initiatives.len(),
        rows: rows.into_iter().map(|(_, r)| r).collect(),
        themes: choices(model.themes.iter().map(|t| (t.id.0.clone(), t.name.clone())), &filters.theme),
        teams: choices(model.teams.iter().map(|t| (t.id.0.clone(), t.name.clone())), &filters.team),
        categories: choices(
            tl_engine::model::Category::NAMES.iter().map(|c| (c.to_string(), words(c))),
            &filters.category,
        ),
        statuses: choices(
            tl_engine::model::InitiativeStatus::NAMES.iter().map(|c| (c.to_string(), words(c))),
            &filters.status,
        ),
        columns,
        sort,
        perturbation: num(ranking.perturbation_pp),
    };
    Ok(render(&page, StatusCode::OK))
}

struct MilestoneRow {
    m: dto::Milestone,
    team: String,
}

struct DependencyRow {
    d: dto::Dependency,
    direction: &'static str,
    late: bool,
}

struct ReviewRow {
    scale: &'static str,
    rating: String,
    note: String,
}

#[derive(Template)]
#[template(path = "initiative.html")]
struct InitiativePage {
    layout: Layout,
    i: dto::Initiative,
    theme: Option<String>,
    owner: Option<String>,
    objectives: Vec<(String, String)>,
    teams: Vec<(String, String)>,
    skills: String,
    milestones: Vec<MilestoneRow>,
    dependencies: Vec<DependencyRow>,
    review: Vec<ReviewRow>,
    risks: Vec<(String, String, String)>,
    score: Option<dto::Score>,
}

pub(crate) async fn detail(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let ctx = Ctx::load(&state, caller).await?;
    let model = ctx.model();
    let Some(source) = model.initiatives.iter().find(|i| i.id.as_str() == id) else {
        return Ok(not_found(&ctx, "initiative", &id, "/initiatives"));
    };
    let Some(mut i) = views::initiatives(model, &ctx.live, ctx.today).into_iter().find(|i| i.id == id) else {
        return Ok(not_found(&ctx, "initiative", &id, "/initiatives"));
    };
    let plan = ctx.plan.clone();
    let ranking = tokio::task::spawn_blocking(move || views::ranking(plan.model(), plan.ranking())).await?;
    let person =
        |pid: &str| model.people.iter().find(|p| p.id.as_str() == pid).map_or(pid.to_string(), |p| p.name.clone());
    let team_name =
        |tid: &str| model.teams.iter().find(|t| t.id.as_str() == tid).map_or(tid.to_string(), |t| t.name.clone());
    let mine: Vec<&str> = std::iter::once(id.as_str()).chain(source.milestones.iter().map(|m| m.id.as_str())).collect();
    let dependencies = views::dependencies(model, &ctx.live)
        .into_iter()
        .filter_map(|d| {
            let waits = d.blocks.iter().any(|b| mine.contains(&b.as_str()));
            let provides = d.waits_for.as_deref().is_some_and(|w| mine.contains(&w));
            let direction = if waits {
                "waits for"
            } else if provides {
                "is awaited by"
            } else {
                return None;
            };
            let late = super::overview::is_late(&d, ctx.today);
            Some(DependencyRow { d, direction, late })
        })
        .collect();
    let review = [("2×", &source.scalability.x2), ("5×", &source.scalability.x5), ("10×", &source.scalability.x10)]
        .into_iter()
        .map(|(scale, c)| ReviewRow {
            scale,
            rating: c.as_ref().map_or("not reviewed".into(), |c| c.rating.as_str().to_string()),
            note: c.as_ref().and_then(|c| c.note.clone()).unwrap_or_default(),
        })
        .collect();
    let risks = model
        .risks
        .iter()
        .filter(|r| r.initiatives.iter().any(|x| x.as_str() == id))
        .map(|r| {
            (
                r.title.clone(),
                format!("{} likelihood, {} impact", r.likelihood, r.impact),
                r.mitigation.clone().unwrap_or_default(),
            )
        })
        .collect();
    let page = InitiativePage {
        layout: ctx.layout(i.title.clone(), "/initiatives"),
        theme: i
            .theme
            .as_ref()
            .map(|t| model.themes.iter().find(|x| x.id.as_str() == t).map_or(t.clone(), |x| x.name.clone())),
        owner: i.owner.as_deref().map(person),
        objectives: i
            .objectives
            .iter()
            .map(|o| {
                (o.clone(), model.objectives.iter().find(|x| x.id.as_str() == o).map_or(o.clone(), |x| x.title.clone()))
            })
            .collect(),
        teams: teams_of(&views::person_teams(model), source).into_iter().map(|t| (team_name(&t), t)).collect(),
        skills: source.skills.join(", "),
        milestones: std::mem::take(&mut i.milestones)
            .into_iter()
            .map(|m| MilestoneRow { team: m.team.as_deref().map(team_name).unwrap_or_default(), m })
            .collect(),
        dependencies,
        review,
        risks,
        score: ranking.ranked.into_iter().find(|s| s.initiative == id),
        i,
    };
    Ok(render(&page, StatusCode::OK))
}
