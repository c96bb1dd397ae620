//! Panics while describing itself: the panic must come back as an error, not abort the host.
use nianbao_plugin_api::{PluginDescriptor, nianbao_plugin};

fn describe() -> PluginDescriptor {
    panic!("找不到地区配置文件")
}

nianbao_plugin! { describe: describe, check: None }
