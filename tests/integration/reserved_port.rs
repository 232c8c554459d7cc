//! The test helper that replaced `free_port`: a port held for a child
//! process to bind, never released in between.

use std::net::SocketAddr;

use codex_helper_tests::ReservedPort;

#[test]
fn a_reserved_port_refuses_connections_and_is_not_handed_out_but_a_child_can_listen() {
    let reserved = ReservedPort::new();
    let addr = SocketAddr::from(([127, 0, 0, 1], reserved.port()));
    assert!(std::net::TcpStream::connect(addr).is_err(), "nothing listens yet");
    for _ in 0..500 {
        let other = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        assert_ne!(other.local_addr().unwrap().port(), reserved.port(), "port 0 never hands it out");
    }
    // What the child does: bind the named port (SO_REUSEADDR) and listen.
    let child = std::net::TcpListener::bind(addr).expect("the child can listen on it");
    let _client = std::net::TcpStream::connect(addr).unwrap();
    assert!(child.accept().is_ok());
}
