//! One side of a same-run comparison of recording between two builds
//! (`scripts/compare-recording`): a project of 3,000 events, then one observation
//! recorded durably (`Store::record`) each time a line arrives on standard input,
//! answered with a line, so a driver can alternate two builds record by record and
//! both see the disk as it is at that moment. `end` stops it; it then prints the
//! median and mean time of a recording, the median CPU time, and the 90th percentile
//! (nanoseconds, one line).
//!
//! `KIND=caseload`: observations about one of a caseload of 30 people, in turn (each
//! person's first record makes their key; the rest use it). Otherwise each observation
//! is about a person not recorded before.
//! `PAGES=1`: the store's log is not checkpointed while recording, and the pages each
//! commit wrote are then listed by the table or index they belong to (on standard
//! error).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use praxis_core::domain::event::Event;
use praxis_testkit::Project;
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, Write};
use std::time::{Duration, Instant};

/// This thread's time on a CPU, in nanoseconds.
fn cpu_time() -> u64 {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").expect("schedstat");
    stat.split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a number")
}

fn main() {
    let caseload = std::env::var("KIND").is_ok_and(|k| k == "caseload");
    let pages = std::env::var("PAGES").is_ok();
    let mut project = Project::new();
    project.grow_to(3_000, 1_000);
    if pages {
        let conn = project.store.connection();
        conn.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
    }
    let (mut wall, mut cpu) = (Vec::new(), Vec::new());
    let mut out = std::io::stdout();
    writeln!(out, "ready").unwrap();
    out.flush().unwrap();
    for line in std::io::stdin().lock().lines() {
        if line.unwrap() == "end" {
            break;
        }
        let event = match project.generator.observation() {
            Event::ObservationRecorded(mut o) if caseload => {
                o.subject = Some(format!("C-{:02}", wall.len() % 30));
                Event::ObservationRecorded(o)
            }
            other => other,
        };
        let (start, used) = (Instant::now(), cpu_time());
        project.store.record(project.stream, event).unwrap();
        cpu.push(cpu_time() - used);
        wall.push(start.elapsed());
        writeln!(out, "ok").unwrap();
        out.flush().unwrap();
    }
    if pages {
        pages_by_tree(&project);
    }
    if wall.is_empty() {
        return;
    }
    let mean = wall.iter().sum::<Duration>() / wall.len() as u32;
    wall.sort();
    cpu.sort();
    writeln!(
        out,
        "{} {} {} {}",
        wall[wall.len() / 2].as_nanos(),
        mean.as_nanos(),
        cpu[cpu.len() / 2],
        wall[wall.len() * 9 / 10].as_nanos()
    )
    .unwrap();
}

/// The pages in the store's log by the B-tree (and kind of page) each is now, per
/// commit: the frames' page numbers read from the log, their owners from `dbstat`.
fn pages_by_tree(project: &Project) {
    let conn = project.store.connection();
    let mut owners = HashMap::new();
    let mut statement = conn
        .prepare("SELECT name || ' ' || pagetype, pageno FROM dbstat")
        .unwrap();
    for row in statement
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?)))
        .unwrap()
    {
        let (owner, page) = row.unwrap();
        owners.insert(page, owner);
    }
    let mut log = project.path.clone().into_os_string();
    log.push("-wal");
    let bytes = std::fs::read(&log).unwrap();
    let word = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    let page_size = word(8) as usize;
    let (mut at, mut commits) = (32, 0usize);
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    while at + 24 + page_size <= bytes.len() {
        let page = word(at);
        let owner = owners
            .get(&page)
            .cloned()
            .unwrap_or_else(|| "(free list or pointer map)".into());
        *counts.entry(owner).or_default() += 1;
        if word(at + 4) != 0 {
            commits += 1;
        }
        at += 24 + page_size;
    }
    let total: usize = counts.values().sum();
    let mut counts: Vec<_> = counts.into_iter().collect();
    counts.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    eprintln!(
        "{commits} commits, {:.2} pages each:",
        total as f64 / commits.max(1) as f64
    );
    for (owner, n) in counts.iter().filter(|(_, n)| *n * 50 > commits) {
        eprintln!("  {owner:<40} {:.2}", *n as f64 / commits as f64);
    }
}
