//! What the binary prints and writes: findings for people and for machines (JSON), and files
//! written safely (atomically, never over an input, never outside the output folder).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use nianbao_model::{CellValue, Counts, Finding, Format, Report, Severity};
use serde_json::{Map, Value, json};

/// Version of the JSON document printed by `--json`. Bump on any incompatible change.
pub const JSON_SCHEMA: &str = "nianbao/1";

/// Language of the binary's own framing text (findings stay in Chinese; rule ids are stable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

/// How many locations of one finding are printed before "等 N 处".
pub const SHOWN_LOCATIONS: usize = 4;

/// Prints findings grouped by severity, for people.
pub fn print_findings(
    out: &mut impl Write,
    title: &str,
    format: &Format,
    findings: &[Finding],
    lang: Lang,
) -> std::io::Result<()> {
    let c = Counts::of(findings);
    match lang {
        Lang::Zh => {
            writeln!(out, "{title}")?;
            writeln!(out, "格式：{}（{}）", format.name, format.id)?;
            writeln!(
                out,
                "检查结果：错误 {} 项，警告 {} 项，提示 {} 项",
                c.errors, c.warnings, c.infos
            )?;
        }
        Lang::En => {
            writeln!(out, "{title}")?;
            writeln!(out, "format: {} ({})", format.name, format.id)?;
            writeln!(
                out,
                "result: {} errors, {} warnings, {} notes",
                c.errors, c.warnings, c.infos
            )?;
        }
    }
    for severity in [Severity::Error, Severity::Warning, Severity::Info] {
        let group: Vec<&Finding> = findings.iter().filter(|f| f.severity == severity).collect();
        if group.is_empty() {
            continue;
        }
        let name = match lang {
            Lang::Zh => severity.label(),
            Lang::En => severity.label_en(),
        };
        writeln!(out, "\n{name}（{}）", group.len())?;
        for f in group {
            writeln!(out, "  [{}] {}", f.rule, f.message)?;
            let (at, more, expected, found, hint) = match lang {
                Lang::Zh => ("位置", "另有", "应为", "实为", "建议"),
                Lang::En => ("at", "and more:", "expected", "found", "hint"),
            };
            for loc in f.locations.iter().take(SHOWN_LOCATIONS) {
                writeln!(out, "      {at}：{loc}")?;
            }
            if f.locations.len() > SHOWN_LOCATIONS {
                writeln!(
                    out,
                    "      {more} {} 处",
                    f.locations.len() - SHOWN_LOCATIONS
                )?;
            }
            if let (Some(e), Some(fd)) = (&f.expected, &f.found) {
                writeln!(out, "      {expected}：{e}；{found}：{fd}")?;
            }
            if let Some(h) = &f.hint {
                writeln!(out, "      {hint}：{h}")?;
            }
        }
    }
    Ok(())
}

/// A value as JSON: whole numbers as numbers, decimals as exact strings, no value as null.
fn value_json(value: &CellValue) -> (Value, Option<String>) {
    match value {
        CellValue::Number(n) => {
            let v = if n.fract().is_zero() {
                nianbao_model::report::decimal_to_i64(*n)
                    .map(Value::from)
                    .unwrap_or_else(|| Value::from(n.to_string()))
            } else {
                Value::from(n.normalize().to_string())
            };
            (v, None)
        }
        CellValue::Empty(raw) | CellValue::Unreadable(raw) => (Value::Null, Some(raw.clone())),
    }
}

