//! `ui/src/bindings.ts`, generated from the commands and events by
//! tauri-specta, never edited by hand. `npm run bindings` rewrites it; the
//! test below fails when it is stale.

use std::path::{Path, PathBuf};

use specta_typescript::Typescript;

/// Where the UI imports the bindings from.
pub fn path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts")
}

/// The bindings as they would be generated now.
pub fn generate() -> String {
    let dir = tempfile_dir();
    let file = dir.join("bindings.ts");
    crate::commands::builder().export(Typescript::default(), &file).expect("the commands' types export to TypeScript");
    let text = std::fs::read_to_string(&file).expect("just written");
    let _ = std::fs::remove_dir_all(&dir);
    text
}

fn tempfile_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("codex-helper-bindings-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[cfg(test)]
mod tests {
    /// `UPDATE_BINDINGS=1` (what `npm run bindings` sets) writes the file
    /// instead of comparing.
    #[test]
    fn bindings_are_up_to_date() {
        let fresh = super::generate();
        let path = super::path();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &fresh).unwrap();
            return;
        }
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(current == fresh, "{} is stale: run `npm run bindings`", path.display());
    }
}
