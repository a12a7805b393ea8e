/**
 * The chat server: a line-based chat room over TCP, TLS or a Unix socket.
 *
 * @module
 */
export { type ChatServer, type ChatServerOptions, startChatServer } from "./server.ts";
export { type ChatLimits, DEFAULT_CHAT_LIMITS } from "./limits.ts";
export { CHAT_HELP, type ChatCommand, parseChatLine } from "./commands.ts";
