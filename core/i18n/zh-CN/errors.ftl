# core 的类型化错误，给人读的说法（`ch` 的错误行、窗口）。英文版与错误的
# `Display` 一字不差（有测试检查），日志和 `--json` 仍用英文。路径中的家目录写作 `~`。

# config/error.rs：ConfigError
err-config-io = 无法读写 { $path }：{ $source }
# $place 是 `~/文件:行:列: 键: `，各部分只在已知时出现。
err-config-parse = { $place }{ $message }。请手动修正该文件（文件未被改动）。
err-config-invalid = { $place }{ $message }
err-config-invalid-hint = { $place }{ $message }（{ $hint }）
err-config-empty = { $path }：文件是空的（编辑或复制被中断了？）；请恢复其内容，或删除它以从零个配置开始（`ch config add` 也会写入它）
err-config-unsupported-version = { $path }：版本 { $version } 由更新的 codex-helper 写入（本版本只认识版本 { $current }）；请升级 codex-helper（文件未被改动）
err-config-lock = 无法锁定 { $path }：{ $source }

# config_edit：ConfigsError
err-configs-unknown-config = { $service } 没有名为 `{ $name }` 的配置；{ $known }
err-configs-no-configs = 还没有任何配置：用 `ch config add NAME --base-url URL --auth-token -` 添加一个
err-configs-existing = 现有配置：{ $names }
err-configs-loop = --base-url { $url } 指向 codex-helper 自己的 { $owner } 代理（127.0.0.1:{ $port }）；请求会无限循环回代理。请使用中转站的真实 URL（例如 https://api.openai.com/v1）
err-configs-max-concurrent = --max-concurrent 至少为 1（0 会让任何请求都无法通过）；不限制请省略该选项
err-configs-bad-tag = --tag `{ $tag }` 不是 KEY 非空的 KEY=VALUE 形式（例如 --tag provider_id=openai）
err-configs-bad-key = { $what } { $problem }；请重新粘贴密钥（从 stdin 读取请用 `--{ $what } -`）
err-configs-key-empty = 为空
err-configs-key-spaces = 含有空格或控制字符
err-configs-key-unsendable = 含有无法发送的字符
err-configs-bad-name = 配置名不能为空，也不能含有空格或控制字符（收到的是 `{ $name }`）
err-configs-unknown-upstream = { $service } 配置 `{ $config }` 在 { $url } 没有上游；{ $known }
err-configs-no-upstreams = 它没有任何上游
err-configs-upstreams = 它的上游：{ $urls }
err-configs-url-taken = { $service } 配置 `{ $config }` 在 { $url } 已有一个使用相同密钥的上游；请编辑或删除那一个
err-configs-which-key = { $service } 配置 `{ $config }` 在 { $url } 有多个密钥（{ $keys }）；请用 --key-alias A 或 --index N 指明是哪一个
err-configs-unknown-key = 配置 `{ $config }` 在 { $url } 有 { $what }；它在那里的密钥：{ $keys }
err-configs-alias-taken = 配置 `{ $config }` 已有名为 `{ $alias }` 的密钥（在 { $url }）；请换一个 --key-alias

# bootstrap.rs
err-bootstrap-nothing = { $message }；请自己添加一个：`ch config add NAME --base-url URL --auth-token KEY{ $flag }`

# undo.rs
err-undo-io = 无法读写 { $dir } 下保存的历史版本：{ $source }

# switch：SwitchError
err-switch-no-client-dir = { $dir } 不存在：{ $client } 似乎还没有安装或使用过；请先运行一次 `{ $command }`（或创建该目录）再试
err-switch-parse = { $path }:{ $line }:{ $column }: { $message }。请手动修正该文件（文件未被改动）。
err-switch-shape = { $path }：`{ $key }` { $message }（文件未被改动）
err-switch-record = { $inner }（它记录了 `ch switch on` 改动了什么；如果已无法修复，请删除它，并用客户端文件的 .codex-helper.bak 备份恢复该文件）

