//! `throughline ingest git`: read a local repository with gix and record its
//! commits, deployments and lead times as delivery events.

use crate::Outcome;
use crate::output::Format;
use anyhow::Context;
use gix::objs::Find as _;
use indicatif::{ProgressBar, ProgressStyle};
use jiff::Timestamp;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use tl_app::ingest::{
    DeploySource, GitCommit, GitCursor, GitIngestOptions, GitIngestReport, GitIngestSummary, GitRefs, ReleaseTag,
    glob_matches, load_git_cursor, unseen_commits, walk_git,
};
use tl_app::open_store;
use tl_store::EventBatch;

/// Ingest delivery events from a source into the database.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub source: Source,
}

#[derive(clap::Subcommand)]
pub enum Source {
    Git(GitArgs),
}

/// Read a local git repository: commits, deployments and lead times.
///
/// Deployments are the tags matching `--tags` (default `v*`; an annotated
/// tag deploys at its tagger time, a lightweight one at its commit's time), or
/// the first-parent commits of `--deploy-branch`. A commit is deployed by the
/// first deployment that has it in its history, merges included; its lead
/// time runs from its author time to that deployment. Incremental: a cursor
/// per repository, service and rule is stored with the events, so re-running
/// reads only what is new. Exit 2 if the repository or database cannot be
/// used.
#[derive(clap::Args)]
pub struct GitArgs {
    /// The repository (its working tree or .git folder).
    pub path: PathBuf,
    /// The database: a file path, sqlite://PATH or postgres://USER@HOST/DB.
    #[arg(long, env = "THROUGHLINE_DATABASE_URL", default_value = tl_app::DEFAULT_DATABASE_URL, hide_env_values = true)]
    pub database_url: String,
    /// The service the events belong to (default: the repository's folder name).
    #[arg(long)]
    pub service: Option<String>,
    /// Tags that are deployments, as a glob (`*`, `?`).
    #[arg(long, value_name = "PATTERN", conflicts_with = "deploy_branch")]
    pub tags: Option<String>,
    /// Every first-parent commit of this branch is a deployment.
    #[arg(long, value_name = "BRANCH")]
    pub deploy_branch: Option<String>,
    /// The environment recorded on the deployments.
    #[arg(long, default_value = tl_engine::delivery::PRODUCTION)]
    pub environment: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    match args.source {
        Source::Git(args) => run_git(args),
    }
}

fn run_git(args: GitArgs) -> anyhow::Result<Outcome> {
    let repo = match gix::open(&args.path) {
        Ok(repo) => repo,
        Err(e) => {
            eprintln!("error: `{}` is not a git repository: {e}", args.path.display());
            return Ok(Outcome::Unreadable);
        }
    };
    let options = options_for(&repo, &args);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let result = runtime.block_on(async {
        let store = match open_store(Some(&args.database_url)).await {
            Ok(store) => store,
            Err(e) => return Ok(Err(e)),
        };
        let report = ingest_repository(&store, &repo, &options, progress_bar()).await;
        store.close().await;
        report.map(Ok)
    });
    match result {
        Ok(Ok(report)) => {
            print_report(&report, &options, args.format);
            Ok(Outcome::Clean)
        }
        Ok(Err(e)) => {
            eprintln!("error: cannot use the database: {e}");
            Ok(Outcome::Unreadable)
        }
        // A damaged repository, or a database that refused the events: one
        // transaction, so nothing of this run is recorded.
        Err(e) => {
            eprintln!("error: cannot ingest `{}`: {e:#}\nnothing was recorded", args.path.display());
            Ok(Outcome::Unreadable)
        }
    }
}

fn options_for(repo: &gix::Repository, args: &GitArgs) -> GitIngestOptions {
    let workdir = repo.workdir().unwrap_or_else(|| repo.git_dir());
    let repository = std::fs::canonicalize(workdir).unwrap_or_else(|_| workdir.to_path_buf());
    let service = args.service.clone().unwrap_or_else(|| folder_name(&repository));
    let source = match &args.deploy_branch {
        Some(name) => DeploySource::Branch { name: name.clone() },
        None => DeploySource::Tags { pattern: args.tags.clone().unwrap_or_else(|| "v*".into()) },
    };
    GitIngestOptions {
        repository: repository.display().to_string(),
        service,
        environment: args.environment.clone(),
        source,
    }
}

