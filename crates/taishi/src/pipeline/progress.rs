//! The progress bar of `taishi analyze` (only when stderr is a terminal).

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress display, or nothing when stderr is not a terminal.
pub struct Progress {
    bar: Option<ProgressBar>,
    started: std::time::Instant,
}

impl Progress {
    /// A bar over `total` bytes when stderr is a terminal and `enabled`.
    pub fn new(total: Option<u64>, enabled: bool) -> Progress {
        let bar = (enabled && std::io::stderr().is_terminal()).then(|| {
            let bar = match total {
                Some(t) => {
                    ProgressBar::with_draw_target(Some(t), ProgressDrawTarget::stderr_with_hz(4))
                }
                None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(4)),
            };
            let style = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        });
        Progress {
            bar,
            started: std::time::Instant::now(),
        }
    }

    /// No progress display.
    pub fn hidden() -> Progress {
        Progress {
            bar: None,
            started: std::time::Instant::now(),
        }
    }

    /// Shows bytes read, rates and flows.
    pub fn update(&self, bytes_read: u64, packets: u64, flows: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(bytes_read);
            let secs = self.started.elapsed().as_secs_f64().max(1e-3);
            bar.set_message(format!(
                "{:.0} MB/s {:.2} Mpkt/s {} flows",
                bytes_read as f64 / secs / 1e6,
                packets as f64 / secs / 1e6,
                flows
            ));
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
