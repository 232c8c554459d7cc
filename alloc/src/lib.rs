//! The global allocator of `ch`, `codex-helper` and the tray app: mimalloc,
//! asked through the calls its fast path serves.
//!
//! `mimalloc::MiMalloc` hands every allocation to `mi_malloc_aligned`,
//! whose fast path only takes blocks up to 1 KiB. Anything larger whose
//! block size is not a power of two went the over-allocating way (allocate
//! size + alignment, move the pointer up, mark the block so `free` can find
//! its start): ~135 instructions where `mi_malloc` takes ~20, about ten times
//! per proxied request (hyper's buffers, header maps, the handler's future:
//! ~2k of ~52k instructions, callgrind, issue 11).
//!
//! mimalloc aligns every block to 16 bytes when it is at least 16 bytes
//! long, and to a word below that (x86-64 and aarch64: `MI_MAX_ALIGN_SIZE`
//! is 16 and block sizes are rounded to two words). So a layout whose
//! alignment is at most 16 and at most its size (the rule std's `System`
//! uses for `malloc`) goes to the plain calls; only over-aligned ones
//! (tokio's task cells, 128 bytes) use the aligned calls.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys as mi;

/// mimalloc, as `#[global_allocator]`.
pub struct Mimalloc;

/// The alignment every mimalloc block of at least this size has.
const PLAIN_ALIGN: usize = 16;

/// Whether plain `mi_malloc(size)` already gives `align`.
#[inline]
fn plain(size: usize, align: usize) -> bool {
    align <= PLAIN_ALIGN && align <= size
}

// SAFETY: every call passes mimalloc a size and (where it takes one) a
// power-of-two alignment from a valid `Layout`; pointers given back to
// mimalloc (`dealloc`, `realloc`) are ones it returned, as `GlobalAlloc`'s
// contract guarantees; the plain calls are used only where their alignment
// covers the layout's (see the module header), the aligned ones elsewhere.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Mimalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = if plain(layout.size(), layout.align()) {
            unsafe { mi::mi_malloc(layout.size()) }
        } else {
            unsafe { mi::mi_malloc_aligned(layout.size(), layout.align()) }
        };
        p.cast()
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = if plain(layout.size(), layout.align()) {
            unsafe { mi::mi_zalloc(layout.size()) }
        } else {
            unsafe { mi::mi_zalloc_aligned(layout.size(), layout.align()) }
        };
        p.cast()
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        unsafe { mi::mi_free(ptr.cast::<c_void>()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = if plain(new_size, layout.align()) {
            unsafe { mi::mi_realloc(ptr.cast::<c_void>(), new_size) }
        } else {
            unsafe { mi::mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()) }
        };
        p.cast()
    }
}

#[cfg(test)]
#[allow(unsafe_code)]
mod tests {
    use super::*;

    /// Sizes around mimalloc's bin edges (8, 16, 1 KiB, 10 KiB, ~84 KiB and
    /// huge) and odd ones between.
    const SIZES: &[usize] = &[
        1, 3, 7, 8, 9, 12, 15, 16, 17, 24, 31, 33, 40, 48, 100, 127, 129, 500, 1000, 1024, 1025, 1500, 2049, 3500,
        4095, 4097, 10_000, 10_241, 65_000, 86_017, 300_000, 2_000_001,
    ];
    const ALIGNS: &[usize] = &[1, 2, 4, 8, 16, 32, 64, 128, 4096];

    fn aligned(p: *mut u8, align: usize) -> bool {
        (p as usize).is_multiple_of(align)
    }

    #[test]
    fn every_block_has_its_layouts_alignment_and_keeps_its_bytes() {
        let a = Mimalloc;
        for &size in SIZES {
            for &align in ALIGNS {
                let layout = Layout::from_size_align(size, align).unwrap();
                // Many at once, so that blocks come from inside pages, not only their starts.
                let count = if size < 65_536 { 64 } else { 4 };
                let blocks: Vec<*mut u8> = (0..count).map(|_| unsafe { a.alloc(layout) }).collect();
                for (i, &p) in blocks.iter().enumerate() {
                    assert!(!p.is_null(), "size {size} align {align}");
                    assert!(aligned(p, align), "size {size} align {align}: {p:p}");
                    unsafe { std::ptr::write_bytes(p, i as u8, size) };
                }
                for (i, &p) in blocks.iter().enumerate() {
                    let bytes = unsafe { std::slice::from_raw_parts(p, size) };
                    assert!(bytes.iter().all(|&b| b == i as u8), "size {size} align {align}: overwritten");
                    unsafe { a.dealloc(p, layout) };
                }
            }
        }
    }

    #[test]
    fn zeroed_blocks_are_zero_even_where_freed_ones_were_written() {
        let a = Mimalloc;
        for &size in SIZES {
            for &align in ALIGNS {
                let layout = Layout::from_size_align(size, align).unwrap();
                let dirty = unsafe { a.alloc(layout) };
                unsafe { std::ptr::write_bytes(dirty, 0xAB, size) };
                unsafe { a.dealloc(dirty, layout) };
                let p = unsafe { a.alloc_zeroed(layout) };
                assert!(aligned(p, align), "size {size} align {align}");
                let bytes = unsafe { std::slice::from_raw_parts(p, size) };
                assert!(bytes.iter().all(|&b| b == 0), "size {size} align {align}: not zeroed");
                unsafe { a.dealloc(p, layout) };
            }
        }
    }

    #[test]
    fn realloc_keeps_the_alignment_and_the_common_prefix() {
        let a = Mimalloc;
        for &align in ALIGNS {
            for w in SIZES.windows(2) {
                for (from, to) in [(w[0], w[1]), (w[1], w[0])] {
                    let layout = Layout::from_size_align(from, align).unwrap();
                    let p = unsafe { a.alloc(layout) };
                    for i in 0..from {
                        unsafe { *p.add(i) = (i % 251) as u8 };
                    }
                    let q = unsafe { a.realloc(p, layout, to) };
                    assert!(!q.is_null());
                    assert!(aligned(q, align), "{from} -> {to} align {align}: {q:p}");
                    let kept = unsafe { std::slice::from_raw_parts(q, from.min(to)) };
                    assert!(
                        kept.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8),
                        "{from} -> {to} align {align}"
                    );
                    unsafe { a.dealloc(q, Layout::from_size_align(to, align).unwrap()) };
                }
            }
        }
    }
}
