//! What is checked about a plugin file before the dynamic loader sees it.
//!
//! `dlopen` maps a library's segments straight from the file: a segment that lies past the end
//! of a truncated (half-copied) file is mapped anyway, and the first touch of it kills the
//! process with `SIGBUS` — for every command, even one that never uses the plugin. Opening a
//! library also runs its initialisers, so a library that others could have put or changed there
//! must not be opened at all. So, before `dlopen`:
//!
//! - the path must be a regular file (links followed) of at most [`MAX_PLUGIN_BYTES`];
//! - unless insecure plugins are allowed, neither the file nor its folder may be writable by
//!   other users (world-writable, or group-writable for a group that is not the user's own), or
//!   owned by anyone but the current user or root;
//! - the file must be a shared library of this platform's kind (ELF, PE or Mach-O by its magic
//!   number), and its headers, program headers (segments), section headers or load commands
//!   must lie within the file. Only the headers are read (a few kilobytes), never the whole
//!   file.
//!
//! Messages are Chinese and follow the file's name (`插件“…”` + message).

use std::fs::{File, Metadata};
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Whether plugins that other users could have placed or changed are loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Trust {
    /// Refuse them with a warning (the default).
    #[default]
    OwnOnly,
    /// Load them anyway (`--allow-insecure-plugins`).
    AllowInsecure,
}

/// The largest plugin file considered: the two regional plugins are a few megabytes with
/// debug information; a file far beyond is not a plugin (or is a sparse file named like one).
pub const MAX_PLUGIN_BYTES: u64 = 256 * 1024 * 1024;

/// The most header bytes read from a plugin (program headers, section headers, load commands):
/// far more than any real library has, so a hostile header cannot make the check read much.
const MAX_HEADER_BYTES: u64 = 4 * 1024 * 1024;

/// What the hint of an insecure refusal says.
const INSECURE_HINT: &str = "如确认来源可靠，可加 --allow-insecure-plugins 仍然加载";

/// Checks a plugin's folder: refused when others may add or replace files in it.
pub(crate) fn check_folder(dir: &Path, trust: Trust) -> Result<(), String> {
    if trust == Trust::AllowInsecure {
        return Ok(());
    }
    let meta = std::fs::metadata(dir).map_err(|e| nianbao_fs::io_reason(&e))?;
    match insecurity(&meta) {
        Some(why) => Err(format!(
            "{why}，其中的插件一律未加载（其他用户可以放入或替换插件，而加载插件会运行其中的代码）；{INSECURE_HINT}"
        )),
        None => Ok(()),
    }
}

/// Opens and checks a plugin file; returns it open (to hash it without a second open) with its
/// size.
pub(crate) fn check_file(path: &Path, trust: Trust) -> Result<(File, u64), String> {
    let (mut file, meta) = nianbao_fs::open_regular(path).map_err(|e| e.reason())?;
    if trust == Trust::OwnOnly
        && let Some(why) = insecurity(&meta)
    {
        return Err(format!(
            "{why}，未加载（加载插件会运行其中的代码）；{INSECURE_HINT}"
        ));
    }
    let len = meta.len();
    if len > MAX_PLUGIN_BYTES {
        return Err(format!(
            "过大（{len} 字节，上限 {}），不像是插件库，未加载",
            nianbao_fs::size_text(MAX_PLUGIN_BYTES)
        ));
    }
    check_headers(&mut file, len)?;
    Ok((file, len))
}

/// Why a file or folder is not safe to load from, if it is not.
#[cfg(unix)]
fn insecurity(meta: &Metadata) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid and getegid cannot fail and touch no memory.
    let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
    let mode = meta.mode();
    if mode & 0o002 != 0 {
        return Some("可由任何用户写入".to_string());
    }
    if mode & 0o020 != 0 && meta.gid() != gid {
        return Some(format!("可由用户组 {} 的其他用户写入", meta.gid()));
    }
    if meta.uid() != uid && meta.uid() != 0 {
        return Some(format!(
            "属于其他用户（用户号 {}），既不是当前用户也不是系统管理员",
            meta.uid()
        ));
    }
    None
}

