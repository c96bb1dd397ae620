//! `cargo xtask <task>`: project automation for nianbao. Tasks shell out to cargo and to the
//! `nianbao` binary, so this crate depends on no project crate.
//!
//! - `render`: builds the bundled example and the 淮安 sample into DOCX and PDF (`nianbao build
//!   --pdf`, LibreOffice) and PNG pages with pdftoppm under `target/render/`, for a person to
//!   look at.
//! - `plugins`: builds the regional format plugins and collects them in `target/plugins/`.
//! - `bench`: generates a corpus and prints speed and memory figures (see README, 性能).
//! - `dist`: the release folder and archive an office without Rust receives (`target/dist/`).

mod bench;
mod dist;
mod plugins;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let task = args.first().map(String::as_str).unwrap_or("help");
    let root = project_root();
    match task {
        "render" => render(&root),
        "plugins" => {
            let release = args.iter().any(|a| a == "--release");
            let out = root.join("target").join("plugins");
            let built = plugins::build_plugins(if release { "release" } else { "dev" }, &out)?;
            for p in built {
                println!("{}", p.display());
            }
            Ok(())
        }
        "bench" => bench::run(&root, &args[1..]),
        "dist" => dist::run(&root),
        _ => {
            println!(
                "cargo xtask <task>\n\n  render    生成示例与淮安样例的 DOCX、PDF 和 PNG 页面（target/render/）\n  plugins   构建地区格式插件到 target/plugins/（加 --release 构建发布版）\n  bench     性能与内存基准（见 README“性能”）\n  dist      打包发行版（可执行文件、地区格式插件、示例、说明）到 target/dist/"
            );
            Ok(())
        }
    }
}

/// The workspace root (the parent of this crate's folder).
pub fn project_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(Path::to_path_buf).unwrap_or(here)
}

/// Runs a command, failing with its name when it fails.
pub fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd.status().with_context(|| format!("无法运行 {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} 失败：{status}");
    }
    Ok(())
}

/// Builds the `nianbao` binary (release) and returns its path.
pub fn nianbao_binary(root: &Path) -> Result<PathBuf> {
    nianbao_binary_with(root, "release")
}

/// Builds the `nianbao` binary with a cargo profile and returns its path.
pub fn nianbao_binary_with(root: &Path, profile: &str) -> Result<PathBuf> {
    run(Command::new(env!("CARGO")).current_dir(root).args([
        "build",
        "--profile",
        profile,
        "-p",
        "nianbao",
    ]))?;
    Ok(root
        .join("target")
        .join(profile)
        .join(format!("nianbao{}", std::env::consts::EXE_SUFFIX)))
}

fn render(root: &Path) -> Result<()> {
    let out = root.join("target").join("render");
    std::fs::create_dir_all(&out)?;
    let bin = nianbao_binary(root)?;
    let jobs: [(&str, Vec<PathBuf>); 2] = [
        (
            "weidong-2024",
            vec![root.join("examples").join("weidong-2024")],
        ),
        (
            "huaian-2024",
            vec![root.join("tests/fixtures/samples/huaian-2024-published-pdftotext.txt")],
        ),
    ];
    for (name, inputs) in jobs {
        let docx = out.join(format!("{name}.docx"));
        // The PDF comes from nianbao's own conversion (`build --pdf`), the one way to it.
        let mut cmd = Command::new(&bin);
        cmd.arg("build").args(&inputs).arg("-o").arg(&docx).args([
            "--force",
            "--allow-errors",
            "--pdf",
        ]);
        run(&mut cmd)?;
        let pdf = out.join(format!("{name}.pdf"));
        if !pdf.is_file() {
            bail!("未生成 {}：需要 LibreOffice（见上面的提示）", pdf.display());
        }
        run(Command::new("pdftoppm")
            .args(["-png", "-r", "60"])
            .arg(&pdf)
            .arg(out.join(name)))?;
        println!("{} → {}", docx.display(), pdf.display());
    }
    println!("PNG 页面在 {}", out.display());
    Ok(())
}
