//! Checking and encoding the mount and secret paths the handwritten helpers put in URLs.
//!
//! Paths are `/`-separated; each segment is percent-encoded on its own, so a `/` in a path stays a
//! literal `/` on the wire while a space, `%`, `?`, `#` or non-ASCII character is escaped and
//! reaches Vault as the caller wrote it.

use std::fmt;

use crate::Error;

/// Checks a path of `/`-separated segments for `..`, `.` and control characters, without
/// encoding it (for [`crate::auth::AuthApi::login`], whose caller writes the path as it is sent).
pub(crate) fn check_segments(path: &str, what: &str) -> Result<(), Error> {
    if path.chars().any(char::is_control) {
        return Err(Error::invalid(format!(
            "the {what} contains a control character"
        )));
    }
    if path.split('/').any(|s| s == ".." || s == ".") {
        return Err(Error::invalid(format!(
            "the {what} {path:?} contains a `.` or `..` segment"
        )));
    }
    Ok(())
}

/// Percent-encodes one path segment (keeps unreserved characters).
pub(crate) fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    push_encoded(&mut out, segment);
    out
}

fn push_encoded(out: &mut String, segment: &str) {
    let bytes = segment.as_bytes();
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !is_unreserved(b) {
            push_run(out, segment, run, i);
            push_escaped(out, b);
            run = i + 1;
        }
    }
    push_run(out, segment, run, bytes.len());
}

/// Bytes sent as they are in a path segment: RFC 3986's unreserved characters and the
/// sub-delimiters Vault's paths use.
#[inline]
fn is_unreserved(b: u8) -> bool {
    UNRESERVED[usize::from(b)]
}

/// [`is_unreserved`] as a table: this runs for every byte of every path.
static UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'-' | b'_' | b'.' | b'~' | b'@' | b':' | b'+' | b'=' | b','
            );
        b += 1;
    }
    table
};

/// Writes `bytes[from..to]`, a run of unreserved (so ASCII) bytes.
fn push_run(out: &mut String, text: &str, from: usize, to: usize) {
    // Unreserved bytes are ASCII: both ends of a non-empty run are character boundaries.
    if let Some(run) = text.get(from..to).filter(|r| !r.is_empty()) {
        out.push_str(run);
    }
}

/// Writes one reserved or non-ASCII byte as `%XX`.
fn push_escaped(out: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('%');
    out.push(HEX[usize::from(b >> 4)] as char);
    out.push(HEX[usize::from(b & 0xF)] as char);
}

/// The URL of a generated operation: `base`, then each of `pieces` with the parameters between
/// them (`pieces.len() == params.len() + 1`), in one allocation.
///
/// Each parameter is written through [`fmt::Display`] and checked as a secret path is: leading and
/// trailing slashes are trimmed, inner slashes stay literal, every other reserved byte is
/// escaped, and a parameter that is empty or has a `.`/`..`/empty segment or a control character
/// is refused (it would reach another endpoint than the operation's). The one exception is a
/// folder: the last parameter of a template ending in `/` (`/{mount}/metadata/{path}/?list=true`,
/// the list operations) may be empty, for the root folder (`/secret/metadata/?list=true`). The error names the
/// parameter, not its value.
pub(crate) fn operation_url(
    base: &str,
    pieces: &[&str],
    params: &[(&str, &dyn fmt::Display)],
) -> Result<String, String> {
    debug_assert_eq!(pieces.len(), params.len() + 1);
    let len = base.len() + pieces.iter().map(|p| p.len()).sum::<usize>() + 16 * params.len();
    let mut url = String::with_capacity(len);
    url.push_str(base);
    // `/` or `/?list=true` (the normalizer bakes the list query into the path) after the last
    // parameter: a folder.
    let folder_last = !params.is_empty()
        && pieces
            .last()
            .is_some_and(|p| *p == "/" || p.starts_with("/?"));
    let mut root_folder = false;
    for (i, (piece, (name, value))) in pieces.iter().zip(params).enumerate() {
        url.push_str(piece);
        let mut writer = ParamWriter::new(&mut url);
        let written = fmt::write(&mut writer, format_args!("{value}"));
        let may_be_empty = folder_last && i + 1 == params.len() && piece.ends_with('/');
        match written
            .and_then(|()| writer.finish(may_be_empty))
            .map_err(|_| writer.refused)
        {
            Ok(empty) => root_folder = empty,
            Err(Some(reason)) => {
                return Err(format!("the path parameter `{name}` {reason}"));
            }
            Err(None) => {
                return Err(format!("the path parameter `{name}` cannot be written"));
            }
        }
    }
    if let Some(last) = pieces.get(params.len()) {
        // The root folder ends with the `/` before the parameter.
        url.push_str(if root_folder { &last[1..] } else { last });
    }
    Ok(url)
}

