//! Test support shared by the cross-crate tests in `tests/tests/`, the benchmark in
//! `tests/benches/pipeline.rs` and the corpus generator in `tests/examples/corpus.rs`:
//!
//! - the real report numbers used as fixtures ([`huaian`], [`huaian_scaled`]);
//! - generators of valid reports built from the format's own rules ([`TotalsPlan`],
//!   [`valid_report`], [`varied_report`]): leaf values are chosen, every total is computed from
//!   the equality rules of the [`Format`], so no table structure is written here a second time;
//! - a draft with prose and placeholders ([`with_draft_prose`]) and a writer of report folders
//!   as an office hands them in ([`write_unit`], [`write_corpus`]);
//! - the per-report pipeline as the binary runs it, on bytes ([`process_unit_bytes`]);
//! - a client of `nianbao serve` ([`http`]) for the server's tests and benchmark.

pub mod http;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use nianbao_model::format::{CompareOp, ValueKind};
use nianbao_model::{
    AdminLevel, Decimal, Finding, Format, Location, Paragraph, ParagraphLevel, PartText, Report,
    ValueKey,
};
use nianbao_pipeline::Phase;

/// The 200 values of the 淮安 2024 report, typed in from the published text.
pub const HUAIAN_VALUES: &str = include_str!("../fixtures/values/huaian-2024.tsv");

/// The 淮安 2024 report's table values, each multiplied by `factor` (every rule stays satisfied,
/// because all rules are linear).
pub fn huaian_scaled(org: &str, year: i32, factor: i64) -> Report {
    let format = Format::national_2021();
    let mut report = Report::new(org, year);
    for (i, line) in HUAIAN_VALUES.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut cols = line.split('\t');
        let Some(row) = cols.next() else { continue };
        let Some(table) = format.tables.iter().find(|t| t.row(row).is_some()) else {
            continue;
        };
        let keys: Vec<ValueKey> = table
            .value_cells()
            .iter()
            .filter(|v| v.key.row == row)
            .map(|v| v.key.clone())
            .collect();
        for (key, n) in keys.into_iter().zip(cols) {
            if let Ok(n) = n.parse::<Decimal>() {
                report.set(
                    key,
                    n * Decimal::from(factor),
                    Some(Location::line("huaian-2024.tsv", i + 1)),
                );
            }
        }
    }
    report
}

/// The 淮安 report as published.
pub fn huaian() -> Report {
    huaian_scaled("淮安市人民政府", 2024, 1)
}

/// One equality rule instance as a linear equation `Σ sign·value = 0`, solved for `target`.
#[derive(Debug, Clone)]
struct Equation {
    terms: Vec<(ValueKey, Decimal)>,
    target: ValueKey,
}

/// How to complete a report's totals from its leaf values, derived from the format's equality
/// rules (`op = eq`, no `prev:` term): each rule instance is solved for its single `equals`
/// term (a total), or, when it has several (`t3.balance`), for its first `sum` term (一、本年新收).
#[derive(Debug, Clone)]
pub struct TotalsPlan {
    equations: Vec<Equation>,
    derived: BTreeSet<ValueKey>,
}

impl TotalsPlan {
    /// The plan for a format.
    pub fn of(format: &Format) -> TotalsPlan {
        let mut equations = Vec::new();
        for rule in &format.rules {
            if rule.op != CompareOp::Eq {
                continue;
            }
            let Ok(instances) = format.expand_rule(rule) else {
                continue;
            };
            for inst in instances {
                if inst.sum.iter().chain(&inst.equals).any(|t| t.previous) {
                    continue;
                }
                let sign = |negative: bool| {
                    if negative {
                        -Decimal::ONE
                    } else {
                        Decimal::ONE
                    }
                };
                let mut terms: Vec<(ValueKey, Decimal)> = Vec::new();
                for t in &inst.sum {
                    terms.push((t.key.clone(), sign(t.negative)));
                }
                for t in &inst.equals {
                    terms.push((t.key.clone(), -sign(t.negative)));
                }
                let target = match inst.equals.as_slice() {
                    [single] => Some(single.key.clone()),
                    _ => inst.sum.iter().find(|t| !t.negative).map(|t| t.key.clone()),
                };
                if let Some(target) = target {
                    equations.push(Equation { terms, target });
                }
            }
        }
        let derived = equations.iter().map(|e| e.target.clone()).collect();
        TotalsPlan { equations, derived }
    }

    /// The values that are computed (totals), never chosen.
    pub fn derived(&self) -> &BTreeSet<ValueKey> {
        &self.derived
    }

    /// Whether a value is a leaf: chosen freely, not computed.
    pub fn is_leaf(&self, key: &ValueKey) -> bool {
        !self.derived.contains(key)
    }

