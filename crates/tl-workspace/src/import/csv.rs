//! A small RFC 4180 CSV reader and writer, with the line each record starts on.
//!
//! Exports from Jira, PagerDuty and Opsgenie are CSV as spreadsheets write it:
//! quoted fields with embedded commas and line breaks, doubled quotes, CRLF
//! line ends and sometimes a UTF-8 byte order mark. The reader accepts all of
//! that, and also LF-only and CR-only line ends. It is lenient where real
//! files are sloppy (a quote in the middle of an unquoted field is kept as
//! text) and strict where leniency would silently shift columns (an
//! unterminated quoted field, or text after a closing quote, is an error).
//!
//! Line numbers are 1-based and count every line break, including those
//! inside quoted fields, so that a report points at the line an editor shows.

/// One record of a CSV file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvRecord {
    /// The 1-based line the record starts on.
    pub line: u32,
    pub fields: Vec<String>,
}

/// Why a text is not CSV.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// Reads every record of `text`. Blank lines (no characters at all) are not
/// records; a line holding only `""` is a record of one empty field.
pub fn read(text: &str) -> Result<Vec<CsvRecord>, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut chars = text.char_indices().peekable();
    let mut line: u32 = 1;
    // Column of the current character on its line, 1-based, in characters.
    let mut column: u32 = 1;

    loop {
        // At the start of a record.
        let record_line = line;
        let mut fields: Vec<String> = Vec::new();
        let mut field = String::new();
        let mut blank = true;
        let mut ended = false;
        loop {
            // At the start of a field.
            if chars.peek().is_some_and(|&(_, c)| c == '"') {
                let (open_line, open_column) = (line, column);
                chars.next();
                column += 1;
                blank = false;
                loop {
                    match chars.next() {
                        None => {
                            return Err(CsvError {
                                line: open_line,
                                column: open_column,
                                message: "a quoted field is never closed".into(),
                            });
                        }
                        Some((_, '"')) => {
                            column += 1;
                            if chars.peek().is_some_and(|&(_, c)| c == '"') {
                                chars.next();
                                column += 1;
                                field.push('"');
                            } else {
                                break;
                            }
                        }
                        Some((_, c)) => {
                            advance(&mut line, &mut column, c, chars.peek().map(|&(_, c)| c));
                            field.push(c);
                        }
                    }
                }
                match chars.peek() {
                    None | Some((_, ',' | '\n' | '\r')) => {}
                    Some(&(_, c)) => {
                        return Err(CsvError {
                            line,
                            column,
                            message: format!(
                                "`{}` after the closing quote of a field; a quote inside a quoted field is written twice (\"\")",
                                c.escape_debug()
                            ),
                        });
                    }
                }
            }
            // The rest of an unquoted field (or the separator after a quoted one).
            loop {
                match chars.next() {
                    None => {
                        ended = true;
                        break;
                    }
                    Some((_, ',')) => {
                        column += 1;
                        blank = false;
                        fields.push(std::mem::take(&mut field));
                        break;
                    }
                    Some((_, '\r')) => {
                        if chars.peek().is_some_and(|&(_, c)| c == '\n') {
                            chars.next();
                        }
                        line += 1;
                        column = 1;
                        ended = true;
                        break;
                    }
                    Some((_, '\n')) => {
                        line += 1;
                        column = 1;
                        ended = true;
                        break;
                    }
                    Some((_, c)) => {
                        column += 1;
                        blank = false;
                        field.push(c);
                    }
                }
            }
            if ended {
                break;
            }
        }
        if !blank {
            fields.push(field);
            records.push(CsvRecord { line: record_line, fields });
        }
        if chars.peek().is_none() {
            return Ok(records);
        }
    }
}

/// Moves the position past `c` inside a quoted field; a CRLF pair counts as
/// one line break (its CR moves to the next line, its LF does nothing).
fn advance(line: &mut u32, column: &mut u32, c: char, next: Option<char>) {
    match c {
        '\r' if next == Some('\n') => {}
        '\r' => {
            *line += 1;
            *column = 1;
        }
        '\n' => {
            *line += 1;
            *column = 1;
        }
        _ => *column += 1,
    }
}

/// Writes records as CSV with CRLF line ends, quoting the fields that need
/// it. `read(&write(r))` gives back `r` for any non-empty records.
pub fn write(records: &[Vec<String>]) -> String {
    let mut out = String::new();
    for record in records {
        // A record of one empty field would be a blank line, which is no record.
        if let [only] = record.as_slice()
            && only.is_empty()
        {
            out.push_str("\"\"\r\n");
            continue;
        }
        for (i, field) in record.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let needs_quotes = field.starts_with(['"', '\u{feff}']) || field.contains([',', '"', '\r', '\n']);
            if needs_quotes {
                out.push('"');
                out.push_str(&field.replace('"', "\"\""));
                out.push('"');
            } else {
                out.push_str(field);
            }
        }
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Vec<(u32, Vec<&str>)> {
        let records = read(text).unwrap();
        let leaked: &'static [CsvRecord] = Box::leak(records.into_boxed_slice());
        leaked.iter().map(|r| (r.line, r.fields.iter().map(String::as_str).collect())).collect()
    }

    #[test]
    fn quoted_fields_with_commas_newlines_and_quotes() {
        let text = "\u{feff}a,b,c\r\n\"x, y\",\"two\r\nlines\",\"say \"\"hi\"\"\"\r\nlast,,\r\n";
        assert_eq!(
            fields(text),
            vec![(1, vec!["a", "b", "c"]), (2, vec!["x, y", "two\r\nlines", "say \"hi\""]), (4, vec!["last", "", ""]),]
        );
    }

    #[test]
    fn blank_lines_are_no_records_and_lines_still_count() {
        assert_eq!(fields("a\n\n\nb"), vec![(1, vec!["a"]), (4, vec!["b"])]);
        assert_eq!(fields("a\rb\r"), vec![(1, vec!["a"]), (2, vec!["b"])]);
        assert_eq!(fields("\"\"\n"), vec![(1, vec![""])]);
    }

    #[test]
    fn stray_quote_in_unquoted_field_is_text() {
        assert_eq!(fields("5\" disk,x\n"), vec![(1, vec!["5\" disk", "x"])]);
    }

    #[test]
    fn unterminated_quote_points_at_its_opening() {
        let err = read("a,b\n1,\"open\n\nmore").unwrap_err();
        assert_eq!((err.line, err.column), (2, 3));
    }

    #[test]
    fn text_after_closing_quote_is_an_error() {
        let err = read("\"a\"b,c\n").unwrap_err();
        assert_eq!((err.line, err.column), (1, 4));
    }
}