/// Encodes one parameter into a URL as its `Display` output arrives, checking its segments.
struct ParamWriter<'a> {
    out: &'a mut String,
    /// Nothing but slashes seen yet (leading slashes are dropped).
    at_start: bool,
    /// A slash seen and not yet written: written before the next segment, dropped at the end.
    pending_slash: bool,
    /// Bytes of the current segment, and whether they are all dots.
    segment_len: usize,
    segment_dots: bool,
    refused: Option<&'static str>,
}

impl<'a> ParamWriter<'a> {
    fn new(out: &'a mut String) -> Self {
        ParamWriter {
            out,
            at_start: true,
            pending_slash: false,
            segment_len: 0,
            segment_dots: true,
            refused: None,
        }
    }

    fn refuse(&mut self, reason: &'static str) -> fmt::Result {
        self.refused = Some(reason);
        Err(fmt::Error)
    }

    /// Ends the current segment; refuses `.` and `..`.
    fn end_segment(&mut self) -> fmt::Result {
        if self.segment_dots && (1..=2).contains(&self.segment_len) {
            return self.refuse("has a `.` or `..` segment");
        }
        self.segment_len = 0;
        self.segment_dots = true;
        Ok(())
    }

    /// Checks the last segment; returns whether nothing was written (allowed if `may_be_empty`).
    fn finish(&mut self, may_be_empty: bool) -> Result<bool, fmt::Error> {
        if self.at_start {
            if may_be_empty {
                return Ok(true);
            }
            self.refuse("is empty")?;
        }
        self.end_segment().map(|()| false)
    }

    /// Starts (or continues) a segment: writes a pending slash.
    fn open_segment(&mut self) {
        if self.pending_slash {
            self.out.push('/');
            self.pending_slash = false;
        }
        self.at_start = false;
    }
}

impl fmt::Write for ParamWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            // A run of unreserved bytes is written in one go.
            let end = bytes[i..]
                .iter()
                .position(|&b| !is_unreserved(b))
                .map_or(bytes.len(), |n| i + n);
            if end > i {
                self.open_segment();
                let run = &bytes[i..end];
                // Only a segment of one or two bytes can be `.` or `..`.
                self.segment_dots = self.segment_len + run.len() <= 2
                    && self.segment_dots
                    && run.iter().all(|&b| b == b'.');
                self.segment_len += run.len();
                push_run(self.out, s, i, end);
                i = end;
                continue;
            }
            let b = bytes[i];
            i += 1;
            if b == b'/' {
                if self.at_start {
                    continue;
                }
                if self.pending_slash {
                    return self.refuse("has an empty segment (`//`)");
                }
                self.end_segment()?;
                self.pending_slash = true;
                continue;
            }
            if b.is_ascii_control() {
                return self.refuse("has a control character");
            }
            self.open_segment();
            self.segment_len += 1;
            self.segment_dots = false;
            push_escaped(self.out, b);
        }
        Ok(())
    }
}

/// A mount path checked (slashes at both ends trimmed; not empty, no `.`/`..`/empty segment, no
/// control character) and encoded for a URL.
pub(crate) fn mount_url(mount: &str) -> Result<String, Error> {
    let mut out = String::with_capacity(mount.len() + 8);
    push_checked(&mut out, mount, "mount path", false)?;
    Ok(out)
}

