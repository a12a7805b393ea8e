/**
 * The byte pipe a stream channel runs over: a `Deno.Conn` (TCP, TLS, Unix) or an
 * adapter (node:tls for `insecure`). The interpreter never sees these.
 *
 * @module
 */

/** A bidirectional byte stream. */
export interface ByteDuplex {
  read(into: Uint8Array): Promise<number | null>;
  write(data: Uint8Array): Promise<number>;
  closeWrite(): Promise<void>;
  close(): void;
  readonly localAddr: Deno.Addr;
  readonly remoteAddr: Deno.Addr;
  /** TLS only: completes the handshake (errors surface here). */
  handshake?(): Promise<unknown>;
}

/** Writes all of `data`, however the pipe splits it (a `ByteDuplex`, a `Deno.Conn`…). */
export async function writeAll(
  duplex: { write(data: Uint8Array): Promise<number> },
  data: Uint8Array,
): Promise<void> {
  let off = 0;
  while (off < data.byteLength) off += await duplex.write(data.subarray(off));
}
