//! Command-line arguments, as clap parses them. Validation that needs files
//! (which service is the default, which port) happens in the commands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// codex-helper: a local proxy for Codex CLI and Claude Code that fails over
/// between your relays and keys, filters request bodies and logs usage.
///
/// With no command: set up a config from your client's login if there is
/// none, point the client at the proxy, serve, and on Ctrl+C point the
/// client back.
#[derive(Debug, Parser)]
#[command(name = "ch", version, propagate_version = true, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Options for the bare command.
    #[command(flatten)]
    pub serve: ServeArgs,

    /// More diagnostics on stderr (-v, -vv). `CODEX_HELPER_LOG` overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the local proxy in the foreground (Ctrl+C stops it).
    Serve(ServeArgs),
    /// Point the client (Codex / Claude Code) at the proxy, or back.
    #[command(subcommand)]
    Switch(SwitchCommand),
    /// Manage configs: named, ordered lists of upstreams (relays + keys).
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Show the default service, or set it with --codex / --claude.
    Default(DefaultArgs),
    /// Import a config from the client's own settings (done automatically
    /// by the bare command when there is no config yet).
    Bootstrap(BootstrapArgs),
    /// Find the client's recent sessions by project directory.
    #[command(subcommand)]
    Session(SessionCommand),
    /// Requests, errors and tokens from the request log, plus quota state.
    Usage(UsageArgs),
    /// Show the request log.
    Logs(LogsArgs),
    /// Speed-test the upstreams: a small real streaming request to each,
    /// ranked by time to first token.
    Test(TestArgs),
    /// What is running: proxies, active configs, upstream health, switch state.
    Status(StatusArgs),
    /// Check files, permissions, ports and client settings; suggest fixes.
    Doctor(DoctorArgs),
    /// Take over another tool's relays (`ch import cc-switch [--db PATH]`,
    /// `ch import codex-helper`) or restore a backup (`ch import FILE [--replace]`).
    Import(ImportArgs),
    /// Back up configs, filters, usage providers and settings to one file
    /// (keys left out unless --with-keys).
    Export(ExportArgs),
}

#[derive(Debug, Clone, Default, Args)]
pub struct ExportArgs {
    /// The backup file to write.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Include keys (auth tokens, secret-looking headers, access tokens);
    /// the file is then written 0600.
    #[arg(long)]
    pub with_keys: bool,
    #[command(flatten)]
    pub output: JsonArgs,
}

#[derive(Debug, Clone, Default, Args)]
pub struct ImportArgs {
    /// `cc-switch`, `codex-helper`, or a backup FILE (a file literally named
    /// cc-switch is given as ./cc-switch).
    #[arg(value_name = "SOURCE")]
    pub source: String,
    /// The other tool's file: cc-switch's store (default
    /// ~/.cc-switch/cc-switch.db, else ~/.cc-switch/config.json), or the
    /// original codex-helper's config (default ~/.codex-helper/config.toml).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Write without asking (needed when stdin is not a terminal).
    #[arg(long)]
    pub yes: bool,
    /// Backup FILE: make each file the backup's instead of merging into it.
    #[arg(long)]
    pub replace: bool,
    #[command(flatten)]
    pub output: JsonArgs,
}

/// Which service a command is about. Neither flag: `default_service` from
/// config.json, else Codex.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct ServiceArgs {
    /// Codex (default port 3211).
    #[arg(long, conflicts_with = "claude")]
    pub codex: bool,
    /// Claude Code (default port 3210).
    #[arg(long)]
    pub claude: bool,
}

#[derive(Debug, Clone, Copy, Default, Args)]
pub struct JsonArgs {
    /// Machine-readable output (one JSON document on stdout).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Default, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub service: ServiceArgs,
    /// Listen on this loopback port instead of the service's configured one
    /// (0: a free port the OS picks, named in the start-up line).
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,
    /// Print the start-up line as one JSON line on stdout,
    /// `{"listening":"127.0.0.1:PORT","service":"codex"}` (the other
    /// messages go to stderr).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum SwitchCommand {
    /// Point the client at the local proxy (keeps a backup first).
    On(SwitchOnArgs),
    /// Put back exactly what `switch on` changed.
    Off(SwitchOffArgs),
    /// Per service: does the client point at the proxy, is one answering?
    Status(SwitchStatusArgs),
}

#[derive(Debug, Clone, Default, Args)]
pub struct SwitchOnArgs {
    #[command(flatten)]
    pub service: ServiceArgs,
    /// The proxy port the client should use (default: the service's port).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub port: Option<u16>,
    #[command(flatten)]
    pub output: JsonArgs,
}

