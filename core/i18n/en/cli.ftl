# The `ch` command line's human output (cli/src). `--json` stays English.

error-prefix = error
# ch status
cli-status-overall = overall: { $level }
cli-status-headline = { $service }: { $headline }
cli-status-listening = listening on 127.0.0.1:{ $port } ({ $who }{ $pid ->
        [none] {""}
       *[other] , pid { $pid }
    })
cli-status-other-proxy = — but it is the { $other } proxy
cli-status-port-taken = not running; port { $port } is taken by another program
cli-status-port-free = not running (port { $port } is free)
cli-status-port-free-disabled = not running (port { $port } is free); disabled in settings.json
cli-status-level = level: { $level }
cli-status-active = active config: { $config }
cli-status-active-from-file = active config: { $config } (from config.json)
cli-status-no-active = active config: none — add one with `ch config add NAME --base-url URL --auth-token - --{ $service }`
cli-status-config-problem = config problem: { $problem }
cli-status-settings-problem = settings problem: { $problem }
cli-status-live-error = live state unavailable: { $error }
cli-status-strategy = strategy: { $strategy }
cli-status-requests = requests: { $total } ({ $errors } errors)
cli-status-in-flight = in flight { $now }/{ $cap }
cli-status-key = key { $key }
cli-status-not-observed = not observed (proxy not running)
cli-status-cooling = cooling down ({ $seconds } s left)
cli-status-exhausted = quota exhausted
cli-status-counts = { $state }, { $requests } requests, { $failures } failures
cli-status-last-error = last error: { $error }
cli-status-quota = quota { $url }{ $key } via { $provider }: { $state }: { $detail }
cli-status-client-points = client: { $client } points at { $where } ({ $file })
cli-status-client-points-dead = client: { $client } points at { $where } (no codex-helper answers there) ({ $file })
cli-status-a-local-proxy = a local proxy
cli-status-client-direct = client: { $client } does not point at the proxy ({ $file }); `ch switch on{ $flag }` does it
cli-status-client-error = client: cannot read its settings: { $error }
cli-backup = backup: { $path }
# Notes after an upstream (ch config list/show, ch status).
cli-note-protocol = protocol { $protocol }
cli-note-models = models { $pairs }
cli-note-headers = headers { $pairs }
cli-status-ok = ok
# ch doctor
cli-doctor-pass = PASS
cli-doctor-warn = WARN
cli-doctor-fail = FAIL
cli-doctor-fix = fix: { $fix }
cli-doctor-summary = { $pass } passed, { $warn } warnings, { $fail } failed
# ch switch
cli-switch-now-points = { $client } now points at the proxy on 127.0.0.1:{ $port } ({ $file })
cli-switch-still-points = { $client } still points at the proxy on 127.0.0.1:{ $port } ({ $file })
cli-switch-backup = backup of your original file: { $path }
cli-switch-no-file = there was no file before; `ch switch off` will remove it again
cli-switch-no-proxy = no proxy answers on port { $port } yet: start one with `ch serve{ $flag } --port { $port }`
cli-switch-off-not-switched = { $client } was not switched by codex-helper; nothing to do ({ $file } untouched)
cli-switch-off-backup = { $client } restored: { $file } is back exactly as it was
cli-switch-off-deleted = { $client } restored: removed { $file }, which codex-helper had created
cli-switch-off-gone = { $file } was deleted meanwhile; nothing to put back
cli-switch-off-keys = { $client } restored: put back { $keys } in { $file }; your other edits are kept
cli-switch-off-kept = left as you changed them: { $keys }
cli-switch-off-saved = the original file is still saved as { $path }
cli-switch-status-error = { $client }: error: { $error }
cli-switch-status-absent = { $client }: not set up on this machine ({ $dir } is missing)
cli-switch-status-answers = codex-helper answers there ({ $owner }, pid { $pid })
cli-switch-status-no-answer = but no codex-helper proxy answers there
cli-switch-status-points = { $client }: points at the proxy on 127.0.0.1:{ $port } ({ $file }); { $proxy }
cli-switch-status-direct = { $client }: not pointed at a local proxy ({ $file })
cli-switch-status-recorded = switched by codex-helper: `ch switch off` puts it back
# Table headings (ch usage, ch test)
cli-col-day = DAY
cli-col-service = SERVICE
cli-col-config = CONFIG
cli-col-upstream = UPSTREAM
cli-col-reqs = REQS
cli-col-errs = ERRS
cli-col-in = IN
cli-col-out = OUT
cli-col-reason = REASON
cli-col-total = TOTAL
cli-col-cost = COST
cli-col-model = MODEL
cli-col-source = SOURCE
cli-col-key = KEY
cli-col-state = STATE
cli-col-windows = WINDOWS
cli-col-checked = CHECKED
cli-col-protocol = PROTOCOL
cli-col-status = STATUS
cli-col-connect = CONNECT
# ch usage
cli-usage-today = today ({ $day })
cli-usage-title = Usage, { $span }, from { $log }
cli-usage-none = no requests in this period
cli-usage-totals = Totals
cli-usage-unpriced = ({ $count } requests of models without a price not counted)
cli-usage-total-line = { $requests } requests, { $errors } errors, { $tokens } tokens (in { $input } / out { $output } / reasoning { $reasoning }), { $cost }
cli-usage-skipped = ({ $count } log lines could not be read and were skipped)
cli-usage-skipped-at = ({ $count } log lines could not be read and were skipped, the first at { $at })
cli-usage-quota-problem = Quota: { $problem }
cli-usage-quota-never = Quota: no proxy has polled a usage provider yet (a running `ch serve` does, per usage_providers.json)
cli-usage-quota-nomatch = Quota: no upstream of the active configs matches a usage provider's domains (as of { $age })
cli-usage-quota-title = Quota (as of { $age }):
cli-usage-checked = checked { $age }
cli-quota-exhausted = EXHAUSTED
cli-quota-ok = ok
cli-quota-warning = warning
cli-quota-unknown = unknown
cli-quota-spent = ${ $spent } of ${ $budget } spent
cli-quota-no-answer = no answer yet
cli-age-seconds = { $n } s ago
cli-age-minutes = { $n } min ago
cli-age-hours = { $n } h ago
cli-usage-days-zero = --days must be at least 1 (1 means today only)
cli-cannot-read = cannot read { $path }
# ch config
cli-config-none = No { $service } configs yet. Add one: ch config add NAME --base-url URL --auth-token - --{ $service }
cli-config-list-line = { $mark } { $name }{ $alias } — { $count ->
        [one] { $count } upstream
       *[other] { $count } upstreams
    }{ $strategy }{ $hosts }
