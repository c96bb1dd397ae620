//! `cargo xtask plugins`: builds every regional format plugin under `plugins/` and copies the
//! shared libraries into one directory (`target/plugins/`), ready to be put next to the
//! `nianbao` executable or named with `--plugin-dir` / `NIANBAO_PLUGIN_PATH`.

use std::env::consts::{DLL_PREFIX, DLL_SUFFIX};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The plugin packages: every `plugins/<region>/Cargo.toml`, by folder name, so a new region
/// needs no change here.
fn plugin_packages(root: &Path) -> Result<Vec<String>> {
    let dir = root.join("plugins");
    let mut manifests: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("无法读取插件目录 {}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("Cargo.toml"))
        .filter(|m| m.is_file())
        .collect();
    manifests.sort();
    let mut names = Vec::new();
    for manifest in manifests {
        let text = std::fs::read_to_string(&manifest)
            .with_context(|| format!("无法读取 {}", manifest.display()))?;
        let name = text
            .lines()
            .find_map(|l| {
                let (key, value) = l.split_once('=')?;
                (key.trim() == "name").then(|| value.trim().trim_matches('"').to_string())
            })
            .with_context(|| format!("{} 中没有 package.name", manifest.display()))?;
        names.push(name);
    }
    if names.is_empty() {
        bail!("{} 下没有插件", dir.display());
    }
    Ok(names)
}

/// Builds the plugins with a cargo profile (`dev`, `release`, `distribution`) and copies their
/// libraries into `out_dir`. Returns the copied files.
pub fn build_plugins(profile: &str, out_dir: &Path) -> Result<Vec<PathBuf>> {
    let root = crate::project_root();
    let packages = plugin_packages(&root)?;
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(&root).args(["build", "--profile", profile]);
    for package in &packages {
        cmd.args(["-p", package]);
    }
    crate::run(&mut cmd)?;

    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    };
    // Cargo's folder for the dev profile is `debug`; every other profile has its own name.
    let profile = target.join(if profile == "dev" { "debug" } else { profile });
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("无法创建目录 {}", out_dir.display()))?;
    let mut copied = Vec::new();
    for package in &packages {
        // Cargo names a cdylib after the crate: `nianbao-plugin-x` → `libnianbao_plugin_x.so`.
        let file = format!("{DLL_PREFIX}{}{DLL_SUFFIX}", package.replace('-', "_"));
        let from = profile.join(&file);
        let to = out_dir.join(&file);
        std::fs::copy(&from, &to)
            .with_context(|| format!("无法复制 {} 到 {}", from.display(), to.display()))?;
        copied.push(to);
    }
    Ok(copied)
}