    /// Fills every derived value from the leaves already in `report`. Fails when a total cannot
    /// be computed (a leaf is missing) or comes out negative (the leaves cannot form a valid
    /// report, e.g. more carried over than handled).
    pub fn complete(&self, report: &mut Report) -> Result<(), String> {
        let mut known: BTreeMap<ValueKey, Decimal> = report
            .numbers()
            .into_iter()
            .filter(|(k, _)| self.is_leaf(k))
            .collect();
        loop {
            let mut progressed = false;
            for eq in &self.equations {
                if known.contains_key(&eq.target) {
                    continue;
                }
                let mut rest = Decimal::ZERO;
                let mut target_sign = Decimal::ZERO;
                let mut solvable = true;
                for (key, sign) in &eq.terms {
                    if *key == eq.target {
                        target_sign += *sign;
                    } else if let Some(v) = known.get(key) {
                        rest += *sign * *v;
                    } else {
                        solvable = false;
                        break;
                    }
                }
                if solvable && !target_sign.is_zero() {
                    known.insert(eq.target.clone(), -rest / target_sign);
                    progressed = true;
                }
            }
            if !progressed {
                break;
            }
        }
        for key in &self.derived {
            let value = known
                .get(key)
                .copied()
                .ok_or_else(|| format!("{key} cannot be computed from the leaves"))?;
            if value.is_sign_negative() && !value.is_zero() {
                return Err(format!("{key} comes out negative ({value})"));
            }
            report.set(key.clone(), value.normalize(), None);
        }
        Ok(())
    }
}

/// A valid report of `format`: every leaf value from `leaf(key, kind)`, every total computed
/// from the rules. Fails when the leaves make a total negative.
pub fn valid_report(
    format: &Format,
    org: &str,
    year: i32,
    mut leaf: impl FnMut(&ValueKey, ValueKind) -> Decimal,
) -> Result<Report, String> {
    let plan = TotalsPlan::of(format);
    let mut report = Report::new(org, year);
    for key in format.value_keys() {
        if plan.is_leaf(&key) {
            let kind = format.locate(&key).map(|(_, f)| f.kind).unwrap_or_default();
            report.set(key.clone(), leaf(&key, kind), None);
        }
    }
    plan.complete(&mut report)?;
    Ok(report)
}

/// A small deterministic pseudo-random generator (splitmix64), so corpora are the same on
/// every machine and run.
#[derive(Debug, Clone)]
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> SplitMix {
        SplitMix(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }
}

/// The kinds of office in a county's batch, with how their numbers compare with 淮安's.
const UNIT_KINDS: [(&str, AdminLevel); 6] = [
    ("人民政府", AdminLevel::County),
    ("教育局", AdminLevel::Department),
    ("自然资源和规划局", AdminLevel::Department),
    ("住房和城乡建设局", AdminLevel::Department),
    ("街道办事处", AdminLevel::Town),
    ("市场监督管理局", AdminLevel::Department),
];

/// The `index`-th unit of a realistic, varied, valid batch: 淮安's leaf values scaled down to a
/// county office's size (1/1000 to 1/10, some units all zero, as many 街道 report), with random
/// perturbations; totals recomputed from the rules, so the report stays valid. Deterministic in
/// `index`.
pub fn varied_report(index: usize, year: i32) -> Report {
    let format = Format::national_2021();
    let base = huaian();
    let mut rng = SplitMix::new(index as u64 ^ 0x6E69_616E_6261_6F00);
    let (kind, level) = UNIT_KINDS[index % UNIT_KINDS.len()];
    let all_zero = index % 10 == 7;
    let divisor = Decimal::from([1000u32, 200, 50, 10][(rng.below(4)) as usize]);
    let org = format!("示范县{kind}（第{:04}号）", index + 1);
    let plan = TotalsPlan::of(format);
    let mut report = Report::new(org, year);
    for key in format.value_keys() {
        if !plan.is_leaf(&key) {
            continue;
        }
        let kind = format.locate(&key).map(|(_, f)| f.kind).unwrap_or_default();
        // Only province and city governments make 规章; departments and towns report none.
        let no_regulations = key.row == "regulations" && !level.may_make_regulations();
        let value = if all_zero || no_regulations {
            Decimal::ZERO
        } else {
            let published = base.number(&key).unwrap_or_default();
            let noise = Decimal::from(rng.below(4));
            match kind {
                ValueKind::Count => (published / divisor).round() + noise,
                // Amounts in 万元 keep up to 4 decimal places (元 precision is 0.0001 万元).
                ValueKind::Amount => {
                    (published / divisor).round_dp(4) + Decimal::new(rng.below(10_000) as i64, 4)
                }
            }
        };
        report.set(key, value, None);
    }
    // Suits after review come from this office's own reviews: never more of them than reviews.
    for field in ["upheld", "corrected", "other", "pending"] {
        let review = report.number(&ValueKey::new("review", field));
        let after = ValueKey::new("litigation_after_review", field);
        if let (Some(review), Some(n)) = (review, report.number(&after))
            && n > review
        {
            report.set(after, review, None);
        }
    }
    if plan.complete(&mut report).is_err() {
        // Cannot happen with non-negative leaves of this shape; keep the batch valid anyway.
        return valid_report(format, &report.meta.org.clone(), year, |_, _| Decimal::ZERO)
            .unwrap_or_default();
    }
    report.meta.level = Some(level);
    report.meta.date = Some(format!("{}-01-{:02}", year + 1, 10 + index % 19));
    report
}

