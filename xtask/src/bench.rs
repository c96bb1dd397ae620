//! `cargo xtask bench`: speed and memory figures (filled in by the benchmark work).

use std::path::Path;

use anyhow::Result;

pub fn run(_root: &Path, _args: &[String]) -> Result<()> {
    anyhow::bail!("基准测试尚未实现")
}
