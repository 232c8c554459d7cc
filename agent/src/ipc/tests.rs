//! app.sock at the boundary: a real socket, the real client, and raw lines
//! for what a well-behaved client never sends.

use std::sync::Mutex;

use codex_helper_core::control::PROTOCOL_VERSION;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use super::*;

/// Answers like the real agent would, from canned state, and keeps what
/// it was asked.
struct Canned {
    versions: watch::Sender<u64>,
    asked: Mutex<Vec<Request>>,
}

fn report(service: Service) -> SwitchReport {
    SwitchReport {
        service,
        file: "/home/u/.claude/settings.json".into(),
        backup: None,
        port: None,
        changed: true,
        already: false,
        restored: None,
        keys: vec!["env.ANTHROPIC_BASE_URL".into()],
        kept: vec![],
    }
}

impl Handler for Canned {
    fn handle(&self, request: Request) -> Answer<'_> {
        self.asked.lock().unwrap().push(request.clone());
        Box::pin(async move {
            match request {
                // As JSON, so the test does not follow every field of the status.
                Request::Status => Ok(Response::Status(
                    serde_json::from_value(
                        serde_json::json!({"services": [], "level": "off", "quota_problem": "canned"}),
                    )
                    .unwrap(),
                )),
                Request::Route { on: true, .. } => {
                    Err(IpcError::failed("the codex proxy is turned off; enable it in Settings first"))
                }
                Request::Route { service, on: false } => Ok(Response::Routed(report(service))),
                _ => Ok(Response::Done),
            }
        })
    }

    fn watch(&self) -> watch::Receiver<u64> {
        self.versions.subscribe()
    }
}

async fn listen(paths: &Paths) -> (tokio::task::JoinHandle<()>, Arc<Canned>) {
    let Bound::Listener(listener) = bind(paths).await.unwrap() else { panic!("nothing runs yet") };
    let canned = Arc::new(Canned { versions: watch::Sender::new(1), asked: Mutex::default() });
    (tokio::spawn(serve(listener, canned.clone(), CancellationToken::new())), canned)
}

/// Write raw `lines` on one connection, read one reply line per line.
async fn raw(paths: &Paths, lines: &[&str]) -> Vec<control::Answer<StatusPayload>> {
    let stream = UnixStream::connect(socket_path(paths)).await.unwrap();
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let mut out = Vec::new();
    for line in lines {
        write.write_all(format!("{line}\n").as_bytes()).await.unwrap();
        let mut reply = String::new();
        read.read_line(&mut reply).await.unwrap();
        out.push(decode_reply(&reply));
    }
    out
}

#[tokio::test]
async fn a_second_launch_finds_the_first_and_a_dead_socket_is_replaced() {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::with_home(home.path());
    let client = Client::new(&paths);
    assert!(matches!(client.status().await, Err(IpcError::NotRunning { .. })));

    let (server, _canned) = listen(&paths).await;
    let mode = std::fs::metadata(socket_path(&paths)).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "only the user may talk to the app");
    let Bound::Running(second) = bind(&paths).await.unwrap() else { panic!("the first instance answers") };
    assert_eq!(second.status().await.unwrap().quota_problem.as_deref(), Some("canned"));

    // Killed: the socket file stays, nobody answers; the next start takes over.
    server.abort();
    let _ = server.await;
    assert!(socket_path(&paths).exists());
    assert!(matches!(bind(&paths).await.unwrap(), Bound::Listener(_)));
}

#[tokio::test]
async fn every_request_and_its_answer_cross_the_socket_typed() {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::with_home(home.path());
    let (_server, canned) = listen(&paths).await;
    let client = Client::new(&paths);
    assert_eq!(client.status().await.unwrap().quota_problem.as_deref(), Some("canned"));
    assert_eq!(client.route(Service::Claude, false).await.unwrap(), report(Service::Claude));
    client.reload().await.unwrap();
    client.apply_settings().await.unwrap();
    client.open(Some("logs")).await.unwrap();
    client.open(None).await.unwrap();
    client.quit().await.unwrap();
    assert_eq!(
        *canned.asked.lock().unwrap(),
        vec![
            Request::Status,
            Request::Route { service: Service::Claude, on: false },
            Request::Reload,
            Request::ApplySettings,
            Request::Open { screen: Some("logs".into()) },
            Request::Open { screen: None },
            Request::Quit,
        ]
    );
}

