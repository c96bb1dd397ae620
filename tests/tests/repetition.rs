//! `prose.repeated_text` on data: a real pair of consecutive published reports of one body, and
//! a constructed pair whose share was counted by hand.
//!
//! The real pair (平潭综合实验区 2023 and 2024, `fixtures/real/html`) is measured and validated
//! across years, and what comes out — the share per part, the passages quoted, the cross-year
//! findings — is compared with `fixtures/repetition/pingtan-2024-vs-2023.expected`
//! (`UPDATE_EXPECT=1` rewrites it).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use nianbao_model::repetition::{Repetition, measure};
use nianbao_model::{Format, Report, Validation};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn read(path: &Path) -> Report {
    nianbao_docs::read_document(path, Format::national_2021())
        .map(|i| i.report)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn render(m: &Repetition) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "总体：{}%（{} 字中 {} 字）",
        m.percent, m.chars, m.repeated_chars
    );
    for p in &m.parts {
        let _ = writeln!(
            out,
            "第{}部分：{}%（{} 字中 {} 字）",
            p.number, p.percent, p.chars, p.repeated_chars
        );
    }
    for q in &m.passages {
        let _ = writeln!(out, "重复：{q}");
    }
    out
}

fn compare(expected_file: &Path, actual: &str) {
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(expected_file, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(expected_file).unwrap_or_else(|_| {
        panic!(
            "{} 不存在：用 UPDATE_EXPECT=1 生成",
            expected_file.display()
        )
    });
    assert_eq!(actual, expected, "{}", expected_file.display());
}

#[test]
fn real_consecutive_reports() {
    let html = fixtures().join("real/html");
    let before = read(&html.join("2023_pingtan_zone.html"));
    let now = read(&html.join("2024_pingtan_zone.html"));
    assert_eq!((before.meta.year, now.meta.year), (2023, 2024));
    assert_eq!(before.meta.org, now.meta.org);
    let validated = Validation {
        format: Format::national_2021(),
        report: &now,
        previous: Some(&before),
    }
    .run_measured();
    let repetition = validated.repetition.expect("both reports have prose");
    let mut out = render(&repetition);
    // The cross-year rules on the real tables: what they say, rule by rule.
    for f in validated
        .findings
        .iter()
        .filter(|f| f.rule.starts_with("y.") || f.rule == "prose.repeated_text")
    {
        let _ = writeln!(out, "[{}] {} {}", f.severity, f.rule, f.message);
    }
    compare(
        &fixtures().join("repetition/pingtan-2024-vs-2023.expected"),
        &out,
    );
    // Measured against itself every part long enough to be compared is all repetition (a part
    // shorter than one shingle, like a one-line part 六, cannot be).
    let itself = measure(&now, &now).expect("prose");
    assert!(!itself.parts.is_empty());
    assert!(
        itself.parts.iter().all(|p| p.percent == 100.0),
        "{itself:?}"
    );
}

/// The constructed pair: `2024.md` keeps seven of the ten sentences of `2023.md` (figures and
/// years changed) and writes three anew; counted by hand, without punctuation and with every
/// number as one character, 70 % of its characters are last year's (see `hand-count.txt`).
#[test]
fn constructed_pair_matches_the_hand_count() {
    let dir = fixtures().join("repetition");
    let before = read(&dir.join("某局2023.md"));
    let now = read(&dir.join("某局2024.md"));
    let hand: f64 = std::fs::read_to_string(dir.join("hand-count.txt"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("重复率："))
        .and_then(|v| v.trim().trim_end_matches('%').parse().ok())
        .expect("hand-count.txt gives 重复率：N%");
    let m = measure(&now, &before).expect("both have prose");
    assert!(
        (m.percent - hand).abs() <= 5.0,
        "measured {}% against the hand count {hand}%",
        m.percent
    );
    assert!(m.too_high());
    compare(&dir.join("某局2024.expected"), &render(&m));
}
