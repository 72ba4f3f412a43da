//! Resolving many hosts in time linear in the config: an index of the blocks by the names they
//! can apply to.
//!
//! [`ConfigSet::resolve`] reads every line of the config for one host, so answering for every
//! host a config names takes time quadratic in its size. A [`ResolveIndex`] reads every block
//! header once and files each block under what a host must look like for the block to apply:
//!
//! - a `Host` line, by its patterns: a literal name (`Host web1`) under that name; a wildcard
//!   pattern under its literal prefix (`web*`) or, failing that, its literal suffix
//!   (`*.example.com`). Negated patterns only ever stop a block from applying, so they file
//!   nothing; a line with no positive pattern cannot apply at all.
//! - a `Match` line with a `host` or `originalhost` criterion (not negated) among `host`,
//!   `originalhost`, `user`, `localuser` and `tagged` criteria, and `exec` criteria after it
//!   (readconf.c skips an `exec` once a criterion before it failed): by that criterion's
//!   patterns, lowercased, as `match_hostname` compares them.
//!
//! Every other block is read for every host ("always"): `Host *`, a pattern with neither prefix
//! nor suffix, `Match all`, `Match final`/`canonical` (they mark the final pass), `Match exec`
//! before any such criterion and the other criteria that are not evaluated (they leave a note),
//! a line OpenSSH rejects (it
//! leaves an error), and any block holding an `Include` (the included file is read even from an
//! inactive block).
//!
//! A resolution through the index is the same walk as [`ConfigSet::resolve`] (the port of
//! readconf.c in `resolve.rs`), except that at a block header it jumps to the next block that
//! may apply: an "always" block, or one filed under a key the host has now. The keys are taken
//! from the walk's state at that point: the name `Host` lines are matched against (the host as
//! typed, or in the final pass its lowercased `HostName`), the host `Match host` sees (which
//! changes once a `HostName` is set), and the host as typed for `Match originalhost`. A block
//! passed over could not have applied, and reading it inactive changes nothing, so the answer is
//! identical (the tests compare both on random configs, and `ssh -G` judges both). So too a
//! file is entered at its first line whose reading may change anything: the blank lines,
//! comments and options no check watches that often begin a config are read by no host.
//!
//! Of two kinds of `Host` line the index also knows the answer, and tells the walk so that it
//! need not read the line again: one literal name (read only for that host, to which it
//! applies) and `Host *` (read for every host, to which it applies).
//!
//! Cost: building reads each header once; each host then costs a few hash lookups (one per
//! prefix and suffix length in use) plus the blocks that may apply to it.

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::Arc;

use crate::config::ConfigSet;
use crate::document::{Document, HeaderReader};
use crate::header::{Attribute, Header, MatchLine, Negation, PlainPatterns};
use crate::loc::FileId;
use crate::resolve::{Jump, KnownHostLine, Pass, Resolution, ResolveContext, Skip, Start, Verdict};

/// What a block is filed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Guard {
    /// Read for every host.
    Always,
    /// Applies only if a positive pattern of its `Host` line matches the pass's host.
    Host,
    /// A `Host` line of one plain word without a wildcard: applies only to the host it spells,
    /// and then names that host alone (the walk is told so, and need not read the line).
    HostLiteral,
    /// A `Host` line of several plain words, none with a wildcard: applies only to the hosts
    /// they spell (the walk is told so, and need not read the line: a line of many names would
    /// otherwise be read again for each of them).
    HostWords,
    /// `Host *`: read for every host, to which it applies (the walk is told so).
    HostStar,
    /// Applies only if its `Match host` criterion matches the host `Match host` sees.
    MatchHost,
    /// Applies only if its `Match originalhost` criterion matches the host as typed.
    MatchOriginal,
}

/// Where a key's bytes are, in eight bytes: `len` bytes at `at` of one of the [`KeyStore`]'s
/// texts (`src` 1 to 254: text `src - 1`), of its own bytes (`src` [`OWN`]), or the key
/// `at` of its list of keys that fit neither (`src` [`BIG`], `len` unused). `src` is the top
/// byte of `len_src`.
#[derive(Debug, Clone, Copy)]
struct Span {
    at: u32,
    len_src: u32,
}

/// Bits of [`Span::len_src`] for the length.
const LEN_BITS: u32 = 24;
/// The longest key kept as a span.
const MAX_LEN: usize = (1 << LEN_BITS) - 1;
/// A span of the store's own bytes.
const OWN: u32 = 0;
/// A key in the store's list of keys that fit no span.
const BIG: u32 = 255;

/// Keys, each in eight bytes ([`Span`]): most are borrowed from a file's text (a `Host`
/// line's words as they stand) and kept as where they are in it; a key made anew (lowercased,
/// unquoted) is copied into the store's own bytes. A key that fits neither (longer than
/// [`MAX_LEN`], borrowed from no text the store knows once it knows 254, or past 4 GiB of
/// own bytes) is kept as it came, in a list of its own.
#[derive(Debug, Default)]
struct KeyStore<'a> {
    spans: Vec<Span>,
    /// The texts spans borrow from (at most 254, each shorter than 4 GiB).
    texts: Vec<&'a [u8]>,
    own: Vec<u8>,
    big: Vec<Cow<'a, [u8]>>,
}

/// Push `x`, growing `v` by a quarter when it is full (not doubling: a list of every block's
/// keys or names, sized for one a block, is often a little short).
#[inline]
fn push_grow<T>(v: &mut Vec<T>, x: T) {
    if v.len() == v.capacity() {
        v.reserve_exact((v.len() / 4).max(16));
    }
    v.push(x);
}

impl<'a> KeyStore<'a> {
    /// Room for `n` keys.
    fn with_capacity(n: usize) -> KeyStore<'a> {
        KeyStore {
            spans: Vec::with_capacity(n),
            ..KeyStore::default()
        }
    }

    /// Keys borrowed from `text` are kept as spans of it from now on (while there is room for
    /// a text).
    fn borrow_from(&mut self, text: &'a [u8]) {
        if self.texts.len() < BIG as usize - 1
            && text.len() <= u32::MAX as usize
            && !self.texts.iter().any(|t| std::ptr::eq(*t, text))
        {
            self.texts.push(text);
        }
    }

    fn len(&self) -> usize {
        self.spans.len()
    }

    /// The index of the text `b` lies in, and where in it.
    #[inline]
    fn locate(&self, b: &[u8]) -> Option<(usize, u32)> {
        let within = |t: &[u8]| {
            let off = (b.as_ptr() as usize).wrapping_sub(t.as_ptr() as usize);
            (off <= t.len() && b.len() <= t.len() - off).then_some(off as u32)
        };
        // The text of the file being read is the last one.
        (0..self.texts.len())
            .rev()
            .find_map(|i| Some((i, within(self.texts[i])?)))
    }

    /// Add key `k` after the others (its number is the count before).
    fn push(&mut self, k: Cow<'a, [u8]>) {
        let len = k.len();
        let span = if len > MAX_LEN {
            None
        } else if let Cow::Borrowed(b) = k
            && let Some((i, at)) = self.locate(b)
        {
            Some(Span {
                at,
                len_src: len as u32 | (i as u32 + 1) << LEN_BITS,
            })
        } else if self.own.len() + len <= u32::MAX as usize {
            let at = self.own.len() as u32;
            self.own.extend_from_slice(&k);
            Some(Span {
                at,
                len_src: len as u32 | OWN << LEN_BITS,
            })
        } else {
            None
        };
        let span = span.unwrap_or_else(|| {
            self.big.push(k);
            Span {
                at: self.big.len() as u32 - 1,
                len_src: BIG << LEN_BITS,
            }
        });
        push_grow(&mut self.spans, span);
    }

    /// [`KeyStore::push`] of a key borrowed from a text: most are in the last text (that of
    /// the file being read), tested first without a `Cow` or a search.
    #[inline]
    fn push_borrowed(&mut self, b: &'a [u8]) {
        if let Some(&t) = self.texts.last() {
            let off = (b.as_ptr() as usize).wrapping_sub(t.as_ptr() as usize);
            if off <= t.len() && b.len() <= t.len() - off && b.len() <= MAX_LEN {
                let src = self.texts.len() as u32;
                return push_grow(
                    &mut self.spans,
                    Span {
                        at: off as u32,
                        len_src: b.len() as u32 | src << LEN_BITS,
                    },
                );
            }
        }
        self.push(Cow::Borrowed(b));
    }

    /// The bytes of key `n`.
    #[inline]
    fn get(&self, n: usize) -> &[u8] {
        let Span { at, len_src } = self.spans[n];
        let (at, len) = (at as usize, (len_src as usize) & MAX_LEN);
        let src = len_src >> LEN_BITS;
        // Most keys are in a text.
        if src.wrapping_sub(1) < BIG - 1 {
            let t = self.texts[src as usize - 1];
            // SAFETY: `push` makes a text's span only of a range it checked lies in the text
            // (`locate`), and the texts never change.
            return unsafe { t.get_unchecked(at..at + len) };
        }
        match src {
            OWN => &self.own[at..at + len],
            _ => &self.big[at],
        }
    }

    /// Add key `n` of `other`, a store that knows the same texts in the same order (its span
    /// is copied; the other keys are pushed as they are).
    fn push_from(&mut self, other: &KeyStore<'a>, n: usize) {
        let span = other.spans[n];
        let src = span.len_src >> LEN_BITS;
        if src.wrapping_sub(1) < BIG - 1 && other.texts.len() == self.texts.len() {
            debug_assert!(
                std::iter::zip(&self.texts, &other.texts).all(|(a, b)| std::ptr::eq(*a, *b))
            );
            push_grow(&mut self.spans, span);
        } else {
            self.push(match other.borrowed(n) {
                Some(b) => Cow::Borrowed(b),
                None => Cow::Owned(other.get(n).to_vec()),
            });
        }
    }

    /// Key `n` as borrowed from the text it was met in, if it was (else it is the store's).
    fn borrowed(&self, n: usize) -> Option<&'a [u8]> {
        let Span { at, len_src } = self.spans[n];
        let (at, len) = (at as usize, (len_src as usize) & MAX_LEN);
        match len_src >> LEN_BITS {
            OWN => None,
            BIG => match self.big[at] {
                Cow::Borrowed(b) => Some(b),
                Cow::Owned(_) => None,
            },
            t => Some(&self.texts[t as usize - 1][at..at + len]),
        }
    }
}

