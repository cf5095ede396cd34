import { BlockList, isIP } from 'node:net';

/** Addresses an outbound call must not reach unless allow-listed: loopback, private, link-local, CGNAT, metadata… */
const restricted = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  restricted.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  restricted.addSubnet(net, prefix, 'ipv6');
}

function unmapIpv4(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1] : address;
}

/**
 * The SSRF guard's rules (EGRESS_ALLOWLIST): public addresses are always allowed; restricted ones only when
 * their host name, their address, or a CIDR containing it is listed.
 */
export class EgressPolicy {
  private readonly allowedHosts = new Set<string>();
  private readonly allowedNets = new BlockList();

  constructor(allowlist: string[]) {
    for (const entry of allowlist.map((e) => e.trim().toLowerCase()).filter(Boolean)) {
      const [net, prefix] = entry.split('/');
      const family = isIP(net);
      if (family && prefix !== undefined) {
        this.allowedNets.addSubnet(net, Number(prefix), family === 4 ? 'ipv4' : 'ipv6');
      } else if (family) {
        this.allowedNets.addAddress(net, family === 4 ? 'ipv4' : 'ipv6');
      } else {
        this.allowedHosts.add(entry.replace(/^\[|\]$/g, ''));
      }
    }
  }

  isRestricted(address: string): boolean {
    const ip = unmapIpv4(address);
    const family = isIP(ip);
    if (!family) return false;
    return restricted.check(ip, family === 4 ? 'ipv4' : 'ipv6');
  }

  /** Whether a connection to `address` (an IP) for host name `host` may be made. */
  allows(host: string, address: string): boolean {
    if (!this.isRestricted(address)) return true;
    if (this.allowedHosts.has(host.toLowerCase().replace(/^\[|\]$/g, ''))) return true;
    const ip = unmapIpv4(address);
    return this.allowedNets.check(ip, isIP(ip) === 4 ? 'ipv4' : 'ipv6');
  }

  /**
   * A check usable before any DNS lookup (admin API validation): a URL whose host is a restricted IP literal
   * or "localhost" is refused unless allow-listed. Names are checked again, after resolution, at send time.
   */
  allowsUrl(url: string): boolean {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (host === 'localhost' || host.endsWith('.localhost')) return this.allows(host, '127.0.0.1');
    return isIP(host) ? this.allows(host, host) : true;
  }
}
