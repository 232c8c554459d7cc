//! The pool against real upstreams on real sockets (plain HTTP/1.1, and
//! HTTP/2 over TLS by ALPN with the test CA's certificate): how many
//! connections a run of requests opens, and what each request looks like.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode, Version};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use url::Url;

use super::super::client::UpstreamClient;

/// What an upstream saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    version: Version,
    target: String,
    host: Option<String>,
}

struct Upstream {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Upstream {
    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    fn url(&self, scheme: &str, path: &str) -> Url {
        Url::parse(&format!("{scheme}://127.0.0.1:{}{path}", self.addr.port())).unwrap()
    }
}

fn ca() -> CertificateDer<'static> {
    CertificateDer::from(include_bytes!("../../testdata/tls/ca.der").to_vec())
}

fn tls_acceptor() -> tokio_rustls::TlsAcceptor {
    let leaf = CertificateDer::from(include_bytes!("../../testdata/tls/leaf.der").to_vec());
    let key =
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(include_bytes!("../../testdata/tls/leaf.key.der").to_vec()));
    let mut server = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![leaf], key)
        .unwrap();
    server.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    tokio_rustls::TlsAcceptor::from(Arc::new(server))
}

fn client() -> UpstreamClient {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca()).unwrap();
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    UpstreamClient::with_tls(Duration::from_secs(5), Matcher::builder().build(), tls)
}

/// An upstream (hyper's server, HTTP/1.1 or HTTP/2 as the connection
/// speaks) answering every request with `body`, over TLS if `tls`.
async fn upstream(tls: bool, body: Bytes) -> Upstream {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let acceptor = tls.then(tls_acceptor);
    let (count, log) = (accepted.clone(), seen.clone());
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let (log, body, acceptor) = (log.clone(), body.clone(), acceptor.clone());
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                    let seen = Seen {
                        version: request.version(),
                        target: request.uri().to_string(),
                        host: request.headers().get("host").map(|h| h.to_str().unwrap().to_string()),
                    };
                    log.lock().unwrap().push(seen);
                    let body = body.clone();
                    async move { Ok::<_, Infallible>(Response::new(Full::new(body))) }
                });
                let server = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                let _ = match acceptor {
                    Some(acceptor) => {
                        let Ok(tls) = acceptor.accept(tcp).await else { return };
                        server.serve_connection(TokioIo::new(tls), service).await
                    }
                    None => server.serve_connection(TokioIo::new(tcp), service).await,
                };
            });
        }
    });
    Upstream { addr, accepted, seen }
}

async fn get(client: &UpstreamClient, url: &Url) -> (StatusCode, Bytes) {
    let response =
        client.send(Method::GET, url.as_str().parse().unwrap(), &HeaderMap::new, Bytes::new()).await.unwrap();
    let status = response.status();
    (status, response.into_body().collect().await.unwrap().to_bytes())
}

#[tokio::test]
async fn http1_requests_one_after_another_share_one_connection_in_origin_form_with_host() {
    let upstream = upstream(false, Bytes::from_static(b"{\"ok\":true}")).await;
    let client = client();
    let url = upstream.url("http", "/v1/responses?beta=1");
    for _ in 0..5 {
        assert_eq!(get(&client, &url).await, (StatusCode::OK, Bytes::from_static(b"{\"ok\":true}")));
    }
    assert_eq!(upstream.accepted(), 1, "keep-alive: one connection for five requests");
    let seen = upstream.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 5);
    for s in seen {
        assert_eq!(s.version, Version::HTTP_11);
        assert_eq!(s.target, "/v1/responses?beta=1", "origin form, not the whole URL");
        assert_eq!(s.host.as_deref(), Some(&*format!("127.0.0.1:{}", upstream.addr.port())));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http1_connections_are_reused_when_the_body_ends_on_another_thread() {
    let upstream = upstream(false, Bytes::from(vec![b'x'; 64 * 1024])).await;
    let client = client();
    let url = upstream.url("http", "/v1/responses");
    for _ in 0..20 {
        assert_eq!(get(&client, &url).await.1.len(), 64 * 1024);
    }
    // A connection whose body ended on one thread while hyper's task ran
    // on the other comes back a moment later: the next request may open
    // another, but not one each.
    assert!(upstream.accepted() <= 5, "{} connections for 20 requests one after another", upstream.accepted());
}

#[tokio::test]
async fn a_connection_whose_answer_was_abandoned_is_not_reused() {
    let upstream = upstream(false, Bytes::from(vec![b'x'; 4 << 20])).await;
    let client = client();
    let url = upstream.url("http", "/big");
    let response =
        client.send(Method::GET, url.as_str().parse().unwrap(), &HeaderMap::new, Bytes::new()).await.unwrap();
    let mut body = response.into_body();
    let first = body.frame().await.unwrap().unwrap();
    assert!(first.data_ref().is_some_and(|d| d.len() < 4 << 20), "only part of the body was read");
    drop(body);
    // The rest of that answer is still on the first connection: a request
    // sent there would read it as its own answer.
    assert_eq!(get(&client, &url).await.1.len(), 4 << 20);
    assert_eq!(upstream.accepted(), 2);
}

#[tokio::test]
async fn a_connection_the_upstream_closed_while_idle_is_replaced_unseen() {
    // Answers one request per connection with keep-alive, then closes it.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = socket.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok").await;
            });
        }
    });
    let client = client();
    let url = Url::parse(&format!("http://127.0.0.1:{port}/v1/models")).unwrap();
    for _ in 0..3 {
        assert_eq!(get(&client, &url).await, (StatusCode::OK, Bytes::from_static(b"ok")));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn https_upstreams_offering_http2_get_every_request_on_one_connection() {
    let upstream = upstream(true, Bytes::from_static(b"ok")).await;
    let client = client();
    let url = upstream.url("https", "/v1/messages");
    let (status, body) = get(&client, &url).await;
    assert_eq!((status, &body[..]), (StatusCode::OK, &b"ok"[..]));
    // Concurrent ones too: streams on the same connection.
    let answers = futures_util::future::join_all((0..8).map(|_| async { get(&client, &url).await.0 })).await;
    assert!(answers.iter().all(|s| *s == StatusCode::OK), "{answers:?}");
    assert_eq!(upstream.accepted(), 1);
    let seen = upstream.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 9);
    for s in seen {
        assert_eq!(s.version, Version::HTTP_2);
        assert_eq!(s.target, format!("https://127.0.0.1:{}/v1/messages", upstream.addr.port()));
    }
}

#[tokio::test]
async fn a_stream_an_http2_upstream_refused_is_sent_again() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let acceptor = tls_acceptor();
    let streams = Arc::new(AtomicUsize::new(0));
    let count = streams.clone();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let tls = acceptor.accept(tcp).await.unwrap();
        let mut connection = h2::server::handshake(tls).await.unwrap();
        while let Some(Ok((_request, mut respond))) = connection.accept().await {
            // The first stream is refused, unprocessed; the next answered.
            if count.fetch_add(1, Ordering::SeqCst) == 0 {
                respond.send_reset(h2::Reason::REFUSED_STREAM);
            } else {
                let mut send = respond.send_response(Response::new(()), false).unwrap();
                send.send_data(Bytes::from_static(b"second"), true).unwrap();
            }
        }
    });
    let url = Url::parse(&format!("https://127.0.0.1:{port}/v1/responses")).unwrap();
    let (status, body) = get(&client(), &url).await;
    assert_eq!((status, &body[..]), (StatusCode::OK, &b"second"[..]));
    assert_eq!(streams.load(Ordering::SeqCst), 2);
}
