//! Renders a DOCX with LibreOffice (`soffice --headless`) and poppler (`pdftoppm`,
//! `pdftotext`), for visual checks and the render tests. Nothing here runs unless called.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::DocxError;

/// Converts a DOCX to PDF in `out_dir` with LibreOffice and returns the PDF's path. A private
/// LibreOffice profile under `out_dir` keeps parallel conversions from blocking each other.
pub fn render_to_pdf(docx: &Path, out_dir: &Path) -> Result<PathBuf, DocxError> {
    std::fs::create_dir_all(out_dir)
        .map_err(|e| DocxError::Render(format!("无法创建目录 {}：{e}", out_dir.display())))?;
    let out_dir = out_dir
        .canonicalize()
        .map_err(|e| DocxError::Render(format!("无法访问目录 {}：{e}", out_dir.display())))?;
    let profile = out_dir.join(".lo-profile");
    let output = Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args([
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(&out_dir)
        .arg(docx)
        .output()
        .map_err(|e| {
            DocxError::Render(format!("无法运行 soffice（是否已安装 LibreOffice？）：{e}"))
        })?;
    let stem = docx
        .file_stem()
        .ok_or_else(|| DocxError::Render(format!("文件名无效：{}", docx.display())))?;
    let pdf = out_dir.join(stem).with_extension("pdf");
    if !output.status.success() || !pdf.is_file() {
        return Err(DocxError::Render(format!(
            "LibreOffice 未能将 {} 转换为 PDF：{}{}",
            docx.display(),
            String::from_utf8_lossy(&output.stdout).trim(),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(pdf)
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
