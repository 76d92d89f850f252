//! Single sign-on through an OpenID Connect provider (Microsoft Entra ID, or any other
//! that publishes its configuration): the authorization code flow with PKCE, as a
//! confidential client. `begin` makes the provider's address with a fresh state, nonce
//! and PKCE challenge; `finish` exchanges the code the provider sent back, checks the
//! ID token (signature with the provider's published keys, issuer, audience, expiry,
//! nonce) and gives the value of the claim that names the person in Praxis. The pages
//! (`web::sso`) keep what must be checked between the two and start the session.
//!
//! The provider's configuration and keys are read at start (a wrong issuer stops the
//! server with what to fix), again when they are older than `CONFIGURATION_AGE`, and
//! at once when an ID token's signature does not check out against those read, so a
//! provider's new signing keys are taken up without a restart.

use openidconnect::core::{CoreClient, CoreGenderClaim, CoreProviderMetadata, CoreResponseType};
use openidconnect::{AdditionalClaims, OAuth2TokenResponse};
use openidconnect::{
    AsyncHttpClient, AuthenticationFlow, AuthorizationCode, ClaimsVerificationError, ClientId,
    ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet, EndpointSet, HttpRequest,
    HttpResponse, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    TokenResponse, UserInfoClaims,
};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The path the provider sends the browser back to, under the server's public address.
pub const CALLBACK_PATH: &str = "/sign-in/sso/callback";

/// How old the provider's configuration and keys may be before they are read again.
const CONFIGURATION_AGE: Duration = Duration::from_secs(600);

/// The claims Praxis understands by name; any other is read as a string from the
/// checked ID token.
pub const DEFAULT_CLAIM: &str = "email";

/// How the server signs people in through the provider. Not `Debug`: it holds the
/// client secret, which is never printed.
#[derive(Clone)]
pub struct SsoSettings {
    /// The provider's issuer URL (its configuration is at
    /// `<issuer>/.well-known/openid-configuration`).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// The address people reach this server at; the provider sends them back to
    /// `<public_url>/sign-in/sso/callback`, which must be registered with it.
    pub public_url: String,
    /// The ID token claim whose value is a Praxis username: `email` (checked as
    /// verified when the provider says), `preferred_username`, `sub`, `upn` or any
    /// other string claim.
    pub claim: String,
    /// What the sign-in button calls the provider ("Sign in with …").
    pub provider_name: String,
}

/// Why the provider could not be used or its answer was refused: said to the person
/// on the sign-in page (and logged), never with a token in it.
#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    #[error(
        "The sign-in service could not be reached or answered unexpectedly ({0}). Try again in a minute; if it goes on, tell your Praxis administrator."
    )]
    Provider(String),
    #[error(
        "The sign-in service did not confirm who you are: {0}. Nobody was signed in; try signing in again."
    )]
    Refused(String),
}

/// The client as the provider's configuration sets it up.
type Configured = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// A sign-in begun: where to send the browser, and what `finish` checks the answer
/// with (kept by the server until the browser is back).
pub struct Begun {
    pub authorize_url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

pub struct Sso {
    settings: SsoSettings,
    issuer: IssuerUrl,
    redirect: RedirectUrl,
    http: ProviderHttp,
    configured: Mutex<Option<(Instant, Arc<Configured>)>>,
}

impl Sso {
    /// Checks the settings and reads the provider's configuration once, so a server
    /// set up wrongly says so at start.
    pub async fn connect(settings: SsoSettings) -> Result<Sso, String> {
        let issuer = IssuerUrl::new(settings.issuer.trim().to_string()).map_err(|e| {
            format!(
                "--oidc-issuer '{}' is not a URL ({e}); give the provider's issuer, such as https://login.microsoftonline.com/<tenant>/v2.0",
                settings.issuer
            )
        })?;
        let public = settings.public_url.trim().trim_end_matches('/');
        let redirect = RedirectUrl::new(format!("{public}{CALLBACK_PATH}")).map_err(|e| {
            format!(
                "--public-url '{}' is not a URL ({e}); give the address people reach this server at, such as https://praxis.example.org",
                settings.public_url
            )
        })?;
        if settings.client_id.trim().is_empty() {
            return Err(
                "--oidc-client-id is empty: give the client id the provider registered for Praxis"
                    .into(),
            );
        }
        if settings.claim.trim().is_empty() {
            return Err("--oidc-username-claim is empty: give the claim that holds a Praxis username, such as email".into());
        }
        let http = reqwest::Client::builder()
            // The provider's answers are read, never followed elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(|e| format!("could not make an HTTP client: {e}"))?;
        let sso = Sso {
            settings,
            issuer,
            redirect,
            http: ProviderHttp(http),
            configured: Mutex::new(None),
        };
        sso.client().await.map_err(|e| {
            format!(
                "the OpenID Connect provider at {} could not be used: {e}",
                sso.settings.issuer
            )
        })?;
        Ok(sso)
    }

