//! Workspace delivery definitions resolved against the presets: inheritance
//! along `extends`, overrides, and where each field came from; and bound
//! metrics evaluated on a small event set computed by hand.

use jiff::Timestamp;
use tl_engine::Loc;
use tl_engine::delivery::measure::{convert, evaluate};
use tl_engine::delivery::{
    Attribution, DeliveryEvents, Deployment, DeploymentFrequencyStat, Incident, Origin, PullRequest, RunResult,
    Statistic, attribute_incidents, preset, resolve_definitions,
};
use tl_engine::diag::FileId;
use tl_engine::model::*;

fn loc(line: u32) -> Loc {
    Loc { file: FileId(0), line, col: 3 }
}

fn spec(id: &str, extends: Option<&str>) -> DeliveryDefinition {
    DeliveryDefinition {
        id: Id(id.into()),
        extends: extends.map(|e| Ref { id: Id(e.into()), loc: loc(1) }),
        description: None,
        environment: None,
        results: Vec::new(),
        pattern: None,
        lead_time_start: None,
        lead_time_end: None,
        lead_time_statistic: None,
        lead_time_minimum_minutes: None,
        lead_time_rounding: None,
        restore_statistic: None,
        restore_rounding: None,
        frequency: None,
        frequency_statistic: None,
        week_start: None,
        window_days: None,
        window_months: None,
        attribution: None,
        benchmark: None,
        fields: Vec::new(),
        loc: loc(1),
    }
}

#[test]
fn a_chain_inherits_and_overrides_field_by_field() {
    let mut base = spec("org", Some("devlake"));
    base.environment = Some("production".into());
    base.window_days = Some(28);
    base.fields = vec![("deployment.environment", loc(4)), ("window", loc(5))];
    let mut tail = spec("org-p75", Some("org"));
    tail.lead_time_statistic = Some(StatisticName::P75);
    tail.attribution = Some(AttributionSpec {
        rule: AttributionRule::LastDeploymentBefore,
        scope: Some(AttributionScope::Service),
        within_minutes: Some(120),
        loc: loc(12),
    });
    tail.fields = vec![("lead_time.statistic", loc(11)), ("attribution", loc(12))];
    // Listed before its parent: resolution follows `extends`, not file order.
    let (resolved, diags) = resolve_definitions(&[tail, base]);
    assert!(diags.is_empty(), "{diags:?}");
    let names: Vec<&str> = resolved.iter().map(|r| r.name()).collect();
    assert_eq!(names, ["dora-2023", "devlake", "fourkeys", "org-p75", "org"]);

    let r = resolved.iter().find(|r| r.name() == "org-p75").unwrap();
    let devlake = preset("devlake").unwrap();
    let d = &r.definition;
    assert_eq!(r.extends.as_deref(), Some("org"));
    assert_eq!(d.deployment.environment.as_deref(), Some("production"));
    assert_eq!(d.window, tl_engine::delivery::Window::Days(28));
    assert_eq!(d.lead_time_statistic, Statistic::P75);
    // Inherited from devlake, untouched by either file.
    assert_eq!(d.restore_statistic, devlake.restore_statistic);
    assert_eq!(d.frequency_statistic, DeploymentFrequencyStat::MedianDeployDaysPerWeek);
    assert_eq!(d.attribution, Attribution::LastDeploymentBefore { same_service: true, within_minutes: Some(120) });
    assert_eq!(r.origin("window"), Some(&Origin::File(loc(5))));
    assert_eq!(r.origin("lead_time.statistic"), Some(&Origin::File(loc(11))));
    assert_eq!(r.origin("restore_statistic"), Some(&Origin::Preset("devlake".into())));
}

#[test]
fn no_extends_means_the_default_preset_and_star_means_any_environment() {
    let mut s = spec("any-env", None);
    s.environment = Some("*".into());
    s.results = vec!["success".into(), "failure".into()];
    let (resolved, diags) = resolve_definitions(&[s]);
    assert!(diags.is_empty());
    let r = resolved.last().unwrap();
    assert_eq!(r.extends.as_deref(), Some("dora-2023"));
    assert_eq!(r.definition.deployment.environment, None);
    assert_eq!(r.definition.deployment.results, [RunResult::Success, RunResult::Failure]);
}

#[test]
fn a_definition_may_not_take_a_preset_name() {
    let (_, diags) = resolve_definitions(&[spec("fourkeys", Some("devlake"))]);
    assert_eq!(diags.iter().map(|d| d.rule).collect::<Vec<_>>(), ["duplicate-id"]);
}

