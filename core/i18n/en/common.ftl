# Words every face uses. One file per area (common, cli, tray, notify, …);
# the same ids, with the same variables, in every language's folder.
# core/src/i18n/catalogue.rs lists the files; its tests check both languages.

service-codex = Codex
service-claude = Claude
requests-count = { $count ->
    [one] { $count } request
   *[other] { $count } requests
}

# Durations (core/src/usage/window.rs `span`).
span-seconds = { $s } s
span-minutes = { $min } min
span-hours = { $h } h { $min } min
span-days = { $d } d { $h } h

# A quota window in words (core/src/usage/window.rs `describe`); $unit
# starts with a space when there is one.
quota-window-pct-used = { $name } { $pct }% used
quota-window-used-of = { $name } { $used } of { $limit }{ $unit } used ({ $left }% left)
quota-window-used-no-limit = { $name } { $used }{ $unit } used (no limit)
quota-window-resets-in = , resets in { $span }
quota-window-reset-since = , reset since

# The state of a service or of the whole app (`ch status`, the tray); the
# `--json` keeps the English word.
level-off = off
level-serving = serving
level-degraded = degraded
level-down = down
# Who runs a proxy.
owner-app = desktop app
owner-cli = CLI