/// A folder to list, checked and encoded, ending with `/`; empty (the mount's root) is allowed
/// and gives an empty string.
pub(crate) fn folder_url(prefix: &str) -> Result<String, Error> {
    let mut out = String::with_capacity(prefix.len() + 8);
    if push_checked(&mut out, prefix, "folder path", true)? {
        out.push('/');
    }
    Ok(out)
}

/// `<mount>/<kind>/<path>` (`<mount>/<path>` when `kind` is empty), each part checked as
/// [`mount_url`] does, written in one allocation: this runs on every KV call.
pub(crate) fn mount_kind_path(mount: &str, kind: &str, path: &str) -> Result<String, Error> {
    let mut out = String::with_capacity(mount.len() + kind.len() + path.len() + 16);
    push_checked(&mut out, mount, "mount path", false)?;
    out.push('/');
    if !kind.is_empty() {
        out.push_str(kind);
        out.push('/');
    }
    push_checked(&mut out, path, "secret path", false)?;
    Ok(out)
}

/// Appends `path` (slashes at both ends trimmed) to `out`, each segment percent-encoded, in one
/// pass that refuses a `.` or `..` segment, an empty segment (`//`) and control characters.
/// An empty path is refused unless `allow_empty`; returns whether anything was written.
fn push_checked(
    out: &mut String,
    path: &str,
    what: &str,
    allow_empty: bool,
) -> Result<bool, Error> {
    let trimmed = path.trim_matches('/');
    if trimmed.is_empty() {
        return if allow_empty {
            Ok(false)
        } else {
            Err(Error::invalid(format!("the {what} is empty")))
        };
    }
    let start = out.len();
    let refuse = |out: &mut String, e: Error| {
        out.truncate(start);
        Err(e)
    };
    let bytes = trimmed.as_bytes();
    // One pass: runs of unreserved bytes are copied at once, a `/` ends a segment (checked),
    // anything else is escaped or, for a control character, refused.
    let (mut run, mut segment) = (0, 0);
    for (i, &b) in bytes.iter().enumerate() {
        if is_unreserved(b) {
            continue;
        }
        // U+0080..=U+009F (C1 controls) are 0xC2 0x80..=0x9F in UTF-8.
        let c1_control = b == 0xC2 && bytes.get(i + 1).is_some_and(|n| (0x80..=0x9F).contains(n));
        if b.is_ascii_control() || c1_control {
            let e = Error::invalid(format!("the {what} contains a control character"));
            return refuse(out, e);
        }
        push_run(out, trimmed, run, i);
        run = i + 1;
        if b == b'/' {
            if let Err(e) = check_segment(&trimmed[segment..i], trimmed, what) {
                return refuse(out, e);
            }
            segment = i + 1;
            out.push('/');
        } else {
            push_escaped(out, b);
        }
    }
    if let Err(e) = check_segment(&trimmed[segment..], trimmed, what) {
        return refuse(out, e);
    }
    push_run(out, trimmed, run, bytes.len());
    Ok(true)
}

