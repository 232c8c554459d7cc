// Every English area module, merged. Add a new area here and in ../zh-CN/index.ts.
import { common } from "./common";

export const en = { ...common };
