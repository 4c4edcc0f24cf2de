//! Ingesting a git history as delivery events: commits, deployments (release
//! tags, or the first-parent commits of a deploy branch) and each commit's
//! first deployment, which gives its lead time.
//!
//! The repository is read by the front end (the CLI uses gix); this module
//! gets what it read as plain data ([`GitHistory`]) and decides what it
//! means. A commit is deployed by the earliest deployment whose commit has it
//! as an ancestor (or is it), so a commit that reaches a release only
//! through a merge is deployed by that release, and a squash merge deploys
//! the one squashed commit, not the branch it came from.
//!
//! Ingestion is incremental. The cursor stored per repository, service and
//! deployment rule keeps the deployments' commits (the reader hides
//! everything reachable from them, which is deployed already) and the tags
//! seen; it is written in the transaction that records the events.

use crate::error::AppError;
use jiff::{SignedDuration, Timestamp};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use tl_engine::delivery::{Commit, Deployment, RunResult};
use tl_store::{CommitRecord, CursorUpdate, EventBatch, EventCounts, Store};

/// Where deployments come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeploySource {
    /// Every tag whose name matches the glob (`*` any run, `?` one
    /// character) is a deployment at the tagger's time (annotated tags) or
    /// the tagged commit's committer time (lightweight tags).
    Tags { pattern: String },
    /// Every first-parent commit of the branch (a merge, a squash or a
    /// direct push) is a deployment at its committer time.
    Branch { name: String },
}

/// What to ingest and how to label it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitIngestOptions {
    /// Identifies the repository in the cursor's key (the CLI uses its
    /// canonical path).
    pub repository: String,
    pub service: String,
    pub environment: String,
    pub source: DeploySource,
}

impl GitIngestOptions {
    /// The cursor's key: one per repository, service and deployment rule.
    pub fn cursor_source(&self) -> String {
        let rule = match &self.source {
            DeploySource::Tags { pattern } => format!("tags:{pattern}"),
            DeploySource::Branch { name } => format!("branch:{name}"),
        };
        format!("git:{}#{}#{rule}", self.repository, self.service)
    }
}

/// One commit as the reader found it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitCommit {
    pub id: String,
    /// First parent first.
    pub parents: Vec<String>,
    pub authored: Timestamp,
    pub committed: Timestamp,
    /// The commit-graph's generation number, when the repository has a
    /// commit-graph that holds this commit (it holds all its ancestors too):
    /// larger than every ancestor's, whatever the clocks said.
    pub generation: Option<u32>,
}

/// A tag that matches the pattern, peeled to its commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleaseTag {
    pub name: String,
    pub commit: String,
    pub at: Timestamp,
}

/// The references an ingestion starts from, as the reader found them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GitRefs {
    /// Tags mode: every matching tag.
    pub tags: Vec<ReleaseTag>,
    /// Branch mode: the deploy branch's tip.
    pub branch_tip: Option<String>,
    /// Tags mode: the current branch's commit, read with the tags.
    pub head: Option<String>,
}

/// A history read whole: what the reader found since the cursor.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GitHistory {
    /// Every commit reachable from the reader's tips (the current head or
    /// deploy branch, and the new tags) but not from the cursor's
    /// [`GitCursor::deployed`] commits.
    pub commits: Vec<GitCommit>,
    pub refs: GitRefs,
}

/// Where the last ingestion stopped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GitCursor {
    /// Tags already ingested: name to commit.
    pub tags: BTreeMap<String, String>,
    /// The commits of the deployments already ingested; everything reachable
    /// from them is deployed and need not be read again.
    pub deployed: BTreeSet<String>,
    /// Tags mode: the current branch's commit when the cursor was written.
    pub head: Option<String>,
}

const CURSOR_HEADER: &str = "throughline-git-cursor 1";

impl GitCursor {
    /// The cursor as stored: one line per tag or deployed commit.
    pub fn to_text(&self) -> String {
        let mut out = String::from(CURSOR_HEADER);
        out.push('\n');
        for (name, commit) in &self.tags {
            out.push_str(&format!("tag {commit} {name}\n"));
        }
        for commit in &self.deployed {
            out.push_str(&format!("deployed {commit}\n"));
        }
        if let Some(head) = &self.head {
            out.push_str(&format!("head {head}\n"));
        }
        out
    }

