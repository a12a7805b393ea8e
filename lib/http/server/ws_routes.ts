/**
 * WebSocket routes of a `serve http` server (`ws-route SERVER PATH …`, and `serve echo
 * ws://…`, an echo on every path): an upgrade on a route's path is answered with
 * `Deno.upgradeWebSocket`; the socket sends the route's greeting, then echoes or replies.
 *
 * @module
 */

/** What a WebSocket route does with each client. */
export interface WsRoute {
  /** Messages sent when the client connects (UTF-8 as text, other bytes as binary). */
  greet: Uint8Array[];
  /** Each client message gets itself back (`echo`), `reply`, or nothing. */
  answer: "echo" | "reply" | "none";
  reply?: Uint8Array;
  /** Close with this code after the greeting. */
  close?: number;
}

/** The WebSocket routes of one server; the first whose path matches answers. */
export class WsRoutes {
  #routes: { path: string; pattern?: URLPattern; route: WsRoute }[] = [];
  #open = new Set<WebSocket>();

  /** Adds (or replaces) the route on `path` (`/chat`, `/rooms/:id`, `/*`). */
  add(path: string, route: WsRoute): void {
    if (!path.startsWith("/")) throw new TypeError(`Route path "${path}" must start with "/"`);
    let pattern: URLPattern | undefined;
    if (/[:*(){}?+\\]/.test(path)) {
      try {
        pattern = new URLPattern({ pathname: path });
      } catch (e) {
        throw new TypeError(`Route path "${path}" is not a valid pattern: ${(e as Error).message}`);
      }
    }
    this.#routes = this.#routes.filter((r) => r.path !== path);
    this.#routes.push({ path, pattern, route });
  }

  /** How many routes there are. */
  get size(): number {
    return this.#routes.length;
  }

  /** Sockets open now. */
  get open(): number {
    return this.#open.size;
  }

  /** The route for a path, if any. */
  match(pathname: string): WsRoute | undefined {
    return this.#routes.find((r) => r.pattern ? r.pattern.test({ pathname }) : r.path === pathname)
      ?.route;
  }

  /** Answers an upgrade request on a route's path; undefined when no route matches. */
  answer(req: Request, pathname: string, signal?: AbortSignal): Response | undefined {
    const route = this.match(pathname);
    if (!route) return undefined;
    let upgraded;
    try {
      upgraded = Deno.upgradeWebSocket(req);
    } catch (e) {
      return new Response(`${(e as Error).message}\n`, { status: 400 });
    }
    const { socket, response } = upgraded;
    socket.binaryType = "arraybuffer";
    this.#open.add(socket);
    const onAbort = () => socket.close(1001, "server closing");
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.onopen = () => {
      for (const g of route.greet) socket.send(asWsData(g));
      if (route.close !== undefined) socket.close(route.close);
    };
    socket.onmessage = (e) => {
      if (socket.readyState !== WebSocket.OPEN) return;
      if (route.answer === "echo") socket.send(e.data);
      else if (route.answer === "reply" && route.reply) socket.send(asWsData(route.reply));
    };
    socket.onclose = () => {
      this.#open.delete(socket);
      signal?.removeEventListener("abort", onAbort);
    };
    socket.onerror = () => {}; // a peer that breaks the protocol is dropped; others go on
    return response;
  }
}

/** Bytes as WebSocket data: text when they are UTF-8, else binary. */
function asWsData(b: Uint8Array): string | Uint8Array<ArrayBuffer> {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(b);
  } catch {
    return new Uint8Array(b);
  }
}

const BY_SERVER = new WeakMap<object, WsRoutes>();

/** The WebSocket routes kept for a server (keyed by its `MockRoutes`), made on first use. */
export function wsRoutesOf(key: object): WsRoutes {
  let w = BY_SERVER.get(key);
  if (!w) BY_SERVER.set(key, w = new WsRoutes());
  return w;
}

/**
 * The handler's hook: answers a WebSocket upgrade when the server has a route for its
 * path, else undefined (the request goes on to the HTTP routes).
 */
export function answerWebSocket(
  req: Request,
  key: object,
  pathname: string,
  signal?: AbortSignal,
): Response | undefined {
  const w = BY_SERVER.get(key);
  if (!w || w.size === 0) return undefined;
  if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") return undefined;
  return w.answer(req, pathname, signal);
}
