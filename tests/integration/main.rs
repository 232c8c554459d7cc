//! The single integration-test binary; each module is one area.

mod canned;
mod failover_health;
mod failover_order;
mod lb_support;
mod log_requests;
mod mock_upstream;
mod reload_config;
mod smoke;
