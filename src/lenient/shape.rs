//! The `Deserialize` and `Serialize` of every generated struct (`hashivault-codegen/src/serde_impls.rs`
//! writes them instead of `#[derive(Deserialize, Serialize)]` and `#[serde(...)]` attributes):
//! the shared machinery, so that each type's own code is one loop and one struct literal.
//!
//! What a generated struct does, as serde's derive with `#[serde(flatten)] extra` did:
//!
//! - it reads a map (`deserialize_map`); a key of its field table ([`Shape::FIELDS`], wire names
//!   in declaration order) is read by the field's decoder, any other key goes into `extra`, as
//!   the JSON it was;
//! - a field seen twice is `duplicate field `x``, a field it cannot do without that is missing
//!   is `missing field `x`` (serde's own errors);
//! - an answer field of a shape its type does not take (see [`super`], "Answers") is `None` (or
//!   empty) and its value goes into the same struct's `extra` under the field's own name: the
//!   struct reads its own fields, so a nested struct keeps its own, whatever encloses it;
//! - it writes a map: its fields in declaration order (those its `skip_serializing_if` skips
//!   left out), then the entries of `extra`.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{got, got_value, required, AnswerScalar, Got, Secs};
use crate::SecretMap;

/// A generated struct read by [`deserialize`]: what the generated code implements.
pub(crate) trait Shape: Sized {
    /// What an error says was expected (`struct KvV2VersionMetadata`, as serde's derive says).
    const EXPECTING: &'static str;
    /// The wire names of the fields, in declaration order, `extra` left out (at most 64).
    const FIELDS: &'static [&'static str];
    /// Reads the map: `while let Some(i) = r.next() { match i { … } }`, `r.end()?`, the struct.
    fn read<'de, A: MapAccess<'de>>(r: Reader<'de, A>) -> Result<Self, A::Error>;
}

/// `Deserialize::deserialize` of a generated struct.
#[inline]
pub(crate) fn deserialize<'de, D: Deserializer<'de>, T: Shape>(d: D) -> Result<T, D::Error> {
    d.deserialize_map(StructVisitor::<T>(PhantomData))
}

struct StructVisitor<T>(PhantomData<T>);

impl<'de, T: Shape> Visitor<'de> for StructVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }
    #[inline]
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::read(Reader {
            map,
            fields: T::FIELDS,
            seen: 0,
            expected: 0,
            extra: None,
            error: None,
            de: PhantomData,
        })
    }
}

/// A key of a generated struct: the index of a known field, or another key (owned, for `extra`).
enum Key {
    Known(usize),
    Unknown(String),
}

/// Reads a key against a field table: not generic over the struct. `expected` is where the
/// lookup starts ([`field_index`]).
struct KeySeed {
    fields: &'static [&'static str],
    expected: usize,
}

/// The index of `key` in `fields`, looked up from `expected` to the end, then from the start.
/// The generated field tables are sorted (the spec lists properties by name) and Vault writes an
/// object's keys sorted (Go's encoder sorts a map's keys), so the next key is the field after
/// the last one read, or one a little further: one comparison per key where a lookup from the
/// start made one per field before it (issue #24).
#[inline]
fn field_index(fields: &[&str], expected: usize, key: &str) -> Option<usize> {
    let expected = expected.min(fields.len());
    fields[expected..]
        .iter()
        .position(|name| *name == key)
        .map(|i| expected + i)
        .or_else(|| fields[..expected].iter().position(|name| *name == key))
}

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;
    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl Visitor<'_> for KeySeed {
    type Value = Key;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field identifier")
    }
    #[inline]
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
        Ok(match field_index(self.fields, self.expected, v) {
            Some(i) => Key::Known(i),
            None => Key::Unknown(v.to_string()),
        })
    }
    #[inline]
    fn visit_string<E: de::Error>(self, v: String) -> Result<Key, E> {
        Ok(match field_index(self.fields, self.expected, &v) {
            Some(i) => Key::Known(i),
            None => Key::Unknown(v),
        })
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Key, E> {
        match std::str::from_utf8(v) {
            Ok(v) => self.visit_str(v),
            Err(_) => Err(E::invalid_value(de::Unexpected::Bytes(v), &self)),
        }
    }
}

