# `ch doctor`'s checks (core/src/doctor). Their `--json` `message` and `fix` stay
# English (t_both!); people read these.

doctor-config-missing = { $file } does not exist yet: no upstreams are configured
doctor-config-missing-fix = ch config add NAME --base-url URL --auth-token - (or run `ch` to import your client's login)
doctor-config-valid = { $file } is valid ({ $codex } codex, { $claude } claude configs)
doctor-edit-at-place = edit { $file } at the place named above
doctor-file-valid = { $file } is valid
doctor-settings-absent = { $file } is absent; using the defaults
doctor-file-absent-optional = { $file } is absent (optional)
doctor-cannot-read = cannot read { $file }: { $error }
doctor-check-owner = check the owner and mode of { $file }
doctor-fix-or-remove = fix { $file } or remove it
doctor-permissions-ok = ~/.codex-helper and its key files are private to you
doctor-permissions-loose = { $count ->
        [one] { $count } path is
       *[other] { $count } paths are
    } readable by other users (API keys may leak)
doctor-port-disabled = { $service } proxy is disabled in settings.json
doctor-port-free = port { $port } ({ $service }) is free
doctor-port-ours = port { $port } is served by codex-helper ({ $other } proxy, { $owner }, pid { $pid })
doctor-port-other = port { $port } ({ $service }) is held by another program, so the proxy cannot start
doctor-port-other-fix = stop that program (see `lsof -i :{ $port }`) or set { $service }.port in ~/.codex-helper/settings.json
doctor-codex-auth-ok = { $file } is present
doctor-codex-auth-missing = { $file } is missing: Codex has no login to import
doctor-codex-auth-fix = run `codex login`, or add a key with `ch config add NAME --base-url URL --auth-token -`
doctor-keys-no-config = no { $service } config: the proxy has nowhere to send requests
doctor-keys-unused = no { $service } configs (not used)
doctor-keys-no-upstreams = { $service } config `{ $config }` has no upstreams
doctor-keys-no-key = no upstream of { $service } config `{ $config }` has a key; relays will refuse requests
doctor-keys-ok = { $service } config `{ $config }`: { $keyed } of { $total } upstreams have a key
doctor-log-empty = no requests logged yet
doctor-log-not-record = the last line of { $file } is not a request record
doctor-log-not-record-fix = it will rotate away; nothing to do unless `ch usage` looks wrong
doctor-log-future = the newest logged request is { $minutes } min in the future: the clock moved back
doctor-log-future-fix = check the system clock (e.g. enable NTP); usage for the affected days may be off
doctor-log-ok = request log timestamps agree with the clock
doctor-online-no-client = cannot create an HTTP client
doctor-online-no-client-fix = report this as a bug
doctor-online-ok = { $url } is reachable (HTTP { $status })
doctor-online-fail = { $url } is unreachable: { $error }
doctor-online-fail-fix = check the URL, your network/VPN and DNS; or remove the upstream from config.json
doctor-protocol-wrong = { $url } does not answer { $path } (its protocol is { $protocol })
doctor-protocol-ok = { $url } answers { $path } (protocol { $protocol })
doctor-protocol-ok-bridge = { $url } answers { $path } (protocol { $protocol }, through the bridge)
doctor-client-fix-file = fix the file at the place named above
doctor-client-absent = { $client } is not set up here ({ $dir } is missing)
doctor-client-direct = { $client } talks to its upstream directly; `ch switch on{ $flag }` routes it through codex-helper
doctor-client-ok = { $client } points at the codex-helper proxy on 127.0.0.1:{ $port } ({ $owner }, pid { $pid })
doctor-client-wrong = { $client } points at 127.0.0.1:{ $port }, which is the { $other } proxy
doctor-client-dead = { $client } points at 127.0.0.1:{ $port } but no codex-helper answers there, so its requests fail
doctor-client-dead-fix = start the proxy with `ch{ $flag }` (or `ch serve{ $flag }`), or run { $off }
doctor-backup-no-record = { $client } points at a local proxy but codex-helper has no record of switching it, so { $off } cannot restore it
doctor-backup-no-record-fix = edit { $file } by hand to point { $client } where it should go
doctor-backup-delete-fix = delete it, then fix { $file } by hand
doctor-backup-created = { $file } did not exist before `switch on`; { $off } removes it again
doctor-backup-ok = { $off } can restore { $client }'s settings (backup { $backup })
doctor-backup-missing = the backup { $backup } is missing; { $off } will put back only the keys it changed
doctor-backup-missing-fix = nothing to do unless you want a full copy: keep one by hand before editing
doctor-leftovers-none = no temp files left by interrupted writes
doctor-leftovers = { $count ->
        [one] { $count } temp file
       *[other] { $count } temp files
    } left by interrupted writes (they may hold API keys): { $list }
doctor-leftovers-fix = start the proxy once (`ch serve`, `ch`, or the app) to remove them, or delete them by hand
