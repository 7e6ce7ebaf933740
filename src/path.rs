//! The one path check: every way a path enters the client goes through [`PathWriter`].
//!
//! Vault's paths are `/`-separated segments. A path reaches another endpoint than the caller
//! meant when a segment is `.` or `..` (the URL parser resolves them, also when written `%2e`),
//! when a segment is empty (`a//b`), or when it holds a control character; [`PathWriter`] refuses
//! those, names the path's role in the error and never echoes the value. It writes the path in
//! one of two forms:
//!
//! - **values** ([`Form::Value`]): a mount, a secret path, a generated operation's path parameter,
//!   a namespace. Each segment is percent-encoded, so a space, `%`, `?`, `#` or non-ASCII character
//!   reaches Vault as the caller wrote it and `/` stays a separator.
//! - **paths as sent** ([`Form::AsSent`]): [`Client::request`](crate::Client::request) and
//!   [`AuthApi::login`](crate::auth::AuthApi::login), whose callers may escape segments themselves.
//!   A valid `%XX` escape is kept, and checked as the byte it stands for (`%2e%2e` is `..`, `%2F`
//!   a separator, `%0A` a control character); every other reserved byte is escaped as for a value,
//!   so a `?` or `#` never starts a query or a fragment.
//!
//! Leading slashes are dropped in both forms, trailing ones from values (a path as sent keeps
//! one: Vault lists `folder/`). The accepted and refused inputs are one
//! table, `tests/fixtures/path_cases.json`, tested here against the core and in `tests/paths.rs`
//! against every entry point.

use std::fmt;
use std::sync::Arc;

use url::Url;

use crate::Error;

/// How [`PathWriter`] reads its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Form {
    /// A raw value: every byte but unreserved ones and `/` is escaped.
    Value,
    /// A path as sent: `%XX` escapes are kept (and checked decoded), other bytes as for a value.
    AsSent,
}

/// Why a path is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    Empty,
    DotSegment,
    EmptySegment,
    ControlCharacter,
}

impl Refusal {
    /// The reason, completing "the <role> …".
    pub(crate) fn reason(self) -> &'static str {
        match self {
            Refusal::Empty => "is empty",
            Refusal::DotSegment => "has a `.` or `..` segment",
            Refusal::EmptySegment => "has an empty segment (`//`)",
            Refusal::ControlCharacter => "has a control character",
        }
    }
}

/// Writes a checked path into a URL as its text arrives (it is also a [`fmt::Write`], so a
/// parameter's `Display` output is checked without a copy). See the module docs.
pub(crate) struct PathWriter<'a> {
    out: &'a mut String,
    form: Form,
    /// Nothing but slashes seen yet (leading slashes are dropped).
    at_start: bool,
    /// A slash seen and not yet written: written before the next segment, dropped at the end.
    pending_slash: bool,
    /// Bytes of the current segment (decoded), and whether they are all dots.
    segment_len: usize,
    segment_dots: bool,
    /// The last decoded byte was 0xC2 (the first byte of a C1 control character in UTF-8).
    after_c2: bool,
    refused: Option<Refusal>,
}

impl<'a> PathWriter<'a> {
    pub(crate) fn new(out: &'a mut String, form: Form) -> Self {
        PathWriter {
            out,
            form,
            at_start: true,
            pending_slash: false,
            segment_len: 0,
            segment_dots: true,
            after_c2: false,
            refused: None,
        }
    }

    /// Writes all of `path` and checks its end; returns whether nothing was written (allowed only
    /// if `may_be_empty`).
    pub(crate) fn write_all(mut self, path: &str, may_be_empty: bool) -> Result<bool, Refusal> {
        fmt::Write::write_str(&mut self, path)
            .map_err(|_| self.refused.unwrap_or(Refusal::ControlCharacter))?;
        self.finish(may_be_empty)
    }