#[cfg(not(unix))]
fn insecurity(_meta: &Metadata) -> Option<String> {
    None
}

/// The kinds of library file, by their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Elf,
    Pe,
    MachO,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Elf => "Linux 等系统的 ELF 动态库",
            Kind::Pe => "Windows 的 DLL",
            Kind::MachO => "macOS 的 Mach-O 动态库",
        }
    }
}

/// The kind this platform's loader opens.
const NATIVE: Kind = if cfg!(windows) {
    Kind::Pe
} else if cfg!(target_vendor = "apple") {
    Kind::MachO
} else {
    Kind::Elf
};

/// Reads `len` bytes at `offset`, refusing what lies (partly) beyond the file.
fn read_at(file: &mut File, file_len: u64, offset: u64, len: u64) -> Result<Vec<u8>, String> {
    let end = offset.checked_add(len).ok_or_else(truncated)?;
    if end > file_len {
        return Err(truncated());
    }
    if len > MAX_HEADER_BYTES {
        return Err("的文件头声明的表过大，文件已损坏或不是插件库，未加载".to_string());
    }
    let mut bytes = vec![0; usize::try_from(len).map_err(|_| truncated())?];
    file.seek(SeekFrom::Start(offset))
        .and_then(|_| file.read_exact(&mut bytes))
        .map_err(|e| format!("无法读取：{}", nianbao_fs::io_reason(&e)))?;
    Ok(bytes)
}

fn truncated() -> String {
    "不完整（文件头记载的内容超出了文件末尾，可能是复制或下载中断），未加载；请重新复制完整的插件文件"
        .to_string()
}

/// Little- or big-endian integers from header bytes (out of range reads as 0: every caller
/// has checked the length first).
#[derive(Clone, Copy)]
struct Endian {
    little: bool,
}

impl Endian {
    fn u16(self, b: &[u8], at: usize) -> u64 {
        let v: [u8; 2] = b
            .get(at..at + 2)
            .and_then(|s| s.try_into().ok())
            .unwrap_or_default();
        u64::from(if self.little {
            u16::from_le_bytes(v)
        } else {
            u16::from_be_bytes(v)
        })
    }
    fn u32(self, b: &[u8], at: usize) -> u64 {
        let v: [u8; 4] = b
            .get(at..at + 4)
            .and_then(|s| s.try_into().ok())
            .unwrap_or_default();
        u64::from(if self.little {
            u32::from_le_bytes(v)
        } else {
            u32::from_be_bytes(v)
        })
    }
    fn u64(self, b: &[u8], at: usize) -> u64 {
        let v: [u8; 8] = b
            .get(at..at + 8)
            .and_then(|s| s.try_into().ok())
            .unwrap_or_default();
        if self.little {
            u64::from_le_bytes(v)
        } else {
            u64::from_be_bytes(v)
        }
    }
}

/// Checks that the file is a library of this platform whose headers and segments lie within it.
fn check_headers(file: &mut File, len: u64) -> Result<(), String> {
    let head = read_at(file, len, 0, len.min(64))?;
    let kind = if head.starts_with(b"\x7fELF") {
        Kind::Elf
    } else if head.starts_with(b"MZ") {
        Kind::Pe
    } else if [
        [0xcf, 0xfa, 0xed, 0xfe],
        [0xce, 0xfa, 0xed, 0xfe],
        [0xca, 0xfe, 0xba, 0xbe],
    ]
    .iter()
    .any(|m| head.starts_with(m))
    {
        Kind::MachO
    } else if head.is_empty() {
        return Err("是空文件，未加载".to_string());
    } else {
        return Err(
            "不是动态库文件（开头没有 ELF、PE 或 Mach-O 标识），可能已损坏或只是名称相似，未加载"
                .to_string(),
        );
    };
    if kind != NATIVE {
        return Err(format!(
            "是{}，不能在本机使用（本机需要{}），未加载",
            kind.name(),
            NATIVE.name()
        ));
    }
    match kind {
        Kind::Elf => check_elf(file, len, &head),
        Kind::Pe => check_pe(file, len),
        Kind::MachO => check_macho(file, len, &head),
    }
}

