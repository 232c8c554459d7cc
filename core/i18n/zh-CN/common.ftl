# 各处共用的词。每个领域一个文件（common、cli、tray、notify……），
# 每种语言的目录里有同样的 id 和同样的变量。

service-codex = Codex
service-claude = Claude
requests-count = { $count } 个请求
