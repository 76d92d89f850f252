#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `PraxisStore::enrol_with_code`: a phone enrols with the one-time code its person
//! made in the browser, with no password typed on it, and syncs as them; a code used
//! already is `WrongEnrolmentCode`, saying where to make a new one.

use praxis_mobile::{CancelToken, PraxisError, PraxisStore, generate_key};
use praxis_testkit::server::{PASSWORD, running};
use praxis_testkit::web::Web;
use std::sync::Arc;

#[test]
fn a_phone_enrols_with_a_code_from_the_browser_and_syncs_as_its_person() {
    let setup = running();
    let url = setup.server.url.clone();
    let mut web = Web::sign_in_as(&url, "practitioner-north", PASSWORD);
    let (code, _) = web.enrolment_code();
    let phone = |name: &str| {
        PraxisStore::create(
            setup.dir.path().join(name).display().to_string(),
            "Asha".into(),
            generate_key().unwrap(),
        )
        .unwrap()
    };

    let asha = phone("asha.sqlite3");
    let identity = asha
        .enrol_with_code(url.clone(), code.replace('-', " "), "Asha's phone".into())
        .unwrap();
    assert_eq!(identity.name, "practitioner-north");
    assert_eq!(identity.server.as_deref(), Some(url.as_str()));
    let results = asha
        .sync(Arc::new(crate::Quiet), CancelToken::new())
        .unwrap();
    assert!(
        results
            .iter()
            .any(|r| r.name == "Independence at home" && r.synced && r.received > 0),
        "{results:?}"
    );

    let other = phone("other.sqlite3");
    let err = other
        .enrol_with_code(url.clone(), code, "Another phone".into())
        .unwrap_err();
    assert!(
        matches!(&err, PraxisError::WrongEnrolmentCode(m) if m.contains("/devices/enrol")),
        "{err:?}"
    );
    assert_eq!(other.identity().unwrap().server, None, "still not enrolled");
    let err = other
        .enrol_with_code(url, "  ".into(), "Another phone".into())
        .unwrap_err();
    assert!(matches!(err, PraxisError::InvalidInput(_)), "{err:?}");
}
