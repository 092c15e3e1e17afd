//! `taishi`: network-security situational awareness for critical
//! infrastructure.
//!
//! This file stays thin: it parses the command line, runs the chosen command
//! and turns an error into one line on stderr and an exit status (2 for bad
//! input or usage, as the CLI documents). The wiring of stages lives in
//! [`pipeline`]; each command's glue lives in [`run`].

mod cli;
mod output;
mod pipeline;
mod run;
mod summary;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of glibc's allocator. With `--db` the pipeline's thread
/// allocates each event and the store's thread frees it; glibc returns such
/// blocks to the allocating thread's arena under its lock and fragments
/// that arena, which made a `--db` run spend a fifth of its pipeline thread
/// in `malloc` (docs/store.md). mimalloc frees across threads without a lock.
///
/// Built with `no_thp`: mimalloc then turns transparent huge pages off for
/// the process (`PR_SET_THP_DISABLE`). With them on, each first touch of its
/// arenas faulted in and zeroed a whole 2 MiB page, so the thousands of
/// partly filled body buffers of a rules run cost a quarter of its time in
/// the kernel's `clear_page` and 25% more resident memory (README,
/// Performance).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    init_tracing(cli.verbose);
    let result = match cli.command {
        cli::Command::Analyze(args) => run::analyze::run(args),
        cli::Command::Sensor(args) => run::sensor::run(args),
        cli::Command::Generate(args) => run::generate::run(args),
        cli::Command::Rules(cli::RulesCommand::Check(args)) => run::rules::check(args),
        cli::Command::Intel(cmd) => run::intel::run(cmd),
        cli::Command::Assets(cmd) => run::assess::assets(cmd),
        cli::Command::Incidents(cmd) => run::assess::incidents(cmd),
        cli::Command::Posture(args) => run::assess::posture(args),
        cli::Command::Report(args) => run::assess::report(args),
        cli::Command::Assess(args) => run::assess::assess(args),
        cli::Command::Db(cmd) => run::assess::db(cmd),
        cli::Command::Serve(args) => run::serve::serve(args),
        cli::Command::Demo(args) => run::serve::demo(args),
        cli::Command::Audit(cli::AuditCommand::Verify(args)) => run::serve::audit_verify(args),
        cli::Command::Users(cmd) => run::serve::users(cmd),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line, naming the file or key at fault: the chain of
            // contexts joined, as `anyhow`'s alternate form prints it.
            eprintln!("taishi: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("TAISHI_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal, not in logs and pipes.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .init();
}
