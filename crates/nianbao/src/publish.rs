//! What `build` and `batch` make besides the DOCX itself: the office's own Word template applied
//! to it (`--reference-docx`, `reference_docx` in report.toml) and the PDF beside it (`--pdf`,
//! through LibreOffice: `nianbao_docx::render`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Result;
use nianbao_docx::{DocxOptions, ReferenceDocx, render};

use nianbao_pipeline::{Unit, display_name};

/// The reference DOCX a unit is built with: the command line's, else its report.toml's
/// (relative to the unit's folder).
pub fn reference_path(cli: Option<&Path>, unit: &Unit) -> Option<PathBuf> {
    if let Some(path) = cli {
        return Some(path.to_path_buf());
    }
    let configured = unit.config.reference_docx.as_ref()?;
    Some(match &unit.dir {
        Some(dir) if configured.is_relative() => dir.join(configured),
        _ => configured.clone(),
    })
}

/// Reads and checks a reference DOCX (a regular file, within its bound).
pub fn load_reference(path: &Path) -> Result<Arc<ReferenceDocx>> {
    let bytes = nianbao_fs::read_regular(path, nianbao_docx::reference::MAX_REFERENCE_BYTES)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let reference =
        ReferenceDocx::parse(&bytes, &display_name(path)).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Arc::new(reference))
}

/// The options a unit's DOCX is written with.
pub fn docx_options(reference: Option<Arc<ReferenceDocx>>) -> DocxOptions {
    DocxOptions {
        reference,
        ..DocxOptions::default()
    }
}

/// How a `--pdf` request went.
pub enum PdfOutcome {
    /// Every PDF was written (their paths).
    Written(Vec<PathBuf>),
    /// LibreOffice was not found: nothing converted, the DOCX files stand.
    NoLibreOffice,
}

/// Converts written DOCX files to PDF in one LibreOffice run and hands each PDF to `write`
/// with the path beside its DOCX (`报告.pdf` next to `报告.docx`).
pub fn make_pdfs(
    docx: &[PathBuf],
    mut write: impl FnMut(&Path, &[u8]) -> Result<()>,
) -> Result<PdfOutcome> {
    let Some(soffice) = render::find_soffice() else {
        return Ok(PdfOutcome::NoLibreOffice);
    };
    let pdfs = render::convert_to_pdf(&soffice, docx, render::timeout_for(docx.len()))
        .map_err(|e| anyhow::anyhow!("{e}（DOCX 已生成）"))?;
    let mut written = Vec::with_capacity(pdfs.len());
    for (path, bytes) in docx.iter().zip(pdfs) {
        let pdf = path.with_extension("pdf");
        write(&pdf, &bytes)?;
        written.push(pdf);
    }
    Ok(PdfOutcome::Written(written))
}

/// The message when LibreOffice is missing: how to get it, and that the DOCX is there.
pub fn no_libreoffice_message() -> String {
    format!("提示：{}。DOCX 已照常生成。", render::INSTALL_HINT)
}
