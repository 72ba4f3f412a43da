//! Hashing for tables keyed by the config's own short strings (host names, the literal parts
//! of patterns).

use std::hash::{BuildHasherDefault, Hasher};

/// Keys are short host names and literal parts of patterns: a word at a time, one
/// multiplication each, costs a fraction of SipHash here, and the keys come from the user's own
/// config.
#[derive(Default, Clone, Copy)]
pub(crate) struct WordHasher(u64);

const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl WordHasher {
    /// A word in: one 64 × 64-bit multiplication whose two halves are folded together (as
    /// foldhash does), so that every bit of the word reaches every bit of the state.
    #[inline(always)]
    fn add(&mut self, w: u64) {
        let p = u128::from(self.0 ^ w) * u128::from(K);
        self.0 = (p as u64) ^ ((p >> 64) as u64);
    }
}

impl Hasher for WordHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            self.add(short_word(rest));
        }
    }

    /// A slice's length (`Hash` for a slice writes it first): one step, not eight bytes.
    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// One to seven bytes as one word, in a few loads (two that overlap, or three bytes): the
/// same bytes give the same word, different bytes of one length different words (the slice's
/// length is written before them).
#[inline(always)]
pub(crate) fn short_word(b: &[u8]) -> u64 {
    let n = b.len();
    if n >= 4 {
        let lo = u32::from_le_bytes(b[..4].try_into().expect("4 bytes"));
        let hi = u32::from_le_bytes(b[n - 4..].try_into().expect("4 bytes"));
        // `hi`'s first bytes are `lo`'s last: the word is the bytes in order.
        u64::from(lo) | (u64::from(hi) << (8 * (n - 4)))
    } else {
        u64::from(b[0]) | (u64::from(b[n / 2]) << 8) | (u64::from(b[n - 1]) << 16)
    }
}

/// Hashes with [`WordHasher`].
pub(crate) type Build = BuildHasherDefault<WordHasher>;

/// A set with [`WordHasher`].
pub(crate) type HashSet<K> = std::collections::HashSet<K, BuildHasherDefault<WordHasher>>;

#[cfg(test)]
mod tests {
    use super::short_word;

    /// Short keys of one length give different words exactly when their bytes differ.
    #[test]
    fn short_words_tell_keys_apart() {
        for n in 1..8 {
            let key = |i: usize| -> Vec<u8> { (0..n).map(|j| (i >> (3 * j)) as u8 & 7).collect() };
            let mut seen = std::collections::HashMap::new();
            for i in 0..8usize.pow(n as u32).min(1 << 15) {
                let k = key(i);
                if let Some(other) = seen.insert(short_word(&k), k.clone()) {
                    assert_eq!(other, k, "two keys of {n} bytes, one word");
                }
            }
        }
    }

    /// Names that differ in one byte, anywhere, fall in many slots of a small table.
    #[test]
    fn every_byte_reaches_the_slot() {
        use std::hash::BuildHasher as _;
        let build = std::hash::BuildHasherDefault::<super::WordHasher>::default();
        for len in 1..20 {
            for at in 0..len {
                let slots: std::collections::HashSet<u64> = (0..=255u8)
                    .map(|b| {
                        let mut k = vec![b'h'; len];
                        k[at] = b;
                        build.hash_one(&k[..]) & 1023
                    })
                    .collect();
                assert!(
                    slots.len() > 128,
                    "{len} bytes, byte {at}: {} slots",
                    slots.len()
                );
            }
        }
    }
}
