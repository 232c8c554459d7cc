// WebKitGTK reports navigator.language as "C" when the process runs with
// LANG=C (CI, Xvfb sessions, some autostarts), and `new Intl.NumberFormat("C")`
// throws a RangeError. uPlot builds one at module load, so without this the
// whole UI fails to start. Imported first by main.ts, before uPlot.
function usable(tag: string | undefined): boolean {
  if (!tag) return false;
  try {
    new Intl.NumberFormat(tag);
    return true;
  } catch {
    return false;
  }
}

if (typeof navigator !== "undefined" && !usable(navigator.language)) {
  const fallback = "en-US";
  Object.defineProperty(navigator, "language", { get: () => fallback, configurable: true });
  Object.defineProperty(navigator, "languages", { get: () => [fallback], configurable: true });
}

export {};
