// A tiny W3C WebDriver client over fetch: just what the GUI tests use, so the
// suite needs no Selenium or WebdriverIO. Talks to tauri-driver, which hands
// the session to WebKitWebDriver and launches the app.
import fs from "node:fs";

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

export class WebDriverError extends Error {}

/** No WebDriver command takes this long unless the app hangs. */
const CALL_TIMEOUT_MS = 30_000;

async function call(base, method, path, body) {
  let res;
  try {
    res = await fetch(base + path, {
      method,
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new WebDriverError(`${method} ${path}: ${err.name === "TimeoutError" ? `no answer in ${CALL_TIMEOUT_MS} ms` : err.message}`);
  }
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new WebDriverError(`${method} ${path}: HTTP ${res.status}, not JSON: ${text.slice(0, 300)}`);
  }
  if (!res.ok || (json.value && json.value.error)) {
    const v = json.value ?? {};
    throw new WebDriverError(`${method} ${path}: ${v.error ?? res.status}: ${v.message ?? text.slice(0, 300)}`);
  }
  return json.value;
}

/** Polls `fn` until it returns a truthy value (or stops throwing); fails at the deadline with the last reason. */
export async function waitFor(what, fn, { timeout = 10_000, interval = 100 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = "condition false";
    } catch (err) {
      last = err.message;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}: ${last}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

export class Element {
  constructor(session, id, label) {
    this.s = session;
    this.id = id;
    this.label = label;
  }
  #p(suffix) {
    return `/session/${this.s.id}/element/${this.id}${suffix}`;
  }
  click() {
    return this.s.call("POST", this.#p("/click"), {});
  }
  clear() {
    return this.s.call("POST", this.#p("/clear"), {});
  }
  type(text) {
    return this.s.call("POST", this.#p("/value"), { text });
  }
  text() {
    return this.s.call("GET", this.#p("/text"));
  }
  attr(name) {
    return this.s.call("GET", this.#p(`/attribute/${encodeURIComponent(name)}`));
  }
  property(name) {
    return this.s.call("GET", this.#p(`/property/${encodeURIComponent(name)}`));
  }
  displayed() {
    return this.s.call("GET", this.#p("/displayed"));
  }
}

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  /** New session; `capabilities` go under alwaysMatch. */
  static async create(base, capabilities) {
    const v = await call(base, "POST", "/session", { capabilities: { alwaysMatch: capabilities } });
    return new Session(base, v.sessionId);
  }

  call(method, path, body) {
    return call(this.base, method, path, body);
  }
  #s(suffix) {
    return `/session/${this.id}${suffix}`;
  }

  async #find(using, value) {
    const v = await this.call("POST", this.#s("/element"), { using, value });
    return new Element(this, v[ELEMENT], value);
  }
  async #findAll(using, value) {
    const v = await this.call("POST", this.#s("/elements"), { using, value });
    return v.map((e) => new Element(this, e[ELEMENT], value));
  }
  /** One element by CSS selector (throws "no such element"). */
  css(selector) {
    return this.#find("css selector", selector);
  }
  cssAll(selector) {
    return this.#findAll("css selector", selector);
  }
  xpath(expr) {
    return this.#find("xpath", expr);
  }
  xpathAll(expr) {
    return this.#findAll("xpath", expr);
  }
  /** Waits for an element by CSS selector. */
  waitCss(selector, opts) {
    return waitFor(`element ${selector}`, () => this.css(selector), opts);
  }
  /** Waits for an element (of `tag`, default any) whose visible text is `text` (trimmed), e.g. a button. */
  waitText(text, tag = "*", opts) {
    const lit = text.includes("'") ? `concat('${text.split("'").join(`', "'", '`)}')` : `'${text}'`;
    return waitFor(`${tag} with text "${text}"`, () => this.xpath(`//${tag}[normalize-space(.)=${lit}]`), opts);
  }
  /** Waits for an input labelled `label` (a <label> around it or for= it, or aria-label/placeholder). */
  waitField(label, opts) {
    const expr =
      `//label[contains(normalize-space(.), '${label}')]//*[self::input or self::textarea or self::select]` +
      ` | //*[self::input or self::textarea or self::select][@id = //label[contains(normalize-space(.), '${label}')]/@for]` +
      ` | //*[self::input or self::textarea or self::select][contains(@aria-label, '${label}') or contains(@placeholder, '${label}')]`;
    return waitFor(`field "${label}"`, () => this.xpath(expr), opts);
  }
  /** The whole page's visible text. */
  bodyText() {
    return this.execute("return document.body.innerText");
  }
  /** Polls the page text until it matches `re`. */
  waitBody(re, opts) {
    return waitFor(`page text matching ${re}`, async () => {
      const t = await this.bodyText();
      return re.test(t) ? t : false;
    }, opts);
  }
  execute(script, args = []) {
    return this.call("POST", this.#s("/execute/sync"), { script, args });
  }
  source() {
    return this.call("GET", this.#s("/source"));
  }
  title() {
    return this.call("GET", this.#s("/title"));
  }
  /** Screenshot of the webview, written as PNG. */
  async screenshot(file) {
    const b64 = await this.call("GET", this.#s("/screenshot"));
    fs.writeFileSync(file, Buffer.from(b64, "base64"));
    return file;
  }
  async delete() {
    try {
      await this.call("DELETE", this.#s(""));
    } catch {
      // the app may already be gone; teardown kills what is left
    }
  }
}
