//! Writes a scenario to a file and prints the summary, labels and the time
//! taken: `cargo run --release -p taishi-generate --example generate -- demo out.pcap [seed] [scale]`.

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let scenario = args.get(1).cloned().unwrap_or_else(|| "demo".into());
    let out = args.get(2).cloned().unwrap_or_else(|| "out.pcap".into());
    let seed = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(1);
    let scale = args.get(4).map(|s| s.parse()).transpose()?.unwrap_or(1.0);
    let opts = taishi_generate::Options {
        scenario,
        seed,
        scale,
    };
    let started = Instant::now();
    let file = std::fs::File::create(&out)?;
    let (summary, labels) = taishi_generate::generate(&opts, file)?;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "{} packets, {} bytes, {} flows, {} attacks in {:.2} s ({:.0} MB/s, {:.0} bytes/packet)",
        summary.packets,
        summary.bytes,
        summary.flows,
        summary.attacks,
        secs,
        summary.bytes as f64 / secs / 1e6,
        summary.bytes as f64 / summary.packets.max(1) as f64
    );
    println!("{}", serde_json::to_string_pretty(&labels)?);
    Ok(())
}
