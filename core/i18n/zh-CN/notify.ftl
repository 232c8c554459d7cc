# 桌面通知（agent/src/notify.rs 以及应用遇到的问题）。

notify-open = 打开
notify-cannot-start = codex-helper 无法启动：{ $error }
notify-cannot-point = 无法让 { $client } 指向代理：{ $error }
notify-cannot-switch-back = 无法把 { $client } 切换回去：{ $error }
notify-failover-title = { $service } 已故障转移到 { $host }
notify-failover-body = { $config } 的主上游 { $primary } 响应不正常。
notify-back-title = { $service } 已回到 { $host }
notify-back-body = { $config } 的主上游已恢复服务。
notify-all-down-title = { $service }：所有上游均不可用
notify-all-down-body = { $config } 没有能接收请求的上游（冷却中或额度已用完）。
notify-works-again-title = { $service } 已恢复正常
notify-works-again-body = { $config } 有上游可用了。
# $pct：「96」或「none」；$window：「5h」或「none」。
notify-quota-warning-title = { $who } 的{ $window ->
        [none] {""}
       *[other] {" "}{ $window }{" "}
    }额度{ $pct ->
        [none] 即将用完
       *[other] 已用 { $pct }%
    }
notify-quota-warning-body = { $service }（{ $config }）会继续使用它，直到达到阈值。
notify-quota-out-title = { $who } 额度已用完
notify-quota-out-body = { $service }（{ $config }）改用下一个上游，直到其{ $window ->
        [none] {""}
       *[other] {" "}{ $window }{" "}
    }窗口重置。
notify-quota-back-title = { $who } 额度已恢复
notify-quota-back-body = { $service }（{ $config }）可以再次使用它。
notify-quota-resets = 将在 { $span } 后重置。
