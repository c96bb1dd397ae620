//! Inputs and outputs kept apart, and each input counted once: an output folder that lies in
//! the input folder's units (or holds the input folder) is refused before anything is written,
//! and the same unit reached twice (`sum u u ./u`, a link to a unit's folder, a folder and its
//! workbook) is used once, with a warning.
//!
//! Paths are compared resolved (links followed, `.` and `..` gone); an output folder that does
//! not exist yet is resolved through its nearest existing ancestor, so it is compared without
//! being created.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

/// A path resolved as far as it exists: the nearest existing ancestor canonicalised, the rest
/// appended as written. A path that cannot be resolved is returned absolute.
pub fn resolved(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut existing = absolute.as_path();
    let mut rest: Vec<OsString> = Vec::new();
    loop {
        if let Ok(mut found) = existing.canonicalize() {
            found.extend(rest.iter().rev());
            return found;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return absolute,
        }
    }
}

/// Refuses a batch output folder that overlaps the input folder: the same folder, a folder
/// holding the input folder, or a folder inside one of its units. A folder directly in the
/// input folder is allowed when it is not a unit: new, empty, or an earlier batch's output
/// (`is_batch_output`); discovery then passes over it.
pub fn check_batch_output(
    input: &Path,
    output: &Path,
    is_batch_output: impl Fn(&Path) -> bool,
) -> Result<()> {
    let (input_r, output_r) = (resolved(input), resolved(output));
    if input_r == output_r {
        bail!(
            "输出文件夹 {} 就是输入文件夹：生成的报告会和各单位的文件混在一起，下次运行时还会被当作单位读取。请另选一个输出文件夹（如 -o 输出）",
            output.display()
        );
    }
    if input_r.starts_with(&output_r) {
        bail!(
            "输入文件夹 {} 位于输出文件夹 {} 之中，输出可能与输入混在一起。请另选一个不包含输入的输出文件夹",
            input.display(),
            output.display()
        );
    }
    let Ok(inside) = output_r.strip_prefix(&input_r) else {
        return Ok(());
    };
    let mut parts = inside.components();
    let first = parts
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    let direct = parts.next().is_none();
    let unit_dir = input_r.join(first.as_deref().unwrap_or_default());
    let empty = std::fs::read_dir(&output_r).map_or(true, |mut d| d.next().is_none());
    if direct && (empty || is_batch_output(&output_r)) {
        return Ok(());
    }
    if unit_dir.is_dir() {
        bail!(
            "输出文件夹 {} 位于输入文件夹的单位“{}”中：该单位会被跳过或与输出混在一起。请另选一个输出文件夹（如 -o 输出）",
            output.display(),
            first.unwrap_or_default()
        );
    }
    Ok(())
}

/// What identifies a unit's inputs: its paths resolved and sorted.
pub fn identity(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut resolved: Vec<PathBuf> = paths.iter().map(|p| resolved(p)).collect();
    resolved.sort();
    resolved
}

/// Keeps the first of items whose identities share a path (the same folder, or the same
/// workbook reached as a file and through its folder); each dropped item is returned with the
/// index of the one kept, for a warning.
pub fn first_of_each<T>(
    items: Vec<T>,
    identity_of: impl Fn(&T) -> Vec<PathBuf>,
) -> (Vec<T>, Vec<(T, usize)>) {
    let mut seen: Vec<Vec<PathBuf>> = Vec::new();
    let mut kept = Vec::new();
    let mut dropped = Vec::new();
    for item in items {
        let id = identity_of(&item);
        match seen.iter().position(|s| s.iter().any(|p| id.contains(p))) {
            Some(first) => dropped.push((item, first)),
            None => {
                seen.push(id);
                kept.push(item);
            }
        }
    }
    (kept, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_overlapping_inputs_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let units = tmp.path().join("units");
        std::fs::create_dir_all(units.join("甲")).unwrap();
        std::fs::write(units.join("甲/统计表.xlsx"), b"x").unwrap();
        let never = |_: &Path| false;
        assert!(check_batch_output(&units, &units, never).is_err());
        assert!(check_batch_output(&units, &units.join("."), never).is_err());
        let err = check_batch_output(&units, &units.join("甲"), never).unwrap_err();
        assert!(err.to_string().contains("单位“甲”"), "{err}");
        assert!(check_batch_output(&units, &units.join("甲/新"), never).is_err());
        assert!(check_batch_output(&units, tmp.path(), never).is_err());
        // A new folder beside the units, or one of its own in the input folder, is fine.
        assert!(check_batch_output(&units, &tmp.path().join("out"), never).is_ok());
        assert!(check_batch_output(&units, &units.join("输出"), never).is_ok());
    }

    #[test]
    fn the_same_unit_twice_is_kept_once() {
        let tmp = tempfile::tempdir().unwrap();
        let u = tmp.path().join("u");
        std::fs::create_dir_all(&u).unwrap();
        let items = vec![
            u.clone(),
            u.join("."),
            tmp.path().join("u/../u"),
            tmp.path().to_path_buf(),
        ];
        let (kept, dropped) = first_of_each(items, |p| identity(std::slice::from_ref(p)));
        assert_eq!(kept.len(), 2);
        assert_eq!(dropped.len(), 2);
        assert!(dropped.iter().all(|(_, first)| *first == 0));
    }
}
