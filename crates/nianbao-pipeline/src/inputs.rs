//! A unit's inputs behind one trait, [`UnitInputs`]: its name, its `report.toml` settings, the
//! workbook's and the documents' names and bytes, and last year's report. [`Unit`] finds them
//! on the file system (a report folder, or loose files from the command line) and reads each
//! through `nianbao-fs`; [`MemoryUnit`] holds files already in memory (an upload). Both choose
//! the workbook and the draft among their files by the same rules ([`choose_files`]).

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::config::{CONFIG_FILE, ReportConfig};

/// One input file: its name as findings show it, and its bytes.
pub struct InputFile<'a> {
    pub name: String,
    pub bytes: Cow<'a, [u8]>,
}

/// Last year's report of a unit: where it is (for messages) and its inputs.
pub struct Previous {
    /// How messages name it: the path as given, or the uploaded file's name.
    pub shown: String,
    /// The file name a finding's location carries.
    pub file_name: String,
    pub inputs: Box<dyn UnitInputs>,
}

/// Everything the pipeline reads of one report. Files are read when asked for, in the order
/// the pipeline asks (workbook, then each document), so a file that cannot be read stops the
/// unit before later files are touched.
pub trait UnitInputs: Send + Sync {
    /// The unit's name (folder name, file stem, upload name): the last source of 机关名称 and 年度.
    fn name(&self) -> &str;
    /// The unit's `report.toml` settings (empty when it has none).
    fn config(&self) -> &ReportConfig;
    /// The workbook, read with the importer's bound; `None` when the unit has none.
    fn workbook(&self) -> Result<Option<InputFile<'_>>>;
    /// How many documents the unit has.
    fn document_count(&self) -> usize;
    /// Document `index` (below [`UnitInputs::document_count`]), read with the documents' bound.
    fn document(&self, index: usize) -> Result<InputFile<'_>>;
    /// Whether the documents are candidates for the one draft (a folder with 草稿.docx and
    /// 草稿.md and no `draft = …`): the pipeline then uses the one that was written. Otherwise
    /// every document is read (loose files given together).
    fn chooses_draft(&self) -> bool {
        false
    }
    /// Last year's report, when one is named.
    fn previous(&self) -> Result<Option<Previous>>;
}

/// What a file is, by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Workbook,
    Document,
}

pub fn classify(path: &Path) -> Option<FileKind> {
    let name = path.file_name()?.to_string_lossy();
    // Office lock files (`~$统计表.xlsx`) and hidden files are never inputs.
    if name.starts_with("~$") || name.starts_with('.') {
        return None;
    }
    let ext = path.extension()?.to_string_lossy().to_lowercase();
    match ext.as_str() {
        "xlsx" | "xlsm" | "xls" | "ods" | "et" => Some(FileKind::Workbook),
        "docx" | "doc" | "wps" | "html" | "htm" | "md" | "txt" => Some(FileKind::Document),
        _ => None,
    }
}

/// One report's inputs: a folder with `report.toml`, a workbook and a draft, or loose files.
#[derive(Debug, Clone, Default)]
pub struct Unit {
    /// How the unit is named in batch summaries (folder name or file stem).
    pub name: String,
    pub dir: Option<PathBuf>,
    pub config: ReportConfig,
    pub workbook: Option<PathBuf>,
    pub documents: Vec<PathBuf>,
    /// Last year's report named on the command line (or found by `batch --previous-dir`); it
    /// wins over `report.toml`'s `previous`.
    pub previous: Option<PathBuf>,
    /// The documents are candidates for the draft ([`UnitInputs::chooses_draft`]).
    pub choose_draft: bool,
}

