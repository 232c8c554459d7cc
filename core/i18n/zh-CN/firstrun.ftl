# 桌面应用的首次运行：只询问一次是否登录时启动
# （agent/src/first_run.rs；状态见 core/src/autostart_offer.rs）。

firstrun-autostart-title = 登录时启动 codex-helper？
firstrun-autostart-body = 托盘应用可以随桌面会话一起启动，Codex 和 Claude Code 就总能连上代理。随时可以在“设置”中更改。
firstrun-autostart-accept = 登录时启动
firstrun-autostart-decline = 暂不
firstrun-autostart-failed = 无法开启登录时启动：{ $error }
