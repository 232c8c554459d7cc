//! The HTTP client for upstreams, on the forwarding hot path: connections
//! from our own pool ([`super::pool`]: HTTP/1.1 keep-alive per host,
//! HTTP/2 by ALPN over TLS) made by hyper-util's connector and rustls with
//! the system's roots and webpki's, `TCP_NODELAY`; what reqwest gave the
//! proxy before and nothing more (reqwest cost a third of the proxy's
//! instructions per request: URL parses, boxing, a request clone per try,
//! and hyper-util's pooled client most of the rest):
//!
//! - the environment's proxies (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`,
//!   `NO_PROXY`, lower case too): plain HTTP through the proxy in absolute
//!   form, HTTPS through a `CONNECT` tunnel;
//! - the connect timeout over TCP, tunnel and TLS handshake together;
//! - redirects followed only within the original host and port, at most
//!   four (a key must never reach a host the user did not configure; the
//!   redirect itself goes to the client otherwise);
//! - up to two retries of a request an HTTP/2 upstream refused
//!   (`REFUSED_STREAM`, or a graceful `GOAWAY`): it was never processed;
//! - a request that a pooled connection never sent (the upstream had
//!   closed it while idle) is sent again on a new connection.

use std::error::Error as StdError;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderValue};
use http::uri::{Authority, Scheme};
use http::{Method, Request, StatusCode, Uri};
use http_body_util::Full;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tower_service::Service;
use url::Url;

use super::pool::{self, Pool, Sender, Slot, UpstreamResponse};

type BoxError = Box<dyn StdError + Send + Sync>;

/// Makes a request's headers (see [`UpstreamClient::send`]).
pub type MakeHeaders<'a> = dyn Fn() -> HeaderMap + Sync + 'a;

/// How many redirects are followed (the fifth is handed to the client).
const MAX_REDIRECTS: usize = 5;
/// Retries of a refused HTTP/2 stream, on top of the first try.
const MAX_REFUSED_RETRIES: u32 = 2;

/// The pooled client for upstreams. Cheap to clone (shares the pool).
#[derive(Clone)]
pub struct UpstreamClient {
    connector: HttpsConnector<ProxyConnector>,
    pool: Pool,
    proxies: Arc<Matcher>,
    connect_timeout: Duration,
}

impl std::fmt::Debug for UpstreamClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamClient").finish_non_exhaustive()
    }
}

/// TLS as upstreams get it: rustls with webpki's roots and the system's.
pub fn tls_config() -> Result<rustls::ClientConfig, BuildError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    // The system's roots too (a relay behind a company CA); unreadable
    // ones are skipped, as reqwest did.
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// How a connection to an upstream is made: TCP (or the environment's
/// proxy), then TLS for `https` (ALPN offering HTTP/2 and HTTP/1.1).
fn connector(
    connect_timeout: Duration,
    proxies: Arc<Matcher>,
    tls: rustls::ClientConfig,
) -> HttpsConnector<ProxyConnector> {
    let mut tcp = HttpConnector::new();
    tcp.enforce_http(false);
    tcp.set_nodelay(true);
    let connector = ProxyConnector { tcp, proxies, timeout: connect_timeout };
    HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .wrap_connector(connector)
}

/// How long a fresh connection to `url` takes, as a request to it would
/// make one: DNS, TCP (or the environment's proxy and its tunnel) and, for
/// `https`, the TLS handshake. `tls`: [`tls_config`] (tests trust their
/// own certificate).
pub async fn time_connect(url: &Url, connect_timeout: Duration, tls: rustls::ClientConfig) -> Result<Duration, String> {
    let uri = Uri::try_from(url.as_str()).map_err(|e| format!("{url}: {e}"))?;
    let mut connector = connector(connect_timeout, Arc::new(Matcher::from_env()), tls);
    std::future::poll_fn(|cx| connector.poll_ready(cx)).await.map_err(|e| root_cause(&*e))?;
    let started = tokio::time::Instant::now();
    let connection = connector.call(uri).await.map_err(|e| {
        if causes(&*e).any(|c| c.is::<ConnectTimedOut>()) {
            format!("no connection within {} s", connect_timeout.as_secs_f64())
        } else {
            root_cause(&*e)
        }
    })?;
    let took = started.elapsed();
    drop(connection);
    Ok(took)
}

