//! The workspace's shape, checked from its sources, so that ARCHITECTURE.md stays
//! true: inside each crate no modules import each other in a circle (at any depth),
//! each crate's top-level modules import only from lower layers, and no source file
//! runs past 600 lines without saying at its top why it is long.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Lines a source file may have before it must say why it is long.
const LONGEST_FILE: usize = 600;
/// What a long file says in the comment it opens with.
const LONG_BECAUSE: &str = "Long because";

/// Each crate's top-level modules, lowest layer first. A module may import from its
/// own layer (without a cycle) and from the layers below it, never from above.
const LAYERS: &[(&str, &[&[&str]])] = &[
    (
        "client-core",
        &[
            &["dates"],
            &["domain"],
            &["replication"],
            &["store"],
            &["audit"],
            &["protocol"],
            &["sync"],
        ],
    ),
    (
        "server",
        &[
            &["credentials", "local_time", "sso"],
            &["storage"],
            &["error"],
            &["sign_in_limit", "state"],
            &["auth", "access"],
            &["audit", "transport"],
            &["api", "web", "demo", "edges"],
            &["field"],
            &["app"],
            &["serving"],
        ],
    ),
    (
        "mobile",
        &[
            &["error"],
            &["input", "store"],
            &[
                "recording",
                "collaborative",
                "project_records",
                "amending",
                "evidence",
                "reads",
                "sync",
            ],
        ],
    ),
    (
        "cli",
        &[
            &["exit"],
            &["device", "render"],
            &["audit", "context"],
            &["args"],
            &["commands"],
        ],
    ),
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the e2e crate sits in the workspace")
        .to_path_buf()
}

/// A module path inside a crate: `[]` is the crate root, `["web", "dashboard"]` is
/// `crate::web::dashboard`.
type ModulePath = Vec<String>;

/// Every library module of a crate (binaries under `src/bin` and `main.rs` are roots
/// of their own and left out), with its source.
fn modules(src: &Path) -> BTreeMap<ModulePath, String> {
    let mut found = BTreeMap::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            let relative = path.strip_prefix(src).expect("under src").to_path_buf();
            if path.is_dir() {
                if relative != Path::new("bin") {
                    dirs.push(path);
                }
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") || relative == Path::new("main.rs") {
                continue;
            }
            let mut module: ModulePath = relative
                .with_extension("")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(module.last().map(String::as_str), Some("mod" | "lib")) {
                module.pop();
            }
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            found.insert(module, text);
        }
    }
    found
}

/// The paths a source names through `crate::` or `super::`, resolved against the
/// module `at`, with `{a, b::c}` groups expanded. Comments are left out.
fn references(at: &ModulePath, text: &str) -> Vec<ModulePath> {
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = Vec::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &code[i..];
        let before_ok = i == 0 || !is_ident(bytes[i - 1] as char);
        let (base, skip) = if before_ok && rest.starts_with("crate::") {
            (Vec::new(), "crate::".len())
        } else if before_ok && rest.starts_with("super::") {
            let mut base = at.clone();
            let mut skip = 0;
            while code[i + skip..].starts_with("super::") {
                base.pop();
                skip += "super::".len();
            }
            (base, skip)
        } else {
            i += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        };
        let (paths, used) = path_tree(&code[i + skip..]);
        for p in paths {
            let mut full = base.clone();
            full.extend(p);
            found.push(full);
        }
        i += skip + used.max(1);
    }
    found
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Reads `a::b::{c, d::e}` from the start of `text`: the paths it names and how many
/// bytes it took.
fn path_tree(text: &str) -> (Vec<Vec<String>>, usize) {
    let mut prefix = Vec::new();
    let mut i = 0;
    loop {
        let ident: String = text[i..].chars().take_while(|c| is_ident(*c)).collect();
        if !ident.is_empty() {
            i += ident.len();
            prefix.push(ident);
            if text[i..].starts_with("::") {
                i += 2;
                continue;
            }
            return (vec![prefix], i);
        }
        if text[i..].starts_with('{') {
            i += 1;
            let mut paths = Vec::new();
            loop {
                let skipped = text[i..].len() - text[i..].trim_start().len();
                i += skipped;
                if text[i..].starts_with('}') || i >= text.len() {
                    i += 1;
                    break;
                }
                let (inner, used) = path_tree(&text[i..]);
                for p in inner {
                    let mut full = prefix.clone();
                    full.extend(p);
                    paths.push(full);
                }
                i += used.max(1);
                // Past `as name`, to the next item or the end of the group.
                while i < text.len() && !text[i..].starts_with(',') && !text[i..].starts_with('}') {
                    i += text[i..].chars().next().map_or(1, char::len_utf8);
                }
                if text[i..].starts_with(',') {
                    i += 1;
                }
            }
            return (paths, i);
        }
        return (vec![prefix], i);
    }
}

/// The longest module that `path` starts with.
fn module_of(path: &[String], known: &BTreeMap<ModulePath, String>) -> ModulePath {
    (0..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|m| known.contains_key(m))
        .unwrap_or_default()
}

