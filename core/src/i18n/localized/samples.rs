//! One value of every variant of every error [`super::localize_error`]
//! knows, for the tests: English must equal `Display`, Chinese must be
//! Chinese and keep the details (`keep`) a person needs to fix it.

use std::error::Error;
use std::io;
use std::path::PathBuf;

use crate::autostart::AutostartError;
use crate::autostart_offer::OfferError;
use crate::backup::BackupError;
use crate::bootstrap::BootstrapError;
use crate::config::{check_printable, validate_base_url, ConfigError};
use crate::config_edit::ConfigsError;
use crate::control::{ControlError, TokenError};
use crate::filter::edit::FilterEditError;
use crate::filter::FilterError;
use crate::i18n::lang::UnknownLang;
use crate::import::ImportError;
use crate::logs::TailError;
use crate::paths::NoHome;
use crate::proxy::identity::Identity;
use crate::runtime::StartError;
use crate::service::UnknownService;
use crate::sessions::SessionError;
use crate::status::StatusError;
use crate::supervisor::{BindError, SupervisorError};
use crate::switch::SwitchError;
use crate::tasks::NoRuntime;
use crate::undo::UndoError;
use crate::usage::ProvidersError;
use crate::Service;

pub(crate) struct Sample {
    pub name: &'static str,
    pub err: Box<dyn Error + 'static>,
    /// Nothing but the caller's words: nothing to translate.
    pub neutral: bool,
    /// What the localized text must still contain.
    pub keep: Vec<&'static str>,
}

