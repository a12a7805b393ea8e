/**
 * Every executor, by statement kind. Add a plugin's executors here next to its grammar
 * in `lib/script/grammar/mod.ts`.
 *
 * @module
 */
import { BLOCK_EXECUTORS } from "./blocks.ts";
import { CORE_EXECUTORS } from "./core.ts";
import { EXPECT_ONE_OF_EXECUTORS } from "./expect_one_of.ts";
import { PROXY_EXECUTORS } from "./proxy.ts";
import { HTTP_EXECUTORS } from "./http.ts";
import { TOOLS_EXECUTORS } from "./tools.ts";
import { TRANSFER_EXECUTORS } from "./transfer.ts";
import { PROCESS_EXECUTORS } from "./process.ts";
import { SECRET_EXECUTORS } from "./secrets.ts";
import { SOCKET_EXECUTORS } from "./sockets.ts";
import { RULES_EXECUTORS } from "./rules.ts";
import { REPLAY_EXECUTORS } from "./replay.ts";
import { WS_EXECUTORS } from "./websocket.ts";
import type { Executor } from "./executor.ts";

/** Executors by statement kind. */
export const EXECUTORS: Record<string, Executor> = {
  ...CORE_EXECUTORS,
  ...BLOCK_EXECUTORS,
  ...EXPECT_ONE_OF_EXECUTORS,
  ...PROXY_EXECUTORS,
  ...HTTP_EXECUTORS,
  ...TOOLS_EXECUTORS,
  ...TRANSFER_EXECUTORS,
  ...PROCESS_EXECUTORS,
  ...SECRET_EXECUTORS,
  ...SOCKET_EXECUTORS,
  ...RULES_EXECUTORS,
  ...REPLAY_EXECUTORS,
  ...WS_EXECUTORS,
};

export type { Executor };
