//! The file system and plugins as other people's folders present them: special files in place
//! of inputs, broken, huge and insecure plugins, an output folder among the inputs, a unit given
//! twice, a batch killed half-way, names made from 机关名称, operating-system failures and
//! text encodings.
//!
//! Every case runs the real `nianbao` binary in a guarded child (an address-space limit and a
//! watchdog far above what any case needs, so a hang or runaway read fails the test instead of
//! stalling it) and is judged by its exit code, the language of what it says (no English
//! system text), its inputs left untouched and nothing written outside its output folder.

#![cfg(unix)]

mod common;

use std::collections::BTreeMap;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{ChildRun, nianbao_binary, run_guarded, workspace_root};

/// What the binary may map: an office PC's worth. Reading a 2 GiB plugin whole would fail.
const ADDRESS_SPACE: u64 = 1536 * 1024 * 1024;
/// The watchdog: only a blocked open or read reaches it.
const TIMEOUT: Duration = Duration::from_secs(180);

/// Runs `nianbao` in `dir` with `args`, guarded; it must end by itself.
fn run_in(dir: &Path, args: &[&str]) -> ChildRun {
    let mut cmd = Command::new(nianbao_binary());
    cmd.current_dir(dir)
        .args(args)
        .env_remove("NIANBAO_PLUGIN_PATH")
        .env_remove("NIANBAO_DEBUG");
    let run = run_guarded(cmd, ADDRESS_SPACE, TIMEOUT);
    assert!(
        !run.timed_out,
        "nianbao {args:?} still running after {TIMEOUT:?} (blocked?)"
    );
    assert!(
        run.code.is_some(),
        "nianbao {args:?} killed by signal {:?}:\n{}",
        run.signal,
        run.stderr
    );
    run
}

/// Every line the binary printed to stderr is Chinese: no English system or library text.
fn assert_chinese(text: &str) {
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            line.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "a line without Chinese: {line}"
        );
        for english in [
            "os error",
            "No such file",
            "Permission denied",
            "invalid type",
            "expected",
            "stream did not contain",
            "Is a directory",
            "Not a directory",
            "File name too long",
            "Excel's limit",
        ] {
            assert!(
                !line.contains(english),
                "English text “{english}” in: {line}"
            );
        }
    }
}

/// The run failed as a usage or file problem (exit 2), in Chinese, naming every word given.
fn assert_refused(run: &ChildRun, words: &[&str]) {
    assert_eq!(
        run.code,
        Some(2),
        "expected exit code 2\nstdout: {}\nstderr: {}",
        run.stdout,
        run.stderr
    );
    assert_chinese(&run.stderr);
    for word in words {
        assert!(
            run.stderr.contains(word),
            "“{word}” missing in: {}",
            run.stderr
        );
    }
}

/// Every entry under a folder (links not followed): regular files with their contents, other
/// entries with their kind. Special files are never opened.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let rel = path.strip_prefix(dir).unwrap().to_path_buf();
            if meta.is_dir() {
                out.insert(rel, b"<folder>".to_vec());
                stack.push(path);
            } else if meta.is_file() {
                out.insert(rel, std::fs::read(&path).unwrap());
            } else {
                out.insert(rel, format!("<{:?}>", meta.file_type()).into_bytes());
            }
        }
    }
    out
}

/// Nothing changed under `root` except inside `output` (a path relative to `root`).
fn assert_only_output_changed(root: &Path, before: &BTreeMap<PathBuf, Vec<u8>>, output: &str) {
    let outside = |snap: BTreeMap<PathBuf, Vec<u8>>| -> BTreeMap<PathBuf, Vec<u8>> {
        snap.into_iter()
            .filter(|(p, _)| !p.starts_with(output))
            .collect()
    };
    assert_eq!(
        outside(snapshot(root)),
        outside(before.clone()),
        "something outside {output} was written or changed"
    );
}