/// For every module with children, which child imports which sibling (through any of
/// its descendants).
fn sibling_edges(
    known: &BTreeMap<ModulePath, String>,
) -> BTreeMap<ModulePath, BTreeSet<(String, String)>> {
    let mut edges: BTreeMap<ModulePath, BTreeSet<(String, String)>> = BTreeMap::new();
    for (from, text) in known {
        for reference in references(from, text) {
            let to = module_of(&reference, known);
            let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
            if let (Some(a), Some(b)) = (from.get(common), to.get(common)) {
                edges
                    .entry(from[..common].to_vec())
                    .or_default()
                    .insert((a.clone(), b.clone()));
            }
        }
    }
    edges
}

/// A cycle among `edges`, as the modules on it, if there is one.
fn cycle(edges: &BTreeSet<(String, String)>) -> Option<Vec<String>> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (a, b) in edges {
        next.entry(a).or_default().push(b);
    }
    // Depth-first search, keeping the path: a node met again on the path closes a cycle.
    fn visit<'a>(
        node: &'a str,
        next: &BTreeMap<&'a str, Vec<&'a str>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| *n == node) {
            let mut found: Vec<String> = path[at..].iter().map(|s| s.to_string()).collect();
            found.push(node.to_string());
            return Some(found);
        }
        if !done.insert(node) {
            return None;
        }
        path.push(node);
        for n in next.get(node).into_iter().flatten() {
            if let Some(found) = visit(n, next, path, done) {
                return Some(found);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for start in next.keys() {
        if let Some(found) = visit(start, &next, &mut Vec::new(), &mut done) {
            return Some(found);
        }
    }
    None
}

fn crate_dirs() -> Vec<PathBuf> {
    let root = workspace();
    let manifest =
        std::fs::read_to_string(root.join("Cargo.toml")).expect("the workspace manifest");
    let members = manifest
        .split("members = [")
        .nth(1)
        .and_then(|m| m.split(']').next())
        .expect("the workspace lists its members");
    members
        .split(',')
        .map(|m| m.trim().trim_matches('"'))
        .filter(|m| !m.is_empty())
        .map(|m| root.join(m))
        .collect()
}

#[test]
fn no_module_of_any_crate_imports_in_a_circle() {
    let mut circles = Vec::new();
    for dir in crate_dirs() {
        let known = modules(&dir.join("src"));
        for (parent, edges) in sibling_edges(&known) {
            if let Some(found) = cycle(&edges) {
                let place = if parent.is_empty() {
                    "crate".to_string()
                } else {
                    format!("crate::{}", parent.join("::"))
                };
                circles.push(format!(
                    "{}: in {place}: {}",
                    dir.file_name().unwrap_or_default().to_string_lossy(),
                    found.join(" → ")
                ));
            }
        }
    }
    assert!(
        circles.is_empty(),
        "modules that import each other in a circle (move what both need to a module of its own):\n{}",
        circles.join("\n")
    );
}

#[test]
fn each_crate_imports_only_from_lower_layers() {
    let mut wrong = Vec::new();
    for (name, layers) in LAYERS {
        let dir = workspace().join(name);
        let known = modules(&dir.join("src"));
        let layer_of = |m: &str| layers.iter().position(|l| l.contains(&m));
        for top in known
            .keys()
            .filter_map(|m| m.first())
            .collect::<BTreeSet<_>>()
        {
            if layer_of(top).is_none() {
                wrong.push(format!(
                    "{name}: module `{top}` has no layer: place it in LAYERS (tests/scenarios/architecture.rs) and in ARCHITECTURE.md"
                ));
            }
        }
        let root = sibling_edges(&known)
            .remove(&Vec::new())
            .unwrap_or_default();
        for (from, to) in root {
            if let (Some(a), Some(b)) = (layer_of(&from), layer_of(&to))
                && b > a
            {
                wrong.push(format!("{name}: `{from}` imports `{to}`, a layer above it"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn no_source_file_is_long_without_saying_why() {
    let mut long = Vec::new();
    let mut dirs = vec![workspace()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("a readable directory") {
            let path = entry.expect("a directory entry").path();
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            if path.is_dir() {
                if !name.starts_with('.') && name != "target" && name != "node_modules" {
                    dirs.push(path);
                }
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("a readable source");
            let lines = text.lines().count();
            let says_why = text
                .lines()
                .take_while(|l| l.starts_with("//") || l.starts_with("#!") || l.trim().is_empty())
                .any(|l| l.contains(LONG_BECAUSE));
            if lines > LONGEST_FILE && !says_why {
                long.push(format!(
                    "{} has {lines} lines",
                    path.strip_prefix(workspace()).unwrap_or(&path).display()
                ));
            }
        }
    }
    long.sort();
    assert!(
        long.is_empty(),
        "split these by concern, or say at the top (\"{LONG_BECAUSE} …\") why one file is right:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_reader_resolves_groups_and_super() {
    let at: ModulePath = vec!["web".into(), "dashboard".into()];
    let found = references(
        &at,
        "use crate::{app::AppState, access::{self, Reader}};\nuse super::layout::page;\n// use crate::ignored;\nlet x = crate::dates::day(y);",
    );
    let names: Vec<String> = found.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        names,
        [
            "app::AppState",
            "access::self",
            "access::Reader",
            "web::layout::page",
            "dates::day"
        ]
    );
    let edges: BTreeSet<(String, String)> = [("a", "b"), ("b", "c"), ("c", "a")]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(
        cycle(&edges).map(|c| c.join(" → ")),
        Some("a → b → c → a".to_string())
    );
}
