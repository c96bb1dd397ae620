//! Compiles the built-in templates into the crate: every file under the workspace's
//! `templates/<format>/` becomes an entry of `BUILTIN_TEMPLATES` (format id, template name,
//! text via `include_str!`), in name order, so the binary runs from anywhere and a changed
//! template file rebuilds it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let root = manifest.join("../../templates");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut entries: Vec<(String, String, PathBuf)> = Vec::new();
    for format_dir in sorted_entries(&root) {
        if !format_dir.is_dir() {
            continue;
        }
        let format = file_name(&format_dir);
        for file in sorted_entries(&format_dir) {
            if file.is_file() && !file_name(&file).starts_with('.') {
                let path = file.canonicalize().unwrap_or(file.clone());
                entries.push((format.clone(), file_name(&file), path));
            }
        }
    }
    let mut code = String::from(
        "/// The built-in templates: (format id, template name, text), from `templates/`.\n\
         pub(crate) const BUILTIN_TEMPLATES: &[(&str, &str, &str)] = &[\n",
    );
    for (format, name, path) in &entries {
        let _ = writeln!(
            code,
            "    ({format:?}, {name:?}, include_str!({:?})),",
            path.display().to_string()
        );
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    if let Err(e) = std::fs::write(out.join("builtin_templates.rs"), code) {
        panic!("cannot write the template list: {e}");
    }
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    paths.sort();
    paths
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