    pub fn parse(text: &str) -> Result<GitCursor, AppError> {
        let bad = |line: &str| AppError::Cursor(format!("unexpected line `{line}`"));
        let mut lines = text.lines();
        if lines.next() != Some(CURSOR_HEADER) {
            return Err(AppError::Cursor("unknown format".into()));
        }
        let mut cursor = GitCursor::default();
        for line in lines {
            match line.split_once(' ') {
                Some(("tag", rest)) => {
                    let (commit, name) = rest.split_once(' ').ok_or_else(|| bad(line))?;
                    cursor.tags.insert(name.to_string(), commit.to_string());
                }
                Some(("deployed", commit)) => {
                    cursor.deployed.insert(commit.to_string());
                }
                Some(("head", commit)) => cursor.head = Some(commit.to_string()),
                _ => return Err(bad(line)),
            }
        }
        Ok(cursor)
    }

    /// The tags that are not in the cursor, and the names of those that
    /// moved to another commit since (which are not ingested again).
    pub fn new_tags<'a>(&self, tags: &'a [ReleaseTag]) -> (Vec<&'a ReleaseTag>, Vec<String>) {
        let mut new = Vec::new();
        let mut moved = Vec::new();
        for tag in tags {
            match self.tags.get(&tag.name) {
                None => new.push(tag),
                Some(commit) if *commit != tag.commit => moved.push(tag.name.clone()),
                Some(_) => {}
            }
        }
        (new, moved)
    }

    /// Tags mode: whether nothing can have changed since the cursor was
    /// written: the same current commit and no new tag. The commits a walk
    /// would read are then the ones the last run recorded as not deployed,
    /// and they still are (no new deployment), so the walk can be skipped.
    pub fn is_current(&self, head: Option<&str>, tags: &[ReleaseTag]) -> bool {
        head.is_some() && self.head.as_deref() == head && self.new_tags(tags).0.is_empty()
    }
}

/// The stored cursor for these options, or an empty one.
pub async fn load_git_cursor(store: &dyn Store, options: &GitIngestOptions) -> Result<GitCursor, AppError> {
    match store.ingest_cursor(&options.cursor_source()).await? {
        Some(text) => GitCursor::parse(&text),
        None => Ok(GitCursor::default()),
    }
}

/// Whether `name` matches a glob of `*` (any run) and `?` (one character).
pub fn glob_matches(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ni));
            pi += 1;
        } else if let Some((sp, sn)) = star {
            pi = sp + 1;
            ni = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// What one ingestion found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GitIngestSummary {
    /// Commits read (new ones, and earlier ones not yet deployed).
    pub commits: usize,
    pub deployments: usize,
    /// Of `commits`, those a deployment contains.
    pub deployed: usize,
    /// Tags that point elsewhere than when they were ingested; skipped.
    pub moved_tags: Vec<String>,
    /// The median lead time (author time to first deployment) of the
    /// deployed commits.
    pub median_lead_time: Option<SignedDuration>,
}

/// The events to record, and what they say.
#[derive(Clone, Debug, PartialEq)]
pub struct GitIngestPlan {
    pub batch: EventBatch,
    pub summary: GitIngestSummary,
}

/// Turns a history read whole into events and the next cursor, as one
/// batch. Pure: `now` only stamps the cursor.
pub fn plan_git_ingest(
    history: &GitHistory,
    cursor: &GitCursor,
    options: &GitIngestOptions,
    now: Timestamp,
) -> GitIngestPlan {
    let mut slots: Vec<Option<GitCommit>> = history.commits.iter().cloned().map(Some).collect();
    let by_id: HashMap<&str, usize, IdHash> = {
        let mut map = HashMap::with_capacity_and_hasher(history.commits.len(), IdHash);
        map.extend(history.commits.iter().enumerate().map(|(i, c)| (c.id.as_str(), i)));
        map
    };
    let mut batch = EventBatch::default();
    let outcome: Result<GitIngestSummary, std::convert::Infallible> = walk_git(
        &history.refs,
        cursor,
        options,
        now,
        usize::MAX,
        &mut |id| Ok(by_id.get(id).and_then(|&i| slots[i].take())),
        &mut |part| {
            batch = part;
            Ok(())
        },
    );
    let summary = match outcome {
        Ok(summary) => summary,
        Err(never) => match never {},
    };
    GitIngestPlan { batch, summary }
}

/// A deployment the walk starts from.
struct Point {
    id: String,
    name: String,
    commit: String,
    at: Timestamp,
}

