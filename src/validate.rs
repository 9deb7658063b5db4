//! Structural validation of yrs v1 updates and state vectors from peers, before yrs decodes
//! them.
//!
//! yrs 0.28 trusts declared counts (a few bytes can make it reserve gigabytes), recurses on
//! nested values (about 10,000 levels overflow the stack and abort the process), and accepts
//! content kinds this app never writes. This module walks the lib0 v1 encoding the same way
//! yrs' decoder does, without allocating from declared counts, and rejects:
//! - any count or length larger than the bytes that remain (every element takes >= 1 byte);
//! - nesting deeper than [`MAX_DEPTH`] in `Any` values or embedded JSON strings;
//! - content kinds outside the brief schema: legacy JSON (2), sub-documents (9), XmlHook and
//!   weak-link types (yrs and Yjs disagree on XmlHook's encoding);
//! - invalid UTF-8 and trailing bytes.
//!
//! Anything it accepts still goes through yrs' own decoder; this is an extra gate.

/// Deepest nesting accepted in `Any` values and JSON strings.
pub const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidateError {
    #[error("unexpected end of data at byte {0}")]
    Eof(usize),
    #[error("a count or length at byte {0} exceeds the data that follows")]
    Oversized(usize),
    #[error("nesting deeper than {MAX_DEPTH} at byte {0}")]
    TooDeep(usize),
    #[error("content kind {kind} at byte {at} is not accepted")]
    Unsupported { kind: u8, at: usize },
    #[error("invalid UTF-8 at byte {0}")]
    Utf8(usize),
    #[error("varint too long at byte {0}")]
    VarInt(usize),
    #[error("{0} trailing bytes")]
    Trailing(usize),
    #[error("the clocks of the client run at byte {0} pass 2^32")]
    Clock(usize),
    #[error("client id at byte {0} is wider than 53 bits")]
    ClientId(usize),
}

struct Cursor<'a> {
    buf: &'a [u8],
    at: usize,
    shape: Shape,
}

/// What validation learned about an update.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Shape {
    /// The update has Skip blocks (holes). yrs 0.28 integrates those as placeholders and can
    /// later underflow replacing them, so the sync layer does not apply such updates.
    pub has_skips: bool,
    /// The document schema version the update writes to `meta.schema`, when it writes it as
    /// a new key (`meta.schema` without a left neighbour).
    pub schema: Option<f64>,
    /// The update overwrites some map key with a number (or appends one to an array): the
    /// encoding names no key then (it is implied by the value it replaces), so it may be
    /// `meta.schema`. Rare in a brief (a
    /// heading's level changing); the sync layer then checks the schema on a trial copy.
    pub overwrites_a_number: bool,
    /// The schema migration the update records (`meta.migration` as a new key, a hex id;
    /// see `body::migrate`).
    pub migration: Option<u32>,
}

type R<T> = Result<T, ValidateError>;