/// Keys and, for each, its block ids: the keys in the order first filed, found through an
/// open-addressing table of their numbers (at most half full, four bytes a slot), which is
/// smaller and quicker to fill than a map holding keys and ranges in its slots.
///
/// The ids are in [`Keys::ids`]: key `n`'s only id at `base + n` (most keys name one block),
/// or, for a key with several (its bit in `several` set), the range its entry in `runs` gives.
#[derive(Debug, Default)]
struct KeyMap<'a> {
    /// 0: empty; else the key's number plus one. A power of two long (or empty).
    slots: Vec<u32>,
    /// The top 16 bits of the hash of each slot's key: a search compares a key's bytes only
    /// when they match (the keys are borrowed from the files, and each comparison would read a
    /// far part of them: with one key in 65,536 compared for nothing, a pass through 100k
    /// keys reads almost none).
    tags: Vec<u16>,
    /// (Shared with the [`HostNames`] when they are the keys; only once the map is built.)
    keys: Arc<KeyStore<'a>>,
    /// Where the keys' first ids start in [`Keys::ids`].
    base: u32,
    /// A bit a key: set when it has several ids.
    several: Vec<u64>,
    /// `(key, a, b)`: the ids of a key with several are `ids[a..b]`; sorted by key.
    runs: Vec<(u32, u32, u32)>,
}

/// Where the search for `k` starts in a table of `len` slots (a power of two), and its tag.
#[inline]
fn place(len: usize, k: &[u8]) -> (usize, u16) {
    let h = key_hash(k);
    (h as usize & (len - 1), (h >> 48) as u16)
}

/// The hash of key `k`. A key of up to 16 bytes (most: host names) is two words (its first
/// and last eight bytes, which overlap under 16; under eight, its bytes and nothing) and its
/// length, mixed by one multiplication whose two halves are folded together: not the
/// [`crate::hash::WordHasher`]'s multiplication for the length and for each word. Equal keys
/// hash alike, and a search compares a key's bytes whole, so keys that share a hash are only
/// slower. A longer key is hashed by the [`crate::hash::WordHasher`] (hashing its sixteen
/// bytes at a time here made the index slower).
#[inline(always)]
fn key_hash(k: &[u8]) -> u64 {
    const K1: u64 = 0x24_3f_6a_88_85_a3_08_d3;
    const K2: u64 = 0x13_19_8a_2e_03_70_73_44;
    let n = k.len();
    let word = |at: usize| u64::from_le_bytes(k[at..at + 8].try_into().expect("8 bytes"));
    let (a, b) = match n {
        0 => (0, 0),
        1..8 => (crate::hash::short_word(k), 0),
        8..=16 => (word(0), word(n - 8)),
        _ => {
            use std::hash::BuildHasher as _;
            return crate::hash::Build::default().hash_one(k);
        }
    };
    let p = u128::from(a ^ K1 ^ n as u64) * u128::from(b ^ K2);
    let h = (p as u64) ^ ((p >> 64) as u64);
    // A slot is the low bits: those of the product's low half are only its factors' low
    // bits (a key's bytes in the top of a word would hardly move them).
    h ^ h >> 32
}

impl<'a> KeyMap<'a> {
    /// The number of key `k`.
    #[inline]
    fn find(&self, k: &[u8]) -> Option<u32> {
        if self.keys.len() == 0 {
            return None;
        }
        let mask = self.slots.len() - 1;
        let (mut at, tag) = place(self.slots.len(), k);
        loop {
            match self.slots[at] {
                0 => return None,
                n if self.tags[at] == tag && self.keys.get(n as usize - 1) == k => {
                    return Some(n - 1);
                }
                _ => at = (at + 1) & mask,
            }
        }
    }

    /// The range of [`Keys::ids`] holding the ids of key `k`.
    #[inline]
    fn get(&self, k: &[u8]) -> Option<(u32, u32)> {
        self.find(k).map(|n| self.ids_of(n))
    }

    /// The range of [`Keys::ids`] holding the ids of key number `n`.
    #[inline]
    fn ids_of(&self, n: u32) -> (u32, u32) {
        if self
            .several
            .get(n as usize / 64)
            .is_some_and(|w| w & 1 << (n % 64) != 0)
            && let Ok(i) = self.runs.binary_search_by_key(&n, |r| r.0)
        {
            let (_, a, b) = self.runs[i];
            return (a, b);
        }
        (self.base + n, self.base + n + 1)
    }
}

/// A [`KeyMap`] being filled: its keys numbered as they come, each key's first block id, and
/// the filings after a key's first (rare: most keys name one block).
#[derive(Debug, Default)]
struct Filing<'a> {
    /// Its slots and tags (its keys, and its ids' places, are given it by
    /// [`Filing::finish`]).
    map: KeyMap<'a>,
    /// The keys, in the order numbered: the filing's own until it is done (then shared by
    /// the map, and perhaps by the [`HostNames`]), so that adding one is no atomic test of
    /// whether it is shared.
    keys: KeyStore<'a>,
    /// Key `n`'s first block id.
    heads: Vec<u32>,
    /// `(key, block id)` of each later filing of a key in another block, in order.
    more: Vec<(u32, u32)>,
}

impl<'a> Filing<'a> {
    /// Room for `n` keys without growing.
    fn with_capacity(n: usize) -> Filing<'a> {
        let len = if n == 0 {
            0
        } else {
            (2 * n).next_power_of_two()
        };
        Filing {
            map: KeyMap {
                slots: vec![0; len],
                tags: vec![0; len],
                ..KeyMap::default()
            },
            keys: KeyStore::with_capacity(n),
            heads: Vec::with_capacity(n),
            more: Vec::new(),
        }
    }

    /// The number of key `k` if it is filed; else the empty slot where it goes, and its tag
    /// (the table is grown first, to stay at most half full once it is added).
    #[inline(always)]
    fn slot(&mut self, k: &[u8]) -> Result<u32, (usize, u16)> {
        if 2 * (self.keys.len() + 1) > self.map.slots.len() {
            self.grow();
        }
        let map = &self.map;
        let mask = map.slots.len() - 1;
        let (mut at, tag) = place(map.slots.len(), k);
        loop {
            match map.slots[at] {
                0 => return Err((at, tag)),
                n if map.tags[at] == tag && self.keys.get(n as usize - 1) == k => {
                    return Ok(n - 1);
                }
                _ => at = (at + 1) & mask,
            }
        }
    }

    /// The key just added to the store takes the empty slot `at` with its tag; its number.
    #[inline(always)]
    fn place_last(&mut self, (at, tag): (usize, u16)) -> u32 {
        let n = self.keys.len() as u32;
        self.map.slots[at] = n;
        self.map.tags[at] = tag;
        n - 1
    }

    /// The number of key `k`, added after the others if it is new.
    #[inline]
    fn number(&mut self, k: Cow<'a, [u8]>) -> u32 {
        match self.slot(&k) {
            Ok(n) => n,
            Err(free) => {
                self.keys.push(k);
                self.place_last(free)
            }
        }
    }

    /// [`Filing::number`] of a key borrowed from a file's text (most keys: a `Host` line's
    /// words), kept without a `Cow`.
    #[inline(always)]
    fn number_borrowed(&mut self, k: &'a [u8]) -> u32 {
        match self.slot(k) {
            Ok(n) => n,
            Err(free) => {
                self.keys.push_borrowed(k);
                self.place_last(free)
            }
        }
    }

    /// Twice the slots (16 at first), each key placed again.
    #[cold]
    fn grow(&mut self) {
        let len = (2 * self.map.slots.len()).max(16);
        let map = &mut self.map;
        (map.slots, map.tags) = (vec![0; len], vec![0; len]);
        let mask = len - 1;
        for n in 0..self.keys.len() {
            let (mut at, tag) = place(len, self.keys.get(n));
            while map.slots[at] != 0 {
                at = (at + 1) & mask;
            }
            map.slots[at] = n as u32 + 1;
            map.tags[at] = tag;
        }
    }

    /// File block `id` under `k` (blocks are filed in the order of their ids); the key's
    /// number.
    #[inline]
    fn file(&mut self, k: Cow<'a, [u8]>, id: u32) -> u32 {
        let n = self.number(k);
        self.head(n, id);
        n
    }

    /// [`Filing::file`] of a key borrowed from a file's text. (Compiled into its callers: the
    /// index files most `Host` lines' words here.)
    #[inline(always)]
    fn file_borrowed(&mut self, k: &'a [u8], id: u32) -> u32 {
        let n = self.number_borrowed(k);
        self.head(n, id);
        n
    }

    /// Key `n` was filed for block `id`.
    #[inline(always)]
    fn head(&mut self, n: u32, id: u32) {
        if n as usize == self.heads.len() {
            push_grow(&mut self.heads, id);
        } else if self.heads[n as usize] != id {
            // (A key named twice for one block, `Host a a`, lists the block once.)
            self.more.push((n, id));
        }
    }

    /// The map, its ids placed at the end of `ids`: the first id of each key, then the ids of
    /// each key with several, in the order filed, each block once.
    fn finish(self, ids: &mut Vec<u32>) -> KeyMap<'a> {
        let Filing {
            mut map,
            keys,
            heads,
            mut more,
        } = self;
        map.keys = Arc::new(keys);
        map.base = ids.len() as u32;
        if ids.is_empty() {
            *ids = heads;
        } else {
            ids.extend_from_slice(&heads);
        }
        if more.is_empty() {
            return map;
        }
        // Stable: each key's ids stay in the order filed.
        more.sort_by_key(|&(n, _)| n);
        ids.reserve_exact(2 * more.len());
        map.several = vec![0; map.keys.len().div_ceil(64)];
        for group in more.chunk_by(|x, y| x.0 == y.0) {
            let n = group[0].0;
            let a = ids.len();
            ids.push(ids[(map.base + n) as usize]);
            for &(_, id) in group {
                if ids.last() != Some(&id) {
                    ids.push(id);
                }
            }
            map.runs.push((n, a as u32, ids.len() as u32));
            map.several[n as usize / 64] |= 1 << (n % 64);
        }
        map
    }
}

/// Blocks filed by the literal parts of patterns.
#[derive(Debug, Default)]
struct Keys<'a> {
    /// Patterns without a wildcard, by the pattern (each key's block ids in `ids`).
    exact: KeyMap<'a>,
    /// Wildcard patterns with a literal prefix, by that prefix.
    prefix: KeyMap<'a>,
    /// Wildcard patterns without a literal prefix but with a literal suffix, by that suffix.
    suffix: KeyMap<'a>,
    /// The prefix and suffix lengths in use (only those are looked up), sorted.
    prefix_lens: Vec<usize>,
    suffix_lens: Vec<usize>,
    /// Those up to 64, as bits (see [`has_len`]).
    prefix_len_bits: u64,
    suffix_len_bits: u64,
    /// The end bytes of the prefixes and of the suffixes.
    prefix_ends: Ends,
    suffix_ends: Ends,
    /// The same, each letter in both cases (a name is tested as it is, not lowercased), and
    /// `%` among the last bytes of prefixes and the first bytes of suffixes (where
    /// [`Keys::may_match_past_ends`] stops to look at a name).
    prefix_ends_any_case: Ends,
    suffix_ends_any_case: Ends,
    /// [`Ends::has_last`] of `prefix_ends_any_case` by byte, one load a byte (not a shift and
    /// a mask of one of four words): the prefix scan of [`Keys::may_match_past_ends`] looks
    /// at several bytes of each host's name.
    prefix_last_any_case: ByteTable,
    /// The block ids of the three maps' keys (see [`KeyMap`]); empty when no key is filed.
    ids: Vec<u32>,
}