    pub fn provider_name(&self) -> &str {
        &self.settings.provider_name
    }

    pub fn claim(&self) -> &str {
        &self.settings.claim
    }

    /// The client, with the provider's configuration read again when it is old.
    async fn client(&self) -> Result<Arc<Configured>, SsoError> {
        self.client_read_within(CONFIGURATION_AGE).await
    }

    /// The client, with the provider's configuration read again when older than `age`.
    async fn client_read_within(&self, age: Duration) -> Result<Arc<Configured>, SsoError> {
        if let Ok(held) = self.configured.lock()
            && let Some((read_at, client)) = held.as_ref()
            && read_at.elapsed() < age
        {
            return Ok(client.clone());
        }
        let metadata = CoreProviderMetadata::discover_async(self.issuer.clone(), &self.http)
            .await
            .map_err(|e| SsoError::Provider(chain(&e)))?;
        let client = Arc::new(
            CoreClient::from_provider_metadata(
                metadata,
                ClientId::new(self.settings.client_id.clone()),
                Some(ClientSecret::new(self.settings.client_secret.clone())),
            )
            .set_redirect_uri(self.redirect.clone()),
        );
        if let Ok(mut held) = self.configured.lock() {
            *held = Some((Instant::now(), client.clone()));
        }
        Ok(client)
    }

