//! PostgreSQL as the store of record, with this file as the instance's cache
//! (`serve --database postgres://…`). Several instances serve one database; each keeps
//! in its own SQLite file what it derives from the record (documents, events, views)
//! and a copy of the tables of record, and works there as a single server does.
//!
//! - **Writing.** A stream's lock (`Writers::stream`) is also a PostgreSQL advisory
//!   lock on the stream, held on one connection for as long as the local lock. Under
//!   it the cache first catches up with the stream (`catch_up_stream`), then works as
//!   the embedded server does; every transaction's writes to the tables of record are
//!   caught (`capture.rs`) and committed to PostgreSQL (`publish.rs`) before the cache
//!   commits them. PostgreSQL refusing or unreachable rolls the cache back too.
//! - **Reading.** A read first catches the cache up with whatever PostgreSQL holds
//!   that it does not (the directory, then each stream that moved on).
//!
//! Nothing is ever in a cache that PostgreSQL does not hold, and a cache behind
//! PostgreSQL (a commit there whose commit here failed) catches up at its next use.

mod cache;
pub mod capture;
mod catch_up;
mod moving;
mod publish;
mod start;
mod streaming;
mod tables;

pub use cache::*;
pub use catch_up::*;
pub use moving::Moved;