    /// Checks the last segment; returns whether nothing was written (allowed if `may_be_empty`).
    pub(crate) fn finish(&mut self, may_be_empty: bool) -> Result<bool, Refusal> {
        if let Some(refused) = self.refused {
            return Err(refused);
        }
        if self.at_start {
            return if may_be_empty {
                Ok(true)
            } else {
                Err(Refusal::Empty)
            };
        }
        self.end_segment()?;
        // A path as sent keeps its trailing slash (Vault lists `folder/`).
        if self.form == Form::AsSent && self.pending_slash {
            self.out.push('/');
        }
        Ok(false)
    }

    fn refuse(&mut self, refusal: Refusal) -> Result<(), Refusal> {
        self.refused = Some(refusal);
        Err(refusal)
    }

    /// Ends the current segment; refuses `.` and `..`.
    fn end_segment(&mut self) -> Result<(), Refusal> {
        if self.segment_dots && (1..=2).contains(&self.segment_len) {
            return self.refuse(Refusal::DotSegment);
        }
        self.segment_len = 0;
        self.segment_dots = true;
        self.after_c2 = false;
        Ok(())
    }

    /// Starts (or continues) a segment: writes a pending slash.
    fn open_segment(&mut self) {
        if self.pending_slash {
            self.out.push('/');
            self.pending_slash = false;
        }
        self.at_start = false;
    }

    /// Checks one byte of the current segment, as Vault will see it.
    fn check_byte(&mut self, b: u8) -> Result<(), Refusal> {
        let c1_control = self.after_c2 && (0x80..=0x9F).contains(&b);
        if b.is_ascii_control() || c1_control {
            return self.refuse(Refusal::ControlCharacter);
        }
        self.after_c2 = b == 0xC2;
        self.segment_len += 1;
        self.segment_dots &= b == b'.';
        Ok(())
    }

    /// A separator: a literal `/`, or (in a path as sent) a decoded `%2F`.
    fn separator(&mut self, escaped: bool) -> Result<(), Refusal> {
        if self.at_start && !escaped {
            return Ok(());
        }
        // After a separator (or, for an escaped one, at the start) the segment is empty.
        if self.segment_len == 0 {
            return self.refuse(Refusal::EmptySegment);
        }
        self.end_segment()?;
        self.pending_slash = !escaped;
        Ok(())
    }

    fn write_checked(&mut self, s: &str) -> Result<(), Refusal> {
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
                self.after_c2 = false;
                push_run(self.out, s, i, end);
                i = end;
                continue;
            }
            let b = bytes[i];
            if b == b'/' {
                self.separator(false)?;
                i += 1;
                continue;
            }
            if let Some(decoded) = self.escape_at(bytes, i) {
                if decoded == b'/' {
                    self.separator(true)?;
                } else {
                    self.check_byte(decoded)?;
                }
                self.open_segment();
                push_run(self.out, s, i, i + 3);
                i += 3;
                continue;
            }
            self.check_byte(b)?;
            self.open_segment();
            push_escaped(self.out, b);
            i += 1;
        }
        Ok(())
    }

    /// In a path as sent, the byte a `%XX` escape at `bytes[i]` stands for.
    fn escape_at(&self, bytes: &[u8], i: usize) -> Option<u8> {
        if self.form != Form::AsSent || bytes[i] != b'%' {
            return None;
        }
        let hex = |b: u8| char::from(b).to_digit(16);
        let high = hex(*bytes.get(i + 1)?)?;
        let low = hex(*bytes.get(i + 2)?)?;
        u8::try_from(high * 16 + low).ok()
    }
}

impl fmt::Write for PathWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.refused.is_some() {
            return Err(fmt::Error);
        }
        self.write_checked(s).map_err(|_| fmt::Error)
    }
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

