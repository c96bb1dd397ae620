//! Small hostile workbooks built in the test: `.xls` (BIFF8 in a compound file, written with the
//! `cfb` crate) and `.ods` (zip + XML, written with the `zip` crate). Nothing big is committed.
#![allow(dead_code)]

use std::io::{Cursor, Write};

/// One BIFF record: `[type u16][length u16][data]`.
fn record(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + data.len());
    out.extend_from_slice(&typ.to_le_bytes());
    out.extend_from_slice(&u16::try_from(data.len()).unwrap().to_le_bytes());
    out.extend_from_slice(data);
    out
}

fn bof(kind: u16) -> Vec<u8> {
    let mut data = vec![0u8; 16];
    data[..2].copy_from_slice(&0x0600u16.to_le_bytes());
    data[2..4].copy_from_slice(&kind.to_le_bytes());
    record(0x0809, &data)
}

fn eof() -> Vec<u8> {
    record(0x000A, &[])
}

/// A NUMBER record at zero-based (row, col).
pub fn number(row: u16, col: u16, value: f64) -> Vec<u8> {
    let mut data = Vec::new();
    data.extend_from_slice(&row.to_le_bytes());
    data.extend_from_slice(&col.to_le_bytes());
    data.extend_from_slice(&0u16.to_le_bytes());
    data.extend_from_slice(&value.to_le_bytes());
    record(0x0203, &data)
}

/// A BLANK record (a formatted empty cell) at zero-based (row, col).
pub fn blank(row: u16, col: u16) -> Vec<u8> {
    let mut data = Vec::new();
    data.extend_from_slice(&row.to_le_bytes());
    data.extend_from_slice(&col.to_le_bytes());
    data.extend_from_slice(&0u16.to_le_bytes());
    record(0x0201, &data)
}

/// A BIFF8 DIMENSIONS record: first row, last row + 1, first column, last column + 1.
pub fn dimensions(rf: u32, rl: u32, cf: u16, cl: u16) -> Vec<u8> {
    let mut data = Vec::new();
    data.extend_from_slice(&rf.to_le_bytes());
    data.extend_from_slice(&rl.to_le_bytes());
    data.extend_from_slice(&cf.to_le_bytes());
    data.extend_from_slice(&cl.to_le_bytes());
    data.extend_from_slice(&0u16.to_le_bytes());
    record(0x0200, &data)
}

/// A BIFF8 workbook stream. Each sheet is (name, cell records); `shared` sheets are further
/// BoundSheet8 entries pointing at the first sheet's substream. `padding` bytes of an unknown
/// record in the globals make the stream large enough for the compound file's regular sectors.
pub fn biff8_stream(sheets: &[(&str, Vec<u8>)], shared: usize, padding: usize) -> Vec<u8> {
    let bound = |pos: u32, name: &str| {
        let mut data = Vec::new();
        data.extend_from_slice(&pos.to_le_bytes());
        // ShortXLUnicodeString, stored as UTF-16LE (fHighByte set).
        let units: Vec<u16> = name.encode_utf16().collect();
        data.extend_from_slice(&[0, 0, u8::try_from(units.len()).unwrap(), 1]);
        data.extend(units.iter().flat_map(|u| u.to_le_bytes()));
        record(0x0085, &data)
    };
    let mut pad = Vec::new();
    let mut left = padding;
    while left > 0 {
        let n = left.min(8000);
        pad.extend(record(0x1234, &vec![0u8; n]));
        left -= n;
    }
    let mut globals_len = bof(0x0005).len() + pad.len() + eof().len();
    for (name, _) in sheets {
        globals_len += bound(0, name).len();
    }
    for i in 0..shared {
        globals_len += bound(0, &format!("S{i}")).len();
    }
    let mut substreams = Vec::new();
    let mut positions = Vec::new();
    for (_, cells) in sheets {
        positions.push(u32::try_from(globals_len + substreams.len()).unwrap());
        substreams.extend(bof(0x0010));
        substreams.extend_from_slice(cells);
        substreams.extend(eof());
    }
    let mut stream = bof(0x0005);
    stream.extend(pad);
    for ((name, _), pos) in sheets.iter().zip(&positions) {
        stream.extend(bound(*pos, name));
    }
    for i in 0..shared {
        stream.extend(bound(positions[0], &format!("S{i}")));
    }
    stream.extend(eof());
    assert_eq!(stream.len(), globals_len);
    stream.extend(substreams);
    stream
}

/// A compound file (version 3, 512-byte sectors, as Excel writes) holding `stream` as its
/// `Workbook` stream.
pub fn xls(stream: &[u8]) -> Vec<u8> {
    let mut cf =
        cfb::CompoundFile::create_with_version(cfb::Version::V3, Cursor::new(Vec::new())).unwrap();
    cf.create_stream("/Workbook")
        .unwrap()
        .write_all(stream)
        .unwrap();
    cf.flush().unwrap();
    cf.into_inner().into_inner()
}

/// The 5.6 KB-class attack: a cell at A1 and one at IV65536.
pub fn xls_a1_iv65536() -> Vec<u8> {
    let mut cells = dimensions(0, 65_536, 0, 256);
    cells.extend(number(0, 0, 1.0));
    cells.extend(number(65_535, 255, 2.0));
    xls(&biff8_stream(&[("Sheet1", cells)], 0, 0))
}

/// An `.ods` whose `content.xml` holds the given `<table:table>` elements.
pub fn ods(tables: &str) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let content = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" \
xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" office:version=\"1.2\">\
<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"
    );
    let manifest = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\">\
<manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"application/vnd.oasis.opendocument.spreadsheet\"/>\
<manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/>\
</manifest:manifest>";
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let deflated =
        SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    zip.start_file("META-INF/manifest.xml", deflated).unwrap();
    zip.write_all(manifest.as_bytes()).unwrap();
    zip.start_file("content.xml", deflated).unwrap();
    zip.write_all(content.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

/// A value cell (`office:value`) repeated over `cols` columns.
pub fn ods_values(cols: u32, value: u32) -> String {
    format!(
        "<table:table-cell table:number-columns-repeated=\"{cols}\" office:value-type=\"float\" office:value=\"{value}\"/>"
    )
}

/// The million-row attack: one row holding values over `cols` columns, repeated 1,048,576
/// times.
pub fn ods_repeated_row(cols: u32) -> Vec<u8> {
    ods(&format!(
        "<table:table table:name=\"Sheet1\"><table:table-row table:number-rows-repeated=\"1048576\">{}</table:table-row></table:table>",
        ods_values(cols, 1)
    ))
}
