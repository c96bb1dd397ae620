//! How nianbao (年报) touches the file system for input, in one place: every input file — a
//! workbook, a draft or published report, `report.toml`, last year's report, a batch unit, a
//! plugin library — is checked before it is read, and every operating-system failure reaches
//! the user as one Chinese sentence naming the file.
//!
//! - **Only regular files are read** ([`open_regular`], [`read_regular`]). The path is
//!   resolved (links followed) and its type checked before it is opened; a folder, FIFO,
//!   socket or device is refused and named for what it is ([`InputError::NotRegular`]). On Unix
//!   the open itself uses `O_NONBLOCK` and the opened file is checked again, so a FIFO swapped in
//!   between the check and the open can neither block the open nor be read.
//! - **Every read is bounded** by the caller's limit for that kind of file: a file known to be
//!   larger is refused before a byte is read, and the read stops one byte past the limit, so a
//!   file that grows while it is read is refused too ([`InputError::TooLarge`]).
//! - **Operating-system errors in Chinese** ([`io_reason`]): disk full, read-only file system,
//!   no permission, not a folder, is a folder, name too long, file exists, invalid text… by
//!   [`std::io::ErrorKind`] and, where the kind is too general, by the raw error number. The
//!   English text of the system (`No space left on device (os error 28)`) is never shown.
//!
//! The report model does no IO; this crate is what the importers, the plugin loader and the
//! binary share for it.

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Why an input file was not read. The message names the file as given.
#[derive(Debug)]
pub enum InputError {
    /// The system refused (missing file, no permission…): the reason in Chinese.
    Io { path: PathBuf, reason: String },
    /// Not a regular file: what it is (`文件夹`, `管道（FIFO）`, `设备文件`…).
    NotRegular { path: PathBuf, what: &'static str },
    /// Larger than the limit for its kind. `size` is known when the file said so before
    /// being read (a file that grew while read has none).
    TooLarge {
        path: PathBuf,
        size: Option<u64>,
        limit: u64,
    },
}

impl InputError {
    /// The path the error is about.
    pub fn path(&self) -> &Path {
        match self {
            InputError::Io { path, .. }
            | InputError::NotRegular { path, .. }
            | InputError::TooLarge { path, .. } => path,
        }
    }

    /// What went wrong, without the file's name: for messages that name the file their own way
    /// (`无法读取文件“统计表.xlsx”：{reason}`).
    pub fn reason(&self) -> String {
        match self {
            InputError::Io { reason, .. } => reason.clone(),
            InputError::NotRegular { what, .. } => {
                format!("这是{what}，不是普通文件；nianbao 只读取普通文件，未予读取")
            }
            InputError::TooLarge { size, limit, .. } => match size {
                Some(size) => format!(
                    "文件过大（{} 字节，上限 {}），未予读取",
                    size,
                    size_text(*limit)
                ),
                None => format!("文件过大（超过 {}），未予读取", size_text(*limit)),
            },
        }
    }
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "无法读取“{}”：{}", self.path().display(), self.reason())
    }
}

impl std::error::Error for InputError {}

/// A size limit as people read it: `64 MB` for whole mebibytes, otherwise in bytes.
pub fn size_text(limit: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if limit >= MIB && limit.is_multiple_of(MIB) {
        format!("{} MB", limit / MIB)
    } else {
        format!("{limit} 字节")
    }
}

/// What a file that is not a regular file is, in Chinese; `None` for a regular file.
pub fn special_kind(meta: &Metadata) -> Option<&'static str> {
    let file_type = meta.file_type();
    if file_type.is_file() {
        return None;
    }
    if file_type.is_dir() {
        return Some("文件夹");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return Some("管道（FIFO）");
        }
        if file_type.is_socket() {
            return Some("套接字");
        }
        if file_type.is_block_device() || file_type.is_char_device() {
            return Some("设备文件");
        }
    }
    Some("特殊文件")
}

