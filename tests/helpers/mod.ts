/**
 * Shared test helpers: free ports, temporary folders, real peers as subprocesses, and
 * the CLI run as a subprocess.
 *
 * @module
 */
export { freeTcpPort, freeUdpPort } from "./ports.ts";
export { type TempDir, tempDir } from "./temp.ts";
export { hasCommand, type Peer, type PeerOptions, startPeer } from "./peer.ts";
export { DeadlineError, killTree, output, outputOf, statusOf, within } from "./process.ts";
export { CLI, type CliResult, REPO_ROOT, runCli } from "./cli.ts";
export { chunkings, feedChunks } from "./chunks.ts";
export { fails, passes, runWire } from "./wire.ts";