impl Unit {
    /// A unit from the command line's paths: one folder, or files (a workbook and/or documents).
    pub fn from_paths(paths: &[PathBuf]) -> Result<Unit> {
        match paths {
            [] => bail!("请指定报告文件夹或文件"),
            [dir] if dir.is_dir() => Unit::from_dir(dir),
            files => {
                let mut unit = Unit::default();
                for f in files {
                    if f.is_dir() {
                        bail!(
                            "{} 是文件夹；检查一个文件夹时请只给出这一个路径",
                            f.display()
                        );
                    }
                    if !f.exists() {
                        bail!("找不到文件 {}", f.display());
                    }
                    if f.file_name().is_some_and(|n| n == CONFIG_FILE) {
                        unit.config = ReportConfig::read(f)?;
                        // Paths in report.toml (previous = …) are relative to its folder.
                        unit.dir = f.parent().map(Path::to_path_buf);
                        continue;
                    }
                    match classify(f) {
                        Some(FileKind::Workbook) if unit.workbook.is_none() => {
                            unit.workbook = Some(f.clone())
                        }
                        Some(FileKind::Workbook) => {
                            bail!("给出了多个统计表（{}），一次只能检查一份报告", f.display())
                        }
                        Some(FileKind::Document) => unit.documents.push(f.clone()),
                        None => bail!(
                            "无法识别的文件类型：{}（支持 xlsx、xls、ods、et、docx、html、md、txt）",
                            f.display()
                        ),
                    }
                }
                unit.name = files
                    .first()
                    .and_then(|f| f.file_stem())
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                Ok(unit)
            }
        }
    }

