// Closes a window the way a user's click on its title bar's ✕ does: the
// window manager sends the client a WM_DELETE_WINDOW message (ICCCM 4.2.8).
// Xvfb runs no window manager, so this speaks the few X11 protocol requests
// needed over the display's Unix socket itself (xdotool 3.2016's
// `windowclose` destroys the window instead, which no user can do).
import net from "node:net";

const pad4 = (n) => (4 - (n % 4)) % 4;

class Connection {
  constructor(socket) {
    this.socket = socket;
    this.buf = Buffer.alloc(0);
    this.waiters = [];
    socket.on("data", (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.#pump();
    });
    socket.on("error", (err) => this.#failAll(err));
    socket.on("close", () => this.#failAll(new Error("X server closed the connection")));
  }
  #failAll(err) {
    for (const w of this.waiters.splice(0)) w.reject(err);
  }
  #pump() {
    while (this.waiters.length) {
      const need = this.waiters[0].size(this.buf);
      if (need === null || this.buf.length < need) return;
      const chunk = this.buf.subarray(0, need);
      this.buf = this.buf.subarray(need);
      this.waiters.shift().resolve(chunk);
    }
  }
  /** Sends `request` and, with `size(buf)` (bytes of the answer, or null while unknown), reads its answer. */
  send(request, size) {
    this.socket.write(request);
    if (!size) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      this.waiters.push({ size, resolve, reject });
      this.#pump();
    });
  }
}

async function connect(display) {
  const n = /^:(\d+)/.exec(display)?.[1];
  if (n === undefined) throw new Error(`not a local display: ${display}`);
  const socket = net.connect(`/tmp/.X11-unix/X${n}`);
  await new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  const x = new Connection(socket);
  // Little-endian, protocol 11.0, no authorization (Xvfb started without -auth).
  const setup = Buffer.alloc(12);
  setup.write("l", 0, "latin1");
  setup.writeUInt16LE(11, 2);
  const reply = await x.send(setup, (b) => (b.length < 8 ? null : 8 + 4 * b.readUInt16LE(6)));
  if (reply[0] !== 1) throw new Error(`X server refused the connection: ${reply.subarray(8, 8 + reply[1]).toString("latin1")}`);
  return x;
}

/** A 32-byte reply (or error) to the last request. */
const reply32 = (b) => (b.length < 32 ? null : 32 + (b[0] === 1 ? 4 * b.readUInt32LE(4) : 0));

async function internAtom(x, name) {
  const n = Buffer.byteLength(name, "latin1");
  const req = Buffer.alloc(8 + n + pad4(n));
  req[0] = 16; // InternAtom
  req.writeUInt16LE(req.length / 4, 2);
  req.writeUInt16LE(n, 4);
  req.write(name, 8, "latin1");
  const r = await x.send(req, reply32);
  if (r[0] !== 1) throw new Error(`InternAtom ${name}: X error ${r[1]}`);
  return r.readUInt32LE(8);
}

/** Asks the client owning X window `windowId` to close it (WM_DELETE_WINDOW). */
export async function closeWindow(display, windowId) {
  const x = await connect(display);
  try {
    const protocols = await internAtom(x, "WM_PROTOCOLS");
    const del = await internAtom(x, "WM_DELETE_WINDOW");
    const req = Buffer.alloc(44);
    req[0] = 25; // SendEvent, propagate = false
    req.writeUInt16LE(11, 2);
    req.writeUInt32LE(windowId, 4); // destination
    req.writeUInt32LE(0, 8); // no event mask: to the window's owner
    req[12] = 33; // ClientMessage
    req[13] = 32; // format
    req.writeUInt32LE(windowId, 16);
    req.writeUInt32LE(protocols, 20);
    req.writeUInt32LE(del, 24); // data[0]
    req.writeUInt32LE(0, 28); // data[1]: CurrentTime
    await x.send(req);
    // A round trip (GetInputFocus): the event was delivered, or an error came back.
    const sync = Buffer.alloc(4);
    sync[0] = 43;
    sync.writeUInt16LE(1, 2);
    const r = await x.send(sync, reply32);
    if (r[0] !== 1) throw new Error(`SendEvent to window ${windowId}: X error ${r[1]}`);
  } finally {
    x.socket.destroy();
  }
}
