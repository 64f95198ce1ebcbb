//! The scripts honour the cargo target folder (docs/configuration.md, "Site root"):
//! `target_dir` in `scripts/lib.sh` answers what cargo answers for `CARGO_TARGET_DIR`,
//! and no script reads or writes build output under a fixed `target/` path.
use std::path::Path;
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn target_dir(cargo_target_dir: Option<&str>) -> String {
    let mut cmd = Command::new("bash");
    cmd.args(["-c", ". scripts/lib.sh && target_dir"])
        .current_dir(ROOT);
    match cargo_target_dir {
        Some(dir) => cmd.env("CARGO_TARGET_DIR", dir),
        None => cmd.env_remove("CARGO_TARGET_DIR"),
    };
    let out = cmd.output().expect("bash runs");
    assert!(
        out.status.success(),
        "target_dir failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn target_dir_follows_cargo_target_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let absolute = tmp.path().join("shared-build");
    assert_eq!(
        target_dir(Some(absolute.to_str().unwrap())),
        absolute.to_str().unwrap()
    );
    assert_eq!(
        target_dir(Some("elsewhere/build")),
        format!("{ROOT}/elsewhere/build")
    );
}

#[test]
fn target_dir_defaults_to_target_in_the_repository() {
    assert_eq!(target_dir(None), format!("{ROOT}/target"));
}

/// `target/…` typed into a command (not `$target/…`, not in a comment) ignores
/// `CARGO_TARGET_DIR`.
#[test]
fn no_script_uses_a_fixed_target_path() {
    let mut offenders = Vec::new();
    for entry in std::fs::read_dir(Path::new(ROOT).join("scripts")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with('#') {
                continue;
            }
            let fixed = code.match_indices("target/").any(|(i, _)| {
                let before = code[..i].chars().next_back();
                !matches!(before, Some(c) if c == '$' || c == '{' || c == '_' || c.is_alphanumeric())
            });
            if fixed {
                offenders.push(format!("{}:{}: {line}", path.display(), n + 1));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "fixed target/ paths:\n{}",
        offenders.join("\n")
    );
}
