//! The single integration-test binary; each module is one area.

mod canned;
mod control;
mod failover_health;
mod failover_order;
mod fault_matrix;
mod filter_block;
mod lb_support;
mod log_client_gone;
mod log_requests;
mod mock_upstream;
mod proxy_guards;
mod proxy_headers;
mod proxy_listener;
mod proxy_passthrough;
mod proxy_paths;
mod proxy_streaming;
mod proxy_util;
mod regression;
mod reload_config;
mod reload_settings;
mod reserved_port;
mod smoke;
mod soak;
mod stream_regressions;
mod stream_splice;
mod usage_quota;
