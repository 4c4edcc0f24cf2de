//! End-to-end tests of the binary: exit codes, output formats, help text.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod import;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn fixtures() -> PathBuf {
    repo().join("crates/tl-workspace/tests/fixtures")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_throughline"))
        .args(args)
        .current_dir(repo())
        .env_remove("NO_COLOR")
        .output()
        .expect("run throughline")
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exit code")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("throughline-it-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn check_exit_codes_are_0_1_and_2() {
    let clean = run(&["check", "examples/acme"]);
    assert_eq!(code(&clean), 0, "{}", stdout(&clean));

    let broken = fixtures().join("broken");
    let errors = run(&["check", broken.to_str().unwrap()]);
    assert_eq!(code(&errors), 1, "{}", stdout(&errors));

    let syntax = fixtures().join("rules/yaml-syntax/input");
    let unreadable = run(&["check", syntax.to_str().unwrap()]);
    assert_eq!(code(&unreadable), 2, "{}", stdout(&unreadable));

    let missing = run(&["check", "does/not/exist"]);
    assert_eq!(code(&missing), 2);
    assert!(stdout(&missing).contains("io-error"));
}

#[test]
fn piped_output_has_no_colour() {
    let out = run(&["check", fixtures().join("broken").to_str().unwrap()]);
    assert!(!stdout(&out).contains('\x1b'), "escape codes in piped output");
    assert!(stdout(&out).contains("error["), "human output names the severity and rule");
}

