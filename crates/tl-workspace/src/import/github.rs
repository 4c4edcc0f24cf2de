//! GitHub pull requests and issues as JSON, in the two shapes people have:
//!
//! - what the `gh` CLI prints, camelCase:
//!   `gh pr list --state all --json number,title,url,createdAt,mergedAt,closedAt,author,labels,reviews,mergeCommit,headRefName,baseRefName,commits`
//!   and `gh issue list --state all --json number,title,url,state,createdAt,closedAt,author,assignees,labels,milestone`;
//! - what the REST API returns, snake_case: `GET /repos/{owner}/{repo}/pulls?state=all`
//!   (`number`, `created_at`, `merged_at`, `merge_commit_sha`, `user.login`,
//!   `labels[].name`, `base.repo.full_name`, `html_url`) and
//!   `GET /repos/{owner}/{repo}/issues?state=all` (`closed_at`, `state`,
//!   `assignee.login`, `milestone.title`).
//!
//! The text may be one array, one object, several arrays one after another
//! (`gh api --paginate`) or an array of arrays (`gh api --paginate --slurp`).
//!
//! An object is a pull request when it has any of the pull-request fields
//! (`mergedAt`, `mergeCommit`, `headRefName`, `baseRefName`, `reviews`,
//! `commits`, `isDraft` from gh; `merged_at`, `merge_commit_sha`, `head`,
//! `base` from REST); otherwise it is an issue. An object from the REST
//! issues list that carries `pull_request` is skipped: GitHub lists pull
//! requests there too, without their merge data; import them from `pulls`.
//!
//! Pull requests become engine [`PullRequest`] events with the id
//! `owner/repo#number`; the first review is the earliest submitted review by
//! someone other than the author (`reviews`, when present: gh gives them,
//! REST needs a separate call per pull request); the first commit is the
//! earliest `authoredDate` of `commits`. REST's `merge_commit_sha` is kept
//! only for merged pull requests, since for open ones it is GitHub's test
//! merge. Issues become [`WorkItem`]s keyed `owner/repo#number`.

use jiff::Timestamp;
use serde_json::Value;
use tl_engine::delivery::PullRequest;

use super::mapping::Facts;
use super::{Collector, ImportError, ImportOptions, Imported, Outcome, WorkItem, time};

const FORMAT: &str = "GitHub JSON";

const PR_KEYS: &[&str] = &[
    "mergedAt",
    "mergeCommit",
    "headRefName",
    "baseRefName",
    "reviews",
    "commits",
    "isDraft",
    "merged_at",
    "merge_commit_sha",
    "head",
    "base",
];

/// Reads GitHub pull requests and issues from `gh` or REST JSON.
pub fn github_json(text: &str, options: &ImportOptions) -> Result<Imported, ImportError> {
    let objects = elements(text)?;
    let mut c = Collector::new(FORMAT);
    let mut out = Imported {
        work_items: Vec::new(),
        pull_requests: Vec::new(),
        incidents: Vec::new(),
        report: Default::default(),
    };
    for (line, value) in objects {
        c.report.read += 1;
        let Value::Object(obj) = &value else {
            c.reject(line, format!("expected a pull request or issue object, found {}", kind(&value)));
            continue;
        };
        if obj.contains_key("pull_request") {
            c.note(
                line,
                Outcome::Skipped,
                format!("#{} is a pull request in an issues list; import it from the pulls list", number_text(&value)),
            );
            continue;
        }
        let result = if PR_KEYS.iter().any(|k| obj.contains_key(*k)) {
            pull_request(&value, options).map(|(pr, labels)| {
                if !c.first(&pr.id, line, "pull request") {
                    return;
                }
                let repo = pr.repo_id.clone();
                let facts =
                    Facts { labels: &labels, repository: Some(&repo), service: Some(&repo), ..Facts::default() };
                let assignment = options.mappings.assign(&facts);
                out.pull_requests.push(c.item(line, pr, assignment));
            })
        } else {
            issue(&value, options).map(|item| {
                if !c.first(&item.key, line, "issue") {
                    return;
                }
                let facts = Facts { labels: &item.labels, repository: item.repository.as_deref(), ..Facts::default() };
                let assignment = options.mappings.assign(&facts);
                out.work_items.push(c.item(line, item, assignment));
            })
        };
        if let Err(message) = result {
            c.reject(line, message);
        }
    }
    out.report = c.finish();
    Ok(out)
}

/// The first of several field names that is present and not null.
fn field<'v>(v: &'v Value, names: &[&str]) -> Option<&'v Value> {
    names.iter().find_map(|n| v.get(n)).filter(|x| !x.is_null())
}

