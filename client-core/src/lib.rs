//! Praxis client core: the domain, the local event log, replication and views.
//! See ARCHITECTURE.md for the layers and what each must not know.

pub mod audit;
pub mod dates;
pub mod domain;
pub mod protocol;
pub mod replication;

pub mod store;
pub mod sync;
