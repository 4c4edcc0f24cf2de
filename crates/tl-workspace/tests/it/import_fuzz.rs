//! Fuzzing the importers: arbitrary bytes, and structure-aware mutations of
//! the realistic exports in `tests/fixtures/import/` (rows and columns
//! truncated, duplicated, deleted or swapped; cells replaced with quotes,
//! newlines, a BOM, huge numbers, impossible dates; JSON values replaced and
//! nested thousands deep; mapping YAML lines shuffled). Whatever comes in,
//! an importer returns an error or a report whose counts add up, never
//! panics, and answers in bounded time.

use std::time::{Duration, Instant};

use proptest::prelude::*;
use serde_json::Value;
use tl_engine::FileId;
use tl_workspace::import::{
    ImportOptions, csv, github_json, incidents_csv, jira_csv, opsgenie_csv, pagerduty_csv, parse_mappings,
};

use super::import::{fixture, options};

/// Far more than any of these inputs takes (they are a few KB), even in a
/// debug build on a busy machine; an accidental quadratic loop or an
/// infinite one exceeds it.
const TIME_LIMIT: Duration = Duration::from_secs(5);

/// Runs every importer on `text`; checks each report adds up and each call
/// returns in time.
fn import_everything(text: &str, options: &ImportOptions) -> Result<(), TestCaseError> {
    type Importer =
        fn(&str, &ImportOptions) -> Result<tl_workspace::import::Imported, tl_workspace::import::ImportError>;
    let importers: [(&str, Importer); 5] = [
        ("jira", jira_csv),
        ("github", github_json),
        ("incidents", incidents_csv),
        ("pagerduty", pagerduty_csv),
        ("opsgenie", opsgenie_csv),
    ];
    for (name, importer) in importers {
        let started = Instant::now();
        let result = importer(text, options);
        prop_assert!(started.elapsed() < TIME_LIMIT, "{} took {:?}", name, started.elapsed());
        if let Ok(imported) = result {
            let r = &imported.report;
            prop_assert_eq!(r.read, r.imported + r.skipped + r.rejected, "{}: {}", name, r);
        }
    }
    let started = Instant::now();
    let _ = parse_mappings(FileId(0), text);
    prop_assert!(started.elapsed() < TIME_LIMIT, "mappings took {:?}", started.elapsed());
    Ok(())
}

/// Cell values that have broken parsers before.
const NASTY: &[&str] = &[
    "",
    "\"",
    "\"\"",
    "a\"b",
    "line\nbreak",
    "cr\rlf\r\n",
    "\u{feff}",
    "\u{feff}Issue key",
    "99999999999999999999999999",
    "-9223372036854775809",
    "1e400",
    "NaN",
    "2024-13-45",
    "2024-02-30T25:61:61Z",
    "0000-00-00",
    "9999-12-31T23:59:59Z",
    "-009999-01-01T00:00:00Z",
    "31/31/31 31:31",
    "12/Mar/24 9:99 PM",
    "@",
    "1700000000000000000",
    ",,,,",
    "ü̈̈̈̈",
    "{\"a\":[[[[",
];

#[derive(Clone, Debug)]
enum CsvEdit {
    TruncateRows(usize),
    DeleteRow(usize),
    DuplicateRow(usize),
    DeleteColumn(usize),
    DuplicateColumn(usize),
    SwapCells(usize, usize, usize, usize),
    SetCell(usize, usize, usize),
    LongCell(usize, usize, usize),
    Ragged(usize, usize),
}

fn csv_edit() -> impl Strategy<Value = CsvEdit> {
    let i = 0usize..64;
    prop_oneof![
        i.clone().prop_map(CsvEdit::TruncateRows),
        i.clone().prop_map(CsvEdit::DeleteRow),
        i.clone().prop_map(CsvEdit::DuplicateRow),
        i.clone().prop_map(CsvEdit::DeleteColumn),
        i.clone().prop_map(CsvEdit::DuplicateColumn),
        (i.clone(), i.clone(), i.clone(), i.clone()).prop_map(|(a, b, c, d)| CsvEdit::SwapCells(a, b, c, d)),
        (i.clone(), i.clone(), 0..NASTY.len()).prop_map(|(r, c, v)| CsvEdit::SetCell(r, c, v)),
        (i.clone(), i.clone(), 1usize..20_000).prop_map(|(r, c, n)| CsvEdit::LongCell(r, c, n)),
        (i.clone(), 0usize..40).prop_map(|(r, n)| CsvEdit::Ragged(r, n)),
    ]
}