/// The report with a draft's prose: an opening, part 一 with its five sub-headings, and parts
/// 五 and 六, referring to table values through placeholders (`{{ new_received.total }}`), as
/// offices write them. Parts 二–四 only carry the tables.
pub fn with_draft_prose(mut report: Report) -> Report {
    let year = report.meta.year;
    let body = |text: String| Paragraph::body(text);
    let sub = |text: &str| Paragraph::heading(ParagraphLevel::Sub1, text);
    let overview = vec![
        body(format!(
            "{year}年，本机关坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《中华人民共和国政府信息公开条例》，围绕中心工作，持续深化政务公开，不断提升政务公开标准化规范化水平。"
        )),
        sub("（一）主动公开"),
        body("全年主动公开政府信息，现行有效规范性文件{{ normative_documents.valid }}件，本年制发规范性文件{{ normative_documents.made }}件，均在政府网站专栏集中公开。".into()),
        sub("（二）依申请公开"),
        body("本年度共收到政府信息公开申请{{ new_received.total }}件，上年结转{{ carried_over.total }}件，办结{{ processed_total.total }}件，结转下年度继续办理{{ carried_forward.total }}件。".into()),
        sub("（三）政府信息管理"),
        body("严格执行政府信息公开保密审查制度，落实“三审三校”，定期清理政府信息，确保公开内容准确规范。".into()),
        sub("（四）政府信息公开平台建设"),
        body("持续优化政府网站信息公开专栏，加强政务新媒体管理，做好政策解读和回应关切。".into()),
        sub("（五）监督保障"),
        body("将政务公开工作纳入年度绩效考核，加强业务培训，本年度未发生因政府信息公开工作被责任追究的情况。".into()),
    ];
    let problems = vec![body(format!(
        "{year}年本机关政府信息公开工作取得一定成效，但仍存在政策解读形式较为单一、依申请公开答复规范化水平有待提高等问题。下一步，将丰富解读形式，加强答复文书审核，进一步提升政务公开工作质量。"
    ))];
    // The fee sentence agrees with table 3 (收费通知 sent ⇒ not "未收取"), as a careful office
    // writes it.
    let fee_notices = report
        .number(&ValueKey::new("other_no_fee_paid", "total"))
        .unwrap_or_default();
    let fee_sentence = if fee_notices.is_zero() {
        "本年度本机关未收取信息处理费。"
    } else {
        "本年度本机关依照《政府信息公开信息处理费管理办法》向申请人发出收费通知{{ other_no_fee_paid.total }}件，申请人均逾期未缴纳，相关申请依法不再处理。"
    };
    let other = vec![body(format!("{fee_sentence}本年度无其他需要报告的事项。"))];
    report.parts = vec![
        part(1, overview),
        part(2, Vec::new()),
        part(3, Vec::new()),
        part(4, Vec::new()),
        part(5, problems),
        part(6, other),
    ];
    report
}

fn part(number: u8, paragraphs: Vec<Paragraph>) -> PartText {
    PartText {
        number,
        heading_as_written: None,
        source: None,
        paragraphs,
    }
}

/// The file names of a report folder as `nianbao init` makes them.
pub const WORKBOOK_FILE: &str = "统计表.xlsx";
pub const DRAFT_FILE: &str = "草稿.docx";
pub const CONFIG_FILE: &str = "report.toml";

/// The three files of one unit: `report.toml` text, the workbook bytes (the project's own
/// official-layout workbook of the values) and the draft DOCX bytes (the prose with
/// placeholders, typeset by the project's DOCX writer, tables left empty as in a draft).
pub fn unit_files(report: &Report) -> Result<(String, Vec<u8>, Vec<u8>), String> {
    let format = Format::national_2021();
    let workbook =
        nianbao_excel::write_report_workbook(format, report, &[]).map_err(|e| e.to_string())?;
    // The draft has the prose only: the numbers come from the workbook.
    let mut draft = with_draft_prose(report.clone());
    draft.values.clear();
    let draft =
        nianbao_docx::write_report_docx(format, &draft, &nianbao_docx::DocxOptions::default())
            .map_err(|e| e.to_string())?;
    let mut config = toml::Table::new();
    config.insert("org".into(), report.meta.org.clone().into());
    config.insert("year".into(), i64::from(report.meta.year).into());
    if let Some(level) = report.meta.level {
        config.insert(
            "level".into(),
            level.label().trim_end_matches("（街道）").into(),
        );
    }
    if let Some(date) = &report.meta.date {
        config.insert("date".into(), date.clone().into());
    }
    config.insert("workbook".into(), WORKBOOK_FILE.into());
    config.insert("draft".into(), DRAFT_FILE.into());
    Ok((config.to_string(), workbook, draft))
}

