import { assertMatch } from "@std/assert";
import { freeTcpPort } from "../helpers/ports.ts";
import { startPeer } from "../helpers/peer.ts";
import { output } from "../helpers/process.ts";
import { needs } from "../helpers/peers.ts";
import { tempDir } from "../helpers/temp.ts";
import { fails, passes } from "../helpers/wire.ts";

/** Makes a self-signed certificate for localhost and 127.0.0.1 with `openssl req -x509`. */
async function makeCert(dir: string): Promise<{ cert: string; key: string }> {
  const cert = `${dir}/cert.pem`;
  const key = `${dir}/key.pem`;
  const out = await output("openssl", {
    args: [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      // Deno's TLS (rustls) refuses a CA certificate as the server's own certificate
      // (CaUsedAsEndEntity), and `req -x509` makes CA:TRUE unless told otherwise
      "-addext",
      "basicConstraints=critical,CA:FALSE",
    ],
    stdout: "null", // past 30 s: killed, failing by name
  });
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return { cert, key };
}

Deno.test({
  name: "openssl s_server as a TLS peer: ca, servername, insecure, and an untrusted cert",
  ...needs("openssl"),
  async fn() {
    await using dir = await tempDir();
    const { cert, key } = await makeCert(dir.path);
    const port = freeTcpPort();
    // -rev: a line-based server that answers each line reversed
    await using _peer = await startPeer({
      cmd: "openssl",
      args: ["s_server", "-accept", `127.0.0.1:${port}`, "-cert", cert, "-key", key, "-rev"],
      waitOutput: "ACCEPT",
    });
    const vars = { port: String(port), ca: cert };
    await passes(
      `connect tls://127.0.0.1:\${port} as c ca \${ca}
send c "hello\\n"
expect c /olleh/ within 3s
close c`,
      { vars },
    );
    await passes(
      `connect tls://127.0.0.1:\${port} as c ca \${ca} servername localhost
send c "wireplay\\n"
expect c /yalperiw/ within 3s
close c`,
      { vars },
    );
    await passes(
      `connect tls://localhost:\${port} as c insecure
send c "abc\\n"
expect c /cba/ within 3s
close c`,
      { vars },
    );
    const f = await fails(`connect tls://127.0.0.1:\${port} as c`, { vars });
    assertMatch(
      f.reason,
      /^Cannot connect to tls:\/\/127\.0\.0\.1:\d+: .*(certificate|UnknownIssuer)/i,
    );
  },
});
