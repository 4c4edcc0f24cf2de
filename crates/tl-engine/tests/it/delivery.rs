//! The delivery metrics: DevLake's own DORA end-to-end tables reproduced
//! exactly with the `devlake` preset, and the four keys on small hand-made
//! data.
//!
//! The DevLake tables live in `../shared/data/devlake-dora/` (see the README
//! there). They are read where they are; when the folder is missing the
//! tests fail rather than skip, because CI has it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use jiff::civil::date;
use jiff::tz::Offset;
use jiff::{SignedDuration, Timestamp};
use tl_engine::delivery::devlake::{
    self, CicdPipeline, CicdTask, CommitsDiff, DevlakeIncident, PipelineCommit, PrComment, PrCommit, ProjectMapping,
};
use tl_engine::delivery::{
    Attribution, Benchmark, Commit, DeliveryEvents, Deployment, DeploymentCommit, GroupBy, Incident, MetricDefinition,
    NamePattern, PullRequest, RunResult, Statistic, Tier, cycle_times, four_keys, link_changes, preset, presets,
    report,
};

// ---------------------------------------------------------------------------
// A tiny RFC 4180 reader: quoted fields, doubled quotes, CRLF or LF, no
// trailing newline required.

/// A CSV table: the header and the rows as maps from column to text.
struct Table {
    path: PathBuf,
    header: Vec<String>,
    rows: Vec<BTreeMap<String, String>>,
}

fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut in_quotes = false;
    let mut touched = false;
    while let Some(c) = chars.next() {
        touched = true;
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' => in_quotes = true,
            ',' => record.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                touched = false;
            }
            _ => field.push(c),
        }
    }
    assert!(!in_quotes, "unterminated quoted field");
    if touched {
        record.push(field);
        records.push(record);
    }
    records
}

fn data_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/devlake-dora");
    assert!(
        dir.is_dir(),
        "the DevLake DORA fixtures are missing: expected them at {} \
         (see ../shared/data/README.md); this test must not be skipped",
        dir.display()
    );
    dir
}

fn read_table(relative: &str) -> Table {
    let path = data_dir().join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut records = parse_csv(&text).into_iter();
    let header = records.next().unwrap_or_else(|| panic!("{} is empty", path.display()));
    let rows = records
        .filter(|r| !(r.len() == 1 && r[0].is_empty()))
        .enumerate()
        .map(|(i, r)| {
            assert_eq!(
                r.len(),
                header.len(),
                "{} line {}: {} fields for {} columns",
                path.display(),
                i + 2,
                r.len(),
                header.len()
            );
            header.iter().cloned().zip(r).collect()
        })
        .collect();
    Table { path, header, rows }
}

/// A column's text; a column the table does not have reads as empty (the
/// null spelling of these files).
fn col<'a>(row: &'a BTreeMap<String, String>, name: &str) -> &'a str {
    row.get(name).map_or("", String::as_str)
}

fn opt(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_string())
}

/// Reads the time spellings of the fixtures, all UTC:
/// `2022-03-07T06:26:42.109+00:00`, `2022-09-07 23:07:13` and the unpadded
/// `2023-4-11 4:51:47`. Empty is `None`.
fn ts(text: &str) -> Option<Timestamp> {
    if text.is_empty() {
        return None;
    }
    fn unreadable<T>(text: &str) -> T {
        panic!("unreadable time {text:?}")
    }
    let body = text.strip_suffix("+00:00").or_else(|| text.strip_suffix('Z')).unwrap_or(text);
    let (day, time) = body.split_once(['T', ' ']).unwrap_or_else(|| unreadable(text));
    let ymd: Vec<i32> = day.split('-').map(|p| p.parse().unwrap_or_else(|_| unreadable(text))).collect();
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let hms: Vec<i32> = hms.split(':').map(|p| p.parse().unwrap_or_else(|_| unreadable(text))).collect();
    let nanos: i32 =
        if frac.is_empty() { 0 } else { format!("{frac:0<9}")[..9].parse().unwrap_or_else(|_| unreadable(text)) };
    let dt = date(ymd[0] as i16, ymd[1] as i8, ymd[2] as i8).at(hms[0] as i8, hms[1] as i8, hms[2] as i8, nanos);
    Some(Offset::UTC.to_timestamp(dt).unwrap_or_else(|_| unreadable(text)))
}

/// The expected tables' spelling: `2023-04-10T04:51:47.000+00:00`.
fn fmt_ts(t: Option<Timestamp>) -> String {
    t.map_or(String::new(), |t| {
        let dt = Offset::UTC.to_datetime(t);
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}+00:00",
            dt.year(),
            dt.month(),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second(),
            dt.subsec_nanosecond() / 1_000_000
        )
    })
}

fn fmt_opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map_or(String::new(), T::to_string)
}

