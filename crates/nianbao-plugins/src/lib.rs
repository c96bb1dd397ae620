//! The registry of report formats: the built-in national format plus regional plugins loaded at
//! run time from shared libraries.
//!
//! A plugin is a `cdylib` built against `nianbao-plugin-api`. Loading one goes, in this order:
//! open the library → read `nianbao_plugin_abi_version` and refuse any other version → call
//! `nianbao_plugin_describe` → check the descriptor (id, nianbao version requirement, base format)
//! → apply its overlay with [`Format::with_overlay`]. Any failure is a [`LoadProblem`] in Chinese
//! naming the file; the registry keeps everything that did load.
//!
//! Invariants:
//! - A library, once opened, is never closed: its code may be called for the whole process, and
//!   unloading Rust libraries that used thread-locals crashes at thread exit. Libraries are leaked
//!   on purpose.
//! - Nothing is loaded from the current directory unless a caller passes it explicitly: opening a
//!   library runs its initialisers.
//! - Discovery only considers files named like plugins (`libnianbao_plugin_*.so`,
//!   `nianbao_plugin_*.dll`, `libnianbao_plugin_*.dylib`), so other libraries that live next to
//!   the executable are never opened. [`Registry::load_file`] opens whatever it is given.
//! - Results are deterministic: directories in the order given, files by name.
//! - A file is never read whole into memory: the inspection reads its headers, and the check
//!   that two directories hold the same build hashes a (size-bounded) file in blocks, and only
//!   when an earlier plugin file has the same size.

use std::collections::BTreeSet;
use std::env::consts::{DLL_PREFIX, DLL_SUFFIX};
use std::ffi::OsStr;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod inspect;

pub use inspect::{MAX_PLUGIN_BYTES, Trust};

use libloading::Library;
use nianbao_model::{Finding, Format, Location, NATIONAL_2021, Report};
use nianbao_plugin_api::{
    ABI_VERSION, AbiVersionFn, CheckFn, DescribeFn, FreeFn, NbBuf, PluginDescriptor, ReplyError,
    SYMBOL_ABI_VERSION, SYMBOL_CHECK, SYMBOL_DESCRIBE, SYMBOL_FREE, parse_reply,
};

/// The environment variable listing extra plugin directories (separated like `PATH`).
pub const PLUGIN_PATH_VAR: &str = "NIANBAO_PLUGIN_PATH";

/// What the built-in format's `source` says.
pub const BUILTIN_SOURCE: &str = "内置";

/// The stem every plugin library's file name starts with (after the platform prefix).
pub const PLUGIN_FILE_STEM: &str = "nianbao_plugin_";

/// The version of nianbao that plugins' `nianbao_versions` requirements are matched against.
pub const NIANBAO_VERSION: &str = env!("CARGO_PKG_VERSION");

/// A format the registry knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatInfo {
    pub id: String,
    pub name: String,
    pub version: String,
    /// `内置` for the built-in format, otherwise the library's path.
    pub source: String,
}

/// A plugin that could not be loaded, and why (Chinese, naming the file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadProblem {
    pub file: PathBuf,
    pub message: String,
}

impl fmt::Display for LoadProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for LoadProblem {}

impl LoadProblem {
    fn new(file: &Path, message: impl fmt::Display) -> LoadProblem {
        LoadProblem {
            file: file.to_path_buf(),
            message: format!("插件“{}”{message}", file.display()),
        }
    }

    /// A plugin folder that was not used.
    fn folder(dir: &Path, message: impl fmt::Display) -> LoadProblem {
        LoadProblem {
            file: dir.to_path_buf(),
            message: format!("插件文件夹“{}”{message}", dir.display()),
        }
    }

    /// The problem as a warning finding (rule `plugin.load_failed`), for reports that list
    /// everything that went wrong in one place.
    pub fn to_finding(&self) -> Finding {
        Finding::warning("plugin.load_failed", self.message.clone())
            .at(Location::file(self.file.display().to_string()))
            .hint("该插件已被跳过，其余格式照常可用。请联系插件提供方，或将其从插件目录中移除。")
    }
}

