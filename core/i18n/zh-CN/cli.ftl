# `ch` 命令行给人看的输出（cli/src）。`--json` 保持英文。

error-prefix = 错误
# ch status
cli-status-overall = 总体：{ $level }
cli-status-headline = { $service }：{ $headline }
cli-status-listening = 正在监听 127.0.0.1:{ $port }（{ $who }{ $pid ->
        [none] {""}
       *[other] ，pid { $pid }
    }）
cli-status-other-proxy = —— 但它是 { $other } 的代理
cli-status-port-taken = 未运行；端口 { $port } 被其他程序占用
cli-status-port-free = 未运行（端口 { $port } 空闲）
cli-status-port-free-disabled = 未运行（端口 { $port } 空闲）；已在 settings.json 中禁用
cli-status-level = 状态：{ $level }
cli-status-active = 当前配置：{ $config }
cli-status-active-from-file = 当前配置：{ $config }（来自 config.json）
cli-status-no-active = 当前配置：无 —— 用 `ch config add NAME --base-url URL --auth-token - --{ $service }` 添加一个
cli-status-config-problem = 配置问题：{ $problem }
cli-status-settings-problem = 设置问题：{ $problem }
cli-status-live-error = 无法获取实时状态：{ $error }
cli-status-strategy = 策略：{ $strategy }
cli-status-requests = 请求：{ $total }（{ $errors } 个错误）
cli-status-in-flight = 进行中 { $now }/{ $cap }
cli-status-key = 密钥 { $key }
cli-status-not-observed = 尚未观测（代理未运行）
cli-status-cooling = 冷却中（还剩 { $seconds } 秒）
cli-status-exhausted = 额度已用完
cli-status-counts = { $state }，{ $requests } 个请求，{ $failures } 次失败
cli-status-last-error = 最近错误：{ $error }
cli-status-quota = 额度 { $url }{ $key }（来自 { $provider }）：{ $state }：{ $detail }
cli-status-client-points = 客户端：{ $client } 指向 { $where }（{ $file }）
cli-status-client-points-dead = 客户端：{ $client } 指向 { $where }（那里没有 codex-helper 应答）（{ $file }）
cli-status-a-local-proxy = 一个本地代理
cli-status-client-direct = 客户端：{ $client } 没有指向代理（{ $file }）；`ch switch on{ $flag }` 可以切换
cli-status-client-error = 客户端：无法读取其设置：{ $error }
cli-backup = 备份：{ $path }
# 上游后面的附注（ch config list/show、ch status）。
cli-note-protocol = 协议 { $protocol }
cli-note-models = 模型 { $pairs }
cli-note-headers = 请求头 { $pairs }
cli-status-ok = 正常
# ch doctor
cli-doctor-pass = 通过
cli-doctor-warn = 警告
cli-doctor-fail = 失败
cli-doctor-fix = 修复：{ $fix }
cli-doctor-summary = 通过 { $pass } 项，警告 { $warn } 项，失败 { $fail } 项
