# The tray icon: its menu and tooltip (agent/src/tray.rs).

tray-starting = codex-helper is starting…
tray-open-window = Open window
tray-quit = Quit
tray-no-configs = No configs yet: add one in the window
tray-speed-test = Test upstreams (speed)
tray-route = Route { $service } through proxy
tray-no-config = no config
tray-service-off = { $service }: off
tray-service-failed = { $service }: not serving — { $message }
tray-service-by-cli = { $service }: served by `ch serve` (pid { $pid }) on :{ $port }
tray-service-serving = { $service }: serving :{ $port } · { $config } · { $health }
tray-health-none = no upstreams
tray-health-all = all upstreams ok
tray-health-down = every upstream unavailable
tray-health-some = { $ok } of { $total } upstreams ok
tray-up-ok = ok
tray-up-unknown = not observed
tray-up-exhausted = out of quota
tray-up-cooling = cooling down
tray-up-cooling-for = cooling down { $seconds }s
tray-quota-budget-left = { $pct }% of budget left
tray-quota-window-used = { $window } { $pct }% used
# On the terminal of a second start (agent/src/run.rs).
tray-already-running = codex-helper is already running
tray-already-running-showing = codex-helper is already running; showing its window
