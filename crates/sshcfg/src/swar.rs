//! Eight bytes at a time: the bytes of a word tested all at once, so that a scan moves a word
//! at a time. Each test is exact in every byte (no carry crosses from one byte into the next),
//! so any flagged byte, not only the first, is one that passes the test.
//!
//! A word holds byte `at + i` in bits `8 * i .. 8 * i + 8` on every machine (it is read
//! little-endian); a test flags byte `i` in bit `8 * i + 7`.

const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// `b` in every byte of a word.
#[inline(always)]
pub(crate) const fn splat(b: u8) -> u64 {
    0x0101_0101_0101_0101 * b as u64
}

/// The eight bytes at `at` (`at + 8 <= bytes.len()`).
#[inline(always)]
pub(crate) fn load(bytes: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(w)
}

/// The `len` bytes at `at` (`len <= 8`; fewer if the slice ends first), the rest zero.
#[inline(always)]
pub(crate) fn load_upto(bytes: &[u8], at: usize, len: usize) -> u64 {
    if at + 8 <= bytes.len() {
        load(bytes, at) & mask(len)
    } else {
        let mut w = 0u64;
        let end = bytes.len().min(at + len);
        for (i, &b) in bytes[at.min(end)..end].iter().enumerate() {
            w |= u64::from(b) << (8 * i);
        }
        w
    }
}

/// Does a byte of `s` pass a test: `word` flags the bytes of a word that pass it (as the tests
/// below do), `byte` tells one byte. Eight bytes at a time from eight bytes on (the last eight
/// may overlap the eight before), four from each end in one word from four on, a loop below
/// four: for the short values and names a run over every host asks about, where a call
/// (`memchr`, `<[u8]>::is_ascii`) costs more.
#[inline(always)]
pub(crate) fn any(s: &[u8], word: impl Fn(u64) -> u64, byte: impl Fn(u8) -> bool) -> bool {
    if s.len() < 8 {
        if s.len() < 4 {
            return s.iter().any(|&b| byte(b));
        }
        // (The two halves overlap below eight bytes: a byte tested twice is still one byte
        // of `s`.)
        let four = |at: usize| {
            let mut w = [0u8; 4];
            w.copy_from_slice(&s[at..at + 4]);
            u64::from(u32::from_le_bytes(w))
        };
        return word(four(0) | four(s.len() - 4) << 32) != 0;
    }
    let mut at = 0;
    while at + 8 < s.len() {
        if word(load(s, at)) != 0 {
            return true;
        }
        at += 8;
    }
    word(load(s, s.len() - 8)) != 0
}

/// Is every byte of `s` ASCII ([`any`] byte at 0x80 or above)?
#[inline(always)]
pub(crate) fn is_ascii(s: &[u8]) -> bool {
    !any(s, |w| w & HIGH, |b| b >= 0x80)
}

/// The low `len` bytes of a word set (`len <= 8`).
#[inline(always)]
pub(crate) const fn mask(len: usize) -> u64 {
    if len >= 8 {
        u64::MAX
    } else {
        (1u64 << (8 * len)) - 1
    }
}

/// The high bit of each byte of `x` that is zero.
#[inline(always)]
pub(crate) const fn zero(x: u64) -> u64 {
    !(((x & LOW7) + LOW7) | x) & HIGH
}

/// The high bit of each byte of `x` that is `b`.
#[inline(always)]
pub(crate) const fn eq(x: u64, b: u8) -> u64 {
    zero(x ^ splat(b))
}

/// The high bit of each byte of `x` below `b` (`1 <= b <= 128`).
#[inline(always)]
pub(crate) const fn below(x: u64, b: u8) -> u64 {
    !(((x & LOW7) + splat(128 - b)) | x) & HIGH
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A byte of 0x80 or more is found at every place of strings of every length up to 40.
    #[test]
    fn is_ascii_finds_a_high_byte_anywhere() {
        for len in 0..40 {
            let plain = vec![0x7fu8; len];
            assert!(is_ascii(&plain), "{len}");
            for at in 0..len {
                for high in [0x80, 0xc3, 0xff] {
                    let mut s = plain.clone();
                    s[at] = high;
                    assert!(!is_ascii(&s), "{len} {at} {high}");
                }
            }
        }
    }

    /// [`any`] finds a byte that passes at every place of strings of every length up to 40,
    /// and none where none does (four bytes from each end, overlapping, below eight).
    #[test]
    fn any_finds_a_byte_anywhere() {
        let test = |s: &[u8]| any(s, |w| eq(w, b'-') | eq(w, b'%'), |b| b == b'-' || b == b'%');
        for len in 0..40 {
            let plain: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            assert!(!test(&plain), "{len}");
            for at in 0..len {
                for hit in [b'-', b'%'] {
                    let mut s = plain.clone();
                    s[at] = hit;
                    assert!(test(&s), "{len} {at} {hit}");
                }
            }
        }
    }

    /// Every test, on words of bytes picked to provoke carries (each byte value beside each
    /// other in every position), flags exactly the bytes that pass it.
    #[test]
    fn each_test_is_exact_in_every_byte() {
        let values: Vec<u8> = (0..=255u8).collect();
        for (k, &a) in values.iter().enumerate() {
            for &b in values
                .iter()
                .step_by(7)
                .chain([0u8, 1, 0x7f, 0x80, 0xff].iter())
            {
                let mut bytes = [a, b, a, b, b, a, 0, 0xff];
                bytes[k % 8] = b.wrapping_add(1);
                let w = load(&bytes, 0);
                let flags = |f: &dyn Fn(u8) -> bool| -> u64 {
                    bytes
                        .iter()
                        .enumerate()
                        .filter(|&(_, &x)| f(x))
                        .fold(0, |m, (i, _)| m | 0x80 << (8 * i))
                };
                assert_eq!(zero(w), flags(&|x| x == 0), "{bytes:?}");
                for t in [b' ', b'\n', b'"', 0, 0xff, a] {
                    assert_eq!(eq(w, t), flags(&|x| x == t), "{bytes:?} eq {t}");
                }
                for t in [1u8, 0x21, 0x28, 0x7f, 0x80] {
                    assert_eq!(below(w, t), flags(&|x| x < t), "{bytes:?} below {t}");
                }
            }
        }
    }

    #[test]
    fn loads_and_masks() {
        let bytes = b"0123456789";
        assert_eq!(load(bytes, 2), u64::from_le_bytes(*b"23456789"));
        assert_eq!(
            load_upto(bytes, 0, 3),
            u64::from_le_bytes(*b"012\0\0\0\0\0")
        );
        assert_eq!(
            load_upto(bytes, 7, 8),
            u64::from_le_bytes(*b"789\0\0\0\0\0")
        );
        assert_eq!(
            load_upto(bytes, 7, 2),
            u64::from_le_bytes(*b"78\0\0\0\0\0\0")
        );
        assert_eq!(load_upto(bytes, 10, 4), 0);
        assert_eq!(mask(0), 0);
        assert_eq!(mask(8), u64::MAX);
    }
}
