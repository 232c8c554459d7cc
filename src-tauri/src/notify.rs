//! Desktop notifications for what a user must know without looking: an
//! upstream of the active config ran out of quota, failover moved traffic
//! off the primary, every upstream is unavailable — and when each of those
//! is over. [`Notifier`] remembers what it said, so each upstream and state
//! change is announced once.

use std::collections::{BTreeMap, BTreeSet};

use codex_helper_core::lb::LbEvent;
use codex_helper_core::Service;
use tauri::{AppHandle, Runtime};
use tauri_plugin_notification::NotificationExt;

use crate::commands::status::AppStatus;

/// One notification to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub title: String,
    pub body: String,
}

/// What has been announced so far.
#[derive(Default)]
pub struct Notifier {
    /// (service, config, base_url) announced as out of quota.
    exhausted: BTreeSet<(Service, String, String)>,
    /// Services announced as served by a fallback (config, base_url).
    off_primary: BTreeMap<Service, (String, String)>,
    /// Services announced as having no usable upstream (config).
    all_down: BTreeMap<Service, String>,
}

impl Notifier {
    /// Compare the new state (and the transitions that led to it) with what
    /// was announced; return what to announce now.
    pub fn observe(&mut self, status: &AppStatus, events: &[LbEvent]) -> Vec<Note> {
        let mut notes = Vec::new();
        for live in status.services.iter().filter(|s| s.serving.is_serving()) {
            let service = live.service;
            let name = service.display_name();
            let Some(config) = live.active_config.clone() else { continue };
            // Quota, per upstream of the active config.
            for up in &live.upstreams {
                let key = (service, config.clone(), up.base_url.clone());
                let host = label(&up.base_url);
                if up.exhausted && self.exhausted.insert(key.clone()) {
                    notes.push(Note {
                        title: format!("{host} is out of quota"),
                        body: format!("{name} ({config}) moves to the next upstream until its budget is back."),
                    });
                } else if !up.exhausted && self.exhausted.remove(&key) {
                    notes.push(Note {
                        title: format!("{host} has quota again"),
                        body: format!("{name} ({config}) can use it again."),
                    });
                }
            }
            // Failover, from the load balancer's own announcements.
            for event in events {
                let LbEvent::ServingChanged { service: s, config: c, index, base_url } = event else { continue };
                if *s != service || **c != *config {
                    continue;
                }
                let host = label(base_url);
                let primary = live.upstreams.first().map(|u| label(&u.base_url)).unwrap_or_default();
                if *index > 0 {
                    let now = (config.clone(), base_url.to_string());
                    if self.off_primary.get(&service) != Some(&now) {
                        self.off_primary.insert(service, now);
                        notes.push(Note {
                            title: format!("{name} failed over to {host}"),
                            body: format!("{primary}, the primary upstream of {config}, is not answering well."),
                        });
                    }
                } else if self.off_primary.remove(&service).is_some() {
                    notes.push(Note {
                        title: format!("{name} is back on {host}"),
                        body: format!("The primary upstream of {config} serves again."),
                    });
                }
            }
            // Every upstream unavailable.
            let down = !live.upstreams.is_empty() && live.upstreams.iter().all(|u| u.state != "ok");
            if down && self.all_down.get(&service) != Some(&config) {
                self.all_down.insert(service, config.clone());
                notes.push(Note {
                    title: format!("{name}: every upstream is unavailable"),
                    body: format!("No upstream of {config} can take requests (cooling down or out of quota)."),
                });
            } else if !down && self.all_down.remove(&service).is_some() {
                notes.push(Note {
                    title: format!("{name} works again"),
                    body: format!("An upstream of {config} is available."),
                });
            }
        }
        notes
    }
}

/// A short name for an upstream: its host.
pub fn label(base_url: &str) -> String {
    let rest = base_url.split_once("://").map_or(base_url, |(_, r)| r);
    rest.split(['/', '?']).next().unwrap_or(rest).to_string()
}

pub fn show<R: Runtime>(app: &AppHandle<R>, note: &Note) {
    tracing::info!(title = %note.title, "notification");
    if let Err(err) = app.notification().builder().title(&note.title).body(&note.body).show() {
        tracing::warn!(%err, "cannot show a notification");
    }
}
