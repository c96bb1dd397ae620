//! Per-report benchmark, one thread: each unit of a varied corpus goes through import (workbook
//! and DOCX draft) + placeholders + check + DOCX + XLSX, as `nianbao build` does. Prints the
//! median and 95th percentile of the whole and of each phase, as a Markdown table.
//!
//! `cargo bench -p nianbao-tests --bench pipeline -- --units 200` (`cargo xtask bench` runs it).
//! Figures, not assertions: nothing here fails on a slow machine.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use nianbao_tests::{PHASES, process_unit_timed, unit_files, varied_report};

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
    let units = args
        .iter()
        .position(|a| a == "--units")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(200)
        .max(1);

    let inputs: Vec<_> = (0..units)
        .map(|i| {
            let report = varied_report(i, 2024);
            let (_, workbook, draft) = unit_files(&report).expect("corpus unit");
            (report.meta, workbook, draft)
        })
        .collect();
    let input_bytes: usize = inputs.iter().map(|(_, w, d)| w.len() + d.len()).sum();

    // One warm-up pass (format parsing, regex compilation, allocator warm-up), not measured.
    for (meta, workbook, draft) in inputs.iter().take(3) {
        let _ = process_unit_timed(meta, workbook, draft, &mut |_, _| {});
    }

    let mut totals = Vec::with_capacity(units);
    let mut phases: BTreeMap<&'static str, Vec<Duration>> = BTreeMap::new();
    let mut errors = 0usize;
    let mut output_bytes = 0usize;
    for (meta, workbook, draft) in &inputs {
        let start = Instant::now();
        let processed = process_unit_timed(meta, workbook, draft, &mut |phase, d| {
            phases.entry(phase).or_default().push(d);
        });
        totals.push(start.elapsed());
        match processed {
            Ok(p) => {
                output_bytes += p.docx.len() + p.xlsx.len();
                if nianbao_model::validate::has_errors(&p.findings) {
                    errors += 1;
                }
            }
            Err(_) => errors += 1,
        }
    }
    totals.sort();
    println!("### 单份报告（单线程，{units} 份，导入 + 检查 + DOCX + XLSX）\n");
    println!("| 阶段 | 中位数 (ms) | p95 (ms) |");
    println!("|---|---:|---:|");
    for phase in PHASES {
        let mut times = phases.remove(phase).unwrap_or_default();
        times.sort();
        println!(
            "| {phase} | {} | {} |",
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.95))
        );
    }
    println!(
        "| **合计** | **{}** | **{}** |",
        ms(percentile(&totals, 0.5)),
        ms(percentile(&totals, 0.95))
    );
    println!(
        "\n输入平均 {:.0} KB，输出平均 {:.0} KB；有错误的单位 {errors} 个（应为 0）。",
        input_bytes as f64 / units as f64 / 1024.0,
        output_bytes as f64 / units as f64 / 1024.0
    );
}
