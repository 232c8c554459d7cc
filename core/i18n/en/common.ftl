# Words every face uses. One file per area (common, cli, tray, notify, …);
# the same ids, with the same variables, in every language's folder.
# core/src/i18n/catalogue.rs lists the files; its tests check both languages.

service-codex = Codex
service-claude = Claude
requests-count = { $count ->
    [one] { $count } request
   *[other] { $count } requests
}