/// Walks what is new since `cursor` and hands it to `emit` as it goes, in
/// parts of about `part` commits; the last part carries the next cursor.
///
/// Deployments are walked oldest first (tags by time, then name; a deploy
/// branch's first-parent commits from the oldest not yet deployed), each
/// from its commit through every parent not reached before. So a commit is
/// reached first by the earliest deployment that contains it, which ships it
/// and gives its lead time, and its event is complete as soon as it is read:
/// nothing waits for the whole history. In tags mode the current head is
/// walked last, for the commits no deployment contains yet.
///
/// `read` gives a commit by id, `None` for one the walk must not enter (one
/// an earlier run deployed, or one missing from a shallow clone); each
/// commit is asked for at most once. Pure but for what `read` and `emit` do:
/// `now` only stamps the cursor.
pub fn walk_git<E>(
    refs: &GitRefs,
    cursor: &GitCursor,
    options: &GitIngestOptions,
    now: Timestamp,
    part: usize,
    read: &mut dyn FnMut(&str) -> Result<Option<GitCommit>, E>,
    emit: &mut dyn FnMut(EventBatch) -> Result<(), E>,
) -> Result<GitIngestSummary, E> {
    let mut next = cursor.clone();
    let mut summary = GitIngestSummary::default();
    let mut out = Parts {
        part,
        batch: EventBatch::default(),
        emit,
        service: &options.service,
        commits: 0,
        lead_times: Vec::new(),
    };
    // The parents of commits recorded before their deployment's walk (a
    // deploy branch's chain), by id.
    let mut early: HashMap<String, Vec<String>, IdHash> = HashMap::default();
    let mut points: Vec<Point> = Vec::new();
    match &options.source {
        DeploySource::Tags { .. } => {
            let (mut new, moved) = cursor.new_tags(&refs.tags);
            summary.moved_tags = moved;
            next.head.clone_from(&refs.head);
            new.sort_by(|a, b| (a.at, &a.name).cmp(&(b.at, &b.name)));
            for tag in new {
                points.push(Point {
                    id: format!("git:{}:tag:{}", options.service, tag.name),
                    name: tag.name.clone(),
                    commit: tag.commit.clone(),
                    at: tag.at,
                });
                next.tags.insert(tag.name.clone(), tag.commit.clone());
            }
        }
        DeploySource::Branch { name } => {
            // The first-parent chain down to what earlier runs deployed.
            // Each of its commits is a deployment that its older ones
            // cannot reach, so it deploys itself first: its event is
            // complete as the chain is read, and is recorded at once.
            let mut at = refs.branch_tip.clone();
            while let Some(id) = at.take() {
                let Some(commit) = read(&id)? else { break };
                at = commit.parents.first().cloned();
                let short: String = id.chars().take(12).collect();
                let point = Point {
                    id: format!("git:{}:{name}:{id}", options.service),
                    name: format!("{name}@{short}"),
                    commit: id.clone(),
                    at: commit.committed,
                };
                early.insert(id, commit.parents.clone());
                out.commit(commit, Some(&point))?;
                points.push(point);
            }
            points.reverse();
        }
    }
    // Everything reachable from a branch's tip is deployed, so the tip alone
    // stands for the whole chain; tags may sit on different branches.
    match &options.source {
        DeploySource::Tags { .. } => next.deployed.extend(points.iter().map(|p| p.commit.clone())),
        DeploySource::Branch { .. } => next.deployed.extend(points.last().map(|p| p.commit.clone())),
    }

    let mut visited: HashSet<String, IdHash> = HashSet::default();
    let mut stack: Vec<String> = Vec::new();
    // The head last, shipped by nothing.
    let head = match &options.source {
        DeploySource::Tags { .. } => refs.head.as_ref(),
        DeploySource::Branch { .. } => None,
    };
    let walks = points.iter().map(|p| (Some(p), &p.commit)).chain(head.map(|h| (None, h)));
    for (point, tip) in walks {
        let mut shipped = Vec::new();
        stack.push(tip.clone());
        while let Some(id) = stack.pop() {
            if !visited.insert(id.clone()) {
                continue;
            }
            if let Some(parents) = early.remove(&id) {
                // Recorded with the chain.
                stack.extend(parents);
            } else {
                let Some(commit) = read(&id)? else { continue };
                stack.extend(commit.parents.iter().cloned());
                out.commit(commit, point)?;
            }
            if point.is_some() {
                shipped.push(id);
            }
        }
        if let Some(p) = point {
            out.batch.deployments.push(Deployment {
                id: p.id.clone(),
                name: p.name.clone(),
                service: options.service.clone(),
                scope_id: options.repository.clone(),
                environment: options.environment.clone(),
                result: RunResult::Success,
                started: Some(p.at),
                finished: Some(p.at),
                commits: shipped,
            });
        }
    }
    let mut lead_times = std::mem::take(&mut out.lead_times);
    lead_times.sort();
    summary.commits = out.commits;
    summary.deployed = lead_times.len();
    summary.deployments = points.len();
    summary.median_lead_time = median(&lead_times);
    out.batch.cursor = Some(CursorUpdate { source: options.cursor_source(), state: next.to_text(), at: now });
    (out.emit)(out.batch)?;
    Ok(summary)
}

