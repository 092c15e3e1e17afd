//! The command line (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Taishi (态势): network-security situational awareness for critical infrastructure.
#[derive(Debug, Parser)]
#[command(name = "taishi", version, about, long_about = None)]
pub struct Cli {
    /// More log output on stderr (-v info, -vv debug, -vvv trace); TAISHI_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyse capture files (pcap, pcapng, gzip-compressed, or folders of them) and write EVE JSON.
    Analyze(AnalyzeArgs),
    /// Capture live from an interface until SIGINT/SIGTERM and write EVE JSON.
    Sensor(SensorArgs),
    /// Write protocol-correct sample traffic with labelled attacks to a pcap file.
    Generate(GenerateArgs),
    /// Work with Suricata rule sets.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Threat intelligence: import indicators, list them, count them.
    #[command(subcommand)]
    Intel(IntelCommand),
    /// The asset registry: import declared assets and vulnerabilities, list what is known.
    #[command(subcommand)]
    Assets(AssetsCommand),
    /// Incidents: alerts correlated into attacks on assets.
    #[command(subcommand)]
    Incidents(IncidentsCommand),
    /// The current posture: level, index, what drives it, trend and forecast.
    Posture(PostureArgs),
    /// Write a situation report for management and regulators.
    Report(ReportArgs),
    /// Re-run the assessment (asset exposure, correlation, posture) over the database.
    Assess(DbArgs),
    /// Database upkeep.
    #[command(subcommand)]
    Db(DbCommand),
    /// Serve the console, the REST API and the public portal over a database.
    Serve(ServeArgs),
    /// Analyse the sample traffic with sample assets, intel and public
    /// submissions, and serve the console on loopback.
    Demo(DemoArgs),
    /// The hash-chained audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Console users and API tokens, from the server's own machine.
    #[command(subcommand)]
    Users(UsersCommand),
}

/// `taishi users ...`: the way back in when a password is lost, and tokens
/// for machines, without a login (whoever runs this owns the database file).
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// List users: name, role, tenant, whether disabled.
    List(DbArgs),
    /// Give a user a new one-time password (re-enabling the account) and print it.
    ResetPassword(UserNameArgs),
    /// Issue an API token acting as a user and print it (shown once).
    Token(UserTokenArgs),
}

/// A user by name.
#[derive(Debug, Args)]
pub struct UserNameArgs {
    /// The user's name.
    pub username: String,
    /// Database.
    #[command(flatten)]
    pub db: DbArgs,
}

/// `taishi users token`.
#[derive(Debug, Args)]
pub struct UserTokenArgs {
    /// The user the token acts as.
    pub username: String,
    /// What the token is for (shown in the console's token list).
    #[arg(long, default_value = "cli")]
    pub name: String,
    /// Database.
    #[command(flatten)]
    pub db: DbArgs,
}

/// `taishi serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// YAML configuration file; its `server.*` keys apply (docs/api.md).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Override one configuration key (repeatable), e.g. `--set server.poll-interval=5s`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Database.
    #[command(flatten)]
    pub db: DbArgs,
}

/// `taishi demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Address to listen on.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Folder for the sample capture, database and EVE output.
    #[arg(long, value_name = "DIR", default_value = "out/demo")]
    pub dir: PathBuf,
}

/// `taishi audit ...`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the audit log's hash chain; names the first broken entry.
    Verify(DbArgs),
}

/// Which database a command reads and writes.
#[derive(Debug, Args, Default, Clone)]
pub struct DbArgs {
    /// SQLite database (default: $XDG_DATA_HOME/taishi/taishi.db).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
}

/// `taishi assets ...`.
#[derive(Debug, Subcommand)]
pub enum AssetsCommand {
    /// Import declared assets (CSV, JSON or YAML; see docs/assets.md).
    Import(AssetsImportArgs),
    /// Import a vulnerability list (CSV, JSON, YAML or NVD CVE JSON) and match it to the assets' software.
    ImportVulns(AssetsImportArgs),
    /// List assets, declared and discovered, with criticality and exposure.
    List(ListArgs),
    /// Show one asset.
    Show(AssetShowArgs),
}

/// `taishi assets import`.
#[derive(Debug, Args)]
pub struct AssetsImportArgs {
    /// Files to import.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Database.
    #[command(flatten)]
    pub db: DbArgs,
}

/// Options of a listing command.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// At most this many.
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
    /// Database.
    #[command(flatten)]
    pub db: DbArgs,
}

/// `taishi assets show`.
#[derive(Debug, Args)]
pub struct AssetShowArgs {
    /// The asset's address or network.
    #[arg(value_name = "ADDRESS")]
    pub address: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Database.
    #[command(flatten)]
    pub db: DbArgs,
}

