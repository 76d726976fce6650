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
  /**
   * Ranges allowed even though they are not global, e.g. 127.0.0.0/8 for tests. Read as
   * immutable: the guard compiles each list once, so a changed list must be a new array.
   */
  allowedNetworks: readonly string[];
  httpsOnly: boolean;
}

export type Resolution =
  | { ok: true; address: string; family: 4 | 6 }
  | { ok: false; reason: string };

export type Lookup = (host: string) => Promise<{ address: string; family: number }[]>;

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** The guard's answer for one IP literal under one allow-list. */
interface AddressVerdict {
  readonly family: 4 | 6;
  /** Why the address is refused, or undefined when it may be connected to. */
  readonly block: string | undefined;
  /** The refused address's class as ipaddr.js names it ("loopback", "private" …). */
  readonly range: string | undefined;
}

interface CompiledNetworks {
  ranges: readonly [Address, number][];
  /** By the exact spelling checked; null marks a string that is not an IP address. */
  verdicts: Map<string, AddressVerdict | null>;
}

// Parsing every CIDR and the address on every attempt was ~5% of the relay's CPU. A verdict
// depends only on the address text and the allow-list, so it is safe to reuse; what the
// cache never holds is a name's DNS answer, which is looked up and checked on every attempt.
const maxCachedVerdicts = 4096;
const compiledNetworks = new WeakMap<readonly string[], CompiledNetworks>();
const globalUnicast = ipaddr.IPv6.parse("2000::");

const systemLookup: Lookup = (host) => lookup(host, { all: true, verbatim: true });

/** Why a URL is refused before any lookup (scheme, IP literal), or undefined. */
export function describeUrlBlock(url: URL, policy: DestinationPolicy): string | undefined {
  return describeSchemeBlock(url, policy) ?? judgeAddress(bareHost(url.hostname), policy)?.block;
}

/** describeUrlBlock, and for a refused address how an operator re-allows its range. */
export function describeUrlBlockWithHint(url: URL, policy: DestinationPolicy): string | undefined {
  const block = describeUrlBlock(url, policy);
  if (!block || (policy.httpsOnly && url.protocol !== "https:")) return block;
  return `${block}; ${allowHint(bareHost(url.hostname))}`;
}

/** Resolves the URL's host and checks every address; returns the one to connect to. */
export async function resolveDestination(
  url: URL,
  policy: DestinationPolicy,
  resolve: Lookup = systemLookup,
): Promise<Resolution> {
  const schemeBlock = describeSchemeBlock(url, policy);
  if (schemeBlock) return { ok: false, reason: schemeBlock };
  const host = bareHost(url.hostname);
  const literal = judgeAddress(host, policy);
  if (literal) {
    if (literal.block) return { ok: false, reason: literal.block };
    return { ok: true, address: host, family: literal.family };
  }
  let addresses: { address: string; family: number }[];
  try {
    addresses = await resolve(host);
  } catch {
    return { ok: false, reason: `${host} does not resolve` };
  }
  if (addresses.length === 0) return { ok: false, reason: `${host} does not resolve` };
  for (const { address } of addresses) {
    const verdict = judgeAddress(address, policy);
    if (!verdict) return { ok: false, reason: `${host} resolves to ${address}, not an IP address` };
    if (verdict.range) {
      const why = `${host} resolves to ${address}, which is a ${verdict.range} address`;
      return { ok: false, reason: `${why}; ${allowHint(address)}` };
    }
  }
  const first = addresses[0] as { address: string; family: number };
  return { ok: true, address: first.address, family: first.family === 6 ? 6 : 4 };
}

/**
 * How an operator allows a refused address: the special range it falls in (127.0.0.0/8,
 * 10.0.0.0/8, fe80::/10 …), as ipaddr.js itself classifies it, or the address alone.
 */
export function allowHint(address: string): string {
  const range = allowRangeFor(address);
  return (
    `to allow it, add ${range} to HOOKRELAY_ALLOW_PRIVATE_NETWORKS ` +
    "(security.allow_private_networks in the config file) and restart"
  );
}

/**
 * Classes whose whole range is one site's own network, so allowing the range allows no more
 * than the operator means. Any other class gets the address alone: NAT64, 6to4 or Teredo
 * ranges carry every IPv4 address inside them (the metadata address and loopback included),
 * and multicast or reserved ranges are nobody's receiver.
 */
const localClasses = new Set([
  "private",
  "loopback",
  "linkLocal",
  "carrierGradeNat",
  "uniqueLocal",
]);

function allowRangeFor(text: string): string {
  let parsed: Address;
  try {
    parsed = ipaddr.parse(text);
  } catch {
    return text;
  }
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  const whole = parsed.kind() === "ipv4" ? 32 : 128;
  if (!localClasses.has(parsed.range())) return `${parsed.toString()}/${whole}`;
  const match = specialRangesOf(parsed).find(([network, bits]) => parsed.match(network, bits));
  return match ? `${match[0].toString()}/${match[1]}` : `${parsed.toString()}/${whole}`;
}

type SpecialRange = [Address, number];

/**
 * The ranges of the address's own class. ipaddr.js keeps this table on the prototype but
 * leaves it out of its types; an entry is one range or a list of them. Should the table go,
 * the hint falls back to the address alone.
 */
