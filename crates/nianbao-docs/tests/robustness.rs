//! Reading never panics: every fixture cut at many places, with bytes flipped, read under every
//! document kind, gives a report or an error.

mod common;

use common::fixture;
use nianbao_docs::{read_document_bytes, render_placeholders};
use nianbao_model::Format;

const NAMES: [&str; 4] = ["x.docx", "x.html", "x.md", "x.txt"];

fn read_all_ways(bytes: &[u8]) {
    let format = Format::national_2021();
    for name in NAMES {
        if let Ok(mut imported) = read_document_bytes(name, bytes, format) {
            let _ = render_placeholders(&mut imported.report);
        }
    }
}

#[test]
fn cut_and_damaged_inputs_never_panic() {
    for path in [
        "docs/huaian-2024.docx",
        "docs/draft-2024.docx",
        "docs/huaian-2024.html",
        "docs/draft-2024.md",
        "samples/huaian-2024-published-pdftotext.txt",
        "samples/weidong-2024-published.txt",
    ] {
        let bytes = std::fs::read(fixture(path)).unwrap();
        let step = (bytes.len() / 20).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            read_all_ways(&bytes[..cut]);
            let mut flipped = bytes.clone();
            flipped[cut] ^= 0x5a;
            read_all_ways(&flipped);
        }
    }
}

#[test]
fn hostile_markup_never_panics() {
    let cases: [&[u8]; 6] = [
        b"<table><tr><td rowspan=\"99999999\" colspan=\"-3\">1</td></tr><tr><td colspan=\"abc\">2</td></tr></table>",
        b"<table><tr></tr><tr><td rowspan=\"0\"></td></tr></table><p>{{ </p>",
        "一、总体情况\n（一）。\n{{ }}\n{% for %}\n{{ org | nofilter }}\n二〇二五年十三月四十日\n".as_bytes(),
        "三、收到和处理政府信息公开申请情况\n\t\t\t\n1\t2\n-\n—\t/\t/\n".as_bytes(),
        b"\xef\xbb\xbf",
        b"PK\x03\x04\x14\x00\x00\x00\x00\x00",
    ];
    for case in cases {
        read_all_ways(case);
    }
}

#[test]
fn deeply_nested_markup_never_exhausts_the_stack() {
    let depth = 20_000;
    let html = format!(
        "{}规章{}",
        "<div><table><tr><td>".repeat(depth),
        "</td></tr></table></div>".repeat(depth)
    );
    read_all_ways(html.as_bytes());
    // A DOCX whose tables nest far too deep is refused as damaged.
    let body = format!(
        "<w:document xmlns:w=\"w\"><w:body>{}<w:p><w:r><w:t>规章</w:t></w:r></w:p>{}</w:body></w:document>",
        "<w:tbl><w:tr><w:tc>".repeat(depth),
        "</w:tc></w:tr></w:tbl>".repeat(depth)
    );
    let mut zip_bytes = std::io::Cursor::new(Vec::new());
    {
        use std::io::Write;
        let mut writer = zip::ZipWriter::new(&mut zip_bytes);
        writer
            .start_file(
                "word/document.xml",
                zip::write::SimpleFileOptions::default(),
            )
            .unwrap();
        writer.write_all(body.as_bytes()).unwrap();
        writer.finish().unwrap();
    }
    let err =
        read_document_bytes("嵌套.docx", zip_bytes.get_ref(), Format::national_2021()).unwrap_err();
    assert!(err.to_string().contains("嵌套"), "{err}");
}
