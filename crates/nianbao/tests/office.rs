//! The office's path through the command line (issue 15): mistakes on the command line are told
//! in Chinese with what to type instead, and a second `build` shows the check before it says why
//! nothing was written.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/weidong-2024")
}

fn nianbao() -> Command {
    let mut cmd = Command::cargo_bin("nianbao").unwrap();
    cmd.env_remove("NIANBAO_PLUGIN_PATH");
    cmd
}

/// Runs and returns (exit code, stdout, stderr).
fn run(cmd: &mut Command) -> (Option<i32>, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// No English of clap's may reach the office.
fn assert_no_english(text: &str) {
    for word in [
        "error",
        "unexpected",
        "invalid value",
        "tip:",
        "Usage",
        "found",
    ] {
        assert!(!text.contains(word), "English “{word}” in: {text}");
    }
}

#[test]
fn usage_mistakes_are_told_in_chinese_with_the_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str); 5] = [
        (
            &["init", "甲", "--org", "某局", "--year", "24"],
            "参数 --year <年度> 的值“24”无效：年度应为 2008 至 2100 之间的四位年份",
        ),
        (
            &["check", "--yaer", "2024", "x"],
            "无法识别的参数“--yaer”；是否要输入“--year”？",
        ),
        (&["chek", "x"], "无法识别的命令“chek”"),
        (&["check"], "缺少必需的参数：<输入>"),
        (
            &["check", "x", "--year", "二〇二四"],
            "年度应为四位数字的年份，如 2024",
        ),
    ];
    for (args, expected) in cases {
        let (code, _, err) = run(nianbao().current_dir(tmp.path()).args(args));
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert_no_english(&err);
    }
    // A year refused by init leaves nothing behind.
    assert!(!tmp.path().join("甲").exists());
}

#[test]
fn a_second_build_shows_the_check_then_why_nothing_was_written() {
    let out = tempfile::tempdir().unwrap();
    // An existing folder as -o: the report goes into it under its title.
    let first = run(nianbao()
        .arg("build")
        .arg(example())
        .arg("-o")
        .arg(out.path())
        .arg("--xlsx"));
    assert_eq!(first.0, Some(0), "{}", first.2);
    let mut names: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let title = "卫东区行政审批和政务信息管理局2024年政府信息公开工作年度报告";
    assert_eq!(names, [format!("{title}.docx"), format!("{title}.xlsx")]);

    let (code, stdout, stderr) = run(nianbao()
        .arg("build")
        .arg(example())
        .arg("-o")
        .arg(out.path()));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stdout.contains("检查结果：错误 0 项"), "{stdout}");
    assert!(
        stderr.contains("已存在；如需覆盖，请加 --force"),
        "{stderr}"
    );

    let (code, _, stderr) = run(nianbao()
        .arg("build")
        .arg(example())
        .arg("-o")
        .arg(out.path())
        .arg("--force"));
    assert_eq!(code, Some(0), "{stderr}");
    assert_no_english(&stderr);
}
