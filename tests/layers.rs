//! The crate's layers, read from its own `use` lines and paths (`notes/design.md`, "Layout"):
//! physics modules never import the tool layers (run assembly, studies, validation, reports,
//! the CLI), the tool layers import downwards only, and no two files import each other
//! through any chain of imports.
//!
//! How a file's imports are read: every `use` tree (braces expanded) and every path in code
//! that starts with `crate::`, `super::` or `self::`, resolved to the deepest module file that
//! exists. A `pub use child::…` of a module's own child is its public face, not an import.
//! Comments and a trailing `#[cfg(test)]` module are skipped.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Physics (and the data/file infrastructure below it): may not import a tool layer.
const PHYSICS: &[&str] = &[
    "units",
    "rbm",
    "sampling",
    "training",
    "mean_field",
    "likelihood",
    "spectral",
    "analytic",
    "scaling",
    "stats",
    "linalg",
    "data",
    "io",
    "error",
];

/// Each tool layer and the layers it may not import (those above it).
const TOOLS: &[(&str, &[&str])] = &[
    ("report", &["run", "studies", "validation"]),
    ("run", &["studies", "validation"]),
    ("studies", &["validation"]),
    ("validation", &[]),
];

const TOOL_NAMES: &[&str] = &["report", "run", "studies", "validation"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n != "bin") {
                rust_files(&p, out);
            }
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a file: `src/a/b.rs` → `[a, b]`, `src/a/mod.rs` → `[a]`.
fn module_of(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src()).unwrap();
    let mut parts: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_string());
    }
    parts
}

/// The file of a module path, if that module is a file of its own.
fn file_of(module: &[String]) -> Option<PathBuf> {
    let mut base = src();
    if module.is_empty() {
        return Some(base.join("lib.rs"));
    }
    for m in &module[..module.len() - 1] {
        base.push(m);
    }
    let last = &module[module.len() - 1];
    [
        base.join(format!("{last}.rs")),
        base.join(last).join("mod.rs"),
    ]
    .into_iter()
    .find(|p| p.exists())
}

/// The deepest module file a path (from `start`) names.
fn resolve(start: &[String], segments: &[&str]) -> Option<PathBuf> {
    let mut module = start.to_vec();
    let mut found = file_of(&module);
    for seg in segments {
        module.push((*seg).to_string());
        match file_of(&module) {
            Some(f) => found = Some(f),
            None => break,
        }
    }
    found
}

/// `text` with the contents of string and character literals blanked (their quotes kept),
/// so that words inside strings are never read as code.
fn without_strings(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => {
                    in_string = false;
                    out.push('"');
                }
                '\n' => out.push('\n'),
                _ => {}
            }
        } else {
            if c == '"' {
                in_string = true;
            }
            out.push(c);
        }
    }
    out
}

/// The code of a file without comments, string contents and a trailing `#[cfg(test)]` module.
fn code_of(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with("#[cfg(test)]") {
            break;
        }
        if t.starts_with("//") {
            continue;
        }
        let code = match line.find("//") {
            Some(i) if !line[..i].contains('"') => &line[..i],
            _ => line,
        };
        out.push_str(code);
        out.push('\n');
    }
    without_strings(&out)
}

/// Expands a `use` tree (`a::{b, c::{d, e}}`) into its full paths.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap()];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand(&format!("{prefix}{p}")))
        .collect()
}

/// Files `file` imports.
fn imports_of(file: &Path) -> BTreeSet<PathBuf> {
    let text = std::fs::read_to_string(file).unwrap();
    let code = code_of(&text);
    let here = module_of(file);
    let children: BTreeSet<String> = code
        .lines()
        .filter_map(|l| {
            let t = l
                .trim()
                .trim_start_matches("pub ")
                .trim_start_matches("pub(crate) ");
            t.strip_prefix("mod ")
                .map(|r| r.trim_end_matches(';').trim().to_string())
        })
        .collect();
    let mut paths: Vec<String> = Vec::new();
    // `use` statements (possibly over several lines)
    let mut rest = code.as_str();
    while let Some(i) = rest.find("use ") {
        let before = rest[..i].chars().last();
        let tail = &rest[i + 4..];
        let Some(end) = tail.find(';') else { break };
        let is_stmt = before.is_none_or(|c| c.is_whitespace() || c == ';' || c == '{');
        if is_stmt {
            let public = rest[..i].trim_end().ends_with("pub")
                || rest[..i].trim_end().ends_with("pub(crate)");
            for p in expand(&tail[..end]) {
                let first = p.split("::").next().unwrap_or("");
                if public && children.contains(first) {
                    continue; // a module's face
                }
                paths.push(p);
            }
        }
        rest = &tail[end..];
    }
    // paths in code
    let bytes = code.as_bytes();
    for key in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(i) = code[from..].find(key) {
            let at = from + i;
            from = at + key.len();
            if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_') {
                continue;
            }
            let end = code[at..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .map_or(code.len(), |e| at + e);
            paths.push(code[at..end].to_string());
        }
    }
    let mut out = BTreeSet::new();
    for p in paths {
        let segs: Vec<&str> = p.split("::").filter(|s| !s.is_empty()).collect();
        let Some((&head, tail)) = segs.split_first() else {
            continue;
        };
        let target = match head {
            "crate" => resolve(&[], tail),
            "self" => resolve(&here, tail),
            "super" => {
                let mut m = here.clone();
                // `super` in `a/b.rs` or `a/b/mod.rs` is module `a`
                m.pop();
                let mut t = tail;
                while let Some((&"super", r)) = t.split_first() {
                    m.pop();
                    t = r;
                }
                resolve(&m, t)
            }
            h if children.contains(h) => resolve(&here, &segs),
            _ => None,
        };
        if let Some(t) = target {
            if t != file {
                out.insert(t);
            }
        }
    }
    out
}