fn check_elf(file: &mut File, len: u64, head: &[u8]) -> Result<(), String> {
    let wide = match head.get(4) {
        Some(2) => true,
        Some(1) => false,
        _ => return Err("的 ELF 文件头已损坏，未加载".to_string()),
    };
    let e = Endian {
        little: head.get(5) == Some(&1),
    };
    let header_len = if wide { 64 } else { 52 };
    if len < header_len {
        return Err(truncated());
    }
    if e.u16(head, 16) != 3 {
        return Err("不是动态库（是可执行文件或目标文件），未加载".to_string());
    }
    if wide != cfg!(target_pointer_width = "64") || e.little != cfg!(target_endian = "little") {
        return Err("是为其他处理器（位数或字节序不同）编译的，不能在本机使用，未加载".to_string());
    }
    if let Some(native) = native_elf_machine()
        && e.u16(head, 18) != native
    {
        return Err(format!(
            "是为其他处理器编译的（机器类型 {}），不能在本机使用，未加载",
            e.u16(head, 18)
        ));
    }
    let word = |at: usize| {
        if wide {
            e.u64(head, at)
        } else {
            e.u32(head, at)
        }
    };
    let (phoff, shoff) = if wide {
        (word(32), word(40))
    } else {
        (word(28), word(32))
    };
    let at = if wide { 54 } else { 42 };
    let (phentsize, phnum) = (e.u16(head, at), e.u16(head, at + 2));
    let (shentsize, shnum) = (e.u16(head, at + 4), e.u16(head, at + 6));
    let ph_size = if wide { 56 } else { 32 };
    if phnum == 0 || phentsize != ph_size {
        return Err("的 ELF 程序头已损坏，未加载".to_string());
    }
    let table = read_at(file, len, phoff, phnum * phentsize)?;
    for i in 0..phnum as usize {
        let ph = &table[i * ph_size as usize..];
        let (offset, filesz) = if wide {
            (e.u64(ph, 8), e.u64(ph, 32))
        } else {
            (e.u32(ph, 4), e.u32(ph, 16))
        };
        if offset.checked_add(filesz).is_none_or(|end| end > len) {
            return Err(truncated());
        }
    }
    if shnum > 0
        && shoff
            .checked_add(shnum * shentsize)
            .is_none_or(|end| end > len)
    {
        return Err(truncated());
    }
    Ok(())
}

/// This machine's `e_machine`, where known.
fn native_elf_machine() -> Option<u64> {
    if cfg!(target_arch = "x86_64") {
        Some(62)
    } else if cfg!(target_arch = "aarch64") {
        Some(183)
    } else if cfg!(target_arch = "x86") {
        Some(3)
    } else if cfg!(target_arch = "arm") {
        Some(40)
    } else if cfg!(target_arch = "riscv64") {
        Some(243)
    } else {
        None
    }
}

fn check_pe(file: &mut File, len: u64) -> Result<(), String> {
    let e = Endian { little: true };
    let dos = read_at(file, len, 0, 64)?;
    let pe = e.u32(&dos, 0x3c);
    let coff = read_at(file, len, pe, 24)?;
    if !coff.starts_with(b"PE\0\0") {
        return Err("的 PE 文件头已损坏，未加载".to_string());
    }
    if e.u16(&coff, 22) & 0x2000 == 0 {
        return Err("不是动态库（DLL），未加载".to_string());
    }
    let sections = e.u16(&coff, 6);
    let table_at = pe + 24 + e.u16(&coff, 20);
    let table = read_at(file, len, table_at, sections * 40)?;
    for i in 0..sections as usize {
        let s = &table[i * 40..];
        let (size, offset) = (e.u32(s, 16), e.u32(s, 20));
        if size > 0 && offset + size > len {
            return Err(truncated());
        }
    }
    Ok(())
}