/// Writes one unit folder (`report.toml`, `统计表.xlsx`, `草稿.docx`) under `dir`.
pub fn write_unit(dir: &Path, report: &Report) -> std::io::Result<()> {
    let (config, workbook, draft) = unit_files(report).map_err(std::io::Error::other)?;
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join(CONFIG_FILE), config)?;
    std::fs::write(dir.join(WORKBOOK_FILE), workbook)?;
    std::fs::write(dir.join(DRAFT_FILE), draft)?;
    Ok(())
}

/// Writes a batch folder of `units` varied valid units (`单位0001` …). Units that already
/// exist are kept, so a corpus of 1,000 reuses the first 100.
pub fn write_corpus(dir: &Path, units: usize, year: i32) -> std::io::Result<()> {
    for i in 0..units {
        let unit_dir = dir.join(format!("单位{:04}", i + 1));
        if unit_dir.join(DRAFT_FILE).exists() {
            continue;
        }
        write_unit(&unit_dir, &varied_report(i, year))?;
    }
    Ok(())
}

/// What the pipeline made of one unit.
#[derive(Debug, Clone)]
pub struct Processed {
    pub report: Report,
    pub findings: Vec<Finding>,
    pub docx: Vec<u8>,
    pub xlsx: Vec<u8>,
}

/// The phases of [`process_unit_bytes`], in order, as named to [`process_unit_timed`]'s clock.
pub const PHASES: [&str; 6] = [
    Phase::ALL[0].label(),
    Phase::ALL[1].label(),
    Phase::ALL[2].label(),
    Phase::ALL[3].label(),
    Phase::ALL[4].label(),
    Phase::ALL[5].label(),
];

/// The built-in formats, made once: a registry's format keeps what it derives (label indexes,
/// table XML), so every unit after the first reuses them, as in one run of the binary.
fn registry() -> &'static nianbao_plugins::Registry {
    static REGISTRY: std::sync::OnceLock<nianbao_plugins::Registry> = std::sync::OnceLock::new();
    REGISTRY.get_or_init(nianbao_plugins::Registry::builtin)
}

/// One unit through the whole pipeline as `nianbao build` runs it, on bytes: the library's
/// [`nianbao_pipeline::check_unit`] over an in-memory unit (`report.toml` from `meta`, the
/// workbook, the draft), then the DOCX and the XLSX.
pub fn process_unit_bytes(
    meta: &nianbao_model::Metadata,
    workbook: &[u8],
    draft: &[u8],
) -> Result<Processed, String> {
    process_unit_timed(meta, workbook, draft, &mut |_, _| {})
}

/// [`process_unit_bytes`], telling `clock` how long each of the [`PHASES`] took.
pub fn process_unit_timed(
    meta: &nianbao_model::Metadata,
    workbook: &[u8],
    draft: &[u8],
    clock: &mut dyn FnMut(&'static str, std::time::Duration),
) -> Result<Processed, String> {
    let config = nianbao_pipeline::ReportConfig {
        org: Some(meta.org.clone()),
        year: Some(meta.year),
        level: meta
            .level
            .map(|l| l.label().trim_end_matches("（街道）").to_string()),
        date: meta.date.clone(),
        ..nianbao_pipeline::ReportConfig::default()
    };
    let unit = nianbao_pipeline::MemoryUnit {
        name: meta.org.clone(),
        config,
        workbook: Some((WORKBOOK_FILE.to_string(), workbook.to_vec())),
        documents: vec![(DRAFT_FILE.to_string(), draft.to_vec())],
        previous: None,
        choose_draft: false,
    };
    let mut phase_clock = |phase: Phase, took| clock(phase.label(), took);
    let checked = nianbao_pipeline::check_unit_timed(
        &unit,
        &nianbao_pipeline::Overrides::default(),
        registry(),
        &mut phase_clock,
    )
    .map_err(|e| format!("{e:#}"))?;
    let docx =
        nianbao_pipeline::render_docx(&checked, &mut phase_clock).map_err(|e| format!("{e:#}"))?;
    let xlsx =
        nianbao_pipeline::render_xlsx(&checked, &mut phase_clock).map_err(|e| format!("{e:#}"))?;
    Ok(Processed {
        report: checked.report,
        findings: checked.findings,
        docx,
        xlsx,
    })
}