fn graph() -> BTreeMap<PathBuf, BTreeSet<PathBuf>> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    files
        .into_iter()
        .map(|f| (f.clone(), imports_of(&f)))
        .collect()
}

fn top(file: &Path) -> String {
    module_of(file).first().cloned().unwrap_or_default()
}

fn show(p: &Path) -> String {
    p.strip_prefix(src().parent().unwrap())
        .unwrap()
        .display()
        .to_string()
}

#[test]
fn physics_modules_import_no_tool_layer() {
    let g = graph();
    let mut bad = Vec::new();
    for (file, imports) in &g {
        let from = top(file);
        let forbidden: &[&str] = if PHYSICS.contains(&from.as_str()) {
            TOOL_NAMES
        } else if let Some((_, f)) = TOOLS.iter().find(|(t, _)| *t == from) {
            f
        } else {
            &[]
        };
        for i in imports {
            if forbidden.contains(&top(i).as_str()) {
                bad.push(format!("{} -> {}", show(file), show(i)));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "imports against the layers:\n{}",
        bad.join("\n")
    );
}

#[test]
fn every_top_module_has_a_layer() {
    let g = graph();
    let known: BTreeSet<&str> = PHYSICS.iter().chain(TOOL_NAMES).copied().collect();
    let unknown: BTreeSet<String> = g
        .keys()
        .map(|f| top(f))
        .filter(|t| !t.is_empty() && !known.contains(t.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "modules without a layer (add them to tests/layers.rs and notes/design.md): {unknown:?}"
    );
}

/// Strongly connected components of more than one file (Tarjan).
fn cycles(g: &BTreeMap<PathBuf, BTreeSet<PathBuf>>) -> Vec<Vec<PathBuf>> {
    struct State<'a> {
        g: &'a BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        index: BTreeMap<&'a PathBuf, usize>,
        low: BTreeMap<&'a PathBuf, usize>,
        stack: Vec<&'a PathBuf>,
        on: BTreeSet<&'a PathBuf>,
        next: usize,
        out: Vec<Vec<PathBuf>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a PathBuf) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on.insert(v);
        if let Some(ws) = s.g.get(v) {
            for w in ws {
                let Some((w, _)) = s.g.get_key_value(w) else {
                    continue;
                };
                if !s.index.contains_key(w) {
                    visit(s, w);
                    let lw = s.low[w];
                    let lv = s.low[v];
                    s.low.insert(v, lv.min(lw));
                } else if s.on.contains(w) {
                    let iw = s.index[w];
                    let lv = s.low[v];
                    s.low.insert(v, lv.min(iw));
                }
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on.remove(w);
                comp.push(w.clone());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                s.out.push(comp);
            }
        }
    }
    let mut s = State {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in g.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.out
}

#[test]
fn no_file_cycles() {
    let found = cycles(&graph());
    let text: Vec<String> = found
        .iter()
        .map(|c| c.iter().map(|p| show(p)).collect::<Vec<_>>().join(" <-> "))
        .collect();
    assert!(found.is_empty(), "file cycles:\n{}", text.join("\n"));
}

#[test]
fn the_reader_sees_a_planted_cycle_and_a_planted_upward_import() {
    // The check itself can fail: two files that name each other form a cycle, and a physics
    // file naming a study is an upward import.
    let a = src().join("units/mod.rs");
    let b = src().join("studies/mod.rs");
    let mut g = BTreeMap::new();
    g.insert(a.clone(), BTreeSet::from([b.clone()]));
    g.insert(b.clone(), BTreeSet::from([a.clone()]));
    assert_eq!(cycles(&g).len(), 1);
    assert_eq!(top(&b), "studies");
    assert!(TOOL_NAMES.contains(&top(&b).as_str()) && PHYSICS.contains(&top(&a).as_str()));
    // the parser skips words inside strings
    assert_eq!(without_strings("a \"use x; \\\" y\" b"), "a \"\" b");
    // and it reads grouped use trees and `super` paths
    assert_eq!(
        expand("super::{a::{B, C}, d}"),
        ["super::a::B", "super::a::C", "super::d"]
    );
    let imports = imports_of(&src().join("run/checkpoint_writer.rs"));
    assert!(
        imports.contains(&src().join("run/checkpoint.rs")),
        "{imports:?}"
    );
}
