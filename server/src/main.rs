//! `praxis-server`: serve the API, or administer people, teams and devices.
//!
//! Long because it is every command's options, in clap's words, and their one dispatch.

use anyhow::{Context, Result, anyhow, bail};
use clap::{Parser, Subcommand};
use praxis_core::domain::event::{CollaborativeFounded, Scope};
use praxis_core::domain::hlc::WallClock;
use praxis_core::domain::printable::one_line;
use praxis_core::domain::role::Role;
use praxis_server::auth::hash_password;
use praxis_server::storage::{MasterKey, SqliteStorage, Storage, Views};
use std::net::SocketAddr;
use std::path::PathBuf;

/// The server folds whole streams for its audit views, and so makes and frees
/// hundreds of thousands of small values in a burst; mimalloc does that in a fraction
/// of the system allocator's time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "praxis-server",
    version,
    about = "The Praxis server: phones sync with it; coordinators, managers and auditors read from it."
)]
struct Cli {
    /// Where everything is kept (created on first start).
    #[arg(
        long,
        global = true,
        env = "PRAXIS_DATA_DIR",
        default_value = "./praxis-data"
    )]
    data_dir: PathBuf,
    /// The file holding the master key the data keys are wrapped under (64 hexadecimal
    /// digits; made, mode 0600, when missing). Keep it outside the data directory.
    /// Without this or PRAXIS_MASTER_KEY, `master.key` in the data directory is used.
    #[arg(long, global = true, env = "PRAXIS_MASTER_KEY_FILE")]
    master_key_file: Option<PathBuf>,
    /// PostgreSQL as the store of record, for several instances (postgres://user:pw@host/db):
    /// the data directory is then this instance's cache, and the master key must be given.
    #[arg(long, global = true, env = "PRAXIS_DATABASE_URL")]
    database: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Everything held about a person, by their pseudonymous reference (a subject
    /// access request): written to DIR as REFERENCE.json and REFERENCE.html (a page to
    /// print), and to the access log.
    SubjectAccess {
        /// The person's pseudonymous reference, such as P-0413.
        reference: String,
        /// The directory to write into (made when missing).
        #[arg(long)]
        out: PathBuf,
    },
    /// Retention: erase what has passed its period, or list it first.
    #[command(subcommand)]
    Retention(RetentionCommand),
    /// Move this data directory's deployment into an empty PostgreSQL database, and
    /// check the copy (the data directory is only read).
    Migrate {
        /// The data directory to move (the server on it stopped).
        #[arg(long)]
        from_data_dir: PathBuf,
        /// The empty database (postgres://user:password@host:5432/database).
        #[arg(long)]
        to: String,
    },
    /// Serve the API.
    Serve {
        #[arg(long, env = "PRAXIS_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Seed a demo collaborative (people in every role, two teams, data) on first start.
        #[arg(long)]
        demo: bool,
        /// How many days a device token stays valid.
        #[arg(long, default_value_t = 180)]
        token_days: i64,
        /// How many hours a browser session lasts (the field app's, too): a working day.
        #[arg(long, env = "PRAXIS_SESSION_HOURS", default_value_t = praxis_server::state::SESSION_HOURS, value_parser = clap::value_parser!(i64).range(1..=24 * 7))]
        session_hours: i64,
        /// The server is reached over TLS, through a proxy that ends it: answers carry
        /// Strict-Transport-Security.
        #[arg(long, env = "PRAXIS_BEHIND_TLS")]
        behind_tls: bool,
        /// The address of a proxy in front of the server (repeat, or separate with
        /// commas): for requests from it, the client's address is read from its
        /// X-Forwarded-For, for the limit of failed sign-ins per address.
        #[arg(
            long = "trusted-proxy",
            env = "PRAXIS_TRUSTED_PROXIES",
            value_delimiter = ','
        )]
        trusted_proxies: Vec<std::net::IpAddr>,
        /// The collaboratives' time zone (an IANA name): the pages show dates and
        /// times in it.
        #[arg(long, env = "PRAXIS_TIME_ZONE", default_value = praxis_server::local_time::DEFAULT_TIME_ZONE, value_parser = praxis_server::local_time::LocalTime::named)]
        time_zone: praxis_server::local_time::LocalTime,
        /// Connections open at once, at most; more wait until one closes.
        #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=65_536))]
        max_connections: u32,
        /// Seconds a connection has to send its request's headers.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
        header_timeout: u64,
        /// How the log on standard error is written: lines of text, or one JSON object
        /// per line for a log shipper. What is logged is set by RUST_LOG.
        #[arg(long, env = "PRAXIS_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
        log_format: LogFormat,
        /// The address people reach this server at, such as https://praxis.example.org:
        /// the enrolment page's commands name it, and single sign-on's provider sends
        /// people back to it.
        #[arg(long, env = "PRAXIS_PUBLIC_URL")]
        public_url: Option<String>,
        #[command(flatten)]
        sso: SsoArgs,
    },
    /// People, teams, memberships and devices.
    #[command(subcommand)]
    Admin(Admin),
}

