//! Which upstream is which, across reloads: [`UpstreamId`].
//!
//! Health, cooldowns, quota marks, counters and session pins are kept per
//! upstream identity. An identity is the config's name, the base URL and a
//! fingerprint of the key:
//!
//! - **Not the position**: a reload that reorders or adds upstreams must not
//!   hand one upstream's cooldown to another.
//! - **Not the URL alone**: several keys for one relay (a key pool) are
//!   separate upstreams, each with its own quota and failures.
//! - **The key, not its alias**: quota and failures belong to the key. A
//!   replaced key starts with a clean slate (a 401 of the old key says
//!   nothing about the new one); renaming a key changes nothing.
//! - **Never the key itself**: identities go into logs (`tracing`), events
//!   and the status endpoint's JSON. The fingerprint is SipHash-1-3 (a keyed
//!   PRF, std's `RandomState`) under a random secret drawn once per process
//!   and never written anywhere, cut to 48 bits. Without the secret it
//!   confirms nothing about a guessed key, and it means nothing outside this
//!   process, which is all it needs: health lives in memory and a restart
//!   starts afresh. Users never see it; displays show the key's alias or
//!   its masked form ([`crate::config::Upstream::key_label`]).

use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, OnceLock};

use serde::Serialize;

use crate::config::Upstream;

/// One upstream of one named config.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct UpstreamId {
    pub config: Arc<str>,
    pub base_url: Arc<str>,
    /// [`key_fingerprint`] of its key (`-` without one).
    pub key_id: Arc<str>,
}

impl UpstreamId {
    /// An upstream without a key (tests, keyless relays).
    pub fn new(config: &str, base_url: &str) -> Self {
        UpstreamId { config: config.into(), base_url: base_url.into(), key_id: key_fingerprint(None) }
    }

    /// The upstream at `base_url` with `key` (as [`UpstreamId::of`] makes it).
    pub fn with_key(config: &str, base_url: &str, key: Option<&str>) -> Self {
        UpstreamId {
            config: config.into(),
            base_url: base_url.trim().into(),
            key_id: key_fingerprint(key.map(str::trim)),
        }
    }

    /// The identity of `upstream` of config `config`, as the proxy uses it.
    pub fn of(config: &str, upstream: &Upstream) -> Self {
        UpstreamId {
            config: config.into(),
            base_url: upstream.base_url.trim().into(),
            key_id: key_fingerprint(upstream.key().map(str::trim)),
        }
    }
}

/// The secret of this process's fingerprints.
fn secret() -> &'static std::collections::hash_map::RandomState {
    static SECRET: OnceLock<std::collections::hash_map::RandomState> = OnceLock::new();
    SECRET.get_or_init(std::collections::hash_map::RandomState::new)
}

/// A short keyed fingerprint of `key` (12 hex digits), stable for the
/// life of the process; `-` for no key.
pub fn key_fingerprint(key: Option<&str>) -> Arc<str> {
    let Some(key) = key.filter(|k| !k.is_empty()) else { return "-".into() };
    let mut h = secret().build_hasher();
    h.write(key.as_bytes());
    format!("{:012x}", h.finish() >> 16).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn up(url: &str, key: Option<&str>) -> Upstream {
        let mut u = Upstream { base_url: url.into(), ..Default::default() };
        u.auth.auth_token = key.map(str::to_string);
        u
    }

    #[test]
    fn same_url_different_keys_are_different_upstreams() {
        let a = UpstreamId::of("m", &up("https://r.example/v1", Some("sk-aaaa-1111111111")));
        let b = UpstreamId::of("m", &up("https://r.example/v1", Some("sk-bbbb-2222222222")));
        assert_ne!(a, b);
        assert_eq!(a.base_url, b.base_url);
        assert_ne!(UpstreamId::of("other", &up("https://r.example/v1", Some("sk-aaaa-1111111111"))), a);
    }

    #[test]
    fn identity_is_stable_across_reload_and_reorder_and_alias() {
        let mut first = up(" https://r.example/v1", Some("sk-aaaa-1111111111"));
        let a = UpstreamId::of("m", &first);
        first.alias = Some("work".into());
        first.tags.insert("x".into(), "y".into());
        assert_eq!(UpstreamId::of("m", &first), a, "alias and tags are not identity");
        // The same key read back from the file (a reload) is the same upstream.
        let reread: Upstream = serde_json::from_value(serde_json::to_value(&first).unwrap()).unwrap();
        assert_eq!(UpstreamId::of("m", &reread), a);
        // api_key or auth_token: it is the key that counts.
        let mut by_api_key = up("https://r.example/v1", None);
        by_api_key.auth.api_key = Some("sk-aaaa-1111111111".into());
        assert_eq!(UpstreamId::of("m", &by_api_key), a);
    }

    #[test]
    fn the_fingerprint_never_contains_the_key() {
        for key in ["sk-aaaa-1111111111", "sk-short", "0123456789ab", "ffffffffffff"] {
            let fp = key_fingerprint(Some(key));
            assert_eq!(fp.len(), 12);
            assert!(!fp.contains(key) && !key.contains(&*fp), "{key} → {fp}");
            let shown = serde_json::to_string(&UpstreamId::of("m", &up("https://r", Some(key)))).unwrap();
            assert!(!shown.contains(key), "{shown}");
        }
        assert_eq!(&*key_fingerprint(None), "-");
        assert_eq!(&*key_fingerprint(Some("")), "-");
        assert_eq!(UpstreamId::new("m", "https://r"), UpstreamId::of("m", &up("https://r", None)));
    }
}
