/**
 * `serve chat ADDR [options]` for the CLI, REPL and scripts: turns the kind's text
 * options into {@linkcode startChatServer} limits and returns a server handle.
 *
 * @module
 */
import { type Address } from "../../address/address.ts";
import { parseSize } from "../../bytes/units.ts";
import { UsageError } from "../../errors.ts";
import { handshakeTimeout } from "../stream_server.ts";
import { tlsMaterial } from "../../transport/stream_listener.ts";
import { type ServeOptions, type ServerHandle, toServerHandle } from "../server.ts";
import type { ChatLimits } from "./limits.ts";
import { startChatServer } from "./server.ts";

/** The options `serve chat` accepts besides `cert` and `key`, as declared for the parser. */
export const CHAT_OPTIONS = [
  "max-line",
  "max-queue",
  "rate",
  "burst",
  "max-clients",
  "welcome",
  "log",
] as const;

function positive(text: string, option: string, integer: boolean): number {
  const v = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(v > 0) || (integer && !Number.isInteger(v))) {
    throw new UsageError(`"${text}" is not a positive ${integer ? "whole " : ""}number`, {
      where: option,
    });
  }
  return v;
}

/** Reads the chat limits out of the kind's text options. */
export function chatLimitsFromOptions(options: ServeOptions): Partial<ChatLimits> {
  const limits: Partial<ChatLimits> = {};
  if (options["max-line"]) limits.maxLineBytes = parseSize(options["max-line"], "max-line");
  if (options["max-queue"]) limits.maxQueueBytes = parseSize(options["max-queue"], "max-queue");
  if (options.rate) limits.ratePerSecond = positive(options.rate, "rate", false);
  if (options.burst) limits.burst = positive(options.burst, "burst", true);
  if (options["max-clients"]) {
    limits.maxClients = positive(options["max-clients"], "max-clients", true);
  }
  for (const [k, v] of Object.entries(limits)) {
    if (!(v > 0)) throw new UsageError(`must be more than 0`, { where: k });
  }
  return limits;
}

/** Starts `serve chat` on a tcp://, tls:// or unix:// address. */
export async function startChatServerKind(
  address: Address,
  options: ServeOptions,
): Promise<ServerHandle> {
  const limits = chatLimitsFromOptions(options);
  let cert: string | undefined,
    key: string | undefined,
    certPath: string | undefined,
    tmpDir: string | undefined;
  if (address.scheme === "tls") ({ cert, key, certPath, tmpDir } = await tlsMaterial(options));
  const log = options.log ? (line: string) => console.error(`chat: ${line}`) : undefined;
  let server;
  try {
    server = await startChatServer({
      address,
      cert,
      key,
      welcome: options.welcome,
      log,
      handshakeTimeoutMs: handshakeTimeout(options),
      ...limits,
    });
  } catch (e) {
    if (tmpDir) await Deno.remove(tmpDir, { recursive: true }).catch(() => {});
    throw e;
  }
  return toServerHandle({
    kind: "chat",
    address: server.address,
    addr: server.addr,
    certPath,
    tmpDir,
    finished: server.finished,
    close: () => server.close(),
    vars: () => ({ clients: server.clients, rooms: server.rooms().length }),
  });
}