/// Filing pattern keys while the index is built: the keys without a wildcard are numbered as
/// they come (each kept once), prefixes and suffixes listed.
#[derive(Default)]
struct KeysBuilder<'a> {
    exact: Filing<'a>,
    /// The texts of the files read so far (a key borrowed from one is kept as a span of it).
    texts: Vec<&'a [u8]>,
    prefix: Vec<(Cow<'a, [u8]>, u32)>,
    suffix: Vec<(Cow<'a, [u8]>, u32)>,
}

/// The keys of one block, until it is known that each of its patterns can be filed.
#[derive(Default)]
struct Pending<'a> {
    exact: Vec<(Cow<'a, [u8]>, u32)>,
    prefix: Vec<(Cow<'a, [u8]>, u32)>,
    suffix: Vec<(Cow<'a, [u8]>, u32)>,
}

/// The literal host names met while the index is built ([`ConfigSet::literal_hosts`]), in
/// order, repeats included: each as the number of the `Host` exact key it is filed as (its
/// bytes are the key's, and kept there), else kept here. Their repeats are then found by the
/// keys' numbers, which filing makes anyway, not by a set of their own.
///
/// Most often the names are the keys, in the order they were numbered: while they are (each
/// name met is a key met before or the next key), nothing is listed but how many keys they
/// are.
struct Naming<'a> {
    /// While `entries` is not in use: the names met are keys `0..next`, in order (each met
    /// once or more, its first time before the next key's).
    next: Option<u32>,
    /// Each name: its key's number, or [`OTHER`] plus its place in `others`.
    entries: Vec<u32>,
    /// Room for `entries` when they come into use.
    room: usize,
    /// The names not filed as an exact key where they were met (rare).
    others: Vec<Cow<'a, str>>,
}

/// An entry of [`Naming`] that is not a key's number.
const OTHER: u32 = 1 << 31;
/// An entry of [`Naming`] found a repeat.
const REPEAT: u32 = u32::MAX;

impl<'a> Naming<'a> {
    fn with_capacity(n: usize) -> Naming<'a> {
        Naming {
            next: Some(0),
            entries: Vec::new(),
            room: n,
            others: Vec::new(),
        }
    }

    /// The names are not (or no longer) keys `0..next` in order: they are listed from now on.
    #[cold]
    fn list(&mut self) {
        if let Some(next) = self.next.take() {
            self.entries = Vec::with_capacity(self.room.max(next as usize + 16));
            self.entries.extend(0..next);
        }
    }

    /// The pattern `v`, filed (or not) as exact key number `key`.
    #[inline]
    fn push(&mut self, v: Cow<'a, [u8]>, key: Option<u32>) {
        match key {
            Some(k) if k < OTHER => {
                if crate::config::host_name(v).is_some() {
                    self.push_key(k);
                }
            }
            _ => {
                if let Some(name) = crate::config::host_name(v) {
                    self.list();
                    push_grow(&mut self.entries, OTHER | self.others.len() as u32);
                    self.others.push(name);
                }
            }
        }
    }

    /// The pattern `v`, a plain host name (of letters, digits, `.`, `_` and `-`, not
    /// beginning with `-`: what [`crate::config::host_name`] takes as it stands), filed as
    /// exact key number `key`.
    #[inline]
    fn push_plain(&mut self, v: &'a [u8], key: u32) {
        debug_assert!(crate::config::host_name(Cow::Borrowed(v)).is_some());
        match key {
            k if k < OTHER => self.push_key(k),
            _ => self.push(Cow::Borrowed(v), Some(key)),
        }
    }

    /// A name that is exact key number `k` (below [`OTHER`]).
    #[inline]
    fn push_key(&mut self, k: u32) {
        match &mut self.next {
            // A repeat (left out in the end anyway), or the next key.
            Some(next) if k < *next => return,
            Some(next) if k == *next => {
                *next += 1;
                return;
            }
            Some(_) => self.list(),
            None => {}
        }
        push_grow(&mut self.entries, k);
    }

    /// Each name once, in order of first appearance, given `keys` (the `Host` exact keys).
    fn finish(self, keys: &KeyMap<'a>) -> HostNames<'a> {
        let Naming {
            next,
            mut entries,
            mut others,
            ..
        } = self;
        if let Some(next) = next {
            // The first `next` keys, as they are.
            return HostNames {
                names: Arc::clone(&keys.keys),
                len: next as usize,
            };
        }
        let mut named = vec![0u64; keys.keys.len().div_ceil(64)];
        let mut count = 0;
        {
            // Names filed as no key anywhere (in a block read for every host): rare.
            let mut seen: crate::hash::HashSet<&str> = Default::default();
            for e in &mut entries {
                let other = (*e & OTHER != 0).then(|| &*others[(*e & !OTHER) as usize]);
                let key = match other {
                    Some(n) => keys.find(n.as_bytes()),
                    None => Some(*e),
                };
                let first = match (key, other) {
                    (Some(s), _) => {
                        let (word, bit) = (s as usize / 64, 1u64 << (s % 64));
                        let first = named[word] & bit == 0;
                        named[word] |= bit;
                        first
                    }
                    (None, Some(n)) => seen.insert(n),
                    (None, None) => unreachable!("a key's number names a key"),
                };
                if first {
                    count += 1;
                } else {
                    *e = REPEAT;
                }
            }
        }
        let mut names = KeyStore::with_capacity(count);
        for &t in &keys.keys.texts {
            names.borrow_from(t);
        }
        for e in entries {
            names.push(match e {
                REPEAT => continue,
                e if e & OTHER != 0 => match std::mem::take(&mut others[(e & !OTHER) as usize]) {
                    Cow::Borrowed(n) => Cow::Borrowed(n.as_bytes()),
                    Cow::Owned(n) => Cow::Owned(n.into_bytes()),
                },
                n => {
                    names.push_from(&keys.keys, n as usize);
                    continue;
                }
            });
        }
        HostNames {
            len: names.len(),
            names: Arc::new(names),
        }
    }
}

/// Host names, as [`ConfigSet::resolve_index_naming_hosts`] gives them: a list of `&str`,
/// each name in eight bytes (most are where they stand in the config's text; the others are
/// copied into the list), which for a config of a hundred thousand hosts is a third of a
/// `Vec<Cow<str>>`'s room. When the names are the index's `Host` keys in the order it
/// numbered them (most configs), the list is those keys, shared: no room of its own.
///
/// ```
/// # use sshcfg::HostNames;
/// let names: HostNames<'_> = ["web1", "db"].into_iter().collect();
/// assert_eq!((names.len(), names.get(1), names.get(2)), (2, Some("db"), None));
/// assert_eq!(names.iter().collect::<Vec<_>>(), ["web1", "db"]);
/// ```
#[derive(Debug, Default)]
pub struct HostNames<'a> {
    /// The names are its first `len` keys, each UTF-8.
    names: Arc<KeyStore<'a>>,
    len: usize,
}

impl<'a> HostNames<'a> {
    /// How many names.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Name `i`, if there are more than `i`.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&str> {
        (i < self.len()).then(|| self.name(i))
    }

    /// Name `i` (there are more than `i`). (Compiled into its callers: a run over every host
    /// asks it of each.)
    #[inline(always)]
    fn name(&self, i: usize) -> &str {
        // SAFETY: the first `len` keys are `str`s (by `Naming::finish`: keys and names
        // `host_name` took as they were met; by `from_iter`: `str`s).
        unsafe { std::str::from_utf8_unchecked(self.names.get(i)) }
    }

    /// The names in order.
    pub fn iter(&self) -> HostNamesIter<'_, 'a> {
        HostNamesIter {
            names: self,
            at: 0..self.len(),
        }
    }
}

impl<'a> FromIterator<&'a str> for HostNames<'a> {
    /// The names given, in order (copied into the list).
    fn from_iter<I: IntoIterator<Item = &'a str>>(iter: I) -> HostNames<'a> {
        let mut names = KeyStore::default();
        for n in iter {
            names.push(Cow::Borrowed(n.as_bytes()));
        }
        HostNames {
            len: names.len(),
            names: Arc::new(names),
        }
    }
}

impl<'n, 'a> IntoIterator for &'n HostNames<'a> {
    type Item = &'n str;
    type IntoIter = HostNamesIter<'n, 'a>;
    fn into_iter(self) -> HostNamesIter<'n, 'a> {
        self.iter()
    }
}

/// The names of a [`HostNames`], in order.
#[derive(Debug, Clone)]
pub struct HostNamesIter<'n, 'a> {
    names: &'n HostNames<'a>,
    at: std::ops::Range<usize>,
}

impl<'n> Iterator for HostNamesIter<'n, '_> {
    type Item = &'n str;
    fn next(&mut self) -> Option<&'n str> {
        self.at.next().map(|i| self.names.name(i))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.at.size_hint()
    }
}

impl ExactSizeIterator for HostNamesIter<'_, '_> {}

impl<'a> Pending<'a> {
    /// Whether [`Pending::add`] can file a block under `pat`: it has no wildcard, or a literal
    /// prefix or suffix.
    fn fileable(pat: &[u8]) -> bool {
        match pat.iter().position(|&b| b == b'*' || b == b'?') {
            None => true,
            Some(first) => first > 0 || !matches!(pat.last(), Some(b'*' | b'?')),
        }
    }

    /// File block `id` under `pat`; `false` when the pattern has no literal part to file it by.
    fn add(&mut self, pat: Cow<'a, [u8]>, id: u32) -> bool {
        let first = pat.iter().position(|&b| b == b'*' || b == b'?');
        let Some(first) = first else {
            self.exact.push((pat, id));
            return true;
        };
        let last = pat
            .iter()
            .rposition(|&b| b == b'*' || b == b'?')
            .unwrap_or(first);
        let sub = |r: std::ops::Range<usize>| match &pat {
            Cow::Borrowed(b) => Cow::Borrowed(&b[r]),
            Cow::Owned(v) => Cow::Owned(v[r].to_vec()),
        };
        if first > 0 {
            self.prefix.push((sub(0..first), id));
        } else if last + 1 < pat.len() {
            self.suffix.push((sub(last + 1..pat.len()), id));
        } else {
            return false;
        }
        true
    }

    fn clear(&mut self) {
        self.exact.clear();
        self.prefix.clear();
        self.suffix.clear();
    }
}

impl<'a> KeysBuilder<'a> {
    /// File block `id` under the key without a wildcard `k`; its number.
    #[inline]
    fn file_exact(&mut self, k: Cow<'a, [u8]>, id: u32) -> u32 {
        self.exact.file(k, id)
    }