/// The report as JSON: metadata, title, prose, and every value keyed `row` › `field`.
pub fn report_json(format: &Format, report: &Report) -> Value {
    let mut values = Map::new();
    for key in format.value_keys() {
        let cell = report.values.get(&key);
        let (value, raw) = cell
            .map(|c| value_json(&c.value))
            .unwrap_or((Value::Null, Some(String::new())));
        let mut entry = Map::new();
        entry.insert("value".into(), value);
        if let Some(raw) = raw {
            entry.insert("raw".into(), Value::from(raw));
        }
        entry.insert("label".into(), Value::from(format.value_label(&key)));
        if let Some(src) = cell.and_then(|c| c.source.as_ref()) {
            entry.insert(
                "source".into(),
                serde_json::to_value(src).unwrap_or(Value::Null),
            );
        }
        let row = values
            .entry(key.row.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(fields) = row {
            fields.insert(key.field.clone(), Value::Object(entry));
        }
    }
    json!({
        "meta": report.meta,
        "title": report.title(format),
        "opening": report.opening,
        "parts": report.parts,
        "closing": report.closing,
        "values": values,
        "summed_from": report.summed_from,
    })
}

/// The `--json` document of a run that could not be done (a usage error, a file that cannot
/// be read, an internal error): the reason in Chinese, as on standard error.
pub fn error_json(kind: &str, message: &str) -> Value {
    json!({
        "schema": JSON_SCHEMA,
        "tool": { "name": "nianbao", "version": env!("CARGO_PKG_VERSION") },
        "error": { "kind": kind, "message": message },
    })
}

/// The whole `--json` document of `check` and `build`.
pub fn check_json(
    format: &Format,
    report: &Report,
    findings: &[Finding],
    outputs: &[PathBuf],
) -> Value {
    json!({
        "schema": JSON_SCHEMA,
        "tool": { "name": "nianbao", "version": env!("CARGO_PKG_VERSION") },
        "format": { "id": format.id, "name": format.name, "version": format.version },
        "report": report_json(format, report),
        "counts": Counts::of(findings),
        "findings": findings,
        "outputs": outputs.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
    })
}

/// An error and its causes, outermost first, joined as anyhow's `{:#}` does — but an
/// operating-system error, which arrives in the system's English, is said in Chinese
/// ([`nianbao_fs::io_reason`]), and so is a workbook writer's ([`xlsx_reason`]). Every error
/// shown to the user goes through here.
pub fn error_text(e: &anyhow::Error) -> String {
    let parts: Vec<String> = e
        .chain()
        .map(|cause| {
            if let Some(io) = cause.downcast_ref::<std::io::Error>() {
                nianbao_fs::io_reason(io)
            } else if let Some(x) = cause.downcast_ref::<rust_xlsxwriter::XlsxError>() {
                xlsx_reason(x)
            } else {
                cause.to_string()
            }
        })
        .collect();
    parts.join("：")
}

/// What went wrong writing 汇总.xlsx, in Chinese.
pub fn xlsx_reason(e: &rust_xlsxwriter::XlsxError) -> String {
    match e {
        rust_xlsxwriter::XlsxError::IoError(io) => nianbao_fs::io_reason(io),
        rust_xlsxwriter::XlsxError::MaxStringLengthExceeded => {
            "单元格文字超过 Excel 的上限（32,767 个字符）".to_string()
        }
        _ => "生成 Excel 工作簿失败（内部错误）".to_string(),
    }
}

/// The longest file name most file systems take, in bytes, extension included.
pub const MAX_FILE_NAME_BYTES: usize = 255;

/// Characters that are invisible or reorder the text around them: bidirectional controls
/// (U+202E makes `报告gpj.exe` show as `报告exe.jpg`), marks and zero-width characters.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}'
        | '\u{061C}' | '\u{180E}' | '\u{FEFF}' | '\u{00AD}')
}

/// Names Windows keeps for devices, whatever the extension (`CON.docx` opens the console).
fn is_windows_device_name(stem: &str) -> bool {
    let upper = stem.trim_end_matches([' ', '.']).to_ascii_uppercase();
    matches!(
        upper.as_str(),
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$"
    ) || ((upper.starts_with("COM") || upper.starts_with("LPT"))
        && upper.len() == 4
        && upper.as_bytes()[3].is_ascii_digit()
        && upper.as_bytes()[3] != b'0')
}

