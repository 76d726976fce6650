/**
 * SSRF guard. A relay POSTs to URLs other people type in, so by default it refuses every
 * destination that is not a global unicast address: loopback, RFC 1918, unique-local,
 * link-local (and so the cloud metadata address), CGNAT, multicast, unspecified, reserved,
 * and the IPv6 forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo).
 * Names are resolved at send time, every resolved address is checked, and the request then
 * goes to the checked address, so a second DNS answer cannot swap in another host.
 * Operators re-allow ranges they need with HOOKRELAY_ALLOW_PRIVATE_NETWORKS (CIDRs).
 */
import { lookup } from "node:dns/promises";
import ipaddr from "ipaddr.js";

export interface DestinationPolicy {
  /** Ranges allowed even though they are not global, e.g. 127.0.0.0/8 for tests. */
  allowedNetworks: string[];
  httpsOnly: boolean;
}

export type Resolution =
  | { ok: true; address: string; family: 4 | 6 }
  | { ok: false; reason: string };

export type Lookup = (host: string) => Promise<{ address: string; family: number }[]>;

const systemLookup: Lookup = (host) => lookup(host, { all: true, verbatim: true });

/** Why a URL is refused before any lookup (scheme, IP literal), or undefined. */
export function describeUrlBlock(url: URL, policy: DestinationPolicy): string | undefined {
  if (policy.httpsOnly && url.protocol !== "https:") return "only https destinations are allowed";
  const host = bareHost(url.hostname);
  if (!ipaddr.isValid(host)) return undefined;
  return describeAddressBlock(host, policy);
}

/** Why an address is refused, or undefined when it may be connected to. */
export function describeAddressBlock(
  address: string,
  policy: DestinationPolicy,
): string | undefined {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return `${address} is not an IP address`;
  }
  if (isAllowedByOperator(parsed, policy.allowedNetworks)) return undefined;
  const range = parsed.range();
  if (parsed.kind() === "ipv4") {
    return range === "unicast" ? undefined : `${address} is a ${range} address`;
  }
  const v6 = parsed as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) {
    return describeAddressBlock(v6.toIPv4Address().toString(), policy) ?? undefined;
  }
  // Only 2000::/3 is global unicast; ipaddr calls the IPv4-compatible ::a.b.c.d "unicast".
  const global = v6.match(ipaddr.IPv6.parse("2000::"), 3);
  return range === "unicast" && global ? undefined : `${address} is a ${range} address`;
}

/** Resolves the URL's host and checks every address; returns the one to connect to. */
export async function resolveDestination(
  url: URL,
  policy: DestinationPolicy,
  resolve: Lookup = systemLookup,
): Promise<Resolution> {
  const early = describeUrlBlock(url, policy);
  if (early) return { ok: false, reason: early };
  const host = bareHost(url.hostname);
  if (ipaddr.isValid(host))
    return { ok: true, address: host, family: ipaddr.parse(host).kind() === "ipv4" ? 4 : 6 };
  let addresses: { address: string; family: number }[];
  try {
    addresses = await resolve(host);
  } catch {
    return { ok: false, reason: `${host} does not resolve` };
  }
  if (addresses.length === 0) return { ok: false, reason: `${host} does not resolve` };
  for (const { address } of addresses) {
    const reason = describeAddressBlock(address, policy);
    if (reason) return { ok: false, reason: `${host} resolves to ${reason}` };
  }
  const first = addresses[0] as { address: string; family: number };
  return { ok: true, address: first.address, family: first.family === 6 ? 6 : 4 };
}

/** Checks the operator's allow-list CIDRs; called once at start to report bad entries. */
export function describeNetworkProblems(networks: string[]): string[] {
  return networks.flatMap((cidr) => {
    try {
      ipaddr.parseCIDR(cidr);
      return [];
    } catch {
      return [`"${cidr}" is not a CIDR range such as 127.0.0.0/8`];
    }
  });
}

function isAllowedByOperator(address: ipaddr.IPv4 | ipaddr.IPv6, networks: string[]): boolean {
  const candidates =
    address.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress()
      ? [address, (address as ipaddr.IPv6).toIPv4Address()]
      : [address];
  return networks.some((cidr) => {
    const [network, bits] = ipaddr.parseCIDR(cidr);
    return candidates.some((c) => c.kind() === network.kind() && c.match(network, bits));
  });
}

/** URL hostnames keep IPv6 brackets and may end in a dot. */
function bareHost(hostname: string): string {
  return hostname.replace(/^\[|\]$/g, "").replace(/\.$/, "");
}