    /// Keys borrowed from `text` (a file's) are kept as spans of it.
    fn borrow_from(&mut self, text: &'a [u8]) {
        self.exact.keys.borrow_from(text);
        if self.texts.len() < BIG as usize - 1 {
            self.texts.push(text);
        }
    }

    /// File the keys of a block (`p` is left empty); with `names`, each key without a wildcard
    /// is a name met, with its number.
    fn take_naming(&mut self, p: &mut Pending<'a>, names: Option<&mut Naming<'a>>) {
        let Some(names) = names else {
            return self.take(p);
        };
        for (k, id) in p.exact.drain(..) {
            let n = self.file_exact(k.clone(), id);
            names.push(k, Some(n));
        }
        self.prefix.append(&mut p.prefix);
        self.suffix.append(&mut p.suffix);
    }

    /// File the keys of a block (`p` is left empty).
    fn take(&mut self, p: &mut Pending<'a>) {
        for (k, id) in p.exact.drain(..) {
            self.file_exact(k, id);
        }
        self.prefix.append(&mut p.prefix);
        self.suffix.append(&mut p.suffix);
    }

    /// The keys, each with its block ids. `release` is called now and then as the prefixes and
    /// suffixes are read again (they are borrowed from every part of the files: see
    /// `Document::release_pages`).
    fn build(self, release: &dyn Fn()) -> Keys<'a> {
        let mut ids = Vec::new();
        let KeysBuilder {
            exact,
            texts,
            prefix,
            suffix,
        } = self;
        let exact = exact.finish(&mut ids);
        // Prefixes and suffixes are numbered now (each key hashed once), then placed.
        let mut numbered = |v: Vec<(Cow<'a, [u8]>, u32)>| {
            let mut ends = Ends::default();
            let mut filing = Filing::with_capacity(v.len());
            for &t in &texts {
                filing.keys.borrow_from(t);
            }
            for (n, (k, id)) in v.into_iter().enumerate() {
                if n as u32 % RELEASE_KEYS_EVERY == RELEASE_KEYS_EVERY - 1 {
                    release();
                }
                ends.add(&k);
                filing.file(k, id);
            }
            let map = filing.finish(&mut ids);
            let mut lens: Vec<usize> = (0..map.keys.len()).map(|n| map.keys.get(n).len()).collect();
            lens.sort_unstable();
            lens.dedup();
            (map, lens, ends)
        };
        let (prefix, prefix_lens, prefix_ends) = numbered(prefix);
        let (suffix, suffix_lens, suffix_ends) = numbered(suffix);
        let prefix_ends_any_case = prefix_ends.any_case().with(None, Some(b'%'));
        Keys {
            exact,
            prefix,
            suffix,
            prefix_len_bits: len_bits(&prefix_lens),
            suffix_len_bits: len_bits(&suffix_lens),
            prefix_lens,
            suffix_lens,
            prefix_last_any_case: prefix_ends_any_case.last_table(),
            prefix_ends_any_case,
            suffix_ends_any_case: suffix_ends.any_case().with(Some(b'%'), None),
            prefix_ends,
            suffix_ends,
            ids,
        }
    }
}

impl Keys<'_> {
    /// Can the name `Match host` sees, made of `s` (a `HostName` whose `%h` and `%%` are not
    /// expanded, or a name), lowercased, be a key, or begin with a prefix or end with a suffix
    /// filed here? (`false`: [`Keys::candidates`] of it would find nothing.) Only the bytes at
    /// the ends of the prefixes and suffixes in use are looked at, as written: no key is
    /// hashed, nothing expanded. Expanding keeps the bytes before the first `%`, and those
    /// after the last `%` but one (`%x` is expanded whole): most names are told from their
    /// first and last bytes alone, the others from the bytes up to the longest prefix and
    /// suffix (a `%` among them: it may match).
    #[inline(always)]
    fn may_match_text(&self, s: &[u8]) -> bool {
        if self.exact.keys.len() != 0 {
            return true;
        }
        // (An empty name stays empty, and no prefix or suffix is.)
        let (Some(&first), Some(&last)) = (s.first(), s.last()) else {
            return false;
        };
        let (pre, suf) = (&self.prefix_ends_any_case, &self.suffix_ends_any_case);
        let prefix = first == b'%' || pre.has_first(first);
        // (A last `%` stays one: alone, or of `%%`.)
        let suffix = s.len() >= 2 && s[s.len() - 2] == b'%' || suf.has_last(last);
        (prefix || suffix) && self.may_match_past_ends(s, prefix, suffix)
    }

    /// For [`Keys::may_match_text`], past the two ends of `s` (the name may begin with a
    /// prefix if `prefix`, end with a suffix if `suffix`, for all its first and last bytes
    /// tell).
    #[inline(always)]
    fn may_match_past_ends(&self, s: &[u8], prefix: bool, suffix: bool) -> bool {
        // (`%` is among the last bytes of `pre` and the first of `suf`: one test a byte.)
        let (pre, suf) = (&self.prefix_last_any_case, &self.suffix_ends_any_case);
        if prefix {
            let lens = (&self.prefix_lens, self.prefix_len_bits);
            let end = s.len().min(self.prefix_lens.last().copied().unwrap_or(0));
            // Byte `i` ends a prefix of length `i + 1` of the name as written, and as
            // expanded while no `%` came before.
            // (Counted by index: an iterator with a count of its own makes a longer loop.)
            #[allow(clippy::needless_range_loop)]
            for i in 0..end {
                let b = s[i];
                if pre.0[usize::from(b)] && (b == b'%' || has_len(lens, i + 1)) {
                    return true;
                }
            }
        }
        if suffix {
            let lens = (&self.suffix_lens, self.suffix_len_bits);
            let longest = self.suffix_lens.last().copied().unwrap_or(0);
            // Byte `k` from the end begins a suffix of length `k + 1`, as expanded too while
            // no `%` comes after it or right before it (so the scan goes one byte further
            // than the longest suffix).
            for k in 0..s.len().min(longest + 1) {
                let b = s[s.len() - 1 - k];
                if suf.has_first(b) && (b == b'%' || k < longest && has_len(lens, k + 1)) {
                    return true;
                }
            }
        }
        false
    }

    /// The blocks whose patterns `s` could match (a superset), sorted, without repeats: usually
    /// none or one key's range of [`Keys::ids`] (already sorted, nothing to copy); the ids of
    /// several keys merged otherwise.
    #[inline(always)]
    fn candidates(&self, s: &[u8]) -> Cow<'_, [u32]> {
        self.candidates_knowing(s, None)
    }

    /// [`Keys::candidates`], given the number of the exact key `s` is when it is known (it is
    /// not looked up again).
    #[inline(always)]
    fn candidates_knowing(&self, s: &[u8], key: Option<u32>) -> Cow<'_, [u32]> {
        if self.ids.is_empty() {
            return Cow::Borrowed(&[]);
        }
        // The exact key's blocks, borrowed (most names match no prefix or suffix too).
        let exact = match key {
            Some(n) => Some(self.exact.ids_of(n)),
            None => self.exact.get(s),
        };
        let mut out: Cow<'_, [u32]> = match exact {
            Some((a, b)) => Cow::Borrowed(&self.ids[a as usize..b as usize]),
            None => Cow::Borrowed(&[]),
        };
        let mut take = |r: Option<(u32, u32)>| {
            if let Some((a, b)) = r {
                let more = &self.ids[a as usize..b as usize];
                if out.is_empty() {
                    out = Cow::Borrowed(more);
                } else {
                    out.to_mut().extend_from_slice(more);
                }
            }
        };
        // A key is looked up only when the bytes at its ends could be those of a key (most
        // names share no end byte with any prefix or suffix in use).
        if let Some(&first) = s.first()
            && self.prefix_ends.has_first(first)
        {
            for &n in self.prefix_lens.iter().take_while(|&&n| n <= s.len()) {
                if self.prefix_ends.has_last(s[n - 1]) {
                    take(self.prefix.get(&s[..n]));
                }
            }
        }
        if let Some(&last) = s.last()
            && self.suffix_ends.has_last(last)
        {
            for &n in self.suffix_lens.iter().take_while(|&&n| n <= s.len()) {
                if self.suffix_ends.has_first(s[s.len() - n]) {
                    take(self.suffix.get(&s[s.len() - n..]));
                }
            }
        }
        if let Cow::Owned(v) = &mut out {
            v.sort_unstable();
            v.dedup();
        }
        out
    }
}

/// Is `n` (1 or more) one of the lengths `lens.0` (sorted), whose lengths up to 64 are the bits
/// of `lens.1` (bit `n - 1`: no search)?
#[inline(always)]
fn has_len((lens, bits): (&Vec<usize>, u64), n: usize) -> bool {
    match n {
        1..=64 => bits >> (n - 1) & 1 != 0,
        _ => lens.binary_search(&n).is_ok(),
    }
}

/// The bits [`has_len`] reads of the lengths `lens` up to 64.
fn len_bits(lens: &[usize]) -> u64 {
    (lens.iter())
        .filter(|&&n| (1..=64).contains(&n))
        .fold(0, |bits, &n| bits | 1 << (n - 1))
}

/// The first and last bytes of a set of keys (a quick test that no key can match).
#[derive(Debug, Default)]
struct Ends {
    first: [u64; 4],
    last: [u64; 4],
}

impl Ends {
    fn add(&mut self, key: &[u8]) {
        if let (Some(&f), Some(&l)) = (key.first(), key.last()) {
            self.first[usize::from(f >> 6)] |= 1 << (f & 63);
            self.last[usize::from(l >> 6)] |= 1 << (l & 63);
        }
    }

    /// These ends, with `first` among the first bytes and `last` among the last.
    fn with(mut self, first: Option<u8>, last: Option<u8>) -> Ends {
        if let Some(f) = first {
            self.first[usize::from(f >> 6)] |= 1 << (f & 63);
        }
        if let Some(l) = last {
            self.last[usize::from(l >> 6)] |= 1 << (l & 63);
        }
        self
    }

    /// [`Ends::has_last`] of each byte, by byte.
    fn last_table(&self) -> ByteTable {
        ByteTable(std::array::from_fn(|b| self.has_last(b as u8)))
    }

    /// These ends, each letter in both cases.
    fn any_case(&self) -> Ends {
        let mut out = Ends {
            first: self.first,
            last: self.last,
        };
        for b in b'a'..=b'z' {
            let upper = b.to_ascii_uppercase();
            if self.has_first(b) {
                out.first[usize::from(upper >> 6)] |= 1 << (upper & 63);
            }
            if self.has_last(b) {
                out.last[usize::from(upper >> 6)] |= 1 << (upper & 63);
            }
        }
        out
    }

    fn has_first(&self, b: u8) -> bool {
        self.first[usize::from(b >> 6)] & (1 << (b & 63)) != 0
    }

