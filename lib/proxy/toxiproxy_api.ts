/**
 * Toxiproxy's HTTP API over wireplay proxies, close enough that Toxiproxy's clients
 * drive it: `/proxies` (list, create), `/proxies/{name}` (get, enable/disable, delete),
 * `/proxies/{name}/toxics[/{toxic}]`, `/populate`, `/reset`, `/version`, and
 * `/metrics` (Prometheus). A disabled proxy is down: it stops listening and its
 * connections end; enabling it binds the same address again.
 *
 * @module
 */
import { formatHostPort } from "../address/address.ts";
import { addressArg } from "../cli/options.ts";
import { UsageError } from "../errors.ts";
import type { Faults } from "./faults.ts";
import { prometheusText } from "./metrics.ts";
import { type Proxy, startProxy } from "./proxy.ts";
import { faultsOf, NO_BASE, type Toxic, ToxicError, toxicFromBody } from "./toxics.ts";

/** The version `/version` answers (the Toxiproxy API level imitated). */
export const TOXIPROXY_VERSION = "2.12.0";

class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** One named proxy of the API. */
export class ApiProxy {
  toxics: Toxic[] = [];
  #version = 0;

  constructor(
    readonly name: string,
    public listen: string,
    public upstream: string,
    public proxy: Proxy | undefined,
    /** Faults set outside the API (the `proxy` command's flags); toxics go on top. */
    readonly base: Faults = NO_BASE,
  ) {}

  get enabled(): boolean {
    return this.proxy !== undefined;
  }

  /** Per connection: its draws of each toxic, recomputed only when the toxics change. */
  faultsFor = (): () => Faults => {
    const drawn = new Map<string, boolean>();
    let seen = -1;
    let current = this.base;
    return () => {
      if (seen !== this.#version) {
        seen = this.#version;
        current = faultsOf(this.base, this.toxics, drawn);
      }
      return current;
    };
  };

  /** Call after changing `toxics`: running connections pick the change up. */
  touched(): void {
    this.#version++;
    this.proxy?.changed();
  }

  json(): Record<string, unknown> {
    return {
      name: this.name,
      listen: this.listen,
      upstream: this.upstream,
      enabled: this.enabled,
      toxics: this.toxics,
    };
  }
}

/** The proxies an API server manages. */
export class ToxiproxyRegistry implements AsyncDisposable {
  readonly proxies = new Map<string, ApiProxy>();
  constructor(readonly onLog?: (line: string) => void) {}

  /** Adds a proxy started elsewhere (the `proxy` command's own) under `name`. */
  adopt(name: string, proxy: Proxy, base: Faults): ApiProxy {
    const p = new ApiProxy(name, hostPort(proxy.address), proxy.upstream, proxy, base);
    this.proxies.set(name, p);
    return p;
  }

  async create(body: Record<string, unknown>): Promise<ApiProxy> {
    const name = body.name;
    if (typeof name !== "string" || !/^[\w.-]+$/.test(name)) {
      throw new ApiError(400, `"${String(name)}" is not a proxy name`);
    }
    if (this.proxies.has(name)) throw new ApiError(409, `proxy ${name} already exists`);
    if (typeof body.upstream !== "string") throw new ApiError(400, "upstream is missing");
    const p = new ApiProxy(name, String(body.listen ?? "127.0.0.1:0"), body.upstream, undefined);
    if (body.enabled !== false) await this.#start(p);
    this.proxies.set(name, p);
    return p;
  }

  async #start(p: ApiProxy): Promise<void> {
    const listen = parse(p.listen, "listen");
    const upstream = parse(p.upstream, "upstream");
    try {
      p.proxy = await startProxy({
        listen: { address: listen },
        upstream: { address: upstream },
        faultsFor: p.faultsFor,
        onError: (m) => this.onLog?.(`${p.name}: ${m}`),
      });
    } catch (e) {
      throw new ApiError(500, `cannot listen on ${p.listen}: ${(e as Error).message}`);
    }
    p.listen = hostPort(p.proxy.address);
  }

  async setEnabled(p: ApiProxy, enabled: boolean): Promise<void> {
    if (enabled && !p.proxy) await this.#start(p);
    if (!enabled && p.proxy) {
      const proxy = p.proxy;
      p.proxy = undefined;
      await proxy.close();
    }
  }

  async remove(p: ApiProxy): Promise<void> {
    this.proxies.delete(p.name);
    await this.setEnabled(p, false);
  }

  async reset(): Promise<void> {
    for (const p of this.proxies.values()) {
      p.toxics = [];
      p.touched();
      await this.setEnabled(p, true);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const p of this.proxies.values()) await p.proxy?.close();
  }
}

function parse(text: string, what: string) {
  try {
    const a = addressArg(text, what, "tcp");
    if (a.scheme !== "tcp") throw new UsageError("only tcp is proxied through the API");
    return a;
  } catch (e) {
    throw new ApiError(400, `${what}: ${(e as Error).message}`);
  }
}