/// Single sign-on through an OpenID Connect provider (Microsoft Entra ID, or any other),
/// beside passwords. Register Praxis with the provider as a web application whose
/// redirect URI is <public-url>/sign-in/sso/callback.
#[derive(clap::Args)]
struct SsoArgs {
    /// The provider's issuer URL, such as
    /// https://login.microsoftonline.com/<tenant>/v2.0; its configuration is read from
    /// <issuer>/.well-known/openid-configuration.
    #[arg(
        long,
        env = "PRAXIS_OIDC_ISSUER",
        requires_all = ["oidc_client_id", "oidc_client_secret", "public_url"]
    )]
    oidc_issuer: Option<String>,
    /// The client id the provider registered for Praxis.
    #[arg(long, env = "PRAXIS_OIDC_CLIENT_ID", requires = "oidc_issuer")]
    oidc_client_id: Option<String>,
    /// The client secret the provider gave Praxis; better in PRAXIS_OIDC_CLIENT_SECRET,
    /// which keeps it out of the process list.
    #[arg(
        long,
        env = "PRAXIS_OIDC_CLIENT_SECRET",
        hide_env_values = true,
        requires = "oidc_issuer"
    )]
    oidc_client_secret: Option<String>,
    /// The ID token claim whose value is a person's Praxis username: email (refused
    /// when the provider says it is not verified), preferred_username, sub, upn, or
    /// any other string claim.
    #[arg(long, env = "PRAXIS_OIDC_USERNAME_CLAIM", default_value = praxis_server::sso::DEFAULT_CLAIM)]
    oidc_username_claim: String,
    /// What the sign-in button calls the provider: "Sign in with <name>".
    #[arg(
        long,
        env = "PRAXIS_OIDC_PROVIDER_NAME",
        default_value = "your organisation's account"
    )]
    oidc_provider_name: String,
}

