//! The request-body target's input: which route the body goes to (first byte), with
//! which content type (second byte), and the body (the rest, with placeholders for
//! the fixture's ids). Each route is sent as the browser, field app or phone that
//! uses it would send it: with the session's cookie, the sign-in form's cookie or the
//! field app's token.

/// Who sends a request, and so what it carries besides its body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sender {
    /// A device enrolling: nothing but the body.
    Device,
    /// A browser posting the sign-in form: its double-submit cookie.
    SigningIn,
    /// The coordinator's signed-in browser: the session cookie.
    Browser,
    /// The practitioner's field app: its bearer token.
    FieldApp,
}

/// A route that takes a body.
pub struct Route {
    /// Its path, `{project}` and `{report}` standing for the fixture's ids.
    pub path: &'static str,
    /// The content type its sender sends.
    pub content_type: &'static str,
    pub sender: Sender,
}

pub const JSON: &str = "application/json";
pub const FORM: &str = "application/x-www-form-urlencoded";

pub const ROUTES: [Route; 8] = [
    Route {
        path: "/api/v1/devices",
        content_type: JSON,
        sender: Sender::Device,
    },
    Route {
        path: "/sign-in",
        content_type: FORM,
        sender: Sender::SigningIn,
    },
    Route {
        path: "/sign-out",
        content_type: FORM,
        sender: Sender::Browser,
    },
    Route {
        path: "/projects/{project}/reports",
        content_type: FORM,
        sender: Sender::Browser,
    },
    Route {
        path: "/projects/{project}/decisions",
        content_type: FORM,
        sender: Sender::Browser,
    },
    Route {
        path: "/reports/{report}/score",
        content_type: FORM,
        sender: Sender::Browser,
    },
    Route {
        path: "/field/device",
        content_type: JSON,
        sender: Sender::Browser,
    },
    Route {
        path: "/api/v1/field/records",
        content_type: JSON,
        sender: Sender::FieldApp,
    },
];

/// What the second byte makes of the content type: the route's own, another of the
/// two, none at all, or one no route takes.
const CONTENT_TYPES: usize = 4;

/// One request: the route, the content type to send (if any), and the body.
pub struct Request<'a> {
    pub route: &'a Route,
    pub content_type: Option<&'static str>,
    pub body: &'a [u8],
}

pub fn parse(data: &[u8]) -> Request<'_> {
    let (route, content, body) = match data {
        [route, content, body @ ..] => (*route, *content, body),
        [route] => (*route, 0, &[][..]),
        [] => (0, 0, &[][..]),
    };
    let route = &ROUTES[usize::from(route) % ROUTES.len()];
    let content_type = match usize::from(content) % CONTENT_TYPES {
        0 => Some(route.content_type),
        1 if route.content_type == JSON => Some(FORM),
        1 => Some(JSON),
        2 => None,
        _ => Some("text/plain; charset=utf-8"),
    };
    Request {
        route,
        content_type,
        body,
    }
}

/// The input `parse` reads as `body` sent to the route at `route` in `ROUTES` with
/// its own content type.
pub fn encode(route: usize, body: &[u8]) -> Vec<u8> {
    assert!(route < ROUTES.len(), "there are {} routes", ROUTES.len());
    let mut out = vec![route as u8, 0];
    out.extend_from_slice(body);
    out
}