function hostPort(address: string): string {
  const m = /^\w+:\/\/(.*)$/.exec(address);
  return m ? m[1]! : address;
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

async function bodyOf(req: Request): Promise<Record<string, unknown>> {
  const text = await req.text();
  if (!text.trim()) return {};
  try {
    const v = JSON.parse(text);
    if (typeof v !== "object" || v === null) throw new Error("not an object");
    return v;
  } catch (e) {
    throw new ApiError(400, `bad JSON body: ${(e as Error).message}`);
  }
}

/** The API as a `Request → Response` handler over `registry`. */
export function toxiproxyHandler(registry: ToxiproxyRegistry): (req: Request) => Promise<Response> {
  const find = (name: string): ApiProxy => {
    const p = registry.proxies.get(decodeURIComponent(name));
    if (!p) throw new ApiError(404, "proxy not found");
    return p;
  };
  const findToxic = (p: ApiProxy, name: string): Toxic => {
    const t = p.toxics.find((t) => t.name === decodeURIComponent(name));
    if (!t) throw new ApiError(404, "toxic not found");
    return t;
  };
  const route = async (req: Request): Promise<Response> => {
    const path = new URL(req.url).pathname.replace(/\/+$/, "") || "/";
    const parts = path.split("/").slice(1);
    const m = req.method;
    if (path === "/version" && m === "GET") {
      return new Response(TOXIPROXY_VERSION, { headers: { "content-type": "text/plain" } });
    }
    if (path === "/metrics" && m === "GET") {
      const rows = [...registry.proxies.values()].filter((p) => p.proxy).map((p) => ({
        name: p.name,
        stats: p.proxy!.stats,
      }));
      return new Response(prometheusText(rows), {
        headers: { "content-type": "text/plain; version=0.0.4" },
      });
    }
    if (path === "/reset" && m === "POST") {
      await registry.reset();
      return new Response(null, { status: 204 });
    }
    if (path === "/populate" && m === "POST") {
      const text = await req.text();
      const list = JSON.parse(text || "[]") as Record<string, unknown>[];
      if (!Array.isArray(list)) throw new ApiError(400, "populate takes a list of proxies");
      const out = [];
      for (const body of list) {
        const old = registry.proxies.get(String(body.name));
        if (old) await registry.remove(old);
        out.push((await registry.create(body)).json());
      }
      return json({ proxies: out }, 201);
    }
    if (parts[0] !== "proxies") throw new ApiError(404, "not found");
    if (parts.length === 1) {
      if (m === "GET") {
        return json(Object.fromEntries([...registry.proxies].map(([k, p]) => [k, p.json()])));
      }
      if (m === "POST") return json((await registry.create(await bodyOf(req))).json(), 201);
    }
    const p = find(parts[1]!);
    if (parts.length === 2) {
      if (m === "GET") return json(p.json());
      if (m === "DELETE") {
        await registry.remove(p);
        return new Response(null, { status: 204 });
      }
      if (m === "POST" || m === "PATCH") {
        const body = await bodyOf(req);
        const wasEnabled = p.enabled;
        const listen = body.listen !== undefined && body.listen !== p.listen;
        const upstream = body.upstream !== undefined && body.upstream !== p.upstream;
        if (listen || upstream) {
          await registry.setEnabled(p, false);
          if (listen) p.listen = String(body.listen);
          if (upstream) p.upstream = String(body.upstream);
        }
        await registry.setEnabled(p, body.enabled === undefined ? wasEnabled : !!body.enabled);
        return json(p.json());
      }
    }
    if (parts[2] !== "toxics") throw new ApiError(404, "not found");
    if (parts.length === 3) {
      if (m === "GET") return json(p.toxics);
      if (m === "POST") {
        const t = toxicFromBody(await bodyOf(req));
        if (p.toxics.some((x) => x.name === t.name)) {
          throw new ApiError(409, `toxic ${t.name} already exists`);
        }
        p.toxics.push(t);
        p.touched();
        return json(t);
      }
    }
    if (parts.length === 4) {
      const t = findToxic(p, parts[3]!);
      if (m === "GET") return json(t);
      if (m === "DELETE") {
        p.toxics = p.toxics.filter((x) => x !== t);
        p.touched();
        return new Response(null, { status: 204 });
      }
      if (m === "POST" || m === "PATCH") {
        const body = await bodyOf(req);
        const next = toxicFromBody({ ...body, name: t.name, type: t.type }, t);
        p.toxics = p.toxics.map((x) => (x === t ? next : x));
        p.touched();
        return json(next);
      }
    }
    throw new ApiError(405, `${m} is not allowed on ${path}`);
  };
  return async (req) => {
    try {
      return await route(req);
    } catch (e) {
      const status = e instanceof ApiError ? e.status : e instanceof ToxicError ? 400 : 500;
      if (status === 500) registry.onLog?.(`${req.method} ${req.url}: ${(e as Error).message}`);
      return json({ error: (e as Error).message, status }, status);
    }
  };
}

/** A running admin API server. */
export interface ToxiproxyServer extends AsyncDisposable {
  /** `http://host:port`, port 0 resolved. */
  url: string;
  registry: ToxiproxyRegistry;
  close(): Promise<void>;
}

/**
 * Serves the API on `hostname:port` (port 0 picks one). Closing it closes the HTTP
 * server and every proxy it manages.
 */
export function startToxiproxyServer(options: {
  hostname: string;
  port: number;
  registry?: ToxiproxyRegistry;
  onLog?: (line: string) => void;
}): ToxiproxyServer {
  const registry = options.registry ?? new ToxiproxyRegistry(options.onLog);
  const server = Deno.serve({
    hostname: options.hostname,
    port: options.port,
    onListen: () => {},
  }, toxiproxyHandler(registry));
  const url = `http://${formatHostPort(options.hostname, server.addr.port)}`;
  const close = async () => {
    await server.shutdown();
    await registry[Symbol.asyncDispose]();
  };
  return { url, registry, close, [Symbol.asyncDispose]: close };
}
