/**
 * A TCP/TLS/Unix proxy with faults that can be changed while it runs, and an optional
 * tap that sees every byte (the recorder).
 *
 * @module
 */
import { AcceptLoop } from "../transport/accept_loop.ts";
import { formatAddress, formatDenoAddr } from "../address/address.ts";
import type { ByteDuplex } from "../transport/duplex.ts";
import {
  type ConnectionContext,
  countFault,
  type ProxyStats,
  runConnection,
} from "./connection.ts";
import { resetConn } from "./reset.ts";
import {
  bindListener,
  type BoundListener,
  dialUpstream,
  type ListenSide,
  type UpstreamSide,
} from "./endpoints.ts";
import {
  type DirectionChoice,
  type FaultName,
  type Faults,
  noFaults,
  withFault,
} from "./faults.ts";
import { DEFAULT_MAX_SHAPED_BYTES, ShapedBudget } from "./shaper.ts";
import type { ProxyTap } from "./tap.ts";

/**
 * Options for {@linkcode startProxy}.
 *
 * @example A proxy that starts with a fault
 * ```ts
 * import { parseAddress } from "@wireplay/wireplay";
 * import { noFaults, type ProxyOptions, withFault } from "@wireplay/wireplay/proxy";
 * const options: ProxyOptions = {
 *   listen: { address: parseAddress("tcp://127.0.0.1:0") },
 *   upstream: { address: parseAddress("tcp://127.0.0.1:6379") },
 *   faults: withFault(noFaults(), "latency", 100, "both"),
 * };
 * // await startProxy(options)
 * ```
 */
export interface ProxyOptions {
  /** Where clients connect. */
  listen: ListenSide;
  /** What the proxy dials for each client. */
  upstream: UpstreamSide;
  /** The faults to start with (default none); change them with the setters. */
  faults?: Faults;
  /** Sees every byte and connection (the recorder). */
  tap?: ProxyTap;
  /** Told about connections that could not be proxied (upstream down, TLS handshake failed). */
  onError?: (message: string) => void;
  /** Read buffer size per direction. */
  bufferSize?: number;
  /**
   * Most bytes the shaped directions (latency, bandwidth…) of all connections hold
   * together; a direction whose chunk does not fit stops reading until it does
   * (default {@linkcode DEFAULT_MAX_SHAPED_BYTES}).
   */
  maxShapedBytes?: number;
  /**
   * Decides the faults of each new connection (Toxiproxy's per-connection toxicity);
   * the function it returns is read on every chunk. Default: the proxy's faults, to a
   * `toxicity` share of connections.
   */
  faultsFor?: (id: number) => () => Faults;
}

/**
 * A running proxy. Close it with `await proxy.close()` or `await using`.
 *
 * @example Latency on what the client sends
 * ```ts
 * import { connect, parseAddress, serve } from "@wireplay/wireplay";
 * import { startProxy } from "@wireplay/wireplay/proxy";
 * import { assert, assertEquals } from "@std/assert";
 * await using echo = await serve("echo", "tcp://127.0.0.1:0");
 * await using proxy = await startProxy({
 *   listen: { address: parseAddress("tcp://127.0.0.1:0") },
 *   upstream: { address: parseAddress(echo.address) },
 * });
 * proxy.setFault("latency", 50, "up");
 * await using c = await connect(proxy.address);
 * const t0 = performance.now();
 * await c.send("hi\n");
 * assertEquals(await c.line({ timeoutMs: 2000 }), "hi");
 * assert(performance.now() - t0 >= 45);
 * ```
 */
export class Proxy implements AsyncDisposable {
  #bound: BoundListener;
  #options: ProxyOptions;
  #faults: Faults;
  #accept: AcceptLoop;
  #nextId = 1;
  #shapedBudget: ShapedBudget;
  /** Counters over all connections. */
  readonly stats: ProxyStats = {
    accepted: 0,
    active: 0,
    dropped: 0,
    failed: 0,
    bytesUp: 0,
    bytesDown: 0,
    faults: {},
  };
  #listeners = new Set<() => void>();