    fn has_last(&self, b: u8) -> bool {
        self.last[usize::from(b >> 6)] & (1 << (b & 63)) != 0
    }
}

/// A test of a byte, one entry a byte (none passes by default).
#[derive(Debug)]
struct ByteTable([bool; 256]);

impl Default for ByteTable {
    fn default() -> ByteTable {
        ByteTable([false; 256])
    }
}

/// The blocks of one file.
#[derive(Debug)]
struct FileBlocks {
    /// Header line of each block, in order.
    headers: Vec<u32>,
    /// Id of its first block (ids run in file order, file after file).
    first: u32,
    /// The file's line count.
    lines: usize,
    /// Its first line whose reading may change anything (see
    /// [`refusal::reading_changes_nothing`](crate::resolve::reading_changes_nothing)).
    start: usize,
}

/// An index of a [`ConfigSet`]'s blocks for resolving many hosts, each in time proportional to
/// the blocks that may apply to it (see the module docs for how blocks are filed and why the
/// answers are identical to [`ConfigSet::resolve`]).
///
/// ```
/// # use sshcfg::{ConfigSet, LoadOptions, ResolveContext};
/// # use std::path::Path;
/// let text = b"Host web1\n  User a\nHost web2\n  User b\nHost *\n  Port 2222\n".to_vec();
/// let set = ConfigSet::from_main_bytes(text,
///     &LoadOptions::explicit_file("config", "/nonexistent")).unwrap();
/// let ctx = ResolveContext::current_user();
/// let index = set.resolve_index();
/// for host in set.literal_hosts() {
///     let r = index.resolve(&host, &ctx);
///     assert_eq!(r.get::<sshcfg::setting::Port>().unwrap().value, "2222");
/// }
/// assert_eq!(index.resolve("web2", &ctx).get::<sshcfg::setting::User>().unwrap().value, "b");
/// ```
#[derive(Debug)]
pub struct ResolveIndex<'a> {
    set: &'a ConfigSet,
    files: Vec<FileBlocks>,
    guards: Vec<Guard>,
    /// Ids of the blocks read for every host, sorted.
    always: Vec<u32>,
    host_keys: Keys<'a>,
    match_keys: Keys<'a>,
    original_keys: Keys<'a>,
    /// Hosts resolved so far (the pages of a mapped file are handed back every
    /// [`RELEASE_EVERY`]).
    resolved: std::sync::atomic::AtomicU32,
}

/// Prefixes or suffixes numbered between two hand-backs of a mapped file's pages: each is in a
/// `Host` or `Match` line of its own, often far from the one before.
const RELEASE_KEYS_EVERY: u32 = 1024;

/// Blocks filed, or hosts resolved, between two hand-backs of a mapped file's pages (see
/// `Document::release_pages`): a run over every host of a large config reads its blocks front
/// to back, so the process holds a few hundred KiB of the file rather than the whole of it.
const RELEASE_EVERY: u32 = 4096;

/// The blocks filed, before the keys are grouped ([`Filed::index`]).
struct Filed<'a> {
    set: &'a ConfigSet,
    files: Vec<FileBlocks>,
    guards: Vec<Guard>,
    always: Vec<u32>,
    /// `Host` patterns, `Match host`, `Match originalhost`.
    builders: [KeysBuilder<'a>; 3],
}

impl<'a> Filed<'a> {
    /// The index: each builder's keys grouped.
    fn index(self) -> ResolveIndex<'a> {
        self.index_naming(None).0
    }

    /// The index, and with `naming` the names met, each once.
    fn index_naming(self, naming: Option<Naming<'a>>) -> (ResolveIndex<'a>, HostNames<'a>) {
        let [host_b, match_b, orig_b] = self.builders;
        let set = self.set;
        let release = || set.files().iter().for_each(|f| f.doc.release_pages());
        let host_keys = host_b.build(&release);
        let names = naming.map_or_else(HostNames::default, |n| n.finish(&host_keys.exact));
        let index = ResolveIndex {
            set: self.set,
            files: self.files,
            guards: self.guards,
            always: self.always,
            host_keys,
            match_keys: match_b.build(&release),
            original_keys: orig_b.build(&release),
            resolved: Default::default(),
        };
        // (Grouping the keys read them again, from every part of the files.)
        release();
        (index, names)
    }
}

/// The `host`/`originalhost` criterion a `Match` line can be filed by: its kind and pattern
/// list. `None` when the line must be read for every host: criteria other than `host`,
/// `originalhost`, `user`, `localuser` and `tagged` (`all`, `final`, `canonical`, ...), an
/// `exec` before the criterion filed by, no positive `host`/`originalhost` criterion, or
/// anything `match_line` would report. An `exec` after it changes nothing for a host the
/// criterion leaves out: readconf.c does not run it once a criterion before it failed (nor
/// does `match_line` note it), and what ssh refuses in its command whatever the host is the
/// reading pass's (`MatchLine::syntax_error`).
fn match_guard(line: MatchLine<'_>) -> Option<(Guard, Cow<'_, [u8]>)> {
    // (Most lines are plain words: read without the tokeniser.)
    if let Some(words) = line.plain_words() {
        return plain_match_guard(words).map(|(kind, list)| (kind, Cow::Borrowed(list)));
    }
    criteria_match_guard(line)
}

/// [`match_guard`] of a line of plain words ([`MatchLine::plain_words`], each borrowed and not
/// empty), its criteria taken as [`MatchLine::criteria`] takes them: a name (`!` before it or
/// not) and, for the criteria filed by, an argument (none, or a word beginning with `#`, is
/// an error); a word beginning with `#` where a name would be ends them.
fn plain_match_guard<'a>(mut words: impl Iterator<Item = &'a [u8]>) -> Option<(Guard, &'a [u8])> {
    let mut attributes = 0;
    let mut pick = None;
    while let Some(word) = words.next() {
        if word[0] == b'#' {
            break;
        }
        let (negated, name) = match word {
            [b'!', name @ ..] => (true, name),
            _ => (false, word),
        };
        // (The five criteria by name, as `Attribute::parse` knows them: no other is looked
        // for.)
        let is = |known: &str| name.eq_ignore_ascii_case(known.as_bytes());
        let kind = if is("host") {
            Some(Guard::MatchHost)
        } else if is("originalhost") {
            Some(Guard::MatchOriginal)
        } else if is("user") || is("localuser") || is("tagged") || is("exec") && pick.is_some() {
            None
        } else {
            return None;
        };
        attributes += 1;
        // (Each of them takes an argument.)
        let arg = words.next().filter(|a| a[0] != b'#')?;
        if let (Some(kind), false, None) = (kind, negated, &pick) {
            pick = Some((kind, arg));
        }
    }
    if attributes == 0 {
        return None;
    }
    pick
}

/// [`match_guard`] of any line, through [`MatchLine::criteria`].
fn criteria_match_guard(line: MatchLine<'_>) -> Option<(Guard, Cow<'_, [u8]>)> {
    let mut attributes = 0;
    let mut pick = None;
    for c in line.criteria() {
        let c = c.ok()?;
        let kind = match c.attribute {
            Attribute::Host => Some(Guard::MatchHost),
            Attribute::OriginalHost => Some(Guard::MatchOriginal),
            Attribute::User | Attribute::LocalUser | Attribute::Tagged => None,
            Attribute::Exec if pick.is_some() => None,
            _ => return None,
        };
        attributes += 1;
        let arg = c.argument?;
        if let (Some(kind), Negation::Plain, None) = (kind, c.negation, &pick) {
            pick = Some((kind, arg));
        }
    }
    if attributes == 0 {
        return None;
    }
    pick
}

