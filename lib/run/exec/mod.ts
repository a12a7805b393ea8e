/**
 * Every executor, by statement kind. Add a plugin's executors here next to its grammar
 * in `lib/script/grammar/mod.ts`.
 *
 * The executors every script uses (connect, send, expect, blocks…) load with this module;
 * the rest (HTTP, proxy, replay, tools, transfer, processes, WebSocket) load when a
 * statement of theirs first runs, so a script's start-up does not pay for node:http2,
 * node:tls, x509… it never uses. {@linkcode LAZY_EXECUTORS} lists each lazy module's
 * statement kinds (a test checks them against the module).
 *
 * @module
 */
import { BLOCK_EXECUTORS } from "./blocks.ts";
import { CORE_EXECUTORS } from "./core.ts";
import { EXPECT_ONE_OF_EXECUTORS } from "./expect_one_of.ts";
import { SECRET_EXECUTORS } from "./secrets.ts";
import { SOCKET_EXECUTORS } from "./sockets.ts";
import { RULES_EXECUTORS } from "./rules.ts";
import type { Executor } from "./executor.ts";

/** A module of executors loaded on first use: its statement kinds and its loader. */
export interface LazyExecutors {
  /** The statement kinds the module runs (the keys of its executor table). */
  kinds: readonly string[];
  /** Imports the module and returns its executor table. */
  load: () => Promise<Record<string, Executor>>;
}

/** The executor modules loaded when one of their statements first runs. */
export const LAZY_EXECUTORS: readonly LazyExecutors[] = [
  {
    kinds: ["default", "proxy", "fault"],
    load: async () => (await import("./proxy.ts")).PROXY_EXECUTORS,
  },
  {
    kinds: ["http", "route", "expect-http", "expect-request"],
    load: async () => (await import("./http.ts")).HTTP_EXECUTORS,
  },
  {
    kinds: ["scan", "ping", "dns", "bench"],
    load: async () => (await import("./tools.ts")).TOOLS_EXECUTORS,
  },
  {
    kinds: ["send-file", "cert"],
    load: async () => (await import("./transfer.ts")).TRANSFER_EXECUTORS,
  },
  {
    kinds: ["spawn", "expect-exit"],
    load: async () => (await import("./process.ts")).PROCESS_EXECUTORS,
  },
  {
    kinds: ["replay", "expect-replayed"],
    load: async () => (await import("./replay.ts")).REPLAY_EXECUTORS,
  },
  {
    kinds: ["websocket", "expect-ws", "ws-route"],
    load: async () => (await import("./websocket.ts")).WS_EXECUTORS,
  },
];

/** An executor that loads `kind`'s module on its first call, then runs the loaded one. */
function onFirstUse(kind: string, lazy: LazyExecutors): Executor {
  let loaded: Executor | undefined;
  return async (node, session) => {
    if (!loaded) {
      loaded = (await lazy.load())[kind];
      if (!loaded) throw new Error(`no executor for statement kind "${kind}"`);
    }
    await loaded(node, session);
  };
}

/** Executors by statement kind. */
export const EXECUTORS: Record<string, Executor> = {
  ...CORE_EXECUTORS,
  ...BLOCK_EXECUTORS,
  ...EXPECT_ONE_OF_EXECUTORS,
  ...SECRET_EXECUTORS,
  ...SOCKET_EXECUTORS,
  ...RULES_EXECUTORS,
  ...Object.fromEntries(
    LAZY_EXECUTORS.flatMap((lazy) => lazy.kinds.map((kind) => [kind, onFirstUse(kind, lazy)])),
  ),
};

export type { Executor };