/// The state of a generated struct's `visit_map`: the map, the field table, the fields seen
/// (for `duplicate field`), the `extra` being filled and the first error. Each field's decoder is
/// a method; an optional answer field's method takes the field's index (where its wrong-shaped
/// value goes).
///
/// The methods return the value itself, not a `Result`: an error is kept, [`Reader::next`] then
/// ends the loop and [`Reader::end`] returns it, as the `?` after each read would have (no `?` per
/// field in the generated code: less for rustc to check, issue #24). What a method returns after
/// an error is a placeholder that is never used.
pub(crate) struct Reader<'de, A: MapAccess<'de>> {
    map: A,
    fields: &'static [&'static str],
    /// A bit per field of [`Shape::FIELDS`] (at most 64, checked by the generator).
    seen: u64,
    /// Where the next key's lookup starts: after the last field read.
    expected: usize,
    /// Made at the first key it keeps: an answer without one (the usual case) has no map left
    /// behind in the reader to drop.
    extra: Option<SecretMap>,
    error: Option<A::Error>,
    de: PhantomData<&'de ()>,
}

// Which decoders the generated code calls depends on the spec and on the enabled groups.
#[allow(dead_code)]
impl<'de, A: MapAccess<'de>> Reader<'de, A> {
    /// The next known field's index; the unknown keys before it go into `extra`. `None` at the
    /// end of the map or after an error.
    ///
    /// Inlined into each struct's reader (a call per key was a tenth of a small answer's
    /// decoding, issue #24); what it does for an unknown or repeated key, or an error, is out of
    /// line, shared by every struct read from the same kind of map (so each reader gets only
    /// this loop).
    #[inline(always)]
    pub(crate) fn next(&mut self) -> Option<usize> {
        if self.error.is_some() {
            return None;
        }
        loop {
            let seed = KeySeed {
                fields: self.fields,
                expected: self.expected,
            };
            match self.map.next_key_seed(seed) {
                Ok(Some(Key::Known(i))) => {
                    let bit = 1u64 << i;
                    if self.seen & bit != 0 {
                        self.duplicate(i);
                        return None;
                    }
                    self.seen |= bit;
                    self.expected = i + 1;
                    return Some(i);
                }
                Ok(None) => return None,
                Ok(Some(Key::Unknown(key))) => {
                    if !self.keep_unknown(key) {
                        return None;
                    }
                }
                Err(e) => {
                    self.fail(e);
                    return None;
                }
            }
        }
    }

    /// An unknown key's value, read into `extra`; `false` after an error.
    #[inline(never)]
    fn keep_unknown(&mut self, key: String) -> bool {
        match self.map.next_value::<Value>() {
            Ok(value) => {
                self.extra.get_or_insert_default().insert(key, value);
                true
            }
            Err(e) => {
                self.fail(e);
                false
            }
        }
    }

    #[cold]
    fn duplicate(&mut self, i: usize) {
        self.fail(de::Error::duplicate_field(self.fields[i]));
    }

    /// After the loop: the first error, or the struct's `extra` (the fields not named by the
    /// spec, and the wrong-shaped answer fields).
    #[inline]
    pub(crate) fn end(&mut self) -> Result<SecretMap, A::Error> {
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(self.extra.take().unwrap_or_default()),
        }
    }

    /// A field that is not defaulted: its value, or `missing field `x``.
    #[inline]
    pub(crate) fn need<T>(&self, value: Option<T>, i: usize) -> Result<T, A::Error> {
        match value {
            Some(value) => Ok(value),
            None => Err(de::Error::missing_field(self.fields[i])),
        }
    }

    #[cold]
    fn fail(&mut self, e: A::Error) {
        if self.error.is_none() {
            self.error = Some(e);
        }
    }

    #[inline]
    fn ok<T>(&mut self, read: Result<T, A::Error>) -> Option<T> {
        match read {
            Ok(value) => Some(value),
            Err(e) => {
                self.fail(e);
                None
            }
        }
    }

    /// A field read by its type's own `Deserialize` (a request body's field without a lenient
    /// decoder, an answer's free-form JSON), defaulted when missing.
    #[inline]
    pub(crate) fn value<T: Deserialize<'de> + Default>(&mut self) -> T {
        let read = self.map.next_value();
        self.ok(read).unwrap_or_default()
    }

    /// [`Reader::value`] for a field that is not defaulted (`None` only after an error).
    #[inline]
    pub(crate) fn value_some<T: Deserialize<'de>>(&mut self) -> Option<T> {
        let read = self.map.next_value();
        self.ok(read)
    }

    #[inline]
    fn kept<T>(&mut self, got: Result<Got<T>, A::Error>, i: usize) -> Option<T> {
        match got {
            Ok(Got::Value(value)) => Some(value),
            Ok(Got::Null) => None,
            Ok(Got::Wrong(raw)) => {
                self.keep(i, raw);
                None
            }
            Err(e) => {
                self.fail(e);
                None
            }
        }
    }

    #[cold]
    fn keep(&mut self, i: usize, raw: Value) {
        let name = self.fields[i].to_string();
        self.extra.get_or_insert_default().insert(name, raw);
    }

    // Request bodies (`super::comma_list` and its siblings).

    /// [`super::comma_list`].
    #[inline]
    pub(crate) fn comma_list(&mut self) -> Vec<String> {
        self.opt_comma_list().unwrap_or_default()
    }
    /// [`super::opt_comma_list`].
    #[inline]
    pub(crate) fn opt_comma_list(&mut self) -> Option<Vec<String>> {
        let read = self
            .map
            .next_value_seed(Request::<Option<Vec<String>>>(PhantomData));
        self.ok(read).flatten()
    }
    /// [`super::int`].
    #[inline]
    pub(crate) fn int<T: TryFrom<i64> + TryFrom<u64> + std::str::FromStr + Default>(
        &mut self,
    ) -> T {
        let read = self.map.next_value_seed(Int::<T>(PhantomData));
        self.ok(read).unwrap_or_default()
    }
    /// [`super::opt_int`].
    #[inline]
    pub(crate) fn opt_int<T: TryFrom<i64> + TryFrom<u64> + std::str::FromStr>(
        &mut self,
    ) -> Option<T> {
        let read = self.map.next_value_seed(OptInt::<T>(PhantomData));
        self.ok(read).flatten()
    }
    /// [`super::bool`](fn@super::bool).
    #[inline]
    pub(crate) fn bool(&mut self) -> bool {
        let read = self.map.next_value_seed(Request::<bool>(PhantomData));
        self.ok(read).unwrap_or_default()
    }
    /// [`super::opt_bool`].
    #[inline]
    pub(crate) fn opt_bool(&mut self) -> Option<bool> {
        let read = self
            .map
            .next_value_seed(Request::<Option<bool>>(PhantomData));
        self.ok(read).flatten()
    }

    // Answers (see the module docs of `super`, "Answers").

    /// An optional scalar field (integer, boolean, string, list of strings).
    #[inline]
    pub(crate) fn opt<T: AnswerScalar>(&mut self, i: usize) -> Option<T> {
        let got = self.map.next_value_seed(Scalar::<T>(PhantomData));
        self.kept(got, i)
    }
    /// [`Reader::opt`] for a plain field with a default.
    #[inline]
    pub(crate) fn or_default<T: AnswerScalar + Default>(&mut self, i: usize) -> T {
        self.opt(i).unwrap_or_default()
    }
    /// [`Reader::opt`] for an integer duration in seconds (`"1h"` too).
    #[inline]
    pub(crate) fn opt_secs<T: AnswerScalar + TryFrom<u64>>(&mut self, i: usize) -> Option<T> {
        self.opt::<Secs<T>>(i).map(|s| s.0)
    }
    /// [`Reader::opt_secs`] for a plain field with a default.
    #[inline]
    pub(crate) fn default_secs<T: AnswerScalar + TryFrom<u64> + Default>(&mut self, i: usize) -> T {
        self.opt_secs(i).unwrap_or_default()
    }
    /// [`Reader::opt`] for a string where `""` means none (KV v2's `deletion_time`).
    #[inline]
    pub(crate) fn opt_nonempty(&mut self, i: usize) -> Option<String> {
        self.opt::<String>(i).filter(|s| !s.is_empty())
    }
    /// An optional field of any other type (a nested answer, a map, a list of objects): `""` is
    /// `None`, a scalar the type refuses is kept.
    #[inline]
    pub(crate) fn opt_any<T: Deserialize<'de>>(&mut self, i: usize) -> Option<T> {
        let got = self.map.next_value_seed(Any::<T, true>(PhantomData));
        self.kept(got, i)
    }
    /// [`Reader::opt_any`] for a plain field with a default.
    #[inline]
    pub(crate) fn default_any<T: Deserialize<'de> + Default>(&mut self, i: usize) -> T {
        self.opt_any(i).unwrap_or_default()
    }
    /// [`Reader::opt_any`] for a type that takes scalars only (a `VaultDuration`, a
    /// `Sensitive`, an enum of names): an object or array is kept too.
    #[inline]
    pub(crate) fn opt_atom<T: Deserialize<'de>>(&mut self, i: usize) -> Option<T> {
        let got = self.map.next_value_seed(Any::<T, false>(PhantomData));
        self.kept(got, i)
    }
    /// [`Reader::opt_atom`] for a plain field with a default.
    #[inline]
    pub(crate) fn default_atom<T: Deserialize<'de> + Default>(&mut self, i: usize) -> T {
        self.opt_atom(i).unwrap_or_default()
    }
    /// A scalar field the caller cannot do without: `null` is the default, a wrong shape an
    /// error raised while the value is read (so the decode error names the field).
    #[inline]
    pub(crate) fn required<T: AnswerScalar + Default>(&mut self) -> T {
        let read = self.map.next_value_seed(Required::<T>(PhantomData));
        self.ok(read).unwrap_or_default()
    }
    /// [`Reader::required`] for an integer duration in seconds.
    #[inline]
    pub(crate) fn required_secs<T: AnswerScalar + TryFrom<u64> + Default>(&mut self) -> T {
        let read = self.map.next_value_seed(Required::<Secs<T>>(PhantomData));
        self.ok(read).unwrap_or_default().0
    }
    /// [`Reader::required`] for any other type.
    #[inline]
    pub(crate) fn required_any<T: Deserialize<'de> + Default>(&mut self) -> T {
        let read = self
            .map
            .next_value_seed(RequiredAny::<T, true>(PhantomData));
        self.ok(read).unwrap_or_default()
    }
    /// [`Reader::required`] for a type that takes scalars only.
    #[inline]
    pub(crate) fn required_atom<T: Deserialize<'de> + Default>(&mut self) -> T {
        let read = self
            .map
            .next_value_seed(RequiredAny::<T, false>(PhantomData));
        self.ok(read).unwrap_or_default()
    }
}

