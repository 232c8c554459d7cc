//! Header names with a meaning of their own to the proxy, in one place: the
//! proxy strips or replaces them (`proxy::headers`), so an upstream's extra
//! headers may not set them (`config::extra_headers`).

/// Headers that belong to one connection and are never forwarded (RFC 9110
/// §7.6.1, plus the non-standard `proxy-connection` and `keep-alive`).
pub const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "proxy-connection",
    "keep-alive",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "proxy-authenticate",
    "proxy-authorization",
];

/// The client's credentials, replaced by the upstream's key.
pub const CREDENTIALS: [&str; 2] = ["authorization", "x-api-key"];
