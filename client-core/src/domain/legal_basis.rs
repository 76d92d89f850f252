//! The grounds on which personal content may be erased.

use serde::{Deserialize, Serialize};

/// Why personal content may be erased (UK GDPR): the grounds of article 17(1), and the
/// end of a retention period (storage limitation, article 5(1)(e)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LegalBasis {
    /// Art. 17(1)(a): no longer necessary for the purpose it was collected for.
    NoLongerNecessary,
    /// Art. 17(1)(b): consent withdrawn, and no other lawful ground.
    ConsentWithdrawn,
    /// Art. 17(1)(c): the person objected, and no overriding legitimate grounds.
    Objection,
    /// Art. 17(1)(d): processed unlawfully.
    UnlawfullyProcessed,
    /// Art. 17(1)(e): erasure required by a legal obligation.
    LegalObligation,
    /// Art. 5(1)(e): the retention period for the record's kind has ended.
    RetentionEnded,
}

impl LegalBasis {
    pub const ALL: [LegalBasis; 6] = [
        LegalBasis::NoLongerNecessary,
        LegalBasis::ConsentWithdrawn,
        LegalBasis::Objection,
        LegalBasis::UnlawfullyProcessed,
        LegalBasis::LegalObligation,
        LegalBasis::RetentionEnded,
    ];

    /// The name the API, the CLI and the forms use.
    pub fn name(&self) -> &'static str {
        match self {
            LegalBasis::NoLongerNecessary => "no-longer-necessary",
            LegalBasis::ConsentWithdrawn => "consent-withdrawn",
            LegalBasis::Objection => "objection",
            LegalBasis::UnlawfullyProcessed => "unlawfully-processed",
            LegalBasis::LegalObligation => "legal-obligation",
            LegalBasis::RetentionEnded => "retention-ended",
        }
    }

    pub fn from_name(name: &str) -> Option<LegalBasis> {
        LegalBasis::ALL.into_iter().find(|b| b.name() == name)
    }

    /// In words, with the article it rests on.
    pub fn words(&self) -> &'static str {
        match self {
            LegalBasis::NoLongerNecessary => {
                "no longer necessary for the purpose it was collected for (UK GDPR art. 17(1)(a))"
            }
            LegalBasis::ConsentWithdrawn => "consent withdrawn (art. 17(1)(b))",
            LegalBasis::Objection => "the person objected (art. 17(1)(c))",
            LegalBasis::UnlawfullyProcessed => "processed unlawfully (art. 17(1)(d))",
            LegalBasis::LegalObligation => "a legal obligation to erase (art. 17(1)(e))",
            LegalBasis::RetentionEnded => "its retention period ended (art. 5(1)(e))",
        }
    }
}
