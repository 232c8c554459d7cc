//! Extra headers an upstream wants on every request (`"headers"` in the
//! file, `--header 'Name: value'` on the command line): a gateway's routing
//! header (`x-portkey-provider`), OpenRouter's `HTTP-Referer` / `X-Title`.
//!
//! They are sent to that upstream only, after the client's headers (same
//! name: ours wins). Headers the proxy owns can't be set this way: the
//! hop-by-hop ones belong to one connection, `Host` and `Content-Length`
//! describe the request the proxy builds, and the credential headers carry
//! the upstream's key, which has its own fields.

use http::header::{HeaderName, HeaderValue};
use indexmap::IndexMap;

use super::validate::check_printable;
use crate::header_names::{CREDENTIALS, HOP_BY_HOP};
use crate::i18n::Both;
use crate::{t_both, t_in};

/// Names the proxy sets itself for every request, beside the hop-by-hop
/// ones and the credentials.
const SET_BY_THE_PROXY: [&str; 3] = ["host", "content-length", "via"];

/// Checks one extra header and returns it ready to send. The error says
/// what is wrong and what to do instead.
pub fn check_extra_header(name: &str, value: &str) -> Result<(HeaderName, HeaderValue), Both> {
    let header = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| t_both!("err-header-bad-name", name = name.escape_debug().to_string()))?;
    let n = header.as_str();
    let why = if CREDENTIALS.contains(&n) {
        Some(t_both!("err-header-why-credential"))
    } else if SET_BY_THE_PROXY.contains(&n) {
        Some(t_both!("err-header-why-proxy"))
    } else if HOP_BY_HOP.contains(&n) {
        Some(t_both!("err-header-why-hop"))
    } else {
        None
    };
    if let Some(why) = why {
        return Err(why.within(|lang, why| t_in!(lang, "err-header-not-allowed", name = name, why = why)));
    }
    check_printable(value)
        .map_err(|m| m.within(|lang, m| t_in!(lang, "err-header-value-control", name = name, message = m)))?;
    let mut value =
        HeaderValue::from_str(value.trim()).map_err(|_| t_both!("err-header-value-unsendable", name = name))?;
    value.set_sensitive(looks_secret(name));
    Ok((header, value))
}

/// All of `headers`, checked ([`check_extra_header`]); the first bad one
/// stops it.
pub fn check_extra_headers(headers: &IndexMap<String, String>) -> Result<Vec<(HeaderName, HeaderValue)>, Both> {
    headers.iter().map(|(name, value)| check_extra_header(name, value)).collect()
}

/// `Name: value` (the form curl takes) into its two halves.
pub fn parse_header_arg(text: &str) -> Result<(String, String), Both> {
    let Some((name, value)) = text.split_once(':') else {
        return Err(t_both!("err-header-not-pair", text = text.escape_debug().to_string()));
    };
    let (name, value) = (name.trim(), value.trim());
    if name.is_empty() {
        return Err(t_both!("err-header-no-name", text = text.escape_debug().to_string()));
    }
    check_extra_header(name, value)?;
    Ok((name.to_string(), value.to_string()))
}

/// Whether a header's value is probably a credential, by its name. Words
/// are matched whole (`x-portkey-virtual-key` yes, `x-portkey-provider` no:
/// "portkey" is a product, not a key), except that any word containing
/// token, secret or cookie counts (`x-authtoken`, `set-cookie`).
pub fn looks_secret(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.split(['-', '_']).any(|word| {
        matches!(word, "authorization" | "key" | "apikey" | "password")
            || ["token", "secret", "cookie"].iter().any(|w| word.contains(w))
    })
}

/// The headers as shown to users: values of secret-looking ones masked.
pub fn masked_headers(headers: &IndexMap<String, String>) -> IndexMap<String, String> {
    headers
        .iter()
        .map(|(name, value)| {
            let shown = if looks_secret(name) { crate::redact::mask_secret(value) } else { value.clone() };
            (name.clone(), shown)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_headers_pass_and_owned_ones_are_refused() {
        let (name, value) = check_extra_header("X-Portkey-Provider", "openai").unwrap();
        assert_eq!((name.as_str(), value.to_str().unwrap()), ("x-portkey-provider", "openai"));
        for owned in ["Authorization", "x-api-key", "Host", "Content-Length", "Connection", "Transfer-Encoding", "TE"] {
            let err = check_extra_header(owned, "x").unwrap_err().en;
            assert!(err.contains("can't be set as an extra header"), "{owned}: {err}");
        }
        assert!(check_extra_header("Authorization", "x").unwrap_err().en.contains("--auth-token"));
        assert!(check_extra_header("bad name", "x").unwrap_err().en.contains("not a valid header name"));
        assert!(check_extra_header("X-Title", "a\r\nInjected: 1").unwrap_err().en.contains("control character"));
    }

    #[test]
    fn secret_looking_values_are_sensitive_and_masked() {
        for secret in ["x-portkey-api-key", "X-Auth-Token", "cookie", "X-Client-Secret", "authorization", "x-apikey"] {
            assert!(looks_secret(secret), "{secret}");
        }
        for plain in ["X-Title", "HTTP-Referer", "x-portkey-provider"] {
            assert!(!looks_secret(plain), "{plain}");
        }
        assert!(check_extra_header("x-portkey-api-key", "pk-1234567890").unwrap().1.is_sensitive());
        let headers: IndexMap<String, String> = [("X-Title", "My app"), ("x-portkey-api-key", "pk-1234567890abcd")]
            .map(|(k, v)| (k.into(), v.into()))
            .into();
        let shown = masked_headers(&headers);
        assert_eq!(shown["X-Title"], "My app");
        assert_eq!(shown["x-portkey-api-key"], "pk-…abcd");
    }

    #[test]
    fn header_args_are_name_colon_value() {
        assert_eq!(parse_header_arg("X-Title:  My app ").unwrap(), ("X-Title".into(), "My app".into()));
        assert_eq!(parse_header_arg("HTTP-Referer: https://a.example/x").unwrap().1, "https://a.example/x");
        assert!(parse_header_arg("X-Title").unwrap_err().en.contains("Name: value"));
        assert!(parse_header_arg(": v").unwrap_err().en.contains("no header name"));
        assert!(parse_header_arg("Host: evil").unwrap_err().en.contains("can't be set"));
    }
}