#[test]
fn json_and_github_formats() {
    let broken = fixtures().join("broken");
    let out = run(&["check", broken.to_str().unwrap(), "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("valid JSON");
    let diags = doc["diagnostics"].as_array().unwrap();
    assert!(!diags.is_empty());
    assert!(diags.iter().all(|d| d["rule"].is_string() && d["severity"].is_string() && d["message"].is_string()));
    assert!(doc["summary"]["errors"].as_u64().unwrap() > 0);

    let out = run(&["check", broken.to_str().unwrap(), "--format", "github"]);
    let text = stdout(&out);
    assert!(
        text.lines().all(|l| l.starts_with("::error ") || l.starts_with("::warning ") || l.starts_with("::notice ")),
        "{text}"
    );
    assert!(text.contains(",line="));
}

#[test]
fn score_ranks_with_robustness() {
    let out = run(&["score", "examples/acme", "--format", "json"]);
    assert_eq!(code(&out), 0);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let ranking = doc["ranking"].as_array().unwrap();
    assert!(ranking.len() >= 35);
    let mut last = 0.0f64;
    for (i, r) in ranking.iter().enumerate() {
        let score = r["score"].as_f64().unwrap();
        if i > 0 {
            assert!(score <= last + 1e-9, "ranking is sorted by score");
        }
        last = score;
        let (best, rank, worst) =
            (r["best_rank"].as_u64().unwrap(), r["rank"].as_u64().unwrap(), r["worst_rank"].as_u64().unwrap());
        assert!(best <= rank && rank <= worst);
        let sum: f64 = r["contributions"].as_object().unwrap().values().map(|v| v.as_f64().unwrap()).sum();
        assert!((sum - score).abs() < 0.01, "contributions add up to the score");
    }
    let human = run(&["score", "examples/acme", "--top", "5"]);
    assert!(stdout(&human).contains("robustness"));
}

#[test]
fn score_refuses_a_plan_with_errors() {
    let dir = fixtures().join("rules/unknown-reference/input");
    let out = run(&["score", dir.to_str().unwrap()]);
    assert_eq!(code(&out), 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot score"));
}

#[test]
fn explain_known_and_unknown_rules() {
    let out = run(&["explain", "kr-time-bound"]);
    assert_eq!(code(&out), 0);
    assert!(stdout(&out).contains("kr-time-bound"));
    let out = run(&["explain", "kr-time-bond"]);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("Did you mean `kr-time-bound`?"));
    let list = run(&["explain", "--list"]);
    assert_eq!(stdout(&list).lines().count(), tl_engine::rules::RULES.len());
}

#[test]
fn init_creates_a_clean_workspace_and_refuses_to_overwrite() {
    let dir = temp_dir("init");
    let out = run(&["init", dir.to_str().unwrap()]);
    assert_eq!(code(&out), 0);
    let check = run(&["check", dir.to_str().unwrap()]);
    assert_eq!(code(&check), 0);
    assert_eq!(stdout(&check).trim(), "no problems found", "the starter workspace is clean");
    let again = run(&["init", dir.to_str().unwrap()]);
    assert_eq!(code(&again), 2, "init does not overwrite without --force");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn gen_writes_a_valid_workspace() {
    let dir = temp_dir("gen");
    let out = run(&["gen", "--teams", "10", "--initiatives", "100", "--out", dir.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let check = run(&["check", dir.to_str().unwrap()]);
    assert_eq!(code(&check), 0, "{}", stdout(&check));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn help_text_is_current() {
    let mut text = String::new();
    for cmd in [
        &[][..],
        &["init"],
        &["check"],
        &["score"],
        &["explain"],
        &["gen"],
        &["plan"],
        &["schedule"],
        &["forecast"],
        &["schema"],
        &["apply"],
        &["export"],
        &["serve"],
        &["demo"],
        &["ingest", "git"],
        &["import"],
    ] {
        let mut args: Vec<&str> = cmd.to_vec();
        args.push("--help");
        let out = run(&args);
        text.push_str(&format!("$ throughline {}\n{}\n", args.join(" "), stdout(&out)));
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/help.txt");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(&path).unwrap_or_default(),
        text,
        "help changed; rerun with UPDATE_EXPECT=1 and review"
    );
}

/// Compares `text` with `tests/snapshots/NAME`; `UPDATE_EXPECT=1` rewrites it.
fn expect_snapshot(name: &str, text: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots").join(name);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(expected == text, "{} changed; rerun with UPDATE_EXPECT=1 and review the diff", path.display());
}

#[test]
fn schedule_of_the_example_organisation() {
    let out = run(&["schedule", "examples/acme"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    expect_snapshot("schedule-acme.txt", &stdout(&out));
    let csv = run(&["schedule", "examples/acme", "--format", "csv"]);
    let text = stdout(&csv);
    assert!(text.starts_with("id,initiative,team,start,finish,slack_days,critical,due,late_days\n"));
    assert_eq!(text.lines().count(), 78, "one row per milestone of acme, plus the header");
    let svg_path = temp_dir("gantt.svg");
    let svg = run(&["schedule", "examples/acme", "--svg", svg_path.to_str().unwrap(), "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&svg)).unwrap();
    assert!(doc["makespan_days"].as_u64().unwrap() >= doc["lower_bound_days"].as_u64().unwrap());
    let gantt = std::fs::read_to_string(&svg_path).unwrap();
    assert!(gantt.starts_with("<svg") && gantt.contains("<rect"), "a Gantt chart was written");
    std::fs::remove_file(svg_path).unwrap();
}

#[test]
fn forecast_of_the_example_organisation_is_reproducible() {
    let args = ["forecast", "examples/acme", "--samples", "2000", "--seed", "7"];
    let out = run(&args);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    expect_snapshot("forecast-acme.txt", &stdout(&out));
    let again = run(&args);
    assert_eq!(stdout(&again), stdout(&out), "the same seed gives the same numbers");
    let json = run(&["forecast", "examples/acme", "--samples", "500", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    for row in doc["rows"].as_array().unwrap() {
        let (p50, p85, p95) =
            (row["p50"].as_str().unwrap(), row["p85"].as_str().unwrap(), row["p95"].as_str().unwrap());
        assert!(p50 <= p85 && p85 <= p95, "quantiles are ordered: {row}");
    }
}

#[test]
fn plan_of_the_example_organisation_with_a_scenario() {
    let out = run(&["plan", "examples/acme", "--what-if", "shock:mobile=-30", "--what-if", "without:kwame-mensah"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    expect_snapshot("plan-acme.txt", &stdout(&out));
    let json = run(&["plan", "examples/acme", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert!(doc["value"].as_f64().unwrap() <= doc["bound"].as_f64().unwrap() + 1e-9);
    assert!(doc["value"].as_f64().unwrap() >= doc["greedy_value"].as_f64().unwrap() - 1e-9);
    for item in doc["initiatives"].as_array().unwrap() {
        let selected = item["selected"].as_bool().unwrap();
        assert_eq!(selected, item["reason"].is_null(), "every initiative left out has a reason: {item}");
    }
    let bad = run(&["plan", "examples/acme", "--what-if", "without:nobody"]);
    assert_eq!(code(&bad), 2, "an unknown person in a what-if is a usage error");
}