fn folder_name(path: &Path) -> String {
    path.file_name().map_or_else(|| "repository".into(), |n| n.to_string_lossy().trim_end_matches(".git").to_string())
}

/// A bar on a terminal, nothing when stderr is piped.
fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} {human_pos} commits ({per_sec})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message("reading");
    bar
}

/// Commits per part sent to the database while the repository is read.
const PART: usize = 4096;

/// Reads what is new since the stored cursor and records it with the next
/// cursor in one transaction. The repository is read on a thread of its own
/// and what it yields is written while the rest is read; a failure on
/// either side writes nothing.
pub async fn ingest_repository(
    store: &dyn tl_store::Store,
    repo: &gix::Repository,
    options: &GitIngestOptions,
    progress: ProgressBar,
) -> anyhow::Result<GitIngestReport> {
    ingest_in_parts(store, repo, options, progress, PART).await
}

/// [`ingest_repository`] with parts of about `part` commits.
async fn ingest_in_parts(
    store: &dyn tl_store::Store,
    repo: &gix::Repository,
    options: &GitIngestOptions,
    progress: ProgressBar,
    part: usize,
) -> anyhow::Result<GitIngestReport> {
    let cursor = load_git_cursor(store, options).await?;
    let (parts, mut received) = tokio::sync::mpsc::channel::<EventBatch>(2);
    let reader = {
        let (repo, options, progress) = (repo.clone(), options.clone(), progress.clone());
        tokio::task::spawn_blocking(move || read_repository(&repo, &options, &cursor, &progress, &parts, part))
    };
    let mut writer = store.event_writer().await?;
    let mut refused = None;
    while let Some(part) = received.recv().await {
        if let Err(e) = writer.write(&part).await {
            refused = Some(e);
            break;
        }
    }
    // The reader stops at its next part once nobody receives them.
    drop(received);
    let read = reader.await.context("the repository reader stopped")?;
    if let Some(e) = refused {
        return Err(e.into());
    }
    let summary = read?;
    progress.set_message("committing");
    let counts = writer.finish().await?;
    progress.finish_and_clear();
    Ok(GitIngestReport { summary, counts })
}

fn time(seconds: i64) -> anyhow::Result<Timestamp> {
    Timestamp::from_second(seconds).with_context(|| format!("time {seconds} is out of range"))
}

