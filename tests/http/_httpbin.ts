// The real httpbin (Debian's python3-httpbin) on a free loopback port, for side-by-side
// tests, and a Digest client (RFC 7616) both servers are asked with.
import { createHash } from "node:crypto";
import { type Peer, startPeer } from "../helpers/peer.ts";
import { pythonWith } from "../helpers/peers.ts";

/** A running httpbin: its URL and its route list (Flask's rules, with their methods). */
export interface RealHttpbin extends AsyncDisposable {
  url: string;
  rules: { rule: string; methods: string[] }[];
  peer: Peer;
}

const START = `
from httpbin import app
for r in app.url_map.iter_rules():
    print("RULE", r.rule, ",".join(sorted(r.methods)), flush=True)
app.run(host="127.0.0.1", port=0, threaded=True)
`;

/** Starts httpbin with Flask's own server on port 0; ready when it says where it listens. */
export async function startRealHttpbin(): Promise<RealHttpbin> {
  const python = pythonWith("httpbin");
  if (!python) throw new Error("no python3 on the PATH imports httpbin");
  const peer = await startPeer({
    cmd: python,
    args: ["-c", START],
    waitOutput: /Running on http:\/\/127\.0\.0\.1:\d+/,
    deadlineMs: 15_000,
  });
  const said = peer.stdout() + peer.stderr();
  const port = /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(said)![1];
  const rules = [...said.matchAll(/^RULE (\S+) (\S+)$/gm)].map((m) => ({
    rule: m[1]!,
    methods: m[2]!.split(","),
  }));
  return { url: `http://127.0.0.1:${port}`, rules, peer, [Symbol.asyncDispose]: () => peer.stop() };
}

const HASHES: Record<string, string> = { "MD5": "md5", "SHA-256": "sha256", "SHA-512": "sha512" };

/** The `Authorization` header answering a Digest challenge for a request. */
export function digestAuthorization(
  challenge: string,
  o: { user: string; pass: string; method: string; uri: string; body?: string; qop?: string },
): string {
  const p: Record<string, string> = {};
  for (const m of challenge.matchAll(/([\w-]+)=(?:"([^"]*)"|([^\s,]+))/g)) p[m[1]!] = m[2] ?? m[3]!;
  const algorithm = p.algorithm ?? "MD5";
  const H = (s: string) => createHash(HASHES[algorithm]!).update(s).digest("hex");
  const qop = o.qop ?? p.qop!.split(",")[0]!.trim();
  const cnonce = "0a4f113b";
  const nc = "00000001";
  const ha1 = H(`${o.user}:${p.realm}:${o.pass}`);
  const ha2 = qop === "auth-int"
    ? H(`${o.method}:${o.uri}:${H(o.body ?? "")}`)
    : H(`${o.method}:${o.uri}`);
  const response = H(`${ha1}:${p.nonce}:${nc}:${cnonce}:${qop}:${ha2}`);
  return `Digest username="${o.user}", realm="${p.realm}", nonce="${p.nonce}", uri="${o.uri}", ` +
    `algorithm=${algorithm}, qop=${qop}, nc=${nc}, cnonce="${cnonce}", response="${response}", ` +
    `opaque="${p.opaque}"`;
}
