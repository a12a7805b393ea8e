import { assertEquals, assertThrows } from "@std/assert";
import {
  AddressError,
  formatAddress,
  formatDenoAddr,
  formatHost,
  parseAddress,
} from "../../lib/address/address.ts";
import { UsageError } from "../../lib/errors.ts";

function portOf(text: string): number | undefined {
  const a = parseAddress(text);
  return "port" in a ? a.port : undefined;
}
function hostOf(text: string): string | undefined {
  const a = parseAddress(text);
  return "host" in a ? a.host : undefined;
}

Deno.test("parseAddress: every scheme", () => {
  assertEquals(parseAddress("tcp://127.0.0.1:6379"), {
    scheme: "tcp",
    host: "127.0.0.1",
    port: 6379,
  });
  assertEquals(parseAddress("udp://localhost:53"), { scheme: "udp", host: "localhost", port: 53 });
  assertEquals(parseAddress("tls://example.com:443"), {
    scheme: "tls",
    host: "example.com",
    port: 443,
  });
  assertEquals(parseAddress("unix:///tmp/x.sock"), { scheme: "unix", path: "/tmp/x.sock" });
  assertEquals(parseAddress("http://example.com/a?b=1"), {
    scheme: "http",
    host: "example.com",
    port: 80,
    url: "http://example.com/a?b=1",
  });
  assertEquals(parseAddress("https://example.com:8443/"), {
    scheme: "https",
    host: "example.com",
    port: 8443,
    url: "https://example.com:8443/",
  });
  assertEquals(portOf("https://example.com"), 443);
});

Deno.test("parseAddress: scheme is case-insensitive, port 0 and 65535 allowed", () => {
  assertEquals(parseAddress("TCP://h:0"), { scheme: "tcp", host: "h", port: 0 });
  assertEquals(portOf("udp://h:65535"), 65535);
});

Deno.test("parseAddress: IPv6 in brackets", () => {
  assertEquals(parseAddress("tcp://[::1]:80"), { scheme: "tcp", host: "::1", port: 80 });
  assertEquals(parseAddress("udp://[fe80::1%lo]:5353"), {
    scheme: "udp",
    host: "fe80::1%lo",
    port: 5353,
  });
  assertEquals(hostOf("http://[::1]:8080/x"), "::1");
  assertEquals(portOf("https://[2001:db8::1]/"), 443);
});

Deno.test("parseAddress: default scheme for HOST:PORT", () => {
  assertEquals(parseAddress("127.0.0.1:7", "tcp"), { scheme: "tcp", host: "127.0.0.1", port: 7 });
  assertEquals(parseAddress("[::1]:7", "udp"), { scheme: "udp", host: "::1", port: 7 });
});

/** Asserts the address fails with a message naming the bad part. */
function bad(text: string, part: string, defaultScheme?: "tcp") {
  const e = assertThrows(() => parseAddress(text, defaultScheme), AddressError);
  assertEquals(e instanceof UsageError, true, "an AddressError is a UsageError (exit 2)");
  assertEquals(e.message, `Cannot parse address "${text}": ${part}`);
}

Deno.test("parseAddress: every error names the bad part", () => {
  bad("tpc://127.0.0.1:80", 'unknown scheme "tpc"');
  bad("ftp://x:21", 'unknown scheme "ftp"');
  bad("tcp://127.0.0.1:70000", "port 70000 out of range");
  bad("udp://h:65536", "port 65536 out of range");
  bad("tcp://127.0.0.1:http", 'port "http" is not a number');
  bad("tcp://127.0.0.1:-1", 'port "-1" is not a number');
  bad("tcp://127.0.0.1:", 'port "" is not a number');
  bad("tcp://127.0.0.1", "missing port (HOST:PORT)");
  bad("tcp://:80", "missing host");
  bad("tcp://[127.0.0.1]:80", '"[127.0.0.1]" is not an IPv6 address');
  bad("tcp://::1:80", "an IPv6 host needs brackets (like tcp://[::1]:80)");
  bad("tcp://fe80::1:80", "an IPv6 host needs brackets (like tcp://[::1]:80)");
  bad("tcp://a/b:80", "bad host");
  bad("unix://", "missing socket path");
  bad("http://", "not a valid URL");
  bad(
    "127.0.0.1:80",
    "missing scheme (expected one of tcp://, udp://, tls://, unix://, http://, https://)",
  );
});

Deno.test("formatAddress round-trips and brackets IPv6", () => {
  for (
    const a of [
      "tcp://127.0.0.1:1",
      "udp://[::1]:53",
      "tls://example.com:443",
      "unix:///tmp/a b.sock",
      "http://example.com/x",
      "https://[::1]:8443/",
    ]
  ) {
    assertEquals(formatAddress(parseAddress(a)), a);
  }
  assertEquals(formatHost("::1"), "[::1]");
  assertEquals(formatHost("10.0.0.1"), "10.0.0.1");
});

Deno.test("formatDenoAddr: what sockets report", () => {
  assertEquals(
    formatDenoAddr({ transport: "tcp", hostname: "::1", port: 5 }),
    "tcp://[::1]:5",
  );
  assertEquals(
    formatDenoAddr({ transport: "tcp", hostname: "127.0.0.1", port: 5 }, "tls"),
    "tls://127.0.0.1:5",
  );
  assertEquals(
    formatDenoAddr({ transport: "udp", hostname: "127.0.0.1", port: 9 }),
    "udp://127.0.0.1:9",
  );
  assertEquals(formatDenoAddr({ transport: "unix", path: "/tmp/s" }), "unix:///tmp/s");
});
