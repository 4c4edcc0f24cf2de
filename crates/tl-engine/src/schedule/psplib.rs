//! Reads PSPLIB's single-mode `.sm` text (Kolisch & Sprecher 1997) into a
//! `Problem`. Only what scheduling needs is read: the job count, the
//! renewable resources, the precedence relations, durations and demands,
//! and the capacities. Nonrenewable resources are skipped. Errors carry the
//! 1-based line number; no input makes the parser panic.

use std::fmt;

use super::rcpsp::Problem;

/// What is wrong with an `.sm` text, and on which line (1-based; for a
/// missing section, the last line of the text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub kind: ParseErrorKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// A required line or section was not found.
    Missing(&'static str),
    /// A field that should be a non-negative integer is not one (or does
    /// not fit).
    BadNumber(String),
    /// A line has fewer numbers than its fields require.
    TooFewNumbers { expected: usize, found: usize },
    /// Job lines must be numbered 1, 2, ... in order.
    JobNumber { expected: usize, found: u64 },
    /// The job has more than one mode; this parser reads single-mode files.
    MultiMode { modes: u64 },
    /// A successor number is not a job.
    UnknownSuccessor { successor: u64, jobs: usize },
    /// The text ends inside a section.
    UnexpectedEnd(&'static str),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: ", self.line)?;
        match &self.kind {
            ParseErrorKind::Missing(what) => write!(f, "missing {what}"),
            ParseErrorKind::BadNumber(s) => write!(f, "expected a non-negative integer, found `{s}`"),
            ParseErrorKind::TooFewNumbers { expected, found } => {
                write!(f, "expected {expected} numbers, found {found}")
            }
            ParseErrorKind::JobNumber { expected, found } => write!(f, "expected job {expected}, found job {found}"),
            ParseErrorKind::MultiMode { modes } => {
                write!(f, "job has {modes} modes; only single-mode (.sm) files are supported")
            }
            ParseErrorKind::UnknownSuccessor { successor, jobs } => {
                write!(f, "successor {successor} is not a job (there are {jobs})")
            }
            ParseErrorKind::UnexpectedEnd(section) => write!(f, "the text ends inside {section}"),
        }
    }
}

impl std::error::Error for ParseError {}

struct Lines<'a> {
    lines: Vec<&'a str>,
}

impl<'a> Lines<'a> {
    fn error(&self, index: usize, kind: ParseErrorKind) -> ParseError {
        ParseError { line: index + 1, kind }
    }

    fn missing(&self, what: &'static str) -> ParseError {
        ParseError { line: self.lines.len().max(1), kind: ParseErrorKind::Missing(what) }
    }

    /// Index of the first line (from `from`) whose trimmed text starts
    /// with `prefix`.
    fn find(&self, from: usize, prefix: &str) -> Option<usize> {
        (from..self.lines.len()).find(|&i| self.lines[i].trim_start().starts_with(prefix))
    }

    /// The value after the colon of a `name : value` line.
    fn value_after_colon(&self, index: usize, what: &'static str) -> Result<u64, ParseError> {
        let line = self.lines[index];
        let rest =
            line.split_once(':').map(|(_, r)| r).ok_or_else(|| self.error(index, ParseErrorKind::Missing(what)))?;
        let token = rest.split_whitespace().next().ok_or_else(|| self.error(index, ParseErrorKind::Missing(what)))?;
        self.number(index, token)
    }

    fn number(&self, index: usize, token: &str) -> Result<u64, ParseError> {
        token.parse::<u64>().map_err(|_| self.error(index, ParseErrorKind::BadNumber(token.chars().take(40).collect())))
    }

    fn numbers(&self, index: usize) -> Result<Vec<u64>, ParseError> {
        self.lines[index].split_whitespace().map(|t| self.number(index, t)).collect()
    }

    fn u32(&self, index: usize, value: u64) -> Result<u32, ParseError> {
        u32::try_from(value).map_err(|_| self.error(index, ParseErrorKind::BadNumber(value.to_string())))
    }
}

