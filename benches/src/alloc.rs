//! A counting global allocator: counts allocations and bytes on *client* threads only.
//!
//! A thread counts once it called [`count_this_thread`]: the benchmark marks the client
//! runtime's thread (and its blocking pool) so, while the loopback server runs in the same
//! process on its own thread, its allocations are never counted. Counters only grow; a measured
//! window is the difference of two [`snapshot`]s.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// The allocator installed by the benchmark binary.
pub struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);
static FREED: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}

/// Counts this thread's allocations from now on.
pub fn count_this_thread() {
    COUNTED.with(|c| c.set(true));
}

#[inline]
fn counted() -> bool {
    COUNTED.try_with(Cell::get).unwrap_or(false)
}

#[inline]
fn on_alloc(size: usize) {
    if counted() {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(size as u64, Relaxed);
    }
}

#[inline]
fn on_free(size: usize) {
    if counted() {
        FREED.fetch_add(size as u64, Relaxed);
    }
}

// SAFETY: every call is forwarded to `System` unchanged; the counters are atomics and the
// thread-local is a const-initialized `Cell` (no lazy initialization, no allocation).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        on_alloc(layout.size());
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        on_alloc(layout.size());
        System.alloc_zeroed(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        on_free(layout.size());
        System.dealloc(ptr, layout)
    }

    /// A `realloc` counts as one allocation of the new size and a free of the old one.
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        on_alloc(new_size);
        on_free(layout.size());
        System.realloc(ptr, layout, new_size)
    }
}

/// The counters at one instant.
#[derive(Clone, Copy, Debug, Default)]
pub struct Snapshot {
    /// Allocations (and reallocations) so far.
    pub allocs: u64,
    /// Bytes requested by them.
    pub bytes: u64,
    /// Bytes freed so far.
    pub freed: u64,
}

/// Reads the counters.
pub fn snapshot() -> Snapshot {
    Snapshot {
        allocs: ALLOCS.load(Relaxed),
        bytes: BYTES.load(Relaxed),
        freed: FREED.load(Relaxed),
    }
}

impl Snapshot {
    /// What happened between `earlier` and `self`.
    pub fn since(self, earlier: Snapshot) -> Snapshot {
        Snapshot {
            allocs: self.allocs - earlier.allocs,
            bytes: self.bytes - earlier.bytes,
            freed: self.freed - earlier.freed,
        }
    }

    /// Bytes still held: allocated minus freed (may be negative when older memory was freed).
    pub fn retained(self) -> i64 {
        self.bytes as i64 - self.freed as i64
    }
}