impl SsoArgs {
    fn settings(self, public_url: Option<String>) -> Option<praxis_server::sso::SsoSettings> {
        Some(praxis_server::sso::SsoSettings {
            issuer: self.oidc_issuer?,
            client_id: self.oidc_client_id?,
            client_secret: self.oidc_client_secret?,
            public_url: public_url?,
            claim: self.oidc_username_claim,
            provider_name: self.oidc_provider_name,
        })
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Admin {
    /// Create a collaborative.
    CreateCollaborative {
        #[arg(long)]
        name: String,
        #[arg(long)]
        topic: String,
        /// How people who use services were involved in choosing the topic.
        #[arg(long)]
        chosen_with: String,
    },
    /// Add a team to a collaborative.
    CreateTeam {
        /// The collaborative's id (or its name).
        #[arg(long)]
        collaborative: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        organisation: String,
    },
    /// Add a person who can sign in.
    CreatePerson {
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        /// Their first password (or PRAXIS_NEW_PASSWORD). Without one they have no
        /// password: they sign in through single sign-on, or set one with a one-time
        /// code an administrator issues at /admin.
        #[arg(long, env = "PRAXIS_NEW_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Give a person a role for a team or a whole collaborative.
    Grant {
        #[arg(long)]
        username: String,
        /// practitioner, advisor, coordinator, senior-manager, auditor, administrator or
        /// data-protection-officer (for a whole collaborative).
        #[arg(long)]
        role: String,
        /// A team's id or name.
        #[arg(
            long,
            conflicts_with = "collaborative",
            required_unless_present = "collaborative"
        )]
        team: Option<String>,
        /// A collaborative's id or name.
        #[arg(long)]
        collaborative: Option<String>,
    },
    /// End a membership.
    RevokeMembership {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// List collaboratives, teams, people and memberships.
    List,
    /// List enrolled devices.
    Devices,
    /// Revoke a device (lost, stolen, replaced): it can no longer sync.
    RevokeDevice {
        id: String,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand)]
enum RetentionCommand {
    /// Erase the sealed content whose retention period has ended and that no legal
    /// hold covers, recording each erasure (`serve` does this once a day).
    Run {
        /// List what would be erased, and what holds keep, and erase nothing.
        #[arg(long)]
        dry_run: bool,
        /// With --dry-run: list as of this day (YYYY-MM-DD), to see what is coming.
        #[arg(long, requires = "dry_run")]
        as_of: Option<String>,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let (data_dir, master_key_file) = (cli.data_dir.clone(), cli.master_key_file.clone());
    let place = Place {
        data_dir,
        master_key_file,
        database: cli.database.clone(),
    };
    match cli.command {
        Command::Serve {
            addr,
            demo,
            token_days,
            session_hours,
            behind_tls,
            trusted_proxies,
            time_zone,
            max_connections,
            header_timeout,
            log_format,
            public_url,
            sso,
        } => {
            let filter = tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "praxis_server=info".into());
            let log = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_writer(std::io::stderr);
            match log_format {
                LogFormat::Text => log.init(),
                LogFormat::Json => log.json().with_current_span(true).init(),
            }
            // The demo's seed runs on a story's clock (its months of work are recorded
            // and received at the story's times); the clock follows the system's
            // again once it is done. Without --demo, only the system clock.
            let story = if demo {
                praxis_server::demo::story_clock()
            } else {
                WallClock::system()
            };
            let master = master_key(&cli.master_key_file);
            let mut storage = open_storage(&place, story.clone()).map_err(said)?;
            warn_about_permissions(&cli.data_dir);
            if let Some(warning) = master.warning(&cli.data_dir) {
                tracing::warn!("{warning}");
            }
            if demo {
                praxis_server::demo::seed(&mut storage, &story)
                    .map_err(|e| anyhow!("seeding the demo: {e}"))?;
            }
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(praxis_server::serve(
                Box::new(storage),
                praxis_server::Options {
                    addr,
                    token_days,
                    session_hours,
                    behind_tls,
                    trusted_proxies,
                    connections: max_connections as usize,
                    header_read: std::time::Duration::from_secs(header_timeout),
                    local_time: time_zone,
                    sso: sso.settings(public_url.clone()),
                    public_url,
                },
            ))
        }
        Command::SubjectAccess { reference, out } => {
            let storage = open_storage(&place, WallClock::system()).map_err(said)?;
            subject_access(&storage, &reference, &out)
        }
        Command::Retention(RetentionCommand::Run { dry_run, as_of }) => {
            let storage = open_storage(&place, WallClock::system()).map_err(said)?;
            let day = praxis_server::api::day(as_of.as_deref()).map_err(|e| anyhow!("{e}"))?;
            let reports = storage.retention(None, day).map_err(said)?;
            if !dry_run {
                storage.run_retention(day).map_err(said)?;
            }
            for report in &reports {
                print!("{}", report.listing(!dry_run));
            }
            if reports.is_empty() {
                println!("There is no collaborative yet.");
            }
            Ok(())
        }
        Command::Admin(admin) => {
            let storage = open_storage(&place, WallClock::system()).map_err(said)?;
            warn_about_permissions(&cli.data_dir);
            administer(&storage, admin)
        }
        Command::Migrate { from_data_dir, to } => {
            let master = master_key(&place.master_key_file);
            let moved =
                SqliteStorage::move_to_postgres(&from_data_dir, &master, &to).map_err(said)?;
            println!(
                "Moved and checked: {} streams with {} changes, {} receipts, {} people, {} devices, {} reads in the access log.",
                moved.streams,
                moved.changes,
                moved.receipts,
                moved.people,
                moved.devices,
                moved.accesses
            );
            if master == MasterKey::InDataDir {
                println!(
                    "Every instance needs the master key the data keys are wrapped under: it is {}. Give it with --master-key-file or PRAXIS_MASTER_KEY, and keep it apart from the database.",
                    from_data_dir.join("master.key").display()
                );
            }
            Ok(())
        }
    }
}

/// The data directory alone, or PostgreSQL with the data directory as a cache.
fn open_storage(
    place: &Place,
    wall: WallClock,
) -> std::result::Result<SqliteStorage, praxis_server::storage::StorageError> {
    let master = master_key(&place.master_key_file);
    match &place.database {
        Some(url) => SqliteStorage::open_on_postgres(&place.data_dir, wall, &master, url),
        None => SqliteStorage::open_with_key(&place.data_dir, wall, &master),
    }
}

struct Place {
    data_dir: PathBuf,
    master_key_file: Option<PathBuf>,
    database: Option<String>,
}

/// Where the master key comes from: `PRAXIS_MASTER_KEY` (the key itself), else
/// `--master-key-file`, else the data directory.
fn master_key(file: &Option<PathBuf>) -> MasterKey {
    match (std::env::var("PRAXIS_MASTER_KEY"), file) {
        (Ok(key), _) if !key.trim().is_empty() => MasterKey::Given(key),
        (_, Some(file)) => MasterKey::File(file.clone()),
        _ => MasterKey::InDataDir,
    }
}

/// Writes everything held about `reference` into `out`, as JSON and as a printable page.
fn subject_access(storage: &SqliteStorage, reference: &str, out: &std::path::Path) -> Result<()> {
    let reference = reference.trim();
    if !praxis_core::domain::validation::pseudonymous(reference) {
        bail!(
            "'{reference}' is not a pseudonymous reference such as P-0413: Praxis refers to people only so."
        );
    }
    let access = storage
        .subject_access(
            None,
            praxis_server::storage::SubjectReader::Server,
            "praxis-server subject-access",
            reference,
        )
        .map_err(said)?;
    std::fs::create_dir_all(out).with_context(|| format!("making {}", out.display()))?;
    let json = out.join(format!("{reference}.json"));
    let html = out.join(format!("{reference}.html"));
    std::fs::write(&json, serde_json::to_vec_pretty(&access)?)
        .with_context(|| format!("writing {}", json.display()))?;
    std::fs::write(
        &html,
        praxis_server::web::subject_access_page(&access).into_string(),
    )
    .with_context(|| format!("writing {}", html.display()))?;
    println!(
        "{} {} about {reference}: {} and {}",
        access.records.len(),
        if access.records.len() == 1 {
            "record"
        } else {
            "records"
        },
        json.display(),
        html.display()
    );
    Ok(())
}

/// Says, on standard error, what in the data directory others may read, and the fix.
fn warn_about_permissions(data_dir: &std::path::Path) {
    for warning in praxis_server::storage::permission_warnings(data_dir) {
        eprintln!("warning: {warning}");
    }
}

fn collaborative(
    storage: &SqliteStorage,
    text: &str,
) -> Result<praxis_core::domain::ids::StreamId> {
    let all = storage.collaboratives().map_err(said)?;
    let found: Vec<_> = all
        .iter()
        .filter(|(id, name)| id.to_string() == text || name.eq_ignore_ascii_case(text))
        .collect();
    match found.as_slice() {
        [(id, _)] => Ok(*id),
        [] => bail!("There is no collaborative '{text}'. `praxis-server admin list` shows them."),
        _ => bail!("Several collaboratives are called '{text}'; give its id."),
    }
}

fn team(storage: &SqliteStorage, text: &str) -> Result<praxis_core::domain::ids::EventId> {
    let all = storage.teams().map_err(said)?;
    let found: Vec<_> = all
        .iter()
        .filter(|t| t.id.to_string() == text || t.name.eq_ignore_ascii_case(text))
        .collect();
    match found.as_slice() {
        [t] => Ok(t.id),
        [] => bail!("There is no team '{text}'. `praxis-server admin list` shows them."),
        _ => bail!("Several teams are called '{text}'; give its id."),
    }
}

/// An error as a person at the terminal reads it: in the server's own words.
fn said(e: impl Into<praxis_server::error::ServerError>) -> anyhow::Error {
    anyhow!("{}", e.into())
}

fn administer(storage: &SqliteStorage, admin: Admin) -> Result<()> {
    match admin {
        Admin::CreateCollaborative {
            name,
            topic,
            chosen_with,
        } => {
            let id = storage
                .add_collaborative(CollaborativeFounded {
                    name,
                    topic,
                    chosen_with,
                })
                .map_err(said)?;
            println!("Collaborative created: {id}");
        }
        Admin::CreateTeam {
            collaborative: c,
            name,
            organisation,
        } => {
            let c = collaborative(storage, &c)?;
            let id = storage.add_team(c, &name, &organisation).map_err(said)?;
            println!("Team created: {id}");
        }
        Admin::CreatePerson {
            username,
            name,
            password,
        } => {
            let hash = match &password {
                Some(p) if p.len() < 8 => {
                    bail!("The password is too short: give at least 8 characters.")
                }
                Some(p) => hash_password(p).map_err(said)?,
                // A password nobody knows: nobody signs in with one until they set it.
                None => {
                    let unusable = praxis_server::auth::new_token().map_err(said)?;
                    hash_password(&unusable).map_err(said)?
                }
            };
            let id = storage.add_person(&username, &name, &hash).map_err(said)?;
            println!("Person created: {id} ({username})");
            if password.is_none() {
                println!(
                    "{name} has no password: they sign in through single sign-on, or set a password with a one-time code an administrator issues at /admin."
                );
            }
        }
        Admin::Grant {
            username,
            role,
            team: t,
            collaborative: c,
        } => {
            let role = Role::from_name(&role).with_context(|| {
                format!("'{role}' is not a role: use practitioner, advisor, coordinator, senior-manager, auditor, administrator or data-protection-officer")
            })?;
            let (person, _, _) = storage
                .credentials(&username)
                .map_err(said)?
                .with_context(|| format!("There is no person '{username}'."))?;
            let scope = match (t, c) {
                (Some(t), _) => Scope::Team(team(storage, &t)?),
                (None, Some(c)) => Scope::Collaborative(collaborative(storage, &c)?),
                (None, None) => bail!("Give --team or --collaborative."),
            };
            let id = storage.grant(person, role, scope).map_err(said)?;
            println!("Membership granted: {id}");
        }
        Admin::RevokeMembership { id, reason } => {
            let id = id
                .parse()
                .map_err(|_| anyhow!("'{id}' is not a membership id"))?;
            storage.revoke_membership(id, &reason).map_err(said)?;
            println!("Membership revoked.");
        }
        Admin::List => {
            for (id, name) in storage.collaboratives().map_err(said)? {
                println!("collaborative {id}  {}", one_line(&name));
            }
            for t in storage.teams().map_err(said)? {
                println!(
                    "team          {}  {} ({})",
                    t.id,
                    one_line(&t.name),
                    one_line(&t.organisation)
                );
            }
            let people = storage.people().map_err(said)?;
            for p in &people {
                println!(
                    "person        {}  {} ({})",
                    p.id,
                    one_line(&p.username),
                    one_line(&p.name)
                );
            }
            for m in storage.memberships().map_err(said)? {
                let who = people
                    .iter()
                    .find(|p| p.id == m.person)
                    .map(|p| one_line(&p.username))
                    .unwrap_or("?".into());
                let scope = match m.scope {
                    Scope::Collaborative(c) => format!("collaborative {c}"),
                    Scope::Team(t) => format!("team {t}"),
                };
                println!(
                    "membership    {}  {who} is {} for {scope}{}",
                    m.id,
                    m.role.name(),
                    if m.revoked() { " (revoked)" } else { "" }
                );
            }
        }
        Admin::Devices => {
            for d in storage.devices().map_err(said)? {
                println!(
                    "{}  {}  of {}  enrolled {}  {}",
                    d.id,
                    one_line(&d.name),
                    one_line(&d.person_name),
                    d.enrolled_at,
                    one_line(&format!("{:?}", d.status))
                );
            }
        }
        Admin::RevokeDevice { id, reason } => {
            let id = id
                .parse()
                .map_err(|_| anyhow!("'{id}' is not a device id"))?;
            storage.revoke_device(id, &reason).map_err(said)?;
            println!("Device revoked: it can no longer sync.");
        }
    }
    Ok(())
}