# usage/providers.rs
err-providers-parse = { $path }:{ $line }:{ $column }: { $key }{ $message }。请手动修正该文件（文件未被改动）。
err-providers-invalid = { $path }: { $key }: { $message }。请手动修正该文件（文件未被改动）。

# sessions
err-session-dir-not-found = 项目目录 { $path } 不存在或无法读取；请给出一个已存在的目录
err-session-not-a-directory = { $path } 不是目录；请给出启动这些会话时所在的项目目录
err-session-current-dir = 无法读取当前目录（{ $source }）；请明确给出项目目录
err-session-read = 无法读取 { $path }（{ $source }）；请检查其权限

# import
err-import-not-found = { $path }：未找到；请用 --db PATH 指定该文件
err-import-database = { $path }：无法作为 cc-switch 的数据库读取：{ $message }

# backup
err-backup-not-backup = { $path }：不是 codex-helper 的备份：{ $message }
err-backup-unsupported-version = { $path }：备份版本 { $version } 比本 codex-helper 能读取的（{ $current }）更新；请升级 codex-helper
err-backup-invalid = { $path }：{ $part }：{ $message }；没有写入任何内容

# filter
err-filter-io = { $path }：无法读取：{ $source }
err-filter-parse = { $path }:{ $line }:{ $column }: JSON 无效：{ $message }
err-filter-rule-edit = 第 { $number } 条规则（{ $field }）：{ $message }
err-filter-write = { $path }：无法写入：{ $source }

# supervisor, serving
err-bind-taken = { $addr } 已由 codex-helper 提供服务（{ $owner }运行的 { $service } 代理，pid { $pid }）；请使用它、停止它，或换一个端口
err-bind-busy = 无法监听 { $addr }：端口被另一个程序占用；请停止该程序或换一个端口（{ $service } 的默认端口是 { $port }）
err-bind-io = 无法监听 { $addr }：{ $source }
err-supervisor-service-off = { $service } 代理已关闭；请先在设置中启用它
err-supervisor-other-service = 127.0.0.1:{ $port } 已由 { $other } 的 codex-helper 占用（pid { $pid }）；请为 { $service } 换一个端口
err-supervisor-proxy-stopped = { $service } 代理意外停止：{ $message }
err-start-http = 无法创建访问上游的 HTTP 客户端：{ $source }
err-tls = 无法为上游设置 TLS：{ $source }

# control
err-control-unauthorized = 代理拒绝了控制令牌（HTTP 401）：它需要 `Authorization: Bearer <token>`，令牌来自 ~/.codex-helper/control_token；以其他用户或其他 HOME 运行的代理有另一个令牌
err-control-bad-request = 不是一个请求：{ $reason }
err-control-version = 正在运行的 codex-helper 使用控制协议 v{ $server }，本程序使用 v{ $client }：{ $advice }
err-control-version-restart = 它是在更新之前启动的；请重启它（从托盘退出，或停止 `ch serve`），使两者为同一版本
err-control-version-update = 本程序比正在运行的 codex-helper 旧；请把它（ch、codex-helper-window）更新到同一版本，或重启两者
err-control-unsupported = 这里不响应 `{ $cmd }`
err-control-unsupported-hint = 这里不响应 `{ $cmd }`：{ $hint }
err-control-not-running = codex-helper 没有运行（{ $at } 上没有响应）；请从应用菜单或用 `codex-helper-app` 启动它
err-control-timeout = codex-helper 在 { $span } 内没有响应
err-control-io = 无法使用 { $at }：{ $reason }
err-control-bad-reply = codex-helper 的回答不符合预期：{ $reason }
err-control-unknown = 这一版本的 codex-helper 不认识的错误
err-token-io = 无法读写控制令牌 { $path }：{ $source }（请检查 ~/.codex-helper 属于你且可写）
err-token-random = 系统无法为控制令牌提供随机字节：{ $source }