fn apply_csv(rows: &mut Vec<Vec<String>>, edit: &CsvEdit) {
    if rows.is_empty() {
        return;
    }
    let row = |i: usize| i % rows.len();
    match *edit {
        CsvEdit::TruncateRows(n) => rows.truncate(n % (rows.len() + 1)),
        CsvEdit::DeleteRow(r) => {
            rows.remove(row(r));
        }
        CsvEdit::DuplicateRow(r) => {
            let copy = rows[row(r)].clone();
            rows.insert(row(r), copy);
        }
        CsvEdit::DeleteColumn(c) => rows.iter_mut().filter(|r| !r.is_empty()).for_each(|r| {
            let at = c % r.len();
            r.remove(at);
        }),
        CsvEdit::DuplicateColumn(c) => rows.iter_mut().filter(|r| !r.is_empty()).for_each(|r| {
            let at = c % r.len();
            let copy = r[at].clone();
            r.insert(at, copy);
        }),
        CsvEdit::SwapCells(r1, c1, r2, c2) => {
            let (r1, r2) = (row(r1), row(r2));
            if rows[r1].is_empty() || rows[r2].is_empty() {
                return;
            }
            let (c1, c2) = (c1 % rows[r1].len(), c2 % rows[r2].len());
            let a = std::mem::take(&mut rows[r1][c1]);
            let b = std::mem::replace(&mut rows[r2][c2], a);
            rows[r1][c1] = b;
        }
        CsvEdit::SetCell(r, c, v) | CsvEdit::LongCell(r, c, v) => {
            let r = row(r);
            if rows[r].is_empty() {
                return;
            }
            let c = c % rows[r].len();
            rows[r][c] = match edit {
                CsvEdit::SetCell(..) => NASTY[v].to_string(),
                _ => "9".repeat(v),
            };
        }
        CsvEdit::Ragged(r, n) => {
            let r = row(r);
            rows[r].truncate(n);
        }
    }
}

const CSV_FIXTURES: [&str; 4] = ["jira.csv", "jira-malformed.csv", "pagerduty.csv", "opsgenie.csv"];
const JSON_FIXTURES: [&str; 3] = ["gh-prs.json", "rest-pulls.json", "rest-issues.json"];

/// Replaces the `n`th value of the tree (in pre-order) with `with`; returns
/// how many values it passed.
fn replace_nth(value: &mut Value, n: &mut usize, with: &Value) -> bool {
    if *n == 0 {
        *value = with.clone();
        return true;
    }
    *n -= 1;
    match value {
        Value::Array(items) => items.iter_mut().any(|v| replace_nth(v, n, with)),
        Value::Object(map) => map.values_mut().any(|v| replace_nth(v, n, with)),
        _ => false,
    }
}

/// Deletes the `n`th object key or array element (in pre-order).
fn delete_nth(value: &mut Value, n: &mut usize) -> bool {
    match value {
        Value::Array(items) => {
            if *n < items.len() {
                items.remove(*n);
                return true;
            }
            *n -= items.len();
            items.iter_mut().any(|v| delete_nth(v, n))
        }
        Value::Object(map) => {
            if *n < map.len() {
                let key = map.keys().nth(*n).cloned().unwrap_or_default();
                map.remove(&key);
                return true;
            }
            *n -= map.len();
            map.values_mut().any(|v| delete_nth(v, n))
        }
        _ => false,
    }
}