fn check_segment(segment: &str, path: &str, what: &str) -> Result<(), Error> {
    match segment {
        "" => Err(Error::invalid(format!(
            "the {what} {path:?} contains an empty segment (`//`)"
        ))),
        "." | ".." => Err(Error::invalid(format!(
            "the {what} {path:?} contains a `.` or `..` segment"
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A secret path as the KV helpers write it.
    fn secret_url(path: &str) -> Result<String, Error> {
        mount_kind_path("m", "", path).map(|url| url["m/".len()..].to_string())
    }

    #[test]
    fn segments_are_escaped_but_slashes_stay() {
        assert_eq!(
            secret_url("/a b/c%d?e#f/ü/").unwrap(),
            "a%20b/c%25d%3Fe%23f/%C3%BC"
        );
        assert_eq!(mount_url("team/kv/").unwrap(), "team/kv");
        assert_eq!(folder_url("").unwrap(), "");
        assert_eq!(folder_url("/app/").unwrap(), "app/");
        assert_eq!(
            mount_kind_path("/team/kv/", "data", "/a b/c/").unwrap(),
            "team/kv/data/a%20b/c"
        );
        assert_eq!(mount_kind_path("kv", "", "a").unwrap(), "kv/a");
    }

    fn url(params: &[(&str, &dyn fmt::Display)]) -> Result<String, String> {
        let mut pieces = vec!["/"];
        pieces.extend(std::iter::repeat_n("/x/", params.len().saturating_sub(1)));
        pieces.push("");
        operation_url("http://h/v1", &pieces, params)
    }

    #[test]
    fn operation_urls_keep_slashes_and_escape_the_rest() {
        assert_eq!(
            url(&[("mount", &"team/kv/"), ("path", &"/a b/c%d?e#f/ü")]).unwrap(),
            "http://h/v1/team/kv/x/a%20b/c%25d%3Fe%23f/%C3%BC"
        );
        assert_eq!(url(&[("version", &3u64)]).unwrap(), "http://h/v1/3");
        assert_eq!(
            operation_url("http://h/v1", &["/sys/health"], &[]).unwrap(),
            "http://h/v1/sys/health"
        );
        assert_eq!(
            operation_url("b", &["/", "/data/", "/end"], &[("a", &"x"), ("b", &"...")]).unwrap(),
            "b/x/data/.../end"
        );
        // A list operation's folder may be empty: the mount's root.
        let list = ["/", "/metadata/", "/"];
        assert_eq!(
            operation_url("b", &list, &[("m", &"kv"), ("path", &"app/")]).unwrap(),
            "b/kv/metadata/app/"
        );
        assert_eq!(
            operation_url("b", &list, &[("m", &"kv"), ("path", &"/")]).unwrap(),
            "b/kv/metadata/"
        );
        assert!(operation_url("b", &list, &[("m", &""), ("path", &"a")]).is_err());
        let list = ["/", "/metadata/", "/?list=true"];
        assert_eq!(
            operation_url("b", &list, &[("m", &"kv"), ("path", &"")]).unwrap(),
            "b/kv/metadata/?list=true"
        );
        assert!(operation_url("b", &["/", "/data/", ""], &[("m", &"kv"), ("p", &"")]).is_err());
    }

    #[test]
    fn operation_url_params_that_leave_the_endpoint_are_refused() {
        for (bad, reason) in [
            ("", "is empty"),
            ("///", "is empty"),
            ("..", "`..` segment"),
            ("a/../../sys/seal", "`..` segment"),
            ("a/./b", "`..` segment"),
            ("./", "`..` segment"),
            ("a//b", "empty segment"),
            ("a\nb", "control character"),
            ("\u{7f}", "control character"),
        ] {
            let err = url(&[("path", &bad)]).unwrap_err();
            assert!(
                err.starts_with("the path parameter `path` "),
                "{bad:?}: {err}"
            );
            assert!(err.contains(reason), "{bad:?}: {err}");
            if bad.len() > 3 {
                assert!(!err.contains(bad), "the value is not echoed: {err}");
            }
        }
    }

    #[test]
    fn bad_paths_are_refused() {
        for bad in ["", "/", "a/../b", "..", "a/./b", "a\nb", "a//b", "a\u{7f}"] {
            assert!(secret_url(bad).unwrap_err().is_invalid_input(), "{bad:?}");
        }
        for bad in ["", "//", "a/..", "t//kv", "k\tv"] {
            assert!(mount_url(bad).unwrap_err().is_invalid_input(), "{bad:?}");
        }
        assert!(folder_url("a/../b").is_err());
        for bad in ["a\u{85}b", "a/\u{9f}"] {
            assert!(secret_url(bad)
                .unwrap_err()
                .to_string()
                .contains("control character"));
        }
        assert!(secret_url("ä/\u{a0}").is_ok(), "not control characters");
        for (mount, path) in [("", "a"), ("kv", ""), ("k/../v", "a"), ("kv", "a//b")] {
            let err = mount_kind_path(mount, "data", path).unwrap_err();
            assert!(err.is_invalid_input(), "{mount:?} {path:?}");
        }
    }
}