impl<'a> ResolveIndex<'a> {
    /// Read every block header of `set` once and file the blocks (built by
    /// [`ConfigSet::resolve_index`] and [`ConfigSet::resolve_index_naming_hosts`]); with
    /// `names`, gather the literal host names of the `Host` lines on the way.
    fn read_headers(set: &'a ConfigSet, names: Option<&mut Naming<'a>>) -> Filed<'a> {
        let mut files = Vec::with_capacity(set.files().len());
        let mut always = Vec::new();
        // Most blocks are `Host` blocks, most of one name: room for a key a block from the start.
        let blocks: usize = set.files().iter().map(|f| f.doc.block_count()).sum();
        let mut guards = Vec::with_capacity(blocks);
        let (mut host_b, mut match_b, mut orig_b) = (
            KeysBuilder {
                exact: Filing::with_capacity(blocks),
                ..KeysBuilder::default()
            },
            KeysBuilder::default(),
            KeysBuilder::default(),
        );
        // Reused from block to block (filing a block allocates nothing of its own).
        let mut scratch = Scratch::default();
        let mut names = names;
        for f in set.files() {
            let doc = &f.doc;
            // (Reading the file held it whole: its headers are read again front to back.)
            doc.release_pages();
            for b in [&mut host_b, &mut match_b, &mut orig_b] {
                b.borrow_from(doc.as_bytes());
            }
            let mut file_names = names.as_deref_mut().filter(|_| f.editable());
            let first = guards.len() as u32;
            let mut headers = Vec::with_capacity(doc.block_count());
            // The `Include` lines, and the first not before the block at hand (most files have
            // none: nothing to look for).
            let includes: Vec<usize> = doc.lines_of("include").collect();
            let mut include = 0;
            // (Each header read with the bytes and line table looked up once for the file.)
            let reader = doc.header_reader();
            // The header lines straight from the line table (the global area files nothing).
            for h in doc.header_lines_from(0) {
                let id = guards.len() as u32;
                if id % RELEASE_EVERY == RELEASE_EVERY - 1 {
                    doc.release_pages();
                }
                headers.push(h as u32);
                let has_include = !includes.is_empty() && {
                    while includes.get(include).is_some_and(|&i| i < h) {
                        include += 1;
                    }
                    // (The block runs to the next header, or to the end of the file.)
                    includes.get(include).is_some_and(|&i| {
                        (doc.header_lines_from(h + 1).next()).is_none_or(|next| i < next)
                    })
                };
                let guard = if has_include {
                    if let Some(names) = file_names.as_deref_mut() {
                        host_names(doc, h, names);
                    }
                    Guard::Always
                } else {
                    file_block(
                        doc,
                        &reader,
                        h,
                        id,
                        [&mut host_b, &mut match_b, &mut orig_b],
                        &mut scratch,
                        file_names.as_deref_mut(),
                    )
                };
                if matches!(guard, Guard::Always | Guard::HostStar) {
                    always.push(id);
                }
                guards.push(guard);
            }
            // (A config often begins with options no check watches: every host would read
            // them for nothing.)
            let start = (0..doc.line_count())
                .find(|&i| !crate::resolve::reading_changes_nothing(doc, i))
                .unwrap_or(doc.line_count());
            files.push(FileBlocks {
                headers,
                first,
                lines: doc.line_count(),
                start,
            });
        }
        Filed {
            set,
            files,
            guards,
            always,
            builders: [host_b, match_b, orig_b],
        }
    }

    /// Resolve `host`: the same answer as [`ConfigSet::resolve`], reading only the blocks that
    /// may apply to it.
    pub fn resolve(&self, host: &str, ctx: &ResolveContext) -> Resolution {
        let mut out = Resolution::default();
        self.resolve_into(host, ctx, &mut out);
        out
    }

    /// As [`ResolveIndex::resolve`], into `out`: what it held is replaced, and the room its
    /// lists and strings had is reused, so resolving host after host into one `Resolution`
    /// allocates less.
    ///
    /// ```
    /// # use sshcfg::{ConfigSet, LoadOptions, ResolveContext, Resolution, setting};
    /// let text = b"Host a\n  User x\nHost b\n  LocalForward 1455 localhost:1455\n".to_vec();
    /// let set = ConfigSet::from_main_bytes(text,
    ///     &LoadOptions::explicit_file("config", "/nonexistent")).unwrap();
    /// let (index, ctx) = (set.resolve_index(), ResolveContext::new("me"));
    /// let mut r = Resolution::default();
    /// index.resolve_into("b", &ctx, &mut r);
    /// assert_eq!(r.forwards.len(), 1);
    /// index.resolve_into("a", &ctx, &mut r);
    /// assert_eq!((r.host.as_str(), r.forwards.len()), ("a", 0));
    /// assert_eq!(r.get::<setting::User>().unwrap().value, "x");
    /// ```
    pub fn resolve_into(&self, host: &str, ctx: &ResolveContext, out: &mut Resolution) {
        self.resolve_key_into(host, None, ctx, out)
    }

    /// As [`ResolveIndex::resolve_into`] for name `i` of `names` (nothing if there is none):
    /// when they are the names [`ConfigSet::resolve_index_naming_hosts`] gave with this index,
    /// each is one of its keys already, and is not looked up again.
    ///
    /// ```
    /// # use sshcfg::{ConfigSet, LoadOptions, ResolveContext, Resolution, setting};
    /// let text = b"Host a b\n  User x\nHost c\n  User y\n".to_vec();
    /// let set = ConfigSet::from_main_bytes(text,
    ///     &LoadOptions::explicit_file("config", "/nonexistent")).unwrap();
    /// let (index, names) = set.resolve_index_naming_hosts();
    /// let mut r = Resolution::default();
    /// index.resolve_name_into(&names, 2, &ResolveContext::new("me"), &mut r);
    /// assert_eq!((r.host.as_str(), r.get::<setting::User>().unwrap().value.as_str()), ("c", "y"));
    /// ```
    pub fn resolve_name_into(
        &self,
        names: &HostNames<'_>,
        i: usize,
        ctx: &ResolveContext,
        out: &mut Resolution,
    ) {
        let Some(host) = names.get(i) else { return };
        // (The names are the first keys, in order, when they share the keys' store.)
        let key = Arc::ptr_eq(&names.names, &self.host_keys.exact.keys).then_some(i as u32);
        self.resolve_key_into(host, key, ctx, out)
    }

    /// [`ResolveIndex::resolve_into`], given `host`'s number among the `Host` keys if known.
    fn resolve_key_into(
        &self,
        host: &str,
        key: Option<u32>,
        ctx: &ResolveContext,
        out: &mut Resolution,
    ) {
        use std::sync::atomic::Ordering::Relaxed;
        if self.resolved.fetch_add(1, Relaxed) % RELEASE_EVERY == RELEASE_EVERY - 1 {
            self.set.files().iter().for_each(|f| f.doc.release_pages());
        }
        let walk = HostWalk {
            index: self,
            key,
            original: if self.original_keys.ids.is_empty() {
                Cow::Borrowed(&[])
            } else {
                self.original_keys
                    .candidates(&host.as_bytes().to_ascii_lowercase())
            },
            cache: RefCell::new(Cache {
                state: NO_STATE,
                host: Cow::Borrowed(&[]),
                matched: Cow::Borrowed(&[]),
                // (Told by `start` as the walk enters a file.)
                next: None,
            }),
        };
        self.set.resolve_skipping_into(host, ctx, &walk, out)
    }
}

/// What filing a block uses for a while: a header's patterns, and its keys until it is known
/// that every pattern can be filed.
#[derive(Default)]
struct Scratch<'a> {
    pats: Vec<Cow<'a, [u8]>>,
    keys: Pending<'a>,
}

/// File the block at header `h` (block `id`) by its header line (read through `reader`, the
/// file's) into the builders for `Host` patterns, `Match host` and `Match originalhost`; its
/// guard.
fn file_block<'a>(
    doc: &'a Document,
    reader: &HeaderReader<'a>,
    h: usize,
    id: u32,
    [host_b, match_b, orig_b]: [&mut KeysBuilder<'a>; 3],
    scratch: &mut Scratch<'a>,
    mut names: Option<&mut Naming<'a>>,
) -> Guard {
    let Scratch { pats, keys: tmp } = scratch;
    // One plain name (most lines), filed under itself: it names its host alone. (Found
    // without reading the line as a header.)
    if let Some(w) = reader.plain_host_name(h) {
        let key = host_b.exact.file_borrowed(w, id);
        if let Some(names) = names {
            match w[0] != b'-' {
                true => names.push_plain(w, key),
                false => names.push(Cow::Borrowed(w), Some(key)),
            }
        }
        return Guard::HostLiteral;
    }
    // (What a block before left in the scratch is cleared where it is used: most blocks, of
    // plain names, do not use it.)
    match reader.header(h) {
        Some(Header::Host(line)) => {
            let mut bad = false;
            if let Some(PlainPatterns {
                wild,
                name_bytes,
                words,
            }) = line.plain_patterns_or_commented()
            {
                // Plain words (most lines): each a positive pattern, none an error.
                if !wild && let Some(w) = words.only() {
                    // One literal name (most lines), filed under itself: it names its host
                    // alone.
                    let key = host_b.exact.file_borrowed(w, id);
                    if let Some(names) = names.as_deref_mut() {
                        match name_bytes && w[0] != b'-' {
                            true => names.push_plain(w, key),
                            false => names.push(Cow::Borrowed(w), Some(key)),
                        }
                    }
                    return Guard::HostLiteral;
                }
                if !wild {
                    // Each a literal name, filed under itself; one name (`Host a`, or `Host a
                    // a`) names its host alone.
                    let (mut first, mut one_name) = (None, true);
                    let mut words = words;
                    while let Some(w) = words.next_word() {
                        let key = host_b.exact.file_borrowed(w, id);
                        if let Some(names) = names.as_deref_mut() {
                            // (A word of name bytes not beginning with `-` is a plain name:
                            // nothing to check again.)
                            match name_bytes && w[0] != b'-' {
                                true => names.push_plain(w, key),
                                false => names.push(Cow::Borrowed(w), Some(key)),
                            }
                        }
                        one_name &= *first.get_or_insert(key) == key;
                    }
                    return match one_name {
                        true => Guard::HostLiteral,
                        false => Guard::HostWords,
                    };
                }
                pats.clear();
                tmp.clear();
                pats.extend(words.map(Cow::Borrowed));
                if let [star] = &pats[..]
                    && **star == *b"*"
                {
                    return Guard::HostStar;
                }
            } else {
                pats.clear();
                tmp.clear();
                // As `host_line` reads it: an error is reported for every host, so such a line
                // is always read.
                if line.check_quotes().is_err() {
                    return Guard::Always;
                }
                // Every pattern is read (the literal names after an empty one count too).
                let mut negated = false;
                for p in line.patterns() {
                    let Ok(p) = p else {
                        bad = true;
                        continue;
                    };
                    if p.is_negated() {
                        negated = true;
                    } else {
                        pats.push(p.pattern);
                    }
                }
                // One literal name (quoted, or before a comment) and nothing else.
                if let [only] = &pats[..]
                    && !bad
                    && !negated
                    && !crate::pattern::has_wildcard(only)
                {
                    let key = host_b.file_exact(only.clone(), id);
                    if let Some(names) = names.as_deref_mut() {
                        names.push(only.clone(), Some(key));
                    }
                    return Guard::HostLiteral;
                }
            }
            // Filed under each positive pattern; unfiled (and so never read) when it has none.
            // The names (the patterns without a wildcard) are taken as the block is filed, with
            // their keys' numbers, or else as they are.
            if bad || !pats.iter().all(|p| Pending::fileable(p)) {
                if let Some(names) = names {
                    for p in pats.drain(..) {
                        if !crate::pattern::has_wildcard(&p) {
                            names.push(p, None);
                        }
                    }
                }
                return Guard::Always;
            }
            for p in pats.drain(..) {
                let filed = tmp.add(p, id);
                debug_assert!(filed);
            }
            host_b.take_naming(tmp, names);
            Guard::Host
        }
        Some(Header::Match(line)) => {
            tmp.clear();
            // (Every line's quotes close when the reading pass found nothing ssh refuses.)
            if !doc.refuses_nothing() && !matches!(doc.args(h), Some(Ok(_))) {
                return Guard::Always;
            }
            let Some((kind, list)) = match_guard(line) else {
                return Guard::Always;
            };
            let entries = |list: &'a [u8]| {
                list.split(|&b| b == b',')
                    .filter(|e| e.first() != Some(&b'!'))
                    .map(|e| {
                        // Lowercased as `match_hostname` compares them (borrowed when it is).
                        if e.iter().any(u8::is_ascii_uppercase) {
                            Cow::Owned(e.to_ascii_lowercase())
                        } else {
                            Cow::Borrowed(e)
                        }
                    })
            };
            let filed = match list {
                Cow::Borrowed(list) => entries(list).all(|e| tmp.add(e, id)),
                Cow::Owned(list) => list
                    .split(|&b| b == b',')
                    .filter(|e| e.first() != Some(&b'!'))
                    .all(|e| tmp.add(Cow::Owned(e.to_ascii_lowercase()), id)),
            };
            if !filed {
                return Guard::Always;
            }
            let b = if kind == Guard::MatchHost {
                match_b
            } else {
                orig_b
            };
            b.take(tmp);
            kind
        }
        None => Guard::Always,
    }
}

/// The positive patterns without a wildcard of the `Host` line `h` (if its quotes close), into
/// `names` (for a block [`file_block`] does not read).
fn host_names<'a>(doc: &'a Document, h: usize, names: &mut Naming<'a>) {
    if let Some(Header::Host(line)) = doc.header(h)
        && line.check_quotes().is_ok()
    {
        for p in line.patterns().filter_map(Result::ok) {
            if !p.is_negated() && !crate::pattern::has_wildcard(&p.pattern) {
                names.push(p.pattern, None);
            }
        }
    }
}