    /// Where to send the browser to sign in: the provider's authorization endpoint
    /// with a new state, nonce and PKCE challenge (S256).
    pub async fn begin(&self) -> Result<Begun, SsoError> {
        let client = self.client().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in ["email", "profile"] {
            request = request.add_scope(Scope::new(scope.into()));
        }
        let (url, state, nonce) = request.url();
        Ok(Begun {
            authorize_url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Exchanges `code` for tokens with the PKCE verifier, checks the ID token against
    /// `nonce`, and gives the value of the username claim.
    pub async fn finish(
        &self,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> Result<String, SsoError> {
        let client = self.client().await?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| SsoError::Provider(format!("the provider has no token endpoint ({e})")))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                openidconnect::RequestTokenError::ServerResponse(r) => SsoError::Refused(format!(
                    "the provider would not exchange the sign-in code ({})",
                    r.error()
                )),
                openidconnect::RequestTokenError::Parse(e, body) => {
                    tracing::warn!(
                        answer = %String::from_utf8_lossy(&body[..body.len().min(300)]),
                        "the provider's token answer could not be read"
                    );
                    SsoError::Provider(format!("its token answer could not be read: {e}"))
                }
                other => SsoError::Provider(chain(&other)),
            })?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| SsoError::Refused("the provider sent no ID token".into()))?;
        let nonce = Nonce::new(nonce.to_string());
        let verifier = client.id_token_verifier();
        let claims = match id_token.claims(&verifier, &nonce) {
            Ok(claims) => claims.clone(),
            // Signed with a key published since the keys were read: read them again,
            // and check once more.
            Err(ClaimsVerificationError::SignatureVerification(_)) => {
                let fresh = self.client_read_within(Duration::ZERO).await?;
                id_token
                    .claims(&fresh.id_token_verifier(), &nonce)
                    .map_err(|e| SsoError::Refused(refusal(&e)))?
                    .clone()
            }
            Err(e) => return Err(SsoError::Refused(refusal(&e))),
        };
        let claim = self.settings.claim.trim();
        // The ID token is checked, so its payload is the provider's word.
        let in_token = payload(&id_token.to_string()).unwrap_or_default();
        let mut value = claim_in(&in_token, claim)?;
        if value.is_none() {
            // Many providers put profile claims only at the userinfo endpoint; asked
            // with the access token, and refused unless it speaks of the same subject.
            let info: UserInfoClaims<AnyClaims, CoreGenderClaim> = client
                .user_info(
                    tokens.access_token().clone(),
                    Some(claims.subject().clone()),
                )
                .map_err(|_| {
                    SsoError::Refused(format!(
                        "the provider's ID token has no '{claim}' claim and the provider has no userinfo endpoint to ask"
                    ))
                })?
                .request_async(&self.http)
                .await
                .map_err(|e| SsoError::Provider(format!("its userinfo answer: {}", chain(&e))))?;
            // The standard claims and any others, by name, as the provider gave them.
            let all = match serde_json::to_value(&info) {
                Ok(serde_json::Value::Object(all)) => all,
                _ => serde_json::Map::new(),
            };
            value = claim_in(&all, claim)?;
        }
        value.ok_or_else(|| {
            SsoError::Refused(format!(
                "the provider sent no '{claim}' claim, which Praxis matches to a username (ask your administrator to have the provider send it, or to set --oidc-username-claim)"
            ))
        })
    }
}

/// The claims of a userinfo answer that are not standard, such as Entra ID's `upn`.
#[derive(Debug, Deserialize, Serialize)]
struct AnyClaims(serde_json::Map<String, serde_json::Value>);

impl AdditionalClaims for AnyClaims {}

/// The string claim `name` of a set of claims: `None` when it is missing or empty; an
/// `email` the provider says is not verified is refused.
fn claim_in(
    claims: &serde_json::Map<String, serde_json::Value>,
    name: &str,
) -> Result<Option<String>, SsoError> {
    let value = claims
        .get(name)
        .and_then(serde_json::Value::as_str)
        .map(str::trim)
        .filter(|v| !v.is_empty());
    if value.is_some()
        && name == "email"
        && claims.get("email_verified") == Some(&serde_json::Value::Bool(false))
    {
        return Err(SsoError::Refused(
            "the provider says your email address is not verified".into(),
        ));
    }
    Ok(value.map(str::to_string))
}

/// The claims of a JWT's payload.
fn payload(jwt: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
    use base64::Engine;
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Why an ID token was refused, in words.
fn refusal(e: &ClaimsVerificationError) -> String {
    match e {
        ClaimsVerificationError::Expired(_) => "its ID token has expired".into(),
        ClaimsVerificationError::InvalidAudience(_) => {
            "its ID token was issued to another application, not to Praxis".into()
        }
        ClaimsVerificationError::InvalidNonce(_) => {
            "its ID token belongs to another sign-in (the nonce does not match)".into()
        }
        ClaimsVerificationError::InvalidIssuer(_) => {
            "its ID token comes from another issuer".into()
        }
        ClaimsVerificationError::SignatureVerification(_) => {
            "its ID token's signature does not check out against the provider's keys".into()
        }
        other => format!("its ID token was not valid ({other})"),
    }
}

/// An error and its causes, in one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// The provider asked over HTTP(S) with the workspace's reqwest.
struct ProviderHttp(reqwest::Client);

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ProviderUnreachable(String);

impl<'c> AsyncHttpClient<'c> for ProviderHttp {
    type Error = ProviderUnreachable;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request = reqwest::Request::try_from(request)
                .map_err(|e| ProviderUnreachable(e.to_string()))?;
            let response = self
                .0
                .execute(request)
                .await
                .map_err(|e| ProviderUnreachable(chain(&e)))?;
            let mut answer = openidconnect::http::Response::builder().status(response.status());
            for (name, value) in response.headers() {
                answer = answer.header(name, value);
            }
            let body = response
                .bytes()
                .await
                .map_err(|e| ProviderUnreachable(e.to_string()))?;
            answer
                .body(body.to_vec())
                .map_err(|e| ProviderUnreachable(e.to_string()))
        })
    }
}
