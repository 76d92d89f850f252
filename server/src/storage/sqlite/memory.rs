//! Memory handed back to the system after a large piece of work (a backlog taken, a
//! step of compaction). The server's allocator, mimalloc, keeps the pages a thread
//! freed for that thread, and gives them back only a second later and only when the
//! thread allocates again; a blocking worker that took a large backlog would otherwise
//! hold them while another worker compacts the stream, and the two peaks would add up.

/// Gives back to the system the pages the calling thread freed.
#[allow(unsafe_code)]
pub fn give_back() {
    // SAFETY: `mi_collect` has no preconditions: it frees nothing in use, it only
    // returns pages that hold no live allocation. When mimalloc is not the process's
    // allocator (the tests that link this library) its own empty heap is collected.
    unsafe { libmimalloc_sys::mi_collect(true) }
}