/// Writes `text[from..to]`, a run of ASCII bytes.
fn push_run(out: &mut String, text: &str, from: usize, to: usize) {
    // The runs are ASCII: both ends of a non-empty run are character boundaries.
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

/// Appends `path` checked and written in `form`; an [`Error::InvalidInput`] naming `role`
/// otherwise (`out` is then left as it was). Returns whether nothing was written.
fn push_path(
    out: &mut String,
    path: &str,
    form: Form,
    role: &str,
    may_be_empty: bool,
) -> Result<bool, Error> {
    let start = out.len();
    PathWriter::new(out, form)
        .write_all(path, may_be_empty)
        .map_err(|refusal| {
            out.truncate(start);
            Error::invalid(format!("the {role} {}", refusal.reason()))
        })
}

/// The URL of a generated operation: `base`, then each of `pieces` with the parameters between
/// them (`pieces.len() == params.len() + 1`), as [`operation_path`] writes them.
pub(crate) fn operation_url(
    base: &BaseUrl,
    pieces: &[&str],
    params: &[(&str, &dyn fmt::Display)],
) -> Result<Url, String> {
    base.join(&operation_path(base.start(), pieces, params)?)
}

/// The URL of a generated operation without path parameters: `base`, then `path`.
// Called by generated send()s only: none in a build without an API group.
#[allow(dead_code)]
pub(crate) fn fixed_url(base: &BaseUrl, path: &str) -> Result<Url, Error> {
    base.join(&[base.start(), path].concat())
        .map_err(Error::invalid)
}

/// `start`, then each of `pieces` with the parameters between them, in one allocation.
///
/// Each parameter is written through [`fmt::Display`] and checked as a [`Form::Value`]. The one
/// exception to "not empty" is a folder: the last parameter of a template ending in `/`
/// (`/{mount}/metadata/{path}/?list=true`, the list operations) may be empty, for the root folder
/// (`/secret/metadata/?list=true`). The error names the parameter, not its value.
fn operation_path(
    start: &str,
    pieces: &[&str],
    params: &[(&str, &dyn fmt::Display)],
) -> Result<String, String> {
    debug_assert_eq!(pieces.len(), params.len() + 1);
    let len = start.len() + pieces.iter().map(|p| p.len()).sum::<usize>() + 16 * params.len();
    let mut url = String::with_capacity(len);
    url.push_str(start);
    // `/` or `/?list=true` (the normalizer bakes the list query into the path) after the last
    // parameter: a folder.
    let folder_last = !params.is_empty()
        && pieces
            .last()
            .is_some_and(|p| *p == "/" || p.starts_with("/?"));
    let mut root_folder = false;
    for (i, (piece, (name, value))) in pieces.iter().zip(params).enumerate() {
        url.push_str(piece);
        let may_be_empty = folder_last && i + 1 == params.len() && piece.ends_with('/');
        let mut writer = PathWriter::new(&mut url, Form::Value);
        let written = fmt::write(&mut writer, format_args!("{value}"));
        match written {
            Ok(()) => match writer.finish(may_be_empty) {
                Ok(empty) => root_folder = empty,
                Err(refusal) => {
                    return Err(format!("the path parameter `{name}` {}", refusal.reason()))
                }
            },
            Err(_) => {
                let reason = writer
                    .refused
                    .map_or("cannot be written", |refusal| refusal.reason());
                return Err(format!("the path parameter `{name}` {reason}"));
            }
        }
    }
    if let Some(last) = pieces.get(params.len()) {
        // The root folder ends with the `/` before the parameter.
        url.push_str(if root_folder { &last[1..] } else { last });
    }
    Ok(url)
}

/// The URL of a path as sent (`base` + `/` + `path`, checked as [`Form::AsSent`]), for the raw
/// requests of [`Client::request`](crate::Client::request) and the handwritten helpers; `role`
/// names the path in the error.
pub(crate) fn as_sent_url(base: &BaseUrl, path: &str, role: &str) -> Result<Url, Error> {
    base.join(&as_sent_path(base.start(), path, role)?)
        .map_err(Error::invalid)
}

/// `start` + `/` + `path`, checked as [`Form::AsSent`].
fn as_sent_path(start: &str, path: &str, role: &str) -> Result<String, Error> {
    let mut url = String::with_capacity(start.len() + path.len() + 8);
    url.push_str(start);
    url.push('/');
    push_path(&mut url, path, Form::AsSent, role, false)?;
    Ok(url)
}

/// A client's base URL (`http://127.0.0.1:8200/v1`, and the namespace in path mode): its text,
/// and the URL parsed from it once, so that each request's URL is that URL with its path set
/// ([`BaseUrl::join`]) rather than a whole text reqwest parses again: the scheme and the host
/// (IDNA, then the IPv4 check) were ~5k of the ~94k instructions of a small read
/// (`benches/README.md`, "The URL parsed once").
///
/// Parsed only when the parser writes the text as it is (no query, no fragment, nothing it
/// would normalize): the path of a request is then the base's path followed by what the
/// operation writes, exactly as when the concatenated text is parsed
/// (`joining_a_path_is_parsing_the_whole_text`). A client's base always is: its address was
/// written in the parser's form ([`crate::connect::parse_address`]) and the namespace prefix is
/// escaped (`a_clients_base_url_is_kept_parsed`). Any other text is parsed whole with each
/// request, as before.
#[derive(Clone)]
pub(crate) struct BaseUrl(Arc<Base>);

struct Base {
    text: Box<str>,
    parsed: Option<Parsed>,
}

/// A base URL parsed once.
struct Parsed {
    /// The length of the base's path, the end of `text`.
    path_len: usize,
    /// The base URL with a placeholder path of [`PATH_ROOM`] bytes, cloned for each request:
    /// a `Url`'s clone is exactly as long as its text, and setting a longer path grew it (one
    /// `realloc` per request, ~0.4k instructions); setting a shorter one keeps the room.
    roomy: Url,
}

/// The room a request's path has in [`Parsed::roomy`] (a longer path is grown into).
const PATH_ROOM: usize = 120;

impl BaseUrl {
    pub(crate) fn new(text: &str) -> Self {
        let parsed = Url::parse(text)
            .ok()
            .filter(|url| {
                url.as_str() == text
                    && url.query().is_none()
                    && url.fragment().is_none()
                    && !url.cannot_be_a_base()
            })
            .map(|mut roomy| {
                let path_len = roomy.path().len();
                roomy.set_path(&format!("/{}", "x".repeat(PATH_ROOM - 1)));
                Parsed { path_len, roomy }
            });
        BaseUrl(Arc::new(Base {
            text: text.into(),
            parsed,
        }))
    }

    /// What a request's path and query are written after: the parsed URL's path, or the whole
    /// text.
    fn start(&self) -> &str {
        match &self.0.parsed {
            Some(parsed) => &self.0.text[self.0.text.len() - parsed.path_len..],
            None => &self.0.text,
        }
    }

    /// The URL of `written` (which starts with [`BaseUrl::start`]).
    fn join(&self, written: &str) -> Result<Url, String> {
        let Some(parsed) = &self.0.parsed else {
            return parse(written);
        };
        // A query comes from the operation's template only (`/?list=true`): every `?` and `#`
        // of a value is escaped.
        let (path, query) = match written.bytes().position(|b| b == b'?' || b == b'#') {
            None => (written, None),
            Some(at) if written[at..].starts_with('?') && !written[at..].contains('#') => {
                (&written[..at], Some(&written[at + 1..]))
            }
            Some(_) => {
                let origin = &self.0.text[..self.0.text.len() - parsed.path_len];
                return parse(&format!("{origin}{written}"));
            }
        };
        let mut url = parsed.roomy.clone();
        url.set_path(path);
        if query.is_some() {
            url.set_query(query);
        }
        Ok(url)
    }
}

fn parse(url: &str) -> Result<Url, String> {
    Url::parse(url).map_err(|e| format!("the request's URL is not valid: {e}"))
}

impl std::ops::Deref for BaseUrl {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0.text
    }
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0.text, f)
    }
}