fn check_macho(file: &mut File, len: u64, head: &[u8]) -> Result<(), String> {
    if head.starts_with(&[0xca, 0xfe, 0xba, 0xbe]) {
        // A universal binary: each architecture's slice must lie within the file.
        let be = Endian { little: false };
        let count = be.u32(head, 4);
        let table = read_at(file, len, 8, count * 20)?;
        for i in 0..count as usize {
            let arch = &table[i * 20..];
            if be.u32(arch, 8) + be.u32(arch, 12) > len {
                return Err(truncated());
            }
        }
        return Ok(());
    }
    let e = Endian { little: true };
    let wide = head.first() == Some(&0xcf);
    let header_len = if wide { 32 } else { 28 };
    let (ncmds, sizeofcmds) = (e.u32(head, 16), e.u32(head, 20));
    let cmds = read_at(file, len, header_len, sizeofcmds)?;
    let mut at = 0usize;
    for _ in 0..ncmds {
        let (cmd, size) = (e.u32(&cmds, at), e.u32(&cmds, at + 4) as usize);
        if size < 8 || at + size > cmds.len() {
            return Err("的 Mach-O 加载命令已损坏，未加载".to_string());
        }
        let c = &cmds[at..at + size];
        let (offset, filesz) = match cmd {
            0x19 => (e.u64(c, 40), e.u64(c, 48)),
            0x1 => (e.u32(c, 32), e.u32(c, 36)),
            _ => (0, 0),
        };
        if offset.checked_add(filesz).is_none_or(|end| end > len) {
            return Err(truncated());
        }
        at += size;
    }
    Ok(())
}

#[cfg(all(test, target_os = "linux", target_arch = "x86_64"))]
mod tests {
    use super::*;
    use std::io::Write;

    /// A minimal 64-bit ELF shared object header with one loadable segment of `filesz` bytes at
    /// offset 0, and `extra` bytes of content after the program header.
    fn elf(filesz: u64, extra: usize) -> Vec<u8> {
        let mut b = vec![0u8; 64];
        b[..4].copy_from_slice(b"\x7fELF");
        b[4] = 2;
        b[5] = 1;
        b[6] = 1;
        b[16..18].copy_from_slice(&3u16.to_le_bytes());
        b[18..20].copy_from_slice(&62u16.to_le_bytes());
        b[32..40].copy_from_slice(&64u64.to_le_bytes());
        b[54..56].copy_from_slice(&56u16.to_le_bytes());
        b[56..58].copy_from_slice(&1u16.to_le_bytes());
        let mut ph = vec![0u8; 56];
        ph[..4].copy_from_slice(&1u32.to_le_bytes());
        ph[32..40].copy_from_slice(&filesz.to_le_bytes());
        b.extend(ph);
        b.extend(std::iter::repeat_n(0u8, extra));
        b
    }

    fn check(bytes: &[u8]) -> Result<(), String> {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(bytes).unwrap();
        let len = bytes.len() as u64;
        check_headers(&mut file, len)
    }

    #[test]
    fn a_whole_library_passes_and_a_truncated_one_is_refused() {
        let whole = elf(120 + 1000, 1000);
        assert_eq!(check(&whole), Ok(()));
        let cut = &whole[..whole.len() - 1];
        let err = check(cut).unwrap_err();
        assert!(err.contains("不完整"), "{err}");
        // Program headers cut off.
        let err = check(&whole[..100]).unwrap_err();
        assert!(err.contains("不完整"), "{err}");
        // A header claiming a segment far beyond the end (an offset that overflows too).
        assert!(check(&elf(u64::MAX, 10)).unwrap_err().contains("不完整"));
    }