fn string(v: &Value, names: &[&str]) -> Option<String> {
    field(v, names).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

fn login(v: &Value, names: &[&str]) -> Option<String> {
    field(v, names).and_then(|u| u.get("login")).and_then(Value::as_str).map(str::to_string)
}

fn number_text(v: &Value) -> String {
    v.get("number").map(|n| n.to_string()).unwrap_or_else(|| "?".into())
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A time field: `Ok(None)` when absent or null.
fn time_field(v: &Value, names: &[&str], options: &ImportOptions) -> Result<Option<Timestamp>, String> {
    let Some(x) = field(v, names) else { return Ok(None) };
    let parsed = x.as_str().and_then(|s| time::parse(s, options.utc_offset, options.date_order));
    match parsed {
        Some(t) => Ok(Some(t)),
        None => Err(format!("{} {x} is not a date", names[0])),
    }
}

fn labels(v: &Value) -> Vec<String> {
    let Some(Value::Array(items)) = field(v, &["labels"]) else { return Vec::new() };
    items
        .iter()
        .filter_map(|l| match l {
            Value::String(s) => Some(s.clone()),
            _ => l.get("name").and_then(Value::as_str).map(str::to_string),
        })
        .collect()
}

/// `owner/repo` from the options, or from the object's URLs or base repository.
fn repository(v: &Value, options: &ImportOptions) -> Result<String, String> {
    if let Some(repo) = &options.repository {
        return Ok(repo.clone());
    }
    if let Some(full) = v.pointer("/base/repo/full_name").and_then(Value::as_str) {
        return Ok(full.to_string());
    }
    for (name, prefix) in [
        ("url", "https://github.com/"),
        ("html_url", "https://github.com/"),
        ("repository_url", "https://api.github.com/repos/"),
    ] {
        if let Some(url) = string(v, &[name])
            && let Some(rest) = url.strip_prefix(prefix)
        {
            let mut parts = rest.split('/');
            if let (Some(owner), Some(repo)) = (parts.next(), parts.next())
                && !owner.is_empty()
                && !repo.is_empty()
            {
                return Ok(format!("{owner}/{repo}"));
            }
        }
    }
    Err("no repository: add `url` to gh's --json fields, or name the repository in the import options".into())
}

fn number(v: &Value) -> Result<u64, String> {
    match v.get("number") {
        Some(n) => n.as_u64().ok_or_else(|| format!("number {n} is not a pull request or issue number")),
        None => Err("no `number`".into()),
    }
}

fn created(v: &Value, options: &ImportOptions) -> Result<Timestamp, String> {
    time_field(v, &["createdAt", "created_at"], options)?.ok_or_else(|| "no createdAt (or created_at)".to_string())
}

fn pull_request(v: &Value, options: &ImportOptions) -> Result<(PullRequest, Vec<String>), String> {
    let number = number(v)?;
    let repo = repository(v, options)?;
    let id = format!("{repo}#{number}");
    let created = created(v, options).map_err(|m| format!("{id}: {m}"))?;
    let merged = time_field(v, &["mergedAt", "merged_at"], options).map_err(|m| format!("{id}: {m}"))?;
    if let Some(m) = merged
        && m < created
    {
        return Err(format!("{id}: mergedAt {m} is before createdAt {created}"));
    }
    let author = login(v, &["author", "user"]).unwrap_or_default();
    let merge_commit_sha = match v.get("mergeCommit") {
        Some(m) if !m.is_null() => m.get("oid").and_then(Value::as_str).map(str::to_string),
        _ => merged.and(string(v, &["merge_commit_sha"])),
    };
    let mut first_commit: Option<(String, Timestamp)> = None;
    if let Some(Value::Array(commits)) = field(v, &["commits"]) {
        for commit in commits {
            let sha = string(commit, &["oid", "sha"]);
            let at = time_field(commit, &["authoredDate"], options).map_err(|m| format!("{id}: commit {m}"))?;
            if let (Some(sha), Some(at)) = (sha, at)
                && first_commit.as_ref().is_none_or(|(_, t)| at < *t)
            {
                first_commit = Some((sha, at));
            }
        }
    }
    let mut first_review: Option<(String, Timestamp)> = None;
    if let Some(Value::Array(reviews)) = field(v, &["reviews"]) {
        for review in reviews {
            let reviewer = login(review, &["author", "user"]).unwrap_or_default();
            if !author.is_empty() && reviewer == author {
                continue;
            }
            // A pending review has no submission time yet.
            let Some(at) = time_field(review, &["submittedAt", "submitted_at"], options)
                .map_err(|m| format!("{id}: review {m}"))?
            else {
                continue;
            };
            let review_id = match field(review, &["id"]) {
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => format!("{reviewer}@{at}"),
            };
            if first_review.as_ref().is_none_or(|(_, t)| at < *t) {
                first_review = Some((review_id, at));
            }
        }
    }
    let pr = PullRequest {
        id,
        repo_id: repo.clone(),
        service: repo,
        author,
        created,
        merged,
        merge_commit_sha,
        first_commit,
        first_review,
        deployed: None,
        deployment_id: None,
    };
    Ok((pr, labels(v)))
}

fn issue(v: &Value, options: &ImportOptions) -> Result<WorkItem, String> {
    let number = number(v)?;
    let repo = repository(v, options)?;
    let key = format!("{repo}#{number}");
    let created = created(v, options).map_err(|m| format!("{key}: {m}"))?;
    let resolved = time_field(v, &["closedAt", "closed_at"], options).map_err(|m| format!("{key}: {m}"))?;
    if let Some(r) = resolved
        && r < created
    {
        return Err(format!("{key}: closedAt {r} is before createdAt {created}"));
    }
    let updated = time_field(v, &["updatedAt", "updated_at"], options).map_err(|m| format!("{key}: {m}"))?;
    let assignee = login(v, &["assignee"]).or_else(|| {
        field(v, &["assignees"])
            .and_then(|a| a.get(0))
            .and_then(|u| u.get("login"))
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    let milestone = field(v, &["milestone"]).and_then(|m| m.get("title")).and_then(Value::as_str).map(str::to_string);
    Ok(WorkItem {
        key,
        source_id: field(v, &["id"]).map(|id| id.as_str().map(str::to_string).unwrap_or_else(|| id.to_string())),
        kind: "issue".into(),
        status: string(v, &["state"]).map(|s| s.to_ascii_lowercase()).unwrap_or_default(),
        summary: string(v, &["title"]).unwrap_or_default(),
        created,
        resolved,
        updated,
        labels: labels(v),
        components: Vec::new(),
        sprints: Vec::new(),
        fix_versions: milestone.into_iter().collect(),
        epic: None,
        parent: None,
        priority: None,
        assignee,
        reporter: login(v, &["author", "user"]),
        repository: Some(repo),
    })
}

/// The objects of the text with the line each starts on.
fn elements(text: &str) -> Result<Vec<(u32, Value)>, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let malformed = |e: serde_json::Error| ImportError::Malformed {
        format: FORMAT.into(),
        line: e.line() as u32,
        column: e.column() as u32,
        message: e.to_string().split(" at line ").next().unwrap_or_default().to_string(),
    };
    let mut values = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    let mut start = 0;
    while let Some(next) = stream.next() {
        let value = next.map_err(malformed)?;
        let end = stream.byte_offset();
        let at = start + text[start..end].len() - text[start..end].trim_start().len();
        values.push((at, value));
        start = end;
    }
    if values.is_empty() {
        return Err(ImportError::NotThisFormat {
            format: FORMAT.into(),
            line: 1,
            message: "the file is empty; expected a JSON list of pull requests or issues".into(),
        });
    }
    let mut out = Vec::new();
    let mut lines = LineCounter::new(text);
    for (at, value) in values {
        match value {
            Value::Array(items) => {
                let starts = element_starts(text, at);
                for (i, item) in items.into_iter().enumerate() {
                    let item_at = starts.get(i).copied().unwrap_or(at);
                    if let Value::Array(inner) = item {
                        // `--slurp`: a list of pages.
                        let inner_starts = element_starts(text, item_at);
                        for (j, x) in inner.into_iter().enumerate() {
                            out.push((lines.line(inner_starts.get(j).copied().unwrap_or(item_at)), x));
                        }
                    } else {
                        out.push((lines.line(item_at), item));
                    }
                }
            }
            Value::Object(_) => out.push((lines.line(at), value)),
            other => {
                return Err(ImportError::NotThisFormat {
                    format: FORMAT.into(),
                    line: lines.line(at),
                    message: format!("expected a list of pull requests or issues, found {}", kind(&other)),
                });
            }
        }
    }
    Ok(out)
}

/// The byte offsets where the elements of the JSON array at `at` start. The
/// text was already parsed, so this only has to track strings and nesting.
fn element_starts(text: &str, at: usize) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    if bytes.get(at) != Some(&b'[') {
        return out;
    }
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut expecting = true;
    for (i, &b) in bytes.iter().enumerate().skip(at) {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        if depth == 1 && expecting && !b.is_ascii_whitespace() && b != b']' {
            out.push(i);
            expecting = false;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            b',' if depth == 1 => expecting = true,
            _ => {}
        }
    }
    out
}

/// Byte offsets to 1-based lines, for increasing offsets.
struct LineCounter<'t> {
    text: &'t str,
    offset: usize,
    line: u32,
}

impl<'t> LineCounter<'t> {
    fn new(text: &'t str) -> Self {
        LineCounter { text, offset: 0, line: 1 }
    }

    fn line(&mut self, at: usize) -> u32 {
        if at < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        self.line += self.text.as_bytes()[self.offset..at].iter().filter(|&&b| b == b'\n').count() as u32;
        self.offset = at;
        self.line
    }
}