/// The entry points of a loaded plugin. The function pointers stay valid for the process because
/// the library is never unloaded.
#[derive(Debug, Clone)]
struct LoadedPlugin {
    path: PathBuf,
    free: FreeFn,
    check: Option<CheckFn>,
}

#[derive(Debug, Clone)]
struct Entry {
    info: FormatInfo,
    /// Shared by every report checked against it, so what it derives once (expanded rules) is
    /// derived once per run.
    format: Arc<Format>,
    plugin: Option<LoadedPlugin>,
}

/// The formats available to this process: the built-in national format plus loaded plugins.
#[derive(Debug, Clone)]
pub struct Registry {
    entries: Vec<Entry>,
}

impl Registry {
    /// Only the built-in national format.
    pub fn builtin() -> Registry {
        let format = Format::national_2021().clone();
        Registry {
            entries: vec![Entry {
                info: FormatInfo {
                    id: format.id.clone(),
                    name: format.name.clone(),
                    version: format.version.clone(),
                    source: BUILTIN_SOURCE.to_string(),
                },
                format: Arc::new(format),
                plugin: None,
            }],
        }
    }

    /// Discovers plugins: in the extra dirs given (the CLI's `--plugin-dir`), in
    /// `NIANBAO_PLUGIN_PATH` (path-list), and next to the executable (and its `plugins/` subdir).
    /// Never the current directory unless it is passed explicitly. Plugins others could have
    /// placed are refused ([`Trust::OwnOnly`]).
    pub fn discover(extra_dirs: &[PathBuf]) -> (Registry, Vec<LoadProblem>) {
        Registry::discover_with(extra_dirs, Trust::OwnOnly)
    }

    /// [`Registry::discover`], with insecure plugins refused or allowed.
    pub fn discover_with(extra_dirs: &[PathBuf], trust: Trust) -> (Registry, Vec<LoadProblem>) {
        let exe = std::env::current_exe().ok();
        let env = std::env::var_os(PLUGIN_PATH_VAR);
        let dirs = plugin_dirs_from(exe.as_deref(), env.as_deref(), extra_dirs);
        Registry::discover_in_with(&dirs, trust)
    }

    /// Loads every plugin file found in exactly these directories, in order. Missing directories
    /// are skipped silently (the default places usually do not exist).
    pub fn discover_in(dirs: &[PathBuf]) -> (Registry, Vec<LoadProblem>) {
        Registry::discover_in_with(dirs, Trust::OwnOnly)
    }

    /// [`Registry::discover_in`], with insecure plugins refused or allowed.
    pub fn discover_in_with(dirs: &[PathBuf], trust: Trust) -> (Registry, Vec<LoadProblem>) {
        let mut registry = Registry::builtin();
        let mut problems = Vec::new();
        let mut seen_dirs = BTreeSet::new();
        let mut seen_files = BTreeSet::new();
        let mut seen_contents = SeenContents::default();
        for dir in dirs {
            let canonical = dir.canonicalize().unwrap_or_else(|_| dir.clone());
            if !seen_dirs.insert(canonical) {
                continue;
            }
            let files = match plugin_files_in(dir) {
                Ok(files) => files,
                Err(problem) => {
                    problems.push(problem);
                    continue;
                }
            };
            // A folder is judged only when it holds plugins: the default places (next to the
            // executable) are often shared folders with none.
            if !files.is_empty()
                && let Err(why) = inspect::check_folder(dir, trust)
            {
                problems.push(LoadProblem::folder(dir, why));
                continue;
            }
            for file in files {
                let canonical = file.canonicalize().unwrap_or_else(|_| file.clone());
                if !seen_files.insert(canonical) {
                    continue;
                }
                let (opened, size) = match inspect::check_file(&file, trust) {
                    Ok(opened) => opened,
                    Err(why) => {
                        problems.push(LoadProblem::new(&file, why));
                        continue;
                    }
                };
                // The same build copied to two places (next to the executable and in a
                // --plugin-dir, say) is one plugin, not two claiming one id.
                if seen_contents.is_copy(&file, opened, size) {
                    continue;
                }
                if let Err(problem) = registry.open_library(&file) {
                    problems.push(problem);
                }
            }
        }
        (registry, problems)
    }

