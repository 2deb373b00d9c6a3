//! Pages and cursors, for every list this crate returns.
//!
//! A list is read in the order of a unique key (a uuid, a sequence number, or a composite such as
//! `(due date, id)`: a unique tie-breaker keeps a cursor's position stable while rows are added).
//! A [`Cursor`] is that key, made opaque: base64url of a version byte, then each component of the
//! key as a type tag and its bytes. The tags let a cursor of one list be refused by another whose
//! key has another shape, rather than read as nonsense; the version lets the format change
//! without breaking the cursors clients hold.
//!
//! Version 0 is the unversioned format the API issued first (the 16 bytes of a uuid, or the 8
//! big-endian bytes of a sequence number): never written, and read only where a list asks for it
//! with [`Cursor::decode_accepting_unversioned`] (a list whose clients already hold such cursors),
//! because a version-1 cursor cut short can have a version-0 cursor's length.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use uuid::Uuid;

/// One page of a list, in the list's order, and whether more follow.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next_page: bool,
}

impl<T> Page<T> {
    /// A page from rows read with [`lookahead_limit`]: the one row past `first` only says that
    /// more follow.
    pub fn from_lookahead(mut rows: Vec<T>, first: usize) -> Self {
        let has_next_page = rows.len() > first;
        rows.truncate(first);
        Page {
            items: rows,
            has_next_page,
        }
    }
}

impl<T> Page<T> {
    /// The same page with each item converted, or the first conversion's error.
    pub fn try_map<U, E>(self, convert: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page {
            items: self
                .items
                .into_iter()
                .map(convert)
                .collect::<Result<_, _>>()?,
            has_next_page: self.has_next_page,
        })
    }
}

/// The `LIMIT` that reads a page of `first` rows and one more, to know whether more follow.
pub fn lookahead_limit(first: usize) -> i64 {
    i64::try_from(first.saturating_add(1)).unwrap_or(i64::MAX)
}

/// The cursor format written now.
const VERSION: u8 = 1;

/// Why a cursor was refused: each time the caller's mistake (the API answers `BAD_USER_INPUT`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    #[error("the cursor is not base64url text")]
    NotBase64,
    #[error("the cursor is empty")]
    Empty,
    #[error("the cursor has a version this server does not know ({0})")]
    UnknownVersion(u8),
    #[error("the cursor belongs to a list of another order")]
    WrongShape,
    #[error("the cursor is cut short")]
    Truncated,
    #[error("the cursor holds a value out of range")]
    OutOfRange,
}

/// A key a list is ordered by, written into cursors component by component.
pub trait CursorKey: Sized {
    /// Appends the key's components, each as its tag and its bytes.
    fn write(&self, out: &mut Vec<u8>);
    /// Reads the key from the front of `input`, advancing past it.
    fn read(input: &mut &[u8]) -> Result<Self, CursorError>;
    /// The key from an unversioned (version 0) cursor, for the key shapes it was issued for.
    fn read_unversioned(_bytes: &[u8]) -> Option<Self> {
        None
    }
}

/// A row's value in the column a list is ordered by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderValue {
    At(DateTime<Utc>),
    Date(NaiveDate),
    Text(String),
}

/// Where a page of an ordered list continues: the last row's value in the order's column, and
/// its id (which breaks ties).
pub type ListKey = (OrderValue, Uuid);

/// What kind of value a list's order column holds (so a cursor is decoded as the right shape).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderValueKind {
    At,
    Date,
    Text,
}

impl OrderValue {
    pub fn kind(&self) -> OrderValueKind {
        match self {
            OrderValue::At(_) => OrderValueKind::At,
            OrderValue::Date(_) => OrderValueKind::Date,
            OrderValue::Text(_) => OrderValueKind::Text,
        }
    }
}

