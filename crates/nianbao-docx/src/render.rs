//! DOCX → PDF with LibreOffice, and PDF → PNG pages / text with poppler (`pdftoppm`,
//! `pdftotext`). The one place nianbao shells out: `build --pdf` and `batch --pdf`, the render
//! tests and `cargo xtask render` all convert through [`convert_to_pdf`].
//!
//! LibreOffice is found on `PATH` (`soffice`, `libreoffice`) or in its usual install folders
//! ([`find_soffice`]; `NIANBAO_SOFFICE` names it explicitly). Every run gets a private profile in
//! a temporary folder (`-env:UserInstallation=file://…`), so it neither waits for a LibreOffice
//! the user has open nor leaves settings behind, and runs under a timeout: a LibreOffice that
//! hangs is stopped with its whole process group. Many documents convert in one run.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::DocxError;

/// The environment variable naming the LibreOffice program to use (`soffice`), before `PATH`
/// and the usual install folders.
pub const SOFFICE_ENV: &str = "NIANBAO_SOFFICE";

/// How to get LibreOffice, for the message when it is not found.
pub const INSTALL_HINT: &str = "未找到 LibreOffice，无法生成 PDF。请从 https://zh-cn.libreoffice.org/ 下载安装 LibreOffice（Debian/Ubuntu 可运行 sudo apt install libreoffice-writer，统信 UOS、麒麟系统可在应用商店安装），安装后重新运行；如已安装在其他位置，请把 soffice 所在文件夹加入 PATH，或用环境变量 NIANBAO_SOFFICE 指定 soffice 的完整路径";

/// The LibreOffice program: `NIANBAO_SOFFICE`, else `soffice`/`libreoffice` on `PATH`, else the
/// usual install folders (`/usr/bin`, `/usr/lib/libreoffice/program`,
/// `/opt/libreoffice*/program`, `/Applications/LibreOffice.app`, `C:\Program Files\LibreOffice`).
pub fn find_soffice() -> Option<PathBuf> {
    if let Some(explicit) = std::env::var_os(SOFFICE_ENV).filter(|v| !v.is_empty()) {
        let path = PathBuf::from(explicit);
        return path.is_file().then_some(path);
    }
    let names: &[&str] = if cfg!(windows) {
        &["soffice.exe", "soffice.com"]
    } else {
        &["soffice", "libreoffice"]
    };
    if let Some(path_var) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path_var) {
            for name in names {
                let candidate = dir.join(name);
                if candidate.is_file() {
                    return Some(candidate);
                }
            }
        }
    }
    usual_install_paths().into_iter().find(|p| p.is_file())
}

/// Where LibreOffice is installed when it is not on `PATH`, newest `/opt` version first.
fn usual_install_paths() -> Vec<PathBuf> {
    let mut paths = vec![
        PathBuf::from("/usr/bin/soffice"),
        PathBuf::from("/usr/lib/libreoffice/program/soffice"),
        PathBuf::from("/usr/local/bin/soffice"),
        PathBuf::from("/Applications/LibreOffice.app/Contents/MacOS/soffice"),
        PathBuf::from(r"C:\Program Files\LibreOffice\program\soffice.exe"),
        PathBuf::from(r"C:\Program Files (x86)\LibreOffice\program\soffice.exe"),
    ];
    let mut opt: Vec<PathBuf> = std::fs::read_dir("/opt")
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("libreoffice"))
                })
                .map(|p| p.join("program").join("soffice"))
                .collect()
        })
        .unwrap_or_default();
    opt.sort();
    opt.reverse();
    paths.extend(opt);
    paths
}

/// How long one LibreOffice run may take: a start-up allowance plus time per document.
pub fn timeout_for(documents: usize) -> Duration {
    Duration::from_secs(120 + 10 * documents as u64)
}

/// Converts DOCX files to PDF in one LibreOffice run (a private profile, under `timeout`) and
/// returns each PDF's bytes, in the order of `docx`. The PDFs are made in a temporary folder;
/// the caller puts them where they belong (beside the DOCX, with the same care as any output).
pub fn convert_to_pdf(
    soffice: &Path,
    docx: &[PathBuf],
    timeout: Duration,
) -> Result<Vec<Vec<u8>>, DocxError> {
    if docx.is_empty() {
        return Ok(Vec::new());
    }
    let work = tempfile::Builder::new()
        .prefix(".nianbao-pdf-")
        .tempdir()
        .map_err(|e| DocxError::Render(format!("无法创建临时文件夹：{e}")))?;
    let profile = work.path().join("profile");
    let out_dir = work.path().join("pdf");
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| DocxError::Render(format!("无法创建临时文件夹：{e}")))?;
    // Same-named DOCX from different folders would make the same PDF name: each document is
    // given to LibreOffice under a numbered name of its own.
    let inputs = work.path().join("docx");
    std::fs::create_dir_all(&inputs)
        .map_err(|e| DocxError::Render(format!("无法创建临时文件夹：{e}")))?;
    let mut staged = Vec::with_capacity(docx.len());
    for (i, path) in docx.iter().enumerate() {
        let copy = inputs.join(format!("{i:06}.docx"));
        std::fs::copy(path, &copy)
            .map_err(|e| DocxError::Render(format!("无法读取 {}：{e}", path.display())))?;
        staged.push(copy);
    }
    let mut command = Command::new(soffice);
    command
        .arg(format!("-env:UserInstallation={}", file_url(&profile)))
        .args([
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
        ])
        .arg(&out_dir)
        .args(&staged)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let output = run_with_timeout(command, timeout)?;
    let mut pdfs = Vec::with_capacity(docx.len());
    for (i, path) in docx.iter().enumerate() {
        let pdf = out_dir.join(format!("{i:06}.pdf"));
        match std::fs::read(&pdf) {
            Ok(bytes) if bytes.starts_with(b"%PDF") => pdfs.push(bytes),
            _ => {
                return Err(DocxError::Render(format!(
                    "LibreOffice 未能将 {} 转换为 PDF{}",
                    path.display(),
                    output
                )));
            }
        }
    }
    Ok(pdfs)
}