fn mkfifo(path: &Path) {
    let c = CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(
        unsafe { libc::mkfifo(c.as_ptr(), 0o644) },
        0,
        "mkfifo {path:?}"
    );
}

/// A copy of the repository's example unit (report.toml, 统计表.xlsx, 草稿.md) as `dir/name`.
fn example_unit(dir: &Path, name: &str) -> PathBuf {
    let from = workspace_root().join("examples/weidong-2024");
    let to = dir.join(name);
    std::fs::create_dir_all(&to).unwrap();
    for file in ["report.toml", "统计表.xlsx", "草稿.md"] {
        std::fs::copy(from.join(file), to.join(file)).unwrap();
    }
    to
}

fn units_json(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("检查结果.json")).unwrap()).unwrap()
}

#[test]
fn special_files_are_refused_for_what_they_are_and_never_block() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();

    mkfifo(&root.join("管道.xlsx"));
    let run = run_in(
        root,
        &["check", "管道.xlsx", "--org", "某局", "--year", "2024"],
    );
    assert_refused(&run, &["管道.xlsx", "管道（FIFO）", "不是普通文件"]);

    let draft = example_unit(root, "文稿是管道");
    std::fs::remove_file(draft.join("草稿.md")).unwrap();
    mkfifo(&draft.join("草稿.md"));
    assert_refused(
        &run_in(root, &["check", "文稿是管道"]),
        &["草稿.md", "管道"],
    );

    // Last year's report as a FIFO: refused without blocking, said in Chinese, and this year's
    // report is still checked (a warning, not an exit 2).
    example_unit(root, "正常");
    mkfifo(&root.join("上年.docx"));
    let run = run_in(root, &["check", "正常", "--previous", "上年.docx"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("[input.previous_unreadable]")
            && run.stdout.contains("上年.docx")
            && run.stdout.contains("管道")
            && run.stdout.contains("检查结果：错误 0 项"),
        "{}",
        run.stdout
    );

    let device = example_unit(root, "设备");
    std::fs::write(device.join("report.toml"), "workbook = \"/dev/zero\"\n").unwrap();
    assert_refused(&run_in(root, &["check", "设备"]), &["zero", "设备文件"]);

    let folder = example_unit(root, "文件夹");
    std::fs::create_dir(folder.join("表.xlsx")).unwrap();
    std::fs::write(folder.join("report.toml"), "workbook = \"表.xlsx\"\n").unwrap();
    assert_refused(&run_in(root, &["check", "文件夹"]), &["表.xlsx", "文件夹"]);

    // Found by its extension in a folder without report.toml: refused by name, not skipped.
    let found = root.join("散件单位");
    std::fs::create_dir(&found).unwrap();
    mkfifo(&found.join("统计表.xlsx"));
    assert_refused(
        &run_in(root, &["check", "散件单位"]),
        &["统计表.xlsx", "管道"],
    );

    let config = example_unit(root, "设置是管道");
    std::fs::remove_file(config.join("report.toml")).unwrap();
    mkfifo(&config.join("report.toml"));
    assert_refused(
        &run_in(root, &["check", "设置是管道"]),
        &["report.toml", "管道"],
    );
}

#[test]
fn a_batch_with_special_files_among_its_units_completes() {
    let tmp = tempfile::tempdir().unwrap();
    let units = tmp.path().join("各单位");
    example_unit(&units, "正常");
    let piped = example_unit(&units, "管道单位");
    std::fs::remove_file(piped.join("统计表.xlsx")).unwrap();
    mkfifo(&piped.join("统计表.xlsx"));
    mkfifo(&units.join("散件.xlsx"));
    let before = snapshot(tmp.path());
    let run = run_in(
        tmp.path(),
        &["batch", "各单位", "-o", "输出", "--jobs", "2"],
    );
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    assert!(tmp.path().join("输出/汇总.xlsx").is_file());
    let json = units_json(&tmp.path().join("输出"));
    let unit = |name: &str| {
        json["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["name"] == name)
            .unwrap_or_else(|| panic!("no unit {name}: {json}"))
            .clone()
    };
    assert_eq!(unit("正常")["status"], "通过");
    for name in ["管道单位", "散件"] {
        let u = unit(name);
        assert_eq!(u["status"], "无法读取", "{u}");
        assert!(u["failure"].as_str().unwrap().contains("管道"), "{u}");
    }
    assert_only_output_changed(tmp.path(), &before, "输出");
}

/// A plugin folder holding one file made by `make`, with the folder's and file's modes.
fn plugin_dir(root: &Path, name: &str, files: &[(&str, &[u8])]) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    for (file, bytes) in files {
        std::fs::write(dir.join(file), bytes).unwrap();
    }
    dir
}

