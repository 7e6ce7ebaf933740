//! Checking and encoding the mount and secret paths the handwritten helpers put in URLs.
//!
//! Paths are `/`-separated; each segment is percent-encoded on its own, so a `/` in a path stays a
//! literal `/` on the wire while a space, `%`, `?`, `#` or non-ASCII character is escaped and
//! reaches Vault as the caller wrote it.

use crate::Error;

/// Checks a mount path: not empty, no `..`, no control characters; slashes trimmed.
pub(crate) fn check_mount(mount: &str) -> Result<&str, Error> {
    let mount = mount.trim_matches('/');
    if mount.is_empty() {
        return Err(Error::invalid("the mount path is empty"));
    }
    check_segments(mount, "mount path")?;
    Ok(mount)
}

/// Checks a path of `/`-separated segments for `..`, `.` and control characters.
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

/// Percent-encodes each segment of a checked `/`-separated path, keeping the slashes (one
/// allocation: this runs on every KV call).
pub(crate) fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 8);
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        push_encoded(&mut out, segment);
    }
    out
}

fn push_encoded(out: &mut String, segment: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'_' | b'.' | b'~' | b'@' | b':' | b'+' | b'=' | b','
            )
        {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0xF)] as char);
        }
    }
}

/// A mount path checked (also for empty segments such as `team//kv`) and encoded for a URL.
pub(crate) fn mount_url(mount: &str) -> Result<String, Error> {
    let mount = check_mount(mount)?;
    no_empty_segment(mount, "mount path")?;
    Ok(encode_path(mount))
}

/// A secret path, leading and trailing slashes trimmed, checked and encoded; empty is refused.
pub(crate) fn secret_url(path: &str) -> Result<String, Error> {
    let path = path.trim_matches('/');
    if path.is_empty() {
        return Err(Error::invalid("the secret path is empty"));
    }
    check_segments(path, "secret path")?;
    no_empty_segment(path, "secret path")?;
    Ok(encode_path(path))
}

/// A folder to list, checked and encoded, ending with `/`; empty (the mount's root) is allowed
/// and gives an empty string.
pub(crate) fn folder_url(prefix: &str) -> Result<String, Error> {
    let prefix = prefix.trim_matches('/');
    if prefix.is_empty() {
        return Ok(String::new());
    }
    check_segments(prefix, "folder path")?;
    no_empty_segment(prefix, "folder path")?;
    Ok(format!("{}/", encode_path(prefix)))
}

fn no_empty_segment(path: &str, what: &str) -> Result<(), Error> {
    if path.split('/').any(str::is_empty) {
        return Err(Error::invalid(format!(
            "the {what} {path:?} contains an empty segment (`//`)"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_escaped_but_slashes_stay() {
        assert_eq!(
            secret_url("/a b/c%d?e#f/ü/").unwrap(),
            "a%20b/c%25d%3Fe%23f/%C3%BC"
        );
        assert_eq!(mount_url("team/kv/").unwrap(), "team/kv");
        assert_eq!(folder_url("").unwrap(), "");
        assert_eq!(folder_url("/app/").unwrap(), "app/");
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
    }
}
