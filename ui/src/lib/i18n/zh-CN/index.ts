import type { Messages } from "../types";
import type { en as English } from "../en";
import { common } from "./common";

export const zhCN: Messages<typeof English> = { ...common };
