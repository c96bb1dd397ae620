//! One way to name the units of a multi-unit command (`batch`, `sum`): a folder is one unit, and
//! the loose files that share a stem in one folder (`卫东区卫健委.xlsx` and `卫东区卫健委.docx`)
//! are one unit. `batch` applies it to the entries of its folder, `sum` to its arguments
//! (`sum 各单位/*` names the same units as `batch 各单位`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use nianbao_pipeline::classify;

/// A unit: its name (the folder's name or the files' stem) and its paths (one folder, or files).
pub type NamedUnit = (String, Vec<PathBuf>);

/// Groups paths into units, in name order: each folder alone, files by folder and stem. Files
/// nianbao does not read (by extension) are left out; `skip` leaves out other paths (outputs).
pub fn group_units(paths: &[PathBuf], skip: impl Fn(&Path) -> bool) -> Vec<NamedUnit> {
    // (name, folder or not, the folder itself or the parent of loose files, the place of a
    // folder among the paths) → paths, so a folder `X` and files `X.xlsx` stay two units, and
    // files of one stem in two folders too; a folder given twice (`u u ./u/`) is an entry each
    // time, which the caller finds are one unit and says so.
    let mut units: BTreeMap<(String, bool, PathBuf, usize), Vec<PathBuf>> = BTreeMap::new();
    for (given, path) in paths.iter().enumerate() {
        if skip(path) {
            continue;
        }
        let Some(file_name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            continue;
        };
        if file_name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            units
                .entry((file_name, true, path.clone(), given))
                .or_default()
                .push(path.clone());
        } else if classify(path).is_some() {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or(file_name);
            let parent = path.parent().map(Path::to_path_buf).unwrap_or_default();
            units
                .entry((stem, false, parent, 0))
                .or_default()
                .push(path.clone());
        }
    }
    units
        .into_iter()
        .map(|((name, _, _, _), mut paths)| {
            paths.sort();
            paths.dedup();
            (name, paths)
        })
        .collect()
}

/// The entries of a folder, in name order.
pub fn folder_entries(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_and_stems() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("甲局")).unwrap();
        for f in [
            "乙局.xlsx",
            "乙局.docx",
            "丙局.xlsx",
            "甲局.xlsx",
            "说明.pdf",
            ".隐藏.xlsx",
        ] {
            std::fs::write(d.join(f), b"").unwrap();
        }
        let mut entries = folder_entries(d).unwrap();
        // `sum 各单位/* 各单位/乙局.docx` names 乙局's draft twice: still one unit.
        entries.push(d.join("乙局.docx"));
        let units = group_units(&entries, |_| false);
        let named: Vec<(&str, usize)> = units.iter().map(|(n, p)| (n.as_str(), p.len())).collect();
        assert_eq!(named, [("丙局", 1), ("乙局", 2), ("甲局", 1), ("甲局", 1)]);
        // The folder 甲局 and the file 甲局.xlsx are two units.
        assert!(units[2].1[0].is_dir() != units[3].1[0].is_dir());
    }
}
