/**
 * `--admin ADDR` and `--metrics ADDR` of the `proxy` command, and the bind address of
 * `toxiproxy ADDR`: a `host:port` (or `tcp://host:port`, or a bare port on 127.0.0.1).
 *
 * @module
 */
import { addressArg } from "../cli/options.ts";
import { UsageError } from "../errors.ts";

/** Parses where an HTTP side server binds. */
export function httpBindArg(text: string, where: string): { hostname: string; port: number } {
  const a = addressArg(/^\d+$/.test(text) ? `127.0.0.1:${text}` : text, where, "tcp");
  if (a.scheme !== "tcp" && a.scheme !== "http") {
    throw new UsageError(`"${text}" is not a host:port to serve HTTP on`, { where });
  }
  return { hostname: a.host, port: a.port };
}
