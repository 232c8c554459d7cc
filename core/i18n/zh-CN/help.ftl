# `ch --help` 的中文（英文来自 cli/src/args.rs 的文档注释，没有英文文件）。
# 每个命令一条 `help-<路径>`：值是简介，`.long` 是详细简介，`.arg-<id>` 是选项说明。
# `help-common` 是许多命令共用的选项。cli 的测试会检查每个命令和选项都有中文，
# 并且这里的每一项都对应真实存在的命令或选项。

help-headings =
    .usage = {"用法: "}
    .commands = 命令
    .arguments = 参数
    .options = 选项

help-common =
    .codex = Codex（默认端口 3211）
    .claude = Claude Code（默认端口 3210）
    .json = 机器可读的输出（stdout 上的一个 JSON 文档）
    .verbose = 在 stderr 上输出更多诊断信息（-v、-vv）。`CODEX_HELPER_LOG` 优先
    .help = 显示帮助
    .help-more = 显示帮助（用 '--help' 查看更多）
    .help-more-long = 显示帮助（用 '-h' 查看摘要）
    .version = 显示版本

help-ch = codex-helper：Codex CLI 和 Claude Code 的本地代理，在你的中转站和密钥之间故障转移，过滤请求体并记录用量
    .long = codex-helper：Codex CLI 和 Claude Code 的本地代理，在你的中转站和密钥之间故障转移，过滤请求体并记录用量。

        不带命令时：如果还没有配置，就从客户端的登录信息建立一个，把客户端指向代理并开始服务；按 Ctrl+C 后再把客户端指回去。
    .arg-port = 监听这个回环端口，而不是该服务配置的端口（0：由系统挑选一个空闲端口，启动行里会写明）
    .arg-json = 把启动行作为一行 JSON 输出到 stdout，`{"{"}"listening":"127.0.0.1:PORT","service":"codex"{"}"}`（其他消息输出到 stderr）

help-serve = 在前台运行本地代理（Ctrl+C 停止）
    .arg-port = 监听这个回环端口，而不是该服务配置的端口（0：由系统挑选一个空闲端口，启动行里会写明）
    .arg-json = 把启动行作为一行 JSON 输出到 stdout，`{"{"}"listening":"127.0.0.1:PORT","service":"codex"{"}"}`（其他消息输出到 stderr）

help-switch = 把客户端（Codex / Claude Code）指向代理，或指回去
help-switch-on = 把客户端指向本地代理（先保留备份）
    .arg-port = 客户端应使用的代理端口（默认：该服务的端口）
help-switch-off = 准确还原 `switch on` 改动的内容
help-switch-status = 按服务显示：客户端是否指向代理，是否有代理在响应？

help-config = 管理配置：有名字、有顺序的上游列表（中转站 + 密钥）
help-config-undo = 把 config.json 恢复到上一次修改之前（重复执行可继续回退；保留 settings.json 中 `history.keep` 个版本）。带 --codex 或 --claude 时只撤销该服务的上一次修改：另一个服务的部分保持不变
help-config-list = 列出一个服务的配置（密钥已遮盖）
help-config-add = 向配置 NAME 追加一个上游，需要时创建该配置。已有的 URL 配上不同的密钥时，会把该密钥加入密钥池（--replace 则替换密钥）
    .arg-name = 要添加上游的配置
    .arg-base_url = 中转站的 base URL，例如 https://api.openai.com/v1
    .arg-auth_token = 以 `Authorization: Bearer` 发送的密钥。用 `-` 从 stdin 读取
    .arg-api_key = 以 `x-api-key`（Claude）/ Bearer（Codex）发送的密钥。用 `-` 从 stdin 读取
    .arg-alias = 配置的说明文字
    .arg-tags = 上游上的一个 `key=value` 标签（可重复）
    .arg-protocol = 上游使用的 API：responses（Codex 自己的，--codex 的默认值）、anthropic（--claude 的默认值）或 chat（OpenAI Chat Completions，为 Codex 桥接）
    .arg-model_map = 把客户端的模型 FROM 以 TO 发给这个上游（可重复）；`*=TO` 映射所有没有单独条目的模型
    .arg-headers = 每个发往该上游的请求都带上的额外请求头，例如 'x-portkey-provider: openai'（可重复）
    .arg-max_concurrent = 该上游同时承载的最多请求数；超出后请求转到下一个上游，或等待空位（settings.json 中的 lb.max_concurrent_wait_ms，默认 30 秒）
    .arg-key_alias = 这个密钥的名字，代替遮盖后的密钥显示；配合 --replace 从该 URL 的多个密钥中选一个
    .arg-replace = URL 已存在：替换它的密钥，而不是再添加一个（那里有多个密钥时，用 --key-alias 指明一个）
    .arg-strategy = 设置配置的策略：priority、round-robin 或 fill-first