    /// Loads one plugin library, after the same inspection as discovery with
    /// [`Trust::OwnOnly`]. On error the registry is unchanged.
    pub fn load_file(&mut self, path: &Path) -> Result<FormatInfo, LoadProblem> {
        self.load_file_with(path, Trust::OwnOnly)
    }

    /// [`Registry::load_file`], with insecure plugins refused or allowed.
    pub fn load_file_with(&mut self, path: &Path, trust: Trust) -> Result<FormatInfo, LoadProblem> {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        inspect::check_file(&absolute, trust).map_err(|why| LoadProblem::new(&absolute, why))?;
        if let Some(dir) = absolute.parent() {
            inspect::check_folder(dir, trust).map_err(|why| LoadProblem::folder(dir, why))?;
        }
        self.open_library(&absolute)
    }

    /// Opens an inspected library and registers its format.
    fn open_library(&mut self, path: &Path) -> Result<FormatInfo, LoadProblem> {
        // An absolute path keeps the dynamic loader from searching its own directories for a
        // bare file name.
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        // SAFETY: opening a library runs its initialisers; that is the point of a plugin, and
        // callers only pass files from plugin directories the user chose.
        let library = unsafe { Library::new(&path) }.map_err(|e| {
            LoadProblem::new(
                &path,
                format!("无法作为动态库加载（可能不是插件库，或不是为本机平台编译的）：{e}"),
            )
        })?;
        // Never unloaded: see the crate docs.
        let library: &'static Library = Box::leak(Box::new(library));

        let abi_version: AbiVersionFn = symbol(library, &path, SYMBOL_ABI_VERSION)?;
        // SAFETY: the symbol has the ABI's signature; a library that exports this name with
        // another signature is not a nianbao plugin and cannot be defended against.
        let found = unsafe { abi_version() };
        if found != ABI_VERSION {
            return Err(LoadProblem::new(
                &path,
                format!(
                    "的接口版本为 {found}，本程序要求 {ABI_VERSION}；请使用与本程序配套的 nianbao-plugin-api 重新编译该插件"
                ),
            ));
        }
        let describe: DescribeFn = symbol(library, &path, SYMBOL_DESCRIBE)?;
        let free: FreeFn = symbol(library, &path, SYMBOL_FREE)?;
        // SAFETY: ABI functions of a plugin whose version matched.
        let bytes = unsafe { take_reply(describe(), free) };
        let descriptor: PluginDescriptor = parse_reply(&bytes).map_err(|e| match e {
            ReplyError::Malformed(m) => {
                LoadProblem::new(&path, format!("返回的格式描述不是有效的 JSON 描述：{m}"))
            }
            ReplyError::Plugin(m) => LoadProblem::new(&path, format!("在提供格式描述时出错：{m}")),
        })?;
        let overlay = descriptor
            .resolved_overlay()
            .map_err(|m| LoadProblem::new(&path, m))?;
        if overlay.id == NATIONAL_2021 {
            return Err(LoadProblem::new(
                &path,
                format!("声明的格式标识“{NATIONAL_2021}”为内置全国通用格式专用，不能被插件占用"),
            ));
        }
        if let Some(existing) = self.entries.iter().find(|e| e.info.id == overlay.id) {
            return Err(LoadProblem::new(
                &path,
                format!(
                    "声明的格式标识“{}”已由“{}”提供，本插件未加载",
                    overlay.id, existing.info.source
                ),
            ));
        }
        check_nianbao_versions(&descriptor.nianbao_versions)
            .map_err(|m| LoadProblem::new(&path, m))?;
        let base = self.format(&overlay.base).ok_or_else(|| {
            LoadProblem::new(
                &path,
                format!(
                    "所基于的格式“{}”不存在（应为“{NATIONAL_2021}”或已加载的插件格式）",
                    overlay.base
                ),
            )
        })?;
        let format = base.with_overlay(&overlay).map_err(|e| {
            LoadProblem::new(
                &path,
                format!("的格式定义无法应用于“{}”：{e}", overlay.base),
            )
        })?;
        let check = if overlay.native_check {
            Some(symbol::<CheckFn>(library, &path, SYMBOL_CHECK)?)
        } else {
            None
        };
        let info = FormatInfo {
            id: format.id.clone(),
            name: format.name.clone(),
            version: format.version.clone(),
            source: path.display().to_string(),
        };
        self.entries.push(Entry {
            info: info.clone(),
            format: Arc::new(format),
            plugin: Some(LoadedPlugin { path, free, check }),
        });
        Ok(info)
    }

