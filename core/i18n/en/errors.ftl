# Core's typed errors as people read them (`ch`'s error line, the window).
# Each must say the same as the error's English `Display` (a test checks),
# which logs and `--json` keep using. Paths come with `~` for home.

# config/error.rs: ConfigError
err-config-io = cannot read/write { $path }: { $source }
# $place is `~/file:line:column: key: `, each part only where known.
err-config-parse = { $place }{ $message }. Fix the file by hand (it was not changed).
err-config-invalid = { $place }{ $message }
err-config-invalid-hint = { $place }{ $message } ({ $hint })
err-config-empty = { $path }: the file is empty (an interrupted edit or copy?); put its contents back, or delete it to start with no configs (`ch config add` also fills it)
err-config-unsupported-version = { $path }: version { $version } was written by a newer codex-helper (this one understands version { $current }); upgrade codex-helper (the file was not changed)
err-config-lock = cannot lock { $path }: { $source }

# config_edit: ConfigsError
err-configs-unknown-config = { $service } has no config named `{ $name }`; { $known }
err-configs-no-configs = there are no configs yet: add one with `ch config add NAME --base-url URL --auth-token -`
err-configs-existing = existing configs: { $names }
err-configs-loop = --base-url { $url } points at codex-helper's own { $owner } proxy (127.0.0.1:{ $port }); requests would loop back into the proxy forever. Use the relay's real URL (e.g. https://api.openai.com/v1)
err-configs-max-concurrent = --max-concurrent must be at least 1 (0 would let no request through); leave it out for no cap
err-configs-bad-tag = --tag `{ $tag }` is not KEY=VALUE with a non-empty KEY (e.g. --tag provider_id=openai)
err-configs-bad-key = the { $what } { $problem }; paste the key again (from stdin, use `--{ $what } -`)
err-configs-key-empty = is empty
err-configs-key-spaces = contains spaces or control characters
err-configs-key-unsendable = contains characters that can't be sent
err-configs-bad-name = the config name must not be empty or contain spaces or control characters (got `{ $name }`)
err-configs-unknown-upstream = { $service } config `{ $config }` has no upstream at { $url }; { $known }
err-configs-no-upstreams = it has no upstreams
err-configs-upstreams = its upstreams: { $urls }
err-configs-url-taken = { $service } config `{ $config }` already has an upstream at { $url } with the same key; edit or remove that one instead
err-configs-which-key = { $service } config `{ $config }` has several keys for { $url } ({ $keys }); say which one with --key-alias A or --index N
err-configs-unknown-key = config `{ $config }` has { $what } for { $url }; its keys there: { $keys }
err-configs-alias-taken = config `{ $config }` already has a key named `{ $alias }` (at { $url }); choose another --key-alias

# bootstrap.rs
err-bootstrap-nothing = { $message }; add one yourself with `ch config add NAME --base-url URL --auth-token KEY{ $flag }`

# undo.rs
err-undo-io = cannot read/write the kept versions under { $dir }: { $source }

# switch: SwitchError
err-switch-no-client-dir = { $dir } does not exist: { $client } does not seem to be installed or used yet; run `{ $command }` once (or create the directory) and try again
err-switch-parse = { $path }:{ $line }:{ $column }: { $message }. Fix the file by hand (it was not changed).
err-switch-shape = { $path }: `{ $key }` { $message } (the file was not changed)
err-switch-record = { $inner } (it records what `ch switch on` changed; if it is beyond repair, delete it and restore the client file from its .codex-helper.bak backup)

# usage/providers.rs
err-providers-parse = { $path }:{ $line }:{ $column }: { $key }{ $message }. Fix the file by hand (it was not changed).
err-providers-invalid = { $path }: { $key }: { $message }. Fix the file by hand (it was not changed).

# sessions
err-session-dir-not-found = project directory { $path } does not exist or cannot be read; give an existing directory
err-session-not-a-directory = { $path } is not a directory; give the project directory the sessions were started in
err-session-current-dir = cannot read the current directory ({ $source }); give the project directory explicitly
err-session-read = cannot read { $path } ({ $source }); check its permissions

# import
err-import-not-found = { $path }: not found; give the file with --db PATH
err-import-database = { $path }: cannot read it as cc-switch's database: { $message }

# backup
err-backup-not-backup = { $path }: not a codex-helper backup: { $message }
err-backup-unsupported-version = { $path }: backup version { $version } is newer than this codex-helper reads ({ $current }); upgrade codex-helper
err-backup-invalid = { $path }: { $part }: { $message }; nothing was written

# filter
err-filter-io = { $path }: cannot read: { $source }
err-filter-parse = { $path }:{ $line }:{ $column }: invalid JSON: { $message }
err-filter-rule-edit = rule { $number } ({ $field }): { $message }
err-filter-write = { $path }: cannot write: { $source }

# supervisor, serving
err-bind-taken = { $addr } is already served by codex-helper ({ $service } proxy run by the { $owner }, pid { $pid }); use that one, stop it, or pick another port
err-bind-busy = cannot listen on { $addr }: the port is in use by another program; stop it or pick another port (the { $service } default is { $port })
err-bind-io = cannot listen on { $addr }: { $source }
err-supervisor-service-off = the { $service } proxy is turned off; enable it in Settings first
err-supervisor-other-service = 127.0.0.1:{ $port } is served by codex-helper for { $other } (pid { $pid }); pick another port for { $service }
err-supervisor-proxy-stopped = the { $service } proxy stopped unexpectedly: { $message }
err-start-http = cannot create the HTTP client for upstreams: { $source }
err-tls = cannot set up TLS for upstreams: { $source }

# control
err-control-unauthorized = the proxy refused the control token (HTTP 401): it needs `Authorization: Bearer <token>` with the token from ~/.codex-helper/control_token; a proxy run under another user or HOME has another one
err-control-bad-request = not a request: { $reason }
err-control-version = the running codex-helper speaks control protocol v{ $server } and this program v{ $client }: { $advice }
err-control-version-restart = it was started before an update; restart it (Quit from the tray, or stop `ch serve`) so both are the same release
err-control-version-update = this program is older than the running codex-helper; update it (ch, codex-helper-window) to the same release, or restart both
err-control-unsupported = `{ $cmd }` is not answered here
err-control-unsupported-hint = `{ $cmd }` is not answered here: { $hint }
err-control-not-running = codex-helper is not running (nothing answers on { $at }); start it from the applications menu or with `codex-helper-app`
err-control-timeout = codex-helper did not answer within { $span }
err-control-io = cannot use { $at }: { $reason }
err-control-bad-reply = unexpected answer from codex-helper: { $reason }
err-control-unknown = an error this version of codex-helper does not know
err-token-io = cannot read/write the control token { $path }: { $source } (check that ~/.codex-helper is yours and writable)
err-token-random = the system gives no random bytes for the control token: { $source }

# autostart
err-autostart-write = cannot write the autostart entry { $file }: { $source } (check that ~/.config/autostart is writable)
err-autostart-remove = cannot remove the autostart entry { $file }: { $source } (check that ~/.config/autostart is writable)
err-offer-write = cannot write { $file }: { $source }

# small ones
err-no-home = cannot find your home directory: $HOME is not set; set HOME to the directory codex-helper should keep its files under
err-no-runtime = codex-helper's background tasks (config watcher, usage poller, proxies) need a tokio runtime; create the runtime inside one
err-unknown-lang = unknown language { $value }: use "en" or "zh-CN" (or "auto" in settings.json to follow the system locale)
err-unknown-service = unknown service `{ $value }`: expected `codex` or `claude`
err-tail = cannot read { $path }

# config/validate.rs: refused values (inside "file:line:col: key: …" or "--base-url …")
err-printable = contains the control character U+{ $code } (`{ $value }`); remove it
err-url-empty = is empty; expected a URL like { $good }
err-url-spaces = `{ $url }` has leading or trailing spaces; remove them (e.g. { $good })
err-url-invalid = `{ $url }` is not a valid URL ({ $reason }); expected something like { $good }
err-url-scheme = `{ $url }` uses scheme `{ $scheme }`; only http and https are supported (e.g. { $good })
err-url-no-host = `{ $url }` has no host; expected something like { $good }
err-url-credentials = `{ $url }` contains a user name or password; put the key in `auth.auth_token` instead and use a URL like { $good }
err-url-query = `{ $url }` has a query (`?...`); remove it (e.g. { $good })
err-url-fragment = `{ $url }` has a fragment (`#...`); remove it (e.g. { $good })
err-valid-name = is `{ $name }` but the config is stored under `{ $key }`
err-valid-name-hint = set "name" to "{ $key }" or rename the key
err-valid-percent = must be a percentage between 0 and 100
err-valid-percent-hint = edit the value in the file (95 and 80 are the defaults)
err-valid-edit-value = edit the value in the file
err-valid-model-map-hint = give both sides a model name, or remove the entry
err-valid-change-entry = change or remove the entry in the file
err-valid-max-concurrent = is 0, which would let no request through
err-valid-max-concurrent-hint = use at least 1, or remove the field for no cap
err-valid-change-value = change or remove the value in the file
err-valid-active-none = names `{ $active }`, but there are no { $service } configs
err-valid-active-unknown = names `{ $active }`, which is not one of: { $known }
err-valid-active-hint = run `ch config set-active NAME` or edit the key "{ $service }.active" (null for none)
err-key-alias-spaces = `{ $alias }` must not be empty or start or end with spaces

# config/settings.rs: refused values in settings.json
err-set-port-zero = must not be 0
err-set-port-zero-hint = use a free port, e.g. the default { $port }
err-set-same-port = is { $port } like codex.port; the two proxies need different ports
err-set-same-port-hint = change one of them
err-set-above-zero = must be greater than 0
err-set-at-least-one = must be at least 1
err-set-timeout-hint = a value in milliseconds, e.g. 5000
err-set-body-small = is { $value }, which is too small for any request
err-set-body-small-hint = use at least 1024; the default is 33554432 (32 MiB)
err-set-default = the default is { $value }
err-set-cooldown = is smaller than lb.cooldown_ms
err-set-cooldown-hint = the defaults are 30000 and 600000
err-set-wait-long = is { $value }, longer than the limit of { $limit } (10 minutes)
err-set-wait-long-hint = the default is 30000 (30 s); 0 answers at once
err-set-price-model = has an empty model name
err-set-price-model-hint = name the model as the upstream reports it
err-set-price = is { $value }; a price must be a number of dollars per million tokens, 0 or more
err-set-price-hint = e.g. "input": 1.25

# bootstrap.rs, live_settings.rs, backup/merge.rs
err-bootstrap-key-kind = is { $kind ->
        [boolean] a boolean
        [number] a number
        [list] a list
       *[object] an object
    }, not a string
err-bootstrap-key-hint = put the key in quotes, or run `codex login` again
err-settings-empty = the file is empty (an interrupted edit?); put its contents back, or delete it to use the defaults
err-import-changed = changed while the import was being planned
err-import-changed-hint = run the import again

# src-tauri: the window's own commands
err-window-not-a-session-id = `{ $id }` is not a session id
err-window-not-a-directory = { $path } is not a directory (was the project moved?)
err-window-terminal-failed = cannot start { $terminal }: { $error }
err-window-no-terminal = no terminal emulator found (tried { $tried }; set { $env } to yours); copy the command and run it yourself: { $command }
err-window-unknown-quota-kind = `{ $kind }` is not a kind this version asks
err-window-settings-not-applied = saved, but the running app could not apply it: { $error }

# config/extra_headers.rs, config/protocol.rs, config/model_map.rs: refused
# values, quoted after the flag or the file's key
err-header-bad-name = `{ $name }` is not a valid header name (letters, digits and `-`, e.g. X-Title)
err-header-not-allowed = `{ $name }` can't be set as an extra header: { $why }
err-header-why-credential = it carries the upstream's key; set the key with --auth-token / --api-key
err-header-why-proxy = the proxy sets it for every request
err-header-why-hop = it is a hop-by-hop header that belongs to one connection
err-header-value-control = `{ $name }` value { $message }
err-header-value-unsendable = `{ $name }` value can't be sent in an HTTP header; use plain text
err-header-not-pair = `{ $text }` is not `Name: value` (e.g. --header 'X-Title: My app')
err-header-no-name = `{ $text }` has no header name before `:` (e.g. --header 'X-Title: My app')
err-protocol-codex-anthropic = is `anthropic`, but Codex can only use `responses` (the default) or `chat` upstreams
err-protocol-claude-responses = is `responses`, but Claude Code can only use `anthropic` (the default) or `chat` upstreams
err-model-map-usage = use FROM=TO, e.g. --model-map gpt-5-codex=deepseek-chat (or *=deepseek-chat for every model)
err-model-map-no-equals = `{ $text }` has no `=`; { $usage }
err-model-map-no-from = `{ $text }` names no client model before `=`; { $usage }
err-model-map-no-to = `{ $text }` names no upstream model after `=`; { $usage }
err-model-map-empty-key = has an empty client model name as a key
err-model-map-empty-target = maps `{ $from }` to an empty model name
err-model-map-entry = entry `{ $from }` { $message }; give both a client and an upstream model name
err-model-map-entry-control = entry `{ $from }`: { $message }

# filter/edit.rs: a rule from the window's filter editor
err-filter-rule-empty-source = the text to match is empty; type the literal text this rule should find
err-filter-rule-target-keeps-source = contains the text it replaces, so the text is still sent; use a placeholder like [REDACTED]
