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
