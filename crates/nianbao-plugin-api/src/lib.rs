//! What a nianbao regional format plugin is made of: a tiny C ABI, the descriptor it returns, and
//! the [`nianbao_plugin!`] macro that exports everything safely.
//!
//! A plugin is a shared library (`crate-type = ["cdylib"]`) that nianbao loads at run time. Rust
//! has no stable ABI, so nothing Rust-shaped crosses the line: only integers, pointers and bytes of
//! JSON. The library exports four functions:
//!
//! | symbol | signature | what |
//! |---|---|---|
//! | `nianbao_plugin_abi_version` | `extern "C" fn() -> u32` | [`ABI_VERSION`]; checked before anything else |
//! | `nianbao_plugin_describe` | `extern "C" fn() -> NbBuf` | JSON [`Reply`] holding a [`PluginDescriptor`] |
//! | `nianbao_plugin_check` | `extern "C" fn(*const u8, usize) -> NbBuf` | JSON report in, JSON [`Reply`] holding `Vec<Finding>` out |
//! | `nianbao_plugin_free` | `extern "C" fn(NbBuf)` | frees a buffer the plugin returned |
//!
//! Each side frees only its own memory: the host copies what a plugin returns and hands the
//! buffer back to `nianbao_plugin_free`; the report bytes the host passes in are only borrowed
//! for the duration of the call. Every exported function runs its body under `catch_unwind`, so a
//! panic in plugin code comes back as `{"error": "…"}` instead of aborting the host.
//!
//! A plugin is a few lines:
//!
//! ```ignore
//! use nianbao_plugin_api::{nianbao_plugin, FormatOverlay, PluginDescriptor, Report, Finding};
//!
//! fn describe() -> PluginDescriptor {
//!     PluginDescriptor::new("example", "示例格式", "2025.1", ">=0.1", FormatOverlay::default())
//! }
//!
//! fn check(report: &Report) -> Vec<Finding> { Vec::new() }
//!
//! nianbao_plugin! { describe: describe, check: Some(check) }
//! ```

use std::any::Any;
use std::mem::ManuallyDrop;
use std::panic::{AssertUnwindSafe, catch_unwind};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use nianbao_model;
pub use nianbao_model::format::{
    AliasOverlay, ItemSpec, PageNumberStyle, PartOverlay, RuleSpec, SignatureSpec,
};
pub use nianbao_model::{Finding, FormatOverlay, Location, Report, Severity};

/// Version of the C ABI described in this crate. The host refuses a plugin whose version differs:
/// raise it whenever a symbol, a signature, [`NbBuf`] or the JSON shapes change incompatibly.
pub const ABI_VERSION: u32 = 1;

/// Exported symbol names, NUL-terminated as the dynamic loader wants them.
pub const SYMBOL_ABI_VERSION: &[u8] = b"nianbao_plugin_abi_version\0";
pub const SYMBOL_DESCRIBE: &[u8] = b"nianbao_plugin_describe\0";
pub const SYMBOL_CHECK: &[u8] = b"nianbao_plugin_check\0";
pub const SYMBOL_FREE: &[u8] = b"nianbao_plugin_free\0";

/// `nianbao_plugin_abi_version`.
pub type AbiVersionFn = unsafe extern "C" fn() -> u32;
/// `nianbao_plugin_describe`.
pub type DescribeFn = unsafe extern "C" fn() -> NbBuf;
/// `nianbao_plugin_check`.
pub type CheckFn = unsafe extern "C" fn(report_json: *const u8, len: usize) -> NbBuf;
/// `nianbao_plugin_free`.
pub type FreeFn = unsafe extern "C" fn(buf: NbBuf);

/// A byte buffer allocated by the plugin (the parts of a `Vec<u8>`). Only the plugin's
/// `nianbao_plugin_free` may release it, because the host may use another allocator.
#[repr(C)]
#[derive(Debug)]
pub struct NbBuf {
    pub ptr: *mut u8,
    pub len: usize,
    pub cap: usize,
}

impl NbBuf {
    /// Hands a vector's memory over to the other side.
    pub fn from_vec(bytes: Vec<u8>) -> NbBuf {
        let mut bytes = ManuallyDrop::new(bytes);
        NbBuf {
            ptr: bytes.as_mut_ptr(),
            len: bytes.len(),
            cap: bytes.capacity(),
        }
    }

