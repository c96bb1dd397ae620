//! `cargo xtask bench [--units N] [--reports M] [--repeat K]`: speed and memory figures of nianbao, printed
//! as Markdown (the README's 性能 section is made from this output).
//!
//! 1. Per report, one thread: `cargo bench -p nianbao-tests --bench pipeline -- --units M`
//!    (default 200 reports): import (workbook + DOCX draft) + check + DOCX + XLSX, median and
//!    p95, and each phase.
//!    When valgrind is installed, the same pipeline in instructions per report (callgrind), a
//!    figure that does not move with the machine's load.
//! 2. Batches end to end with the release binary: a corpus of varied valid units (written by
//!    `cargo run --release -p nianbao-tests --example corpus` under `target/bench/`), then
//!    `nianbao batch` on 100 and on N units (default 1,000) with `--jobs 1` and `--jobs 2`,
//!    each K times (default 3) into a fresh folder: the median wall time, the fastest and
//!    slowest, and the peak resident memory of the process (`wait4`'s `ru_maxrss`).
//!
//! 3. The server: `POST /api/check` of the bundled example against the release binary's
//!    `nianbao serve`, one request at a time (`cargo bench -p nianbao-tests --bench serve`).
//!
//! Nothing here asserts a time: these are figures for people, measured on whatever machine runs
//! them.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// Targets on an ordinary 2-core office PC (README, 性能).
const TARGET_PER_REPORT_MS: f64 = 5.0;
const TARGET_BATCH_1000_S: f64 = 4.0;
const TARGET_RSS_MIB: f64 = 100.0;

struct Options {
    units: usize,
    reports: usize,
    /// Runs of each batch; the median is reported (a shared VM's timings vary by ±15%).
    repeat: usize,
}

fn parse(args: &[String]) -> Result<Options> {
    let mut options = Options {
        units: 1000,
        reports: 200,
        repeat: 3,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut number = |name: &str| -> Result<usize> {
            it.next()
                .and_then(|n| n.parse().ok())
                .filter(|&n: &usize| n > 0)
                .with_context(|| format!("{name} 后应为正整数"))
        };
        match arg.as_str() {
            "--units" => options.units = number("--units")?,
            "--reports" => options.reports = number("--reports")?,
            "--repeat" => options.repeat = number("--repeat")?,
            other => bail!(
                "未知参数 {other}；用法：cargo xtask bench [--units N] [--reports M] [--repeat K]"
            ),
        }
    }
    Ok(options)
}