/// The commits reachable from `tips` but not from `hidden`, as `git rev-list
/// TIPS --not HIDDEN` gives them, reading little more than those: both sides
/// are painted newest first (by commit-graph generation where the reader
/// gives one, then committer time) and the walk stops once only hidden
/// commits are left to visit, after a margin of [`HIDDEN_SLOP`] more for
/// clocks that went backwards. With generation numbers the answer is exact
/// whatever the clocks say. An incremental
/// ingestion thus reads what is new and the edge of what was deployed, not
/// the whole deployed history. Tips `read` cannot find are ignored.
pub fn unseen_commits<E>(
    tips: &[String],
    hidden: &[String],
    read: &mut dyn FnMut(&str) -> Result<Option<GitCommit>, E>,
) -> Result<Vec<GitCommit>, E> {
    const VISIBLE: u8 = 1;
    const HIDDEN: u8 = 2;
    struct Node {
        commit: GitCommit,
        flags: u8,
    }
    struct Walk<'r, E> {
        nodes: HashMap<String, Node, IdHash>,
        /// Newest first: (generation, committer time, push order, id,
        /// counted in `live`); a commit outside the commit-graph (newer than
        /// all in it) ranks above every generation.
        queue: std::collections::BinaryHeap<(u32, Timestamp, u64, String, bool)>,
        pushed: u64,
        /// Queued entries not known to be hidden when they were queued.
        live: usize,
        read: &'r mut dyn FnMut(&str) -> Result<Option<GitCommit>, E>,
    }
    impl<E> Walk<'_, E> {
        /// Paints `id` with `flags`, queueing it if that is news to it.
        fn paint(&mut self, id: &str, flags: u8) -> Result<(), E> {
            let node = match self.nodes.get_mut(id) {
                Some(node) if node.flags | flags == node.flags => return Ok(()),
                Some(node) => {
                    node.flags |= flags;
                    node
                }
                None => {
                    let Some(commit) = (self.read)(id)? else { return Ok(()) };
                    self.nodes.entry(id.to_string()).or_insert(Node { commit, flags })
                }
            };
            let counted = node.flags & HIDDEN == 0;
            self.live += usize::from(counted);
            self.pushed += 1;
            let generation = node.commit.generation.unwrap_or(u32::MAX);
            self.queue.push((generation, node.commit.committed, self.pushed, id.to_string(), counted));
            Ok(())
        }
    }

    let mut walk =
        Walk { nodes: HashMap::default(), queue: std::collections::BinaryHeap::new(), pushed: 0, live: 0, read };
    for tip in tips {
        walk.paint(tip, VISIBLE)?;
    }
    for tip in hidden {
        walk.paint(tip, HIDDEN)?;
    }
    let mut slop = HIDDEN_SLOP;
    while let Some((_, _, _, id, counted)) = walk.queue.pop() {
        walk.live -= usize::from(counted);
        let node = &walk.nodes[&id];
        let (flags, parents) = (node.flags, node.commit.parents.clone());
        for parent in &parents {
            walk.paint(parent, flags)?;
        }
        if walk.live > 0 {
            slop = HIDDEN_SLOP;
        } else {
            slop -= 1;
            if slop == 0 {
                break;
            }
        }
    }
    Ok(walk.nodes.into_values().filter(|n| n.flags == VISIBLE).map(|n| n.commit).collect())
}

/// How many hidden commits [`unseen_commits`] still visits once only hidden
/// ones are left: a commit whose clock ran behind its parent's by up to this
/// many commits is still found hidden (git's own walk keeps five).
pub const HIDDEN_SLOP: usize = 256;

/// Gathers events into parts of about `part` commits.
struct Parts<'e, E> {
    part: usize,
    batch: EventBatch,
    emit: &'e mut dyn FnMut(EventBatch) -> Result<(), E>,
    service: &'e str,
    /// Commits recorded so far, and the lead times of those deployed.
    commits: usize,
    lead_times: Vec<SignedDuration>,
}