/// Cuts text to at most `max` bytes, on a character boundary.
fn cut_to_bytes(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Makes a file name from text such as a 机关名称: no path separators, no `..`, no control,
/// invisible or bidirectional characters, none of the characters Windows reserves, not a
/// Windows device name (`CON`, `aux`, `com1`…, with any extension), not empty, and at most
/// `max_bytes` bytes (cut on a character boundary).
pub fn sanitize_file_name_within(name: &str, max_bytes: usize) -> String {
    let cleaned: String = name
        .chars()
        .filter(|c| !c.is_control() && !is_invisible(*c))
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c => c,
        })
        .collect();
    let trimmed = cleaned.trim().trim_matches('.').trim();
    let mut name = if trimmed.is_empty() || trimmed.chars().all(|c| c == '_' || c == '.') {
        "报告".to_string()
    } else {
        trimmed.to_string()
    };
    let stem = name.split('.').next().unwrap_or_default();
    if is_windows_device_name(stem) {
        name.insert(stem.len(), '_');
    }
    let cut = cut_to_bytes(&name, max_bytes).trim_end_matches([' ', '.']);
    if cut.is_empty() {
        "报告".to_string()
    } else {
        cut.to_string()
    }
}

/// [`sanitize_file_name_within`] the whole [`MAX_FILE_NAME_BYTES`] (a folder's name).
pub fn sanitize_file_name(name: &str) -> String {
    sanitize_file_name_within(name, MAX_FILE_NAME_BYTES)
}

/// When a written file is forced to disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flush {
    /// Before [`write_atomic`] returns: the single commands write one or two files.
    Each,
    /// Later, all together, with [`flush_written`]: a batch writes two files per unit, and forcing
    /// each to disk in turn kept a worker waiting on the disk for every unit.
    Deferred,
}

/// Forces files written with [`Flush::Deferred`] to disk (before a batch reports that it is
/// done). On Linux one `syncfs` of the output folder's file system does it; elsewhere each file
/// is flushed in turn.
pub fn flush_written(folder: &Path, written: &[PathBuf]) -> Result<()> {
    #[cfg(target_os = "linux")]
    {
        let _ = written;
        let dir = std::fs::File::open(folder)
            .with_context(|| format!("无法打开 {}", folder.display()))?;
        rustix::fs::syncfs(&dir)
            .map_err(std::io::Error::from)
            .with_context(|| format!("无法写入磁盘：{}", folder.display()))?;
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = folder;
        for path in written {
            // Opened for writing: Windows flushes a file only through a handle that may write.
            std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .and_then(|f| f.sync_all())
                .with_context(|| format!("无法写入磁盘：{}", path.display()))?;
        }
    }
    Ok(())
}

/// Starts writing a batch's finished files to disk while the next units are being made, so that
/// [`flush_written`] at the end has little left to wait for. On Linux, `start` runs a `syncfs`
/// of the output folder's file system ([`flush_written`]) in a helper thread (one at a time; a start while one runs
/// is skipped: that one's successor covers it); elsewhere it does nothing. Errors are left to
/// [`flush_written`], which reports them.
pub struct EarlyFlush {
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    folder: PathBuf,
    running: Option<std::thread::JoinHandle<()>>,
}

impl EarlyFlush {
    pub fn new(folder: &Path) -> EarlyFlush {
        EarlyFlush {
            folder: folder.to_path_buf(),
            running: None,
        }
    }

    /// Starts a flush of what is written so far, unless one is still running.
    pub fn start(&mut self) {
        #[cfg(target_os = "linux")]
        {
            if self.running.as_ref().is_some_and(|h| !h.is_finished()) {
                return;
            }
            self.wait();
            let folder = self.folder.clone();
            self.running = std::thread::Builder::new()
                .name("nianbao-flush".into())
                .spawn(move || {
                    let _ = flush_written(&folder, &[]);
                })
                .ok();
        }
    }

    /// Waits for the running flush, if any.
    pub fn wait(&mut self) {
        if let Some(handle) = self.running.take() {
            let _ = handle.join();
        }
    }
}

/// Writes a file atomically (temporary file in the same folder, then rename). Refuses to replace
/// an input file, and an existing file unless `force`. `flush` says whether the file is forced
/// to disk now or later by the caller ([`flush_written`]).
pub fn write_atomic(
    path: &Path,
    bytes: &[u8],
    force: bool,
    inputs: &[PathBuf],
    flush: Flush,
) -> Result<()> {
    let mut file = AtomicFile::create(path, force, inputs)?;
    file.write_all(bytes)
        .with_context(|| format!("写入 {} 失败", path.display()))?;
    file.commit(flush)
}