fn mappings(relative: &str) -> Vec<ProjectMapping> {
    read_table(relative)
        .rows
        .iter()
        .map(|r| ProjectMapping {
            project: col(r, "project_name").into(),
            table: col(r, "table").into(),
            row_id: col(r, "row_id").into(),
        })
        .collect()
}

fn deployment_commits(relative: &str) -> Vec<DeploymentCommit> {
    read_table(relative)
        .rows
        .iter()
        .map(|r| DeploymentCommit {
            id: col(r, "id").into(),
            deployment_id: col(r, "cicd_deployment_id").into(),
            name: col(r, "name").into(),
            commit_sha: col(r, "commit_sha").into(),
            repo_id: col(r, "repo_id").into(),
            repo_url: col(r, "repo_url").into(),
            scope_id: col(r, "cicd_scope_id").into(),
            environment: col(r, "environment").into(),
            result: RunResult::from_name(col(r, "result")),
            started: ts(col(r, "started_date")),
            finished: ts(col(r, "finished_date")),
            prev_success_id: opt(col(r, "prev_success_deployment_commit_id")),
        })
        .collect()
}

fn deployment_commit_row(dc: &DeploymentCommit) -> BTreeMap<String, String> {
    [
        ("id", dc.id.clone()),
        ("commit_sha", dc.commit_sha.clone()),
        ("cicd_scope_id", dc.scope_id.clone()),
        ("cicd_deployment_id", dc.deployment_id.clone()),
        ("result", dc.result.as_str().to_string()),
        ("repo_url", dc.repo_url.clone()),
        ("environment", dc.environment.clone()),
        ("started_date", fmt_ts(dc.started)),
        ("finished_date", fmt_ts(dc.finished)),
        ("prev_success_deployment_commit_id", fmt_opt(&dc.prev_success_id)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// Compares our rows with the expected table on every column the expected
/// table has, matching rows by their first column (the id). Panics with a
/// row diff naming every difference. Returns the number of rows matched.
fn assert_table(expected: &Table, actual: Vec<BTreeMap<String, String>>) -> usize {
    let key = &expected.header[0];
    let project = |row: &BTreeMap<String, String>| -> Vec<String> {
        expected.header.iter().map(|c| col(row, c).to_string()).collect()
    };
    let mut want: Vec<Vec<String>> = expected.rows.iter().map(project).collect();
    let mut got: Vec<Vec<String>> = actual.iter().map(project).collect();
    for (which, rows) in [("expected", &want), ("produced", &got)] {
        let mut ids: Vec<&String> = rows.iter().map(|r| &r[0]).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), rows.len(), "{which} rows repeat a {key}");
    }
    want.sort();
    got.sort();
    let mut diff = String::new();
    let (mut i, mut j) = (0, 0);
    while i < want.len() || j < got.len() {
        let order = match (want.get(i), got.get(j)) {
            (Some(w), Some(g)) => w[0].cmp(&g[0]),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        match order {
            std::cmp::Ordering::Less => {
                let _ = writeln!(diff, "- missing row {key}={}: {:?}", want[i][0], want[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                let _ = writeln!(diff, "+ extra row {key}={}: {:?}", got[j][0], got[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                for (c, name) in expected.header.iter().enumerate() {
                    if want[i][c] != got[j][c] {
                        let _ = writeln!(
                            diff,
                            "~ row {key}={} column {name}: expected {:?}, got {:?}",
                            want[i][0], want[i][c], got[j][c]
                        );
                    }
                }
                i += 1;
                j += 1;
            }
        }
    }
    assert!(
        diff.is_empty(),
        "{} is not reproduced ({} expected rows, {} produced):\n{diff}",
        expected.path.display(),
        want.len(),
        got.len()
    );
    want.len()
}

const PROJECT: &str = "project1";

fn devlake_preset() -> MetricDefinition {
    preset("devlake").expect("the devlake preset exists")
}

// ---------------------------------------------------------------------------
// DevLake's four DORA steps, table for table.

#[test]
fn devlake_deployment_generator() {
    let definition = devlake_preset();
    let pipelines: Vec<CicdPipeline> = read_table("deployment_generator/cicd_pipelines.csv")
        .rows
        .iter()
        .map(|r| CicdPipeline {
            id: col(r, "id").into(),
            name: col(r, "name").into(),
            result: RunResult::from_name(col(r, "result")),
            is_deployment: col(r, "type") == "DEPLOYMENT",
            environment: col(r, "environment").into(),
            duration_sec: opt(col(r, "duration_sec")).map(|s| s.parse().expect("duration")),
            created: ts(col(r, "created_date")),
            finished: ts(col(r, "finished_date")),
            scope_id: col(r, "cicd_scope_id").into(),
        })
        .collect();
    let tasks: Vec<CicdTask> = read_table("deployment_generator/cicd_tasks.csv")
        .rows
        .iter()
        .map(|r| CicdTask {
            id: col(r, "id").into(),
            pipeline_id: col(r, "pipeline_id").into(),
            result: RunResult::from_name(col(r, "result")),
            is_deployment: col(r, "type") == "DEPLOYMENT",
            environment: col(r, "environment").into(),
        })
        .collect();
    let pipeline_commits: Vec<PipelineCommit> = read_table("deployment_generator/cicd_pipeline_commits.csv")
        .rows
        .iter()
        .map(|r| PipelineCommit {
            pipeline_id: col(r, "pipeline_id").into(),
            commit_sha: col(r, "commit_sha").into(),
            branch: col(r, "branch").into(),
            repo_id: col(r, "repo_id").into(),
            repo_url: col(r, "repo_url").into(),
        })
        .collect();
    let produced = devlake::generate_deployment_commits(
        PROJECT,
        &mappings("deployment_generator/project_mapping.csv"),
        &pipelines,
        &tasks,
        &pipeline_commits,
    );
    let expected = read_table("deployment_generator/cicd_deployment_commits.csv");
    let n = assert_table(&expected, produced.iter().map(deployment_commit_row).collect());
    assert_eq!(n, 6);
    // What the generator records is wider than what the preset counts:
    // failed runs are deployments (attempts), but only successful
    // production ones count.
    let deployments = tl_engine::delivery::deployments_from_commits(&produced);
    let counted = deployments.iter().filter(|d| definition.deployment.counts(d)).count();
    assert_eq!(counted, 0, "the only success has no environment");
}

#[test]
fn devlake_prev_success_deployment_commit() {
    let produced = devlake::prev_success_deployment_commit(
        PROJECT,
        &mappings("prev_success_deployment_commit/project_mapping.csv"),
        &deployment_commits("prev_success_deployment_commit/cicd_deployment_commits_before.csv"),
    );
    let expected = read_table("prev_success_deployment_commit/cicd_deployment_commits_after.csv");
    let n = assert_table(&expected, produced.iter().map(deployment_commit_row).collect());
    assert_eq!(n, 16);
}

#[test]
fn devlake_change_lead_time() {
    let dir = "change_lead_time";
    let pull_requests: Vec<PullRequest> = read_table(&format!("{dir}/pull_requests.csv"))
        .rows
        .iter()
        .map(|r| PullRequest {
            id: col(r, "id").into(),
            repo_id: col(r, "base_repo_id").into(),
            service: col(r, "base_repo_id").into(),
            author: col(r, "author_id").into(),
            created: ts(col(r, "created_date")).expect("a pull request has a creation time"),
            merged: ts(col(r, "merged_date")),
            merge_commit_sha: opt(col(r, "merge_commit_sha")),
            first_commit: None,
            first_review: None,
            deployed: None,
            deployment_id: None,
        })
        .collect();
    let commits: Vec<PrCommit> = read_table(&format!("{dir}/pull_request_commits.csv"))
        .rows
        .iter()
        .map(|r| PrCommit {
            pr_id: col(r, "pull_request_id").into(),
            sha: col(r, "commit_sha").into(),
            authored: ts(col(r, "commit_authored_date")),
        })
        .collect();
    let comments: Vec<PrComment> = read_table(&format!("{dir}/pull_request_comments.csv"))
        .rows
        .iter()
        .map(|r| PrComment {
            id: col(r, "id").into(),
            pr_id: col(r, "pull_request_id").into(),
            account: col(r, "account_id").into(),
            created: ts(col(r, "created_date")),
        })
        .collect();
    let diffs: Vec<CommitsDiff> = read_table(&format!("{dir}/commits_diffs.csv"))
        .rows
        .iter()
        .map(|r| CommitsDiff {
            old_sha: col(r, "old_commit_sha").into(),
            new_sha: col(r, "new_commit_sha").into(),
            commit_sha: col(r, "commit_sha").into(),
        })
        .collect();
    let produced = devlake::change_lead_time(
        PROJECT,
        &mappings(&format!("{dir}/project_mapping.csv")),
        &pull_requests,
        &commits,
        &comments,
        &deployment_commits(&format!("{dir}/cicd_deployment_commits.csv")),
        &diffs,
    );
    let rows = produced
        .iter()
        .map(|m| {
            [
                ("id", m.pr_id.clone()),
                ("project_name", m.project.clone()),
                ("first_commit_sha", fmt_opt(&m.first_commit_sha)),
                ("pr_coding_time", fmt_opt(&m.coding_minutes)),
                ("first_review_id", fmt_opt(&m.first_review_id)),
                ("pr_pickup_time", fmt_opt(&m.pickup_minutes)),
                ("pr_review_time", fmt_opt(&m.review_minutes)),
                ("deployment_commit_id", fmt_opt(&m.deployment_commit_id)),
                ("pr_deploy_time", fmt_opt(&m.deploy_minutes)),
                ("pr_cycle_time", m.cycle_minutes.to_string()),
                ("first_commit_authored_date", fmt_ts(m.first_commit_authored)),
                ("first_comment_date", fmt_ts(m.first_review_at)),
                ("pr_created_date", fmt_ts(Some(m.created))),
                ("pr_merged_date", fmt_ts(m.merged)),
                ("pr_deployed_date", fmt_ts(m.deployed)),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect()
        })
        .collect();
    let expected = read_table(&format!("{dir}/project_pr_metrics.csv"));
    let n = assert_table(&expected, rows);
    assert_eq!(n, 6);
}

#[test]
fn devlake_connect_incident_to_deployment() {
    let dir = "connect_incident_to_deployment";
    let incidents: Vec<DevlakeIncident> = read_table(&format!("{dir}/raw_tables/incidents.csv"))
        .rows
        .iter()
        .map(|r| DevlakeIncident {
            id: col(r, "id").into(),
            created: ts(col(r, "created_date")),
            table: col(r, "table").into(),
            scope_id: col(r, "scope_id").into(),
        })
        .collect();
    let produced = devlake::connect_incidents(
        PROJECT,
        &mappings(&format!("{dir}/raw_tables/project_mapping.csv")),
        &incidents,
        &deployment_commits(&format!("{dir}/prev_success_deployment_commit/cicd_deployment_commits_after.csv")),
    );
    let rows = produced
        .iter()
        .map(|r| {
            [
                ("id", r.incident_id.clone()),
                ("project_name", r.project.clone()),
                ("deployment_id", r.deployment_id.clone()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect()
        })
        .collect();
    let expected = read_table(&format!("{dir}/snapshot_tables/project_incident_deployment_relationships.csv"));
    let n = assert_table(&expected, rows);
    assert_eq!(n, 6);
}

#[test]
fn csv_reader_follows_rfc_4180() {
    let records = parse_csv("a,\"b,\"\"c\"\"\",\r\n\"x\ny\",,z");
    assert_eq!(
        records,
        vec![
            vec!["a".to_string(), "b,\"c\"".into(), String::new()],
            vec!["x\ny".to_string(), String::new(), "z".into()],
        ]
    );
    assert_eq!(ts("2023-4-11 4:51:47"), ts("2023-04-11T04:51:47.000+00:00"));
    assert_eq!(fmt_ts(ts("2022-03-07T06:26:42.109+00:00")), "2022-03-07T06:26:42.109+00:00");
}

// ---------------------------------------------------------------------------
// The four keys on small hand-made data.

fn at(text: &str) -> Timestamp {
    text.parse().expect("an RFC 3339 time")
}

fn deployment(id: &str, service: &str, env: &str, result: RunResult, finished: &str) -> Deployment {
    Deployment {
        id: id.into(),
        name: format!("deploy-{service}"),
        service: service.into(),
        scope_id: "ci".into(),
        environment: env.into(),
        result,
        started: Some(at(finished) - SignedDuration::from_mins(10)),
        finished: Some(at(finished)),
        commits: Vec::new(),
    }
}

fn pull_request(id: &str, service: &str, times: [&str; 4], merge_sha: &str) -> PullRequest {
    let [first_commit, created, review, merged] = times;
    PullRequest {
        id: id.into(),
        repo_id: service.into(),
        service: service.into(),
        author: "author".into(),
        created: at(created),
        merged: Some(at(merged)),
        merge_commit_sha: Some(merge_sha.into()),
        first_commit: Some((format!("{id}-c1"), at(first_commit))),
        first_review: Some((format!("{id}-r1"), at(review))),
        deployed: None,
        deployment_id: None,
    }
}

fn incident(id: &str, service: &str, created: &str, resolved: &str) -> Incident {
    Incident {
        id: id.into(),
        service: service.into(),
        created: at(created),
        resolved: Some(at(resolved)),
        severity: Some("SEV2".into()),
        root_cause_commit: None,
        deployment_id: None,
    }
}

/// Two weeks, two services: api deploys three times (one incident), web
/// once (one incident); a failure and a staging deployment do not count.
struct Fixture {
    deployments: Vec<Deployment>,
    pull_requests: Vec<PullRequest>,
    incidents: Vec<Incident>,
    now: Timestamp,
}

fn fixture(definition: &MetricDefinition) -> Fixture {
    use RunResult::{Failure, Success};
    let mut deployments = vec![
        deployment("api-1", "api", "PRODUCTION", Success, "2024-03-19T10:00:00Z"),
        deployment("api-2", "api", "PRODUCTION", Success, "2024-03-20T10:00:00Z"),
        deployment("api-3", "api", "PRODUCTION", Failure, "2024-03-21T10:00:00Z"),
        deployment("api-4", "api", "STAGING", Success, "2024-03-22T10:00:00Z"),
        deployment("api-5", "api", "PRODUCTION", Success, "2024-03-27T10:00:00Z"),
        deployment("web-1", "web", "PRODUCTION", Success, "2024-03-25T12:00:00Z"),
        // Before the window: neither counted nor blamed for later incidents
        // of other services.
        deployment("web-0", "web", "PRODUCTION", Success, "2024-03-01T12:00:00Z"),
    ];
    deployments[0].commits = vec!["m1".into()];
    deployments[5].commits = vec!["m2".into()];
    let mut pull_requests = vec![
        pull_request(
            "pr1",
            "api",
            ["2024-03-18T10:00:00Z", "2024-03-18T12:00:00Z", "2024-03-18T13:00:00Z", "2024-03-18T14:00:00Z"],
            "m1",
        ),
        pull_request(
            "pr2",
            "web",
            ["2024-03-25T06:00:00Z", "2024-03-25T07:00:00Z", "2024-03-25T07:30:00Z", "2024-03-25T08:00:00Z"],
            "m2",
        ),
    ];
    link_changes(&mut [], &mut pull_requests, &deployments, &definition.deployment);
    let incidents = vec![
        incident("inc1", "api", "2024-03-19T12:00:00Z", "2024-03-19T12:30:00Z"),
        incident("inc2", "web", "2024-03-26T00:00:00Z", "2024-03-26T02:00:00Z"),
    ];
    Fixture { deployments, pull_requests, incidents, now: at("2024-04-01T00:00:00Z") }
}

fn two_week_default() -> MetricDefinition {
    let mut definition = presets().remove(0);
    assert_eq!(definition.name, "dora-2023", "the default comes first");
    definition.window = tl_engine::delivery::Window::Days(14);
    definition
}

#[test]
fn four_keys_overall_per_service_week_and_quarter() {
    let definition = two_week_default();
    let f = fixture(&definition);
    assert_eq!(f.pull_requests[0].deployment_id.as_deref(), Some("api-1"));
    assert_eq!(f.pull_requests[1].deployed, Some(at("2024-03-25T12:00:00Z")));
    let events = DeliveryEvents {
        deployments: &f.deployments,
        commits: &[],
        pull_requests: &f.pull_requests,
        incidents: &f.incidents,
    };
    let r = report(&events, &definition, f.now, GroupBy::Service);
    assert_eq!(r.start, at("2024-03-18T00:00:00Z"));

    let o = &r.overall;
    assert_eq!(o.deployments, 4);
    assert_eq!(o.deployment_frequency, 2.0, "4 deployments in 2 weeks");
    // pr1: 18th 10:00 -> 19th 10:00 (1440 min); pr2: 06:00 -> 12:00 (360).
    assert_eq!(o.lead_time_samples, 2);
    assert_eq!(o.lead_time_minutes, Some(900.0));
    assert_eq!(o.failed_deployments, 2);
    assert_eq!(o.change_failure_rate, Some(0.5));
    assert_eq!(o.time_to_restore_minutes, Some(75.0));
    assert_eq!(o.tiers.deployment_frequency, Tier::High);
    assert_eq!(o.tiers.lead_time, Some(Tier::Elite));
    assert_eq!(o.tiers.change_failure_rate, Some(Tier::Low));
    assert_eq!(o.tiers.time_to_restore, Some(Tier::High));

    assert_eq!(r.groups.keys().collect::<Vec<_>>(), ["api", "web"]);
    let api = &r.groups["api"];
    assert_eq!(api.deployments, 3);
    assert_eq!(api.change_failure_rate, Some(1.0 / 3.0));
    assert_eq!(api.lead_time_minutes, Some(1440.0));
    assert_eq!(r.groups["web"].time_to_restore_minutes, Some(120.0));

    let weeks: Vec<(&str, usize)> = r.weeks.iter().map(|w| (w.label.as_str(), w.overall.deployments)).collect();
    assert_eq!(weeks, [("2024-W12", 2), ("2024-W13", 2)]);
    assert_eq!(r.weeks[1].groups["web"].change_failure_rate, Some(1.0));
    let quarters: Vec<&str> = r.quarters.iter().map(|q| q.label.as_str()).collect();
    assert_eq!(quarters, ["2024-Q1"]);
    assert_eq!(r.quarters[0].overall, r.overall);

    // Coding 2h and 1h, pickup 1h and 30 min, review 1h and 30 min,
    // deploy 20h and 4h: medians of two values are their means.
    let c = &r.cycle_times;
    assert_eq!(c.pull_requests, 2);
    assert_eq!(c.coding, Some(90.0));
    assert_eq!(c.pickup, Some(45.0));
    assert_eq!(c.review, Some(45.0));
    assert_eq!(c.deploy, Some(720.0));
    assert_eq!(c.cycle, Some(900.0));
}

#[test]
fn four_keys_by_team_and_with_devlake_and_fourkeys_presets() {
    let devlake = devlake_preset();
    let f = fixture(&devlake);
    let events = DeliveryEvents {
        deployments: &f.deployments,
        commits: &[],
        pull_requests: &f.pull_requests,
        incidents: &f.incidents,
    };
    let teams: BTreeMap<String, String> = [("api".to_string(), "platform".to_string())].into();
    let r = report(&events, &devlake, f.now, GroupBy::Team(&teams));
    assert_eq!(r.groups.keys().collect::<Vec<_>>(), ["", "platform"]);
    // DevLake attributes across the project: web's incident on the 26th is
    // blamed on web-1 (25th 12:00), api's on api-1; web-0 is in the
    // 182-day window now, so five deployments count.
    assert_eq!(r.overall.deployments, 5);
    assert_eq!(r.overall.failed_deployments, 2);
    // Deployment days per ISO week over 26 weeks: mostly zero.
    assert_eq!(r.overall.deployment_frequency, 0.0);
    assert_eq!(r.overall.tiers.deployment_frequency, Tier::Low);
    // The lower median of [360, 1440].
    assert_eq!(r.overall.lead_time_minutes, Some(360.0));

    // fourkeys: per commit, and incidents by root cause.
    let fourkeys = preset("fourkeys").expect("fourkeys preset");
    let mut commits = vec![Commit {
        sha: "m1".into(),
        service: "api".into(),
        authored: Some(at("2024-03-18T09:00:00Z")),
        deployed: None,
        deployment_id: None,
    }];
    link_changes(&mut commits, &mut [], &f.deployments, &fourkeys.deployment);
    let mut incidents = f.incidents.clone();
    incidents[1].root_cause_commit = Some("m1".into());
    let events =
        DeliveryEvents { deployments: &f.deployments, commits: &commits, pull_requests: &[], incidents: &incidents };
    let r = report(&events, &fourkeys, f.now, GroupBy::Service);
    assert_eq!(r.overall.lead_time_minutes, Some(25.0 * 60.0));
    // Only inc2 names a root cause; staging counts under fourkeys.
    assert_eq!(r.overall.deployments, 6);
    assert_eq!(r.overall.failed_deployments, 1);
}

#[test]
fn attribution_respects_service_and_time_limit() {
    let mut definition = two_week_default();
    let f = fixture(&definition);
    let mut incidents = vec![incident("late", "api", "2024-03-19T12:00:00Z", "2024-03-19T13:00:00Z")];
    definition.attribution = Attribution::LastDeploymentBefore { same_service: true, within_minutes: Some(60) };
    tl_engine::delivery::attribute_incidents(&mut incidents, &f.deployments, &definition);
    assert_eq!(incidents[0].deployment_id, None, "api-1 finished 2 h before");
    definition.attribution = Attribution::LastDeploymentBefore { same_service: true, within_minutes: Some(120) };
    tl_engine::delivery::attribute_incidents(&mut incidents, &f.deployments, &definition);
    assert_eq!(incidents[0].deployment_id.as_deref(), Some("api-1"));
    // An incident at the very finish of a deployment is not its fault
    // (strictly before), and a different service's deployment is ignored.
    let mut incidents = vec![incident("same-instant", "web", "2024-03-25T12:00:00Z", "2024-03-25T13:00:00Z")];
    definition.attribution = Attribution::LastDeploymentBefore { same_service: true, within_minutes: None };
    tl_engine::delivery::attribute_incidents(&mut incidents, &f.deployments, &definition);
    assert_eq!(incidents[0].deployment_id.as_deref(), Some("web-0"));
}

#[test]
fn statistics_benchmarks_and_patterns() {
    use tl_engine::delivery::stats::{span_minutes_ceil, summarize};
    let values = [4.0, 1.0, 3.0, 2.0];
    assert_eq!(summarize(Statistic::Median, &values), Some(2.5));
    assert_eq!(summarize(Statistic::MedianLow, &values), Some(2.0));
    assert_eq!(summarize(Statistic::P75, &values), Some(3.0));
    assert_eq!(summarize(Statistic::Mean, &values), Some(2.5));
    assert_eq!(summarize(Statistic::MedianLow, &[7.0]), Some(7.0));
    assert_eq!(summarize(Statistic::P75, &[]), None);

    let t = at("2024-01-01T00:00:00Z");
    let plus = |secs: i64| Some(t + SignedDuration::from_secs(secs));
    assert_eq!(span_minutes_ceil(Some(t), plus(1)), Some(1));
    assert_eq!(span_minutes_ceil(Some(t), plus(60)), Some(1));
    assert_eq!(span_minutes_ceil(Some(t), plus(-30)), Some(0), "DevLake rounds up first");
    assert_eq!(span_minutes_ceil(Some(t), plus(-61)), None);
    assert_eq!(span_minutes_ceil(None, plus(5)), None);

    let b2023 = Benchmark::dora_2023();
    assert_eq!(b2023.lead_time.classify(60.0), Tier::Elite);
    assert_eq!(b2023.lead_time.classify(3.0 * 24.0 * 60.0), Tier::High);
    assert_eq!(b2023.lead_time.classify(60.0 * 24.0 * 60.0), Tier::Low);
    let cfr = b2023.change_failure_rate.as_ref().expect("2023 has CFR tiers");
    assert_eq!(cfr.classify(0.12), Tier::Medium);
    assert_eq!(b2023.deployment_frequency.classify(10.0), Tier::Elite);
    // Medium is read off deployment days per month, not the weekly figure
    // (see `presets::frequency_tiers`).
    assert_eq!(b2023.frequency_basis[2], tl_engine::delivery::FrequencyBasis::DeployDaysPerMonth);
    let b2024 = Benchmark::dora_2024();
    assert!(b2024.change_failure_rate.is_none());
    assert_eq!(b2024.time_to_restore.classify(120.0), Tier::High);
    assert!(Benchmark::all().iter().all(|b| !b.source.is_empty()));

    let names: Vec<String> = presets().into_iter().map(|d| d.name).collect();
    assert_eq!(names, ["dora-2023", "devlake", "fourkeys"]);

    let pattern = NamePattern("deploy-*-prod".into());
    assert!(pattern.matches("deploy-api-prod"));
    assert!(pattern.matches("deploy--prod"));
    assert!(!pattern.matches("deploy-api-staging"));
    assert!(NamePattern("b?ild*".into()).matches("build"));
    assert!(!NamePattern("".into()).matches("x"));
    let mut definition = two_week_default();
    definition.deployment.name_pattern = Some(NamePattern("deploy-web".into()));
    let f = fixture(&definition);
    let events = DeliveryEvents { deployments: &f.deployments, commits: &[], pull_requests: &[], incidents: &[] };
    let keys = four_keys(&events, &definition, at("2024-03-18T00:00:00Z"), f.now);
    assert_eq!(keys.deployments, 1);
    assert_eq!(keys.change_failure_rate, Some(0.0));
    assert_eq!(keys.lead_time_minutes, None);
    assert_eq!(keys.tiers.lead_time, None);
    let c = cycle_times(&[], Statistic::Median, f.now, f.now);
    assert_eq!((c.pull_requests, c.cycle), (0, None));
}

// ---------------------------------------------------------------------------
// The indexed computation against the plain definitions it replaced: scan
// every deployment for every incident, and every event for every range.

mod against_plain_scans {
    use super::*;
    use proptest::prelude::*;

    const BASE: i64 = 1_710_000_000; // 2024-03-09, a Saturday

    fn minute(m: i64) -> Timestamp {
        Timestamp::from_second(BASE + m * 60).expect("in range")
    }

    /// Latest counted finish strictly before the incident (smallest id on
    /// a tie), or the first counted deployment shipping the root cause.
    fn plain_attribution(
        incident: &Incident,
        deployments: &[Deployment],
        definition: &MetricDefinition,
    ) -> Option<String> {
        let counted: Vec<&Deployment> =
            deployments.iter().filter(|d| definition.deployment.counts(d) && d.finished.is_some()).collect();
        let blamed = match &definition.attribution {
            Attribution::LastDeploymentBefore { same_service, within_minutes } => counted
                .iter()
                .filter(|d| !same_service || d.service == incident.service)
                .filter(|d| {
                    let finished = d.finished.expect("counted");
                    finished < incident.created
                        && within_minutes.is_none_or(|limit| {
                            (incident.created.as_millisecond() - finished.as_millisecond()) as f64 / 60_000.0
                                <= limit as f64
                        })
                })
                .max_by(|a, b| a.finished.cmp(&b.finished).then_with(|| b.id.cmp(&a.id))),
            Attribution::RootCauseCommit => incident.root_cause_commit.as_ref().and_then(|sha| {
                counted
                    .iter()
                    .filter(|d| d.commits.contains(sha))
                    .min_by(|a, b| (a.finished, &a.id).cmp(&(b.finished, &b.id)))
            }),
        };
        blamed.map(|d| d.id.clone())
    }

    fn events_strategy() -> impl Strategy<Value = (Vec<Deployment>, Vec<Commit>, Vec<Incident>)> {
        let deployment = (0..3usize, 0..40i64, 0..4usize, any::<bool>(), 0..6usize, 0..3usize).prop_map(
            |(service, finish_hour, id, success, first_commit, n_commits)| Deployment {
                id: format!("d{id}"),
                name: "deploy".into(),
                service: format!("s{service}"),
                scope_id: String::new(),
                environment: if id == 3 { "STAGING".into() } else { "PRODUCTION".into() },
                result: if success { RunResult::Success } else { RunResult::Failure },
                started: Some(minute(finish_hour * 60 - 5)),
                finished: Some(minute(finish_hour * 60)),
                commits: (first_commit..first_commit + n_commits).map(|c| format!("c{c}")).collect(),
            },
        );
        let commit = (0..8usize, 0..3usize, 0..2400i64).prop_map(|(sha, service, authored)| Commit {
            sha: format!("c{sha}"),
            service: format!("s{service}"),
            authored: Some(minute(authored)),
            deployed: None,
            deployment_id: None,
        });
        let incident = (0..3usize, 0..2400i64, proptest::option::of(0..600i64), proptest::option::of(0..8usize))
            .prop_map(|(service, created, resolved_after, cause)| Incident {
                id: format!("i{created}"),
                service: format!("s{service}"),
                created: minute(created),
                resolved: resolved_after.map(|m| minute(created + m)),
                severity: None,
                root_cause_commit: cause.map(|c| format!("c{c}")),
                deployment_id: None,
            });
        (
            proptest::collection::vec(deployment, 0..12),
            proptest::collection::vec(commit, 0..10),
            proptest::collection::vec(incident, 0..8),
        )
    }

    fn definitions() -> Vec<MetricDefinition> {
        let mut out = presets();
        let mut limited = presets().remove(0);
        limited.attribution = Attribution::LastDeploymentBefore { same_service: true, within_minutes: Some(300) };
        out.push(limited);
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn attribution_and_keys_match_plain_scans((deployments, mut commits, incidents) in events_strategy()) {
            for definition in definitions() {
                let mut attributed = incidents.clone();
                tl_engine::delivery::attribute_incidents(&mut attributed, &deployments, &definition);
                for (plain, fast) in incidents.iter().zip(&attributed) {
                    prop_assert_eq!(plain_attribution(plain, &deployments, &definition), fast.deployment_id.clone());
                }
                link_changes(&mut commits, &mut [], &deployments, &definition.deployment);
                let events = DeliveryEvents { deployments: &deployments, commits: &commits, pull_requests: &[], incidents: &attributed };
                let blamed: std::collections::BTreeSet<&str> =
                    attributed.iter().filter_map(|i| i.deployment_id.as_deref()).collect();
                // Ranges with edges on, between and around event times.
                for (from, to) in [(0, 2400), (60, 61), (600, 1200), (-100, 5000), (1200, 600)] {
                    let (start, end) = (minute(from), minute(to));
                    let keys = four_keys(&events, &definition, start, end);
                    let inside = |t: Option<Timestamp>| t.is_some_and(|t| start <= t && t < end);
                    let counted: Vec<&Deployment> = deployments
                        .iter()
                        .filter(|d| definition.deployment.counts(d) && inside(d.finished))
                        .collect();
                    prop_assert_eq!(keys.deployments, counted.len());
                    prop_assert_eq!(keys.failed_deployments, counted.iter().filter(|d| blamed.contains(d.id.as_str())).count());
                    let restores = attributed
                        .iter()
                        .filter(|i| inside(Some(i.created)) && i.resolved.is_some_and(|r| r >= i.created))
                        .count();
                    prop_assert_eq!(keys.restore_samples, restores);
                    if definition.name == "fourkeys" {
                        // Nonnegative, and at least the minimum once rounded.
                        let long_enough = |(a, d): (Timestamp, Timestamp)| {
                            let minutes = (d.as_millisecond() - a.as_millisecond()) as f64 / 60_000.0;
                            d >= a
                                && definition.lead_time_rounding.apply(minutes)
                                    >= definition.lead_time_minimum_minutes as f64
                        };
                        let leads = commits
                            .iter()
                            .filter(|c| inside(c.deployed) && c.authored.zip(c.deployed).is_some_and(long_enough))
                            .count();
                        prop_assert_eq!(keys.lead_time_samples, leads);
                    }
                }
                // A report's groups and periods are the same computation
                // over each group's events and each period's range.
                let now = minute(2400);
                let report = report(&events, &definition, now, GroupBy::Service);
                for week in &report.weeks {
                    prop_assert_eq!(&week.overall, &four_keys(&events, &definition, week.start, week.end));
                    for (service, keys) in &week.groups {
                        let own = |s: &str| s == service;
                        let d: Vec<Deployment> = deployments.iter().filter(|d| own(&d.service)).cloned().collect();
                        let c: Vec<Commit> = commits.iter().filter(|c| own(&c.service)).cloned().collect();
                        let i: Vec<Incident> = attributed.iter().filter(|i| own(&i.service)).cloned().collect();
                        let group = DeliveryEvents { deployments: &d, commits: &c, pull_requests: &[], incidents: &i };
                        prop_assert_eq!(keys, &four_keys(&group, &definition, week.start, week.end));
                    }
                }
            }
        }
    }
}
