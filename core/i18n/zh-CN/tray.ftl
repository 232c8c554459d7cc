# 托盘图标：菜单和悬停提示（agent/src/tray.rs）。

tray-starting = codex-helper 正在启动…
tray-open-window = 打开窗口
tray-quit = 退出
tray-no-configs = 还没有配置：请在窗口中添加
tray-speed-test = 测试上游（测速）
tray-route = 让 { $service } 走代理
tray-no-config = 无配置
tray-service-off = { $service }：已关闭
tray-service-failed = { $service }：未在服务 — { $message }
tray-service-by-cli = { $service }：由 `ch serve`（pid { $pid }）在 :{ $port } 提供服务
tray-service-serving = { $service }：服务中 :{ $port } · { $config } · { $health }
tray-health-none = 没有上游
tray-health-all = 所有上游正常
tray-health-down = 所有上游均不可用
tray-health-some = { $total } 个上游中 { $ok } 个正常
tray-up-ok = 正常
tray-up-unknown = 尚未观测
tray-up-exhausted = 额度已用完
tray-up-cooling = 冷却中
tray-up-cooling-for = 冷却中，还剩 { $seconds } 秒
tray-quota-budget-left = 预算剩余 { $pct }%
tray-quota-window-used = { $window } 已用 { $pct }%
# 第二次启动时在终端上的提示（agent/src/run.rs）。
tray-already-running = codex-helper 已在运行
tray-already-running-showing = codex-helper 已在运行；正在显示它的窗口