/// A request field's lenient decoder (`super::comma_list`, `super::int`, ...), by its type.
struct Request<T>(PhantomData<T>);

macro_rules! request_seeds {
    ($($t:ty => $f:expr;)*) => {$(
        impl<'de> DeserializeSeed<'de> for Request<$t> {
            type Value = $t;
            #[inline]
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<$t, D::Error> {
                $f(d)
            }
        }
    )*};
}
request_seeds! {
    Option<Vec<String>> => super::opt_comma_list;
    bool => super::bool;
    Option<bool> => super::opt_bool;
}

/// [`super::int`] as a seed.
struct Int<T>(PhantomData<T>);

impl<'de, T: TryFrom<i64> + TryFrom<u64> + std::str::FromStr> DeserializeSeed<'de> for Int<T> {
    type Value = T;
    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        super::int(d)
    }
}

/// [`super::opt_int`] as a seed.
struct OptInt<T>(PhantomData<T>);

impl<'de, T: TryFrom<i64> + TryFrom<u64> + std::str::FromStr> DeserializeSeed<'de> for OptInt<T> {
    type Value = Option<T>;
    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        super::opt_int(d)
    }
}

/// An answer scalar, as it came ([`Got`]).
struct Scalar<T>(PhantomData<T>);

impl<'de, T: AnswerScalar> DeserializeSeed<'de> for Scalar<T> {
    type Value = Got<T>;
    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Got<T>, D::Error> {
        got(d)
    }
}