# autostart
err-autostart-write = 无法写入自启动项 { $file }：{ $source }（请检查 ~/.config/autostart 可写）
err-autostart-remove = 无法删除自启动项 { $file }：{ $source }（请检查 ~/.config/autostart 可写）
err-offer-write = 无法写入 { $file }：{ $source }

# small ones
err-no-home = 找不到你的家目录：没有设置 $HOME；请把 HOME 设为 codex-helper 存放文件的目录
err-no-runtime = codex-helper 的后台任务（配置监视、用量轮询、代理）需要 tokio 运行时；请在运行时内创建
err-unknown-lang = 未知语言 { $value }：请使用 "en" 或 "zh-CN"（或在 settings.json 中用 "auto" 跟随系统语言环境）
err-unknown-service = 未知服务 `{ $value }`：应为 `codex` 或 `claude`
err-tail = 无法读取 { $path }

# config/validate.rs：被拒绝的值（出现在 "文件:行:列: 键: …" 或 "--base-url …" 之后）
err-printable = 含有控制字符 U+{ $code }（`{ $value }`）；请删除它
err-url-empty = 为空；应为类似 { $good } 的 URL
err-url-spaces = `{ $url }` 开头或结尾有空格；请删除（例如 { $good }）
err-url-invalid = `{ $url }` 不是有效的 URL（{ $reason }）；应类似 { $good }
err-url-scheme = `{ $url }` 使用的协议是 `{ $scheme }`；只支持 http 和 https（例如 { $good }）
err-url-no-host = `{ $url }` 没有主机名；应类似 { $good }
err-url-credentials = `{ $url }` 含有用户名或密码；请把密钥放进 `auth.auth_token`，并使用类似 { $good } 的 URL
err-url-query = `{ $url }` 带有查询参数（`?...`）；请删除（例如 { $good }）
err-url-fragment = `{ $url }` 带有片段（`#...`）；请删除（例如 { $good }）
err-valid-name = 是 `{ $name }`，但该配置存放在 `{ $key }` 下
err-valid-name-hint = 把 "name" 设为 "{ $key }"，或重命名这个键
err-valid-percent = 必须是 0 到 100 之间的百分比
err-valid-percent-hint = 请在文件中修改该值（默认值是 95 和 80）
err-valid-edit-value = 请在文件中修改该值
err-valid-model-map-hint = 两边都写上模型名，或删除该条目
err-valid-change-entry = 请在文件中修改或删除该条目
err-valid-max-concurrent = 为 0，这样任何请求都无法通过
err-valid-max-concurrent-hint = 至少设为 1，或删除该字段表示不限制
err-valid-change-value = 请在文件中修改或删除该值
err-valid-active-none = 指向 `{ $active }`，但还没有任何 { $service } 配置
err-valid-active-unknown = 指向 `{ $active }`，它不在以下配置中：{ $known }
err-valid-active-hint = 运行 `ch config set-active NAME`，或编辑键 "{ $service }.active"（null 表示不设置）
err-key-alias-spaces = `{ $alias }` 不能为空，也不能以空格开头或结尾

# config/settings.rs：settings.json 中被拒绝的值
err-set-port-zero = 不能为 0
err-set-port-zero-hint = 请使用一个空闲端口，例如默认的 { $port }
err-set-same-port = 是 { $port }，与 codex.port 相同；两个代理需要不同的端口
err-set-same-port-hint = 请修改其中一个
err-set-above-zero = 必须大于 0
err-set-at-least-one = 至少为 1
err-set-timeout-hint = 以毫秒为单位的值，例如 5000
err-set-body-small = 是 { $value }，对任何请求来说都太小
err-set-body-small-hint = 至少设为 1024；默认值是 33554432（32 MiB）
err-set-default = 默认值是 { $value }
err-set-cooldown = 小于 lb.cooldown_ms
err-set-cooldown-hint = 默认值分别是 30000 和 600000
err-set-wait-long = 是 { $value }，超过了上限 { $limit }（10 分钟）
err-set-wait-long-hint = 默认值是 30000（30 秒）；0 表示立即答复
err-set-price-model = 模型名为空
err-set-price-model-hint = 按上游报告的名字写模型名
err-set-price = 是 { $value }；价格必须是每百万 token 的美元数，0 或以上
err-set-price-hint = 例如 "input": 1.25

