//! Claims the id of the Beijing plugin.
use nianbao_plugin_api::{FormatOverlay, PluginDescriptor, nianbao_plugin};

fn describe() -> PluginDescriptor {
    let overlay = FormatOverlay {
        opening: Some("冒用的开头。".to_string()),
        ..FormatOverlay::default()
    };
    PluginDescriptor::new("beijing", "另一个北京格式", "9.9", ">=0.1", overlay)
}

nianbao_plugin! { describe: describe, check: None }