#[derive(Debug, Clone, Default, Args)]
pub struct SwitchOffArgs {
    #[command(flatten)]
    pub service: ServiceArgs,
    #[command(flatten)]
    pub output: JsonArgs,
}

#[derive(Debug, Clone, Default, Args)]
pub struct SwitchStatusArgs {
    /// Only this service (default: both).
    #[command(flatten)]
    pub service: ServiceArgs,
    #[command(flatten)]
    pub output: JsonArgs,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Restore config.json as it was before its last change (repeat to go
    /// further back; `history.keep` in settings.json versions are kept).
    /// With --codex or --claude, only that service's last change: the
    /// other service's part stays as it is.
    Undo(ServiceArgs),
    /// List the configs of a service (keys masked).
    List(ConfigListArgs),
    /// Append an upstream to config NAME, creating the config if needed. A
    /// URL it already has with a different key adds that key to the pool
    /// (--replace replaces the key instead).
    Add(ConfigAddArgs),
    /// Make NAME the active config (a running proxy follows at once).
    SetActive(ConfigNameArgs),
    /// Delete config NAME.
    Remove(ConfigNameArgs),
    /// Show one config with its upstreams (keys masked).
    Show(ConfigShowArgs),
    /// Remove one upstream (one key) of config NAME.
    RemoveUpstream(ConfigRemoveUpstreamArgs),
    /// Set how config NAME spreads requests: priority, round-robin or fill-first.
    #[command(visible_alias = "set-strategy")]
    Strategy(ConfigStrategyArgs),
}

#[derive(Debug, Clone, Default, Args)]
pub struct ConfigRemoveUpstreamArgs {
    pub name: String,
    /// The upstream's base URL.
    #[arg(long, value_name = "URL")]
    pub base_url: String,
    /// With several keys for the URL: the one with this alias.
    #[arg(long, value_name = "A", conflicts_with = "index")]
    pub key_alias: Option<String>,
    /// With several keys for the URL: the one at [N] in `ch config show`.
    #[arg(long, value_name = "N")]
    pub index: Option<usize>,
    #[command(flatten)]
    pub service: ServiceArgs,
    #[command(flatten)]
    pub output: JsonArgs,
}

#[derive(Debug, Clone, Default, Args)]
pub struct ConfigStrategyArgs {
    pub name: String,
    /// priority (ordered failover, the default), round-robin (spread over
    /// every healthy upstream) or fill-first (stay on one until it fails or
    /// runs out, then the next).
    #[arg(value_name = "STRATEGY", value_parser = parse_strategy)]
    pub strategy: codex_helper_core::config::Strategy,
    #[command(flatten)]
    pub service: ServiceArgs,
    #[command(flatten)]
    pub output: JsonArgs,
}

fn parse_strategy(text: &str) -> Result<codex_helper_core::config::Strategy, String> {
    codex_helper_core::config::Strategy::parse(text)
}

#[derive(Debug, Clone, Default, Args)]
pub struct ConfigListArgs {
    #[command(flatten)]
    pub service: ServiceArgs,
    #[command(flatten)]
    pub output: JsonArgs,
}

#[derive(Debug, Clone, Default, Args)]
pub struct ConfigAddArgs {
    /// The config to add the upstream to.
    pub name: String,
    /// The relay's base URL, e.g. https://api.openai.com/v1.
    #[arg(long, value_name = "URL")]
    pub base_url: String,
    /// Key sent as `Authorization: Bearer`. Use `-` to read it from stdin.
    #[arg(long, value_name = "T", conflicts_with = "api_key")]
    pub auth_token: Option<String>,
    /// Key sent as `x-api-key` (Claude) / Bearer (Codex). Use `-` for stdin.
    #[arg(long, value_name = "K")]
    pub api_key: Option<String>,
    /// A human description of the config.
    #[arg(long, value_name = "A")]
    pub alias: Option<String>,
    /// A `key=value` tag on the upstream (repeatable).
    #[arg(long = "tag", value_name = "KEY=VALUE")]
    pub tags: Vec<String>,
    /// The API the upstream speaks: responses (Codex's own, the default for
    /// --codex), anthropic (the default for --claude) or chat (OpenAI Chat
    /// Completions, bridged for Codex).
    #[arg(long, value_name = "P", value_parser = parse_protocol)]
    pub protocol: Option<codex_helper_core::config::Protocol>,
    /// Send the client's model FROM as TO to this upstream (repeatable);
    /// `*=TO` maps every model without an entry of its own.
    #[arg(long = "model-map", value_name = "FROM=TO", value_parser = parse_model_pair)]
    pub model_map: Vec<(String, String)>,
    /// An extra header sent on every request to this upstream, e.g.
    /// 'x-portkey-provider: openai' (repeatable).
    #[arg(long = "header", value_name = "'NAME: VALUE'")]
    pub headers: Vec<String>,
    /// Most requests this upstream carries at once; beyond it requests go
    /// to the next upstream, or wait for a free slot (lb.max_concurrent_wait_ms
    /// in settings.json, 30 s by default).
    #[arg(long, value_name = "N")]
    pub max_concurrent: Option<u32>,
    /// A name for this key, shown instead of the masked key; picks one of
    /// several keys for the URL with --replace.
    #[arg(long, value_name = "A")]
    pub key_alias: Option<String>,
    /// The URL is already there: replace its key instead of adding another
    /// key for it (with several keys there, name one with --key-alias).
    #[arg(long, visible_alias = "replace-key")]
    pub replace: bool,
    /// Set the config's strategy: priority, round-robin or fill-first.
    #[arg(long, value_name = "S", value_parser = parse_strategy)]
    pub strategy: Option<codex_helper_core::config::Strategy>,
    #[command(flatten)]
    pub service: ServiceArgs,
    #[command(flatten)]
    pub output: JsonArgs,
}

#[derive(Debug, Clone, Default, Args)]
pub struct ConfigNameArgs {
    pub name: String,
    #[command(flatten)]
    pub service: ServiceArgs,
    #[command(flatten)]
    pub output: JsonArgs,
}

#[derive(Debug, Clone, Default, Args)]
pub struct ConfigShowArgs {
    pub name: String,
    #[command(flatten)]
    pub service: ServiceArgs,
    #[command(flatten)]
    pub output: JsonArgs,
}

#[derive(Debug, Clone, Default, Args)]
pub struct DefaultArgs {
    #[command(flatten)]
    pub service: ServiceArgs,
    #[command(flatten)]
    pub output: JsonArgs,
}

#[derive(Debug, Clone, Default, Args)]
pub struct BootstrapArgs {
    #[command(flatten)]
    pub service: ServiceArgs,
    #[command(flatten)]
    pub output: JsonArgs,
}

#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// Recent sessions in DIR (default: the current directory), newest first.
    List(SessionListArgs),
    /// The newest session in DIR and the command that resumes it.
    Last(SessionLastArgs),
}

