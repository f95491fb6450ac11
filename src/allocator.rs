//! The server's memory allocator: mimalloc, set up to give memory back.
//!
//! Under 64 clients recording readings, glibc's `malloc` and `free` were a
//! tenth of the server's CPU; with mimalloc the server answered 3–35% more
//! requests a second in side-by-side runs (BENCHMARKS.md, ingestion).
//! Left at its defaults, mimalloc raised the peak memory of the order
//! report of 2,000 batches from 128 MiB (glibc) to 185 MiB. Measured with
//! its environment variables: purging freed memory at once alone, 154 MiB;
//! with arenas committed as they are used as well, 100 MiB. Purging after
//! 100 ms instead of at once gives back less (109 MiB) but faults fewer
//! pages in again: 200 imports of 500 units and their report took 5–10%
//! less time. Those two are the defaults set here; `MIMALLOC_PURGE_DELAY`
//! and `MIMALLOC_ARENA_EAGER_COMMIT` still override them.

use libmimalloc_sys::{mi_option_set_default, mi_option_t};
use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicBool, Ordering};

/// mimalloc, with its options set before its first allocation: the
/// `lotcheck` binary's global allocator.
///
/// mimalloc reserves its first arena at the first allocation, which the
/// Rust runtime makes before `main`; how that arena is committed is fixed
/// then, so the options are set on the way into the first call.
pub struct Allocator;

/// Whether the options are set. Relaxed: setting them twice is harmless.
static SET_UP: AtomicBool = AtomicBool::new(false);

impl Allocator {
    #[inline]
    fn set_up() {
        if !SET_UP.load(Ordering::Relaxed) {
            give_memory_back();
            SET_UP.store(true, Ordering::Relaxed);
        }
    }
}

// SAFETY: every call is passed on to mimalloc unchanged.
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Self::set_up();
        mimalloc::MiMalloc.alloc(layout)
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Self::set_up();
        mimalloc::MiMalloc.alloc_zeroed(layout)
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        mimalloc::MiMalloc.dealloc(ptr, layout)
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        mimalloc::MiMalloc.realloc(ptr, layout, new_size)
    }
}

/// `mi_option_arena_eager_commit` in mimalloc 3's `mi_option_e`
/// (`c_src/mimalloc/v3/include/mimalloc.h` of libmimalloc-sys 0.1.49,
/// pinned in Cargo.toml), which its Rust bindings do not name. Default 2:
/// eager on systems that overcommit, as Linux does.
const ARENA_EAGER_COMMIT: mi_option_t = 4;

/// `mi_option_purge_delay` in the same enum: how many milliseconds freed
/// memory waits before it is given back. Default 1,000 (`src/options.c`;
/// the header's comment still says 10).
const PURGE_DELAY: mi_option_t = 15;

/// How long freed memory waits before it is given back, in milliseconds.
const PURGE_AFTER_MS: std::os::raw::c_long = 100;

/// Commits arenas as they are used and gives freed memory back after
/// [`PURGE_AFTER_MS`], unless the environment says otherwise
/// (`mi_option_set_default` leaves an option the environment set).
/// Idempotent; called by [`Allocator`] before its first allocation.
fn give_memory_back() {
    // SAFETY: mi_option_set_default only stores a value in mimalloc's
    // option table (it allocates nothing).
    unsafe {
        mi_option_set_default(ARENA_EAGER_COMMIT, 0);
        mi_option_set_default(PURGE_DELAY, PURGE_AFTER_MS);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use libmimalloc_sys::mi_option_get;

    /// The options as mimalloc reads them now: (eager commit, purge delay).
    fn current() -> (std::os::raw::c_long, std::os::raw::c_long) {
        // SAFETY: mi_option_get only reads mimalloc's option table.
        unsafe {
            (
                mi_option_get(ARENA_EAGER_COMMIT),
                mi_option_get(PURGE_DELAY),
            )
        }
    }

    /// The numbers name the options meant: before they are set, each reads
    /// its default as mimalloc's `src/options.c` sets it (2 and 1,000);
    /// after, what was set. Skipped where the environment sets either (by
    /// its name or its older one).
    #[test]
    fn the_options_set_are_eager_commit_and_purge_delay() {
        let set_by_environment = [
            "MIMALLOC_ARENA_EAGER_COMMIT",
            "MIMALLOC_EAGER_REGION_COMMIT",
            "MIMALLOC_PURGE_DELAY",
            "MIMALLOC_RESET_DELAY",
        ]
        .iter()
        .any(|name| std::env::var_os(name).is_some());
        if set_by_environment {
            eprintln!("skipped: the environment sets mimalloc's options");
            return;
        }
        assert_eq!(current(), (2, 1_000));
        give_memory_back();
        assert_eq!(current(), (0, PURGE_AFTER_MS));
    }
}
