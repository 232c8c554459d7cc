/** A translation of an English area module: exactly its keys, as strings. */
export type Messages<T> = { [K in keyof T]: string };

/** The languages the UI has catalogues for (core's `Lang` tags). */
export type Lang = "en" | "zh-CN";
