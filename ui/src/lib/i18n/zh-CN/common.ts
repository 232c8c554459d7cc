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
  "nav.screens": "页面",
  "common.save": "保存",
  "common.cancel": "取消",
  "ago.now": "刚刚",
  "ago.min": "{n} 分钟前",
  "ago.h": "{n} 小时前",
  "ago.d": "{n} 天前",
  "common.requests": "{count} 个请求",
  "common.request": "{count} 个请求",
  "common.unknownError": "未知错误",
  "common.noUpstream": "（无上游）",
};