  /**
   * Serves on an already bound listener; {@linkcode startProxy} binds one and makes this.
   *
   * @internal
   */
  constructor(bound: BoundListener, options: ProxyOptions) {
    this.#bound = bound;
    this.#options = options;
    this.#faults = options.faults ?? noFaults();
    this.#shapedBudget = new ShapedBudget(options.maxShapedBytes ?? DEFAULT_MAX_SHAPED_BYTES);
    this.#accept = new AcceptLoop(bound.listener, (conn) => this.#serve(conn), {
      onError: (e) => this.#options.onError?.(`listener failed: ${(e as Error).message}`),
      log: (line) => this.#options.onError?.(line),
    });
  }

  /** The address clients connect to, port 0 resolved (e.g. `tcp://127.0.0.1:40123`). */
  get address(): string {
    return this.#bound.address;
  }

  /** The bound port (0 for unix). */
  get port(): number {
    const a = this.#bound.listener.addr;
    return "port" in a ? a.port : 0;
  }

  /** The upstream address. */
  get upstream(): string {
    return formatAddress(this.#options.upstream.address);
  }

  /** PEM path of a generated certificate when listening on `tls://` without one. */
  get certPath(): string | undefined {
    return this.#bound.certPath;
  }

  /** The current faults. */
  get faults(): Faults {
    return this.#faults;
  }

  /** Replaces all faults; running connections see the change on their next chunk. */
  setFaults(faults: Faults): void {
    this.#faults = { ...faults, up: { ...faults.up }, down: { ...faults.down } };
    this.changed();
  }

  /**
   * Tells running connections that their faults changed (time-based faults re-arm, an
   * outage resets them). Called by the setters; call it after changing what `faultsFor`
   * returns.
   */
  changed(): void {
    for (const l of [...this.#listeners]) l();
  }

  /**
   * Takes the proxy down (`true`: every running connection is reset, new ones are reset
   * as they arrive) or brings it back (`false`).
   */
  setOutage(down: boolean): void {
    this.#faults = { ...this.#faults, outage: down || undefined };
    this.changed();
  }

  /** Sets (or with `undefined` removes) one fault on the chosen directions. */
  setFault(
    name: FaultName | "drop-connect",
    value: number | undefined,
    direction: DirectionChoice = "both",
  ): void {
    if (name === "drop-connect") this.#faults = { ...this.#faults, dropConnect: value };
    else this.#faults = withFault(this.#faults, name, value, direction);
    this.changed();
  }

  /** Removes every fault. */
  clearFaults(): void {
    this.#faults = noFaults();
    this.changed();
  }

  /**
   * Stops accepting, ends every running connection (closes both sides) and waits until
   * all are done.
   */
  async close(): Promise<void> {
    await this.#accept.close();
    await this.#bound.cleanup();
  }

  /** Closes the proxy at the end of an `await using` block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #faultsFor(id: number): () => Faults {
    if (this.#options.faultsFor) return this.#options.faultsFor(id);
    const t = this.#faults.toxicity;
    if (t === undefined || Math.random() < t) {
      if (t !== undefined) countFault(this.stats, "toxic-connection");
      return () => this.#faults;
    }
    // spared: no faults, but an outage still applies
    return () => ({ ...noFaults(), outage: this.#faults.outage });
  }

  async #serve(client: Deno.Conn): Promise<void> {
    const id = this.#nextId++;
    this.stats.accepted++;
    if (this.#faults.outage) {
      this.stats.dropped++;
      countFault(this.stats, "outage");
      resetConn(client);
      return;
    }
    const p = this.#faults.dropConnect;
    if (p && Math.random() < p) {
      this.stats.dropped++;
      countFault(this.stats, "drop-connect");
      client.close();
      return;
    }
    const clientAddr = formatDenoAddr(
      client.remoteAddr,
      this.#bound.address.startsWith("tls:") ? "tls" : undefined,
    );
    let upstream: ByteDuplex;
    const abandon = () => {
      try {
        client.close();
      } catch { /* closed */ }
    };
    this.#accept.signal.addEventListener("abort", abandon, { once: true });
    try {
      if ("handshake" in client) {
        // a client that never finishes its handshake is dropped after 10 s
        const timer = setTimeout(abandon, 10_000);
        try {
          await (client as Deno.TlsConn).handshake();
        } finally {
          clearTimeout(timer);
        }
      }
      upstream = await dialUpstream(this.#options.upstream, this.#accept.signal);
    } catch (e) {
      this.stats.failed++;
      if (!this.#accept.signal.aborted) {
        this.#options.onError?.(`connection ${id} from ${clientAddr}: ${(e as Error).message}`);
      }
      abandon();
      return;
    } finally {
      this.#accept.signal.removeEventListener("abort", abandon);
    }
    if (this.#accept.signal.aborted) {
      upstream.close();
      abandon();
      return;
    }
    this.stats.active++;
    const ctx: ConnectionContext = {
      faults: this.#faultsFor(id),
      onChange: (l) => {
        this.#listeners.add(l);
        return () => this.#listeners.delete(l);
      },
      tap: this.#options.tap,
      stats: this.stats,
      signal: this.#accept.signal,
      bufferSize: this.#options.bufferSize,
      shapedBudget: this.#shapedBudget,
    };
    try {
      await runConnection(
        { id, client: clientAddr, upstream: this.upstream },
        client,
        upstream,
        ctx,
      );
    } finally {
      this.stats.active--;
    }
  }
}

/**
 * Starts a proxy from `options.listen` to `options.upstream`.
 *
 * @example Proxy to an echo server that resets after 4 bytes down
 * ```ts
 * import { connect, MatchError, parseAddress, serve } from "@wireplay/wireplay";
 * import { startProxy } from "@wireplay/wireplay/proxy";
 * import { assertRejects } from "@std/assert";
 * await using echo = await serve("echo", "tcp://127.0.0.1:0");
 * await using p = await startProxy({
 *   listen: { address: parseAddress("tcp://127.0.0.1:0") },
 *   upstream: { address: parseAddress(echo.address) },
 * });
 * p.setFault("reset-after", 4, "down");
 * await using c = await connect(p.address);
 * await c.send("hello world\n");
 * await assertRejects(() => c.line({ timeoutMs: 2000 }), MatchError);
 * ```
 */
export async function startProxy(options: ProxyOptions): Promise<Proxy> {
  return new Proxy(await bindListener(options.listen), options);
}