function specialRangesOf(address: Address): SpecialRange[] {
  const table = (address as unknown as { SpecialRanges?: Record<string, unknown> }).SpecialRanges;
  const entry = table?.[address.range()];
  if (!Array.isArray(entry)) return [];
  const list = isSpecialRange(entry) ? [entry] : entry;
  return list.filter(isSpecialRange);
}

function isSpecialRange(value: unknown): value is SpecialRange {
  if (!Array.isArray(value) || value.length !== 2 || typeof value[1] !== "number") return false;
  const network = value[0] as { kind?: unknown };
  return typeof network?.kind === "function";
}

/** Checks the operator's allow-list CIDRs; called once at start to report bad entries. */
export function describeNetworkProblems(networks: readonly string[]): string[] {
  return networks.flatMap((cidr) => {
    try {
      ipaddr.parseCIDR(cidr);
      return [];
    } catch {
      return [`"${cidr}" is not a CIDR range such as 127.0.0.0/8`];
    }
  });
}

/** URL hostnames keep IPv6 brackets and may end in a dot. */
export function bareHost(hostname: string): string {
  return hostname.replace(/^\[|\]$/g, "").replace(/\.$/, "");
}

function describeSchemeBlock(url: URL, policy: DestinationPolicy): string | undefined {
  if (policy.httpsOnly && url.protocol !== "https:") return "only https destinations are allowed";
  return undefined;
}

/** The verdict for an IP literal, or null when the text is not one (a name, say). */
function judgeAddress(text: string, policy: DestinationPolicy): AddressVerdict | null {
  const networks = compileNetworks(policy.allowedNetworks);
  const cached = networks.verdicts.get(text);
  if (cached !== undefined) return cached;
  const verdict = computeVerdict(text, networks);
  // Clearing beats LRU bookkeeping here: a relay talks to far fewer addresses than this.
  if (networks.verdicts.size >= maxCachedVerdicts) networks.verdicts.clear();
  networks.verdicts.set(text, verdict);
  return verdict;
}

function compileNetworks(cidrs: readonly string[]): CompiledNetworks {
  let compiled = compiledNetworks.get(cidrs);
  if (!compiled) {
    compiled = { ranges: cidrs.flatMap(parseRange), verdicts: new Map() };
    compiledNetworks.set(cidrs, compiled);
  }
  return compiled;
}

/** Config refuses bad entries at start (describeNetworkProblems); one here allows nothing. */
function parseRange(cidr: string): [Address, number][] {
  try {
    return [ipaddr.parseCIDR(cidr)];
  } catch {
    return [];
  }
}

function computeVerdict(text: string, networks: CompiledNetworks): AddressVerdict | null {
  let parsed: Address;
  try {
    parsed = ipaddr.parse(text);
  } catch {
    return null;
  }
  const family = parsed.kind() === "ipv4" ? 4 : 6;
  const refused = refusedRange(parsed, networks);
  const range = refused && (rangeNames[refused] ?? refused);
  return { family, range, block: range && `${text} is a ${range} address` };
}

/** ipaddr.js's class names as an operator would say them; others are shown as ipaddr has them. */
const rangeNames: Record<string, string> = {
  unspecified: "unspecified",
  broadcast: "broadcast",
  multicast: "multicast",
  linkLocal: "link-local",
  loopback: "loopback",
  carrierGradeNat: "carrier-grade NAT (100.64.0.0/10)",
  private: "private-network",
  reserved: "reserved",
  uniqueLocal: "unique-local (fc00::/7)",
  ipv4Mapped: "IPv4-mapped",
  rfc6145: "IPv4-translated (RFC 6145)",
  rfc6052: "NAT64 (64:ff9b::/96)",
  "6to4": "6to4 (2002::/16)",
  teredo: "Teredo (2001::/32)",
  benchmarking: "benchmarking (RFC 2544 / RFC 5180)",
  amt: "AMT relay (RFC 7450)",
  as112: "AS112 (RFC 7534)",
  as112v6: "AS112 (RFC 7535)",
  discard: "discard-only (100::/64)",
  deprecatedSiteLocal: "site-local (fec0::/10, deprecated)",
  deprecatedOrchid: "ORCHID (RFC 4843, deprecated)",
  orchid2: "ORCHIDv2 (RFC 7343)",
  segmentRouting: "segment-routing (RFC 9602)",
  droneRemoteIdProtocolEntityTags: "drone remote ID (RFC 9374)",
};

/** The class that makes the address refused, or undefined when it may be connected to. */
function refusedRange(parsed: Address, networks: CompiledNetworks): string | undefined {
  if (isAllowedByOperator(parsed, networks.ranges)) return undefined;
  const range = parsed.range();
  if (parsed.kind() === "ipv4") return range === "unicast" ? undefined : range;
  const v6 = parsed as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return refusedRange(v6.toIPv4Address(), networks);
  // Only 2000::/3 is global unicast; ipaddr calls the IPv4-compatible ::a.b.c.d "unicast".
  if (range !== "unicast") return range;
  return v6.match(globalUnicast, 3) ? undefined : "non-global";
}

function isAllowedByOperator(address: Address, ranges: readonly [Address, number][]): boolean {
  const candidates =
    address.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress()
      ? [address, (address as ipaddr.IPv6).toIPv4Address()]
      : [address];
  return ranges.some(([network, bits]) =>
    candidates.some((c) => c.kind() === network.kind() && c.match(network, bits)),
  );
}
