/**
 * Our small table of well-known TCP services, for naming open ports.
 *
 * @module
 */

/** Port → service name for the ports people most often find open. */
export const SERVICES: ReadonlyMap<number, string> = new Map([
  [7, "echo"],
  [9, "discard"],
  [13, "daytime"],
  [19, "chargen"],
  [21, "ftp"],
  [22, "ssh"],
  [23, "telnet"],
  [25, "smtp"],
  [53, "domain"],
  [80, "http"],
  [110, "pop3"],
  [111, "rpcbind"],
  [119, "nntp"],
  [123, "ntp"],
  [135, "msrpc"],
  [139, "netbios-ssn"],
  [143, "imap"],
  [161, "snmp"],
  [179, "bgp"],
  [389, "ldap"],
  [443, "https"],
  [445, "microsoft-ds"],
  [465, "smtps"],
  [514, "syslog"],
  [515, "printer"],
  [587, "submission"],
  [631, "ipp"],
  [636, "ldaps"],
  [873, "rsync"],
  [993, "imaps"],
  [995, "pop3s"],
  [1080, "socks"],
  [1433, "ms-sql"],
  [1521, "oracle"],
  [1883, "mqtt"],
  [2049, "nfs"],
  [2375, "docker"],
  [2376, "docker-tls"],
  [2379, "etcd"],
  [3000, "http-dev"],
  [3306, "mysql"],
  [3389, "rdp"],
  [4222, "nats"],
  [5000, "http-alt"],
  [5060, "sip"],
  [5222, "xmpp"],
  [5432, "postgresql"],
  [5672, "amqp"],
  [5900, "vnc"],
  [6379, "redis"],
  [6443, "kubernetes"],
  [8000, "http-alt"],
  [8080, "http-proxy"],
  [8443, "https-alt"],
  [8883, "mqtts"],
  [9000, "http-alt"],
  [9090, "prometheus"],
  [9092, "kafka"],
  [9200, "elasticsearch"],
  [11211, "memcached"],
  [27017, "mongodb"],
]);

/**
 * The service name we know for a TCP port, or `undefined`.
 *
 * @example The service usually on a port
 * ```ts
 * import { serviceName } from "@wireplay/wireplay/tools";
 * import { assertEquals } from "@std/assert";
 * assertEquals(serviceName(22), "ssh");
 * ```
 */
export function serviceName(port: number): string | undefined {
  return SERVICES.get(port);
}
