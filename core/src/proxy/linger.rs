//! A client connection's socket, as hyper sees it: reads tell the
//! connection's phase that a request head has started, and closing a
//! connection whose request body was left unread first drains what the
//! client is still sending (nginx's "lingering close").
//!
//! Why: a client that writes its whole body before reading (Python's
//! `http.client`, many SDKs) is still writing when we answer a too-large
//! body with 413. Closing a socket with unread data makes the kernel send
//! a reset, and the reset destroys the 413 before the client reads it. So
//! after the answer is flushed and our side shut down, we read and discard
//! until the client closes, for at most [`LINGER_BYTES`] and
//! [`LINGER_TIME`].

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Sleep;

use super::conns::Conn;

/// Most bytes discarded while lingering: enough for a body well over the
/// default 32 MiB limit to be written whole.
pub const LINGER_BYTES: u64 = 64 * 1024 * 1024;
/// Longest linger; a loopback client writes 64 MiB far faster.
pub const LINGER_TIME: Duration = Duration::from_secs(3);

enum Closing {
    Open,
    Lingering { until: Pin<Box<Sleep>>, drained: u64, scratch: Box<[u8]> },
    Closed,
}

/// A [`TcpStream`] that reports reads to its [`Conn`] and lingers on close.
pub struct Tracked {
    stream: TcpStream,
    conn: Arc<Conn>,
    closing: Closing,
}

impl Tracked {
    pub fn new(stream: TcpStream, conn: Arc<Conn>) -> Tracked {
        Tracked { stream, conn, closing: Closing::Open }
    }

    /// Reads and discards until EOF, an error, or a bound is reached.
    fn poll_linger(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Closing::Lingering { until, drained, scratch } = &mut self.closing else { return Poll::Ready(()) };
        loop {
            if until.as_mut().poll(cx).is_ready() || *drained >= LINGER_BYTES {
                tracing::debug!(drained = *drained, "stopped lingering before the client finished sending");
                return Poll::Ready(());
            }
            let mut buf = ReadBuf::new(scratch);
            match Pin::new(&mut self.stream).poll_read(cx, &mut buf) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(())) if buf.filled().is_empty() => return Poll::Ready(()),
                Poll::Ready(Ok(())) => *drained += buf.filled().len() as u64,
                Poll::Ready(Err(_)) => return Poll::Ready(()),
            }
        }
    }
}

impl AsyncRead for Tracked {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        ready!(Pin::new(&mut this.stream).poll_read(cx, buf))?;
        if buf.filled().len() > before {
            this.conn.on_read();
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if let Closing::Open = this.closing {
            // FIN first: the answer is complete and the client can read it.
            let result = ready!(Pin::new(&mut this.stream).poll_shutdown(cx));
            if result.is_err() || !this.conn.unread_body() {
                this.closing = Closing::Closed;
                return Poll::Ready(result);
            }
            this.closing = Closing::Lingering {
                until: Box::pin(tokio::time::sleep(LINGER_TIME)),
                drained: 0,
                scratch: vec![0; 64 * 1024].into_boxed_slice(),
            };
        }
        ready!(this.poll_linger(cx));
        this.closing = Closing::Closed;
        Poll::Ready(Ok(()))
    }
}