/// Why the client could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot set up TLS for upstreams: {0}")]
pub struct BuildError(#[from] pub(crate) rustls::Error);

/// Why a request got no answer.
#[derive(Debug)]
pub enum SendError {
    /// No connection within the connect timeout.
    ConnectTimeout,
    /// No connection: refused, no route, DNS, TLS, the proxy's tunnel.
    Connect(String),
    /// A redirect that could not be followed (not to HTTP or HTTPS).
    Redirect(String),
    /// The connection broke or timed out before the answer's headers.
    Request { message: String, timed_out: bool },
}

impl UpstreamClient {
    pub fn new(connect_timeout: Duration) -> Result<UpstreamClient, BuildError> {
        UpstreamClient::with_proxies(connect_timeout, Matcher::from_env())
    }

    fn with_proxies(connect_timeout: Duration, proxies: Matcher) -> Result<UpstreamClient, BuildError> {
        Ok(UpstreamClient::with_tls(connect_timeout, proxies, tls_config()?))
    }

    /// `tls`: [`tls_config`] (tests trust their own certificate).
    pub(super) fn with_tls(connect_timeout: Duration, proxies: Matcher, tls: rustls::ClientConfig) -> UpstreamClient {
        let proxies = Arc::new(proxies);
        let connector = connector(connect_timeout, proxies.clone(), tls);
        UpstreamClient { connector, pool: Pool::default(), proxies, connect_timeout }
    }

    /// Sends `body` to `uri` (absolute), following same-host redirects.
    /// `headers` makes the request's headers, once for each request sent
    /// (again only for a retry or a redirect): the request takes them, so
    /// nothing keeps a copy of every request's headers for the rare second
    /// send.
    #[allow(clippy::manual_async_fn)] // on purpose: see forward::handle
    pub fn send<'a>(
        &'a self,
        mut method: Method,
        mut uri: Uri,
        headers: &'a MakeHeaders<'a>,
        mut body: Bytes,
    ) -> impl Future<Output = Result<UpstreamResponse, SendError>> + 'a {
        async move {
            // What redirects changed: the payload's headers dropped (a
            // 303's GET), the `Referer` set.
            let mut payload_dropped = false;
            let mut referer_now: Option<HeaderValue> = None;
            // Only a redirect needs URLs (parsed once per redirect): the first
            // request's, to tell the same host, and the current one's, to join.
            let mut first: Option<Url> = None;
            let mut current: Option<Url> = None;
            let mut followed = 0;
            loop {
                let make = || {
                    let mut made = headers();
                    if let header::Entry::Vacant(e) = made.entry(header::ACCEPT) {
                        e.insert(HeaderValue::from_static("*/*"));
                    }
                    if let header::Entry::Vacant(e) = made.entry(header::USER_AGENT) {
                        e.insert(HeaderValue::from_static(concat!("codex-helper/", env!("CARGO_PKG_VERSION"))));
                    }
                    if payload_dropped {
                        drop_payload_headers(&mut made);
                    }
                    if let Some(referer) = &referer_now {
                        made.insert(header::REFERER, referer.clone());
                    }
                    made
                };
                let response = self.send_once(&method, &uri, &make, &body).await?;
                if !matches!(response.status().as_u16(), 301 | 302 | 303 | 307 | 308) {
                    return Ok(response);
                }
                let Some(current_url) = current.take().or_else(|| Url::parse(&uri.to_string()).ok()) else {
                    return Ok(response);
                };
                let url = first.get_or_insert_with(|| current_url.clone());
                let next = response
                    .headers()
                    .get(header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|location| current_url.join(location).ok());
                let Some(next) = next else { return Ok(response) };
                followed += 1;
                let same_host =
                    url.host_str() == next.host_str() && url.port_or_known_default() == next.port_or_known_default();
                if followed >= MAX_REDIRECTS || !same_host {
                    return Ok(response);
                }
                if next.scheme() != "http" && next.scheme() != "https" {
                    return Err(SendError::Redirect(format!("URL scheme is not allowed: {}", next.scheme())));
                }
                match response.status() {
                    StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND if method == Method::POST => {
                        method = Method::GET;
                        body = Bytes::new();
                        payload_dropped = true;
                    }
                    StatusCode::SEE_OTHER => {
                        if method != Method::HEAD {
                            method = Method::GET;
                        }
                        body = Bytes::new();
                        payload_dropped = true;
                    }
                    _ => {}
                }
                if let Some(referer) = referer(&next, &current_url) {
                    referer_now = Some(referer);
                }
                uri = to_uri(&next)?;
                current = Some(next);
            }
        }
    }

    /// One request: on a pooled connection if one is free, else on a new
    /// one; again on a new one if a pooled one had closed unseen, and
    /// again while an HTTP/2 upstream refuses it.
    #[allow(clippy::manual_async_fn)] // on purpose: see forward::handle
    fn send_once<'a>(
        &'a self,
        method: &'a Method,
        uri: &'a Uri,
        headers: &'a MakeHeaders<'a>,
        body: &'a Bytes,
    ) -> impl Future<Output = Result<UpstreamResponse, SendError>> + 'a {
        async move {
            let (Some(scheme), Some(authority)) = (uri.scheme(), uri.authority()) else {
                return Err(SendError::Request { message: format!("{uri}: not an absolute URL"), timed_out: false });
            };
            let slot = self.pool.slot(scheme, authority);
            let mut refused_retries = 0;
            let mut pooled_ok = true;
            loop {
                let checked_out = if pooled_ok { self.pool.checkout(&slot) } else { None };
                let reused = checked_out.is_some();
                let sender = match checked_out {
                    Some(sender) => sender,
                    // Boxed: a connect's future is large, and this one is
                    // moved on every request (memcpy), connecting or not.
                    None => Box::pin(self.connect(scheme, authority, &slot)).await?,
                };
                let request = self.request(&sender, &slot, method, uri, headers(), body);
                match pool::send(sender, &slot, request).await {
                    Ok(response) => return Ok(response),
                    // The upstream closed an idle connection as it was taken:
                    // the others may be as old, so a new one.
                    Err((_, Some(_unsent))) if reused => pooled_ok = false,
                    Err((err, _)) if refused_retries < MAX_REFUSED_RETRIES && refused(&err) => refused_retries += 1,
                    Err((err, _)) => {
                        return Err(SendError::Request { message: root_cause(&err), timed_out: is_timeout(&err) })
                    }
                }
            }
        }
    }

    /// The request as `sender`'s connection carries it: over HTTP/1.1 with
    /// `Host` and the path alone (the whole URL to a plain proxy, with its
    /// credentials); over HTTP/2 with the whole URL (its pseudo-headers).
    fn request(
        &self,
        sender: &Sender,
        slot: &Slot,
        method: &Method,
        uri: &Uri,
        headers: HeaderMap,
        body: &Bytes,
    ) -> Request<Full<Bytes>> {
        let mut request = Request::new(Full::new(body.clone()));
        *request.method_mut() = method.clone();
        *request.headers_mut() = headers;
        match sender {
            Sender::Http1 { proxied: true, .. } => {
                if let Some(auth) = self.proxies.intercept(uri).and_then(|i| i.basic_auth().cloned()) {
                    request.headers_mut().entry(header::PROXY_AUTHORIZATION).or_insert(auth);
                }
                request.headers_mut().entry(header::HOST).or_insert_with(|| slot.host_header.clone());
                *request.uri_mut() = uri.clone();
            }
            Sender::Http1 { proxied: false, .. } => {
                request.headers_mut().entry(header::HOST).or_insert_with(|| slot.host_header.clone());
                *request.uri_mut() = origin_form(uri);
            }
            Sender::Http2(_) => *request.uri_mut() = uri.clone(),
        }
        request
    }

    /// A new connection to the slot's host, within the connect timeout
    /// (TCP, the proxy's tunnel, TLS), speaking what ALPN chose.
    async fn connect(&self, scheme: &Scheme, authority: &Authority, slot: &Slot) -> Result<Sender, SendError> {
        let dst = Uri::builder()
            .scheme(scheme.clone())
            .authority(authority.clone())
            .path_and_query("/")
            .build()
            .map_err(|err| SendError::Connect(err.to_string()))?;
        let mut connector = self.connector.clone();
        let connecting = async {
            std::future::poll_fn(|cx| connector.poll_ready(cx)).await?;
            connector.call(dst).await
        };
        let io = match tokio::time::timeout(self.connect_timeout, connecting).await {
            Err(_) => return Err(SendError::ConnectTimeout),
            Ok(Err(err)) if causes(&*err).any(|c| c.is::<ConnectTimedOut>()) => return Err(SendError::ConnectTimeout),
            Ok(Err(err)) => return Err(SendError::Connect(root_cause(&*err))),
            Ok(Ok(io)) => io,
        };
        let connected = io.connected();
        let handshake_failed = |err: hyper::Error| SendError::Connect(root_cause(&err));
        let sender = if connected.is_negotiated_h2() {
            let (mut tx, connection) = Pool::http2().handshake(io).await.map_err(handshake_failed)?;
            self.pool.spawn(connection);
            tx.ready().await.map_err(handshake_failed)?;
            Sender::Http2(tx)
        } else {
            let (tx, connection) = Pool::http1().handshake(io).await.map_err(handshake_failed)?;
            self.pool.spawn(connection);
            Sender::Http1 { tx, proxied: connected.is_proxied() }
        };
        self.pool.opened(slot, &sender);
        Ok(sender)
    }
}

