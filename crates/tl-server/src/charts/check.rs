//! Test helper: a tiny XML well-formedness checker for chart output.

/// Panics with a message unless `svg` is one well-formed `<svg>` element
/// with a title and description, only finite numbers and no scripts.
pub(crate) fn assert_valid(svg: &str) {
    if let Err(e) = well_formed(svg) {
        panic!("malformed SVG: {e}\n{}", &svg[..svg.len().min(2000)]);
    }
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""), "root is not <svg>");
    assert!(svg.contains("role=\"img\""), "no role=img");
    assert!(svg.contains("<title id=\""), "no <title>");
    assert!(svg.contains("<desc id=\""), "no <desc>");
    for bad in ["NaN", "inf\"", "<script", "<style", "javascript:", "on-load", "onclick"] {
        assert!(!svg.contains(bad), "SVG contains {bad:?}");
    }
}

/// Checks tags are balanced, attributes quoted and unique, text and
/// attribute values contain only the five XML entities or numeric ones.
pub(crate) fn well_formed(s: &str) -> Result<(), String> {
    let b = s.as_bytes();
    let mut stack: Vec<&str> = Vec::new();
    let mut roots = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'<' {
            let end = s[i..].find('>').ok_or("unterminated tag")? + i;
            let tag = &s[i + 1..end];
            if let Some(name) = tag.strip_prefix('/') {
                let open = stack.pop().ok_or_else(|| format!("stray </{name}>"))?;
                if open != name.trim() {
                    return Err(format!("</{name}> closes <{open}>"));
                }
            } else {
                let self_closing = tag.ends_with('/');
                let tag = tag.trim_end_matches('/');
                let name_end = tag.find(|c: char| c.is_whitespace()).unwrap_or(tag.len());
                let name = &tag[..name_end];
                if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == ':' || c == '-') {
                    return Err(format!("bad tag name {name:?}"));
                }
                check_attrs(&tag[name_end..])?;
                if stack.is_empty() {
                    roots += 1;
                }
                if !self_closing {
                    stack.push(name);
                }
            }
            i = end + 1;
        } else {
            let end = s[i..].find('<').map_or(b.len(), |e| e + i);
            if stack.is_empty() && !s[i..end].trim().is_empty() {
                return Err("text outside the root".into());
            }
            check_text(&s[i..end])?;
            i = end;
        }
    }
    if let Some(open) = stack.pop() {
        return Err(format!("<{open}> never closed"));
    }
    if roots != 1 {
        return Err(format!("{roots} root elements"));
    }
    Ok(())
}

fn check_attrs(mut a: &str) -> Result<(), String> {
    let mut seen = Vec::new();
    loop {
        a = a.trim_start();
        if a.is_empty() {
            return Ok(());
        }
        let eq = a.find('=').ok_or_else(|| format!("attribute without value: {a:?}"))?;
        let name = &a[..eq];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ':') {
            return Err(format!("bad attribute name {name:?}"));
        }
        if seen.contains(&name) {
            return Err(format!("duplicate attribute {name}"));
        }
        seen.push(name);
        let rest = &a[eq + 1..];
        if !rest.starts_with('"') {
            return Err(format!("unquoted attribute {name}"));
        }
        let close = rest[1..].find('"').ok_or("unterminated attribute")? + 1;
        check_text(&rest[1..close])?;
        a = &rest[close + 1..];
        if !a.is_empty() && !a.starts_with(char::is_whitespace) {
            return Err(format!("no space after attribute {name}"));
        }
    }
}

fn check_text(t: &str) -> Result<(), String> {
    if t.contains('<') || t.contains('>') {
        return Err(format!("unescaped bracket in {t:?}"));
    }
    if t.chars().any(|c| (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r')) {
        return Err("control character".into());
    }
    let mut rest = t;
    while let Some(p) = rest.find('&') {
        let after = &rest[p + 1..];
        let semi = after.find(';').ok_or("bare &")?;
        let ent = &after[..semi];
        let ok = matches!(ent, "amp" | "lt" | "gt" | "quot" | "apos")
            || ent.strip_prefix('#').is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
        if !ok {
            return Err(format!("bad entity &{ent};"));
        }
        rest = &after[semi + 1..];
    }
    Ok(())
}

#[test]
fn checker_rejects_broken_markup() {
    assert!(well_formed("<svg><g></g></svg>").is_ok());
    assert!(well_formed("<svg><g></svg>").is_err());
    assert!(well_formed("<svg a=\"1\" a=\"2\"/>").is_err());
    assert!(well_formed("<svg>a & b</svg>").is_err());
    assert!(well_formed("<svg>&amp;&#39;</svg>").is_ok());
    assert!(well_formed("<svg/><svg/>").is_err());
    assert!(well_formed("<svg a=1/>").is_err());
}
