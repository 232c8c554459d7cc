import type { Messages } from "../types";
import type { common as en } from "../en/common";

export const common: Messages<typeof en> = {
  "nav.dashboard": "概览",
  "nav.configs": "配置",
  "nav.usage": "用量",
  "nav.logs": "日志",
  "nav.sessions": "会话",
  "nav.filters": "过滤规则",
  "nav.settings": "设置",
  "common.save": "保存",
  "common.cancel": "取消",
  "common.requests": "{count} 个请求",
  "common.request": "{count} 个请求",
};
