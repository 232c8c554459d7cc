//! The `leftovers` check: temp files of interrupted writes. They may hold
//! full API keys (a copy of `config.json`), so the user should know where
//! they are; the next `ch serve` / bare `ch` / app start removes them.

use super::Check;
use crate::config::error::display_path;
use crate::{tempfiles, Paths};

pub(super) fn check_leftovers(paths: &Paths, checks: &mut Vec<Check>) {
    let found = tempfiles::find_stale(&tempfiles::our_dirs(paths));
    if found.is_empty() {
        checks.push(Check::pass("leftovers", crate::t_both!("doctor-leftovers-none")));
        return;
    }
    let list: Vec<String> = found.iter().map(|p| display_path(p)).collect();
    checks.push(Check::warn(
        "leftovers",
        crate::t_both!("doctor-leftovers", count = found.len(), list = list.join(", ")),
        crate::t_both!("doctor-leftovers-fix"),
    ));
}
