//! Loads fine, but its native check panics: the host must turn that into a finding.
use nianbao_plugin_api::{Finding, FormatOverlay, PluginDescriptor, Report, nianbao_plugin};

fn describe() -> PluginDescriptor {
    PluginDescriptor::new(
        "panic-check",
        "检查时出错的格式",
        "1",
        "",
        FormatOverlay::default(),
    )
}

fn check(report: &Report) -> Vec<Finding> {
    panic!("无法处理{}的报告", report.meta.org)
}

nianbao_plugin! { describe: describe, check: Some(check) }