/// Opens a regular file for reading, after checking what the path is (links followed); the
/// opened file is checked again, and its metadata returned with it. Never blocks on a FIFO.
pub fn open_regular(path: &Path) -> Result<(File, Metadata), InputError> {
    let io = |e: io::Error| InputError::Io {
        path: path.to_path_buf(),
        reason: io_reason(&e),
    };
    let not_regular = |what| InputError::NotRegular {
        path: path.to_path_buf(),
        what,
    };
    let before = std::fs::metadata(path).map_err(io)?;
    if let Some(what) = special_kind(&before) {
        return Err(not_regular(what));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // A regular file reads the same with O_NONBLOCK; a FIFO put in its place meanwhile
        // opens at once instead of waiting for a writer, and is refused below.
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if let Some(what) = special_kind(&meta) {
        return Err(not_regular(what));
    }
    Ok((file, meta))
}

/// Reads a whole regular file of at most `limit` bytes ([`open_regular`], then a bounded read).
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, InputError> {
    let (file, meta) = open_regular(path)?;
    let too_large = |size| InputError::TooLarge {
        path: path.to_path_buf(),
        size,
        limit,
    };
    if meta.len() > limit {
        return Err(too_large(Some(meta.len())));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| InputError::Io {
            path: path.to_path_buf(),
            reason: io_reason(&e),
        })?;
    if bytes.len() as u64 > limit {
        return Err(too_large(None));
    }
    Ok(bytes)
}

/// One Chinese sentence for an operating-system error, without the file's name (the caller
/// names it). Known kinds by [`io::ErrorKind`], the rest by the raw error number; never the
/// system's English text.
pub fn io_reason(e: &io::Error) -> String {
    use io::ErrorKind as K;
    let text = match e.kind() {
        K::NotFound => "文件不存在（或所在的文件夹不存在）",
        K::PermissionDenied => "没有访问权限",
        K::AlreadyExists => "文件已存在",
        K::StorageFull => "磁盘空间已满",
        K::QuotaExceeded => "已超出磁盘配额",
        K::ReadOnlyFilesystem => "所在的磁盘或文件系统是只读的",
        K::NotADirectory => "路径中的某一部分不是文件夹",
        K::IsADirectory => "这是文件夹，不是文件",
        K::DirectoryNotEmpty => "文件夹不为空",
        K::InvalidFilename => "文件名过长或含有系统不允许的字符",
        K::FileTooLarge => "文件超过了文件系统允许的大小",
        K::ResourceBusy | K::ExecutableFileBusy => "文件正被其他程序占用",
        K::CrossesDevices => "不能跨磁盘移动文件",
        K::TooManyLinks => "链接过多",
        K::InvalidData => "内容不是有效的文字（不是 UTF-8 编码）",
        K::UnexpectedEof => "文件不完整（读到意外的结尾）",
        K::Interrupted => "操作被中断",
        K::WouldBlock => "文件暂时无法读取（可能是管道或设备）",
        K::OutOfMemory => "内存不足",
        K::BrokenPipe => "输出管道已关闭",
        K::TimedOut => "操作超时",
        K::Unsupported => "系统不支持该操作",
        K::WriteZero => "无法写入（磁盘可能已满）",
        _ => return raw_reason(e),
    };
    text.to_string()
}

/// The reason for errors whose kind says too little, by the raw error number (Linux numbering;
/// other systems fall back to the number).
fn raw_reason(e: &io::Error) -> String {
    let Some(code) = raw_os_error(e) else {
        return "系统报告了错误".to_string();
    };
    #[cfg(target_os = "linux")]
    {
        let text = match code {
            5 => Some("磁盘读写出错（输入/输出错误）"),
            6 | 19 => Some("设备不存在或未就绪"),
            12 => Some("内存不足"),
            24 | 23 => Some("同时打开的文件过多"),
            28 => Some("磁盘空间已满"),
            30 => Some("所在的磁盘或文件系统是只读的"),
            36 => Some("文件名过长"),
            40 => Some("链接循环（符号链接指向自身）"),
            122 => Some("已超出磁盘配额"),
            _ => None,
        };
        if let Some(text) = text {
            return text.to_string();
        }
    }
    format!("系统错误（错误码 {code}）")
}

/// The system's error number of an error, also when a library wrapped it in an error of its own
/// (tempfile adds the path, keeping only the kind).
fn raw_os_error(e: &io::Error) -> Option<i32> {
    if let Some(code) = e.raw_os_error() {
        return Some(code);
    }
    let mut cause: Option<&(dyn std::error::Error + 'static)> = e
        .get_ref()
        .map(|inner| inner as &(dyn std::error::Error + 'static));
    while let Some(c) = cause {
        if let Some(code) = c
            .downcast_ref::<io::Error>()
            .and_then(io::Error::raw_os_error)
        {
            return Some(code);
        }
        cause = c.source();
    }
    None
}

/// `{action}“{path}”：{reason}` — a failed operation on a path, in one Chinese sentence.
pub fn io_message(action: &str, path: &Path, e: &io::Error) -> String {
    format!("{action}“{}”：{}", path.display(), io_reason(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_is_refused_as_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_regular(dir.path(), 10).unwrap_err();
        assert!(
            matches!(
                err,
                InputError::NotRegular {
                    what: "文件夹", ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("不是普通文件"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_refused_before_it_is_read() {
        let err = read_regular(Path::new("/dev/zero"), 1 << 20).unwrap_err();
        assert!(
            matches!(
                err,
                InputError::NotRegular {
                    what: "设备文件",
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("/dev/zero"), "{err}");
    }

    #[test]
    fn reads_are_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("十字节.txt");
        std::fs::write(&path, b"0123456789").unwrap();
        assert_eq!(read_regular(&path, 10).unwrap(), b"0123456789");
        let err = read_regular(&path, 9).unwrap_err();
        assert!(
            matches!(
                err,
                InputError::TooLarge {
                    size: Some(10),
                    limit: 9,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("9 字节"), "{err}");
        assert_eq!(size_text(64 * 1024 * 1024), "64 MB");
    }

    #[test]
    fn a_missing_file_is_named_in_chinese() {
        let err = read_regular(Path::new("/nonexistent/统计表.xlsx"), 10).unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("统计表.xlsx") && message.contains("不存在"),
            "{message}"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn system_errors_read_in_chinese() {
        for (code, word) in [
            (28, "磁盘空间已满"),
            (30, "只读"),
            (36, "文件名过长"),
            (21, "文件夹"),
            (20, "不是文件夹"),
            (17, "已存在"),
            (13, "权限"),
        ] {
            let reason = io_reason(&io::Error::from_raw_os_error(code));
            assert!(reason.contains(word), "{code}: {reason}");
            assert!(!reason.contains("os error"), "{reason}");
        }
        let reason = io_reason(&io::Error::other("some English text"));
        assert!(!reason.contains("English"), "{reason}");
        // Wrapped by a library that keeps only the kind: the number is found inside.
        #[derive(Debug)]
        struct Wrapped(io::Error);
        impl std::fmt::Display for Wrapped {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{} at path \"/x\"", self.0)
            }
        }
        impl std::error::Error for Wrapped {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let eloop = io::Error::from_raw_os_error(40);
        let wrapped = io::Error::new(eloop.kind(), Wrapped(eloop));
        assert!(
            io_reason(&wrapped).contains("链接循环"),
            "{}",
            io_reason(&wrapped)
        );
    }
}