impl<E> Parts<'_, E> {
    /// Records a commit, deployed first by `point` (if any).
    fn commit(&mut self, commit: GitCommit, point: Option<&Point>) -> Result<(), E> {
        if let Some(p) = point {
            self.lead_times.push(p.at.duration_since(commit.authored));
        }
        self.commits += 1;
        self.batch.commits.push(CommitRecord {
            commit: Commit {
                sha: commit.id,
                service: self.service.to_string(),
                authored: Some(commit.authored),
                deployed: point.map(|p| p.at),
                deployment_id: point.map(|p| p.id.clone()),
            },
            committed: Some(commit.committed),
            parents: commit.parents,
        });
        if self.batch.commits.len() >= self.part {
            (self.emit)(std::mem::take(&mut self.batch))?;
        }
        Ok(())
    }
}

/// A fast hasher for commit ids. They come from the user's own repository
/// and are mostly random hex already, so a multiply-rotate over eight bytes
/// at a time (as in rustc's FxHash) spreads them well; SipHash's resistance
/// to flooding buys nothing here and cost a tenth of a large ingestion.
#[derive(Clone, Copy, Default)]
struct IdHash;

impl std::hash::BuildHasher for IdHash {
    type Hasher = IdHasher;

    fn build_hasher(&self) -> IdHasher {
        IdHasher(0)
    }
}

struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

fn median(sorted: &[SignedDuration]) -> Option<SignedDuration> {
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[n / 2]),
        n => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2),
    }
}

