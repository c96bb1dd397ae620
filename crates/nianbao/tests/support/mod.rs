//! What the binary's test files share: the real `nianbao serve` of this build (through
//! `nianbao_tests::http`, which the benchmark uses too), the example's files, zips, a DOCX's body.

// Each test file uses part of it.
#![allow(dead_code, unused_imports)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

pub use nianbao_tests::http::{Part, connect, read_response, request};

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn example() -> PathBuf {
    root().join("examples/weidong-2024")
}

/// The example's three files as upload parts of the `files` field.
pub fn example_parts() -> Vec<Part> {
    ["report.toml", "统计表.xlsx", "草稿.md"]
        .iter()
        .map(|name| Part::file("files", name, std::fs::read(example().join(name)).unwrap()))
        .collect()
}

pub type Server = nianbao_tests::http::Server;

/// This build's `nianbao serve --port 0 args…`.
pub fn start(args: &[&str]) -> Server {
    start_with_env(args, &[])
}

pub fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Server {
    Server::start(Path::new(env!("CARGO_BIN_EXE_nianbao")), args, env)
}

/// The names and contents of a zip archive's files.
pub fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut entry = archive.by_index(i).unwrap();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            (entry.name().to_string(), data)
        })
        .collect()
}

/// The text of a DOCX's `word/document.xml`.
pub fn document_xml(docx: &[u8]) -> String {
    let files = unzip(docx);
    let (_, xml) = files
        .iter()
        .find(|(n, _)| n == "word/document.xml")
        .expect("word/document.xml");
    String::from_utf8(xml.clone()).unwrap()
}

/// A zip archive of the given files (names as given, deflated).
pub fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in files {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// `nianbao check … --json` of the example, parsed: what `/api/check` must answer.
pub fn cli_check_json(args: &[&Path]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .arg("check")
        .args(args)
        .arg("--json")
        .env_remove("NIANBAO_PLUGIN_PATH")
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}
