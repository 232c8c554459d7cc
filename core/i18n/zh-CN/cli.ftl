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
# ch switch
cli-switch-now-points = { $client } 现在指向 127.0.0.1:{ $port } 上的代理（{ $file }）
cli-switch-still-points = { $client } 仍指向 127.0.0.1:{ $port } 上的代理（{ $file }）
cli-switch-backup = 原文件的备份：{ $path }
cli-switch-no-file = 之前没有这个文件；`ch switch off` 会再删除它
cli-switch-no-proxy = 端口 { $port } 上还没有代理应答：用 `ch serve{ $flag } --port { $port }` 启动一个
cli-switch-off-not-switched = { $client } 不是由 codex-helper 切换的；无需操作（{ $file } 未改动）
cli-switch-off-backup = { $client } 已恢复：{ $file } 已原样还原
cli-switch-off-deleted = { $client } 已恢复：已删除 codex-helper 创建的 { $file }
cli-switch-off-gone = { $file } 已在此期间被删除；没有可恢复的内容
cli-switch-off-keys = { $client } 已恢复：已还原 { $file } 中的 { $keys }；你的其他修改保持不变
cli-switch-off-kept = 保留你修改后的值：{ $keys }
cli-switch-off-saved = 原文件仍保存为 { $path }
cli-switch-status-error = { $client }：错误：{ $error }
cli-switch-status-absent = { $client }：本机未安装（{ $dir } 不存在）
cli-switch-status-answers = codex-helper 在那里应答（{ $owner }，pid { $pid }）
cli-switch-status-no-answer = 但那里没有 codex-helper 代理应答
cli-switch-status-points = { $client }：指向 127.0.0.1:{ $port } 上的代理（{ $file }）；{ $proxy }
cli-switch-status-direct = { $client }：没有指向本地代理（{ $file }）
cli-switch-status-recorded = 由 codex-helper 切换：`ch switch off` 可以恢复
# 表头（ch usage、ch test）
cli-col-day = 日期
cli-col-service = 服务
cli-col-config = 配置
cli-col-upstream = 上游
cli-col-reqs = 请求
cli-col-errs = 错误
cli-col-in = 输入
cli-col-out = 输出
cli-col-reason = 推理
cli-col-total = 总计
cli-col-cost = 费用
cli-col-model = 模型
cli-col-source = 来源
cli-col-key = 密钥
cli-col-state = 状态
cli-col-windows = 窗口
cli-col-checked = 检查时间
cli-col-protocol = 协议
cli-col-status = 结果
cli-col-connect = 连接
# ch usage
cli-usage-today = 今天（{ $day }）
cli-usage-title = 用量，{ $span }，来自 { $log }
cli-usage-none = 这段时间没有请求
cli-usage-totals = 合计
cli-usage-unpriced = （{ $count } 个请求的模型没有价格，未计入）
cli-usage-total-line = { $requests } 个请求，{ $errors } 个错误，{ $tokens } 个 token（输入 { $input } / 输出 { $output } / 推理 { $reasoning }），{ $cost }
cli-usage-skipped = （{ $count } 行日志无法读取，已跳过）
cli-usage-skipped-at = （{ $count } 行日志无法读取，已跳过，第一行在 { $at }）
cli-usage-quota-problem = 额度：{ $problem }
cli-usage-quota-never = 额度：还没有代理查询过用量提供方（运行中的 `ch serve` 会按 usage_providers.json 查询）
cli-usage-quota-nomatch = 额度：当前配置的上游都不匹配任何用量提供方的域名（截至 { $age }）
cli-usage-quota-title = 额度（截至 { $age }）：
cli-usage-checked = 检查于 { $age }
cli-quota-exhausted = 已用完
cli-quota-ok = 正常
cli-quota-warning = 警告
cli-quota-unknown = 未知
cli-quota-spent = 已花费 ${ $spent } / ${ $budget }
cli-quota-no-answer = 还没有答复
cli-age-seconds = { $n } 秒前
cli-age-minutes = { $n } 分钟前
cli-age-hours = { $n } 小时前
cli-usage-days-zero = --days 至少为 1（1 表示只看今天）
cli-cannot-read = 无法读取 { $path }
# ch config
cli-config-none = 还没有 { $service } 配置。添加一个：ch config add NAME --base-url URL --auth-token - --{ $service }
cli-config-list-line = { $mark } { $name }{ $alias } — { $count } 个上游{ $strategy }{ $hosts }
cli-config-active = 当前使用
cli-config-not-active = 未使用
cli-config-show-head = { $name }{ $alias } — { $service }，{ $state }，策略 { $strategy }
cli-config-no-upstreams = 没有上游
cli-config-no-key = 无密钥
cli-config-tags = 标签 { $tags }
cli-config-key = 密钥 { $key }
cli-config-added-key = 已把这个 URL 的第 { $n } 个密钥作为上游 [{ $index }] 添加到 { $service } 配置 `{ $config }`
cli-config-added = 已把上游 [{ $index }] 添加到 { $service } 配置 `{ $config }`
cli-config-updated = 已更新 { $service } 配置 `{ $config }` 中上游 [{ $index }] 的密钥
cli-config-unchanged = { $service } 配置 `{ $config }` 已有这个上游 [{ $index }]
cli-config-many-keys = 这个 URL 现在有 { $n } 个密钥；策略为 { $strategy }（修改：ch config strategy { $config } round-robin）。如果想替换密钥，请加 --replace 重新添加。
cli-config-created = 已创建配置 `{ $config }`。
cli-config-now-active = `{ $config }` 现在是当前的 { $service } 配置。
cli-config-paste-key = 粘贴 { $flag } 的密钥后按回车：
cli-config-cannot-read-key = 无法从标准输入读取 { $flag }
cli-config-no-key-on-stdin = { $flag } -：标准输入没有给出密钥；请用管道传入，例如 `printf %s "$KEY" | ch config add …`
cli-config-already-active = `{ $config }` 已经是当前的 { $service } 配置。
cli-config-active-now = 当前 { $service } 配置现在是 `{ $config }`；运行中的代理会在一秒内跟上。
cli-config-active-now-was = 当前 { $service } 配置现在是 `{ $config }`（原为 `{ $previous }`）；运行中的代理会在一秒内跟上。
cli-config-removed = 已删除 { $service } 配置 `{ $config }`（{ $count } 个上游）。
cli-config-removed-next = 它原来是当前配置；现在当前的 { $service } 配置是 `{ $next }`。
cli-config-removed-none = 它原来是当前配置；已没有 { $service } 配置，所以没有当前配置。
cli-config-upstream-removed = 已从 { $service } 配置 `{ $config }` 删除上游 [{ $index }] { $url }（密钥 { $key }）；剩余 { $count } 个上游。
cli-config-strategy-same = { $service } 配置 `{ $config }` 已经在用 { $strategy }。
cli-config-strategy-changed = { $service } 配置 `{ $config }` 现在使用 { $strategy }（原为 { $previous }）；运行中的代理会在一秒内跟上。
cli-config-undone = 已把 { $file } 恢复到 { $at } 修改之前的样子（还保留 { $remaining } 个更早的版本）
cli-config-nothing-to-undo = 没有可撤销的：{ $dir } 下没有保存 { $file } 的更早版本
# ch default
cli-default-not-set = { $service }（未设置；默认是 Codex）
# ch import
cli-import-confirm = 把这些导入 config.json？
cli-import-added = 已向 { $file } 添加 { $count } 个配置
cli-import-now-active = { $config } 现在是当前配置
cli-import-undo = 可用 `ch config undo` 撤销
cli-import-from = 来自 { $file }（{ $format }）：
cli-import-key-none = 无
cli-import-key = 密钥 { $key }
cli-import-more = （另有 { $count } 个上游）
cli-import-current = （{ $tool } 中的当前配置）
cli-import-skipped = 未导入：{ $app } `{ $name }`：{ $reason }
cli-import-nothing = 没有可导入的内容
cli-confirm-no-terminal = 标准输入不是终端，无法在写入前询问；请加 --yes 重新运行，不询问直接导入
cli-confirm-prompt = { $question } [y/N] 
cli-confirm-declined = 没有导入任何内容（回答 y 导入，或加 --yes）
# ch export / ch import FILE
cli-export-wrote = 已写入 { $file }：{ $configs } 个配置、{ $upstreams } 个上游、{ $filters } 条过滤规则、{ $providers } 个用量提供方
cli-export-with-settings = ，以及设置
cli-export-with-keys = 它包含你的密钥：已以 0600 权限写入；请妥善保管
cli-export-without-keys = 未包含密钥（加 --with-keys 可包含）
cli-backup-replace-q = 用这些替换你的文件？
cli-backup-merge-q = 把这些合并到你的文件中？
cli-backup-wrote = 已写入 { $files }
cli-backup-undo = 可用 `ch config undo` 撤销 config.json 的修改；每个被写入文件的旧版本都保存在 { $dir }
cli-backup-from-replace = 来自 { $file }（替换）：
cli-backup-from-merge = 来自 { $file }（合并）：
cli-backup-what-config = 配置
cli-backup-what-upstream = 上游
cli-backup-what-filter = 过滤规则
cli-backup-what-provider = 用量提供方
cli-backup-what-setting = 设置
cli-backup-no-key = 无密钥：{ $upstream }（备份里没有，已保存的上游也没有匹配的；请用 `ch config` 添加）
cli-backup-nothing = 没有需要修改的内容
# ch bootstrap
cli-bootstrap-has-config = { $service } 在 { $file } 中已有配置；未导入任何内容
cli-bootstrap-imported = 已从 { $source } 导入 { $service } 配置 `{ $config }`（现为当前配置）
cli-bootstrap-no-key = 无密钥
# ch session
cli-session-no-message = （还没有消息）
cli-session-last = { $dir } 中最近的 { $service } 会话
cli-session-id = id：      { $id }
cli-session-dir = 目录：    { $dir }
cli-session-started = 开始：    { $started }（最后活动 { $active }）
cli-session-first = 首条：    { $message }
cli-session-file = 文件：    { $file }
cli-session-none = 没有找到 { $dir } 的 { $service } 会话（查找位置：{ $root }）。
# ch test
cli-test-none = 当前配置中没有可测试的 { $service } 上游；添加一个：ch config add NAME --base-url URL --auth-token - --{ $service }
cli-test-none-all = 所有配置中都没有可测试的 { $service } 上游；添加一个：ch config add NAME --base-url URL --auth-token - --{ $service }
# ch logs
cli-logs-none = 还没有记录任何请求（{ $file } 不存在）
cli-logs-bad-line = { $place }：有一行不是日志记录（{ $error }），已跳过：{ $excerpt }
# ch serve、不带子命令的 ch
cli-serve-cannot-listen = 无法在 { $addr } 上监听
cli-serve-pointed = codex-helper：{ $client } 现在指向代理（{ $file }）；按 Ctrl+C 会恢复
cli-serve-adopted = codex-helper：上一次运行（pid { $pid }）结束时没有恢复 { $client }；这次运行会恢复它
cli-serve-restored = codex-helper：{ $client } 的设置已恢复（{ $file }）
cli-serve-restore-failed = codex-helper：无法恢复 { $client } 的设置：{ $error }；请运行 `ch switch off{ $flag }`
cli-serve-stopping = codex-helper：正在停止（最多等待 { $seconds } 秒，让进行中的响应完成）…
cli-serve-still-streaming = codex-helper：仍有响应在流式传输；正在关闭
cli-serve-config = 配置 `{ $config }`（{ $count } 个上游）
cli-serve-no-config = 还没有当前配置：在 { $file } 中添加带上游的 `{ $service }` 配置（无需重启即可生效）
cli-serve-listening = codex-helper：{ $service } 代理正在监听 http://{ $addr } → { $serving }
cli-serve-loop = 上游 { $url } 指向这个代理自身，将被跳过；请在 ~/.codex-helper/config.json 中修正它的 base_url
cli-serve-taken-by-helper = { $addr } 已由 codex-helper 提供服务（{ $owner } 运行的 { $service } 代理，pid { $pid }）；请使用它、停止它，或用 --port N 换一个端口
cli-serve-busy = 无法在 { $addr } 上监听：端口被其他程序占用；请停止它，或用 --port N 换一个端口（{ $service } 默认端口为 { $port }）
cli-oneshot-owner-app = 桌面应用
cli-oneshot-owner-ch = 另一个 ch
cli-oneshot-reusing = codex-helper：127.0.0.1:{ $port } 已由{ $owner }提供服务（pid { $pid }）；直接复用。{ $client } 现在指向它。
cli-oneshot-reusing-already = codex-helper：127.0.0.1:{ $port } 已由{ $owner }提供服务（pid { $pid }）；直接复用。{ $client } 已经指向它。
cli-oneshot-other-service = 127.0.0.1:{ $port } 由 codex-helper 为 { $other } 提供服务（pid { $pid }）；请用 --port N 为 { $service } 换一个端口
cli-oneshot-imported = codex-helper：已从 { $source } 导入配置 `{ $config }`：{ $url }（密钥 { $key }）
cli-oneshot-key-none = 无
cli-oneshot-nothing-to-import = codex-helper：还没有配置，也没有可导入的内容：{ $error }
cli-oneshot-cannot-point = codex-helper：警告：无法让 { $client } 指向代理：{ $error }
# ch config undo --codex|--claude
cli-config-undone-service = 已把 { $file } 中 { $service } 的部分恢复到 { $at } 修改之前的样子（还保留 { $remaining } 个更早的版本）
cli-config-undo-active = 当前配置 { $config }
cli-config-nothing-to-undo-service = 没有可撤销的：{ $dir } 下没有保存 { $file } 中 { $service } 部分的更早版本
# ch import（工具名）
cli-import-tool-original = 原版 codex-helper
