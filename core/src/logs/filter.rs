//! Which request-log lines a reader keeps — by service, status class and
//! config — shared by `ch logs` and the window's Logs screen, so both
//! count a line as an error the same way.

use serde::{Deserialize, Serialize};

use super::reader::line_service;
use super::record::RequestRecord;
use crate::Service;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum StatusClass {
    /// Answered below 400 with no proxy error.
    Ok,
    Error,
}

/// Which records a query or the live tail keeps.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LogFilter {
    pub service: Option<Service>,
    pub status_class: Option<StatusClass>,
    pub config: Option<String>,
}

impl LogFilter {
    /// Only `service`'s lines (`ch logs --service`).
    pub fn service(service: Option<Service>) -> LogFilter {
        LogFilter { service, ..LogFilter::default() }
    }

    /// Whether `rec` passes every filter that is set.
    pub fn keeps(&self, rec: &RequestRecord) -> bool {
        let ok = rec.status_code < 400 && rec.error.is_none();
        self.service.is_none_or(|s| rec.service == s.as_str())
            && self.status_class.is_none_or(|c| (c == StatusClass::Ok) == ok)
            && self.config.as_deref().is_none_or(|c| rec.config_name == c)
    }

    /// The record on `line`, if it is one and passes.
    pub fn parse(&self, line: &str) -> Option<RequestRecord> {
        serde_json::from_str::<RequestRecord>(line).ok().filter(|r| self.keeps(r))
    }

    /// Whether a raw line passes, for readers that show lines as they are
    /// (`ch logs --json`, or the notes about lines that are not records):
    /// with no filter every line does; a service filter alone reads only
    /// the line's `service`; other filters need a whole record.
    pub fn keeps_line(&self, line: &str) -> bool {
        match self {
            LogFilter { service: None, status_class: None, config: None } => true,
            LogFilter { service: Some(s), status_class: None, config: None } => {
                line_service(line).as_deref() == Some(s.as_str())
            }
            _ => self.parse(line).is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(service: &str, status: u16, error: Option<&str>, config: &str) -> String {
        let mut v = serde_json::to_value(RequestRecord::default()).unwrap();
        v["service"] = service.into();
        v["status_code"] = status.into();
        v["config_name"] = config.into();
        v["error"] = error.map(Into::into).unwrap_or(serde_json::Value::Null);
        v.to_string()
    }

    #[test]
    fn filters_combine_and_errors_count_once() {
        let ok = line("codex", 200, None, "main");
        let failed = line("codex", 200, Some("ended_mid_stream"), "main");
        let claude = line("claude", 502, None, "c");
        let errors = LogFilter { status_class: Some(StatusClass::Error), ..LogFilter::default() };
        assert!(!errors.keeps_line(&ok) && errors.keeps_line(&failed) && errors.keeps_line(&claude));
        let codex_main = LogFilter { service: Some(Service::Codex), config: Some("main".into()), status_class: None };
        assert!(codex_main.keeps_line(&ok) && !codex_main.keeps_line(&claude));
        assert!(LogFilter::default().keeps_line("not a record"), "no filter: every line, to be reported");
        assert!(!LogFilter::service(Some(Service::Codex)).keeps_line("not a record"));
        assert!(LogFilter::service(Some(Service::Claude))
            .keeps_line(r#"{"service":"claude","status_code":"not a number"}"#));
    }
}