# bootstrap.rs、live_settings.rs、backup/merge.rs
err-bootstrap-key-kind = 是{ $kind ->
        [boolean] 布尔值
        [number] 数字
        [list] 列表
       *[object] 对象
    }，不是字符串
err-bootstrap-key-hint = 请给密钥加上引号，或重新运行 `codex login`
err-settings-empty = 文件是空的（编辑被中断了？）；请恢复其内容，或删除它以使用默认值
err-import-changed = 在规划导入期间被修改了
err-import-changed-hint = 请重新运行导入

# src-tauri：窗口自己的命令
err-window-not-a-session-id = `{ $id }` 不是会话 id
err-window-not-a-directory = { $path } 不是目录（项目被移动了吗？）
err-window-terminal-failed = 无法启动 { $terminal }：{ $error }
err-window-no-terminal = 没有找到终端模拟器（试过 { $tried }；把 { $env } 设为你的终端）；请复制这条命令自己运行：{ $command }
err-window-unknown-quota-kind = 这个版本不会查询 `{ $kind }` 这种类型
err-window-settings-not-applied = 已保存，但正在运行的应用无法应用它：{ $error }

# config/extra_headers.rs、config/protocol.rs、config/model_map.rs：被拒绝的取值，跟在选项或文件的键之后
err-header-bad-name = `{ $name }` 不是有效的请求头名称（字母、数字和 `-`，例如 X-Title）
err-header-not-allowed = `{ $name }` 不能设为额外请求头：{ $why }
err-header-why-credential = 它携带上游的密钥；请用 --auth-token / --api-key 设置密钥
err-header-why-proxy = 代理会为每个请求设置它
err-header-why-hop = 它是逐跳请求头，只属于一个连接
err-header-value-control = `{ $name }` 的值{ $message }
err-header-value-unsendable = `{ $name }` 的值无法放进 HTTP 请求头；请用纯文本
err-header-not-pair = `{ $text }` 不是 `Name: value` 的形式（例如 --header 'X-Title: My app'）
err-header-no-name = `{ $text }` 在 `:` 前面没有请求头名称（例如 --header 'X-Title: My app'）
err-protocol-codex-anthropic = 是 `anthropic`，但 Codex 只能使用 `responses`（默认）或 `chat` 上游
err-protocol-claude-responses = 是 `responses`，但 Claude Code 只能使用 `anthropic`（默认）或 `chat` 上游
err-model-map-usage = 请用 FROM=TO 的形式，例如 --model-map gpt-5-codex=deepseek-chat（或用 *=deepseek-chat 匹配所有模型）
err-model-map-no-equals = `{ $text }` 中没有 `=`；{ $usage }
err-model-map-no-from = `{ $text }` 在 `=` 前面没有写客户端模型；{ $usage }
err-model-map-no-to = `{ $text }` 在 `=` 后面没有写上游模型；{ $usage }
err-model-map-empty-key = 用空的客户端模型名作键
err-model-map-empty-target = 把 `{ $from }` 映射到了空的模型名
err-model-map-entry = 条目 `{ $from }` {$message}；请同时写出客户端模型名和上游模型名
err-model-map-entry-control = 条目 `{ $from }`：{ $message }

# filter/edit.rs：窗口过滤规则编辑器中的一条规则
err-filter-rule-empty-source = 要匹配的文本为空；请输入这条规则要查找的原文
err-filter-rule-target-keeps-source = 替换后的文本里仍包含被替换的文本，所以它还是会被发送；请用占位符，例如 [REDACTED]