/// `taishi incidents ...`.
#[derive(Debug, Subcommand)]
pub enum IncidentsCommand {
    /// List incidents, most recent first.
    List(IncidentsListArgs),
    /// Show one incident with its alerts.
    Show(IncidentShowArgs),
    /// Change an incident's status or assignee, or add a note.
    Update(IncidentUpdateArgs),
}

/// `taishi incidents list`.
#[derive(Debug, Args)]
pub struct IncidentsListArgs {
    /// Only these states (new, acknowledged, investigating, resolved, false_positive; repeatable).
    #[arg(long, value_name = "STATUS")]
    pub status: Vec<String>,
    /// Order by severity instead of recency.
    #[arg(long)]
    pub by_severity: bool,
    /// Listing options.
    #[command(flatten)]
    pub list: ListArgs,
}

/// `taishi incidents show`.
#[derive(Debug, Args)]
pub struct IncidentShowArgs {
    /// Incident id.
    #[arg(value_name = "ID")]
    pub id: i64,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Database.
    #[command(flatten)]
    pub db: DbArgs,
}

/// `taishi incidents update`.
#[derive(Debug, Args)]
pub struct IncidentUpdateArgs {
    /// Incident id.
    #[arg(value_name = "ID")]
    pub id: i64,
    /// New status: new, acknowledged, investigating, resolved, false_positive.
    #[arg(long, value_name = "STATUS")]
    pub status: Option<String>,
    /// Who handles it (empty to clear).
    #[arg(long, value_name = "NAME")]
    pub assignee: Option<String>,
    /// A note to add.
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    /// Author recorded with the note (default: $USER).
    #[arg(long, value_name = "NAME")]
    pub author: Option<String>,
    /// Database.
    #[command(flatten)]
    pub db: DbArgs,
}

/// `taishi posture`.
#[derive(Debug, Args)]
pub struct PostureArgs {
    /// Scope: `org` (default), `zone:NAME`, `host:ADDRESS` or `service:ADDRESS:PORT/PROTO`.
    #[arg(long, value_name = "SCOPE", default_value = "org")]
    pub scope: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Database.
    #[command(flatten)]
    pub db: DbArgs,
}

/// `taishi report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Period covered, back from the newest data: `24h`, `7d`, `90m`, `3600s`.
    #[arg(long, value_name = "DURATION", default_value = "24h")]
    pub since: String,
    /// Output format: html, md or json.
    #[arg(long, value_name = "FORMAT", default_value = "html")]
    pub format: String,
    /// Language: zh or en.
    #[arg(long, value_name = "LANG", default_value = "zh")]
    pub lang: String,
    /// Output file (`-` for stdout).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Organisation named in the title.
    #[arg(long, value_name = "NAME")]
    pub organisation: Option<String>,
    /// Cut the report to one tenant: what its users see in the console
    /// (its incidents, the alerts and flows of its addresses, its assets,
    /// its organisation's posture). Without it, every tenant.
    #[arg(long, value_name = "NAME")]
    pub tenant: Option<String>,
    /// Database.
    #[command(flatten)]
    pub db: DbArgs,
}

/// `taishi db ...`.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Remove old flows, events and alerts by age and/or database size.
    Prune(PruneArgs),
}

/// `taishi db prune`.
#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Remove what is older than this (`30d`, `12h`), counted back from now.
    #[arg(long, value_name = "DURATION")]
    pub max_age: Option<String>,
    /// Shrink the oldest data until the database is under this size (`10G`, `500M`).
    #[arg(long, value_name = "SIZE")]
    pub max_size: Option<String>,
    /// Database.
    #[command(flatten)]
    pub db: DbArgs,
}

/// `taishi intel ...`.
#[derive(Debug, Subcommand)]
pub enum IntelCommand {
    /// Import indicators (plain lists, CSV, STIX 2.1, MISP JSON, Suricata
    /// datasets) into the intel store, where every run finds them.
    Import(IntelImportArgs),
    /// List stored indicators.
    List(IntelListArgs),
    /// Count stored indicators by kind and source.
    Stats(IntelStoreArgs),
}

/// Where the intel store is.
#[derive(Debug, Args, Default)]
pub struct IntelStoreArgs {
    /// Intel store folder (default: $XDG_DATA_HOME/taishi/intel).
    #[arg(long, value_name = "DIR")]
    pub intel_dir: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `taishi intel import`.
#[derive(Debug, Args)]
pub struct IntelImportArgs {
    /// Files to import.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Source name recorded with each indicator (default: the file name).
    #[arg(long, value_name = "NAME")]
    pub source: Option<String>,
    /// Store options.
    #[command(flatten)]
    pub store: IntelStoreArgs,
}

/// `taishi intel list`.
#[derive(Debug, Args)]
pub struct IntelListArgs {
    /// Only this kind (ip, domain, url, md5, sha1, sha256, ja3, ja4, x509_sha1, ...).
    #[arg(long, value_name = "KIND")]
    pub kind: Option<String>,
    /// At most this many.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Store options.
    #[command(flatten)]
    pub store: IntelStoreArgs,
}

/// `taishi rules ...`.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Load rule files or folders and report, per file, how many rules load
    /// and which keywords kept the others out.
    Check(RulesCheckArgs),
}

