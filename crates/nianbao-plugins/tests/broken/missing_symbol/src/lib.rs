//! Has the right ABI version but no `nianbao_plugin_describe`.
#[unsafe(no_mangle)]
pub extern "C" fn nianbao_plugin_abi_version() -> u32 {
    nianbao_plugin_api::ABI_VERSION
}