    /// The bytes, borrowed.
    ///
    /// # Safety
    /// `ptr` must be null or point to `len` initialised bytes that stay alive while the slice is
    /// used (true for a buffer returned by a plugin until it is freed).
    pub unsafe fn as_bytes(&self) -> &[u8] {
        if self.ptr.is_null() || self.len == 0 {
            &[]
        } else {
            // SAFETY: guaranteed by the caller.
            unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
        }
    }

    /// Takes the memory back as the vector it came from.
    ///
    /// # Safety
    /// Must be called in the library that made the buffer with [`NbBuf::from_vec`], once.
    unsafe fn into_vec(self) -> Option<Vec<u8>> {
        if self.ptr.is_null() {
            None
        } else {
            // SAFETY: the parts come from `from_vec` in this same library (caller's contract).
            Some(unsafe { Vec::from_raw_parts(self.ptr, self.len, self.cap) })
        }
    }
}

/// What crosses the boundary as JSON: `{"ok": value}` or `{"error": "message"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reply<T> {
    Ok(T),
    Error(String),
}

impl<T> Reply<T> {
    pub fn into_result(self) -> Result<T, String> {
        match self {
            Reply::Ok(v) => Ok(v),
            Reply::Error(e) => Err(e),
        }
    }
}

/// Reads a reply from a plugin's bytes. The error is Chinese and says whether the bytes were not
/// a reply at all or the plugin reported an error.
pub fn parse_reply<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ReplyError> {
    let reply: Reply<T> =
        serde_json::from_slice(bytes).map_err(|e| ReplyError::Malformed(e.to_string()))?;
    reply.into_result().map_err(ReplyError::Plugin)
}

/// Why a reply could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyError {
    /// The bytes are not a JSON reply of the expected shape (the serde message).
    Malformed(String),
    /// The plugin answered with `{"error": …}` (including caught panics).
    Plugin(String),
}

/// What a plugin says about itself: who it is and the overlay it applies to the national format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PluginDescriptor {
    /// Format id (`shandong`): what users pass as `--format`. Lower-case ASCII, digits, `-`, `_`.
    pub id: String,
    /// Display name in Chinese (`山东省格式`).
    pub name: String,
    /// The plugin's own version.
    pub version: String,
    /// The nianbao versions the plugin is written for: a semver requirement (`>=0.1, <0.2`).
    pub nianbao_versions: String,
    /// The regional changes. Its `id`, `name`, `version`, `nianbao_versions` may be left empty:
    /// they are taken from the descriptor.
    pub overlay: FormatOverlay,
}

impl PluginDescriptor {
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        version: impl Into<String>,
        nianbao_versions: impl Into<String>,
        overlay: FormatOverlay,
    ) -> PluginDescriptor {
        PluginDescriptor {
            id: id.into(),
            name: name.into(),
            version: version.into(),
            nianbao_versions: nianbao_versions.into(),
            overlay,
        }
    }

    /// The overlay with the descriptor's identity filled in. Refuses an overlay that names a
    /// different id, and an id that is not a plain identifier.
    pub fn resolved_overlay(&self) -> Result<FormatOverlay, String> {
        let valid_id = !self.id.is_empty()
            && self
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !valid_id {
            return Err(format!(
                "格式标识“{}”无效：只能由小写英文字母、数字、“-”和“_”组成且不能为空",
                self.id
            ));
        }
        if !self.overlay.id.is_empty() && self.overlay.id != self.id {
            return Err(format!(
                "描述中的格式标识“{}”与叠加格式中的标识“{}”不一致",
                self.id, self.overlay.id
            ));
        }
        let mut overlay = self.overlay.clone();
        overlay.id = self.id.clone();
        if overlay.name.is_empty() {
            overlay.name = self.name.clone();
        }
        if overlay.version.is_empty() {
            overlay.version = self.version.clone();
        }
        // `FormatOverlay::default()` leaves the base empty (serde's default is only for JSON).
        if overlay.base.is_empty() {
            overlay.base = nianbao_model::NATIONAL_2021.to_string();
        }
        if overlay.nianbao_versions.is_none() && !self.nianbao_versions.is_empty() {
            overlay.nianbao_versions = Some(self.nianbao_versions.clone());
        }
        Ok(overlay)
    }
}

/// The text of a caught panic.
fn panic_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "（无说明）".to_string()
    }
}

