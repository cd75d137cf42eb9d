//! The layout of `pipeline/src` (issue #19): entry points and shared vocabulary at the root,
//! every stage a folder, no file over 700 lines, and data flowing one way: no two rooms use each
//! other, directly or through others. Read from the sources, so a change that breaks the layout
//! fails here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::harness::repo;

fn src() -> PathBuf {
    repo().join("pipeline").join("src")
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    crate::harness::files_under(dir).into_iter().filter(|p| p.extension().is_some_and(|e| e == "rs")).collect()
}

/// Code without line comments (doc links name other rooms without using them).
fn code(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The names that follow `prefix` in `text` (`crate::engine::…` gives `engine`).
fn names_after(text: &str, prefix: &str) -> BTreeSet<String> {
    text.match_indices(prefix)
        .map(|(i, _)| {
            text[i + prefix.len()..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect::<String>()
        })
        .filter(|n| !n.is_empty())
        .collect()
}

/// A cycle in `graph`, if there is one.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match state.get(node) {
            Some(1) => {
                let start = path.iter().position(|n| n == node).unwrap_or(0);
                return Some([&path[start..], &[node.to_string()]].concat());
            }
            Some(_) => return None,
            None => {}
        }
        state.insert(node.to_string(), 1);
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, state, path) {
                return Some(c);
            }
        }
        path.pop();
        state.insert(node.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    graph.keys().find_map(|n| visit(n, graph, &mut state, &mut Vec::new()))
}

/// Which top-level module each file of `pipeline/src` belongs to, and which it uses.
fn room_graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in rust_files(&src()) {
        let rel = path.strip_prefix(src()).unwrap();
        let room = rel.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_string();
        let uses = names_after(&code(&path), "crate::");
        graph.entry(room.clone()).or_default().extend(uses.into_iter().filter(|u| *u != room));
    }
    graph
}

#[test]
fn rooms_use_each_other_one_way() {
    let mut graph = room_graph();
    // The entry points and `lib` see everything by design; the vocabulary is used by all.
    for entry in ["main", "lib", "cli", "commands"] {
        graph.remove(entry);
    }
    assert!(graph.contains_key("disclosure") && graph["release"].contains("disclosure"), "{graph:?}");
    assert_eq!(cycle(&graph), None);
}

#[test]
fn disclosure_submodules_use_each_other_one_way() {
    let dir = src().join("disclosure");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in rust_files(&dir) {
        let rel = path.strip_prefix(&dir).unwrap();
        let module = rel.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_string();
        if module == "mod" {
            continue;
        }
        let text = code(&path);
        let mut uses = names_after(&text, "super::");
        uses.extend(names_after(&text, "crate::disclosure::"));
        uses.retain(|u| *u != module && (dir.join(format!("{u}.rs")).exists() || dir.join(u).is_dir()));
        graph.entry(module).or_default().extend(uses);
    }
    assert!(graph.contains_key("hypercube"), "{graph:?}");
    assert_eq!(cycle(&graph), None);
}

#[test]
fn the_root_holds_only_entry_points_and_vocabulary() {
    let root: BTreeSet<String> = std::fs::read_dir(src())
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let expected: BTreeSet<String> =
        ["cli.rs", "config.rs", "error.rs", "lib.rs", "log.rs", "main.rs"].iter().map(|s| (*s).to_string()).collect();
    assert_eq!(root, expected);
}

#[test]
fn no_source_file_is_over_700_lines() {
    let long: Vec<(String, usize)> = rust_files(&src())
        .into_iter()
        .map(|p| {
            (p.strip_prefix(src()).unwrap().display().to_string(), std::fs::read_to_string(&p).unwrap().lines().count())
        })
        .filter(|(_, n)| *n > 700)
        .collect();
    assert!(long.is_empty(), "{long:?}");
}

#[test]
fn the_cycle_finder_finds_cycles() {
    let graph: BTreeMap<String, BTreeSet<String>> =
        [("a".to_string(), BTreeSet::from(["b".to_string()])), ("b".to_string(), BTreeSet::from(["a".to_string()]))]
            .into_iter()
            .collect();
    assert_eq!(cycle(&graph), Some(vec!["a".into(), "b".into(), "a".into()]));
}