#[derive(Debug, Clone, Default, Args)]
pub struct SessionListArgs {
    /// Project directory (sessions in it or below it).
    #[arg(long, value_name = "DIR")]
    pub path: Option<PathBuf>,
    /// At most this many sessions.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub limit: usize,
    #[command(flatten)]
    pub service: ServiceArgs,
    #[command(flatten)]
    pub output: JsonArgs,
}

#[derive(Debug, Clone, Default, Args)]
pub struct SessionLastArgs {
    #[arg(long, value_name = "DIR")]
    pub path: Option<PathBuf>,
    #[command(flatten)]
    pub service: ServiceArgs,
    #[command(flatten)]
    pub output: JsonArgs,
}

#[derive(Debug, Clone, Default, Args)]
pub struct UsageArgs {
    /// Days to cover, today included.
    #[arg(long, value_name = "N", default_value_t = 7)]
    pub days: u32,
    #[command(flatten)]
    pub output: JsonArgs,
}

#[derive(Debug, Clone, Default, Args)]
pub struct TestArgs {
    #[command(flatten)]
    pub service: ServiceArgs,
    /// Every config's upstreams, not only the active config's.
    #[arg(long)]
    pub all: bool,
    /// Seconds each upstream may take, connect to last byte.
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,
    #[command(flatten)]
    pub output: JsonArgs,
}

#[derive(Debug, Clone, Default, Args)]
pub struct LogsArgs {
    /// The last N requests.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub tail: usize,
    /// Keep printing new requests as they are logged.
    #[arg(long, short)]
    pub follow: bool,
    /// Only this service (codex or claude).
    #[arg(long, value_name = "S")]
    pub service: Option<String>,
    /// Raw JSON lines instead of readable ones.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Default, Args)]
pub struct StatusArgs {
    /// Only this service (default: both).
    #[command(flatten)]
    pub service: ServiceArgs,
    /// Look for the proxy on this port.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub port: Option<u16>,
    #[command(flatten)]
    pub output: JsonArgs,
}

#[derive(Debug, Clone, Default, Args)]
pub struct DoctorArgs {
    /// Also check that upstreams resolve and complete a TLS handshake.
    #[arg(long)]
    pub online: bool,
    #[command(flatten)]
    pub output: JsonArgs,
}

fn parse_model_pair(text: &str) -> Result<(String, String), String> {
    codex_helper_core::config::ModelMap::parse_pair(text).map_err(|m| m.here)
}

fn parse_protocol(text: &str) -> Result<codex_helper_core::config::Protocol, String> {
    codex_helper_core::config::Protocol::parse(text)
}
