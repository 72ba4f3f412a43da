//! The first [`WIDTH`] bytes of a line tested at once: which are blanks, and which are marked (a
//! byte that may have a class in [`class::OF`](super::class::OF)). A line read through its
//! window is read a few bytes at a time where a byte-by-byte reading would visit every byte:
//! the reading looks only at the first non-blank and at marked bytes.
//!
//! Marked: every byte up to `*` (0x2a: NUL, tab, `\n`, form feed, `\r`, space, `"`, `#`, `'`,
//! and the other bytes of that range, which have no class), `=`, `?` and the backslash. Every
//! byte with a class is marked (a test checks it), so a stretch of unmarked bytes adds nothing
//! to a line's classes.
//!
//! On x86_64 the window is read with SSE2 (every x86_64 processor has it); elsewhere eight
//! bytes at a time ([`crate::swar`]). Both give the same masks (a test checks it).

/// How many bytes a window holds.
pub(crate) const WIDTH: usize = 32;

/// A window's masks: bit `i` stands for byte `i`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    /// Space or tab.
    pub(crate) blank: u32,
    /// A byte that may have a class (see the module's documentation).
    pub(crate) marked: u32,
}

/// Is `b` marked?
#[cfg(test)]
const fn is_marked(b: u8) -> bool {
    b <= b'*' || b == b'=' || b == b'?' || b == b'\\'
}

/// The window of the first [`WIDTH`] bytes of `bytes` (`None` when it is shorter).
#[inline(always)]
pub(crate) fn read(bytes: &[u8]) -> Option<Window> {
    let bytes: &[u8; WIDTH] = bytes.get(..WIDTH)?.try_into().ok()?;
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    {
        Some(read_sse2(bytes))
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    {
        Some(read_words(bytes))
    }
}

/// The window read 16 bytes at a time with SSE2 (every x86_64 processor has it: the target
/// enables it).
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn read_sse2(bytes: &[u8; WIDTH]) -> Window {
    use core::arch::x86_64::*;
    fn half(v: __m128i) -> (u32, u32) {
        // SAFETY: SSE2 is enabled (the cfg of this function), so its intrinsics may be called;
        // none of these touches memory.
        unsafe {
            let is = |b: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8));
            let blank = _mm_or_si128(is(b' '), is(b'\t'));
            // v <= '*' (unsigned): min(v, '*') == v.
            let low = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(b'*' as i8)), v);
            let marked = _mm_or_si128(
                _mm_or_si128(low, is(b'=')),
                _mm_or_si128(is(b'?'), is(b'\\')),
            );
            (
                _mm_movemask_epi8(blank) as u32,
                _mm_movemask_epi8(marked) as u32,
            )
        }
    }
    // SAFETY: `bytes` holds 32 bytes; `_mm_loadu_si128` reads 16 from an address of any
    // alignment, here at 0 and at 16.
    let (lo, hi) = unsafe {
        let p = bytes.as_ptr().cast::<__m128i>();
        (_mm_loadu_si128(p), _mm_loadu_si128(p.add(1)))
    };
    let (blank_lo, marked_lo) = half(lo);
    let (blank_hi, marked_hi) = half(hi);
    Window {
        blank: blank_lo | blank_hi << 16,
        marked: marked_lo | marked_hi << 16,
    }
}

/// The window read eight bytes at a time.
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
#[inline(always)]
fn read_words(bytes: &[u8; WIDTH]) -> Window {
    use crate::swar;
    /// The high bit of each byte of `m` gathered into the low eight bits.
    fn bits(m: u64) -> u32 {
        ((m >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u32
    }
    let mut blank = 0u32;
    let mut marked = 0u32;
    for i in 0..WIDTH / 8 {
        let w = swar::load(bytes, 8 * i);
        let b = swar::eq(w, b' ') | swar::eq(w, b'\t');
        let m =
            swar::below(w, b'*' + 1) | swar::eq(w, b'=') | swar::eq(w, b'?') | swar::eq(w, b'\\');
        blank |= bits(b) << (8 * i);
        marked |= bits(m) << (8 * i);
    }
    Window { blank, marked }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexer::class::OF;

    /// The window a byte at a time.
    fn read_slow(bytes: &[u8; WIDTH]) -> Window {
        let mask = |f: &dyn Fn(u8) -> bool| {
            bytes
                .iter()
                .enumerate()
                .filter(|&(_, &b)| f(b))
                .fold(0u32, |m, (i, _)| m | 1 << i)
        };
        Window {
            blank: mask(&|b| b == b' ' || b == b'\t'),
            marked: mask(&is_marked),
        }
    }

    #[test]
    fn every_byte_with_a_class_is_marked() {
        for b in 0..=255u8 {
            if OF[usize::from(b)] != 0 {
                assert!(is_marked(b), "{b:#x}");
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

        /// Each way of reading a window gives the masks a byte-by-byte reading gives, on bytes
        /// drawn mostly from those that are marked or blank or beside them.
        #[test]
        fn each_reading_agrees_with_the_bytes(bytes in proptest::array::uniform32(
            proptest::prop_oneof![
                proptest::sample::select(vec![
                    0u8, 1, 9, 10, 12, 13, 0x1f, b' ', b'!', b'"', b'#', b'\'', b'*', b'+',
                    b'<', b'=', b'>', b'?', b'@', b'[', b'\\', b']', b'a', 0x7f, 0x80, 0xaa,
                    0xff,
                ]),
                proptest::num::u8::ANY,
            ],
        )) {
            let want = read_slow(&bytes);
            proptest::prop_assert_eq!(read_words(&bytes), want);
            proptest::prop_assert_eq!(read(&bytes), Some(want));
            #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
            proptest::prop_assert_eq!(read_sse2(&bytes), want);
        }
    }
}
