//! Returns bytes that are not a JSON reply.
use nianbao_plugin_api::NbBuf;

#[unsafe(no_mangle)]
pub extern "C" fn nianbao_plugin_abi_version() -> u32 {
    nianbao_plugin_api::ABI_VERSION
}

#[unsafe(no_mangle)]
pub extern "C" fn nianbao_plugin_describe() -> NbBuf {
    NbBuf::from_vec(b"{\"ok\": {\"id\": \"bad-json\", \"name\": ".to_vec())
}

/// # Safety
/// Test plugin: frees what `describe` returned.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nianbao_plugin_free(buf: NbBuf) {
    drop(unsafe { Vec::from_raw_parts(buf.ptr, buf.len, buf.cap) });
}