/// `uri` as an HTTP/1.1 request line names it to the host itself.
fn origin_form(uri: &Uri) -> Uri {
    match uri.path_and_query() {
        Some(path) if path.as_str() != "/" => Uri::from(path.clone()),
        _ => Uri::default(),
    }
}

fn to_uri(url: &Url) -> Result<Uri, SendError> {
    Uri::try_from(url.as_str()).map_err(|err| SendError::Request { message: format!("{url}: {err}"), timed_out: false })
}

fn drop_payload_headers(headers: &mut HeaderMap) {
    for name in [header::CONTENT_TYPE, header::CONTENT_LENGTH, header::CONTENT_ENCODING, header::TRANSFER_ENCODING] {
        headers.remove(name);
    }
}

/// The `Referer` of a followed redirect, as reqwest sets it.
fn referer(next: &Url, previous: &Url) -> Option<HeaderValue> {
    if next.scheme() == "http" && previous.scheme() == "https" {
        return None;
    }
    let mut referer = previous.clone();
    let _ = referer.set_username("");
    let _ = referer.set_password(None);
    referer.set_fragment(None);
    referer.as_str().parse().ok()
}

fn causes<'a>(err: &'a (dyn StdError + 'static)) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(err), |e: &&'a (dyn StdError + 'static)| (*e).source())
}

/// An HTTP/2 upstream refused the stream or is shutting down gracefully:
/// it did not process the request, so it is safe to send again.
fn refused(err: &hyper::Error) -> bool {
    causes(err).filter_map(|e| e.downcast_ref::<h2::Error>()).any(|e| {
        e.is_remote()
            && ((e.is_reset() && e.reason() == Some(h2::Reason::REFUSED_STREAM))
                || (e.is_go_away() && e.reason() == Some(h2::Reason::NO_ERROR)))
    })
}

/// The innermost cause of an error: the part a person can act on.
pub fn root_cause(err: &(dyn StdError + 'static)) -> String {
    causes(err).last().map(|e| e.to_string()).unwrap_or_default()
}

/// Whether a timeout is among the causes of `err`.
pub fn is_timeout(err: &(dyn StdError + 'static)) -> bool {
    causes(err).any(|e| {
        e.downcast_ref::<hyper::Error>().is_some_and(hyper::Error::is_timeout)
            || e.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::TimedOut)
    })
}

#[derive(Debug, thiserror::Error)]
#[error("connect timed out")]
struct ConnectTimedOut;

/// TCP to the upstream, or to the proxy the environment names for it (a
/// `CONNECT` tunnel for HTTPS), within the connect timeout. TLS is added
/// on top by [`HttpsConnector`].
#[derive(Clone)]
struct ProxyConnector {
    tcp: HttpConnector,
    proxies: Arc<Matcher>,
    timeout: Duration,
}

impl Service<Uri> for ProxyConnector {
    type Response = Conn;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Conn, BoxError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let mut tcp = self.tcp.clone();
        let intercept = self.proxies.intercept(&dst);
        let timeout = self.timeout;
        Box::pin(async move {
            let connect = async {
                let Some(proxy) = intercept else {
                    return Ok(Conn { io: tcp.call(dst).await?, proxied: false });
                };
                if proxy.uri().scheme() != Some(&http::uri::Scheme::HTTP) {
                    return Err(format!(
                        "the proxy {} (from the environment's *_PROXY) is not an http:// proxy, the only kind supported",
                        proxy.uri()
                    )
                    .into());
                }
                if dst.scheme() == Some(&http::uri::Scheme::HTTPS) {
                    let mut tunnel = Tunnel::new(proxy.uri().clone(), tcp);
                    if let Some(auth) = proxy.basic_auth() {
                        tunnel = tunnel.with_auth(auth.clone());
                    }
                    Ok(Conn { io: tunnel.call(dst).await?, proxied: false })
                } else {
                    Ok(Conn { io: tcp.call(proxy.uri().clone()).await?, proxied: true })
                }
            };
            match tokio::time::timeout(timeout, connect).await {
                Ok(conn) => conn,
                Err(_) => Err(ConnectTimedOut.into()),
            }
        })
    }
}

/// A TCP connection, which says when it goes to a plain proxy (the client
/// then writes requests in absolute form).
struct Conn {
    io: TokioIo<TcpStream>,
    proxied: bool,
}

impl Connection for Conn {
    fn connected(&self) -> Connected {
        self.io.connected().proxy(self.proxied)
    }
}

impl Read for Conn {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: ReadBufCursor<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl Write for Conn {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }
}

#[cfg(test)]
mod tests {
    //! The environment's proxies, against a fake proxy on a real socket:
    //! what it is asked, in which form, with which credentials.

    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// A proxy that answers one request with 200 and gives back its head.
    async fn fake_proxy() -> (String, tokio::task::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = format!("http://user:secret@{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut head = Vec::new();
            let mut buf = [0u8; 4096];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = socket.read(&mut buf).await.unwrap();
                assert!(n > 0, "the client closed before its request head ended");
                head.extend_from_slice(&buf[..n]);
            }
            let head = String::from_utf8_lossy(&head).into_owned();
            if !head.starts_with("CONNECT") {
                socket.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok").await.unwrap();
            }
            head
        });
        (addr, task)
    }

    #[tokio::test]
    async fn plain_http_goes_through_the_proxy_in_absolute_form_with_its_credentials() {
        let (proxy, head) = fake_proxy().await;
        let client =
            UpstreamClient::with_proxies(Duration::from_secs(5), Matcher::builder().http(proxy).build()).unwrap();
        let url = Url::parse("http://relay.invalid/v1/responses?x=1").unwrap();
        let response = client
            .send(Method::POST, url.as_str().parse().unwrap(), &HeaderMap::new, Bytes::from_static(b"{}"))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let head = head.await.unwrap().to_ascii_lowercase();
        assert!(head.starts_with("post http://relay.invalid/v1/responses?x=1 http/1.1\r\n"), "{head}");
        // user:secret
        assert!(head.contains("proxy-authorization: basic dxnlcjpzzwnyzxq="), "{head}");
    }

    #[tokio::test]
    async fn https_goes_through_a_connect_tunnel() {
        let (proxy, head) = fake_proxy().await;
        let client =
            UpstreamClient::with_proxies(Duration::from_secs(5), Matcher::builder().https(proxy).build()).unwrap();
        let url = Url::parse("https://relay.invalid/v1/responses").unwrap();
        // The fake proxy closes instead of answering the CONNECT.
        let err =
            client.send(Method::POST, url.as_str().parse().unwrap(), &HeaderMap::new, Bytes::new()).await.unwrap_err();
        assert!(matches!(err, SendError::Connect(_)), "{err:?}");
        let head = head.await.unwrap().to_ascii_lowercase();
        assert!(head.starts_with("connect relay.invalid:443 http/1.1\r\n"), "{head}");
        assert!(head.contains("proxy-authorization: basic dxnlcjpzzwnyzxq="), "{head}");
    }

    #[tokio::test]
    async fn no_proxy_hosts_are_reached_directly() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let matcher = Matcher::builder().all("http://127.0.0.1:9".to_string()).no("127.0.0.1").build();
        let client = UpstreamClient::with_proxies(Duration::from_secs(5), matcher).unwrap();
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 4096];
            let n = socket.read(&mut buf).await.unwrap();
            socket.write_all(b"HTTP/1.1 204 No Content\r\n\r\n").await.unwrap();
            String::from_utf8_lossy(&buf[..n]).into_owned()
        });
        let url = Url::parse(&format!("http://127.0.0.1:{port}/v1/models")).unwrap();
        let response =
            client.send(Method::GET, url.as_str().parse().unwrap(), &HeaderMap::new, Bytes::new()).await.unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        assert!(server.await.unwrap().starts_with("GET /v1/models HTTP/1.1\r\n"));
    }
}
