//! `cargo xtask dist`: the program as an office receives it, for machines without Rust.
//!
//! Builds `nianbao` and the regional plugins in release mode and lays them out as one folder
//! `target/dist/nianbao-<版本>-<系统>-<架构>/` — the executable, `plugins/` beside it (where the
//! executable looks for plugins), the bundled example, README.md and a short 使用说明.txt — then
//! packs it as a `.tar.gz` next to the folder. Unpacked anywhere, `./nianbao build 示例/weidong-2024`
//! runs with no other installation. The archive is made by the system's `tar`; it holds only
//! what a user needs, so it is small enough to pass around by USB stick or e-mail.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

const GUIDE: &str = "nianbao（年报）——政府信息公开工作年度报告的检查与排版\n\n\
本文件夹即可直接使用，无须安装。在此文件夹中打开终端：\n\n\
  ./nianbao build 示例/weidong-2024 -o 示例报告.docx --xlsx     生成示例报告\n\
  ./nianbao init 本单位2024 --org 本单位名称 --year 2024        新建本单位的报告文件夹\n\
  ./nianbao check 本单位2024                                     检查\n\
  ./nianbao build 本单位2024 --xlsx                              生成报送用 DOCX 和 XLSX\n\
  ./nianbao formats                                              查看可用格式（含 plugins/ 中的地区格式）\n\n\
可把本文件夹放在任意位置；如需在任意位置直接输入 nianbao，请把本文件夹加入 PATH。\n\
详细说明见 README.md。\n";

/// The cargo profile of what is shipped (Cargo.toml: release without debug information, stripped).
const PROFILE: &str = "distribution";

pub fn run(root: &Path) -> Result<()> {
    let version = workspace_version(root)?;
    let name = format!(
        "nianbao-{version}-{}-{}",
        std::env::consts::OS,
        std::env::consts::ARCH
    );
    let dist = root.join("target").join("dist");
    let folder = dist.join(&name);
    if folder.exists() {
        std::fs::remove_dir_all(&folder)
            .with_context(|| format!("无法清除旧的 {}", folder.display()))?;
    }
    std::fs::create_dir_all(folder.join("plugins"))
        .with_context(|| format!("无法创建 {}", folder.display()))?;

    let binary = crate::nianbao_binary_with(root, PROFILE)?;
    let exe = format!("nianbao{}", std::env::consts::EXE_SUFFIX);
    copy(&binary, &folder.join(&exe))?;
    crate::plugins::build_plugins(PROFILE, &folder.join("plugins"))?;
    copy(&root.join("README.md"), &folder.join("README.md"))?;
    std::fs::write(folder.join("使用说明.txt"), GUIDE)
        .with_context(|| format!("无法写出 {}", folder.join("使用说明.txt").display()))?;
    copy_dir(
        &root.join("examples").join("weidong-2024"),
        &folder.join("示例").join("weidong-2024"),
    )?;

    // Smoke test of the laid-out folder: the copy runs and finds its plugins.
    let formats = Command::new(folder.join(&exe))
        .arg("formats")
        .env_remove("NIANBAO_PLUGIN_PATH")
        .output()
        .with_context(|| format!("无法运行 {}", folder.join(&exe).display()))?;
    let listed = String::from_utf8_lossy(&formats.stdout);
    anyhow::ensure!(
        formats.status.success() && listed.contains("shandong"),
        "打包后的 nianbao 未找到 plugins/ 中的地区格式：\n{listed}"
    );

    let archive = dist.join(format!("{name}.tar.gz"));
    crate::run(
        Command::new("tar")
            .arg("-czf")
            .arg(&archive)
            .arg("-C")
            .arg(&dist)
            .arg(&name),
    )?;
    println!("{}", folder.display());
    println!("{}", archive.display());
    Ok(())
}

fn workspace_version(root: &Path) -> Result<String> {
    let manifest = root.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest)
        .with_context(|| format!("无法读取 {}", manifest.display()))?;
    text.lines()
        .find_map(|l| {
            let (key, value) = l.split_once('=')?;
            (key.trim() == "version").then(|| value.trim().trim_matches('"').to_string())
        })
        .context("Cargo.toml 中没有 workspace.package.version")
}

fn copy(from: &Path, to: &Path) -> Result<()> {
    std::fs::copy(from, to)
        .map(|_| ())
        .with_context(|| format!("无法复制 {} 到 {}", from.display(), to.display()))
}

/// Copies a folder's files (not its `输出/` subfolder, which holds earlier builds).
fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("无法创建 {}", to.display()))?;
    let mut entries: Vec<PathBuf> = std::fs::read_dir(from)
        .with_context(|| format!("无法读取 {}", from.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for entry in entries {
        let Some(file_name) = entry.file_name() else {
            continue;
        };
        if entry.is_dir() {
            if file_name != "输出" {
                copy_dir(&entry, &to.join(file_name))?;
            }
        } else {
            copy(&entry, &to.join(file_name))?;
        }
    }
    Ok(())
}
