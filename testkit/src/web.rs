//! A browser without JavaScript for tests of the pages: it keeps the session cookie,
//! does not follow redirects, and posts forms as a browser does.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use praxis_server::demo::DEMO_PASSWORD;
use reqwest::StatusCode;
use reqwest::blocking::Client;
use std::collections::HashMap;

/// A browser without JavaScript: keeps cookies, does not follow redirects.
pub struct Web {
    url: String,
    client: Client,
    pub cookies: HashMap<String, String>,
}

/// A response as the browser sees it; `body` is `bytes` read as text.
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    /// The file name a download is saved under (`Content-Disposition`), if any.
    pub disposition: Option<String>,
    pub set_cookies: Vec<String>,
    pub body: String,
    pub bytes: Vec<u8>,
}

/// The value of the first `name="..." value="..."` input in a page.
pub fn field(html: &str, name: &str) -> String {
    let start = html
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no field {name} in the page"));
    let rest = &html[start + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_string()
}

impl Web {
    pub fn new(url: &str) -> Web {
        Web {
            url: url.to_string(),
            client: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: HashMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn take(&mut self, response: reqwest::blocking::Response) -> Page {
        let status = response.status();
        let location = response
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_string());
        let disposition = response
            .headers()
            .get("content-disposition")
            .map(|v| v.to_str().unwrap().to_string());
        let set_cookies: Vec<String> = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        for c in &set_cookies {
            let pair = c.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            if v.is_empty() {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
        let bytes = response.bytes().unwrap().to_vec();
        Page {
            status,
            location,
            disposition,
            set_cookies,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
        }
    }

    pub fn get(&mut self, path: &str) -> Page {
        let response = self
            .client
            .get(format!("{}{path}", self.url))
            .header("cookie", self.cookie_header())
            .send()
            .unwrap();
        self.take(response)
    }

    pub fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let body = crate::server::form_body(form);
        let response = self
            .client
            .post(format!("{}{path}", self.url))
            .header("cookie", self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .unwrap();
        self.take(response)
    }

    /// Signs in as a person of the demo collaborative.
    pub fn sign_in(url: &str, username: &str) -> Web {
        Web::sign_in_as(url, username, DEMO_PASSWORD)
    }

    /// Signs in through the sign-in form with `password`.
    pub fn sign_in_as(url: &str, username: &str, password: &str) -> Web {
        let mut web = Web::new(url);
        let form = web.get("/sign-in");
        let token = field(&form.body, "sign_in_token");
        let signed = web.post(
            "/sign-in",
            &[
                ("username", username),
                ("password", password),
                ("sign_in_token", &token),
                ("next", "/"),
            ],
        );
        assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
        web
    }

    /// The CSRF token of the signed-in session, from any page's sign-out form.
    pub fn csrf(&mut self) -> String {
        field(&self.get("/").body, "csrf")
    }

    /// Makes a one-time enrolment code through the form on `/devices/enrol`, as the
    /// signed-in person does: the code as the page shows it, and the page.
    pub fn enrolment_code(&mut self) -> (String, Page) {
        let form = self.get("/devices/enrol");
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        let csrf = field(&form.body, "csrf");
        let issued = self.post("/devices/enrol", &[("csrf", &csrf)]);
        assert_eq!(issued.status, StatusCode::OK, "{}", issued.body);
        (shown_code(&issued.body), issued)
    }
}

/// The enrolment code a page shows, as it shows it.
pub fn shown_code(html: &str) -> String {
    let marker = "data-enrolment-code>";
    let start = html.find(marker).expect("the page shows an enrolment code") + marker.len();
    html[start..start + html[start..].find('<').unwrap()].to_string()
}
