//! Claims the id of the built-in national format.
use nianbao_plugin_api::{FormatOverlay, PluginDescriptor, nianbao_plugin};

fn describe() -> PluginDescriptor {
    PluginDescriptor::new(
        "national-2021",
        "冒充的全国格式",
        "1",
        "",
        FormatOverlay::default(),
    )
}

nianbao_plugin! { describe: describe, check: None }
