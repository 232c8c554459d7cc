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
  "common.save": "Save",
  "common.cancel": "Cancel",
  "common.requests": "{count} requests",
  "common.request": "{count} request",
};