/// An answer value of any other type, as it came ([`Got`]); `CONTAINER`: an object or array
/// decodes as the type (an error inside it is an error), or is a wrong shape.
struct Any<T, const CONTAINER: bool>(PhantomData<T>);

impl<'de, T: Deserialize<'de>, const CONTAINER: bool> DeserializeSeed<'de> for Any<T, CONTAINER> {
    type Value = Got<T>;
    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Got<T>, D::Error> {
        got_value::<D, T, CONTAINER>(d)
    }
}

/// A required answer scalar: a wrong shape is an error.
struct Required<T>(PhantomData<T>);

impl<'de, T: AnswerScalar + Default> DeserializeSeed<'de> for Required<T> {
    type Value = T;
    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        required(got(d)?, T::EXPECTING)
    }
}

/// A required answer value of any other type: a wrong shape is an error.
struct RequiredAny<T, const CONTAINER: bool>(PhantomData<T>);

impl<'de, T: Deserialize<'de> + Default, const CONTAINER: bool> DeserializeSeed<'de>
    for RequiredAny<T, CONTAINER>
{
    type Value = T;
    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        required(
            got_value::<D, T, CONTAINER>(d)?,
            "a value of the field's type",
        )
    }
}

/// The `Serialize` of a generated struct: a map of its fields, then the entries of `extra`. As
/// [`Reader`], it keeps the first error and returns it from [`Writer::end`] (writing nothing
/// more after it): no `?` per field in the generated code.
pub(crate) struct Writer<M: SerializeMap> {
    map: M,
    error: Option<M::Error>,
}