    /// Every known format, the built-in one first, then plugins in load order.
    pub fn formats(&self) -> Vec<FormatInfo> {
        self.entries.iter().map(|e| e.info.clone()).collect()
    }

    /// The format with this id.
    pub fn format(&self, id: &str) -> Option<&Format> {
        self.shared_format(id).map(|f| &**f)
    }

    /// The format with this id, to hold beyond a borrow of the registry (one per batch, shared
    /// by its units).
    pub fn shared_format(&self, id: &str) -> Option<&Arc<Format>> {
        self.entries
            .iter()
            .find(|e| e.info.id == id)
            .map(|e| &e.format)
    }

    /// Runs the plugin's native check, if it has one (empty for the built-in format). Errors become
    /// findings (rule `plugin.check_failed`).
    pub fn native_check(&self, id: &str, report: &Report) -> Vec<Finding> {
        let Some(entry) = self.entries.iter().find(|e| e.info.id == id) else {
            return vec![
                Finding::error("plugin.unknown_format", format!("未知的报告格式“{id}”"))
                    .expected_found(
                        self.entries
                            .iter()
                            .map(|e| e.info.id.as_str())
                            .collect::<Vec<_>>()
                            .join("、"),
                        id,
                    ),
            ];
        };
        let Some(plugin) = &entry.plugin else {
            return Vec::new();
        };
        let Some(check) = plugin.check else {
            return Vec::new();
        };
        let failed = |message: String| {
            vec![
                Finding::error(
                    "plugin.check_failed",
                    format!(
                        "格式“{}”的插件“{}”在本地检查时出错：{message}",
                        entry.info.id,
                        plugin.path.display()
                    ),
                )
                .at(Location::file(plugin.path.display().to_string()))
                .hint("本地检查未能完成，其他检查结果不受影响。请将此信息反馈给插件提供方。"),
            ]
        };
        let input = match serde_json::to_vec(report) {
            Ok(bytes) => bytes,
            Err(e) => return failed(format!("报告无法转换为 JSON：{e}")),
        };
        // SAFETY: `input` lives across the call; the plugin only borrows it. The returned buffer
        // goes back to the plugin's own free function.
        let bytes = unsafe { take_reply(check(input.as_ptr(), input.len()), plugin.free) };
        match parse_reply::<Vec<Finding>>(&bytes) {
            Ok(findings) => findings,
            Err(ReplyError::Malformed(m)) => failed(format!("返回的检查结果不是有效的 JSON：{m}")),
            Err(ReplyError::Plugin(m)) => failed(m),
        }
    }
}

/// Where [`Registry::discover`] looks, in order: the extra directories (`--plugin-dir`), each
/// entry of `NIANBAO_PLUGIN_PATH`, then the executable's directory and its `plugins/`
/// subdirectory. The first plugin to claim an id keeps it.
pub fn plugin_dirs(extra_dirs: &[PathBuf]) -> Vec<PathBuf> {
    let exe = std::env::current_exe().ok();
    let env = std::env::var_os(PLUGIN_PATH_VAR);
    plugin_dirs_from(exe.as_deref(), env.as_deref(), extra_dirs)
}