    /// A report folder: `report.toml` (optional) names the files; otherwise the one workbook and
    /// the one document in it are used.
    pub fn from_dir(dir: &Path) -> Result<Unit> {
        let config_path = dir.join(CONFIG_FILE);
        let config = if config_path.exists() {
            ReportConfig::read(&config_path)?
        } else {
            ReportConfig::default()
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("无法读取文件夹 {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            // Not only regular files: a FIFO or device named like a workbook is taken, so that
            // the reader refuses it by name instead of the unit silently lacking its workbook.
            .filter(|p| !p.is_dir())
            .collect();
        files.sort();
        let file_names: Vec<String> = files.iter().map(|f| display_name(f)).collect();
        let chosen = choose_files(&file_names, &config).map_err(|problem| {
            anyhow::anyhow!("{}", problem.text(&format!("文件夹 {} 中", dir.display())))
        })?;
        let workbook = match &config.workbook {
            Some(w) => Some(named_in(
                dir,
                "workbook",
                w,
                &file_names,
                FileKind::Workbook,
            )?),
            None => chosen.workbook.and_then(|i| files.get(i).cloned()),
        };
        let documents = match &config.draft {
            Some(d) => vec![named_in(dir, "draft", d, &file_names, FileKind::Document)?],
            None => chosen
                .documents
                .iter()
                .filter_map(|&i| files.get(i).cloned())
                .collect(),
        };
        Ok(Unit {
            name: dir
                .file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "报告".into()),
            dir: Some(dir.to_path_buf()),
            config,
            workbook,
            documents,
            previous: None,
            choose_draft: chosen.choose_draft,
        })
    }

    /// Every input file of the unit (outputs must never overwrite one of these).
    pub fn input_files(&self) -> Vec<PathBuf> {
        self.workbook
            .iter()
            .chain(&self.documents)
            .cloned()
            .collect()
    }
}

/// The folder inside a report folder where `build` writes by default; `from_dir` reads only the
/// folder's own files, so what nianbao wrote there is never taken as input.
pub const OUTPUT_DIR: &str = "输出";

/// A file `report.toml` names (`workbook = …`, `draft = …`), relative to the folder; when it
/// is not there, the message says which line to fix and what the folder holds instead.
fn named_in(
    dir: &Path,
    key: &str,
    named: &Path,
    file_names: &[String],
    kind: FileKind,
) -> Result<PathBuf> {
    let path = dir.join(named);
    if path.exists() {
        return Ok(path);
    }
    let present: Vec<&str> = file_names
        .iter()
        .filter(|n| classify(Path::new(n.as_str())) == Some(kind))
        .map(String::as_str)
        .collect();
    let instead = if present.is_empty() {
        "文件夹中没有这类文件".to_string()
    } else {
        format!("文件夹中现有：{}", present.join("、"))
    };
    bail!(
        "{} 中 {key} = \"{}\" 指定的文件不存在（{instead}）。请改正 report.toml 中的这一行，或删去这一行由 nianbao 自动选用",
        dir.join(CONFIG_FILE).display(),
        named.display()
    )
}

fn has_ext(name: &str, ext: &str) -> bool {
    Path::new(name)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

/// Which of a unit's files are its workbook and its documents (indices into the names given).
#[derive(Debug, Default)]
pub struct Chosen {
    pub workbook: Option<usize>,
    /// The documents; when [`Chosen::choose_draft`], the candidates for the draft, DOCX first.
    pub documents: Vec<usize>,
    /// Several documents and no `draft = …`: the one that was written is the draft.
    pub choose_draft: bool,
}

/// Why a unit's files could not be chosen: several candidates and nothing saying which.
#[derive(Debug)]
pub enum ChoiceProblem {
    Workbooks(Vec<String>),
}

impl ChoiceProblem {
    /// The message, after where the files are (`文件夹 某某 中`, `上传的文件中`).
    pub fn text(&self, place: &str) -> String {
        match self {
            ChoiceProblem::Workbooks(names) => format!(
                "{place}有多个统计表（{}），请在 report.toml 中用 workbook = \"…\" 指定",
                names.join("、")
            ),
        }
    }
}

/// Chooses a unit's workbook and draft among its files (sorted by name), unless `report.toml`
/// names them: the one workbook; the one document, or — a folder made by `nianbao init` has the
/// draft twice (DOCX and Markdown) — the documents as candidates, of which the pipeline takes
/// the one that was written ([`UnitInputs::chooses_draft`]).
pub fn choose_files(names: &[String], config: &ReportConfig) -> Result<Chosen, ChoiceProblem> {
    // Files report.toml gives another role (the office's Word template, last year's report)
    // are never this year's workbook or draft.
    let other_roles: Vec<&Path> = [&config.reference_docx, &config.previous]
        .into_iter()
        .flatten()
        .map(PathBuf::as_path)
        .collect();
    let of_kind = |kind: FileKind| -> Vec<usize> {
        (0..names.len())
            .filter(|&i| classify(Path::new(&names[i])) == Some(kind))
            .filter(|&i| !other_roles.contains(&Path::new(&names[i])))
            .collect()
    };
    let listed = |found: &[usize]| found.iter().map(|&i| names[i].clone()).collect();
    let mut chosen = Chosen::default();
    if config.workbook.is_none() {
        let found = of_kind(FileKind::Workbook);
        if found.len() > 1 {
            return Err(ChoiceProblem::Workbooks(listed(&found)));
        }
        chosen.workbook = found.first().copied();
    }
    if config.draft.is_none() {
        let mut found = of_kind(FileKind::Document);
        // DOCX first: when no candidate was written, the Word draft is the one used.
        found.sort_by_key(|&i| !has_ext(&names[i], "docx"));
        chosen.choose_draft = found.len() > 1;
        chosen.documents = found;
    }
    Ok(chosen)
}

/// The file name as shown in messages.
pub fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

impl UnitInputs for Unit {
    fn name(&self) -> &str {
        &self.name
    }

    fn config(&self) -> &ReportConfig {
        &self.config
    }

    fn workbook(&self) -> Result<Option<InputFile<'_>>> {
        let Some(path) = &self.workbook else {
            return Ok(None);
        };
        let (name, bytes) =
            nianbao_excel::read_workbook_file(path).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(Some(InputFile {
            name,
            bytes: Cow::Owned(bytes),
        }))
    }

    fn document_count(&self) -> usize {
        self.documents.len()
    }

    fn document(&self, index: usize) -> Result<InputFile<'_>> {
        let path = self
            .documents
            .get(index)
            .context("内部错误：文稿序号超出范围")?;
        let (name, bytes) =
            nianbao_docs::read_document_file(path).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(InputFile {
            name,
            bytes: Cow::Owned(bytes),
        })
    }

    fn chooses_draft(&self) -> bool {
        self.choose_draft
    }

    fn previous(&self) -> Result<Option<Previous>> {
        // report.toml's `previous = …` is relative to its folder.
        let named = self.previous.clone().or_else(|| {
            let p = self.config.previous.as_ref()?;
            Some(
                self.dir
                    .as_ref()
                    .map(|d| d.join(p))
                    .unwrap_or_else(|| p.clone()),
            )
        });
        let Some(path) = named else {
            return Ok(None);
        };
        Previous::from_paths(std::slice::from_ref(&path)).map(Some)
    }
}