/// Reads what is new since the cursor and sends it to `parts` as it goes
/// (see [`walk_git`]). The first ingestion reads each commit from the object
/// database as the walk reaches it; a later one first finds the commits that
/// no earlier deployment reaches (see [`unseen_commits`]).
fn read_repository(
    repo: &gix::Repository,
    options: &GitIngestOptions,
    cursor: &GitCursor,
    progress: &ProgressBar,
    parts: &tokio::sync::mpsc::Sender<EventBatch>,
    part: usize,
) -> anyhow::Result<GitIngestSummary> {
    let refs = read_refs(repo, options)?;
    let mut emit = |part: EventBatch| -> anyhow::Result<()> {
        parts.blocking_send(part).map_err(|_| anyhow::anyhow!("the database writer stopped"))
    };
    let now = Timestamp::now();
    // Tags mode with the same head and no new tag: nothing can have
    // changed, so the walk (which would visit every deployed commit to hide
    // it) is skipped.
    if matches!(options.source, DeploySource::Tags { .. }) && cursor.is_current(refs.head.as_deref(), &refs.tags) {
        return walk_git(&refs, cursor, options, now, part, &mut |_| Ok(None), &mut emit);
    }
    // Deployed commits that no longer exist (a rewritten history) cannot be
    // hidden; what they covered is read again and found unchanged.
    let hidden: Vec<String> = cursor
        .deployed
        .iter()
        .filter(|hex| gix::ObjectId::from_hex(hex.as_bytes()).is_ok_and(|id| repo.has_object(id)))
        .cloned()
        .collect();
    let mut count = 0u64;
    // A shallow clone lacks the parents of its boundary commits.
    let shallow = repo.is_shallow().unwrap_or(false);
    // Generation numbers keep the search for unseen commits exact whatever
    // the clocks said; a first run has nothing to hide and needs none.
    let graph = if hidden.is_empty() { None } else { repo.commit_graph_if_enabled().ok().flatten() };
    let mut buf = Vec::new();
    let mut read = |id: &str| -> anyhow::Result<Option<GitCommit>> {
        let oid = gix::ObjectId::from_hex(id.as_bytes()).with_context(|| format!("`{id}` is not a commit id"))?;
        let commit = match repo.objects.try_find(&oid, &mut buf)? {
            Some(data) if data.kind == gix::object::Kind::Commit => {
                let mut commit =
                    decode_commit(id.to_string(), gix::objs::CommitRefIter::from_bytes(data.data, oid.kind()))?;
                commit.generation = graph.as_ref().and_then(|g| g.commit_by_id(oid)).map(|c| c.generation());
                commit
            }
            Some(data) => anyhow::bail!("object {id} is a {}, where a commit was expected", data.kind),
            None if shallow => return Ok(None),
            None => anyhow::bail!("commit {id} is missing from the repository's objects (a damaged or partial clone?)"),
        };
        count += 1;
        if count.is_multiple_of(4096) {
            progress.set_position(count);
        }
        Ok(Some(commit))
    };
    let summary = if hidden.is_empty() {
        walk_git(&refs, cursor, options, now, part, &mut read, &mut emit)?
    } else {
        // What the new tags, the head or the deploy branch reach and no
        // earlier deployment did: read first, then planned like a first run.
        let mut tips: Vec<String> = Vec::new();
        if let DeploySource::Tags { .. } = options.source {
            tips.extend(cursor.new_tags(&refs.tags).0.into_iter().map(|tag| tag.commit.clone()));
        }
        tips.extend(refs.head.iter().chain(&refs.branch_tip).cloned());
        let unseen = unseen_commits(&tips, &hidden, &mut read)?;
        let mut slots: std::collections::HashMap<String, GitCommit> =
            unseen.into_iter().map(|c| (c.id.clone(), c)).collect();
        let mut read = |id: &str| -> anyhow::Result<Option<GitCommit>> { Ok(slots.remove(id)) };
        walk_git(&refs, cursor, options, now, part, &mut read, &mut emit)?
    };
    progress.set_position(summary.commits as u64);
    progress.set_message("recording");
    Ok(summary)
}

/// A commit's parents and times, read from its header in one pass that
/// stops at the committer (the message is never parsed).
fn decode_commit(id: String, tokens: gix::objs::CommitRefIter<'_>) -> anyhow::Result<GitCommit> {
    let mut parents = Vec::new();
    let mut authored = None;
    for token in tokens {
        match token.with_context(|| format!("commit {id} cannot be decoded"))? {
            gix::objs::commit::ref_iter::Token::Parent { id } => parents.push(id.to_string()),
            gix::objs::commit::ref_iter::Token::Author { signature } => authored = Some(signature.seconds()),
            gix::objs::commit::ref_iter::Token::Committer { signature } => {
                let Some(authored) = authored else { break };
                return Ok(GitCommit {
                    parents,
                    authored: time(authored)?,
                    committed: time(signature.seconds())?,
                    id,
                    generation: None,
                });
            }
            _ => {}
        }
    }
    anyhow::bail!("commit {id} has no author or committer")
}

/// The matching tags and the current head (tags mode), or the deploy
/// branch's tip.
fn read_refs(repo: &gix::Repository, options: &GitIngestOptions) -> anyhow::Result<GitRefs> {
    let mut refs = GitRefs::default();
    match &options.source {
        DeploySource::Tags { pattern } => {
            refs.tags = release_tags(repo, pattern)?;
            // The current branch too, so that commits not yet released are
            // recorded (and found deployed by a later run).
            if let Ok(head) = repo.head_id() {
                refs.head = Some(head.to_string());
            }
        }
        DeploySource::Branch { name } => {
            let full = if name.starts_with("refs/") { name.clone() } else { format!("refs/heads/{name}") };
            let mut reference = repo.find_reference(full.as_str()).with_context(|| format!("no branch `{name}`"))?;
            refs.branch_tip = Some(reference.peel_to_id()?.detach().to_string());
        }
    }
    Ok(refs)
}

