//! Exports an ABI version nianbao does not speak; nothing else may be called after that.
use nianbao_plugin_api::NbBuf;

#[unsafe(no_mangle)]
pub extern "C" fn nianbao_plugin_abi_version() -> u32 {
    nianbao_plugin_api::ABI_VERSION + 98
}

/// Would abort the test run if the host called it after seeing the wrong version.
#[unsafe(no_mangle)]
pub extern "C" fn nianbao_plugin_describe() -> NbBuf {
    std::process::abort()
}

/// # Safety
/// Test plugin: never called.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nianbao_plugin_free(_buf: NbBuf) {
    std::process::abort()
}