cli-config-active = active
cli-config-not-active = not active
cli-config-show-head = { $name }{ $alias } — { $service }, { $state }, strategy { $strategy }
cli-config-no-upstreams = no upstreams
cli-config-no-key = no key
cli-config-tags = tags { $tags }
cli-config-key = key { $key }
cli-config-added-key = Added key { $n } of this URL as upstream [{ $index }] to { $service } config `{ $config }`
cli-config-added = Added upstream [{ $index }] to { $service } config `{ $config }`
cli-config-updated = Updated the key of upstream [{ $index }] in { $service } config `{ $config }`
cli-config-unchanged = { $service } config `{ $config }` already has this upstream [{ $index }]
cli-config-many-keys = { $n } keys for this URL now; strategy { $strategy } (change it: ch config strategy { $config } round-robin). To replace a key instead, add with --replace.
cli-config-created = Created config `{ $config }`.
cli-config-now-active = `{ $config }` is now the active { $service } config.
cli-config-paste-key = Paste the key for { $flag } and press Enter: 
cli-config-cannot-read-key = cannot read { $flag } from stdin
cli-config-no-key-on-stdin = { $flag } -: stdin gave no key; pipe it in, e.g. `printf %s "$KEY" | ch config add …`
cli-config-already-active = `{ $config }` is already the active { $service } config.
cli-config-active-now = Active { $service } config is now `{ $config }`; a running proxy follows within a second.
cli-config-active-now-was = Active { $service } config is now `{ $config }` (was `{ $previous }`); a running proxy follows within a second.
cli-config-removed = Removed { $service } config `{ $config }` ({ $count ->
        [one] { $count } upstream
       *[other] { $count } upstreams
    }).
