// Every English area module, merged. Add a new area here and in ../zh-CN/index.ts.
import { common } from "./common";
import { settings } from "./settings";
import { dashboard } from "./dashboard";
import { sessions } from "./sessions";
import { logs } from "./logs";
import { usage } from "./usage";
import { filters } from "./filters";
import { configs } from "./configs";
import { quotaSources } from "./quotaSources";
import { validate } from "./validate";
import { reach } from "./reach";

export const en = { ...common, ...settings, ...dashboard, ...sessions, ...logs, ...usage, ...filters, ...configs, ...quotaSources, ...validate, ...reach };