fn plugin_dirs_from(exe: Option<&Path>, env: Option<&OsStr>, extra: &[PathBuf]) -> Vec<PathBuf> {
    // What the user names explicitly comes first, so that it wins over an installed plugin
    // with the same id.
    let mut dirs: Vec<PathBuf> = extra.to_vec();
    if let Some(list) = env {
        // An empty entry would mean the current directory to some tools; never here.
        dirs.extend(std::env::split_paths(list).filter(|p| !p.as_os_str().is_empty()));
    }
    if let Some(dir) = exe.and_then(Path::parent) {
        dirs.push(dir.to_path_buf());
        dirs.push(dir.join("plugins"));
    }
    dirs
}

/// Whether a file name is a plugin library's on this platform (`libnianbao_plugin_x.so`).
pub fn is_plugin_file_name(name: &str) -> bool {
    name.strip_prefix(DLL_PREFIX)
        .and_then(|rest| rest.strip_prefix(PLUGIN_FILE_STEM))
        .and_then(|rest| rest.strip_suffix(DLL_SUFFIX))
        .is_some_and(|middle| !middle.is_empty())
}

/// Plugin files of a directory, sorted by name. A missing directory has none.
fn plugin_files_in(dir: &Path) -> Result<Vec<PathBuf>, LoadProblem> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let read = std::fs::read_dir(dir).map_err(|e| {
        LoadProblem::folder(dir, format!("无法读取：{}", nianbao_fs::io_reason(&e)))
    })?;
    let mut files: Vec<PathBuf> = read
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|p| {
            p.file_name()
                .and_then(OsStr::to_str)
                .is_some_and(is_plugin_file_name)
                && p.is_file()
        })
        .collect();
    files.sort();
    Ok(files)
}

/// The plugin files discovery has taken, to tell a copy of one from another plugin. A file is
/// read (hashed in 64 KiB blocks) only when an earlier one has its size: most plugins are never
/// read beyond their headers.
#[derive(Default)]
struct SeenContents {
    /// Size, path, and the content's hash once computed (`None` also when unreadable).
    files: Vec<(u64, PathBuf, Option<u64>)>,
}

impl SeenContents {
    /// Whether this file's content is an earlier file's; if not, it is remembered.
    fn is_copy(&mut self, path: &Path, file: std::fs::File, size: u64) -> bool {
        let mut file = Some(file);
        let mut hash = None;
        for (earlier_size, earlier_path, earlier_hash) in &mut self.files {
            if *earlier_size != size {
                continue;
            }
            if earlier_hash.is_none() {
                *earlier_hash = nianbao_fs::open_regular(earlier_path)
                    .ok()
                    .and_then(|(f, _)| content_hash(f));
            }
            if let Some(file) = file.take() {
                hash = content_hash(file);
            }
            if hash.is_some() && hash == *earlier_hash {
                return true;
            }
        }
        self.files.push((size, path.to_path_buf(), hash));
        false
    }
}

/// The hash of an opened file's content, read in blocks from its start. `None` when it cannot
/// be read: then it is not taken for a copy of another.
fn content_hash(mut file: std::fs::File) -> Option<u64> {
    use std::hash::Hasher;
    use std::io::{Read, Seek};
    file.rewind().ok()?;
    let mut hasher = std::hash::DefaultHasher::new();
    let mut block = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut block).ok()?;
        if n == 0 {
            break;
        }
        hasher.write(block.get(..n)?);
    }
    Some(hasher.finish())
}

/// Resolves an exported function, copying the pointer out (valid for the process: the library
/// is leaked).
fn symbol<T: Copy>(library: &'static Library, path: &Path, name: &[u8]) -> Result<T, LoadProblem> {
    // SAFETY: `T` is one of the ABI's function pointer types for this symbol name.
    unsafe { library.get::<T>(name) }.map(|s| *s).map_err(|e| {
        let shown = String::from_utf8_lossy(name.strip_suffix(b"\0").unwrap_or(name)).into_owned();
        LoadProblem::new(
            path,
            format!("缺少导出函数 {shown}，不是 nianbao 插件或已损坏：{e}"),
        )
    })
}