/// Checks a path as sent without writing it (for [`crate::auth::AuthApi::login`], whose error
/// names the login path before the request is built).
pub(crate) fn check_as_sent(path: &str, role: &str) -> Result<(), Error> {
    push_path(&mut String::new(), path, Form::AsSent, role, false).map(drop)
}

/// A namespace for `X-Vault-Namespace`: checked as a value (slashes at both ends dropped), sent
/// as written; `None` when empty.
pub(crate) fn namespace(namespace: &str) -> Result<Option<&str>, Error> {
    let ns = namespace.trim();
    if push_path(&mut String::new(), ns, Form::Value, "namespace", true)? {
        return Ok(None);
    }
    Ok(Some(ns.trim_matches('/')))
}

/// A namespace as a path prefix (`team/a`, each segment percent-encoded), checked as
/// [`namespace`] checks it; `None` when empty.
pub(crate) fn namespace_prefix(namespace: &str) -> Result<Option<String>, Error> {
    let mut out = String::with_capacity(namespace.len());
    if push_path(&mut out, namespace.trim(), Form::Value, "namespace", true)? {
        return Ok(None);
    }
    Ok(Some(out))
}

/// Percent-encodes one path segment (a user name in a login path).
pub(crate) fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for &b in segment.as_bytes() {
        if is_unreserved(b) {
            out.push(char::from(b));
        } else {
            push_escaped(&mut out, b);
        }
    }
    out
}