pub fn run(root: &Path, args: &[String]) -> Result<()> {
    let options = parse(args)?;

    // Outputs of an earlier run are removed first, not just before each batch: on a file system
    // without a journal (ext4 as this VM has it) creating files right after thousands were
    // deleted makes the kernel skip over every recently freed inode, which the batch would pay.
    let bench_dir = root.join("target").join("bench");
    remove_outputs(&bench_dir)?;

    // 1. Per report, in-process.
    eprintln!("== 单份报告基准（cargo bench，{} 份）", options.reports);
    crate::run(
        pipeline_bench(root)
            .args(["--", "--units"])
            .arg(options.reports.to_string()),
    )?;

    // 1b. The same, in instructions: a count that does not move with the machine's load.
    instructions_per_report(root)?;

    // 2. Batches with the release binary.
    let bin = crate::nianbao_binary(root)?;

    // 3. The server checking the example, with the same binary.
    eprintln!("== 服务器基准（POST /api/check，示例）");
    crate::run(
        Command::new(env!("CARGO"))
            .current_dir(root)
            .args([
                "bench",
                "-p",
                "nianbao-tests",
                "--bench",
                "serve",
                "--",
                "--binary",
            ])
            .arg(&bin),
    )?;
    let small = options.units.min(100);
    let sizes: Vec<usize> = if small == options.units {
        vec![small]
    } else {
        vec![small, options.units]
    };
    let mut rows = Vec::new();
    for &units in &sizes {
        let corpus = bench_dir.join(format!("corpus-{units}"));
        eprintln!("== 生成 {units} 个单位的语料：{}", corpus.display());
        crate::run(
            Command::new(env!("CARGO"))
                .current_dir(root)
                .args([
                    "run",
                    "--release",
                    "-q",
                    "-p",
                    "nianbao-tests",
                    "--example",
                    "corpus",
                    "--",
                ])
                .arg(&corpus)
                .arg(units.to_string()),
        )?;
        // A corpus just written is forced to disk before the timing: the batch's own final
        // flush (a `syncfs`) must not be charged for it.
        #[cfg(unix)]
        let _ = Command::new("sync").status();
        for jobs in [1usize, 2] {
            let mut runs = Vec::new();
            let mut summary = String::new();
            for run in 1..=options.repeat {
                // Each run writes a folder of its own: nothing is deleted between runs.
                let out = bench_dir.join(format!("out-{units}-j{jobs}-r{run}"));
                eprintln!("== nianbao batch：{units} 个单位，--jobs {jobs}（第 {run} 次）");
                let mut cmd = Command::new(&bin);
                cmd.arg("batch")
                    .arg(&corpus)
                    .arg("-o")
                    .arg(&out)
                    .args(["--jobs", &jobs.to_string()]);
                let measured = measure(cmd)?;
                summary = measured.stdout.lines().next().unwrap_or("").to_string();
                if !summary.contains(&format!("共 {units} 个单位")) {
                    bail!("nianbao batch 输出异常：{}", measured.stdout);
                }
                runs.push(measured);
            }
            rows.push((units, jobs, runs, summary));
        }
    }

    println!(
        "\n### 批量处理（release 版 nianbao batch，端到端，每项运行 {} 次取中位数）\n",
        options.repeat
    );
    println!(
        "| 单位数 | 线程 | 用时 (s) | 最快–最慢 (s) | 每单位 (ms) | 峰值内存 RSS (MiB) | 结果 |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---|");
    for (units, jobs, runs, summary) in &rows {
        let mut walls: Vec<f64> = runs.iter().map(|m| m.wall.as_secs_f64()).collect();
        walls.sort_by(f64::total_cmp);
        // The middle run, or the mean of the two middle runs when there is an even number.
        let mid = walls.len() / 2;
        let median = match (
            walls.len() % 2,
            walls.get(mid.wrapping_sub(1)),
            walls.get(mid),
        ) {
            (0, Some(a), Some(b)) => (a + b) / 2.0,
            (_, _, Some(m)) => *m,
            _ => 0.0,
        };
        let fastest = walls.first().copied().unwrap_or_default();
        let slowest = walls.last().copied().unwrap_or_default();
        let rss = runs.iter().map(|m| m.max_rss_mib).fold(0.0, f64::max);
        println!(
            "| {units} | {jobs} | {median:.2} | {fastest:.2}–{slowest:.2} | {:.2} | {rss:.1} | {} |",
            median * 1000.0 / *units as f64,
            summary.trim()
        );
    }
    println!(
        "\n目标（2 核办公电脑）：单份报告 ≤ {TARGET_PER_REPORT_MS} ms（单线程）；1,000 个单位 ≤ {TARGET_BATCH_1000_S} s（2 线程）；峰值内存 ≤ {TARGET_RSS_MIB} MiB，且不随单位数增长。"
    );
    println!("语料与输出在 {}。", bench_dir.display());
    Ok(())
}

struct Measured {
    wall: Duration,
    max_rss_mib: f64,
    stdout: String,
}

