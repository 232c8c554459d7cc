//! The mock's minimal HTTP/1.1 server side: request parsing (Content-Length
//! and chunked bodies), keep-alive, and the per-connection loop.

use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::reply::Outcome;
use super::{Recorded, Shared};

/// Large enough for real client requests (Codex sends ~20 headers).
const MAX_HEADERS: usize = 128;

/// A parsed request plus what the connection loop needs to know about it.
pub(crate) struct Request {
    pub recorded: Recorded,
    /// The client asked to close after this exchange (or spoke HTTP/1.0).
    pub wants_close: bool,
}

/// Serves requests on one connection until either side closes it.
pub(crate) async fn serve_connection(mut stream: TcpStream, shared: Shared, id: u64) {
    // Small SSE chunks must leave immediately, one per event.
    let _ = stream.set_nodelay(true);
    // Bytes read past the end of one request belong to the next (pipelining).
    let mut buf = Vec::new();
    loop {
        let req = match read_request(&mut stream, &mut buf, id).await {
            Ok(Some(req)) => req,
            // Clean EOF between requests, a broken socket, or garbage: stop.
            Ok(None) | Err(_) => return,
        };
        let reply = shared.reply_for(&req.recorded);
        shared.record(req.recorded);
        match reply.write_to(&mut stream, req.wants_close).await {
            Outcome::KeepAlive => continue,
            Outcome::Close => {
                let _ = stream.shutdown().await;
                return;
            }
            // The reply already reset, stalled or lost the socket.
            Outcome::Done => return,
        }
    }
}

/// Reads more bytes into `buf`; `Ok(false)` on EOF.
async fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>) -> io::Result<bool> {
    let mut tmp = [0u8; 16 * 1024];
    let n = stream.read(&mut tmp).await?;
    buf.extend_from_slice(&tmp[..n]);
    Ok(n > 0)
}

fn invalid(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

/// Reads one full request. `Ok(None)` means the client closed the connection
/// cleanly before sending anything.
async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>, connection: u64) -> io::Result<Option<Request>> {
    let (head_len, method, path, headers, version) = loop {
        let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut parsed = httparse::Request::new(&mut slots);
        match parsed.parse(buf).map_err(|e| invalid(e.to_string()))? {
            httparse::Status::Complete(len) => {
                let headers = parsed
                    .headers
                    .iter()
                    .map(|h| {
                        let value = String::from_utf8_lossy(h.value).into_owned();
                        (h.name.to_ascii_lowercase(), value)
                    })
                    .collect::<Vec<_>>();
                let method = parsed.method.unwrap_or_default().to_string();
                let path = parsed.path.unwrap_or_default().to_string();
                break (len, method, path, headers, parsed.version.unwrap_or(1));
            }
            httparse::Status::Partial => {
                if !fill(stream, buf).await? {
                    if buf.is_empty() {
                        return Ok(None);
                    }
                    return Err(invalid("EOF inside request head"));
                }
            }
        }
    };
    buf.drain(..head_len);

    let find = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    let connection_header = find("connection").unwrap_or("").to_ascii_lowercase();
    let wants_close =
        connection_header.contains("close") || (version == 0 && !connection_header.contains("keep-alive"));

    // A client waiting for 100 Continue would otherwise stall until its own timeout.
    if find("expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue")) {
        stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await?;
    }

    let chunked = find("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let body = if chunked {
        read_chunked(stream, buf).await?
    } else {
        let len = match find("content-length") {
            Some(v) => v.trim().parse::<usize>().map_err(|_| invalid("bad content-length"))?,
            None => 0,
        };
        read_exact_body(stream, buf, len).await?
    };

    let recorded = Recorded { method, path, headers, body, connection };
    Ok(Some(Request { recorded, wants_close }))
}

async fn read_exact_body(stream: &mut TcpStream, buf: &mut Vec<u8>, len: usize) -> io::Result<Vec<u8>> {
    while buf.len() < len {
        if !fill(stream, buf).await? {
            return Err(invalid("EOF inside request body"));
        }
    }
    Ok(buf.drain(..len).collect())
}

/// Decodes a chunked body, consuming exactly through the final CRLF so the
/// next keep-alive request starts at the right byte.
async fn read_chunked(stream: &mut TcpStream, buf: &mut Vec<u8>) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let (size_len, size) = loop {
            match httparse::parse_chunk_size(buf).map_err(|_| invalid("bad chunk size"))? {
                httparse::Status::Complete((n, size)) => break (n, size as usize),
                httparse::Status::Partial => {
                    if !fill(stream, buf).await? {
                        return Err(invalid("EOF inside chunk size"));
                    }
                }
            }
        };
        buf.drain(..size_len);
        if size == 0 {
            break;
        }
        // Chunk data plus its trailing CRLF.
        let chunk = read_exact_body(stream, buf, size + 2).await?;
        if &chunk[size..] != b"\r\n" {
            return Err(invalid("chunk not followed by CRLF"));
        }
        body.extend_from_slice(&chunk[..size]);
    }
    // Trailer section: header lines until an empty line; their content is ignored.
    loop {
        let line_end = loop {
            if let Some(pos) = buf.windows(2).position(|w| w == b"\r\n") {
                break pos;
            }
            if !fill(stream, buf).await? {
                return Err(invalid("EOF inside chunked trailer"));
            }
        };
        buf.drain(..line_end + 2);
        if line_end == 0 {
            return Ok(body);
        }
    }
}