#[tokio::test]
async fn refusals_arrive_in_words_and_watch_follows_versions() {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::with_home(home.path());
    let (_server, canned) = listen(&paths).await;
    let client = Client::new(&paths);
    match client.route(Service::Codex, true).await {
        Err(IpcError::Failed { reason }) => assert!(reason.contains("enable it in Settings"), "{reason}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    let mut watch = client.watch().await.unwrap();
    assert_eq!(watch.next().await, Some(1), "the current version first");
    canned.versions.send_replace(7);
    assert_eq!(watch.next().await, Some(7));
    drop(canned);
}

#[tokio::test]
async fn garbage_gets_an_error_line_not_a_hangup() {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::with_home(home.path());
    let (_server, _canned) = listen(&paths).await;
    let explode = format!("{{\"v\":{PROTOCOL_VERSION},\"cmd\":\"explode\"}}");
    let status = format!("{{\"v\":{PROTOCOL_VERSION},\"cmd\":\"status\"}}");
    let answers = raw(&paths, &[&explode, "not json at all", &status]).await;
    for answer in &answers[..2] {
        match answer {
            Err(error @ IpcError::BadRequest { .. }) => {
                assert!(error.to_string().starts_with("not a request"), "{error}")
            }
            other => panic!("expected a bad request, got {other:?}"),
        }
    }
    assert!(matches!(answers[2], Ok(Response::Status(_))), "the connection still answers: {:?}", answers[2]);
}

#[tokio::test]
async fn a_peer_of_another_version_gets_both_versions_named() {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::with_home(home.path());
    let (server, _canned) = listen(&paths).await;
    // A newer client's command this server cannot know, and a client from
    // before versions.
    let answers = raw(&paths, &["{\"v\":99,\"cmd\":\"rotate_keys\"}", "{\"cmd\":\"status\"}"]).await;
    let errors: Vec<_> = answers.iter().map(|a| a.as_ref().err()).collect();
    assert_eq!(
        errors,
        [
            Some(&IpcError::UnsupportedVersion { server: PROTOCOL_VERSION, client: 99 }),
            Some(&IpcError::UnsupportedVersion { server: PROTOCOL_VERSION, client: 0 }),
        ]
    );

    // A server of another version, as the client sees it.
    server.abort();
    let _ = server.await;
    std::fs::remove_file(socket_path(&paths)).unwrap();
    let listener = UnixListener::bind(socket_path(&paths)).unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (read, mut write) = stream.into_split();
            let mut line = String::new();
            BufReader::new(read).read_line(&mut line).await.unwrap();
            write.write_all(b"{\"v\":2,\"ok\":{\"reply\":\"done\"}}\n").await.unwrap();
        }
    });
    let error = Client::new(&paths).quit().await.unwrap_err();
    assert_eq!(error, IpcError::UnsupportedVersion { server: 2, client: PROTOCOL_VERSION });
    assert!(error.to_string().contains("update"), "{error}");
}

#[tokio::test]
async fn the_stop_signal_ends_every_connection_and_serve_waits_for_them() {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::with_home(home.path());
    let Bound::Listener(listener) = bind(&paths).await.unwrap() else { panic!("nothing runs yet") };
    let canned = Arc::new(Canned { versions: watch::Sender::new(1), asked: Mutex::default() });
    let stop = CancellationToken::new();
    let server = tokio::spawn(serve(listener, canned.clone(), stop.clone()));
    // A watching window: its connection never ends by itself while the app runs.
    let mut watching = Client::new(&paths).watch().await.unwrap();
    assert_eq!(watching.next().await, Some(1));

    stop.cancel();
    tokio::time::timeout(Duration::from_secs(5), server).await.expect("serve returns on the signal").unwrap();
    // Its connection was owned by serve and is gone with it (a detached
    // task would still be streaming versions, and `canned` still shared).
    assert_eq!(watching.next().await, None, "the watch stream ended with the app");
    assert_eq!(Arc::strong_count(&canned), 1, "no connection task holds the handler any more");
}

/// Answers `quit` only when told to, and says when it was asked.
struct Slow {
    asked: tokio::sync::Notify,
    answer: tokio::sync::Notify,
    versions: watch::Sender<u64>,
}

impl Handler for Slow {
    fn handle(&self, _request: Request) -> Answer<'_> {
        Box::pin(async move {
            self.asked.notify_one();
            self.answer.notified().await;
            Ok(Response::Done)
        })
    }

    fn watch(&self) -> watch::Receiver<u64> {
        self.versions.subscribe()
    }
}

#[tokio::test]
async fn a_request_being_answered_when_the_stop_comes_still_gets_its_reply() {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::with_home(home.path());
    let Bound::Listener(listener) = bind(&paths).await.unwrap() else { panic!("nothing runs yet") };
    let slow = Arc::new(Slow {
        asked: tokio::sync::Notify::new(),
        answer: tokio::sync::Notify::new(),
        versions: watch::Sender::new(1),
    });
    let stop = CancellationToken::new();
    let server = tokio::spawn(serve(listener, slow.clone(), stop.clone()));
    let client = Client::new(&paths);
    let quit = tokio::spawn(async move { client.quit().await });
    slow.asked.notified().await;
    stop.cancel(); // what Quit itself sets off
    slow.answer.notify_one();
    assert_eq!(quit.await.unwrap(), Ok(()), "the quit was answered");
    tokio::time::timeout(Duration::from_secs(5), server).await.expect("serve returns").unwrap();
}
