//! Embeds the console (`web/dist`, built by Vite) when it exists.
//!
//! Writes `$OUT_DIR/console.rs` with one `(path, bytes)` pair per file,
//! each through `include_bytes!`, so the binary carries the console and
//! the build does not fail when the console has not been built (the table
//! is then empty and the server serves a page saying so). Walking the
//! folder here instead of using an embedding crate keeps that "absent is
//! fine" rule in our hands.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(root, &p, out);
        } else if let Ok(rel) = p.strip_prefix(root) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            out.push((rel, p.clone()));
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let dist = manifest.join("../../web/dist");
    println!("cargo:rerun-if-changed={}", dist.display());
    println!("cargo:rerun-if-env-changed=TAISHI_WEB_DIST");
    let dist = std::env::var_os("TAISHI_WEB_DIST").map_or(dist, PathBuf::from);
    let mut files = Vec::new();
    walk(&dist, &dist, &mut files);
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    // Copies, not the originals: the console may be rebuilt (files
    // renamed by content hash) between this script and the compiler.
    let copies = out_dir.join("console");
    let _ = std::fs::remove_dir_all(&copies);
    let mut code = String::from(
        "/// The console's files, by path under web/dist.\npub static FILES: &[(&str, &[u8])] = &[\n",
    );
    for (rel, path) in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let copy = copies.join(rel);
        let copied = copy
            .parent()
            .is_some_and(|p| std::fs::create_dir_all(p).is_ok())
            && std::fs::copy(path, &copy).is_ok();
        if copied {
            let _ = writeln!(
                code,
                "    ({rel:?}, include_bytes!({:?})),",
                copy.display().to_string()
            );
        }
    }
    code.push_str("];\n");
    let out = out_dir.join("console.rs");
    if let Err(e) = std::fs::write(&out, code) {
        println!("cargo:warning=cannot write {}: {e}", out.display());
    }
}