    /// A PE image: DOS header pointing at the PE header at 64, a DLL with one section of
    /// `raw_size` bytes at offset 512, and `len` bytes in all.
    fn pe(raw_size: u32, len: usize) -> Vec<u8> {
        let mut b = vec![0u8; len.max(512)];
        b[..2].copy_from_slice(b"MZ");
        b[0x3c..0x40].copy_from_slice(&64u32.to_le_bytes());
        b[64..68].copy_from_slice(b"PE\0\0");
        b[64 + 6..64 + 8].copy_from_slice(&1u16.to_le_bytes()); // one section
        b[64 + 20..64 + 22].copy_from_slice(&0u16.to_le_bytes()); // no optional header
        b[64 + 22..64 + 24].copy_from_slice(&0x2000u16.to_le_bytes()); // a DLL
        let section = 64 + 24;
        b[section + 16..section + 20].copy_from_slice(&raw_size.to_le_bytes());
        b[section + 20..section + 24].copy_from_slice(&512u32.to_le_bytes());
        b.truncate(len);
        b
    }

    /// A 64-bit Mach-O with one LC_SEGMENT_64 of `filesz` bytes at offset 0.
    fn macho(filesz: u64, len: usize) -> Vec<u8> {
        let mut b = vec![0u8; len.max(32 + 72)];
        b[..4].copy_from_slice(&[0xcf, 0xfa, 0xed, 0xfe]);
        b[16..20].copy_from_slice(&1u32.to_le_bytes()); // ncmds
        b[20..24].copy_from_slice(&72u32.to_le_bytes()); // sizeofcmds
        let c = 32;
        b[c..c + 4].copy_from_slice(&0x19u32.to_le_bytes());
        b[c + 4..c + 8].copy_from_slice(&72u32.to_le_bytes());
        b[c + 48..c + 56].copy_from_slice(&filesz.to_le_bytes());
        b.truncate(len);
        b
    }

    fn with_file(
        bytes: &[u8],
        check: impl Fn(&mut File, u64) -> Result<(), String>,
    ) -> Result<(), String> {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(bytes).unwrap();
        check(&mut file, bytes.len() as u64)
    }

    #[test]
    fn pe_and_mach_o_sections_must_lie_within_the_file() {
        assert_eq!(with_file(&pe(100, 612), check_pe), Ok(()));
        assert!(
            with_file(&pe(100, 611), check_pe)
                .unwrap_err()
                .contains("不完整")
        );
        assert!(
            with_file(&pe(100, 80), check_pe)
                .unwrap_err()
                .contains("不完整")
        );
        let mut exe = pe(100, 612);
        exe[64 + 22..64 + 24].copy_from_slice(&0u16.to_le_bytes());
        assert!(
            with_file(&exe, check_pe)
                .unwrap_err()
                .contains("不是动态库")
        );

        let macho_check = |file: &mut File, len: u64| {
            let head = read_at(file, len, 0, len.min(64))?;
            check_macho(file, len, &head)
        };
        assert_eq!(with_file(&macho(200, 200), macho_check), Ok(()));
        assert!(
            with_file(&macho(200, 199), macho_check)
                .unwrap_err()
                .contains("不完整")
        );
    }

    #[test]
    fn other_files_are_refused_by_what_they_are() {
        assert!(check(b"").unwrap_err().contains("空文件"));
        assert!(
            check(b"#!/bin/sh\n")
                .unwrap_err()
                .contains("不是动态库文件")
        );
        assert!(check(b"MZ\x90\0").unwrap_err().contains("Windows"));
        let mut exe = elf(120, 0);
        exe[16] = 2;
        assert!(check(&exe).unwrap_err().contains("可执行文件"));
        let mut arm = elf(120, 0);
        arm[18] = 183;
        assert!(check(&arm).unwrap_err().contains("其他处理器"));
    }
}
