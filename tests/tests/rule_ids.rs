//! Every rule id the code and the format data emit is documented in ARCHITECTURE.md's rule
//! tables: users and other systems filter on them, so an id nobody can look up is a bug.
//!
//! The ids are found in the sources as the first argument of `Finding::error/warning/info`, as
//! `rule: "…"` and `id: "…"` fields, and as `id = "…"` in the format files; test modules (after
//! `#[cfg(test)]`) and test crates are not read.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn sources(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            // Test crates and fixtures emit made-up ids on purpose.
            if !matches!(name.as_str(), "tests" | "target" | "benches" | "examples") {
                sources(&path, ext, out);
            }
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

#[test]
fn every_emitted_rule_id_is_in_the_architecture_tables() {
    let root = workspace();
    let id = r"([a-z0-9_]+\.[a-z0-9_.]+)";
    let patterns = [
        regex::Regex::new(&format!(
            r#"Finding::(?:error|warning|info|new)\(\s*"{id}""#
        ))
        .unwrap(),
        regex::Regex::new(&format!(r#"\b(?:rule|id):\s*"{id}""#)).unwrap(),
    ];
    let toml_id = regex::Regex::new(&format!(r#"(?m)^id = "{id}""#)).unwrap();
    let mut files = Vec::new();
    for dir in ["crates", "plugins"] {
        sources(&root.join(dir), "rs", &mut files);
    }
    let mut ids = BTreeSet::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for re in &patterns {
            for caps in re.captures_iter(code) {
                ids.insert(caps[1].to_string());
            }
        }
    }
    let mut formats = Vec::new();
    sources(
        &root.join("crates/nianbao-model/formats"),
        "toml",
        &mut formats,
    );
    for file in &formats {
        let text = std::fs::read_to_string(file).unwrap();
        for caps in toml_id.captures_iter(&text) {
            ids.insert(caps[1].to_string());
        }
    }
    assert!(ids.len() > 40, "too few ids found: {ids:?}");
    for known in ["t3.balance", "import.row_missing", "input.no_tables"] {
        assert!(ids.contains(known), "{known} not found in the sources");
    }
    let architecture = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let tables = architecture
        .split("## Rule ids")
        .nth(1)
        .expect("ARCHITECTURE.md has a Rule ids section");
    let missing: Vec<&String> = ids
        .iter()
        .filter(|id| !tables.contains(&format!("`{id}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "rule ids emitted but not in ARCHITECTURE.md's rule tables: {missing:?}"
    );
}