/// `taishi rules check`.
#[derive(Debug, Args)]
pub struct RulesCheckArgs {
    /// Rule files, folders of `*.rules`, or Suricata-style YAML configs.
    #[arg(required = true, value_name = "FILE_OR_DIR")]
    pub paths: Vec<PathBuf>,
    /// Print JSON: `total`, `files`, `unsupported`, `skipped`.
    #[arg(long)]
    pub json: bool,
    /// Print every skipped rule with its file, line, sid and reason.
    #[arg(long)]
    pub list: bool,
    /// Rule variables.
    #[command(flatten)]
    pub vars: RuleVarArgs,
}

/// Rule variables and classifications.
#[derive(Debug, Args, Default)]
pub struct RuleVarArgs {
    /// Set a rule variable (repeatable), e.g. `--var 'HOME_NET=[10.0.0.0/8]'`.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// A classification.config that adds to the built-in classtypes.
    #[arg(long, value_name = "FILE")]
    pub classification_file: Option<PathBuf>,
}

/// The rule engine's options of a pipeline run.
#[derive(Debug, Args, Default)]
pub struct RulesArgs {
    /// Suricata rule files, folders of `*.rules`, or Suricata-style YAML configs (repeatable).
    #[arg(long = "rules", value_name = "FILE_OR_DIR")]
    pub rules: Vec<PathBuf>,
    /// A Suricata threshold.config (threshold, event_filter, suppress).
    #[arg(long, value_name = "FILE")]
    pub threshold_file: Option<PathBuf>,
    /// Rule variables.
    #[command(flatten)]
    pub vars: RuleVarArgs,
    /// Intel files matched against the traffic, besides the intel store's (repeatable).
    #[arg(long = "intel", value_name = "FILE")]
    pub intel: Vec<PathBuf>,
    /// Intel store folder (default: $XDG_DATA_HOME/taishi/intel).
    #[arg(long, value_name = "DIR")]
    pub intel_dir: Option<PathBuf>,
    /// Turn the behavioural detectors off.
    #[arg(long)]
    pub no_behaviour: bool,
    /// Behavioural detectors' thresholds (YAML, see docs/detectors.md).
    #[arg(long, value_name = "FILE")]
    pub behaviour_config: Option<PathBuf>,
}

/// Options shared by every command that runs the pipeline.
#[derive(Debug, Args)]
pub struct PipelineArgs {
    /// Where to write EVE JSON lines (`-` for stdout).
    #[arg(long, value_name = "PATH")]
    pub eve: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// YAML configuration file with Suricata-like dotted keys.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Override one configuration key (repeatable), e.g. `--set stream.midstream=true`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Rules.
    #[command(flatten)]
    pub rules: RulesArgs,
    /// Store everything in this SQLite database and assess it (assets,
    /// incidents, posture); `--db` alone uses $XDG_DATA_HOME/taishi/taishi.db.
    #[arg(long, value_name = "PATH", num_args = 0..=1, default_missing_value = "")]
    pub db: Option<PathBuf>,
    /// Declared assets imported into the database before the run (with --db; repeatable).
    #[arg(long = "assets", value_name = "FILE")]
    pub assets: Vec<PathBuf>,
}

/// `taishi analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Capture files or folders.
    #[arg(required = true, value_name = "CAPTURE")]
    pub captures: Vec<PathBuf>,
    /// Pipeline options.
    #[command(flatten)]
    pub pipeline: PipelineArgs,
    /// Only read and frame the packets, no decoding (the floor run of scripts/bench.sh).
    #[arg(long, hide = true)]
    pub read_only: bool,
    /// Never draw a progress bar, even on a terminal.
    #[arg(long)]
    pub no_progress: bool,
}

/// `taishi sensor`.
#[derive(Debug, Args)]
pub struct SensorArgs {
    /// Interface to capture on.
    #[arg(long, value_name = "IFACE")]
    pub iface: String,
    /// BPF capture filter, e.g. `not port 22`.
    #[arg(long, value_name = "FILTER")]
    pub bpf: Option<String>,
    /// Pipeline options.
    #[command(flatten)]
    pub pipeline: PipelineArgs,
}

/// `taishi generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Scenario to generate (`demo`, `bench`, `benign`, ...).
    #[arg(long, default_value = "demo")]
    pub scenario: String,
    /// Output pcap file; the labels go beside it as FILE.labels.json.
    #[arg(long, value_name = "FILE.pcap")]
    pub out: PathBuf,
    /// Random seed: the same seed gives the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Multiplies volume and duration (1.0: the scenario's default size).
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
}