fn t(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn deployment(id: &str, finished: &str, commits: &[&str]) -> Deployment {
    Deployment {
        id: id.into(),
        name: "deploy".into(),
        service: "api".into(),
        scope_id: "api".into(),
        environment: "production".into(),
        result: RunResult::Success,
        started: Some(t(finished)),
        finished: Some(t(finished)),
        commits: commits.iter().map(|c| c.to_string()).collect(),
    }
}

fn pr(id: &str, first_commit: &str, created: &str, review: &str, merged: &str, deployed: &str) -> PullRequest {
    PullRequest {
        id: id.into(),
        repo_id: "api".into(),
        service: "api".into(),
        author: "ana".into(),
        created: t(created),
        merged: Some(t(merged)),
        merge_commit_sha: Some(format!("m-{id}")),
        first_commit: Some((format!("c-{id}"), t(first_commit))),
        first_review: Some(("r".into(), t(review))),
        deployed: Some(t(deployed)),
        deployment_id: None,
    }
}

#[test]
fn bound_keys_evaluate_to_hand_computed_values() {
    let mut s = spec("prod", None);
    s.environment = Some("production".into());
    let (resolved, _) = resolve_definitions(&[s]);
    let def = &resolved.last().unwrap().definition;
    let deployments = [
        deployment("d1", "2027-01-05T10:00:00Z", &["m-1"]),
        deployment("d2", "2027-01-06T10:00:00Z", &["m-2"]),
        deployment("d3", "2027-01-08T10:00:00Z", &["m-3"]),
    ];
    // Lead times (first commit to deployed): 24 h, 48 h, 6 h; median 24 h.
    // Review velocity (created to merged): 4 h, 10 h, 2 h; median 4 h.
    let prs = [
        pr(
            "1",
            "2027-01-04T10:00:00Z",
            "2027-01-04T12:00:00Z",
            "2027-01-04T13:00:00Z",
            "2027-01-04T16:00:00Z",
            "2027-01-05T10:00:00Z",
        ),
        pr(
            "2",
            "2027-01-04T10:00:00Z",
            "2027-01-05T08:00:00Z",
            "2027-01-05T12:00:00Z",
            "2027-01-05T18:00:00Z",
            "2027-01-06T10:00:00Z",
        ),
        pr(
            "3",
            "2027-01-08T04:00:00Z",
            "2027-01-08T05:00:00Z",
            "2027-01-08T06:00:00Z",
            "2027-01-08T07:00:00Z",
            "2027-01-08T10:00:00Z",
        ),
    ];
    // One incident an hour after d2, resolved after 90 minutes: d2 failed.
    let mut incidents = [Incident {
        id: "i1".into(),
        service: "api".into(),
        created: t("2027-01-06T11:00:00Z"),
        resolved: Some(t("2027-01-06T12:30:00Z")),
        severity: None,
        root_cause_commit: None,
        deployment_id: None,
    }];
    attribute_incidents(&mut incidents, &deployments, def);
    assert_eq!(incidents[0].deployment_id.as_deref(), Some("d2"));
    let events = DeliveryEvents { deployments: &deployments, commits: &[], pull_requests: &prs, incidents: &incidents };
    let (start, end) = (t("2027-01-04T00:00:00Z"), t("2027-01-11T00:00:00Z"));
    let value = |key| evaluate(key, &events, def, start, end);
    assert_eq!(value(DeliveryKey::DeploymentFrequency), Some(3.0));
    assert_eq!(value(DeliveryKey::LeadTime).map(|m| convert(m, MeasureUnit::Hours)), Some(24.0));
    let cfr = value(DeliveryKey::ChangeFailureRate).map(|f| convert(f, MeasureUnit::Percent));
    assert!(cfr.is_some_and(|p| (p - 100.0 / 3.0).abs() < 1e-9), "{cfr:?}");
    assert_eq!(value(DeliveryKey::TimeToRestore), Some(90.0));
    assert_eq!(value(DeliveryKey::ReviewVelocity).map(|m| convert(m, MeasureUnit::Hours)), Some(4.0));
    // Pickup (created to first review): 1 h, 4 h, 1 h; median 1 h.
    assert_eq!(value(DeliveryKey::PickupTime), Some(60.0));
    // Only production counts: the same runs to staging measure nothing.
    let staging: Vec<Deployment> = deployments
        .iter()
        .cloned()
        .map(|mut d| {
            d.environment = "staging".into();
            d
        })
        .collect();
    let events = DeliveryEvents { deployments: &staging, ..events };
    assert_eq!(evaluate(DeliveryKey::DeploymentFrequency, &events, def, start, end), Some(0.0));
    assert_eq!(evaluate(DeliveryKey::ChangeFailureRate, &events, def, start, end), None);
}