cli-config-removed-next = It was active; `{ $next }` is the active { $service } config now.
cli-config-removed-none = It was active; no { $service } config is left, so none is active.
cli-config-upstream-removed = Removed upstream [{ $index }] { $url } (key { $key }) from { $service } config `{ $config }`; { $count ->
        [one] { $count } upstream
       *[other] { $count } upstreams
    } left.
cli-config-strategy-same = { $service } config `{ $config }` already uses { $strategy }.
cli-config-strategy-changed = { $service } config `{ $config }` now uses { $strategy } (was { $previous }); a running proxy follows within a second.
cli-config-undone = restored { $file } as it was before its change at { $at } ({ $remaining } older version(s) kept)
cli-config-nothing-to-undo = nothing to undo: no earlier version of { $file } is kept under { $dir }
# ch default
cli-default-not-set = { $service } (not set; Codex is the default)
# ch import
cli-import-confirm = import these into config.json?
cli-import-added = added { $count } config(s) to { $file }
cli-import-now-active = { $config } is now active
cli-import-undo = undo with `ch config undo`
cli-import-from = from { $file } ({ $format }):
cli-import-key-none = none
cli-import-key = key { $key }
cli-import-more = (+{ $count } more upstream(s))
cli-import-current = (current in { $tool })
cli-import-skipped = not imported: { $app } `{ $name }`: { $reason }
cli-import-nothing = nothing to import
cli-confirm-no-terminal = stdin is not a terminal, so I cannot ask before writing; run again with --yes to import without asking
cli-confirm-prompt = { $question } [y/N] 
cli-confirm-declined = nothing imported (answer y to import, or pass --yes)
# ch export / ch import FILE
cli-export-wrote = wrote { $file }: { $configs } config(s), { $upstreams } upstream(s), { $filters } filter rule(s), { $providers } usage provider(s)
cli-export-with-settings = , settings
cli-export-with-keys = it holds your keys: written 0600; keep it private
cli-export-without-keys = keys left out (add --with-keys to include them)
cli-backup-replace-q = replace your files with these?
cli-backup-merge-q = merge these into your files?
cli-backup-wrote = wrote { $files }
cli-backup-undo = undo config.json with `ch config undo`; the replaced version of every file written is kept in { $dir }
cli-backup-from-replace = from { $file } (replace):
cli-backup-from-merge = from { $file } (merge):
cli-backup-what-config = config
cli-backup-what-upstream = upstream
cli-backup-what-filter = filter
cli-backup-what-provider = provider
cli-backup-what-setting = setting
cli-backup-no-key = no key: { $upstream } (the backup has none and no stored upstream matches; add one with `ch config`)
cli-backup-nothing = nothing to change
# ch bootstrap
cli-bootstrap-has-config = { $service } already has a config in { $file }; nothing imported
cli-bootstrap-imported = imported { $service } config `{ $config }` (now active) from { $source }
cli-bootstrap-no-key = no key
# ch session
cli-session-no-message = (no message yet)
cli-session-last = Last { $service } session in { $dir }
cli-session-id = id:       { $id }
cli-session-dir = dir:      { $dir }
cli-session-started = started:  { $started }  (last active { $active })
cli-session-first = first:    { $message }
cli-session-file = file:     { $file }
cli-session-none = No { $service } sessions found for { $dir } (looked in { $root }).
# ch test
cli-test-none = no { $service } upstreams in the active config to test; add one: ch config add NAME --base-url URL --auth-token - --{ $service }
cli-test-none-all = no { $service } upstreams in any config to test; add one: ch config add NAME --base-url URL --auth-token - --{ $service }
# ch logs
cli-logs-none = no requests logged yet ({ $file } does not exist)
cli-logs-bad-line = { $place }: a line is not a log record ({ $error }), skipped: { $excerpt }
# ch serve, bare ch
cli-serve-cannot-listen = cannot listen on { $addr }
cli-serve-pointed = codex-helper: { $client } now points at the proxy ({ $file }); Ctrl+C puts it back
cli-serve-adopted = codex-helper: a previous run (pid { $pid }) ended without putting { $client } back; this run will
cli-serve-restored = codex-helper: { $client } settings restored ({ $file })
cli-serve-restore-failed = codex-helper: could not restore { $client } settings: { $error }; run `ch switch off{ $flag }`
cli-serve-stopping = codex-helper: stopping (waiting up to { $seconds } s for responses in flight)…
cli-serve-still-streaming = codex-helper: some responses were still streaming; closing them
cli-serve-config = config `{ $config }` ({ $count ->
        [one] { $count } upstream
       *[other] { $count } upstreams
    })