/// Runs a command to completion; wall time, and the peak RSS of that one child from `wait4`
/// (`getrusage(RUSAGE_CHILDREN)` would give the maximum over every child so far instead).
fn measure(mut cmd: Command) -> Result<Measured> {
    use std::io::Read;
    cmd.stdout(std::process::Stdio::piped());
    let start = Instant::now();
    // Reaped below with wait4 (which also gives its rusage), not Child::wait.
    #[allow(clippy::zombie_processes)]
    let mut child = cmd.spawn().with_context(|| format!("无法运行 {cmd:?}"))?;
    let mut stdout_pipe = child.stdout.take().context("无法读取子进程输出")?;
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout_pipe.read_to_string(&mut s);
        s
    });
    let pid = i32::try_from(child.id()).context("进程号超出范围")?;
    let mut status = 0;
    // SAFETY: rusage is plain data; zero is a valid value for wait4 to overwrite.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our own un-reaped child; the pointers are valid for the call.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    if reaped != pid {
        bail!("等待子进程失败：{}", std::io::Error::last_os_error());
    }
    let stdout = reader.join().unwrap_or_default();
    // Exit code 1 means "some unit has errors": still a completed batch.
    let code = if libc::WIFEXITED(status) {
        Some(libc::WEXITSTATUS(status))
    } else {
        None
    };
    if !matches!(code, Some(0 | 1)) {
        bail!("{cmd:?} 异常结束（状态 {status}）：{stdout}");
    }
    Ok(Measured {
        wall,
        max_rss_mib: usage.ru_maxrss as f64 / 1024.0,
        stdout,
    })
}

/// `cargo bench -p nianbao-tests --bench pipeline`, arguments to follow.
fn pipeline_bench(root: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(root)
        .args(["bench", "-p", "nianbao-tests", "--bench", "pipeline"]);
    cmd
}

/// Instructions per report, counted by callgrind (when valgrind is installed) inside
/// `process_unit_timed` for 10 and for 30 reports: the difference over 20 reports leaves out what
/// is done once (format tables, regular expressions, warm-up). Timings on a shared VM vary by
/// ±15% from one minute to the next; this count is the same on every run of the same build.
fn instructions_per_report(root: &Path) -> Result<()> {
    if Command::new("valgrind").arg("--version").output().is_err() {
        eprintln!("（未安装 valgrind：不统计指令数）");
        return Ok(());
    }
    let output = pipeline_bench(root)
        .args(["--no-run", "--message-format=json"])
        .output()
        .context("无法构建单份报告基准")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let executable = stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|v| v.get("executable")?.as_str().map(str::to_string))
        .next_back()
        .context("找不到单份报告基准的可执行文件")?;
    let count = |units: usize| -> Result<u64> {
        let out_file = root
            .join("target")
            .join("bench")
            .join(format!("callgrind-{units}.out"));
        let output = Command::new("valgrind")
            .args([
                "--tool=callgrind",
                "--toggle-collect=nianbao_tests::process_unit_timed*",
            ])
            .arg(format!("--callgrind-out-file={}", out_file.display()))
            .arg(&executable)
            .args(["--units", &units.to_string()])
            .output()
            .context("无法运行 valgrind")?;
        let log = String::from_utf8_lossy(&output.stderr);
        log.lines()
            .find_map(|l| l.split("Collected :").nth(1))
            .and_then(|n| n.trim().parse().ok())
            .with_context(|| format!("callgrind 没有给出指令数：{log}"))
    };
    eprintln!("== callgrind：10 份与 30 份报告的指令数");
    let (few, many) = (count(10)?, count(30)?);
    let per_report = many.saturating_sub(few) as f64 / 20.0;
    println!(
        "\n每份报告 {:.1} 百万条指令（callgrind 计数，30 份与 10 份之差除以 20；不随机器负载变化）。",
        per_report / 1e6
    );
    Ok(())
}

/// Removes the batch outputs (`out-*`) of an earlier run; the corpora are kept (they are made
/// again in place, file by file).
fn remove_outputs(bench_dir: &Path) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(bench_dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with("out-") {
            let path = entry.path();
            std::fs::remove_dir_all(&path)
                .with_context(|| format!("无法清空 {}", path.display()))?;
        }
    }
    Ok(())
}