impl<'a> Cursor<'a> {
    fn new(buf: &'a [u8]) -> Cursor<'a> {
        Cursor {
            buf,
            at: 0,
            shape: Shape::default(),
        }
    }
    /// What was learned, if every byte was read.
    fn finish(self) -> R<Shape> {
        match self.remaining() {
            0 => Ok(self.shape),
            n => Err(ValidateError::Trailing(n)),
        }
    }
    fn remaining(&self) -> usize {
        self.buf.len() - self.at
    }
    fn u8(&mut self) -> R<u8> {
        let b = *self.buf.get(self.at).ok_or(ValidateError::Eof(self.at))?;
        self.at += 1;
        Ok(b)
    }
    fn skip(&mut self, n: usize) -> R<&'a [u8]> {
        if n > self.remaining() {
            return Err(ValidateError::Oversized(self.at));
        }
        let s = &self.buf[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }
    /// Unsigned LEB128 as lib0 writes it (at most 10 bytes).
    fn var(&mut self) -> R<u64> {
        let start = self.at;
        let mut v: u64 = 0;
        for i in 0..10 {
            let b = self.u8()?;
            v |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(ValidateError::VarInt(start))
    }
    /// Signed lib0 varint: only consumed. At most ten bytes (6 + 9 × 7 bits hold an i64):
    /// yrs 0.28 shifts an i64 by 69 bits on an eleventh and panics (found by fuzzing).
    fn var_signed(&mut self) -> R<()> {
        let start = self.at;
        let first = self.u8()?;
        if first & 0x80 == 0 {
            return Ok(());
        }
        for _ in 0..9 {
            if self.u8()? & 0x80 == 0 {
                return Ok(());
            }
        }
        Err(ValidateError::VarInt(start))
    }
    /// A count of elements that each take at least `min` bytes.
    fn count(&mut self, min: usize) -> R<usize> {
        let at = self.at;
        let n = self.var()?;
        let n = usize::try_from(n).map_err(|_| ValidateError::Oversized(at))?;
        if n.saturating_mul(min) > self.remaining() {
            return Err(ValidateError::Oversized(at));
        }
        Ok(n)
    }
    fn bytes(&mut self) -> R<&'a [u8]> {
        let at = self.at;
        let n = self.var()?;
        let n = usize::try_from(n).map_err(|_| ValidateError::Oversized(at))?;
        self.skip(n)
    }
    fn string(&mut self) -> R<&'a str> {
        let at = self.at;
        let b = self.bytes()?;
        std::str::from_utf8(b).map_err(|_| ValidateError::Utf8(at))
    }
    fn json(&mut self) -> R<()> {
        let at = self.at;
        let s = self.string()?;
        if json_depth(s) > MAX_DEPTH {
            return Err(ValidateError::TooDeep(at));
        }
        Ok(())
    }
    fn any(&mut self, depth: usize) -> R<()> {
        if depth > MAX_DEPTH {
            return Err(ValidateError::TooDeep(self.at));
        }
        let at = self.at;
        match self.u8()? {
            127 | 126 | 121 | 120 => Ok(()),
            125 => self.var_signed(),
            124 => self.skip(4).map(|_| ()),
            123 | 122 => self.skip(8).map(|_| ()),
            119 => self.string().map(|_| ()),
            118 => {
                let n = self.count(2)?;
                for _ in 0..n {
                    self.string()?;
                    self.any(depth + 1)?;
                }
                Ok(())
            }
            117 => {
                let n = self.count(1)?;
                for _ in 0..n {
                    self.any(depth + 1)?;
                }
                Ok(())
            }
            116 => self.bytes().map(|_| ()),
            kind => Err(ValidateError::Unsupported { kind, at }),
        }
    }
    /// A client id: Yjs ids are JavaScript integers (53 bits). yrs asserts that (a panic in
    /// debug builds) and silently folds a wider one onto another client in release builds.
    fn client(&mut self) -> R<u64> {
        let at = self.at;
        let v = self.var()?;
        if v >> 53 != 0 {
            return Err(ValidateError::ClientId(at));
        }
        Ok(v)
    }
    fn id(&mut self) -> R<()> {
        self.client()?;
        self.var()?;
        Ok(())
    }
    /// A number in lib0's `Any` encoding, if the next value is one; any other value is only
    /// checked.
    fn any_number(&mut self) -> R<Option<f64>> {
        let at = self.at;
        let n = match self.buf.get(at) {
            Some(125) => {
                self.at += 1;
                let start = self.at;
                self.var_signed()?;
                Some(signed_var(&self.buf[start..self.at]))
            }
            Some(123) => {
                self.at += 1;
                let b = self.skip(8)?;
                Some(f64::from_be_bytes(b.try_into().unwrap_or([0; 8])))
            }
            Some(124) => {
                self.at += 1;
                let b = self.skip(4)?;
                Some(f64::from(f32::from_be_bytes(
                    b.try_into().unwrap_or([0; 4]),
                )))
            }
            Some(122) => {
                self.at += 1;
                let b = self.skip(8)?;
                Some(i64::from_be_bytes(b.try_into().unwrap_or([0; 8])) as f64)
            }
            _ => {
                self.any(0)?;
                None
            }
        };
        Ok(n)
    }
    /// One block; returns an upper bound of the clock length it takes (yrs adds block
    /// lengths to the client's clock in `u32` and overflows on more).
    fn block(&mut self) -> R<u64> {
        let at = self.at;
        let info = self.u8()?;
        match info {
            // GC: a deleted run, only its length
            0 => return self.var(),
            // Skip: a hole in the client's run (what merging non-contiguous updates leaves)
            10 => {
                self.shape.has_skips = true;
                return self.var();
            }
            _ => {}
        }
        let has_origin = info & 0x80 != 0;
        let has_right = info & 0x40 != 0;
        if has_origin {
            self.id()?;
        }
        if has_right {
            self.id()?;
        }
        // the key this block sets in a root map: (root name, key), when the encoding says
        let mut root_key: Option<(&str, &str)> = None;
        if !has_origin && !has_right {
            let root = if self.var()? == 1 {
                Some(self.string()?)
            } else {
                self.id()?;
                None
            };
            if info & 0x20 != 0 {
                let key = self.string()?;
                root_key = root.map(|r| (r, key));
            }
        }
        // A map key set over an earlier value: a left origin (the value replaced), no right
        // one. yrs writes no parent-sub flag then, Yjs does; neither names the key. (An
        // array append of a number looks the same; a brief has none, and the check is only
        // a trigger for the exact one.)
        let keyed_overwrite = has_origin && !has_right;
        if info & 0x0f == 8 && (root_key == Some(("meta", "schema")) || keyed_overwrite) {
            let n = self.count(1)?;
            for i in 0..n {
                match self.any_number()? {
                    Some(v) if i == 0 && !keyed_overwrite => self.shape.schema = Some(v),
                    Some(_) if i == 0 => self.shape.overwrites_a_number = true,
                    _ => {}
                }
            }
            return Ok(n as u64);
        }
        if info & 0x0f == 8 && root_key == Some(("meta", "migration")) {
            let n = self.count(1)?;
            for i in 0..n {
                if i == 0 && self.buf.get(self.at) == Some(&119) {
                    self.at += 1;
                    let s = self.string()?;
                    self.shape.migration = u32::from_str_radix(s, 16).ok();
                } else {
                    self.any(0)?;
                }
            }
            return Ok(n as u64);
        }
        match info & 0x0f {
            1 => self.var(),
            3 => self.bytes().map(|_| 1),
            // a string's length in UTF-16 units is at most its length in UTF-8 bytes
            4 => self.string().map(|s| s.len() as u64),
            5 => self.json().map(|_| 1),
            6 => {
                self.string()?;
                self.json().map(|_| 1)
            }
            7 => match self.u8()? {
                0 | 1 | 2 | 4 | 6 => Ok(1),
                3 => self.string().map(|_| 1),
                kind => Err(ValidateError::Unsupported { kind, at }),
            },
            8 => {
                let n = self.count(1)?;
                for _ in 0..n {
                    self.any(0)?;
                }
                Ok(n as u64)
            }
            kind => Err(ValidateError::Unsupported { kind, at }),
        }
    }
}

