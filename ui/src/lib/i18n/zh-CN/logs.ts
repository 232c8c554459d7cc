import type { Messages } from "../types";
import type { logs as en } from "../en/logs";

export const logs: Messages<typeof en> = {
  "logs.title": "日志",
  "logs.service": "服务",
  "logs.allServices": "所有服务",
  "logs.status": "状态",
  "logs.anyStatus": "任意状态",
  "logs.ok": "成功",
  "logs.errors": "错误",
  "logs.config": "配置",
  "logs.allConfigs": "所有配置",
  "logs.resume": "继续",
  "logs.pause": "暂停",
  "logs.reload": "刷新",
  "logs.shown": "最新在前 · 显示 {n} 条",
  "logs.paused": " · 已暂停",
  "logs.live": " · 实时",
  "logs.noMatch": "没有匹配的请求。",
  "logs.time": "时间",
  "logs.request": "请求",
  "logs.duration": "耗时",
  "logs.route": "配置 → 上游",
  "logs.tokens": "Token",
  "logs.error": "错误",
  "logs.tries": "（尝试 {n} 次）",
  "logs.tokensTitle": "输入 {input} / 输出 {output}",
};