/// The start of a real shared object: the `nianbao` binary is a position-independent ELF of
/// this machine, which the inspection treats like a library; cut short, its segments lie past
/// the end, as in a half-copied plugin.
fn elf_prefix(len: usize) -> Vec<u8> {
    let mut bytes = std::fs::read(nianbao_binary()).unwrap();
    assert!(bytes.starts_with(b"\x7fELF"), "the test binary is not ELF");
    // Marked a shared object even if the binary was linked as a plain executable.
    bytes[16..18].copy_from_slice(&3u16.to_le_bytes());
    bytes.truncate(len);
    bytes
}

#[test]
fn broken_and_huge_plugins_are_skipped_and_never_read_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = std::fs::metadata(nianbao_binary()).unwrap().len() as usize;
    let dir = plugin_dir(
        tmp.path(),
        "插件",
        &[
            ("libnianbao_plugin_cut.so", &elf_prefix(1000)),
            ("libnianbao_plugin_half.so", &elf_prefix(whole / 2)),
            ("libnianbao_plugin_empty.so", b""),
            ("libnianbao_plugin_text.so", "这不是动态库\n".as_bytes()),
        ],
    );
    // A 2 GiB sparse file: it takes no disk, but reading it would take 2 GiB of memory.
    std::fs::File::create(dir.join("libnianbao_plugin_huge.so"))
        .unwrap()
        .set_len(2 << 30)
        .unwrap();
    let run = run_in(tmp.path(), &["formats", "--plugin-dir", "插件"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_chinese(&run.stderr);
    assert!(run.stdout.contains("national-2021"), "{}", run.stdout);
    let line = |file: &str| {
        run.stderr
            .lines()
            .find(|l| l.contains(file))
            .unwrap_or_else(|| panic!("{file} not named: {}", run.stderr))
            .to_string()
    };
    assert!(line("plugin_cut.so").contains("不完整"));
    assert!(line("plugin_half.so").contains("不完整"));
    assert!(line("plugin_empty.so").contains("空文件"));
    assert!(line("plugin_text.so").contains("不是动态库文件"));
    assert!(line("plugin_huge.so").contains("过大"));
    assert!(
        run.max_rss_mib < 300.0,
        "peak RSS {:.0} MiB: a plugin was read whole",
        run.max_rss_mib
    );
}

#[test]
fn plugins_others_can_change_are_refused_unless_allowed() {
    let tmp = tempfile::tempdir().unwrap();
    let cut = elf_prefix(1000);
    let open_dir = plugin_dir(tmp.path(), "公共", &[("libnianbao_plugin_x.so", &cut)]);
    std::fs::set_permissions(&open_dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let run = run_in(tmp.path(), &["formats", "--plugin-dir", "公共"]);
    assert_eq!(run.code, Some(0));
    assert_chinese(&run.stderr);
    assert!(
        run.stderr.contains("插件文件夹") && run.stderr.contains("可由任何用户写入"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--allow-insecure-plugins"));
    // The folder's files were not even inspected.
    assert!(!run.stderr.contains("不完整"), "{}", run.stderr);
    let allowed = run_in(
        tmp.path(),
        &[
            "formats",
            "--plugin-dir",
            "公共",
            "--allow-insecure-plugins",
        ],
    );
    assert!(
        !allowed.stderr.contains("可由任何用户写入"),
        "{}",
        allowed.stderr
    );
    assert!(allowed.stderr.contains("不完整"), "{}", allowed.stderr);

    let file_dir = plugin_dir(tmp.path(), "私有", &[("libnianbao_plugin_y.so", &cut)]);
    let file = file_dir.join("libnianbao_plugin_y.so");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
    let run = run_in(tmp.path(), &["formats", "--plugin-dir", "私有"]);
    assert!(
        run.stderr.contains("libnianbao_plugin_y.so") && run.stderr.contains("可由任何用户写入"),
        "{}",
        run.stderr
    );

    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: giving a plugin to another user needs root");
        return;
    }
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::os::unix::fs::chown(&file, Some(4242), None).unwrap();
    let run = run_in(tmp.path(), &["formats", "--plugin-dir", "私有"]);
    assert!(
        run.stderr.contains("属于其他用户") && run.stderr.contains("4242"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_output_folder_among_the_inputs_is_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    example_unit(&root.join("units"), "甲");
    example_unit(&root.join("units"), "乙");
    let before = snapshot(root);
    let cases: [(&str, &str); 4] = [
        ("units", "就是输入文件夹"),
        ("units/.", "就是输入文件夹"),
        ("units/甲", "单位“甲”"),
        (".", "位于输出文件夹"),
    ];
    for (output, word) in cases {
        let run = run_in(root, &["batch", "units", "-o", output]);
        assert_refused(&run, &[word]);
        assert_eq!(snapshot(root), before, "-o {output} wrote something");
    }
    // A folder of its own in the input folder is fine, and is never taken for a unit.
    for _ in 0..2 {
        let run = run_in(root, &["batch", "units", "-o", "units/输出", "--force"]);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        assert!(run.stdout.contains("共 2 个单位"), "{}", run.stdout);
    }
}

#[test]
fn the_same_unit_given_twice_is_counted_once() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    example_unit(root, "u");
    let once = run_in(root, &["sum", "u", "-o", "一次.xlsx", "--json"]);
    let thrice = run_in(
        root,
        &["sum", "u", "u", "./u/", "-o", "三次.xlsx", "--json"],
    );
    assert_eq!(once.code, thrice.code, "{}", thrice.stderr);
    let json = |run: &ChildRun| -> serde_json::Value { serde_json::from_str(&run.stdout).unwrap() };
    let (once, thrice) = (json(&once), json(&thrice));
    assert_eq!(once["report"]["values"], thrice["report"]["values"]);
    assert_eq!(thrice["report"]["summed_from"].as_array().unwrap().len(), 1);
    let repeated = thrice["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "sum.duplicate_unit")
        .count();
    assert_eq!(repeated, 2, "{thrice}");
    // Its folder and its own workbook are the same unit too.
    let both = run_in(
        root,
        &["sum", "u", "u/统计表.xlsx", "-o", "两次.xlsx", "--json"],
    );
    let both = json(&both);
    assert_eq!(once["report"]["values"], both["report"]["values"]);

    // In a batch, a link to a unit's folder is the same unit.
    let units = root.join("units");
    example_unit(&units, "甲");
    std::os::unix::fs::symlink("甲", units.join("甲的链接")).unwrap();
    let run = run_in(root, &["batch", "units", "-o", "out"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("共 1 个单位"), "{}", run.stdout);
    assert!(
        run.stderr
            .contains("[batch.duplicate_unit] 单位“甲的链接”与“甲”"),
        "the unit is kept under its own name: {}",
        run.stderr
    );
    assert_eq!(units_json(&root.join("out"))["units"][0]["name"], "甲");
    assert_chinese(&run.stderr);
}

#[test]
fn a_killed_batch_is_run_again_over_its_own_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let units = root.join("units");
    const UNITS: usize = 400;
    for i in 0..UNITS {
        example_unit(&units, &format!("单位{i:03}"));
    }
    let out = root.join("out");
    let mut child = Command::new(nianbao_binary())
        .current_dir(root)
        .args(["batch", "units", "-o", "out", "--jobs", "1"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Killed as soon as it has put a unit's report in place: half-way, with files of its own.
    let start = Instant::now();
    loop {
        let written = std::fs::read_dir(&out).map_or(0, |d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().ends_with(".docx"))
                .count()
        });
        if written > 0 {
            break;
        }
        assert!(start.elapsed() < TIMEOUT, "the batch wrote nothing");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !out.join("汇总.xlsx").exists(),
        "the batch finished before it could be interrupted"
    );
    // What a kill during a write leaves: a temporary file.
    std::fs::write(out.join(".nianbao-tmp-AbC123"), b"half").unwrap();
    let inputs = snapshot(&units);

    let run = run_in(root, &["batch", "units", "-o", "out", "--jobs", "2"]);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert_chinese(&run.stderr);
    assert!(
        run.stdout
            .contains(&format!("共 {UNITS} 个单位：通过 {UNITS}")),
        "{}",
        run.stdout
    );
    let left: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    assert_eq!(snapshot(&units), inputs, "the inputs changed");
    // Once the batch has completed, its outputs are protected again.
    let again = run_in(root, &["batch", "units", "-o", "out"]);
    assert_refused(&again, &["已存在", "--force"]);
}

#[test]
fn file_names_made_from_names_are_safe() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let units = root.join("units");
    for name in [
        "CON",
        "aux",
        "com1",
        "报告\u{202E}gpj.exe",
        "某\u{200B}局\u{2066}",
    ] {
        example_unit(&units, name);
    }
    let before = snapshot(root);
    let run = run_in(root, &["batch", "units", "-o", "out"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_only_output_changed(root, &before, "out");
    let mut names: Vec<String> = std::fs::read_dir(root.join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in &names {
        assert!(
            !name.chars().any(|c| matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')),
            "{name:?}"
        );
        let stem = name.split('.').next().unwrap().to_ascii_uppercase();
        assert!(
            !["CON", "AUX", "COM1", "NUL", "PRN"].contains(&stem.as_str()),
            "{name}"
        );
    }
    for expected in [
        "CON_.docx",
        "aux_.xlsx",
        "com1_.docx",
        "报告gpj.exe.docx",
        "某局.xlsx",
    ] {
        assert!(
            names.contains(&expected.to_string()),
            "{expected} not in {names:?}"
        );
    }

    // A 机关名称 of 300 four-byte characters: the file name is cut to fit, the report is made.
    let long = example_unit(root, "长名");
    let org = "𠀀".repeat(300);
    std::fs::write(
        long.join("report.toml"),
        format!("org = \"{org}\"\nyear = 2024\nlevel = \"部门\"\nworkbook = \"统计表.xlsx\"\ndraft = \"草稿.md\"\n"),
    )
    .unwrap();
    let run = run_in(root, &["build", "长名", "--xlsx", "--allow-errors"]);
    assert!(matches!(run.code, Some(0 | 1)), "{}", run.stderr);
    let written: Vec<String> = std::fs::read_dir(long.join("输出"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(written.len(), 2, "{written:?}");
    assert!(written.iter().all(|n| n.len() <= 255), "{written:?}");

    // One beyond what an Excel cell holds: refused before either file is written.
    let huge = example_unit(root, "超长");
    std::fs::write(
        huge.join("report.toml"),
        format!(
            "org = \"{}\"\nyear = 2024\nworkbook = \"统计表.xlsx\"\ndraft = \"草稿.md\"\n",
            "局".repeat(40_000)
        ),
    )
    .unwrap();
    let run = run_in(root, &["build", "超长", "--xlsx", "--allow-errors"]);
    assert_refused(&run, &["机关名称过长", "32,767"]);
    assert!(!huge.join("输出").exists(), "something was written");
}

#[test]
fn operating_system_failures_are_said_in_chinese_with_the_path() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    example_unit(root, "u");
    std::fs::write(root.join("文件.txt"), "x").unwrap();
    std::fs::create_dir(root.join("文件夹.docx")).unwrap();
    let too_long = format!("{}.docx", "长".repeat(100));
    let cases: Vec<(Vec<&str>, &[&str])> = vec![
        (
            vec!["-o", "文件.txt/报告.docx"],
            &["文件.txt", "不是文件夹"],
        ),
        (vec!["-o", too_long.as_str()], &["文件名过长"]),
        (vec!["-o", "/proc/nianbao-测试.docx"], &["/proc"]),
    ];
    for (args, words) in cases {
        let mut all = vec!["build", "u"];
        all.extend(&args);
        let run = run_in(root, &all);
        assert_refused(&run, words);
    }
    // An existing folder as -o is where the report goes, under its title (as `cp` does), even
    // when the folder's name looks like a file's.
    let run = run_in(root, &["build", "u", "-o", "文件夹.docx", "--force"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let inside: Vec<_> = std::fs::read_dir(root.join("文件夹.docx"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        inside,
        ["卫东区行政审批和政务信息管理局2024年政府信息公开工作年度报告.docx"]
    );
    // A full disk or a read-only file system needs a mount of its own, which a test cannot
    // make without privileges; their messages are checked by nianbao-fs's unit tests.
    eprintln!("skipped: ENOSPC and EROFS need a dedicated mount");
}

#[test]
fn text_is_cleaned_or_its_encoding_explained() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let unit = example_unit(root, "控制字符");
    let draft = std::fs::read_to_string(unit.join("草稿.md")).unwrap();
    let dirty = draft
        .replacen('，', "，\u{b}", 1)
        .replacen('。', "。\u{1b}\u{7f}\u{0}", 1);
    assert_ne!(dirty, draft);
    std::fs::write(unit.join("草稿.md"), &dirty).unwrap();
    let run = run_in(root, &["check", "控制字符", "--json"]);
    assert!(matches!(run.code, Some(0 | 1)), "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let notes: Vec<&serde_json::Value> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "input.control_chars")
        .collect();
    assert_eq!(notes.len(), 1, "{json}");
    assert_eq!(notes[0]["severity"], "info");
    assert!(
        notes[0]["message"]
            .as_str()
            .unwrap()
            .contains("4 个控制字符"),
        "{}",
        notes[0]
    );
    assert_eq!(
        std::fs::read_to_string(unit.join("草稿.md")).unwrap(),
        dirty,
        "input changed"
    );

    let gbk = example_unit(root, "GBK设置");
    let (bytes, _, _) = encoding_rs::GBK.encode("org = \"某某局\"\nyear = 2024\n");
    std::fs::write(gbk.join("report.toml"), &bytes).unwrap();
    assert_refused(
        &run_in(root, &["check", "GBK设置"]),
        &["report.toml", "UTF-8", "另存为"],
    );

    let typed = example_unit(root, "类型错误");
    std::fs::write(
        typed.join("report.toml"),
        "year = 2024\n\norg = [\"某局\"]\n",
    )
    .unwrap();
    assert_refused(
        &run_in(root, &["check", "类型错误"]),
        &["report.toml", "第3行", "org 应为文字", "实为列表"],
    );
}

#[test]
fn thread_counts_are_clamped_with_a_note() {
    let tmp = tempfile::tempdir().unwrap();
    example_unit(&tmp.path().join("units"), "甲");
    let run = run_in(
        tmp.path(),
        &["batch", "units", "-o", "out", "--jobs", "100000"],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_chinese(&run.stderr);
    assert!(
        run.stderr.contains("--jobs 100000 超过上限"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains("共 1 个单位：通过 1"), "{}", run.stdout);
}
