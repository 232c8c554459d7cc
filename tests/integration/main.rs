//! The single integration-test binary; each module is one area.

mod canned;
mod mock_upstream;
mod smoke;
