//! Ports for processes a test starts, without the `free_port` race (pick a
//! port, release it, hope nobody takes it before the child binds it).
//!
//! In-process servers bind port 0 and pass the listener in; `ch serve
//! --port 0 --json` names the port it bound. What is left is a port the
//! test must know *before* the child starts: one written in settings.json
//! (the configured port is what is tested, or two runs must share it), or
//! one that must refuse connections (a dead upstream). [`ReservedPort`]
//! holds such a port for the whole test.

use std::net::SocketAddr;

/// A loopback port bound by the test but not listening: while it lives,
/// no port-0 bind and no outgoing connection is given this port, a
/// connection to it is refused (nothing listens), and a child process that
/// binds it with `SO_REUSEADDR` (as tokio and std do on Unix) can listen
/// there. Linux lets two `SO_REUSEADDR` sockets share a port as long as
/// at most one listens.
pub struct ReservedPort {
    socket: tokio::net::TcpSocket,
}

impl ReservedPort {
    pub fn new() -> ReservedPort {
        let socket = tokio::net::TcpSocket::new_v4().expect("a TCP socket");
        socket.set_reuseaddr(true).expect("SO_REUSEADDR");
        socket.bind(SocketAddr::from(([127, 0, 0, 1], 0))).expect("bind 127.0.0.1:0");
        ReservedPort { socket }
    }

    pub fn port(&self) -> u16 {
        self.socket.local_addr().expect("a bound socket").port()
    }

    /// The port, held until the process ends (a test process's few ports
    /// need no cleanup; a helper returning a plain port stays simple).
    pub fn leak(self) -> u16 {
        let port = self.port();
        std::mem::forget(self);
        port
    }
}

impl Default for ReservedPort {
    fn default() -> Self {
        ReservedPort::new()
    }
}
