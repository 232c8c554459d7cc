# Desktop notifications (agent/src/notify.rs and the app's problems).

notify-open = Open
notify-cannot-start = codex-helper cannot start: { $error }
notify-cannot-point = could not point { $client }: { $error }
notify-cannot-switch-back = could not switch back { $client }: { $error }
notify-failover-title = { $service } failed over to { $host }
notify-failover-body = { $primary }, the primary upstream of { $config }, is not answering well.
notify-back-title = { $service } is back on { $host }
notify-back-body = The primary upstream of { $config } serves again.
notify-all-down-title = { $service }: every upstream is unavailable
notify-all-down-body = No upstream of { $config } can take requests (cooling down or out of quota).
notify-works-again-title = { $service } works again
notify-works-again-body = An upstream of { $config } is available.
# $pct: "96" or "none"; $window: "5h" or "none".
notify-quota-warning-title = { $who } has used { $pct ->
        [none] {""}
       *[other] { $pct }% of its{" "}
    }{ $window ->
        [none] {""}
       *[other] { $window }{" "}
    }quota
notify-quota-warning-body = { $service } ({ $config }) keeps using it until the threshold.
notify-quota-out-title = { $who } is out of quota
notify-quota-out-body = { $service } ({ $config }) uses the next upstream until its { $window ->
        [none] {""}
       *[other] { $window }{" "}
    }window resets.
notify-quota-back-title = { $who } has quota again
notify-quota-back-body = { $service } ({ $config }) can use it again.
notify-quota-resets = It resets in { $span }.
