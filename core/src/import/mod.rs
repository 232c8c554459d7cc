//! Taking over another tool's relays: a [`Plan`] (what would be added, keys
//! masked, and what could not be mapped and why), then [`apply`] writes it
//! into `config.json` through [`ConfigStore::update`].
//!
//! - [`cc_switch`]: cc-switch's SQLite store (`~/.cc-switch/cc-switch.db`,
//!   opened read-only) or its older JSON (`~/.cc-switch/config.json`).
//! - [`codex_helper`]: the original codex-helper's `~/.codex-helper/config.toml`
//!   (versions 2 to 5).
//!
//! The other tool's files are only ever read.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::{mask_secret, ConfigError, ConfigStore, NamedConfig, Upstream};
use crate::paths::Paths;
use crate::service::Service;

pub mod cc_switch;
pub mod codex_helper;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    #[error("{}: not found; give the file with --db PATH", path.display())]
    NotFound { path: PathBuf },
    #[error("{}: cannot read it as cc-switch's database: {message}", path.display())]
    Database { path: PathBuf, message: String },
    #[error("{}: {message}", path.display())]
    Format { path: PathBuf, message: String },
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// The other tools we take relays over from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// cc-switch's provider store.
    CcSwitch,
    /// The original codex-helper's `config.toml`.
    CodexHelper,
}

impl Source {
    /// How the user knows the tool (`from cc-switch`, `current in ...`).
    pub fn tool_name(self) -> &'static str {
        match self {
            Source::CcSwitch => "cc-switch",
            Source::CodexHelper => "the original codex-helper",
        }
    }

    /// The file read when none is given: cc-switch's SQLite store
    /// (`~/.cc-switch/cc-switch.db`), or its older `config.json` when only
    /// that exists; the original tool's `~/.codex-helper/config.toml`.
    pub fn default_path(self, paths: &Paths) -> PathBuf {
        match self {
            Source::CcSwitch => {
                let dir = paths.home().join(".cc-switch");
                let db = dir.join("cc-switch.db");
                if db.exists() || !dir.join("config.json").exists() {
                    db
                } else {
                    dir.join("config.json")
                }
            }
            Source::CodexHelper => paths.helper_dir().join("config.toml"),
        }
    }

    /// Whether the default file is there (the first run offers it then).
    pub fn found(self, paths: &Paths) -> bool {
        self.default_path(paths).is_file()
    }
}

/// What importing from `source` would add to `paths`' config (nothing is
/// written): `file` or the source's default, read, and named so nothing
/// already there is overwritten. The CLI and the window both start here.
pub fn plan(paths: &Paths, source: Source, file: Option<&Path>) -> Result<Plan, ImportError> {
    let path = file.map_or_else(|| source.default_path(paths), Path::to_path_buf);
    let plan = match source {
        Source::CcSwitch => cc_switch::plan(&path)?,
        Source::CodexHelper => codex_helper::plan(&path, &|name| std::env::var(name).ok())?,
    };
    plan.named_for(&ConfigStore::new(paths))
}

/// One config the import would create.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlannedConfig {
    pub service: Service,
    /// The name it gets in `config.json` (made unique if taken).
    pub name: String,
    /// The name it had in the other tool.
    pub source_name: String,
    pub base_url: String,
    /// The key, masked.
    pub key: Option<String>,
    /// Whether it was the other tool's current one (becomes active when the
    /// service has no active config yet).
    pub current: bool,
    #[serde(skip)]
    pub config: NamedConfig,
}

/// Something found that was not imported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Skipped {
    /// `claude`, `codex`, `gemini`, ...
    pub app: String,
    pub name: String,
    pub reason: String,
}

/// What an import would do. `--json` prints this shape.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Plan {
    /// The file read.
    pub source: PathBuf,
    /// `sqlite` or `json` (cc-switch), `toml vN` (codex-helper).
    pub format: String,
    /// In the other tool's order.
    pub configs: Vec<PlannedConfig>,
    pub skipped: Vec<Skipped>,
}

/// What [`apply`] wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Applied {
    /// `service/name` of each config added.
    pub added: Vec<String>,
    /// Configs made active (`service/name`).
    pub activated: Vec<String>,
}

impl Plan {
    /// Gives each planned config a name not yet used in `store`'s file
    /// (`packy`, then `packy-2`, ...), so an import never overwrites.
    pub fn named_for(mut self, store: &ConfigStore) -> Result<Plan, ImportError> {
        let file = store.load()?;
        let mut taken: Vec<(Service, String)> = Vec::new();
        for c in &mut self.configs {
            let used = |n: &str| {
                file.service(c.service).configs.contains_key(n) || taken.contains(&(c.service, n.to_string()))
            };
            let base = slug(&c.source_name);
            let mut name = base.clone();
            let mut i = 2;
            while used(&name) {
                name = format!("{base}-{i}");
                i += 1;
            }
            taken.push((c.service, name.clone()));
            c.name = name.clone();
            c.config.name = name;
        }
        Ok(self)
    }
}

/// Writes the plan's configs into `store` (one locked update: all or none).
pub fn apply(store: &ConfigStore, plan: &Plan) -> Result<Applied, ImportError> {
    let applied = store.update(|file| {
        let mut out = Applied { added: Vec::new(), activated: Vec::new() };
        for c in &plan.configs {
            let section = file.service_mut(c.service);
            let mut name = c.name.clone();
            let mut i = 2;
            while section.configs.contains_key(&name) {
                name = format!("{}-{i}", c.name);
                i += 1;
            }
            let mut config = c.config.clone();
            config.name = name.clone();
            section.configs.insert(name.clone(), config);
            out.added.push(format!("{}/{name}", c.service));
            if c.current && section.active.is_none() {
                section.active = Some(name.clone());
                out.activated.push(format!("{}/{name}", c.service));
            }
        }
        Ok(out)
    })?;
    Ok(applied)
}

/// A planned config from one upstream.
pub(crate) fn planned(
    service: Service,
    source_name: &str,
    current: bool,
    upstream: Upstream,
    alias: Option<String>,
) -> PlannedConfig {
    PlannedConfig {
        service,
        name: slug(source_name),
        source_name: source_name.to_string(),
        base_url: upstream.base_url.clone(),
        key: upstream.key().map(mask_secret),
        current,
        config: NamedConfig { name: slug(source_name), alias, upstreams: vec![upstream], ..Default::default() },
    }
}

/// A config name from a display name: no spaces or control characters.
pub fn slug(name: &str) -> String {
    let s: String =
        name.trim().chars().map(|c| if c.is_whitespace() || c.is_control() || c == '/' { '-' } else { c }).collect();
    if s.is_empty() {
        "imported".into()
    } else {
        s
    }
}
