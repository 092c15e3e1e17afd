//! Loads an EVE file into a database in batches (5000 lines unless told)
//! and prints the rate — with `/usr/bin/time` around it, the CPU the store
//! costs per line, to set beside the CPU `taishi analyze` spent producing
//! the file.
//!
//! ```text
//! cargo run --release -p taishi-store --example ingest_file -- EVE.json DB [REPEAT [BATCH]]
//! ```

use std::io::BufRead;
use std::path::Path;
use std::time::Instant;

use taishi_core::Store;
use taishi_core::store::IngestReport;
use taishi_store::SqliteStore;
use taishi_store::writer::add_report;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(eve), Some(db)) = (args.first(), args.get(1)) else {
        eprintln!("usage: ingest_file EVE.json DB [REPEAT [BATCH]]");
        std::process::exit(2);
    };
    let repeat: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    let batch: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(5000);
    let file = std::fs::File::open(eve).expect("open EVE file");
    let lines: Vec<Vec<u8>> = std::io::BufReader::new(file)
        .split(b'\n')
        .map(|l| l.expect("read"))
        .collect();
    let store = SqliteStore::open(Path::new(db)).expect("open database");
    let t = Instant::now();
    let mut total = IngestReport::default();
    for _ in 0..repeat {
        for batch in lines.chunks(batch.max(1)) {
            let mut buf = Vec::new();
            for l in batch {
                buf.extend_from_slice(l);
                buf.push(b'\n');
            }
            add_report(&mut total, &store.ingest(&buf).expect("ingest"));
        }
    }
    let n = lines.len() * repeat;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{n} lines in {secs:.2} s: {:.0} lines/s ({total:?})",
        n as f64 / secs
    );
}