/// Copies a plugin's reply and hands the buffer back to the plugin.
///
/// # Safety
/// `buf` must have been returned by the library `free` belongs to, and not freed yet.
unsafe fn take_reply(buf: NbBuf, free: FreeFn) -> Vec<u8> {
    // SAFETY: caller's contract: a live buffer of the plugin.
    let bytes = unsafe { buf.as_bytes() }.to_vec();
    // SAFETY: freed once, by the library that allocated it.
    unsafe { free(buf) };
    bytes
}

/// Checks a plugin's `nianbao_versions` requirement against this nianbao. Empty means any.
fn check_nianbao_versions(requirement: &str) -> Result<(), String> {
    if requirement.trim().is_empty() {
        return Ok(());
    }
    let req = semver::VersionReq::parse(requirement).map_err(|e| {
        format!("声明的适用 nianbao 版本“{requirement}”无法识别（应为 semver 版本要求，如“>=0.1, <0.2”）：{e}")
    })?;
    let current = semver::Version::parse(NIANBAO_VERSION)
        .map_err(|e| format!("无法识别本程序版本 {NIANBAO_VERSION}：{e}"))?;
    if req.matches(&current) {
        Ok(())
    } else {
        Err(format!(
            "适用于 nianbao {requirement}，与本程序版本 {NIANBAO_VERSION} 不符；请安装与本程序版本相符的插件"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_lists_only_the_national_format() {
        let r = Registry::builtin();
        let formats = r.formats();
        assert_eq!(formats.len(), 1);
        assert_eq!(formats[0].id, NATIONAL_2021);
        assert_eq!(formats[0].source, BUILTIN_SOURCE);
        assert!(r.format(NATIONAL_2021).is_some());
        assert!(r.format("shandong").is_none());
        let report = Report::new("某某区人民政府", 2024);
        assert!(r.native_check(NATIONAL_2021, &report).is_empty());
        let unknown = r.native_check("shandong", &report);
        assert_eq!(unknown[0].rule, "plugin.unknown_format");
    }

    #[test]
    fn dirs_are_extra_then_env_then_exe_never_cwd() {
        let exe = Path::new("/opt/nianbao/bin/nianbao");
        let sep = if cfg!(windows) { ";" } else { ":" };
        let env = format!("/srv/a{sep}{sep}/srv/b");
        let dirs = plugin_dirs_from(Some(exe), Some(OsStr::new(&env)), &[PathBuf::from("extra")]);
        let want: Vec<PathBuf> = [
            "extra",
            "/srv/a",
            "/srv/b",
            "/opt/nianbao/bin",
            "/opt/nianbao/bin/plugins",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        assert_eq!(dirs, want);
        let none = plugin_dirs_from(None, None, &[]);
        assert!(none.is_empty(), "{none:?}");
    }

    #[test]
    fn plugin_file_names() {
        let name = |stem: &str| format!("{DLL_PREFIX}{stem}{DLL_SUFFIX}");
        assert!(is_plugin_file_name(&name("nianbao_plugin_shandong")));
        assert!(!is_plugin_file_name(&name("nianbao_plugin_")));
        assert!(!is_plugin_file_name(&name("foo")));
        assert!(!is_plugin_file_name(&name("serde_derive-1234")));
        assert!(!is_plugin_file_name("nianbao_plugin_shandong.txt"));
    }

    #[test]
    fn version_requirements() {
        assert!(check_nianbao_versions("").is_ok());
        assert!(check_nianbao_versions(">=0.1").is_ok());
        let err = check_nianbao_versions(">=9.0").unwrap_err();
        assert!(err.contains(NIANBAO_VERSION), "{err}");
        assert!(
            check_nianbao_versions("最新版")
                .unwrap_err()
                .contains("无法识别")
        );
    }

    #[test]
    fn missing_file_is_a_problem_naming_it() {
        let mut r = Registry::builtin();
        let err = r
            .load_file(Path::new("/nonexistent/libnianbao_plugin_x.so"))
            .unwrap_err();
        assert!(err.message.contains("libnianbao_plugin_x.so"), "{err}");
        assert_eq!(r.formats().len(), 1);
    }
}
