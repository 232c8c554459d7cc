# 各处共用的词。每个领域一个文件（common、cli、tray、notify……），
# 每种语言的目录里有同样的 id 和同样的变量。

service-codex = Codex
service-claude = Claude
requests-count = { $count } 个请求

# 时长（core/src/usage/window.rs 的 `span`）。
span-seconds = { $s } 秒
span-minutes = { $min } 分钟
span-hours = { $h } 小时 { $min } 分钟
span-days = { $d } 天 { $h } 小时

# 用文字描述的额度窗口（core/src/usage/window.rs 的 `describe`）；
# $unit 有值时以空格开头。
quota-window-pct-used = { $name } 已用 { $pct }%
quota-window-used-of = { $name } 已用 { $used } / { $limit }{ $unit }（剩余 { $left }%）
quota-window-used-no-limit = { $name } 已用 { $used }{ $unit }（无上限）
quota-window-resets-in = ，{ $span } 后重置
quota-window-reset-since = ，已重置

# 服务或整个应用的状态（`ch status`、托盘）；`--json` 仍用英文词。
level-off = 未运行
level-serving = 服务中
level-degraded = 降级
level-down = 不可用
# 谁在运行代理。
owner-app = 桌面应用
owner-cli = CLI