thread_local! {
    /// Where the last panic on this thread happened, recorded by the plugin's panic hook.
    static PANIC_PLACE: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Replaces the default panic hook of the plugin's own copy of std (a `cdylib` links its own, so
/// the host's hook is untouched): instead of printing to the user's terminal, the panic's place
/// is recorded and travels back in the error reply.
fn install_quiet_panic_hook() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let place = info
                .location()
                .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
            PANIC_PLACE.with(|p| *p.borrow_mut() = place);
        }));
    });
}

/// Runs plugin code, turning its result or its panic into reply bytes.
fn reply_bytes<T: Serialize>(what: &str, body: impl FnOnce() -> Result<T, String>) -> NbBuf {
    install_quiet_panic_hook();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let reply = match body() {
            Ok(v) => Reply::Ok(v),
            Err(e) => Reply::Error(e),
        };
        serde_json::to_vec(&reply)
    }));
    let bytes = match outcome {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(e)) => error_bytes(format!("插件在{what}时无法生成 JSON：{e}")),
        Err(payload) => {
            let place = PANIC_PLACE
                .with(|p| p.borrow_mut().take())
                .map(|p| format!("（位置：{p}）"))
                .unwrap_or_default();
            error_bytes(format!(
                "插件在{what}时发生异常（panic）：{}{place}",
                panic_text(payload.as_ref())
            ))
        }
    };
    NbBuf::from_vec(bytes)
}