help-config-set-active = 把 NAME 设为当前配置（正在运行的代理会立即跟随）
help-config-remove = 删除配置 NAME
help-config-show = 显示一个配置及其上游（密钥已遮盖）
help-config-remove-upstream = 删除配置 NAME 的一个上游（一个密钥）
    .arg-base_url = 上游的 base URL
    .arg-key_alias = 该 URL 有多个密钥时：使用这个别名的那个
    .arg-index = 该 URL 有多个密钥时：`ch config show` 中 [N] 处的那个
help-config-strategy = 设置配置 NAME 如何分配请求：priority、round-robin 或 fill-first
    .arg-strategy = priority（按顺序故障转移，默认）、round-robin（分散到每个健康的上游）或 fill-first（一直用一个上游，直到它失败或额度用尽，再用下一个）

help-default = 显示默认服务，或用 --codex / --claude 设置它
help-bootstrap = 从客户端自己的设置导入一个配置（还没有配置时，不带命令运行会自动完成）

help-session = 按项目目录查找客户端最近的会话
help-session-list = DIR（默认：当前目录）中最近的会话，最新的在前
    .arg-path = 项目目录（其中或其下的会话）
    .arg-limit = 最多这么多个会话
help-session-last = DIR 中最新的会话，以及恢复它的命令

help-usage = 来自请求日志的请求、错误和 token 数，以及额度状态
    .arg-days = 统计的天数，包括今天
help-logs = 显示请求日志
    .arg-tail = 最近 N 个请求
    .arg-follow = 持续输出新记录的请求
    .arg-service = 只看这个服务（codex 或 claude）
    .arg-json = 输出原始 JSON 行，而不是易读的行
help-test = 测试上游速度：向每个上游发一个小的真实流式请求，按首个 token 的时间排名
    .arg-all = 所有配置的上游，而不只是当前配置的
    .arg-timeout = 每个上游可用的秒数，从连接到最后一个字节
help-status = 正在运行什么：代理、当前配置、上游健康状况、切换状态
    .arg-port = 在这个端口上查找代理
help-doctor = 检查文件、权限、端口和客户端设置；给出修复建议
    .arg-online = 同时检查上游能否解析并完成 TLS 握手
help-import = 接管另一个工具的中转站（`ch import cc-switch [--db PATH]`、`ch import codex-helper`）或恢复备份（`ch import FILE [--replace]`）
    .arg-source = `cc-switch`、`codex-helper` 或一个备份 FILE（名字恰好是 cc-switch 的文件写作 ./cc-switch）
    .arg-db = 另一个工具的文件：cc-switch 的存储（默认 ~/.cc-switch/cc-switch.db，否则 ~/.cc-switch/config.json），或原版 codex-helper 的配置（默认 ~/.codex-helper/config.toml）
    .arg-yes = 不询问直接写入（stdin 不是终端时必须使用）
    .arg-replace = 备份 FILE：让每个文件变成备份中的样子，而不是合并进去
help-export = 把配置、过滤规则、用量提供方和设置备份到一个文件（除非用 --with-keys，否则不含密钥）
    .arg-file = 要写入的备份文件
    .arg-with_keys = 包含密钥（auth token、看起来像密钥的请求头、access token）；此时文件以 0600 权限写入
help-help = 显示此消息或给定子命令的帮助