/// Every tag whose short name matches, peeled to its commit, at its tagger
/// time (annotated) or its commit's committer time (lightweight). Tags of
/// trees or blobs are not deployments.
fn release_tags(repo: &gix::Repository, pattern: &str) -> anyhow::Result<Vec<ReleaseTag>> {
    let mut out = Vec::new();
    let references = repo.references()?;
    for reference in references.tags()? {
        let mut reference = reference.map_err(|e| anyhow::anyhow!("reading tags: {e}"))?;
        let name = reference.name().shorten().to_string();
        if !glob_matches(pattern, &name) {
            continue;
        }
        let direct = reference.target().try_id().map(ToOwned::to_owned);
        let peeled = reference.peel_to_id()?.detach();
        let Ok(commit) = repo.find_commit(peeled) else { continue };
        let tagger_time = match direct {
            Some(id) if id != peeled => {
                let object = repo.find_object(id)?;
                match object.try_into_tag() {
                    Ok(tag) => tag.tagger()?.map(|s| s.seconds()),
                    Err(_) => None,
                }
            }
            _ => None,
        };
        let seconds = match tagger_time {
            Some(s) => s,
            None => commit.committer()?.seconds(),
        };
        out.push(ReleaseTag { name, commit: peeled.to_string(), at: time(seconds)? });
    }
    Ok(out)
}

fn hours(d: jiff::SignedDuration) -> f64 {
    d.as_secs_f64() / 3600.0
}

