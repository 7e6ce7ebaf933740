//! The one table of accepted and refused paths, shared by the unit tests of `src/path.rs` (the
//! core and every URL helper) and `tests/paths.rs` (every public entry point, on the wire).
//!
//! `value` is how a mount, secret path, namespace or generated path parameter is written (after
//! `/v1/<prefix>/`), `as_sent` how a path written as sent is: `Client::request` and
//! `auth().login(path, ..)`. A refusal gives a fragment of the error message.
#![allow(dead_code)]

/// What an entry point does with an input.
#[derive(Clone, Copy, Debug)]
pub enum Expect {
    /// Sent, written like this.
    Sent(&'static str),
    /// Refused before any request; the error says this.
    Refused(&'static str),
}

/// One input and what each form makes of it.
#[derive(Clone, Copy, Debug)]
pub struct Case {
    pub input: &'static str,
    pub value: Expect,
    pub as_sent: Expect,
}

use Expect::{Refused, Sent};

const EMPTY: Expect = Refused("is empty");
const DOTS: Expect = Refused("has a `.` or `..` segment");
const EMPTY_SEGMENT: Expect = Refused("has an empty segment");
const CONTROL: Expect = Refused("has a control character");

const fn same(input: &'static str, both: Expect) -> Case {
    Case {
        input,
        value: both,
        as_sent: both,
    }
}

const fn case(input: &'static str, value: Expect, as_sent: Expect) -> Case {
    Case {
        input,
        value,
        as_sent,
    }
}

pub const CASES: &[Case] = &[
    // Accepted, and written the same either way.
    same("a", Sent("a")),
    case("/a/b/", Sent("a/b"), Sent("a/b/")),
    same("app/db", Sent("app/db")),
    same("a~b-c_d.e@f:g+h=i,j", Sent("a~b-c_d.e@f:g+h=i,j")),
    same("...", Sent("...")),
    same(".a/a.", Sent(".a/a.")),
    same("a b", Sent("a%20b")),
    // A `?` or `#` is part of the path: it never starts a query or a fragment.
    same("a?list=true", Sent("a%3Flist=true")),
    same("a#b", Sent("a%23b")),
    same("ü", Sent("%C3%BC")),
    same("ä/\u{a0}", Sent("%C3%A4/%C2%A0")),
    same("100%", Sent("100%25")),
    same("%zz", Sent("%25zz")),
    // An escape: a value's `%` is a character; a path as sent keeps the escape.
    case("a%20b", Sent("a%2520b"), Sent("a%20b")),
    case("a%2Fb", Sent("a%252Fb"), Sent("a%2Fb")),
    // Dot segments, also escaped (the URL parser resolves `%2e%2e` as `..`).
    same("..", DOTS),
    same(".", DOTS),
    same("./", DOTS),
    same("a/./b", DOTS),
    same("a/..", DOTS),
    same("a/../../sys/seal", DOTS),
    case("%2e%2e", Sent("%252e%252e"), DOTS),
    case(".%2E", Sent(".%252E"), DOTS),
    case(
        "userpass/login/%2e%2e/%2e%2e/sys/seal",
        Sent("userpass/login/%252e%252e/%252e%252e/sys/seal"),
        DOTS,
    ),
    case("a%2F..%2Fsys", Sent("a%252F..%252Fsys"), DOTS),
    // Empty paths and segments.
    same("", EMPTY),
    same("/", EMPTY),
    same("///", EMPTY),
    same("a//b", EMPTY_SEGMENT),
    same("t//kv", EMPTY_SEGMENT),
    case("a%2F%2Fb", Sent("a%252F%252Fb"), EMPTY_SEGMENT),
    case("%2Fa", Sent("%252Fa"), EMPTY_SEGMENT),
    case("a%2F/b", Sent("a%252F/b"), EMPTY_SEGMENT),
    // Control characters, C1 ones included, also escaped.
    same("a\nb", CONTROL),
    same("k\tv", CONTROL),
    same("\u{7f}", CONTROL),
    same("a\u{85}b", CONTROL),
    same("a/\u{9f}", CONTROL),
    case("a%0Ab", Sent("a%250Ab"), CONTROL),
    case("a%00", Sent("a%2500"), CONTROL),
    case("a%C2%85", Sent("a%25C2%2585"), CONTROL),
];