/// [`Cache::state`] before any candidates are taken: a bit no state has (see
/// `Pass::match_host_state`).
const NO_STATE: u8 = 0x80;

/// Candidates for the keys the walk has had so far.
struct Cache<'i> {
    /// The pass state (`Pass::match_host_state`) `matched` was taken in, or [`NO_STATE`];
    /// `host` was taken in its pass (the host `Host` lines see changes only when the final
    /// pass starts).
    state: u8,
    host: Cow<'i, [u32]>,
    matched: Cow<'i, [u32]>,
    /// Where the walk comes next if it goes on as the last answer said: the header line of
    /// block id (in that file). (After a jump the walk reads the block it was sent to without
    /// asking, and asks next at the one after it.)
    next: Option<(FileId, u32, u32)>,
}

/// One host's resolution through the index.
struct HostWalk<'i, 'a> {
    index: &'i ResolveIndex<'a>,
    /// The host's number among the `Host` keys, when known (it is not looked up).
    key: Option<u32>,
    /// Candidates for `Match originalhost` (the host as typed never changes).
    original: Cow<'i, [u32]>,
    cache: RefCell<Cache<'i>>,
}

/// The first id in sorted `v` from `id` on, or `u32::MAX` if none (most lists are of none or
/// one id, and most hosts ask before their first one or past their last one: told from it,
/// without a search).
#[inline]
fn first_from(v: &[u32], id: u32) -> u32 {
    match v {
        [first, ..] if *first >= id => *first,
        [.., last] if *last >= id => v[v.partition_point(|&x| x < id)],
        _ => u32::MAX,
    }
}

impl<'i> HostWalk<'i, '_> {
    /// Take into `c` the candidates for pass state `state` (`Pass::match_host_state`, which
    /// is not `c`'s): those for `Host` lines again only when the pass is another.
    #[inline(always)]
    fn refresh(&self, c: &mut Cache<'i>, pass: &Pass<'_, Self>, state: u8) {
        let ix = self.index;
        // (Before any state, the bit of [`NO_STATE`] differs.)
        if (c.state ^ state) & (NO_STATE | 1) != 0 {
            // (In the first pass `Host` lines see the host as typed, whose key may be known.)
            let key = self.key.filter(|_| state & 1 == 0);
            c.host = ix.host_keys.candidates_knowing(pass.host(), key);
        }
        let keys = &ix.match_keys;
        // (Most hosts' `HostName` can match no key, which the bytes at the ends of the
        // prefixes and suffixes in use tell: nothing to lower or look up.)
        c.matched = if keys.ids.is_empty() || !keys.may_match_text(pass.match_host_text()) {
            Cow::Borrowed(&[])
        } else {
            keys.candidates(&pass.match_host_lower())
        };
        c.state = state;
    }

    /// The block id of the header at `line` of `file`: where the last answer said the walk
    /// would be next (the walk goes forward from block to block), else found by a search.
    #[inline]
    fn block_at(&self, c: &Cache<'_>, fb: &FileBlocks, file: FileId, line: usize) -> Option<u32> {
        if let Some((f, l, id)) = c.next
            && f == file
            && l as usize == line
        {
            return Some(id);
        }
        let k = fb.headers.binary_search(&(line as u32)).ok()?;
        Some(fb.first + k as u32)
    }

    /// Whether block `id` may apply in the state `c` was taken in, by its guard (what
    /// [`HostWalk::answer`] tells from its lists alone: a check of the index's filing).
    fn may_apply(&self, c: &Cache<'_>, id: u32) -> bool {
        match self.index.guards[id as usize] {
            Guard::Always | Guard::HostStar => true,
            Guard::Host | Guard::HostLiteral | Guard::HostWords => {
                c.host.binary_search(&id).is_ok()
            }
            Guard::MatchHost => c.matched.binary_search(&id).is_ok(),
            Guard::MatchOriginal => self.original.binary_search(&id).is_ok(),
        }
    }

    /// The answer at the header of block `id` of `file` (its blocks `fb`), in the state `pass`
    /// is in.
    #[inline(always)]
    fn answer(
        &self,
        c: &mut Cache<'i>,
        pass: &Pass<'_, Self>,
        file: FileId,
        fb: &FileBlocks,
        id: u32,
    ) -> Verdict {
        let ix = self.index;
        let state = pass.match_host_state();
        if c.state != state {
            self.refresh(c, pass, state);
        }
        let (host, matched, original) = (&*c.host, &*c.matched, &*self.original);
        // The first block from this one that may apply in this state: a block is filed in the
        // list of its guard alone (`always` for `Always` and `HostStar`), so this one may
        // apply if it is that block.
        let next = (first_from(&ix.always, id).min(first_from(host, id)))
            .min(first_from(matched, id).min(first_from(original, id)));
        debug_assert_eq!(next == id, self.may_apply(c, id));
        // The header line of block `n` (`id` or after), if it is of this file.
        let header = |n: u32| fb.headers.get(n.wrapping_sub(fb.first) as usize).copied();
        // The walk reads block `n` (it may apply in this state, which holds there), then comes
        // to the next header; a `Host` line the index knows need not be read.
        let mut read = |n: u32| {
            c.next = header(n + 1).map(|h| (file, h, n + 1));
            // (A block is read only as a candidate: a literal one's word is the host.)
            match ix.guards[n as usize] {
                Guard::HostLiteral => Some(KnownHostLine::NamesHostAlone),
                Guard::HostWords => Some(KnownHostLine::NamesHost),
                Guard::HostStar => Some(KnownHostLine::MatchesEveryHost),
                _ => None,
            }
        };
        if next == id {
            return Verdict::Read(read(id));
        }
        Verdict::Jump(match header(next) {
            Some(to) => Jump {
                to: to as usize,
                read: true,
                known: read(next),
            },
            None => {
                c.next = None;
                Jump {
                    to: fb.lines,
                    read: false,
                    known: None,
                }
            }
        })
    }
}

impl Skip for HostWalk<'_, '_> {
    #[inline]
    fn skip(&self, pass: &Pass<'_, Self>, file: FileId, line: usize) -> Verdict {
        let fb = &self.index.files[file.index()];
        let mut cache = self.cache.borrow_mut();
        let c = &mut *cache;
        match self.block_at(c, fb, file, line) {
            Some(id) => self.answer(c, pass, file, fb, id),
            None => Verdict::Read(None),
        }
    }

    #[inline]
    fn start(&self, pass: &Pass<'_, Self>, file: FileId) -> Start {
        let fb = &self.index.files[file.index()];
        let Some(&h) = fb.headers.first() else {
            return Start::At(fb.start);
        };
        let mut cache = self.cache.borrow_mut();
        // (Most configs' first line that matters is their first header: the walk is told
        // there where to go, without reading it first. Else it reads on from that line and
        // asks first at that header, unless an Include on the way leads elsewhere.)
        if fb.start == h as usize {
            Start::Header(fb.start, self.answer(&mut cache, pass, file, fb, fb.first))
        } else {
            cache.next = Some((file, h, fb.first));
            Start::At(fb.start)
        }
    }
}

