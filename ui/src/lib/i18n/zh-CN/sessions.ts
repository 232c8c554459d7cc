import type { Messages } from "../types";
import type { sessions as en } from "../en/sessions";

export const sessions: Messages<typeof en> = {
  "sessions.title": "会话",
  "sessions.copyFailed": "复制失败：{error}",
  "sessions.opened": "已打开终端并运行 {command}",
  "sessions.dir": "项目目录",
  "sessions.dirPlaceholder": "所有项目（或输入项目目录）",
  "sessions.client": "客户端",
  "sessions.bothClients": "Codex 和 Claude",
  "sessions.looking": "查找中…",
  "sessions.show": "显示会话",
  "sessions.noneIn": "在 {dir} 中没有找到会话。",
  "sessions.none": "所有项目中都没有找到会话。",
  "sessions.noMessage": "（尚无消息）",
  "sessions.started": "开始于 {when}",
  "sessions.resume": "在终端中恢复",
  "sessions.copied": "已复制 ✓",
  "sessions.copy": "复制命令",
};
