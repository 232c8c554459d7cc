import type { Messages } from "../types";
import type { en as English } from "../en";
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

export const zhCN: Messages<typeof English> = { ...common, ...settings, ...dashboard, ...sessions, ...logs, ...usage, ...filters, ...configs, ...quotaSources, ...validate, ...reach };
