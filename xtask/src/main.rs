//! `cargo xtask <task>`: project automation for nianbao (fixtures, render checks, plugins,
//! benchmarks). Each task is a subcommand; run `cargo xtask help` for the list.

fn main() -> anyhow::Result<()> {
    let task = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "help".to_string());
    match task.as_str() {
        _ => {
            println!("cargo xtask <task>\n\ntasks: (none yet)");
            Ok(())
        }
    }
}
