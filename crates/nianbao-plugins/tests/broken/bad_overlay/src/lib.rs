//! An overlay that names a part the national format does not have.
use nianbao_plugin_api::{FormatOverlay, PartOverlay, PluginDescriptor, nianbao_plugin};

fn describe() -> PluginDescriptor {
    let overlay = FormatOverlay {
        parts: vec![PartOverlay {
            number: 9,
            heading: Some("第九部分".to_string()),
            ..PartOverlay::default()
        }],
        ..FormatOverlay::default()
    };
    PluginDescriptor::new("bad-overlay", "错误的叠加格式", "1", "", overlay)
}

nianbao_plugin! { describe: describe, check: None }
