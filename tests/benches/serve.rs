//! Server benchmark: `POST /api/check` of the bundled example (report.toml, 统计表.xlsx,
//! 草稿.md) against a running `nianbao serve`, one request at a time, measured by the client
//! from connecting to the last byte of the answer. Prints the median and 95th percentile as a
//! Markdown table.
//!
//! `cargo bench -p nianbao-tests --bench serve -- --binary target/release/nianbao --requests 200`
//! (`cargo xtask bench` runs it with the release binary). Figures, not assertions.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nianbao_tests::http::{Part, Server};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let binary = value("--binary")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/release/nianbao"));
    let requests: usize = value("--requests")
        .and_then(|n| n.parse().ok())
        .unwrap_or(200)
        .max(1);
    if !binary.is_file() {
        eprintln!(
            "找不到 {}：请先运行 cargo build --release -p nianbao，或用 --binary 指定",
            binary.display()
        );
        std::process::exit(2);
    }
    let example = root.join("examples/weidong-2024");
    let parts: Vec<Part> = ["report.toml", "统计表.xlsx", "草稿.md"]
        .iter()
        .map(|n| Part::file("files", n, std::fs::read(example.join(n)).expect("example")))
        .collect();
    let server = Server::start(&binary, &[], &[]);
    // Warm-up: the format's derived data, the allocator, the connection path.
    for _ in 0..5 {
        let _ = server.post("/api/check", &parts);
    }
    let mut times = Vec::with_capacity(requests);
    let mut failed = 0usize;
    for _ in 0..requests {
        let started = Instant::now();
        let response = server.post("/api/check", &parts);
        times.push(started.elapsed());
        if response.status != 200 {
            failed += 1;
        }
    }
    times.sort();
    println!("### 服务器检查示例（POST /api/check，{requests} 次，逐个请求）\n");
    println!("| 中位数 (ms) | p95 (ms) | 最慢 (ms) | 失败 |");
    println!("|---:|---:|---:|---:|");
    println!(
        "| {} | {} | {} | {failed} |",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.95)),
        ms(times.last().copied().unwrap_or_default())
    );
}