/// A file written atomically, for output made piece by piece (a batch's results): a temporary
/// file in the target's folder, renamed to the target by [`AtomicFile::commit`]. Dropped
/// without being committed, it leaves nothing behind.
pub struct AtomicFile {
    path: PathBuf,
    force: bool,
    tmp: tempfile::NamedTempFile,
}

impl AtomicFile {
    /// Refuses an input file as target, and an existing file unless `force`.
    pub fn create(path: &Path, force: bool, inputs: &[PathBuf]) -> Result<AtomicFile> {
        // A target that does not exist yet is no input; only an existing one is compared, by
        // its canonical path (resolving every link costs a system call per path component).
        if std::fs::symlink_metadata(path).is_ok() {
            let canonical_target = canonical_or_self(path);
            if inputs
                .iter()
                .any(|i| canonical_or_self(i) == canonical_target)
            {
                bail!("拒绝写入 {}：它是输入文件之一", path.display());
            }
        }
        if path.exists() && !force {
            bail!("{} 已存在；如需覆盖，请加 --force", path.display());
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if std::fs::metadata(&dir).is_ok_and(|m| !m.is_dir()) {
            bail!(
                "无法写入 {}：{} 是文件，不是文件夹",
                path.display(),
                dir.display()
            );
        }
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("无法创建文件夹 {}", dir.display()))?;
        let mut builder = tempfile::Builder::new();
        // A name of its own, so that what an interrupted run left behind is recognised as
        // nianbao's and removed by the next batch ([`remove_stale_temporaries`]).
        builder.prefix(TEMP_PREFIX);
        // The output is an ordinary document others may read, as the umask allows (a temporary
        // file is private by default): created so, rather than changed after.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o644));
        }
        let tmp = builder
            .tempfile_in(&dir)
            .with_context(|| format!("无法在 {} 中写入", dir.display()))?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            force,
            tmp,
        })
    }

    /// Puts the file in place (forced to disk first with [`Flush::Each`]).
    pub fn commit(self, flush: Flush) -> Result<()> {
        let AtomicFile { path, force, tmp } = self;
        if flush == Flush::Each {
            tmp.as_file().sync_all().ok();
        }
        // Without --force, the final rename must not replace a file that appeared meanwhile (two
        // batch units whose names clean up alike, say): check-then-rename alone would race.
        if force {
            tmp.persist(&path).map_err(|e| {
                anyhow::anyhow!(nianbao_fs::io_message("无法保存", &path, &e.error))
            })?;
        } else {
            tmp.persist_noclobber(&path).map_err(|e| {
                if path.exists() {
                    anyhow::anyhow!("{} 已存在；如需覆盖，请加 --force", path.display())
                } else {
                    anyhow::anyhow!(nianbao_fs::io_message("无法保存", &path, &e.error))
                }
            })?;
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.tmp.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.tmp.flush()
    }
}

/// The list of files a batch has written into its output folder, kept until the batch is done
/// (a hidden file, so never taken for a unit). A batch that is interrupted (killed, power cut,
/// disk full) leaves it behind; the next batch into the same folder may then replace exactly
/// those files without `--force`: they are its own earlier outputs, not someone's documents.
/// A file is listed before it is put in place, so every file a batch put there is listed.
pub struct BatchLog {
    path: PathBuf,
    earlier: std::collections::BTreeSet<String>,
    /// Opened at the first file listed: a batch that stops before writing leaves no list.
    file: std::sync::Mutex<Option<std::fs::File>>,
}

/// The file name of [`BatchLog`].
pub const BATCH_LOG: &str = ".nianbao-batch-unfinished";

/// The largest batch log read back: names of a few thousand units' outputs.
const MAX_BATCH_LOG_BYTES: u64 = 16 * 1024 * 1024;

