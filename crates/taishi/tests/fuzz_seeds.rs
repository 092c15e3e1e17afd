//! Replays the fuzz targets' seed corpora (`fuzz/seeds/<target>/*`) through
//! the very bodies the fuzzer runs, so every committed seed and crash
//! reproducer is checked on every CI run.

#[path = "../../../fuzz/bodies.rs"]
mod bodies;

use std::path::Path;

fn replay(target: &str, body: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/seeds")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{}: no seeds", dir.display());
    for f in files {
        let data = std::fs::read(&f).unwrap();
        body(&data);
    }
}

#[test]
fn capture_file_seeds() {
    replay("capture_file", bodies::capture_file);
}

#[test]
fn decode_seeds() {
    replay("decode", bodies::decode);
}

#[test]
fn pipeline_seeds() {
    replay("pipeline", bodies::pipeline);
}