impl ConfigSet {
    /// An index of this config's blocks, for resolving many hosts (see [`ResolveIndex`]).
    pub fn resolve_index(&self) -> ResolveIndex<'_> {
        ResolveIndex::read_headers(self, None).index()
    }

    /// An index (as [`ConfigSet::resolve_index`]) and the names [`ConfigSet::literal_hosts`]
    /// gives, in the same order, taken from the `Host` lines as the index reads them (each
    /// header is read once for both). A name written as it reads (most are) is borrowed from
    /// the config's text, not copied.
    ///
    /// The names are a [`HostNames`], not a `Vec<Cow<str>>`: eight bytes a name instead of
    /// 24, which keeps an every-host run on a config of a hundred thousand hosts within
    /// about twice the config's size in memory rather than three times.
    ///
    /// ```
    /// # use sshcfg::{ConfigSet, LoadOptions, ResolveContext};
    /// let text = b"Host a b\n  User x\nHost b \"c d\" e*\n".to_vec();
    /// let set = ConfigSet::from_main_bytes(text,
    ///     &LoadOptions::explicit_file("config", "/nonexistent")).unwrap();
    /// let (index, names) = set.resolve_index_naming_hosts();
    /// assert_eq!(names.iter().collect::<Vec<_>>(), set.literal_hosts());
    /// let r = index.resolve(names.get(1).unwrap(), &ResolveContext::new("me"));
    /// assert_eq!(r.get::<sshcfg::setting::User>().unwrap().value, "x");
    /// ```
    pub fn resolve_index_naming_hosts(&self) -> (ResolveIndex<'_>, HostNames<'_>) {
        let headers: usize = self.files().iter().map(|f| f.doc.block_count()).sum();
        let mut names = Naming::with_capacity(headers);
        let filed = ResolveIndex::read_headers(self, Some(&mut names));
        filed.index_naming(Some(names))
    }

    /// Resolve each of `hosts`, with the same answers as [`ConfigSet::resolve`] gives one by
    /// one, in time linear in the config plus the blocks that may apply to each host (one pass
    /// to build a [`ResolveIndex`]).
    ///
    /// ```
    /// # use sshcfg::{ConfigSet, LoadOptions, ResolveContext};
    /// # use std::path::Path;
    /// let text = b"Host a\n  User x\nHost b*\n  User y\n".to_vec();
    /// let set = ConfigSet::from_main_bytes(text,
    ///     &LoadOptions::explicit_file("config", "/nonexistent")).unwrap();
    /// let rs = set.resolve_many(&["a", "b1", "c"], &ResolveContext::current_user());
    /// let users: Vec<_> = rs.iter().map(|r| r.get::<sshcfg::setting::User>().map(|u| u.value.as_str())).collect();
    /// assert_eq!(users, [Some("x"), Some("y"), None]);
    /// ```
    pub fn resolve_many<S: AsRef<str>>(
        &self,
        hosts: &[S],
        ctx: &ResolveContext,
    ) -> Vec<Resolution> {
        let index = self.resolve_index();
        hosts
            .iter()
            .map(|h| index.resolve(h.as_ref(), ctx))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::{Filing, KeyStore, MAX_LEN};
    use std::borrow::Cow;

    proptest::proptest! {
        /// A `Match` line of plain words is filed by the same criterion, or none, read plainly
        /// as through the criteria (and every such line is read plainly).
        #[test]
        fn plain_match_lines_are_filed_as_read_through_the_criteria(
            words in proptest::collection::vec(
                proptest::sample::select(vec![
                    "host", "HOST", "!host", "originalhost", "OriginalHost", "!originalhost",
                    "user", "localuser", "tagged", "all", "final", "canonical", "exec", "!exec", "bogus",
                    "!", "a", "web*,!web1", "A.Example", "#c", "x#",
                ]),
                0..7,
            ),
            blanks in proptest::collection::vec(
                proptest::sample::select(vec![" ", "\t", "  ", " \r "]),
                7,
            ),
        ) {
            let raw: String = words.iter().zip(&blanks).flat_map(|(w, b)| [*w, *b]).collect();
            let raw = raw.trim_end_matches([' ', '\t', '\r']).as_bytes();
            let line = crate::header::MatchLine::new(raw);
            let words = line.plain_words();
            proptest::prop_assert!(words.is_some(), "{:?}", String::from_utf8_lossy(raw));
            let plain = super::plain_match_guard(words.unwrap()).map(|(g, l)| (g, l.to_vec()));
            let full = super::criteria_match_guard(line).map(|(g, l)| (g, l.into_owned()));
            proptest::prop_assert_eq!(plain, full, "{:?}", String::from_utf8_lossy(raw));
        }
    }

    /// Key `n` of the key map tests: of 2 to 33 bytes (each way [`super::key_hash`] reads a
    /// key).
    fn test_key(n: u32) -> String {
        format!(
            "h{n}{}",
            &".example.com-alt-and-more-bytes"[..n as usize % 29]
        )
    }

    /// Keys are numbered in order of first filing, a repeat gets its key's number, and every
    /// key (and no other) is found again, as the table grows.
    #[test]
    fn a_key_map_numbers_and_finds_its_keys() {
        let keys: Vec<Vec<u8>> = (0..2000u32)
            .map(|i| test_key(i % 1500).into_bytes())
            .collect();
        // From no room at all: the table grows as keys come (borrowed from a text the store
        // knows, from none, or made anew).
        let text = keys.concat();
        let mut filing = Filing::default();
        filing.keys.borrow_from(&text);
        let mut at = 0;
        for (i, k) in keys.iter().enumerate() {
            let in_text = &text[at..at + k.len()];
            at += k.len();
            let n = match i % 3 {
                0 => filing.number_borrowed(in_text),
                1 => filing.number(Cow::Borrowed(k)),
                _ => filing.number(Cow::Owned(k.clone())),
            };
            assert_eq!(n as usize, i % 1500, "{i}");
            assert!(2 * filing.keys.len() <= filing.map.slots.len());
        }
        let mut ids = vec![0; 7];
        let map = filing.finish(&mut ids);
        for n in 0..1500u32 {
            let k = test_key(n);
            assert_eq!(map.get(k.as_bytes()), Some((n + 7, n + 8)));
        }
        for absent in [
            "h1500",
            "h",
            "",
            "h01",
            "x0",
            "h1",
            "h2.ex",
            "h28.example.com-alt-and-mor",
        ] {
            assert_eq!(map.get(absent.as_bytes()), None, "{absent}");
        }
        assert_eq!(super::KeyMap::default().get(b"h0"), None);
    }

    /// `first_from` is the first id at or after the one asked, in lists of none to five ids,
    /// asked before, at, between and past each (a first id answered whatever it is fails it).
    #[test]
    fn first_from_is_the_first_id_from_the_one_asked() {
        let lists: [&[u32]; 6] = [
            &[],
            &[4],
            &[2, 4],
            &[1, 3, 5],
            &[0, 2, 4, 6],
            &[1, 2, 6, 7, 9],
        ];
        for v in lists {
            for id in 0..12 {
                let want = v.iter().copied().find(|&x| x >= id).unwrap_or(u32::MAX);
                assert_eq!(super::first_from(v, id), want, "{v:?} {id}");
            }
        }
    }

    /// The prefix scan's byte table is the last bytes of the prefixes in use, each letter in
    /// both cases, and `%`, byte for byte: no other byte (from a table of the ends as
    /// written, or without `%`, it fails). (Keys are filed lowercased.)
    #[test]
    fn the_prefix_table_holds_the_last_bytes_of_prefixes_in_both_cases_and_percent() {
        let mut b = super::KeysBuilder::default();
        for (n, p) in ["web", "db-", "x9", "a.b.c"].into_iter().enumerate() {
            b.prefix.push((Cow::Borrowed(p.as_bytes()), n as u32));
        }
        let keys = b.build(&|| ());
        for byte in 0..=255u8 {
            let expected = matches!(byte, b'b' | b'B' | b'-' | b'9' | b'c' | b'C' | b'%');
            assert_eq!(
                keys.prefix_last_any_case.0[usize::from(byte)],
                expected,
                "{byte}"
            );
            assert_eq!(keys.prefix_ends_any_case.has_last(byte), expected, "{byte}");
        }
        let none = super::Keys::default();
        assert!(none.prefix_last_any_case.0.iter().all(|&t| !t));
    }

    /// Keys that differ in one byte, anywhere, or in their length, fall in many slots of a
    /// small table and have many tags (a key's bytes left out of its hash, or its length,
    /// would make keys differing there share a slot and a tag: each search would compare them
    /// all).
    #[test]
    fn every_byte_of_a_key_reaches_its_slot_and_tag() {
        for len in 1..40 {
            for at in 0..len {
                let (slots, tags): (std::collections::HashSet<_>, std::collections::HashSet<_>) =
                    (0..=255u8)
                        .map(|b| {
                            let mut k = vec![b'h'; len];
                            k[at] = b;
                            super::place(1024, &k)
                        })
                        .unzip();
                assert!(
                    slots.len() > 128,
                    "{len} bytes, byte {at}: {} slots",
                    slots.len()
                );
                assert!(
                    tags.len() > 128,
                    "{len} bytes, byte {at}: {} tags",
                    tags.len()
                );
            }
        }
        // Keys of zero bytes and of up to 40 NULs: one slot and tag each.
        let hashes: std::collections::HashSet<u64> =
            (0..=40).map(|len| super::key_hash(&vec![0; len])).collect();
        assert_eq!(hashes.len(), 41);
        // The names of a large config: 300,000 hashes, none shared.
        let hashes: std::collections::HashSet<u64> = (0..100_000)
            .flat_map(|n| {
                [
                    format!("h{n}"),
                    format!("h{n}-alt"),
                    format!("h{n}.example.com"),
                ]
            })
            .map(|k| super::key_hash(k.as_bytes()))
            .collect();
        assert_eq!(hashes.len(), 300_000);
    }

    /// The store gives back every key's bytes, however it keeps them: spans of the texts it
    /// knows (several), its own bytes (a key made anew, or borrowed from no text it knows),
    /// and as it came (a key too long for a span; a text past the 254th is not known); a key
    /// borrowed from a text it knows (or kept as it came) is given back borrowed from there.
    #[test]
    fn a_key_store_gives_back_each_key() {
        let texts: Vec<Vec<u8>> = (0..300)
            .map(|i| format!("Host t{i} t{i}-x\n").into_bytes())
            .collect();
        let elsewhere = b"lone".to_vec();
        let long = vec![b'k'; MAX_LEN + 1];
        let longest = vec![b'j'; MAX_LEN];
        let mut store = KeyStore::with_capacity(3);
        // (key, where it is given back borrowed from)
        let mut want: Vec<(Vec<u8>, Option<*const u8>)> = Vec::new();
        for (i, t) in texts.iter().enumerate() {
            store.borrow_from(t);
            store.borrow_from(t);
            for w in t[5..t.len() - 1].split(|&b| b == b' ') {
                // (Pushed as borrowed, or through the `Cow`.)
                match i % 2 {
                    0 => store.push_borrowed(w),
                    _ => store.push(Cow::Borrowed(w)),
                }
                want.push((w.to_vec(), (i < 254).then_some(w.as_ptr())));
            }
            if i % 50 == 0 {
                let made = format!("MADE{i}").to_ascii_lowercase().into_bytes();
                store.push(Cow::Owned(made.clone()));
                want.push((made, None));
                store.push(Cow::Borrowed(&elsewhere));
                want.push((elsewhere.clone(), None));
                store.push(Cow::Owned(Vec::new()));
                want.push((Vec::new(), None));
            }
        }
        store.push(Cow::Borrowed(&long));
        want.push((long.clone(), Some(long.as_ptr())));
        store.push_borrowed(&long);
        want.push((long.clone(), Some(long.as_ptr())));
        store.push_borrowed(&elsewhere);
        want.push((elsewhere.clone(), None));
        // In a text known before the last.
        store.push_borrowed(&texts[2][5..7]);
        want.push((b"t2".to_vec(), Some(texts[2][5..].as_ptr())));
        store.push(Cow::Owned(long.clone()));
        want.push((long.clone(), None));
        store.push(Cow::Owned(longest.clone()));
        want.push((longest.clone(), None));
        store.push(Cow::Borrowed(&texts[3][5..7]));
        want.push((b"t3".to_vec(), Some(texts[3][5..].as_ptr())));
        assert_eq!(store.texts.len(), 254);
        assert_eq!(store.big.len(), 3);
        // Grown by a quarter, not doubled.
        assert!(store.spans.capacity() * 4 <= store.len() * 5 + 64);
        assert_eq!(store.len(), want.len());
        for (n, (k, from)) in want.iter().enumerate() {
            assert_eq!(store.get(n), &k[..], "{n}");
            let got = store.borrowed(n);
            assert_eq!(got.map(<[u8]>::as_ptr), *from, "{n}");
            assert_eq!(got.map(<[u8]>::len).unwrap_or(k.len()), k.len(), "{n}");
        }
    }

    /// A key's ids are each block it was filed for once, in order: one id (most keys) found
    /// at the key's place after the map's base, several in a run of their own.
    #[test]
    fn a_filing_places_each_keys_ids() {
        let mut ids = vec![99, 98];
        let mut f = Filing::default();
        // (key, block)
        let filed: &[(&[u8], u32)] = &[
            (b"a", 0),
            (b"a", 0),
            (b"b", 1),
            (b"c", 2),
            (b"a", 3),
            (b"b", 3),
            (b"a", 3),
            (b"d", 4),
            (b"a", 5),
            (b"d", 4),
        ];
        for &(k, id) in filed {
            f.file(Cow::Borrowed(k), id);
        }
        let map = f.finish(&mut ids);
        let got = |k: &[u8]| {
            map.get(k)
                .map(|(a, b)| ids[a as usize..b as usize].to_vec())
        };
        assert_eq!(got(b"a"), Some(vec![0, 3, 5]));
        assert_eq!(got(b"b"), Some(vec![1, 3]));
        assert_eq!(got(b"c"), Some(vec![2]));
        assert_eq!(got(b"d"), Some(vec![4]));
        assert_eq!(got(b"e"), None);
        assert_eq!(&ids[..2], &[99, 98]);
        // The first map's ids are its first ids, taken as they are.
        let mut ids = Vec::new();
        let mut f = Filing::with_capacity(1);
        for n in 0..100u32 {
            f.file(Cow::Owned(n.to_string().into_bytes()), n);
        }
        let map = f.finish(&mut ids);
        assert_eq!(ids, (0..100).collect::<Vec<u32>>());
        assert_eq!(map.get(b"42"), Some((42, 43)));
    }
}