/// Parses a PSPLIB single-mode instance. Job `k` of the file becomes task
/// `k - 1`; the dummy source and sink are kept as zero-duration tasks.
pub fn parse(text: &str) -> Result<Problem, ParseError> {
    let lines = Lines { lines: text.lines().collect() };
    let jobs_line =
        lines.find(0, "jobs (incl").ok_or_else(|| lines.missing("the `jobs (incl. supersource/sink )` line"))?;
    let n_jobs = lines.value_after_colon(jobs_line, "the number of jobs")?;
    let n_jobs =
        usize::try_from(n_jobs).map_err(|_| lines.error(jobs_line, ParseErrorKind::BadNumber(n_jobs.to_string())))?;
    let renewable_line = lines.find(0, "- renewable").ok_or_else(|| lines.missing("the `- renewable` line"))?;
    let n_renewable = lines.value_after_colon(renewable_line, "the number of renewable resources")?;
    let mut n_other = 0u64;
    for name in ["- nonrenewable", "- doubly constrained"] {
        if let Some(i) = lines.find(0, name) {
            n_other = n_other.saturating_add(lines.value_after_colon(i, "the number of resources")?);
        }
    }
    let n_resources_total = n_renewable.saturating_add(n_other);

    // Precedence relations: `jobnr. #modes #successors successors...`.
    let header = lines.find(0, "PRECEDENCE RELATIONS").ok_or_else(|| lines.missing("PRECEDENCE RELATIONS"))?;
    let mut i = header + 1;
    if lines.find(i, "jobnr") == Some(i) {
        i += 1;
    }
    let mut successors = Vec::new();
    for k in 0..n_jobs {
        if i >= lines.lines.len() {
            return Err(lines.error(i.saturating_sub(1), ParseErrorKind::UnexpectedEnd("PRECEDENCE RELATIONS")));
        }
        let nums = lines.numbers(i)?;
        if nums.len() < 3 {
            return Err(lines.error(i, ParseErrorKind::TooFewNumbers { expected: 3, found: nums.len() }));
        }
        if nums[0] != k as u64 + 1 {
            return Err(lines.error(i, ParseErrorKind::JobNumber { expected: k + 1, found: nums[0] }));
        }
        if nums[1] != 1 {
            return Err(lines.error(i, ParseErrorKind::MultiMode { modes: nums[1] }));
        }
        let expected = 3u64.saturating_add(nums[2]);
        if (nums.len() as u64) < expected {
            return Err(lines.error(
                i,
                ParseErrorKind::TooFewNumbers {
                    expected: usize::try_from(expected).unwrap_or(usize::MAX),
                    found: nums.len(),
                },
            ));
        }
        let mut succs = Vec::with_capacity(nums.len() - 3);
        for &s in &nums[3..] {
            if s == 0 || s > n_jobs as u64 {
                return Err(lines.error(i, ParseErrorKind::UnknownSuccessor { successor: s, jobs: n_jobs }));
            }
            succs.push((s - 1) as usize);
        }
        successors.push(succs);
        i += 1;
    }

    // Requests and durations: `jobnr. mode duration R 1 ... N 1 ...`.
    let header = lines.find(i, "REQUESTS/DURATIONS").ok_or_else(|| lines.missing("REQUESTS/DURATIONS"))?;
    let mut i = header + 1;
    while i < lines.lines.len() {
        let t = lines.lines[i].trim_start();
        if t.starts_with("jobnr") || t.starts_with('-') {
            i += 1;
        } else {
            break;
        }
    }
    let fields = 3u64.saturating_add(n_resources_total);
    let fields = usize::try_from(fields).unwrap_or(usize::MAX);
    let mut durations = Vec::new();
    let mut demands = Vec::new();
    for k in 0..n_jobs {
        if i >= lines.lines.len() {
            return Err(lines.error(i.saturating_sub(1), ParseErrorKind::UnexpectedEnd("REQUESTS/DURATIONS")));
        }
        let nums = lines.numbers(i)?;
        if nums.len() < fields {
            return Err(lines.error(i, ParseErrorKind::TooFewNumbers { expected: fields, found: nums.len() }));
        }
        if nums[0] != k as u64 + 1 {
            return Err(lines.error(i, ParseErrorKind::JobNumber { expected: k + 1, found: nums[0] }));
        }
        if nums[1] != 1 {
            return Err(lines.error(i, ParseErrorKind::MultiMode { modes: nums[1] }));
        }
        durations.push(lines.u32(i, nums[2])?);
        // `fields` <= nums.len() bounds the renewable count too.
        let demand =
            nums[3..3 + n_renewable as usize].iter().map(|&q| lines.u32(i, q)).collect::<Result<Vec<_>, _>>()?;
        demands.push(demand);
        i += 1;
    }

    // Availabilities: a header of names, then one line of capacities.
    let header = lines.find(i, "RESOURCEAVAILABILITIES").ok_or_else(|| lines.missing("RESOURCEAVAILABILITIES"))?;
    let mut i = header + 1;
    while i < lines.lines.len() && !lines.lines[i].trim_start().starts_with(|c: char| c.is_ascii_digit()) {
        i += 1;
    }
    if i >= lines.lines.len() {
        return Err(
            lines.error(lines.lines.len().saturating_sub(1), ParseErrorKind::UnexpectedEnd("RESOURCEAVAILABILITIES"))
        );
    }
    let nums = lines.numbers(i)?;
    // The renewable count is bounded by a line's length here as well.
    if (nums.len() as u64) < n_resources_total {
        return Err(lines.error(
            i,
            ParseErrorKind::TooFewNumbers {
                expected: usize::try_from(n_resources_total).unwrap_or(usize::MAX),
                found: nums.len(),
            },
        ));
    }
    let capacities = nums[..n_renewable as usize].iter().map(|&c| lines.u32(i, c)).collect::<Result<Vec<_>, _>>()?;
    Ok(Problem { durations, demands, capacities, successors })
}
