//! Where the console's built assets (`pkg/herald.js`, `.wasm`, `.css`, `favicon.ico`) are
//! when `LEPTOS_SITE_ROOT` is not set: in the cargo target folder, found the way
//! `scripts/build` finds it (docs/configuration.md, "Site root").
//!
//! `scripts/build` writes `<target>/site` next to `<target>/{debug,release}/herald`, where
//! `<target>` is `CARGO_TARGET_DIR` (relative to the current folder when relative) or
//! `./target`. The server looks, in order, in `$CARGO_TARGET_DIR/site`, in `site/` beside
//! the folder holding its own executable (`<target>/debug/herald` → `<target>/site`), and
//! in `./target/site`; the first that holds a `pkg/` folder wins, else the last.
use std::path::{Path, PathBuf};

/// What the lookup depends on, gathered from the process so the rule stays testable.
#[derive(Debug, Clone, Default)]
pub struct SiteLookup {
    /// `LEPTOS_SITE_ROOT` / `--site-root`, when given: used as is.
    pub explicit: Option<PathBuf>,
    /// `CARGO_TARGET_DIR`, when set and non-empty.
    pub cargo_target_dir: Option<PathBuf>,
    /// The running executable's path.
    pub exe: Option<PathBuf>,
    /// The current folder.
    pub cwd: PathBuf,
}

impl SiteLookup {
    /// The lookup for this process, with `explicit` from the configuration.
    pub fn from_process(explicit: Option<&str>) -> Self {
        Self {
            explicit: explicit.filter(|s| !s.is_empty()).map(PathBuf::from),
            cargo_target_dir: std::env::var_os("CARGO_TARGET_DIR")
                .filter(|s| !s.is_empty())
                .map(PathBuf::from),
            exe: std::env::current_exe().ok(),
            cwd: std::env::current_dir().unwrap_or_default(),
        }
    }

    /// The folders to try, in order (the last one is the fallback).
    pub fn candidates(&self) -> Vec<PathBuf> {
        if let Some(explicit) = &self.explicit {
            return vec![explicit.clone()];
        }
        let mut out = Vec::new();
        if let Some(dir) = &self.cargo_target_dir {
            out.push(self.cwd.join(dir).join("site"));
        }
        if let Some(target) = self
            .exe
            .as_deref()
            .and_then(Path::parent)
            .and_then(Path::parent)
        {
            out.push(target.join("site"));
        }
        out.push(self.cwd.join("target").join("site"));
        out
    }

    /// The first candidate that holds a built site (a `pkg/` folder), else the last one.
    pub fn resolve(&self) -> PathBuf {
        let candidates = self.candidates();
        candidates
            .iter()
            .find(|dir| dir.join("pkg").is_dir())
            .or(candidates.last())
            .cloned()
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built_site(dir: &Path) -> PathBuf {
        let site = dir.join("site");
        std::fs::create_dir_all(site.join("pkg")).unwrap();
        site
    }

    #[test]
    fn explicit_site_root_wins_even_when_missing() {
        let lookup = SiteLookup {
            explicit: Some("/srv/herald/site".into()),
            cargo_target_dir: Some("/elsewhere".into()),
            ..Default::default()
        };
        assert_eq!(lookup.resolve(), PathBuf::from("/srv/herald/site"));
    }

    #[test]
    fn cargo_target_dir_is_used_relative_to_the_current_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let site = built_site(&tmp.path().join("shared-build"));
        let lookup = SiteLookup {
            cargo_target_dir: Some("shared-build".into()),
            exe: Some("/usr/local/bin/herald".into()),
            cwd: tmp.path().into(),
            ..Default::default()
        };
        assert_eq!(lookup.resolve(), site);
    }

    #[test]
    fn site_beside_the_executables_folder_is_found_without_any_variable() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("build-here");
        let site = built_site(&target);
        let lookup = SiteLookup {
            exe: Some(target.join("debug").join("herald")),
            cwd: tmp.path().join("somewhere-else"),
            ..Default::default()
        };
        assert_eq!(lookup.resolve(), site);
    }

    #[test]
    fn nothing_built_falls_back_to_target_site_in_the_current_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let lookup = SiteLookup {
            cargo_target_dir: Some(tmp.path().join("empty")),
            exe: Some(tmp.path().join("t").join("release").join("herald")),
            cwd: tmp.path().into(),
            ..Default::default()
        };
        assert_eq!(lookup.resolve(), tmp.path().join("target").join("site"));
    }
}