impl BatchLog {
    /// Reads what an interrupted batch left in `dir` (if anything). Only plain file names are
    /// taken from an earlier log.
    pub fn open(dir: &Path) -> BatchLog {
        let path = dir.join(BATCH_LOG);
        let earlier = match nianbao_fs::read_regular(&path, MAX_BATCH_LOG_BYTES) {
            Ok(bytes) => String::from_utf8_lossy(&bytes)
                .lines()
                .filter(|l| {
                    !l.is_empty()
                        && *l != "."
                        && *l != ".."
                        && !l.contains(['/', '\\'])
                        && !l.chars().any(char::is_control)
                })
                .map(str::to_string)
                .collect(),
            Err(_) => Default::default(),
        };
        BatchLog {
            path,
            earlier,
            file: std::sync::Mutex::new(None),
        }
    }

    /// Whether an interrupted batch wrote this file (a name in the output folder).
    pub fn wrote_earlier(&self, name: &str) -> bool {
        self.earlier.contains(name)
    }

    /// Whether files were listed by an interrupted batch.
    pub fn resumes(&self) -> bool {
        !self.earlier.is_empty()
    }

    /// Lists a file about to be put in place in the output folder.
    pub fn record(&self, name: &str) -> Result<()> {
        let mut file = self
            .file
            .lock()
            .map_err(|_| anyhow::anyhow!("批量处理的文件清单不可用"))?;
        if file.is_none() {
            *file = Some(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&self.path)
                    .with_context(|| format!("无法写入 {}", self.path.display()))?,
            );
        }
        match file.as_mut() {
            Some(f) => {
                writeln!(f, "{name}").with_context(|| format!("无法写入 {}", self.path.display()))
            }
            None => Ok(()),
        }
    }

    /// The batch is done: its files no longer need the list.
    pub fn finish(self) -> Result<()> {
        drop(self.file);
        match std::fs::remove_file(&self.path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(e).with_context(|| format!("无法删除 {}", self.path.display()))
            }
            _ => Ok(()),
        }
    }
}

/// How the temporary files of [`AtomicFile`] begin.
pub const TEMP_PREFIX: &str = ".nianbao-tmp-";

/// Whether a file name is one of nianbao's temporary files: [`TEMP_PREFIX`], or the
/// `.tmpXXXXXX` of versions before it (tempfile's default: six letters or digits).
fn is_own_temporary(name: &str) -> bool {
    name.starts_with(TEMP_PREFIX)
        || name
            .strip_prefix(".tmp")
            .is_some_and(|rest| rest.len() == 6 && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Removes the temporary files an interrupted run left in a batch's output folder (regular
/// files, [`is_own_temporary`]; links and folders are left alone). Returns how many were
/// removed.
pub fn remove_stale_temporaries(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| is_own_temporary(&e.file_name().to_string_lossy()))
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| std::fs::remove_file(e.path()).is_ok())
        .count()
}

