//! Output is byte-identical for the same input, at the library level: the same unit processed
//! twice, and units processed on one thread or interleaved on several threads (docx-rs keeps
//! process-global id counters; the DOCX writer must not let them leak into the bytes). The
//! binary's `batch --jobs 1` / `--jobs 2` comparison is in crates/nianbao/tests/cli.rs.

use nianbao_model::Format;
use nianbao_tests::{Processed, process_unit_bytes, unit_files, varied_report};

fn unit(i: usize) -> (nianbao_model::Metadata, Vec<u8>, Vec<u8>) {
    let report = varied_report(i, 2024);
    let (_, workbook, draft) = unit_files(&report).unwrap();
    (report.meta, workbook, draft)
}

fn bytes_of(p: &Processed) -> (Vec<u8>, Vec<u8>) {
    (p.docx.clone(), p.xlsx.clone())
}

#[test]
fn the_same_unit_gives_the_same_bytes_twice() {
    let (meta, workbook, draft) = unit(4);
    let first = process_unit_bytes(&meta, &workbook, &draft).unwrap();
    let second = process_unit_bytes(&meta, &workbook, &draft).unwrap();
    assert!(first.docx.starts_with(b"PK\x03\x04") && first.xlsx.starts_with(b"PK\x03\x04"));
    assert!(
        first.docx == second.docx,
        "DOCX bytes differ between two builds"
    );
    assert!(
        first.xlsx == second.xlsx,
        "XLSX bytes differ between two builds"
    );
    assert_eq!(first.findings, second.findings);
}

#[test]
fn the_exporters_alone_are_deterministic() {
    let format = Format::national_2021();
    let report = nianbao_tests::with_draft_prose(nianbao_tests::huaian());
    let options = nianbao_docx::DocxOptions::default();
    let docx: Vec<Vec<u8>> = (0..3)
        .map(|_| nianbao_docx::write_report_docx(format, &report, &options).unwrap())
        .collect();
    assert!(
        docx.windows(2).all(|w| w[0] == w[1]),
        "DOCX differs across builds"
    );
    let xlsx: Vec<Vec<u8>> = (0..3)
        .map(|_| nianbao_excel::write_report_workbook(format, &report, &[]).unwrap())
        .collect();
    assert!(
        xlsx.windows(2).all(|w| w[0] == w[1]),
        "XLSX differs across builds"
    );
    let template = |_| nianbao_excel::write_template(format, &report.meta).unwrap();
    assert_eq!(template(0), template(1));
    let skeleton = |_| nianbao_docx::write_draft_skeleton(format, &report.meta).unwrap();
    assert_eq!(skeleton(0), skeleton(1));
}

#[test]
fn thread_count_does_not_change_the_bytes() {
    let units: Vec<_> = (0..12).map(unit).collect();
    let sequential: Vec<(Vec<u8>, Vec<u8>)> = units
        .iter()
        .map(|(m, w, d)| bytes_of(&process_unit_bytes(m, w, d).unwrap()))
        .collect();
    for threads in [2, 3] {
        let mut parallel: Vec<Option<(Vec<u8>, Vec<u8>)>> = vec![None; units.len()];
        std::thread::scope(|scope| {
            let chunks = parallel.chunks_mut(units.len().div_ceil(threads));
            for (t, slots) in chunks.enumerate() {
                let units = &units;
                scope.spawn(move || {
                    for (j, slot) in slots.iter_mut().enumerate() {
                        // Interleave differently from the sequential order.
                        let i = t * units.len().div_ceil(threads) + j;
                        let (m, w, d) = &units[i];
                        *slot = Some(bytes_of(&process_unit_bytes(m, w, d).unwrap()));
                    }
                });
            }
        });
        for (i, (seq, par)) in sequential.iter().zip(&parallel).enumerate() {
            let par = par.as_ref().unwrap();
            assert!(
                seq.0 == par.0,
                "unit {i}: DOCX differs on {threads} threads"
            );
            assert!(
                seq.1 == par.1,
                "unit {i}: XLSX differs on {threads} threads"
            );
        }
    }
}
