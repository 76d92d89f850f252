//! People as the pages name them.

use praxis_core::domain::ids::PersonId;
use std::collections::HashMap;

/// The person's name, or their id when the server does not know them.
pub fn person_name(names: &HashMap<PersonId, String>, id: PersonId) -> String {
    names
        .get(&id)
        .cloned()
        .unwrap_or_else(|| format!("person {id}"))
}