/// The value of a lib0 signed varint (already checked to be well formed): the first byte
/// holds a continuation bit, the sign and six bits; the rest seven bits each.
fn signed_var(b: &[u8]) -> f64 {
    let Some((&first, rest)) = b.split_first() else {
        return 0.0;
    };
    let mut v = f64::from(first & 0x3f);
    let mut scale = 64.0;
    for &x in rest {
        v += f64::from(x & 0x7f) * scale;
        scale *= 128.0;
    }
    if first & 0x40 != 0 {
        -v
    } else {
        v
    }
}

/// Deepest bracket nesting in a JSON text (brackets inside strings ignored).
fn json_depth(s: &str) -> usize {
    let (mut depth, mut max, mut in_str, mut esc) = (0usize, 0usize, false, false);
    for b in s.bytes() {
        if in_str {
            match (esc, b) {
                (true, _) => esc = false,
                (false, b'\\') => esc = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Validates a v1-encoded update.
pub fn update_v1(data: &[u8]) -> Result<Shape, ValidateError> {
    let mut c = Cursor::new(data);
    let clients = c.count(3)?;
    for _ in 0..clients {
        let blocks = c.count(1)?;
        c.client()?;
        let at = c.at;
        let mut clock = c.var()?;
        for _ in 0..blocks {
            clock = clock.saturating_add(c.block()?);
        }
        if clock > u64::from(u32::MAX) {
            return Err(ValidateError::Clock(at));
        }
    }
    let ds_clients = c.count(2)?;
    for _ in 0..ds_clients {
        c.client()?;
        let ranges = c.count(2)?;
        for _ in 0..ranges {
            let at = c.at;
            let (clock, len) = (c.var()?, c.var()?);
            if clock.saturating_add(len) > u64::from(u32::MAX) {
                return Err(ValidateError::Clock(at));
            }
        }
    }
    c.finish()
}

/// Validates a v1-encoded state vector.
pub fn state_vector_v1(data: &[u8]) -> Result<(), ValidateError> {
    let mut c = Cursor::new(data);
    let n = c.count(2)?;
    for _ in 0..n {
        c.client()?;
        let at = c.at;
        if c.var()? > u64::from(u32::MAX) {
            return Err(ValidateError::Clock(at));
        }
    }
    c.finish().map(|_| ())
}

/// Validates a v1-encoded awareness update (y-protocols: a count, then per client its id,
/// clock and state as a JSON string): counts against the bytes left, 53-bit client ids,
/// JSON nesting, UTF-8, no trailing bytes.
pub fn awareness_v1(data: &[u8]) -> Result<(), ValidateError> {
    let mut c = Cursor::new(data);
    let n = c.count(3)?;
    for _ in 0..n {
        c.client()?;
        c.var()?; // clock
        c.json()?;
    }
    c.finish().map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::brief::{Brief, Member, NewDecision};
    use crate::model::{ConcernKind, Role, Section, Template};
    use proptest::prelude::*;
    use yrs::updates::decoder::Decode;

    fn rich_brief() -> Brief {
        let b = Brief::create(
            "t ünïcode 😀",
            Template::ProblemFirst,
            Member {
                device: "d".into(),
                name: "n".into(),
                role: Role::Pm,
            },
        );
        b.set_section(Section::Problem, "p\n\nq");
        b.insert_text(Section::Evidence, 0, "héllo");
        b.delete_text(Section::Evidence, 1, 2);
        b.add_decision(NewDecision {
            decision: "x".into(),
            rests_on: vec![Section::Problem],
            ..Default::default()
        })
        .unwrap();
        b.add_concern(Role::Engineer, ConcernKind::Ux, "c").unwrap();
        b.sign_off(Role::Pm);
        b
    }

    #[test]
    fn accepts_everything_a_brief_writes() {
        let b = rich_brief();
        update_v1(&b.encode_state_v1()).unwrap();
        for u in b.take_outbox() {
            update_v1(&u).unwrap();
        }
        state_vector_v1(&yrs::updates::encoder::Encode::encode_v1(&b.state_vector())).unwrap();
    }

    #[test]
    fn client_ids_wider_than_53_bits_are_refused() {
        // found by the `update` and `awareness` fuzzers: yrs asserts 53-bit client ids
        let wide = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]; // 2^57 - 1
        let mut sv = vec![1];
        sv.extend_from_slice(&wide);
        sv.push(0);
        assert!(matches!(
            state_vector_v1(&sv),
            Err(ValidateError::ClientId(1))
        ));
        let mut aw = vec![1];
        aw.extend_from_slice(&wide);
        aw.extend_from_slice(&[0, 2, b'{', b'}']);
        assert!(matches!(awareness_v1(&aw), Err(ValidateError::ClientId(1))));
        assert!(awareness_v1(&[1, 5, 0, 2, b'{', b'}']).is_ok());
        let mut u = vec![0, 1];
        u.extend_from_slice(&wide);
        u.push(0);
        assert!(matches!(update_v1(&u), Err(ValidateError::ClientId(2))));
    }

    #[test]
    fn rejects_bombs_and_deep_nesting() {
        // declares 2^32 clients in 5 bytes
        assert!(matches!(
            update_v1(&[0xff, 0xff, 0xff, 0xff, 0x0f]),
            Err(ValidateError::Oversized(0))
        ));
        assert!(state_vector_v1(&[0xff, 0xff, 0xff, 0x0f]).is_err());
        // one client, one Any block nested 10,000 arrays deep
        let mut u = vec![1, 1, 5, 0, 0x08, 1, b'x', 1];
        u.extend(std::iter::repeat_n(117u8, 10_000).flat_map(|t| [t, 1]));
        assert!(matches!(update_v1(&u), Err(ValidateError::TooDeep(_))));
        assert!(json_depth(&"[".repeat(100)) > MAX_DEPTH);
        assert_eq!(json_depth(r#"{"a":"[[[[","b":[1]}"#), 2);
        // trailing garbage
        let mut ok = rich_brief().encode_state_v1();
        ok.push(0);
        assert!(matches!(update_v1(&ok), Err(ValidateError::Trailing(1))));
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]
        /// Mutated real updates: the validator never panics, and whatever it accepts, yrs
        /// decodes without panicking.
        #[test]
        fn mutated_updates_never_panic(seed_bytes in proptest::collection::vec(any::<(u16, u8)>(), 1..8), cut in any::<u16>()) {
            let mut u = rich_brief().encode_state_v1();
            for (pos, val) in seed_bytes {
                let i = pos as usize % u.len();
                u[i] = val;
            }
            let cut = cut as usize % (u.len() + 1);
            let u = &u[..cut];
            if update_v1(u).is_ok() {
                let _ = yrs::Update::decode_v1(u);
            }
        }
    }
}