cli-serve-no-config = no active config yet: add a `{ $service }` config with upstreams to { $file } (it is picked up without a restart)
cli-serve-listening = codex-helper: { $service } proxy listening on http://{ $addr } → { $serving }
cli-serve-loop = upstream { $url } points at this proxy itself and will be skipped; fix its base_url in ~/.codex-helper/config.json
cli-serve-taken-by-helper = { $addr } is already served by codex-helper ({ $service } proxy run by the { $owner }, pid { $pid }); use that one, stop it, or pick another port with --port N
cli-serve-busy = cannot listen on { $addr }: the port is in use by another program; stop it or pick another port with --port N (the { $service } default is { $port })
cli-oneshot-owner-app = the desktop app
cli-oneshot-owner-ch = another ch
cli-oneshot-reusing = codex-helper: 127.0.0.1:{ $port } is already served by { $owner } (pid { $pid }); reusing it. { $client } now points at it.
cli-oneshot-reusing-already = codex-helper: 127.0.0.1:{ $port } is already served by { $owner } (pid { $pid }); reusing it. { $client } already points at it.
cli-oneshot-other-service = 127.0.0.1:{ $port } is served by codex-helper for { $other } (pid { $pid }); pick another port for { $service } with --port N
cli-oneshot-imported = codex-helper: imported config `{ $config }` from { $source }: { $url } (key { $key })
cli-oneshot-key-none = none
cli-oneshot-nothing-to-import = codex-helper: no config yet and nothing to import: { $error }
cli-oneshot-cannot-point = codex-helper: warning: could not point { $client } at the proxy: { $error }
# ch config undo --codex|--claude
cli-config-undone-service = restored { $service }'s part of { $file } as it was before its change at { $at } ({ $remaining } older version(s) kept)
cli-config-undo-active = active { $config }
cli-config-nothing-to-undo-service = nothing to undo: no earlier version of { $service }'s part of { $file } is kept under { $dir }
# ch import (the tool's name)
cli-import-tool-original = the original codex-helper
# clap's usage errors (cli/src/usage_error.rs): English is clap's own
# rendering; these say the same, for the other languages to follow.
cli-usage-unknown-argument = unexpected argument '{ $arg }' found
cli-usage-unknown-subcommand = unrecognized subcommand '{ $name }'
cli-usage-value-required = a value is required for '{ $arg }' but none was supplied
cli-usage-invalid-value = invalid value '{ $value }' for '{ $arg }'
cli-usage-invalid-value-because = invalid value '{ $value }' for '{ $arg }': { $cause }
cli-usage-possible-values = possible values: { $values }
cli-usage-missing-required = the following required arguments were not provided: { $args }
cli-usage-missing-subcommand = '{ $name }' requires a subcommand but one was not provided
cli-usage-repeated = the argument '{ $arg }' cannot be used multiple times
cli-usage-conflict = the argument '{ $arg }' cannot be used with '{ $other }'
cli-usage-conflict-others = the argument '{ $arg }' cannot be used with one or more of the other specified arguments
cli-usage-no-equals = equal sign is needed when assigning values to '{ $arg }'
cli-usage-too-many-values = unexpected value '{ $value }' for '{ $arg }' found; no more were expected
cli-usage-similar-subcommand = subcommand
cli-usage-similar-argument = argument
cli-usage-similar-value = value
cli-usage-did-you-mean = a similar { $what } exists: '{ $value }'
cli-usage-tip = tip:
cli-usage-more = For more information, try '--help'.
