/**
 * File transfer (WPFT/1, `docs/file-transfer.md`): send and receive one file over a
 * connection, verified by SHA-256 and resumable; a receiving server; connection helpers.
 *
 * @module
 */
export { sendFile, type SendOptions } from "./send.ts";
export type { TransferConn } from "./conn_io.ts";
export { receiveFile, type ReceiveOptions } from "./receive.ts";
export { type FileServer, serveFiles, type ServeFilesOptions } from "./serve_files.ts";
export {
  connectTransfer,
  type ConnectTransferOptions,
  listenTransfer,
  type ListenTransferOptions,
  type OpenedConn,
  type TransferListener,
} from "./net.ts";
export { TransferError, type TransferFailure } from "./errors.ts";
export type { ProgressCallback, TransferSummary } from "./summary.ts";
export { REFUSE, VERDICT } from "./protocol.ts";
export { safeFileName } from "./file_name.ts";
