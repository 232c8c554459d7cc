// Words every screen uses. One module per area (common, dashboard, configs,
// …); zh-CN/<area>.ts has the same keys with the same {placeholders}
// (TypeScript rejects a missing or extra key; i18n.test.ts checks the rest).
export const common = {
  "nav.dashboard": "Dashboard",
  "nav.configs": "Configs",
  "nav.usage": "Usage",
  "nav.logs": "Logs",
  "nav.sessions": "Sessions",
  "nav.filters": "Filters",
  "nav.settings": "Settings",
  "nav.screens": "Screens",
  "common.save": "Save",
  "common.cancel": "Cancel",
  "ago.now": "just now",
  "ago.min": "{n} min ago",
  "ago.h": "{n} h ago",
  "ago.d": "{n} d ago",
  "common.requests": "{count} requests",
  "common.request": "{count} request",
  "common.unknownError": "unknown error",
  "common.noUpstream": "(none)",
};