fn print_report(report: &GitIngestReport, options: &GitIngestOptions, format: Format) {
    let s = &report.summary;
    let c = &report.counts;
    match format {
        Format::Json => {
            let doc = serde_json::json!({
                "service": options.service,
                "commits_read": s.commits,
                "deployments": s.deployments,
                "commits_deployed": s.deployed,
                "median_lead_time_hours": s.median_lead_time.map(hours),
                "moved_tags": s.moved_tags,
                "recorded": {
                    "commits": { "inserted": c.commits.inserted, "updated": c.commits.updated, "unchanged": c.commits.unchanged },
                    "deployments": { "inserted": c.deployments.inserted, "updated": c.deployments.updated, "unchanged": c.deployments.unchanged },
                },
            });
            println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        _ => {
            println!(
                "{}: read {} commits, {} new deployments, {} commits deployed",
                options.service, s.commits, s.deployments, s.deployed
            );
            println!(
                "  commits: {} new, {} updated, {} unchanged; deployments: {} new, {} updated, {} unchanged",
                c.commits.inserted,
                c.commits.updated,
                c.commits.unchanged,
                c.deployments.inserted,
                c.deployments.updated,
                c.deployments.unchanged
            );
            if let Some(median) = s.median_lead_time {
                println!("  median lead time of the deployed commits: {:.1} h", hours(median));
            }
            for tag in &s.moved_tags {
                println!("  skipped tag {tag}: it points elsewhere than when it was ingested");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! Small real repositories built with the `git` CLI at fixed dates, read
    //! back through gix into a SQLite store.

    use super::*;
    use std::collections::BTreeMap;
    use std::process::Command;
    use tl_store::{SqlStore, Store, TimeWindow};

    const BASE: i64 = 1_700_000_000;

    struct Repo {
        dir: PathBuf,
    }

    impl Repo {
        fn new(name: &str) -> Repo {
            let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
            let dir = std::env::temp_dir().join(format!("tl_ingest_{name}_{}_{nanos}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let repo = Repo { dir };
            repo.git(0, &["init", "-q", "-b", "main"]);
            repo.git(0, &["config", "user.name", "Test"]);
            repo.git(0, &["config", "user.email", "test@example.com"]);
            repo.git(0, &["config", "commit.gpgsign", "false"]);
            repo.git(0, &["config", "tag.gpgsign", "false"]);
            repo
        }

        /// Runs git with author and committer (and tagger) dates at `hour`.
        fn git(&self, hour: i64, args: &[&str]) -> String {
            let date = format!("@{} +0000", BASE + hour * 3600);
            let out = Command::new("git")
                .args(args)
                .current_dir(&self.dir)
                .env("GIT_AUTHOR_DATE", &date)
                .env("GIT_COMMITTER_DATE", &date)
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("HOME", &self.dir)
                .output()
                .expect("git runs");
            assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
            String::from_utf8_lossy(&out.stdout).trim().to_string()
        }

        /// Commits a change to a file named after `label`; returns the sha.
        fn commit(&self, hour: i64, label: &str) -> String {
            std::fs::write(self.dir.join(format!("{label}.txt")), label).unwrap();
            self.git(hour, &["add", "."]);
            self.git(hour, &["commit", "-q", "-m", label]);
            self.git(hour, &["rev-parse", "HEAD"])
        }
    }

    impl Drop for Repo {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    fn at(hour: i64) -> Timestamp {
        Timestamp::from_second(BASE + hour * 3600).unwrap()
    }

    fn options(repo: &Repo, source: DeploySource) -> GitIngestOptions {
        GitIngestOptions {
            repository: repo.dir.display().to_string(),
            service: "svc".into(),
            environment: "PRODUCTION".into(),
            source,
        }
    }

    fn tags() -> DeploySource {
        DeploySource::Tags { pattern: "v*".into() }
    }

    async fn store(repo: &Repo) -> SqlStore {
        SqlStore::open(&format!("sqlite://{}", repo.dir.join("events.db").display()), Default::default()).await.unwrap()
    }

    async fn ingest(store: &SqlStore, repo: &Repo, options: &GitIngestOptions) -> GitIngestReport {
        let git = gix::open(&repo.dir).unwrap();
        ingest_repository(store, &git, options, ProgressBar::hidden()).await.unwrap()
    }

    /// Every stored commit: sha to (deployment name, lead time in hours).
    async fn deployed(store: &SqlStore) -> BTreeMap<String, Option<(String, i64)>> {
        let events = store.events(TimeWindow::all()).await.unwrap();
        let names: BTreeMap<String, String> =
            events.deployments.iter().map(|d| (d.id.clone(), d.name.clone())).collect();
        events
            .commits
            .iter()
            .map(|c| {
                let hit = c.commit.deployment_id.as_ref().map(|id| {
                    let lead = c.commit.deployed.unwrap().duration_since(c.commit.authored.unwrap());
                    (names[id].clone(), lead.as_hours())
                });
                (c.commit.sha.clone(), hit)
            })
            .collect()
    }

    fn expect(pairs: &[(&String, Option<(&str, i64)>)]) -> BTreeMap<String, Option<(String, i64)>> {
        pairs.iter().map(|(sha, hit)| (sha.to_string(), hit.map(|(n, h)| (n.to_string(), h)))).collect()
    }

    #[tokio::test]
    async fn linear_history_with_tags_and_incremental_runs() {
        let repo = Repo::new("linear");
        let a = repo.commit(0, "a");
        let b = repo.commit(1, "b");
        repo.git(1, &["tag", "v1"]); // lightweight: deploys at b's commit time
        repo.git(1, &["tag", "other-1"]); // does not match v*
        let c = repo.commit(2, "c");
        let store = store(&repo).await;
        let options = options(&repo, tags());

        let first = ingest(&store, &repo, &options).await;
        assert_eq!((first.summary.commits, first.summary.deployments, first.summary.deployed), (3, 1, 2));
        assert_eq!(deployed(&store).await, expect(&[(&a, Some(("v1", 1))), (&b, Some(("v1", 0))), (&c, None)]));

        // An annotated tag deploys at its tagger time (hour 5), not at c's.
        repo.git(5, &["tag", "-a", "v2", "-m", "release 2"]);
        let d = repo.commit(6, "d");
        let second = ingest(&store, &repo, &options).await;
        // Only c (not deployed before) and d are read again.
        assert_eq!((second.summary.commits, second.summary.deployments), (2, 1));
        assert_eq!(second.counts.commits.inserted, 1);
        assert_eq!(second.counts.commits.updated, 1);
        assert_eq!(
            deployed(&store).await,
            expect(&[(&a, Some(("v1", 1))), (&b, Some(("v1", 0))), (&c, Some(("v2", 3))), (&d, None)])
        );

        // Nothing new (same head, no new tag): nothing is read or written.
        let third = ingest(&store, &repo, &options).await;
        assert_eq!((third.summary.commits, third.summary.deployments), (0, 0));
        assert_eq!(third.counts, Default::default());

        // A new commit: d (still not deployed) is read again with it.
        let e = repo.commit(7, "e");
        let fourth = ingest(&store, &repo, &options).await;
        assert_eq!((fourth.summary.commits, fourth.summary.deployments), (2, 0));
        assert_eq!((fourth.counts.commits.inserted, fourth.counts.commits.unchanged), (1, 1));
        let after = deployed(&store).await;
        assert_eq!((after[&d].clone(), after[&e].clone()), (None, None));
        // Tagging the head, which the cursor knew, is something new.
        repo.git(8, &["tag", "v3"]);
        let fifth = ingest(&store, &repo, &options).await;
        assert_eq!((fifth.summary.commits, fifth.summary.deployments, fifth.summary.deployed), (2, 1, 2));
        assert_eq!(deployed(&store).await[&d], Some(("v3".to_string(), 1)));
        store.close().await;
    }

    #[tokio::test]
    async fn a_commit_reached_only_through_a_merge_is_deployed_by_the_tag() {
        let repo = Repo::new("merge");
        let a = repo.commit(0, "a");
        repo.git(0, &["checkout", "-q", "-b", "feature"]);
        let x = repo.commit(1, "x");
        let y = repo.commit(2, "y");
        repo.git(2, &["checkout", "-q", "main"]);
        let b = repo.commit(3, "b");
        repo.git(4, &["merge", "-q", "--no-ff", "-m", "merge feature", "feature"]);
        let m = repo.git(4, &["rev-parse", "HEAD"]);
        repo.git(4, &["tag", "v1"]);
        let store = store(&repo).await;
        ingest(&store, &repo, &options(&repo, tags())).await;
        assert_eq!(
            deployed(&store).await,
            expect(&[
                (&a, Some(("v1", 4))),
                (&x, Some(("v1", 3))),
                (&y, Some(("v1", 2))),
                (&b, Some(("v1", 1))),
                (&m, Some(("v1", 0))),
            ])
        );
        store.close().await;

        // On a deploy branch, each first-parent commit is a deployment: the
        // merge ships the feature branch.
        let branch = options(&repo, DeploySource::Branch { name: "main".into() });
        let store2 = SqlStore::open(&format!("sqlite://{}", repo.dir.join("branch.db").display()), Default::default())
            .await
            .unwrap();
        let report = ingest(&store2, &repo, &branch).await;
        assert_eq!(report.summary.deployments, 3);
        let short = |s: &String| format!("main@{}", &s[..12]);
        let (da, db, dm) = (short(&a), short(&b), short(&m));
        assert_eq!(
            deployed(&store2).await,
            expect(&[
                (&a, Some((da.as_str(), 0))),
                (&x, Some((dm.as_str(), 3))),
                (&y, Some((dm.as_str(), 2))),
                (&b, Some((db.as_str(), 0))),
                (&m, Some((dm.as_str(), 0))),
            ])
        );
        // A later merge is picked up incrementally.
        let c = repo.commit(7, "c");
        let again = ingest(&store2, &repo, &branch).await;
        assert_eq!((again.summary.commits, again.summary.deployments), (1, 1));
        assert_eq!(deployed(&store2).await[&c], Some((short(&c), 0)));
        // The branch did not move: its tip is deployed, nothing is read.
        let still = ingest(&store2, &repo, &branch).await;
        assert_eq!((still.summary.commits, still.summary.deployments), (0, 0));
        store2.close().await;
    }

    /// Writes `stream` into the repository with `git fast-import`.
    fn fast_import(repo: &Repo, stream: &str) {
        use std::io::Write as _;
        let mut child = Command::new("git")
            .args(["fast-import", "--quiet"])
            .current_dir(&repo.dir)
            .stdin(std::process::Stdio::piped())
            .spawn()
            .expect("git fast-import runs");
        child.stdin.take().unwrap().write_all(stream.as_bytes()).unwrap();
        assert!(child.wait().unwrap().success());
    }

    #[tokio::test]
    async fn with_a_commit_graph_a_clock_far_ahead_does_not_unship_history() {
        // r (its clock 10,000 hours ahead) <- m1 <- ... <- m300, tagged v1;
        // then a new commit n on r. With the commit-graph's generations, the
        // second run reads n alone and r stays shipped by v1.
        let repo = Repo::new("skew");
        let at = |hour: i64| BASE + hour * 3600;
        let mut stream = String::new();
        let mut commit = |mark: usize, hour: i64, from: Option<usize>| {
            stream.push_str(&format!(
                "commit refs/heads/main\nmark :{mark}\nauthor T <t@example.com> {0} +0000\n\
                 committer T <t@example.com> {0} +0000\ndata 1\nc\n",
                at(hour)
            ));
            if let Some(parent) = from {
                stream.push_str(&format!("from :{parent}\n"));
            }
            stream.push('\n');
        };
        commit(1, 10_000, None);
        for i in 2..=301 {
            commit(i, i as i64, Some(i - 1));
        }
        stream.push_str("reset refs/tags/v1\nfrom :301\n\n");
        fast_import(&repo, &stream);
        let store = store(&repo).await;
        let options = options(&repo, tags());
        let first = ingest(&store, &repo, &options).await;
        assert_eq!((first.summary.commits, first.summary.deployed), (301, 301));
        let root = repo.git(0, &["rev-list", "--max-parents=0", "HEAD"]);

        let n = repo.git(10_001, &["commit-tree", "-p", &root, "-m", "n", "HEAD^{tree}"]);
        repo.git(10_001, &["update-ref", "refs/heads/main", &n]);
        repo.git(0, &["commit-graph", "write", "--reachable"]);
        let second = ingest(&store, &repo, &options).await;
        assert_eq!(second.summary.commits, 1, "only the new commit is read");
        let after = deployed(&store).await;
        assert_eq!(after[&root], Some(("v1".to_string(), -9_699)), "the root stays shipped by v1");
        assert_eq!(after[&n], None);
        store.close().await;
    }

    #[tokio::test]
    async fn a_commit_missing_from_the_repository_fails_the_ingestion_and_writes_nothing() {
        let repo = Repo::new("missing");
        repo.commit(0, "a");
        let b = repo.commit(1, "b");
        repo.commit(2, "c");
        repo.commit(3, "d");
        repo.git(3, &["tag", "v1"]);
        std::fs::remove_file(repo.dir.join(".git/objects").join(&b[..2]).join(&b[2..])).unwrap();
        let store = store(&repo).await;
        let options = options(&repo, tags());
        // One commit per part, so that parts are written before the failure.
        let git = gix::open(&repo.dir).unwrap();
        let err = ingest_in_parts(&store, &git, &options, ProgressBar::hidden(), 1).await.unwrap_err();
        assert!(format!("{err:#}").contains(&format!("commit {b} is missing")), "{err:#}");
        let events = store.events(TimeWindow::all()).await.unwrap();
        assert_eq!((events.commits.len(), events.deployments.len()), (0, 0));
        assert_eq!(store.ingest_cursor(&options.cursor_source()).await.unwrap(), None);
        store.close().await;
    }

    #[tokio::test]
    async fn a_squash_merge_gives_one_new_commit() {
        let repo = Repo::new("squash");
        let a = repo.commit(0, "a");
        repo.git(0, &["checkout", "-q", "-b", "feature"]);
        repo.commit(1, "x");
        repo.commit(2, "y");
        repo.git(2, &["checkout", "-q", "main"]);
        repo.git(5, &["merge", "-q", "--squash", "feature"]);
        repo.git(5, &["commit", "-q", "-m", "feature, squashed"]);
        let s = repo.git(5, &["rev-parse", "HEAD"]);
        repo.git(6, &["tag", "-a", "v1", "-m", "v1"]);
        let store = store(&repo).await;
        ingest(&store, &repo, &options(&repo, tags())).await;
        // The branch's own commits are not in the released history.
        assert_eq!(deployed(&store).await, expect(&[(&a, Some(("v1", 6))), (&s, Some(("v1", 1)))]));
        let events = store.events(TimeWindow::all()).await.unwrap();
        assert_eq!(events.deployments.len(), 1);
        assert_eq!(events.deployments[0].finished, Some(at(6)));
        store.close().await;
    }
}
