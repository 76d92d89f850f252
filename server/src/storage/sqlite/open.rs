//! Opening the data directory: its file made and migrated on first start (the
//! organisation stream founded with it), the master key checked, and the stores that
//! write and read it set up.

use super::*;

const SERVER_MIGRATIONS: &[&str] = &[
    include_str!("../001_server.sql"),
    include_str!("../002_access_log.sql"),
    include_str!("../003_web.sql"),
    include_str!("../004_field_devices.sql"),
    include_str!("../005_sign_in_failures.sql"),
    include_str!("../006_quarantine.sql"),
    include_str!("../007_password_resets.sql"),
    include_str!("../008_enrolment_codes.sql"),
    include_str!("../009_sso_sign_ins.sql"),
    include_str!("../010_data_keys.sql"),
    include_str!("../011_data_keys_by_subject.sql"),
];

fn migrate(conn: &Connection) -> Result<()> {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS server_schema (version INTEGER NOT NULL)")?;
    let version: i64 = conn.query_row(
        "SELECT coalesce(max(version), 0) FROM server_schema",
        [],
        |r| r.get(0),
    )?;
    if version > SERVER_MIGRATIONS.len() as i64 {
        return Err(StorageError::Unusable(format!(
            "the data directory was written by a newer praxis-server (schema {version}); update praxis-server"
        )));
    }
    for (i, sql) in SERVER_MIGRATIONS.iter().enumerate().skip(version as usize) {
        conn.execute_batch(&format!(
            "BEGIN; {sql}; INSERT INTO server_schema (version) VALUES ({}); COMMIT;",
            i + 1
        ))?;
    }
    Ok(())
}

impl SqliteStorage {
    /// Opens the data directory, creating it (and the organisation stream) on first start.
    pub fn open(data_dir: &Path) -> Result<SqliteStorage> {
        SqliteStorage::open_with_clock(data_dir, WallClock::system())
    }

    /// Opens the data directory with every store reading the time from `wall`: the
    /// system clock, but for the demo's seed, whose story clock stamps the records and
    /// receipts of its months of work until the story ends (`WallClock::end_story`).
    pub fn open_with_clock(data_dir: &Path, wall: WallClock) -> Result<SqliteStorage> {
        SqliteStorage::open_with_key(data_dir, wall, &MasterKey::InDataDir)
    }

    /// Opens the data directory with its data keys wrapped under `master` (see
    /// `master_key.rs`); refused when the directory's keys were wrapped under another.
    pub fn open_with_key(
        data_dir: &Path,
        wall: WallClock,
        master: &MasterKey,
    ) -> Result<SqliteStorage> {
        SqliteStorage::open_inner(data_dir, wall, master, None)
    }

    pub(super) fn open_inner(
        data_dir: &Path,
        wall: WallClock,
        master: &MasterKey,
        record: Option<std::sync::Arc<record::Record>>,
    ) -> Result<SqliteStorage> {
        let unusable = |what: &Path, e: std::io::Error| {
            StorageError::Unusable(format!("cannot set up {}: {e}", what.display()))
        };
        if !data_dir.exists() {
            std::fs::create_dir_all(data_dir).map_err(|e| unusable(data_dir, e))?;
            files::restrict_dir(data_dir).map_err(|e| unusable(data_dir, e))?;
        }
        let path = data_dir.join("praxis.sqlite3");
        let mut store = if path.exists() {
            Store::open(&path)?
        } else {
            let store = Store::create(&path, "Praxis server")?;
            files::restrict_file(&path).map_err(|e| unusable(&path, e))?;
            store
        };
        store.set_wall_clock(wall.clone());
        let secret = master.secret(data_dir)?;
        store.use_master_key(&secret)?;
        migrate(store.connection())?;
        let organisation = match store.setting("organisation_stream")? {
            Some(id) => StreamId(
                uuid::Uuid::parse_str(&id)
                    .map_err(|e| StorageError::Corrupt(format!("organisation stream: {e}")))?,
            ),
            None => {
                let founded = store.found_organisation("Praxis")?;
                store.set_setting("organisation_stream", &founded.stream.to_string())?;
                founded.stream
            }
        };
        let server_device = store.identity().device;
        let server_person = store.identity().person;
        if record.is_some() {
            record::prepare(store.connection(), true)?;
        }
        Ok(SqliteStorage {
            keyring: store.keyring(),
            readers: Readers::new(&path, store.keyring()),
            writers: Writers::open(
                &path,
                store,
                DOCUMENTS_IN_MEMORY,
                &wall,
                &secret,
                record,
                organisation,
            )?,
            organisation,
            server_device,
            server_person,
        })
    }
}