fn nasty_json() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        (0..NASTY.len()).prop_map(|i| Value::String(NASTY[i].to_string())),
        Just(serde_json::json!([])),
        Just(serde_json::json!({})),
        Just(serde_json::json!([{"number": "x"}, {"createdAt": 5}])),
        Just(serde_json::json!({"login": {"login": ["a"]}})),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let text = String::from_utf8_lossy(&bytes);
        import_everything(&text, &options())?;
    }

    #[test]
    fn mutated_csv_exports_never_panic(file in 0..CSV_FIXTURES.len(), edits in proptest::collection::vec(csv_edit(), 1..6), bom in any::<bool>(), crlf in any::<bool>()) {
        let records = csv::read(&fixture(CSV_FIXTURES[file])).map(|r| r.into_iter().map(|r| r.fields).collect::<Vec<_>>());
        let mut rows = records.unwrap_or_default();
        for edit in &edits {
            apply_csv(&mut rows, edit);
        }
        let mut text = csv::write(&rows);
        if crlf {
            text = text.replace('\n', "\r\n");
        }
        if bom {
            text.insert(0, '\u{feff}');
        }
        import_everything(&text, &options())?;
    }

    #[test]
    fn mutated_json_exports_never_panic(file in 0..JSON_FIXTURES.len(), replacements in proptest::collection::vec((0usize..400, nasty_json()), 0..4), deletions in proptest::collection::vec(0usize..400, 0..4), cut in proptest::option::of(0usize..4000)) {
        // The pages of the export (`gh api --paginate` writes several).
        let export = fixture(JSON_FIXTURES[file]);
        let pages = serde_json::Deserializer::from_str(&export).into_iter::<Value>();
        let mut value = Value::Array(pages.collect::<Result<_, _>>().expect("fixture is JSON"));
        for (n, with) in &replacements {
            replace_nth(&mut value, &mut n.clone(), with);
        }
        for n in &deletions {
            delete_nth(&mut value, &mut n.clone());
        }
        let pages = match value {
            Value::Array(pages) => pages,
            other => vec![other],
        };
        let mut text = pages.iter().map(Value::to_string).collect::<Vec<_>>().join("\n");
        if let Some(cut) = cut {
            let mut at = cut.min(text.len());
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text.truncate(at);
        }
        import_everything(&text, &options())?;
    }

    #[test]
    fn mutated_mappings_never_panic(ops in proptest::collection::vec((0usize..200, 0usize..4, "[\\PC\\n:\\-\\[\\]{}&*!|>' \"]{0,12}"), 1..6)) {
        let mut lines: Vec<String> = fixture("mappings.yaml").lines().map(str::to_string).collect();
        for (at, op, insert) in &ops {
            let i = at % (lines.len() + 1);
            match op {
                0 if i < lines.len() => { lines.remove(i); }
                1 if i < lines.len() => { let copy = lines[i].clone(); lines.insert(i, copy); }
                2 if i < lines.len() => lines[i].push_str(insert),
                _ => lines.insert(i, insert.clone()),
            }
        }
        let text = lines.join("\n");
        let started = Instant::now();
        let _ = parse_mappings(FileId(0), &text);
        prop_assert!(started.elapsed() < TIME_LIMIT);
    }
}

#[test]
fn deep_nesting_is_an_error_or_a_report_not_a_crash() {
    for depth in [200, 20_000] {
        for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
            let text = format!("{}{}", open.repeat(depth), close.repeat(depth));
            import_everything(&text, &ImportOptions::default()).expect("no failure");
            let yaml = format!("rules:\n  - {}x{}", "[".repeat(depth), "]".repeat(depth));
            let _ = parse_mappings(FileId(0), &yaml);
        }
    }
}

#[test]
fn a_huge_single_row_is_read_in_bounded_time() {
    let header = fixture("pagerduty.csv").lines().next().expect("header").to_string();
    let text = format!("{header}\n{}\n", "\"x\",".repeat(200_000));
    import_everything(&text, &options()).expect("no failure");
    let quotes = "\"".repeat(200_001);
    import_everything(&quotes, &options()).expect("no failure");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Date-shaped text: the parser's offsets, month names, 12-hour clocks
    /// and epoch numbers, in any combination.
    #[test]
    fn date_shaped_text_never_panics(text in "[0-9]{0,14}([-/ T:+.Z]|Mar|PM|AM| UTC| GMT|[0-9]{1,5}){0,12}", day_first in any::<bool>(), hours in -18i8..=18) {
        let order = if day_first { tl_workspace::import::DateOrder::DayFirst } else { tl_workspace::import::DateOrder::MonthFirst };
        let offset = jiff::tz::Offset::constant(hours);
        let _ = tl_workspace::import::time::parse(&text, offset, order);
    }
}