fn s(name: &'static str, err: impl Error + 'static, keep: &[&'static str]) -> Sample {
    Sample { name, err: Box::new(err), neutral: false, keep: keep.to_vec() }
}

fn neutral(name: &'static str, err: impl Error + 'static) -> Sample {
    kept(name, err, &[])
}

fn kept(name: &'static str, err: impl Error + 'static, keep: &[&'static str]) -> Sample {
    Sample { name, err: Box::new(err), neutral: true, keep: keep.to_vec() }
}

fn p(s: &str) -> PathBuf {
    PathBuf::from(s)
}

fn os() -> io::Error {
    io::Error::from(io::ErrorKind::PermissionDenied)
}

fn parse() -> ConfigError {
    ConfigError::Parse {
        path: p("/tmp/ch/config.json"),
        line: 3,
        column: 7,
        key: "codex.configs".into(),
        message: "expected a map".into(),
    }
}

fn identity() -> Identity {
    Identity {
        app: "codex-helper".into(),
        version: "0.1.0".into(),
        service: Service::Codex,
        pid: 4242,
        port: 3211,
        owner: "app".into(),
    }
}

fn switch_parse() -> SwitchError {
    SwitchError::Parse { path: p("/tmp/c/config.toml"), line: 2, column: 5, message: "expected `=`".into() }
}

pub(crate) fn samples() -> Vec<Sample> {
    let addr: std::net::SocketAddr = "127.0.0.1:3211".parse().unwrap();
    let path = "/tmp/ch/config.json";
    vec![
        s("ConfigError::Io", ConfigError::Io { path: p(path), source: os() }, &[path]),
        s("ConfigError::Parse", parse(), &[path, ":3:7", "codex.configs", "expected a map"]),
        s(
            "ConfigError::Parse without a line",
            ConfigError::Parse { path: p(path), line: 0, column: 0, key: String::new(), message: "bad".into() },
            &[path],
        ),
        s("ConfigError::Empty", ConfigError::Empty { path: p(path) }, &[path, "ch config add"]),
        // Its message and hint are the checker's words (still English).
        kept(
            "ConfigError::Invalid",
            ConfigError::Invalid {
                path: p(path),
                at: Some((4, 9)),
                key: "proxy.port".into(),
                message: Box::new("must be 1-65535".into()),
                hint: Box::new("e.g. 3211".into()),
            },
            &[path, ":4:9", "proxy.port", "e.g. 3211"],
        ),
        s(
            "ConfigError::UnsupportedVersion",
            ConfigError::UnsupportedVersion { path: p(path), version: 9 },
            &[path, "9"],
        ),
        s("ConfigError::Lock", ConfigError::Lock { path: p(path), source: os() }, &[path]),
        s("ConfigsError::Config", ConfigsError::Config(parse()), &[path]),
        s(
            "ConfigsError::UnknownConfig",
            ConfigsError::UnknownConfig { service: Service::Codex, name: "x".into(), known: vec![] },
            &["`x`", "ch config add"],
        ),
        s(
            "ConfigsError::UnknownConfig with names",
            ConfigsError::UnknownConfig { service: Service::Claude, name: "x".into(), known: vec!["a".into()] },
            &["`x`", "a"],
        ),
        s(
            "ConfigsError::BadUrl",
            ConfigsError::BadUrl { message: validate_base_url("ftp://a.com/").unwrap_err() },
            &["--base-url", "`ftp://a.com/`", "`ftp`", "https://api.openai.com/v1"],
        ),
        s(
            "ConfigsError::BadUrl empty",
            ConfigsError::BadUrl { message: validate_base_url(" ").unwrap_err() },
            &["--base-url"],
        ),
        s(
            "ConfigsError::ControlChar",
            ConfigsError::ControlChar { field: "--alias", message: check_printable("a\tb").unwrap_err() },
            &["--alias", "U+0009", "a\\tb"],
        ),
        s(
            "ConfigsError::ControlChar key alias",
            crate::config_edit::check_key_alias(" k").unwrap_err(),
            &["--key-alias", "` k`"],
        ),
        s(
            "ConfigError::Invalid from validate",
            {
                let mut file = crate::config::ConfigFile::default();
                file.codex.active = Some("nope".into());
                crate::config::validate(&file, &p(path)).unwrap_err()
            },
            &[path, "codex.active", "`nope`", "ch config set-active NAME"],
        ),
        s(
            "ConfigError::Invalid with a selected word",
            ConfigError::invalid(
                &p("/tmp/.codex/auth.json"),
                "OPENAI_API_KEY",
                crate::t_both!("err-bootstrap-key-kind", kind = "number"),
                crate::t_both!("err-bootstrap-key-hint"),
            ),
            &["/tmp/.codex/auth.json", "OPENAI_API_KEY", "数字", "codex login"],
        ),
        s(
            "ConfigError::Invalid from settings",
            {
                let mut settings = crate::config::Settings::default();
                settings.claude.port = settings.codex.port;
                settings.validate(&p("/tmp/ch/settings.json")).unwrap_err()
            },
            &["/tmp/ch/settings.json", "claude.port", "3211", "codex.port"],
        ),
        s(
            "ConfigsError::BadProtocol",
            ConfigsError::BadProtocol {
                message: crate::config::Protocol::Anthropic.usable_by(Service::Codex).unwrap_err(),
            },
            &["--protocol", "`anthropic`", "`responses`", "`chat`"],
        ),
        s(
            "ConfigsError::BadModelMap",
            ConfigsError::BadModelMap { message: crate::config::ModelMap::parse_pair("gpt-5").unwrap_err() },
            &["--model-map", "`gpt-5`", "FROM=TO"],
        ),
        s(
            "ConfigsError::BadHeader",
            ConfigsError::BadHeader { message: crate::config::check_extra_header("Authorization", "x").unwrap_err() },
            &["--header", "`Authorization`", "--auth-token"],
        ),
        s(
            "ConfigsError::Loop",
            ConfigsError::Loop { url: "http://127.0.0.1:3211".into(), owner: Service::Codex, port: 3211 },
            &["http://127.0.0.1:3211", "127.0.0.1:3211"],
        ),
        s("ConfigsError::BadMaxConcurrent", ConfigsError::BadMaxConcurrent, &["--max-concurrent"]),
        s("ConfigsError::BadTag", ConfigsError::BadTag { tag: "=x".into() }, &["=x", "--tag provider_id=openai"]),
        s(
            "ConfigsError::BadKey",
            ConfigsError::BadKey { what: "auth-token", problem: "is empty" },
            &["auth-token", "--auth-token -"],
        ),
        s(
            "ConfigsError::BadKey spaces",
            ConfigsError::BadKey { what: "api-key", problem: "contains spaces or control characters" },
            &["api-key"],
        ),
        s(
            "ConfigsError::BadKey unsendable",
            ConfigsError::BadKey { what: "key", problem: "contains characters that can't be sent" },
            &[],
        ),
        s("ConfigsError::BadName", ConfigsError::BadName { name: "a b".into() }, &["a b"]),
        s(
            "ConfigsError::UnknownUpstream",
            ConfigsError::UnknownUpstream {
                service: Service::Codex,
                config: "main".into(),
                base_url: "https://a".into(),
                known: vec!["https://b".into()],
            },
            &["main", "https://a", "https://b"],
        ),
        s(
            "ConfigsError::UnknownUpstream none",
            ConfigsError::UnknownUpstream {
                service: Service::Codex,
                config: "main".into(),
                base_url: "https://a".into(),
                known: vec![],
            },
            &["main"],
        ),
        s(
            "ConfigsError::UrlTaken",
            ConfigsError::UrlTaken { service: Service::Claude, config: "c".into(), base_url: "https://a".into() },
            &["https://a"],
        ),
        s(
            "ConfigsError::WhichKey",
            ConfigsError::WhichKey {
                service: Service::Codex,
                config: "c".into(),
                base_url: "https://a".into(),
                keys: vec!["k1".into(), "k2".into()],
            },
            &["k1, k2", "--key-alias A", "--index N"],
        ),
        s(
            "ConfigsError::UnknownKey",
            ConfigsError::UnknownKey {
                config: "c".into(),
                base_url: "https://a".into(),
                what: "no key `z`".into(),
                keys: vec!["k1".into()],
            },
            &["https://a", "k1"],
        ),
        s(
            "ConfigsError::AliasTaken",
            ConfigsError::AliasTaken { config: "c".into(), alias: "k1".into(), base_url: "https://a".into() },
            &["`k1`", "--key-alias"],
        ),
        s("BootstrapError::Switch", BootstrapError::Switch(switch_parse()), &["/tmp/c/config.toml:2:5"]),
        s("BootstrapError::Config", BootstrapError::Config(parse()), &[path]),
        s(
            "BootstrapError::NothingToImport",
            BootstrapError::NothingToImport { service: Service::Claude, message: "no ANTHROPIC_BASE_URL".into() },
            &["no ANTHROPIC_BASE_URL", "--claude"],
        ),
        s("UndoError::Io", UndoError::Io { dir: p("/tmp/ch/history"), source: os() }, &["/tmp/ch/history"]),
        s("UndoError::Config", UndoError::Config(parse()), &[path]),
        s(
            "SwitchError::NoClientDir",
            SwitchError::NoClientDir { service: Service::Codex, dir: p("/tmp/c") },
            &["/tmp/c", "`codex`"],
        ),
        s("SwitchError::Parse", switch_parse(), &["/tmp/c/config.toml:2:5", "expected `=`"]),
        s(
            "SwitchError::Shape",
            SwitchError::Shape {
                path: p("/tmp/c/config.toml"),
                key: "model_providers".into(),
                message: "is a string".into(),
            },
            &["model_providers"],
        ),
        s("SwitchError::Io", SwitchError::Io { path: p("/tmp/c/config.toml"), source: os() }, &["/tmp/c/config.toml"]),
        s("SwitchError::Record", SwitchError::Record(parse()), &[path, ".codex-helper.bak"]),
        s(
            "ProvidersError::Io",
            ProvidersError::Io { path: p("/tmp/ch/providers.json"), source: os() },
            &["/tmp/ch/providers.json"],
        ),
        s(
            "ProvidersError::Parse",
            ProvidersError::Parse {
                path: p("/tmp/ch/providers.json"),
                line: 2,
                column: 3,
                key: "providers[0]".into(),
                message: "bad".into(),
            },
            &["/tmp/ch/providers.json:2:3", "providers[0]: "],
        ),
        s(
            "ProvidersError::Invalid",
            ProvidersError::Invalid {
                path: p("/tmp/ch/providers.json"),
                key: "providers[0].url".into(),
                message: "x".into(),
            },
            &["providers[0].url"],
        ),
        s(
            "SessionError::DirNotFound",
            SessionError::DirNotFound { path: p("/tmp/nope"), source: os() },
            &["/tmp/nope"],
        ),
        s("SessionError::NotADirectory", SessionError::NotADirectory { path: p("/tmp/f") }, &["/tmp/f"]),
        s("SessionError::CurrentDir", SessionError::CurrentDir(os()), &[]),
        s("SessionError::ReadSessions", SessionError::ReadSessions { path: p("/tmp/s"), source: os() }, &["/tmp/s"]),
        s("ImportError::NotFound", ImportError::NotFound { path: p("/tmp/cc.db") }, &["/tmp/cc.db", "--db PATH"]),
        s(
            "ImportError::Database",
            ImportError::Database { path: p("/tmp/cc.db"), message: "no table".into() },
            &["/tmp/cc.db", "no table"],
        ),
        neutral("ImportError::Format", ImportError::Format { path: p("/tmp/cc.db"), message: "x".into() }),
        s("ImportError::Config", ImportError::Config(parse()), &[path]),
        s("BackupError::Io", BackupError::Io { path: p("/tmp/b.json"), source: os() }, &["/tmp/b.json"]),
        s(
            "BackupError::NotBackup",
            BackupError::NotBackup { path: p("/tmp/b.json"), message: "no `kind`".into() },
            &["/tmp/b.json", "no `kind`"],
        ),
        s(
            "BackupError::UnsupportedVersion",
            BackupError::UnsupportedVersion { path: p("/tmp/b.json"), version: 7 },
            &["7"],
        ),
        s(
            "BackupError::Invalid",
            BackupError::Invalid {
                path: p("/tmp/b.json"),
                part: "config",
                message: super::both(&ConfigsError::BadHeader {
                    message: crate::config::check_extra_header("Host", "x").unwrap_err(),
                }),
            },
            &["/tmp/b.json", "config", "`Host`", "代理"],
        ),
        s("BackupError::Config", BackupError::Config(parse()), &[path]),
        s(
            "BackupError::Providers",
            BackupError::Providers(ProvidersError::Io { path: p("/tmp/ch/providers.json"), source: os() }),
            &[],
        ),
        s("BackupError::Filter", BackupError::Filter(FilterError::Io { path: p("/tmp/f.json"), source: os() }), &[]),
        s("FilterError::Io", FilterError::Io { path: p("/tmp/f.json"), source: os() }, &["/tmp/f.json"]),
        s(
            "FilterError::Parse",
            FilterError::Parse { path: p("/tmp/f.json"), line: 1, column: 2, message: "EOF".into() },
            &["/tmp/f.json:1:2", "JSON"],
        ),
        neutral("FilterError::Shape", FilterError::Shape { path: p("/tmp/f.json"), message: "x".into() }),
        neutral(
            "FilterError::Rule",
            FilterError::Rule {
                path: p("/tmp/f.json"),
                index: 0,
                line: 1,
                column: 2,
                key: "[0].op".into(),
                message: "x".into(),
            },
        ),
        s(
            "FilterEditError::Rule",
            crate::filter::edit::check_rules(&[crate::filter::edit::RuleRow {
                op: crate::filter::edit::RuleOp::Remove,
                source: String::new(),
                target: String::new(),
            }])
            .unwrap_err(),
            &["1", "source", "原文"],
        ),
        s(
            "FilterEditError::File",
            FilterEditError::File(FilterError::Io { path: p("/tmp/f.json"), source: os() }),
            &[],
        ),
        s("FilterEditError::Write", FilterEditError::Write { path: p("/tmp/f.json"), source: os() }, &["/tmp/f.json"]),
        s(
            "BindError::TakenByHelper",
            BindError::TakenByHelper { service: Service::Codex, addr, identity: identity() },
            &["127.0.0.1:3211", "4242"],
        ),
        s("BindError::Busy", BindError::Busy { service: Service::Claude, addr }, &["127.0.0.1:3211", "3210"]),
        s("BindError::Io", BindError::Io { service: Service::Codex, addr, source: os() }, &["127.0.0.1:3211"]),
        s(
            "SupervisorError::Bind",
            SupervisorError::Bind(BindError::Busy { service: Service::Codex, addr }),
            &["127.0.0.1:3211"],
        ),
        s("SupervisorError::ServiceOff", SupervisorError::ServiceOff { service: Service::Claude }, &["claude"]),
        neutral(
            "SupervisorError::NotServing",
            SupervisorError::NotServing { service: Service::Codex, message: "x".into() },
        ),
        s(
            "SupervisorError::OtherService",
            SupervisorError::OtherService { service: Service::Claude, port: 3211, identity: identity() },
            &["127.0.0.1:3211", "4242"],
        ),
        s(
            "SupervisorError::ProxyStopped",
            SupervisorError::ProxyStopped { service: Service::Codex, message: "x".into() },
            &[],
        ),
        s("SupervisorError::Switch", SupervisorError::Switch(switch_parse()), &["/tmp/c/config.toml:2:5"]),
        s("StartError::Config", StartError::Config(parse()), &[path]),
        s(
            "StartError::UpstreamClient",
            StartError::UpstreamClient(rustls::Error::General("no roots".into()).into()),
            &["TLS", "no roots"],
        ),
        s(
            "StartError::Control",
            StartError::Control(TokenError::Io { path: p("/tmp/ch/control_token"), source: os() }),
            &["/tmp/ch/control_token"],
        ),
        s("StartError::NoRuntime", StartError::NoRuntime(NoRuntime), &["tokio"]),
        s("StatusError::Settings", StatusError::Settings(parse()), &[path]),
        s("ControlError::Unauthorized", ControlError::Unauthorized, &["HTTP 401", "~/.codex-helper/control_token"]),
        neutral("ControlError::Forbidden", ControlError::Forbidden { reason: "x".into() }),
        s("ControlError::BadRequest", ControlError::BadRequest { reason: "x".into() }, &[]),
        s(
            "ControlError::UnsupportedVersion old",
            ControlError::UnsupportedVersion { server: 1, client: 2 },
            &["v1", "v2"],
        ),
        s(
            "ControlError::UnsupportedVersion new",
            ControlError::UnsupportedVersion { server: 3, client: 2 },
            &["v3", "v2"],
        ),
        s("ControlError::Unsupported", ControlError::Unsupported { cmd: "watch".into(), hint: None }, &["`watch`"]),
        s(
            "ControlError::Unsupported hint",
            ControlError::Unsupported { cmd: "watch".into(), hint: Some("use /watch".into()) },
            &["`watch`", "use /watch"],
        ),
        s(
            "ControlError::NotRunning",
            ControlError::NotRunning { at: "/run/ch.sock".into() },
            &["/run/ch.sock", "codex-helper-app"],
        ),
        neutral("ControlError::Failed", ControlError::Failed { reason: "x".into() }),
        s("ControlError::Timeout", ControlError::Timeout { ms: 2000 }, &["2s"]),
        s("ControlError::Io", ControlError::Io { at: "/run/ch.sock".into(), reason: "x".into() }, &["/run/ch.sock"]),
        s("ControlError::BadReply", ControlError::BadReply { reason: "x".into() }, &[]),
        s("ControlError::Unknown", ControlError::Unknown, &[]),
        s(
            "TokenError::Io",
            TokenError::Io { path: p("/tmp/ch/control_token"), source: os() },
            &["/tmp/ch/control_token"],
        ),
        s("TokenError::Random", TokenError::Random(getrandom::Error::UNSUPPORTED), &[]),
        s(
            "AutostartError write",
            AutostartError { action: "write", file: p("/tmp/a.desktop"), source: os() },
            &["/tmp/a.desktop"],
        ),
        s(
            "AutostartError remove",
            AutostartError { action: "remove", file: p("/tmp/a.desktop"), source: os() },
            &["/tmp/a.desktop"],
        ),
        s("OfferError::Write", OfferError::Write { file: p("/tmp/a.desktop"), source: os() }, &["/tmp/a.desktop"]),
        s("OfferError::Settings", OfferError::Settings(parse()), &[path]),
        s(
            "OfferError::Autostart",
            OfferError::Autostart(AutostartError { action: "write", file: p("/tmp/a.desktop"), source: os() }),
            &[],
        ),
        s("NoHome", NoHome, &["HOME"]),
        s("NoRuntime", NoRuntime, &["tokio"]),
        s("UnknownLang", UnknownLang("fr".into()), &["\"fr\"", "zh-CN"]),
        s("UnknownService", UnknownService("gemini".into()), &["`gemini`", "`codex`"]),
        s("TailError", TailError { path: p("/tmp/ch/requests.jsonl"), source: os() }, &["/tmp/ch/requests.jsonl"]),
    ]
}