/// A cursor of an ordered list: its key, and a fingerprint of the list it belongs to (so a
/// cursor of another list is refused, not silently followed).
pub fn encode_list_cursor((value, id): ListKey, list: i64) -> Cursor {
    match value {
        OrderValue::At(at) => Cursor::encode(&(at, id, list)),
        OrderValue::Date(date) => Cursor::encode(&(date, id, list)),
        OrderValue::Text(text) => Cursor::encode(&(text, id, list)),
    }
}

/// The key of a cursor of the list `list` whose order column holds `kind`; `None` for a cursor
/// of any other list (another order, filter or authority) or no cursor at all.
pub fn decode_list_cursor(text: &str, kind: OrderValueKind, list: i64) -> Option<ListKey> {
    let (value, id, of_list) = match kind {
        OrderValueKind::At => Cursor::decode::<(DateTime<Utc>, Uuid, i64)>(text)
            .map(|(at, id, l)| (OrderValue::At(at), id, l)),
        OrderValueKind::Date => Cursor::decode::<(NaiveDate, Uuid, i64)>(text)
            .map(|(date, id, l)| (OrderValue::Date(date), id, l)),
        OrderValueKind::Text => Cursor::decode::<(String, Uuid, i64)>(text)
            .map(|(text, id, l)| (OrderValue::Text(text), id, l)),
    }
    .ok()?;
    (of_list == list).then_some((value, id))
}

/// An opaque cursor: the text a client sends back as `after`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor(String);