fn error_bytes(message: String) -> Vec<u8> {
    // Serialising a string map cannot fail; the fallback keeps this path free of panics anyway.
    serde_json::to_vec(&Reply::<()>::Error(message))
        .unwrap_or_else(|_| br#"{"error":"plugin error"}"#.to_vec())
}

/// The bodies of the exported functions; used by [`nianbao_plugin!`], not meant to be called
/// directly.
#[doc(hidden)]
pub mod __private {
    use super::*;

    pub fn describe(describe: fn() -> PluginDescriptor, has_check: bool) -> NbBuf {
        reply_bytes("描述自身", || {
            let mut descriptor = describe();
            // The flag follows what the library really exports, whatever the author wrote.
            descriptor.overlay.native_check = has_check;
            Ok(descriptor)
        })
    }

    /// # Safety
    /// `report_json` must be null or point to `len` readable bytes for the duration of the call.
    pub unsafe fn check(
        check: Option<fn(&Report) -> Vec<Finding>>,
        report_json: *const u8,
        len: usize,
    ) -> NbBuf {
        let input: &[u8] = if report_json.is_null() || len == 0 {
            &[]
        } else {
            // SAFETY: the host passes its own live buffer of `len` bytes (caller's contract).
            unsafe { std::slice::from_raw_parts(report_json, len) }
        };
        reply_bytes("检查报告", || {
            let Some(check) = check else {
                return Err("本插件没有本地检查函数".to_string());
            };
            let report: Report = serde_json::from_slice(input)
                .map_err(|e| format!("插件无法解析传入的报告数据：{e}"))?;
            Ok(check(&report))
        })
    }

    /// # Safety
    /// `buf` must come from this library's `describe` or `check` and be freed once.
    pub unsafe fn free(buf: NbBuf) {
        let _ = catch_unwind(AssertUnwindSafe(|| {
            // SAFETY: caller's contract.
            drop(unsafe { buf.into_vec() });
        }));
    }
}

/// Exports the four ABI functions of a plugin.
///
/// `describe` is a `fn() -> PluginDescriptor`; `check` is `Some(fn(&Report) -> Vec<Finding>)` or
/// `None`. Use it once, at the root of a `cdylib` crate.
#[macro_export]
macro_rules! nianbao_plugin {
    (describe: $describe:expr, check: $check:expr $(,)?) => {
        /// The plugin ABI version (checked by the host before anything else).
        #[unsafe(no_mangle)]
        pub extern "C" fn nianbao_plugin_abi_version() -> u32 {
            $crate::ABI_VERSION
        }

        /// The plugin descriptor as a JSON reply.
        #[unsafe(no_mangle)]
        pub extern "C" fn nianbao_plugin_describe() -> $crate::NbBuf {
            let check: ::core::option::Option<
                fn(&$crate::Report) -> ::std::vec::Vec<$crate::Finding>,
            > = $check;
            $crate::__private::describe($describe, check.is_some())
        }

        /// Runs the native check on a JSON report.
        ///
        /// # Safety
        /// `report_json` must point to `len` readable bytes for the duration of the call.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn nianbao_plugin_check(
            report_json: *const u8,
            len: usize,
        ) -> $crate::NbBuf {
            let check: ::core::option::Option<
                fn(&$crate::Report) -> ::std::vec::Vec<$crate::Finding>,
            > = $check;
            // SAFETY: forwarded contract of this function.
            unsafe { $crate::__private::check(check, report_json, len) }
        }

        /// Frees a buffer returned by this library.
        ///
        /// # Safety
        /// `buf` must come from this library and be freed once.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn nianbao_plugin_free(buf: $crate::NbBuf) {
            // SAFETY: forwarded contract of this function.
            unsafe { $crate::__private::free(buf) }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn descriptor() -> PluginDescriptor {
        PluginDescriptor::new(
            "shandong",
            "山东省格式",
            "2025.1",
            ">=0.1",
            FormatOverlay::default(),
        )
    }

    fn take(buf: NbBuf) -> Vec<u8> {
        let bytes = unsafe { buf.as_bytes() }.to_vec();
        unsafe { __private::free(buf) };
        bytes
    }

    #[test]
    fn describe_sets_native_check_from_what_is_exported() {
        let bytes = take(__private::describe(descriptor, true));
        let d: PluginDescriptor = parse_reply(&bytes).unwrap();
        assert!(d.overlay.native_check);
        assert_eq!(d.id, "shandong");
        let bytes = take(__private::describe(descriptor, false));
        let d: PluginDescriptor = parse_reply(&bytes).unwrap();
        assert!(!d.overlay.native_check);
    }

    #[test]
    fn panic_in_describe_becomes_an_error_reply() {
        fn broken() -> PluginDescriptor {
            panic!("地区配置缺失")
        }
        let bytes = take(__private::describe(broken, false));
        let err = parse_reply::<PluginDescriptor>(&bytes).unwrap_err();
        match err {
            ReplyError::Plugin(m) => {
                assert!(m.contains("panic") && m.contains("地区配置缺失"), "{m}");
                assert!(
                    m.contains("位置：crates/nianbao-plugin-api/src/lib.rs:"),
                    "{m}"
                );
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn check_round_trips_a_report_and_reports_bad_input() {
        fn count_parts(report: &Report) -> Vec<Finding> {
            vec![Finding::info(
                "test.parts",
                format!("{}：{}个部分", report.meta.org, report.parts.len()),
            )]
        }
        let report = Report::new("某某区人民政府", 2024);
        let json = serde_json::to_vec(&report).unwrap();
        let bytes = take(unsafe { __private::check(Some(count_parts), json.as_ptr(), json.len()) });
        let findings: Vec<Finding> = parse_reply(&bytes).unwrap();
        assert_eq!(findings[0].message, "某某区人民政府：0个部分");

        let bad = b"{\"meta\": 3}";
        let bytes = take(unsafe { __private::check(Some(count_parts), bad.as_ptr(), bad.len()) });
        let err = parse_reply::<Vec<Finding>>(&bytes).unwrap_err();
        assert!(matches!(&err, ReplyError::Plugin(m) if m.contains("无法解析传入的报告")));

        let bytes = take(unsafe { __private::check(None, json.as_ptr(), json.len()) });
        assert!(parse_reply::<Vec<Finding>>(&bytes).is_err());
    }

    #[test]
    fn malformed_bytes_are_not_mistaken_for_a_plugin_error() {
        let err = parse_reply::<PluginDescriptor>(b"{\"ok\": {\"id\": 5}}").unwrap_err();
        assert!(matches!(err, ReplyError::Malformed(_)));
        let err = parse_reply::<PluginDescriptor>(b"not json").unwrap_err();
        assert!(matches!(err, ReplyError::Malformed(_)));
    }

    #[test]
    fn resolved_overlay_takes_identity_from_descriptor() {
        let o = descriptor().resolved_overlay().unwrap();
        assert_eq!(
            (o.id.as_str(), o.name.as_str(), o.version.as_str()),
            ("shandong", "山东省格式", "2025.1")
        );
        assert_eq!(o.nianbao_versions.as_deref(), Some(">=0.1"));
        assert_eq!(o.base, nianbao_model::NATIONAL_2021);

        let mut d = descriptor();
        d.overlay.id = "beijing".into();
        assert!(d.resolved_overlay().unwrap_err().contains("不一致"));
        d.id = "Shan Dong".into();
        assert!(d.resolved_overlay().unwrap_err().contains("无效"));
    }
}