/// A `file://` URL for a local folder (LibreOffice's profile location).
fn file_url(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let text = text.replace(' ', "%20");
    if text.starts_with('/') {
        format!("file://{text}")
    } else {
        format!("file:///{text}")
    }
}

/// Runs a command to its end, or stops it (with the processes it started) after `timeout`.
/// Returns what it printed, for an error message (empty when it printed nothing).
fn run_with_timeout(mut command: Command, timeout: Duration) -> Result<String, DocxError> {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Its own process group, so that a timeout stops soffice.bin as well as the script
        // that started it.
        command.process_group(0);
    }
    let mut child = command.spawn().map_err(|e| {
        DocxError::Render(format!(
            "无法运行 LibreOffice（{}）：{}",
            command.get_program().to_string_lossy(),
            nianbao_fs::io_reason(&e)
        ))
    })?;
    // The pipes are read on their own threads so that a chatty LibreOffice never blocks.
    let read = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = std::io::Read::read_to_end(&mut pipe, &mut text);
            }
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = read(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = read(child.stderr.take().map(|p| Box::new(p) as _));
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() >= timeout => {
                stop(&mut child);
                return Err(DocxError::Render(format!(
                    "LibreOffice 在 {} 秒内未完成转换，已停止",
                    timeout.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => {
                stop(&mut child);
                return Err(DocxError::Render(format!(
                    "等待 LibreOffice 时出错：{}",
                    nianbao_fs::io_reason(&e)
                )));
            }
        }
    };
    let printed = [stdout, stderr]
        .into_iter()
        .filter_map(|h| h.join().ok())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join("；");
    if status.success() {
        Ok(if printed.is_empty() {
            String::new()
        } else {
            format!("（LibreOffice 输出：{printed}）")
        })
    } else {
        Err(DocxError::Render(format!(
            "LibreOffice 转换失败（{status}）{}",
            if printed.is_empty() {
                String::new()
            } else {
                format!("：{printed}")
            }
        )))
    }
}

/// Stops a child and every process of its group.
fn stop(child: &mut std::process::Child) {
    #[cfg(unix)]
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: sends a signal to the process group this function's caller created for the
        // child (`process_group(0)`: its id is the child's); no memory is involved.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Writes one PNG per page of a PDF (`<prefix>-1.png`, …) at `dpi` and returns their paths in
/// page order.
pub fn render_pages_png(pdf: &Path, out_dir: &Path, dpi: u32) -> Result<Vec<PathBuf>, DocxError> {
    let stem = pdf
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "page".to_string());
    let prefix = out_dir.join(&stem);
    let output = Command::new("pdftoppm")
        .args(["-png", "-r", &dpi.to_string()])
        .arg(pdf)
        .arg(&prefix)
        .output()
        .map_err(|e| {
            DocxError::Render(format!("无法运行 pdftoppm（是否已安装 poppler？）：{e}"))
        })?;
    if !output.status.success() {
        return Err(DocxError::Render(format!(
            "pdftoppm 未能转换 {}：{}",
            pdf.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    let mut pages: Vec<(u32, PathBuf)> = std::fs::read_dir(out_dir)
        .map_err(|e| DocxError::Render(format!("无法读取目录 {}：{e}", out_dir.display())))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter_map(|path| {
            let name = path.file_name()?.to_str()?;
            let number = name
                .strip_prefix(&format!("{stem}-"))?
                .strip_suffix(".png")?
                .parse()
                .ok()?;
            Some((number, path))
        })
        .collect();
    pages.sort();
    Ok(pages.into_iter().map(|(_, p)| p).collect())
}

/// The text of a PDF (`pdftotext -layout`), pages separated by form feeds.
pub fn pdf_text(pdf: &Path) -> Result<String, DocxError> {
    let output = Command::new("pdftotext")
        .arg("-layout")
        .arg(pdf)
        .arg("-")
        .output()
        .map_err(|e| {
            DocxError::Render(format!("无法运行 pdftotext（是否已安装 poppler？）：{e}"))
        })?;
    if !output.status.success() {
        return Err(DocxError::Render(format!(
            "pdftotext 未能读取 {}：{}",
            pdf.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
