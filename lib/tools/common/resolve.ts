/**
 * Resolves a host name to one IP address the way the system does (hosts file, then DNS).
 *
 * @module
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";

/**
 * Returns `host` when it is an IP address, otherwise the system's first address for it
 * (IPv4 first unless `family` says otherwise).
 *
 * @throws {Error} `Cannot resolve "name": …` when the name does not resolve.
 */
export async function resolveHost(host: string, family?: 4 | 6): Promise<string> {
  const bare = host.replace(/^\[|\]$/g, "");
  if (isIP(bare)) return bare;
  try {
    const found = await lookup(bare, { family: family ?? 0, order: "ipv4first" });
    return found.address;
  } catch (e) {
    throw new Error(`Cannot resolve "${host}": ${(e as Error).message}`, { cause: e });
  }
}