impl Previous {
    /// Last year's report from paths: a report folder, or files of one unit (a workbook and
    /// its published text), as [`Unit::from_paths`] takes them.
    pub fn from_paths(paths: &[PathBuf]) -> Result<Previous> {
        let unit = match paths {
            [dir] if dir.is_dir() => Unit::from_dir(dir)?,
            files => Unit::from_paths(files)?,
        };
        let first = paths.first().cloned().unwrap_or_default();
        Ok(Previous {
            shown: paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join("、"),
            file_name: display_name(&first),
            inputs: Box::new(unit),
        })
    }
}

/// A unit whose files are already in memory (an upload): chosen among by the same rules as a
/// folder's, `report.toml` included.
#[derive(Debug, Clone, Default)]
pub struct MemoryUnit {
    pub name: String,
    pub config: ReportConfig,
    pub workbook: Option<(String, Vec<u8>)>,
    pub documents: Vec<(String, Vec<u8>)>,
    pub previous: Option<Box<MemoryUnit>>,
    /// The documents are candidates for the draft ([`UnitInputs::chooses_draft`]).
    pub choose_draft: bool,
}

impl MemoryUnit {
    /// A unit from named files (names without folders). Files of no known kind are refused by
    /// name, as on the command line; `place` says where they came from in messages
    /// (`上传的文件中`).
    pub fn from_files(
        name: &str,
        mut files: Vec<(String, Vec<u8>)>,
        place: &str,
    ) -> Result<MemoryUnit> {
        if files.is_empty() {
            bail!("{place}没有文件：请提供统计表（xlsx/xls/ods/et）和文稿，或已发布的报告");
        }
        files.sort_by(|a, b| a.0.cmp(&b.0));
        let mut config = ReportConfig::default();
        if let Some(i) = files.iter().position(|(n, _)| n == CONFIG_FILE) {
            let (shown, bytes) = files.remove(i);
            config = ReportConfig::from_bytes(&bytes, &shown)?;
        }
        for (file, _) in &files {
            if classify(Path::new(file)).is_none() {
                bail!("无法识别的文件类型：{file}（支持 xlsx、xls、ods、et、docx、html、md、txt）");
            }
        }
        let names: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
        let chosen =
            choose_files(&names, &config).map_err(|p| anyhow::anyhow!("{}", p.text(place)))?;
        let named = |wanted: &Path| -> Result<usize> {
            let wanted = wanted.to_string_lossy();
            names
                .iter()
                .position(|n| *n == wanted)
                .with_context(|| format!("report.toml 指定的文件不存在：{wanted}"))
        };
        let workbook = match &config.workbook {
            Some(w) => Some(named(w)?),
            None => chosen.workbook,
        };
        let documents = match &config.draft {
            Some(d) => vec![named(d)?],
            None => chosen.documents,
        };
        let mut slots: Vec<Option<(String, Vec<u8>)>> = files.into_iter().map(Some).collect();
        let mut take = |i: usize| slots.get_mut(i).and_then(Option::take);
        Ok(MemoryUnit {
            name: name.to_string(),
            workbook: workbook.and_then(&mut take),
            documents: documents.into_iter().filter_map(&mut take).collect(),
            choose_draft: config.draft.is_none() && chosen.choose_draft,
            config,
            previous: None,
        })
    }
}

impl UnitInputs for MemoryUnit {
    fn name(&self) -> &str {
        &self.name
    }

    fn config(&self) -> &ReportConfig {
        &self.config
    }

    fn workbook(&self) -> Result<Option<InputFile<'_>>> {
        Ok(self.workbook.as_ref().map(|(name, bytes)| InputFile {
            name: name.clone(),
            bytes: Cow::Borrowed(bytes),
        }))
    }

    fn document_count(&self) -> usize {
        self.documents.len()
    }

    fn document(&self, index: usize) -> Result<InputFile<'_>> {
        let (name, bytes) = self
            .documents
            .get(index)
            .context("内部错误：文稿序号超出范围")?;
        Ok(InputFile {
            name: name.clone(),
            bytes: Cow::Borrowed(bytes),
        })
    }

    fn chooses_draft(&self) -> bool {
        self.choose_draft
    }

    fn previous(&self) -> Result<Option<Previous>> {
        Ok(self.previous.as_ref().map(|p| Previous {
            shown: p.name.clone(),
            file_name: p.name.clone(),
            inputs: p.clone() as Box<dyn UnitInputs>,
        }))
    }
}