/// What an ingestion did.
#[derive(Clone, Debug, PartialEq)]
pub struct GitIngestReport {
    pub summary: GitIngestSummary,
    pub counts: EventCounts,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(hours: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + hours * 3600).unwrap()
    }

    fn c(id: &str, parents: &[&str], hours: i64) -> GitCommit {
        GitCommit {
            id: id.into(),
            parents: parents.iter().map(|p| p.to_string()).collect(),
            authored: t(hours),
            committed: t(hours),
            generation: None,
        }
    }

    fn options(source: DeploySource) -> GitIngestOptions {
        GitIngestOptions { repository: "/r".into(), service: "api".into(), environment: "PRODUCTION".into(), source }
    }

    fn deployed_by(plan: &GitIngestPlan) -> BTreeMap<String, Option<String>> {
        plan.batch.commits.iter().map(|c| (c.commit.sha.clone(), c.commit.deployment_id.clone())).collect()
    }

    #[test]
    fn globs() {
        assert!(glob_matches("v*", "v1.2.0"));
        assert!(glob_matches("v?.*", "v1.2"));
        assert!(glob_matches("*", ""));
        assert!(glob_matches("release-*-final", "release-2024-final"));
        assert!(!glob_matches("v*", "release-1"));
        assert!(!glob_matches("v?", "v10"));
    }

    #[test]
    fn the_cursor_round_trips() {
        let mut cursor = GitCursor::default();
        cursor.tags.insert("v1.0".into(), "abc".into());
        cursor.deployed.insert("abc".into());
        assert_eq!(GitCursor::parse(&cursor.to_text()).unwrap(), cursor);
        cursor.head = Some("def".into());
        assert_eq!(GitCursor::parse(&cursor.to_text()).unwrap(), cursor);
        assert!(GitCursor::parse("nonsense").is_err());
        assert!(GitCursor::parse("throughline-git-cursor 1\nwhat\n").is_err());
    }

    #[test]
    fn a_merged_commit_is_deployed_by_the_first_tag_that_reaches_it() {
        // a - b ------- m - d
        //      \       /
        //       x --- y
        // v1 tags b (hour 2), v2 tags m (hour 10), d is not released.
        let history = GitHistory {
            commits: vec![
                c("a", &[], 0),
                c("b", &["a"], 1),
                c("x", &["b"], 3),
                c("y", &["x"], 4),
                c("m", &["b", "y"], 9),
                c("d", &["m"], 11),
            ],
            refs: GitRefs {
                tags: vec![
                    ReleaseTag { name: "v2".into(), commit: "m".into(), at: t(10) },
                    ReleaseTag { name: "v1".into(), commit: "b".into(), at: t(2) },
                ],
                head: Some("d".into()),
                ..Default::default()
            },
        };
        let plan = plan_git_ingest(
            &history,
            &GitCursor::default(),
            &options(DeploySource::Tags { pattern: "v*".into() }),
            t(20),
        );
        let v1 = Some("git:api:tag:v1".to_string());
        let v2 = Some("git:api:tag:v2".to_string());
        let expected: BTreeMap<String, Option<String>> =
            [("a", v1.clone()), ("b", v1), ("x", v2.clone()), ("y", v2.clone()), ("m", v2), ("d", None)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
        assert_eq!(deployed_by(&plan), expected);
        assert_eq!(plan.batch.deployments.iter().map(|d| d.commits.len()).collect::<Vec<_>>(), vec![2, 3]);
        // Lead times in hours: a 2, b 1, x 7, y 6, m 1 -> median 2.
        assert_eq!(plan.summary.median_lead_time, Some(SignedDuration::from_hours(2)));
        assert_eq!(plan.summary.deployed, 5);
    }

    /// One history as text: `id:parent,parent@hour` commits (first parent
    /// first), `tag name=commit@hour` deployments or `branch tip`; and the
    /// expected `commit=deployment+lead hours` or `commit=-` per commit.
    struct Case {
        name: &'static str,
        commits: &'static str,
        deploys: &'static str,
        expected: &'static str,
    }

    /// Merge- and squash-heavy histories with lead times worked out by hand.
    const CASES: &[Case] = &[
        Case {
            // a-b-m1-c-m2 ; f1,f2 from a merged at m1 ; g1 from b merged at m2.
            // v1 on m1 (hour 10), v2 on m2 (hour 20).
            name: "two feature branches merged at different releases",
            commits: "a:@0 b:a@1 f1:a@2 f2:f1@3 m1:b,f2@9 g1:b@4 c:m1@11 m2:c,g1@19",
            deploys: "tag v1=m1@10 tag v2=m2@20",
            expected: "a=v1+10 b=v1+9 f1=v1+8 f2=v1+7 m1=v1+1 g1=v2+16 c=v2+9 m2=v2+1",
        },
        Case {
            // A branch started before v1 and merged after it ships with v2,
            // however early it was authored.
            name: "a long-lived branch",
            commits: "a:@0 x:a@1 b:a@2 y:x@3 m:b,y@30",
            deploys: "tag v1=b@5 tag v2=m@40",
            expected: "a=v1+5 b=v1+3 x=v2+39 y=v2+37 m=v2+10",
        },
        Case {
            // Squash merges: each is one mainline commit; the branch commits
            // are not in the history the reader walks.
            name: "squash merges",
            commits: "a:@0 s1:a@6 s2:s1@7 s3:s2@30",
            deploys: "tag v1=s2@8 tag v2=s3@31",
            expected: "a=v1+8 s1=v1+2 s2=v1+1 s3=v2+1",
        },
        Case {
            // A release tagged on a branch ships the branch; the mainline
            // merge later ships only what that release did not.
            name: "a release tagged on a branch",
            commits: "a:@0 h1:a@1 h2:h1@2 b:a@3 m:b,h2@12",
            deploys: "tag hotfix=h2@4 tag v1=m@14",
            expected: "a=hotfix+4 h1=hotfix+3 h2=hotfix+2 b=v1+11 m=v1+2",
        },
        Case {
            // Two tags on one commit: the earlier deploys it, on a tie the
            // smaller name; the later tag ships nothing new.
            name: "two tags on one commit",
            commits: "a:@0 b:a@1",
            deploys: "tag v1.0=b@5 tag v1.0-again=b@5 tag later=b@9",
            expected: "a=v1.0+5 b=v1.0+4",
        },
        Case {
            // Criss-cross merges: each side merges the other before release.
            name: "criss-cross merges",
            commits: "a:@0 l:a@1 r:a@2 ml:l,r@3 mr:r,l@4 top:ml,mr@5",
            deploys: "tag v1=top@6",
            expected: "a=v1+6 l=v1+5 r=v1+4 ml=v1+3 mr=v1+2 top=v1+1",
        },
        Case {
            // A deploy branch: every first-parent commit is a deployment at
            // its committer time; merges ship their branch.
            name: "a deploy branch with merges",
            commits: "a:@0 f1:a@1 f2:f1@2 m1:a,f2@5 g:m1@6 h1:m1@3 m2:g,h1@9",
            deploys: "branch m2",
            expected: "a=main@a+0 f1=main@m1+4 f2=main@m1+3 m1=main@m1+0 g=main@g+0 h1=main@m2+6 m2=main@m2+0",
        },
    ];

    fn history_of(case: &Case) -> (GitHistory, DeploySource) {
        let mut history = GitHistory::default();
        for spec in case.commits.split_whitespace() {
            let (id, rest) = spec.split_once(':').expect("id:parents@hour");
            let (parents, hour) = rest.split_once('@').expect("parents@hour");
            let parents: Vec<&str> = parents.split(',').filter(|p| !p.is_empty()).collect();
            history.commits.push(c(id, &parents, hour.parse().expect("hour")));
        }
        let mut source = DeploySource::Tags { pattern: "*".into() };
        let mut words = case.deploys.split_whitespace();
        while let Some(kind) = words.next() {
            let spec = words.next().expect("a spec after the kind");
            if kind == "branch" {
                history.refs.branch_tip = Some(spec.into());
                source = DeploySource::Branch { name: "main".into() };
            } else {
                let (name, rest) = spec.split_once('=').expect("name=commit@hour");
                let (commit, hour) = rest.split_once('@').expect("commit@hour");
                history.refs.tags.push(ReleaseTag {
                    name: name.into(),
                    commit: commit.into(),
                    at: t(hour.parse().expect("hour")),
                });
            }
        }
        (history, source)
    }

    #[test]
    fn merge_and_squash_heavy_histories() {
        for case in CASES {
            let (history, source) = history_of(case);
            let plan = plan_git_ingest(&history, &GitCursor::default(), &options(source), t(100));
            let names: HashMap<&str, &str> =
                plan.batch.deployments.iter().map(|d| (d.id.as_str(), d.name.as_str())).collect();
            let actual: Vec<String> = plan
                .batch
                .commits
                .iter()
                .map(|r| {
                    let c = &r.commit;
                    match (&c.deployment_id, c.deployed, c.authored) {
                        (Some(id), Some(deployed), Some(authored)) => {
                            // Deploy-branch deployments are named by a 12-character
                            // sha prefix; these ids are shorter than that.
                            let name = names[id.as_str()];
                            format!("{}={}+{}", c.sha, name, deployed.duration_since(authored).as_hours())
                        }
                        _ => format!("{}=-", c.sha),
                    }
                })
                .collect();
            let mut actual = actual;
            actual.sort();
            let mut expected: Vec<&str> = case.expected.split_whitespace().collect();
            expected.sort();
            assert_eq!(actual, expected, "{}", case.name);
            // Every commit is shipped by exactly one deployment.
            let shipped: usize = plan.batch.deployments.iter().map(|d| d.commits.len()).sum();
            assert_eq!(shipped, plan.summary.deployed, "{}", case.name);
        }
    }

    /// A seeded random history of `n` commits: each has one or two earlier
    /// parents (mostly recent ones) and a committer time that grows, or
    /// with `skew`, may run behind its parents' by up to `skew` hours.
    fn random_history(seed: u64, n: usize, skew: i64) -> Vec<GitCommit> {
        let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let mut next = move |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % bound as u64) as usize
        };
        (0..n)
            .map(|i| {
                let mut parents = Vec::new();
                if i > 0 {
                    parents.push(format!("c{}", i - 1 - next(i.min(4))));
                    if i > 2 && next(4) == 0 {
                        let other = format!("c{}", next(i));
                        if !parents.contains(&other) {
                            parents.push(other);
                        }
                    }
                }
                let jitter = if skew > 0 { next(2 * skew as usize + 1) as i64 - skew } else { 0 };
                GitCommit {
                    id: format!("c{i}"),
                    parents,
                    authored: t(i as i64),
                    committed: t(i as i64 * 2 + jitter),
                    generation: None,
                }
            })
            .collect()
    }

    /// Gives every commit its generation number (1 + its parents' largest),
    /// as a commit-graph would.
    fn with_generations(mut history: Vec<GitCommit>) -> Vec<GitCommit> {
        let mut generation: HashMap<String, u32> = HashMap::new();
        for c in &mut history {
            let g = 1 + c.parents.iter().map(|p| generation[p]).max().unwrap_or(0);
            generation.insert(c.id.clone(), g);
            c.generation = Some(g);
        }
        history
    }

    fn reachable(history: &[GitCommit], from: &[String]) -> BTreeSet<String> {
        let by_id: HashMap<&str, &GitCommit> = history.iter().map(|c| (c.id.as_str(), c)).collect();
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&str> = from.iter().map(String::as_str).collect();
        while let Some(id) = stack.pop() {
            if let Some(c) = by_id.get(id)
                && seen.insert(id.to_string())
            {
                stack.extend(c.parents.iter().map(String::as_str));
            }
        }
        seen
    }

    /// Seeds, history lengths, how far clocks may run back in hours
    /// (commits are two hours apart), and whether to give generation
    /// numbers. A skew of 20,000 hours scrambles the time order of 4,000
    /// commits: these check that ordering by generation gives the same sets.
    /// (On random histories the walk rarely stops early enough to go wrong
    /// by time alone; the crafted case below shows where it does.)
    fn unseen_cases() -> impl Iterator<Item = (u64, usize, i64, bool)> {
        let plain = (1..=60).map(|s| (s, 400, 0, false));
        let skewed = (61..=90).map(|s| (s, 400, 3, false));
        let scrambled = (91..=110).map(|s| (s, 4_000, 20_000, true));
        plain.chain(skewed).chain(scrambled)
    }

    #[test]
    fn unseen_commits_are_the_tips_history_less_the_hidden_ones() {
        for (seed, n, skew, generations) in unseen_cases() {
            let history = random_history(seed, n, skew);
            let history = if generations { with_generations(history) } else { history };
            let pick = |k: u64, m: usize| -> Vec<String> {
                (0..m).map(|j| format!("c{}", (seed * 7919 + k * 104_729 + j as u64 * 7_877) % n as u64)).collect()
            };
            let (tips, hidden) = (pick(1, 2), pick(2, 1 + (seed % 20) as usize));
            let by_id: HashMap<&str, &GitCommit> = history.iter().map(|c| (c.id.as_str(), c)).collect();
            let mut read = BTreeSet::new();
            let found: Result<Vec<GitCommit>, ()> = unseen_commits(&tips, &hidden, &mut |id| {
                assert!(read.insert(id.to_string()), "{id} read twice");
                Ok(by_id.get(id).map(|c| (*c).clone()))
            });
            let found: BTreeSet<String> = found.unwrap().into_iter().map(|c| c.id).collect();
            let expected: BTreeSet<String> =
                reachable(&history, &tips).difference(&reachable(&history, &hidden)).cloned().collect();
            assert_eq!(found, expected, "seed {seed}, skew {skew}, generations {generations}");
        }
    }

    #[test]
    fn generations_keep_unseen_commits_exact_when_a_clock_ran_far_ahead() {
        // A root whose clock was 1,000 commits ahead: r <- m1 <- ... <- m1000,
        // m1000 deployed (hidden), and a new commit T on r. Only T is new.
        let far = 10_000;
        let mut history = vec![c("r", &[], far)];
        history.push(c("m1", &["r"], 1));
        for i in 2..=1000 {
            history.push(c(&format!("m{i}"), &[&format!("m{}", i - 1)], i));
        }
        history.push(c("t", &["r"], far + 1));
        let unseen = |history: &[GitCommit]| -> BTreeSet<String> {
            let by_id: HashMap<&str, &GitCommit> = history.iter().map(|c| (c.id.as_str(), c)).collect();
            let found: Result<Vec<GitCommit>, ()> =
                unseen_commits(&["t".to_string()], &["m1000".to_string()], &mut |id| {
                    Ok(by_id.get(id).map(|c| (*c).clone()))
                });
            found.unwrap().into_iter().map(|c| c.id).collect()
        };
        assert_eq!(unseen(&with_generations(history.clone())), BTreeSet::from(["t".to_string()]));
        // By time alone the margin (256 commits) runs out first, and the
        // root is taken for new.
        assert_eq!(unseen(&history), BTreeSet::from(["r".to_string(), "t".to_string()]));
    }

    #[test]
    fn unseen_commits_do_not_read_the_deployed_history() {
        // A long deployed line, and two new commits on top of it.
        let mut history = random_history(7, 5_000, 0);
        history.push(c("new1", &["c4999"], 20_000));
        history.push(c("new2", &["new1"], 20_001));
        let by_id: HashMap<&str, &GitCommit> = history.iter().map(|c| (c.id.as_str(), c)).collect();
        let mut reads = 0;
        let found: Result<Vec<GitCommit>, ()> =
            unseen_commits(&["new2".to_string()], &["c4999".to_string(), "c2500".to_string()], &mut |id| {
                reads += 1;
                Ok(by_id.get(id).map(|c| (*c).clone()))
            });
        let mut ids: Vec<String> = found.unwrap().into_iter().map(|c| c.id).collect();
        ids.sort();
        assert_eq!(ids, ["new1", "new2"]);
        assert!(reads < 2 * HIDDEN_SLOP, "{reads} commits read");
    }

    #[test]
    fn a_deploy_branch_deploys_each_first_parent_commit() {
        let history = GitHistory {
            commits: vec![c("a", &[], 0), c("x", &["a"], 1), c("m", &["a", "x"], 2), c("s", &["m"], 3)],
            refs: GitRefs { branch_tip: Some("s".into()), ..Default::default() },
        };
        let plan = plan_git_ingest(
            &history,
            &GitCursor::default(),
            &options(DeploySource::Branch { name: "main".into() }),
            t(20),
        );
        let names: Vec<&str> = plan.batch.deployments.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, vec!["main@a", "main@m", "main@s"]);
        assert_eq!(plan.batch.deployments[1].commits, vec!["m", "x"]);
        assert_eq!(plan.batch.deployments[1].finished, Some(t(2)));
        let cursor = GitCursor::parse(&plan.batch.cursor.unwrap().state).unwrap();
        assert!(cursor.deployed.contains("s"));
    }
}