/// A mount path checked and encoded (slashes at both ends dropped; not empty).
pub(crate) fn mount_url(mount: &str) -> Result<String, Error> {
    let mut out = String::with_capacity(mount.len() + 8);
    push_path(&mut out, mount, Form::Value, "mount path", false)?;
    Ok(out)
}

/// The one table of accepted and refused paths, `tests/fixtures/path_cases.json` (data: also read
/// by `tests/paths.rs`, every public entry point on the wire).
#[cfg(test)]
pub(crate) mod cases {
    use serde::Deserialize;

    /// What an entry point does with an input.
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "lowercase")]
    pub enum Expect {
        /// Sent, written like this.
        Sent(String),
        /// Refused before any request; the error says this.
        Refused(String),
    }

    /// One input and what each form makes of it.
    #[derive(Debug, Deserialize)]
    pub struct Case {
        pub input: String,
        pub value: Expect,
        pub as_sent: Expect,
    }

    #[derive(Deserialize)]
    struct Table {
        sections: Vec<Section>,
    }

    #[derive(Deserialize)]
    struct Section {
        cases: Vec<Case>,
    }

    /// Every case of the table, in order.
    pub fn all() -> Vec<Case> {
        let table: Table =
            serde_json::from_str(include_str!("../tests/fixtures/path_cases.json")).unwrap();
        table.sections.into_iter().flat_map(|s| s.cases).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::cases::Expect;
    use super::*;

    fn write(path: &str, form: Form) -> Result<String, Refusal> {
        let mut out = String::new();
        PathWriter::new(&mut out, form)
            .write_all(path, false)
            .map(|_| out)
    }

    fn check(got: Result<String, String>, expect: &Expect, what: &str) {
        match (got, expect) {
            (Ok(got), Expect::Sent(want)) => assert_eq!(&got, want, "{what}"),
            (Err(err), Expect::Refused(reason)) => {
                assert!(err.contains(reason.as_str()), "{what}: {err}")
            }
            (got, expect) => panic!("{what}: got {got:?}, expected {expect:?}"),
        }
    }

    #[test]
    fn the_core_follows_the_table() {
        for case in &cases::all() {
            let got = |form| write(&case.input, form).map_err(|r| r.reason().to_string());
            check(
                got(Form::Value),
                &case.value,
                &format!("value {:?}", case.input),
            );
            check(
                got(Form::AsSent),
                &case.as_sent,
                &format!("as sent {:?}", case.input),
            );
        }
    }

    #[test]
    fn every_value_entry_point_follows_the_table() {
        for case in &cases::all() {
            let what = |entry: &str| format!("{entry} {:?}", case.input);
            let err = |e: Error| e.to_string();
            check(
                operation_path("b", &["/", ""], &[("path", &case.input)])
                    .map(|u| u["b/".len()..].to_string()),
                &case.value,
                &what("operation_url"),
            );
            check(
                mount_url(&case.input).map_err(err),
                &case.value,
                &what("mount"),
            );
            // A list operation's folder: as any parameter, but it may be empty (the root).
            let list = operation_path("b", &["/", "/?list=true"], &[("path", &case.input)]);
            if case.input.trim_matches('/').is_empty() {
                assert_eq!(list.unwrap(), "b/?list=true", "{}", what("folder"));
            } else {
                let folder = list.map(|u| u["b/".len()..u.len() - "/?list=true".len()].to_string());
                check(folder, &case.value, &what("folder"));
            }
            // The namespace as a path prefix: the value form of the trimmed namespace.
            match (
                namespace_prefix(&case.input),
                write(case.input.trim(), Form::Value),
            ) {
                (Ok(Some(prefix)), Ok(want)) => {
                    assert_eq!(prefix, want, "{}", what("namespace prefix"))
                }
                (Ok(None), _) => assert!(
                    case.input.trim().trim_matches('/').is_empty(),
                    "{}",
                    what("namespace prefix")
                ),
                (Err(e), Err(refusal)) => assert!(
                    e.to_string().contains(refusal.reason()),
                    "{}: {e}",
                    what("namespace prefix")
                ),
                (got, want) => panic!("{}: {got:?} {want:?}", what("namespace prefix")),
            }
            match (namespace(&case.input), &case.value) {
                (Ok(ns), Expect::Sent(_)) => {
                    let ns = ns.unwrap_or_default();
                    assert_eq!(ns, case.input.trim().trim_matches('/'), "{}", what("ns"))
                }
                (Err(e), Expect::Refused(reason)) => {
                    assert!(
                        e.to_string().contains(reason.as_str()),
                        "{}: {e}",
                        what("ns")
                    )
                }
                (Ok(None), Expect::Refused(_)) if case.input.trim_matches('/').is_empty() => {}
                (got, expect) => panic!("{}: {got:?} {expect:?}", what("namespace")),
            }
        }
    }

    #[test]
    fn every_as_sent_entry_point_follows_the_table() {
        for case in &cases::all() {
            check(
                as_sent_path("http://h/v1", &case.input, "request path")
                    .map(|u| u["http://h/v1/".len()..].to_string())
                    .map_err(|e| e.to_string()),
                &case.as_sent,
                &format!("as_sent_url {:?}", case.input),
            );
            let checked = check_as_sent(&case.input, "login path");
            assert_eq!(
                checked.is_ok(),
                matches!(case.as_sent, Expect::Sent(_)),
                "check_as_sent {:?}",
                case.input
            );
        }
    }

    /// The URL a request is sent to, from the parsed base with its path set, is the URL of the
    /// whole text parsed (as reqwest parsed it before the base was kept parsed), for every
    /// case of the path table, in both forms, after bases the parser keeps as written and after
    /// bases it rewrites (parsed whole with each request).
    #[test]
    fn joining_a_path_is_parsing_the_whole_text() {
        let bases = [
            ("http://127.0.0.1:8200/v1", true),
            ("https://vault.example.com:8200/v1", true),
            ("http://[::1]:8200/v1", true),
            ("https://xn--bcher-kva.example/v1", true),
            ("https://vault.example.com/prefix/v1/team%20a", true),
            ("http://127.0.0.1:8200/", true),
            ("https://b\u{fc}cher.example/v1", false),
            ("https://VAULT.example.com:443/v1", false),
            ("http://127.0.0.1:8200", false),
            ("http://h/v1?x=1", false),
        ];
        let templates: [&[&str]; 5] = [
            &["/", ""],
            &["/", "/?list=true"],
            &["/", "/x?a=b c&d=%20&e=\u{e9}'<>"],
            &["/", "/data/x#frag"],
            &["/", "/?a=b#c"],
        ];
        for (text, parsed_once) in bases {
            let base = BaseUrl::new(text);
            assert_eq!(base.0.parsed.is_some(), parsed_once, "{text}");
            assert_eq!(&*base, text);
            let whole = |written: Result<String, String>| {
                written.and_then(|w| Url::parse(&w).map_err(|e| e.to_string()))
            };
            for case in &cases::all() {
                for pieces in templates {
                    let params = [("path", &case.input as &dyn fmt::Display)];
                    let got = operation_url(&base, pieces, &params);
                    let want = whole(operation_path(text, pieces, &params));
                    assert_eq!(got, want, "{text} {pieces:?} {:?}", case.input);
                }
                let got = as_sent_url(&base, &case.input, "request path");
                let want = whole(
                    as_sent_path(text, &case.input, "request path").map_err(|e| e.to_string()),
                );
                assert_eq!(
                    got.map_err(|e| e.to_string()),
                    want,
                    "{text} as sent {:?}",
                    case.input
                );
            }
            let health = operation_url(&base, &["/sys/health"], &[]);
            assert_eq!(health, whole(operation_path(text, &["/sys/health"], &[])));
            // Shorter and longer than the room the parsed base keeps for a path.
            for len in [
                0,
                1,
                PATH_ROOM - 10,
                PATH_ROOM,
                PATH_ROOM + 1,
                3 * PATH_ROOM,
            ] {
                let long = "a".repeat(len);
                let params = [("path", &long as &dyn fmt::Display)];
                let got = operation_url(&base, &["/", "/?list=true"], &params);
                let want = whole(operation_path(text, &["/", "/?list=true"], &params));
                assert_eq!(got, want, "{text} {len}");
            }
        }
    }

    /// Every address a client accepts, however written, gives a base URL kept parsed (the
    /// builder writes it in the parser's form), with the namespace prefix of path mode too.
    #[test]
    fn a_clients_base_url_is_kept_parsed() {
        for address in [
            "http://127.0.0.1:8200",
            "HTTPS://Vault.Example.com:443/",
            "https://b\u{fc}cher.example:8200",
            "http://[::1]:8200//",
            " https://vault.example.com/prefix ",
        ] {
            let (base, _) = crate::connect::parse_address(address).unwrap();
            for text in [format!("{base}/v1"), format!("{base}/v1/team%20a/b")] {
                let kept = BaseUrl::new(&text);
                assert!(kept.0.parsed.is_some(), "{address}: {text}");
                let health = operation_url(&kept, &["/sys/health"], &[]).unwrap();
                assert_eq!(health, Url::parse(&format!("{text}/sys/health")).unwrap());
            }
        }
    }

    #[test]
    fn errors_name_the_role_not_the_value() {
        let err = operation_path("b", &["/", ""], &[("path", &"a/../../sys/seal")]).unwrap_err();
        assert_eq!(err, "the path parameter `path` has a `.` or `..` segment");
        let err = as_sent_path("b", "userpass/login/%2e%2e/x", "login path").unwrap_err();
        assert!(err.is_invalid_input());
        assert!(!err.to_string().contains("userpass"), "{err}");
        let err = mount_url("a\nb").unwrap_err().to_string();
        assert!(
            err.contains("the mount path has a control character"),
            "{err}"
        );
    }

    #[test]
    fn operation_urls_keep_their_pieces() {
        assert_eq!(
            operation_path("http://h/v1", &["/sys/health"], &[]).unwrap(),
            "http://h/v1/sys/health"
        );
        assert_eq!(
            operation_path("b", &["/", "/data/", "/end"], &[("a", &"x"), ("b", &"...")]).unwrap(),
            "b/x/data/.../end"
        );
        assert_eq!(
            operation_path("b", &["/", ""], &[("version", &3u64)]).unwrap(),
            "b/3"
        );
        // A list operation's folder may be empty: the mount's root.
        let list = ["/", "/metadata/", "/"];
        assert_eq!(
            operation_path("b", &list, &[("m", &"kv"), ("path", &"app/")]).unwrap(),
            "b/kv/metadata/app/"
        );
        assert_eq!(
            operation_path("b", &list, &[("m", &"kv"), ("path", &"/")]).unwrap(),
            "b/kv/metadata/"
        );
        assert!(operation_path("b", &list, &[("m", &""), ("path", &"a")]).is_err());
        let list = ["/", "/metadata/", "/?list=true"];
        assert_eq!(
            operation_path("b", &list, &[("m", &"kv"), ("path", &"")]).unwrap(),
            "b/kv/metadata/?list=true"
        );
        assert!(operation_path("b", &["/", "/data/", ""], &[("m", &"kv"), ("p", &"")]).is_err());
    }

    #[test]
    fn a_segment_is_encoded_whole() {
        assert_eq!(encode_segment("a b/ü"), "a%20b%2F%C3%BC");
    }
}