impl Cursor {
    pub fn encode<K: CursorKey>(key: &K) -> Cursor {
        let mut bytes = vec![VERSION];
        key.write(&mut bytes);
        Cursor(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The key a cursor holds, if it is a cursor of a list ordered by `K`.
    pub fn decode<K: CursorKey>(text: &str) -> Result<K, CursorError> {
        Self::decode_bytes(&Self::bytes(text)?)
    }

    /// [`Cursor::decode`], also reading the unversioned cursors first issued for lists ordered
    /// by a uuid or a sequence number.
    pub fn decode_accepting_unversioned<K: CursorKey>(text: &str) -> Result<K, CursorError> {
        let bytes = Self::bytes(text)?;
        match K::read_unversioned(&bytes) {
            Some(key) => Ok(key),
            None => Self::decode_bytes(&bytes),
        }
    }

    fn bytes(text: &str) -> Result<Vec<u8>, CursorError> {
        URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| CursorError::NotBase64)
    }

    fn decode_bytes<K: CursorKey>(bytes: &[u8]) -> Result<K, CursorError> {
        let (&version, mut rest) = bytes.split_first().ok_or(CursorError::Empty)?;
        if version != VERSION {
            return Err(CursorError::UnknownVersion(version));
        }
        let key = K::read(&mut rest)?;
        if !rest.is_empty() {
            // A longer key with the same leading components: another list's cursor.
            return Err(CursorError::WrongShape);
        }
        Ok(key)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Type tags: one byte before each component. Never reuse a retired tag.
mod tag {
    pub(super) const I64: u8 = 1;
    pub(super) const UUID: u8 = 2;
    pub(super) const DATE: u8 = 3;
    pub(super) const TIMESTAMP: u8 = 4;
    pub(super) const TEXT: u8 = 5;
}

/// Checks the tag of the next component and takes its `N` bytes.
fn take<const N: usize>(input: &mut &[u8], expected: u8) -> Result<[u8; N], CursorError> {
    let (&found, rest) = input.split_first().ok_or(CursorError::Truncated)?;
    if found != expected {
        return Err(CursorError::WrongShape);
    }
    let bytes: [u8; N] = rest
        .get(..N)
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or(CursorError::Truncated)?;
    *input = &rest[N..];
    Ok(bytes)
}

impl CursorKey for i64 {
    fn write(&self, out: &mut Vec<u8>) {
        out.push(tag::I64);
        out.extend_from_slice(&self.to_be_bytes());
    }

    fn read(input: &mut &[u8]) -> Result<Self, CursorError> {
        take::<8>(input, tag::I64).map(i64::from_be_bytes)
    }

    fn read_unversioned(bytes: &[u8]) -> Option<Self> {
        <[u8; 8]>::try_from(bytes).ok().map(i64::from_be_bytes)
    }
}

impl CursorKey for Uuid {
    fn write(&self, out: &mut Vec<u8>) {
        out.push(tag::UUID);
        out.extend_from_slice(self.as_bytes());
    }

    fn read(input: &mut &[u8]) -> Result<Self, CursorError> {
        take::<16>(input, tag::UUID).map(Uuid::from_bytes)
    }

    fn read_unversioned(bytes: &[u8]) -> Option<Self> {
        <[u8; 16]>::try_from(bytes).ok().map(Uuid::from_bytes)
    }
}

impl CursorKey for NaiveDate {
    fn write(&self, out: &mut Vec<u8>) {
        out.push(tag::DATE);
        out.extend_from_slice(&self.num_days_from_ce().to_be_bytes());
    }

    fn read(input: &mut &[u8]) -> Result<Self, CursorError> {
        let days = i32::from_be_bytes(take::<4>(input, tag::DATE)?);
        NaiveDate::from_num_days_from_ce_opt(days).ok_or(CursorError::OutOfRange)
    }
}

/// To the microsecond, PostgreSQL's precision: a timestamp read from the database round-trips.
impl CursorKey for DateTime<Utc> {
    fn write(&self, out: &mut Vec<u8>) {
        out.push(tag::TIMESTAMP);
        out.extend_from_slice(&self.timestamp_micros().to_be_bytes());
    }

    fn read(input: &mut &[u8]) -> Result<Self, CursorError> {
        let micros = i64::from_be_bytes(take::<8>(input, tag::TIMESTAMP)?);
        DateTime::from_timestamp_micros(micros).ok_or(CursorError::OutOfRange)
    }
}

/// Short text (a kind's name): its length in two bytes, then its UTF-8 bytes.
impl CursorKey for String {
    fn write(&self, out: &mut Vec<u8>) {
        let bytes = &self.as_bytes()[..self.len().min(usize::from(u16::MAX))];
        out.push(tag::TEXT);
        out.extend_from_slice(&u16::try_from(bytes.len()).unwrap_or(u16::MAX).to_be_bytes());
        out.extend_from_slice(bytes);
    }

    fn read(input: &mut &[u8]) -> Result<Self, CursorError> {
        let length = usize::from(u16::from_be_bytes(take::<2>(input, tag::TEXT)?));
        let bytes = input.get(..length).ok_or(CursorError::Truncated)?;
        let text = std::str::from_utf8(bytes).map_err(|_| CursorError::OutOfRange)?;
        *input = &input[length..];
        Ok(text.to_owned())
    }
}

impl<A: CursorKey, B: CursorKey> CursorKey for (A, B) {
    fn write(&self, out: &mut Vec<u8>) {
        self.0.write(out);
        self.1.write(out);
    }

    fn read(input: &mut &[u8]) -> Result<Self, CursorError> {
        Ok((A::read(input)?, B::read(input)?))
    }
}

impl<A: CursorKey, B: CursorKey, C: CursorKey> CursorKey for (A, B, C) {
    fn write(&self, out: &mut Vec<u8>) {
        self.0.write(out);
        self.1.write(out);
        self.2.write(out);
    }

    fn read(input: &mut &[u8]) -> Result<Self, CursorError> {
        Ok((A::read(input)?, B::read(input)?, C::read(input)?))
    }
}

impl<A: CursorKey, B: CursorKey, C: CursorKey, D: CursorKey> CursorKey for (A, B, C, D) {
    fn write(&self, out: &mut Vec<u8>) {
        self.0.write(out);
        self.1.write(out);
        self.2.write(out);
        self.3.write(out);
    }

    fn read(input: &mut &[u8]) -> Result<Self, CursorError> {
        Ok((
            A::read(input)?,
            B::read(input)?,
            C::read(input)?,
            D::read(input)?,
        ))
    }
}

#[cfg(test)]
mod tests;
