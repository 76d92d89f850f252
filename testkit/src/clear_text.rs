//! Reading a store's files' bytes, to look for text left in the clear.

use std::path::PathBuf;

/// Each of the files that exist, with its bytes.
pub fn with_bytes(paths: impl IntoIterator<Item = PathBuf>) -> Vec<(PathBuf, Vec<u8>)> {
    paths
        .into_iter()
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes =
                std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()));
            (p, bytes)
        })
        .collect()
}

/// Whether `needle` appears, as it is, in `haystack`.
pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}