fn canonical_or_self(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Joins a file name made from untrusted text to an output folder, guaranteeing the result stays
/// inside the folder and the name, extension included, fits in [`MAX_FILE_NAME_BYTES`].
pub fn output_path(dir: &Path, name: &str, ext: &str) -> PathBuf {
    dir.join(output_file_name(name, "", ext))
}

/// `{name}{suffix}.{ext}` as a safe file name: the name cleaned and cut so that the whole, with
/// the suffix (`（2）`) and the extension, fits in [`MAX_FILE_NAME_BYTES`].
pub fn output_file_name(name: &str, suffix: &str, ext: &str) -> String {
    let room = MAX_FILE_NAME_BYTES.saturating_sub(suffix.len() + ext.len() + 1);
    format!("{}{suffix}.{ext}", sanitize_file_name_within(name, room))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_from_org_names_stay_in_the_folder() {
        assert_eq!(
            sanitize_file_name("卫东区行政审批和政务信息管理局"),
            "卫东区行政审批和政务信息管理局"
        );
        assert_eq!(sanitize_file_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(sanitize_file_name(".."), "报告");
        assert_eq!(sanitize_file_name("a/b\\c:d"), "a_b_c_d");
        assert_eq!(sanitize_file_name("  "), "报告");
        let p = output_path(Path::new("out"), "../x", "docx");
        assert_eq!(p, Path::new("out").join("_x.docx"));
        assert!(p.starts_with("out"));
    }

    #[test]
    fn a_batch_log_names_only_files_of_its_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(BATCH_LOG),
            "甲.docx\n../外面.docx\n/etc/passwd\n..\n\n子/乙.xlsx\n汇总.xlsx\n",
        )
        .unwrap();
        let log = BatchLog::open(dir.path());
        assert!(log.resumes());
        assert!(log.wrote_earlier("甲.docx") && log.wrote_earlier("汇总.xlsx"));
        for name in ["../外面.docx", "/etc/passwd", "..", "子/乙.xlsx", "乙.docx"] {
            assert!(!log.wrote_earlier(name), "{name}");
        }
        log.record("丙.docx").unwrap();
        let text = std::fs::read_to_string(dir.path().join(BATCH_LOG)).unwrap();
        assert!(text.ends_with("汇总.xlsx\n丙.docx\n"), "{text}");
        log.finish().unwrap();
        assert!(!dir.path().join(BATCH_LOG).exists());
        // A batch that writes nothing leaves no log.
        BatchLog::open(dir.path()).finish().unwrap();
        assert!(!dir.path().join(BATCH_LOG).exists());
    }

    #[test]
    fn stale_temporaries_and_only_they_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(format!("{TEMP_PREFIX}abc")), "x").unwrap();
        std::fs::create_dir(dir.path().join(format!("{TEMP_PREFIX}folder"))).unwrap();
        std::fs::write(dir.path().join(".tmpAbC123"), "x").unwrap();
        std::fs::write(dir.path().join(".tmp-other"), "x").unwrap();
        std::fs::write(dir.path().join(".tmpAbC1234"), "x").unwrap();
        std::fs::write(dir.path().join("甲.docx"), "x").unwrap();
        assert_eq!(remove_stale_temporaries(dir.path()), 2);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 4);
    }

    #[test]
    fn invisible_and_reordering_characters_are_dropped() {
        assert_eq!(sanitize_file_name("报告\u{202E}gpj.exe"), "报告gpj.exe");
        assert_eq!(
            sanitize_file_name("某\u{200B}某\u{2066}局\u{200F}\u{FEFF}"),
            "某某局"
        );
        assert_eq!(sanitize_file_name("某局\u{7}\u{1b}\u{0}"), "某局");
        assert_eq!(sanitize_file_name("\u{202E}\u{200B}"), "报告");
    }

    #[test]
    fn windows_device_names_are_avoided() {
        for name in [
            "CON", "con", "Aux", "NUL", "prn", "COM1", "com9", "LPT3", "nul.txt", "CON .x",
        ] {
            let safe = sanitize_file_name(name);
            let stem = safe.split('.').next().unwrap();
            assert!(!is_windows_device_name(stem), "{name} → {safe}");
        }
        assert_eq!(sanitize_file_name("aux"), "aux_");
        assert_eq!(sanitize_file_name("nul.txt"), "nul_.txt");
        assert_eq!(
            output_path(Path::new("o"), "COM1", "docx"),
            Path::new("o").join("COM1_.docx")
        );
        for name in ["COM0", "COM10", "CONSOLE", "卫东区"] {
            assert_eq!(sanitize_file_name(name), name);
        }
    }

    #[test]
    fn names_are_cut_at_255_bytes_on_a_character_boundary() {
        let long = "𠀀".repeat(300); // four bytes each
        let name = output_file_name(&long, "", "docx");
        assert!(name.len() <= MAX_FILE_NAME_BYTES, "{}", name.len());
        assert!(name.ends_with(".docx"));
        assert_eq!(name.len(), 62 * 4 + 5);
        let with_suffix = output_file_name(&"局".repeat(200), "（12）", "xlsx");
        assert!(with_suffix.len() <= MAX_FILE_NAME_BYTES && with_suffix.ends_with("（12）.xlsx"));
        assert!(sanitize_file_name(&"a".repeat(400)).len() == MAX_FILE_NAME_BYTES);
    }
}