// Which writers the generated code calls depends on the spec and on the enabled groups.
#[allow(dead_code)]
impl<M: SerializeMap> Writer<M> {
    /// Starts the map (no length: as serde's derive with a flattened map).
    #[inline]
    pub(crate) fn new<S: Serializer<SerializeMap = M>>(s: S) -> Result<Self, S::Error> {
        let map = s.serialize_map(None)?;
        Ok(Writer { map, error: None })
    }
    /// A field, always written.
    #[inline]
    pub(crate) fn field<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) {
        if self.error.is_none() {
            if let Err(e) = self.map.serialize_entry(name, value) {
                self.error = Some(e);
            }
        }
    }
    /// An optional field, left out when `None` (`skip_serializing_if = "Option::is_none"`).
    #[inline]
    pub(crate) fn some<T: Serialize>(&mut self, name: &'static str, value: &Option<T>) {
        if value.is_some() {
            self.field(name, value);
        }
    }
    /// A list, left out when empty (`skip_serializing_if = "Vec::is_empty"`).
    #[inline]
    pub(crate) fn nonempty<T: Serialize>(&mut self, name: &'static str, value: &[T]) {
        if !value.is_empty() {
            self.field(name, value);
        }
    }
    /// The entries of `extra`, and the end of the map (or the first error).
    #[inline]
    pub(crate) fn end(mut self, extra: &SecretMap) -> Result<M::Ok, M::Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        for (key, value) in extra.iter() {
            self.map.serialize_entry(key, value)?;
        }
        self.map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::field_index;

    #[test]
    fn a_key_is_found_from_the_field_after_the_last_then_from_the_start() {
        let fields = ["a", "bb", "c", "dd", "e"];
        // In order (Vault's sorted keys), after a skipped field, and before the last one read.
        assert_eq!(field_index(&fields, 0, "a"), Some(0));
        assert_eq!(field_index(&fields, 1, "bb"), Some(1));
        assert_eq!(field_index(&fields, 2, "dd"), Some(3));
        assert_eq!(field_index(&fields, 4, "bb"), Some(1));
        // After the last field, and unknown keys.
        assert_eq!(field_index(&fields, 5, "a"), Some(0));
        assert_eq!(field_index(&fields, 9, "e"), Some(4));
        assert_eq!(field_index(&fields, 2, "zz"), None);
        assert_eq!(field_index(&[], 0, "a"), None);
    }
}
