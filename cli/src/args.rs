//! Command-line arguments, as clap parses them. Validation that needs files
//! (which service is the default, which port) happens in the commands.

use clap::{Args, Parser, Subcommand};

/// codex-helper: a local proxy for Codex CLI and Claude Code that fails over
/// between your relays and keys, filters request bodies and logs usage.
#[derive(Debug, Parser)]
#[command(name = "ch", version, propagate_version = true, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Options for the bare command (serve the default service).
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

#[derive(Debug, Clone, Default, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub service: ServiceArgs,
    /// Listen on this loopback port instead of the service's configured one.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub port: Option<u16>,
}
