//! Writes a benchmark corpus: `cargo run --release -p nianbao-tests --example corpus -- <folder>
//! <units>` makes `<folder>/单位0001` … each with `report.toml`, `统计表.xlsx` and `草稿.docx`
//! (varied, valid numbers; see `nianbao_tests::varied_report`). Existing units are kept.

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(dir), Some(units)) = (
        args.first(),
        args.get(1).and_then(|n| n.parse::<usize>().ok()),
    ) else {
        eprintln!("用法：corpus <输出文件夹> <单位数>");
        return std::process::ExitCode::from(2);
    };
    match nianbao_tests::write_corpus(std::path::Path::new(dir), units, 2024) {
        Ok(()) => {
            println!("已生成 {units} 个单位：{dir}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("生成语料失败：{e}");
            std::process::ExitCode::FAILURE
        }
    }
}
