/**
 * The SSRF figures for scripts/reliability.ts (the SSRF tests themselves are
 * test/delivery/destination-guard.test.ts and test/e2e/ssrf.test.ts). A canary TCP listener
 * on a loopback port that is not allow-listed counts every connection it gets while the
 * relay is offered that port under many spellings: as IP literals (refused at creation), as
 * names (refused at send time, after DNS) and behind a redirect from an allowed receiver.
 */
import { startRelay } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";

/** Hosts that all mean a non-global address; `{port}` is the canary's port. */
const literalSpellings = [
  "127.0.0.1",
  "2130706433",
  "0177.0.0.1",
  "0x7f.0.0.1",
  "0x7f000001",
  "0x7f.1",
  "127.1",
  "127.0.0.1.",
  "%31%32%37.0.0.1",
  "good@127.0.0.1",
  "[::1]",
  "[::ffff:127.0.0.1]",
  "[::ffff:7f00:1]",
  "[::127.0.0.1]",
  "[64:ff9b::7f00:1]",
  "[2002:7f00:1::]",
  "[2001:0:4136:e378:8000:63bf:3fff:fdd2]",
  "0.0.0.0",
  "0",
  "[::]",
  "10.0.0.1",
  "172.16.5.4",
  "192.168.1.1",
  "169.254.169.254",
  "[fe80::1]",
  "[fc00::1]",
  "[fd12:3456::1]",
  "100.64.0.1",
  "224.0.0.1",
  "[ff02::1]",
  "255.255.255.255",
  "198.18.0.1",
];
const nameSpellings = ["localhost", "LOCALHOST", "localhost."];

export interface SsrfFigures {
  spellings: number;
  refusedAtCreation: number;
  refusedAtSend: number;
  redirectsNotFollowed: number;
  canaryConnections: number;
  /** Spellings the relay let through: each one is a hole. */
  accepted: string[];
}

function startCanary() {
  let connections = 0;
  const socket = { open: () => void connections++, data: () => {} };
  const v4 = Bun.listen({ hostname: "127.0.0.1", port: 0, socket });
  let v6: { stop(closeActive?: boolean): void } | undefined;
  try {
    v6 = Bun.listen({ hostname: "::1", port: v4.port, socket });
  } catch {
    // No IPv6 loopback here: the [::1] spellings are still refused, just not observable.
  }
  return {
    port: v4.port,
    connections: () => connections,
    stop() {
      v4.stop(true);
      v6?.stop(true);
    },
  };
}

export async function runSsrfCanary(): Promise<SsrfFigures> {
  const canary = startCanary();
  // An allowed receiver on 127.0.0.2 that redirects every request to the canary.
  const redirector = Bun.serve({
    hostname: "127.0.0.2",
    port: 0,
    fetch: () =>
      new Response(null, {
        status: 302,
        headers: { location: `http://127.0.0.1:${canary.port}/hooks` },
      }),
  });
  const redirectorUrl = `http://127.0.0.2:${redirector.port}/hooks`;
  const relay = await startRelay({
    env: { HOOKRELAY_ALLOW_PRIVATE_NETWORKS: "127.0.0.2/32", HOOKRELAY_RETRY_SCHEDULE: "" },
  });
  const accepted: string[] = [];
  try {
    let refusedAtCreation = 0;
    for (const host of literalSpellings) {
      const url = `http://${host}:${canary.port}/hooks`;
      const response = await relay.api("/v1/endpoints", { method: "POST", json: { url } });
      if (response.status === 422) refusedAtCreation++;
      else accepted.push(`${url} → ${response.status}`);
    }
    const named: string[] = [];
    for (const host of nameSpellings) {
      const url = `http://${host}:${canary.port}/hooks`;
      named.push((await relay.json("/v1/endpoints", { method: "POST", json: { url } })).id);
    }
    const redirecting = await relay.json("/v1/endpoints", {
      method: "POST",
      json: { url: redirectorUrl },
    });
    const event = await relay.json("/v1/events", {
      method: "POST",
      json: { type: "ssrf.probe", payload: {} },
    });
    const firstAttempts = await waitFor("one attempt per delivery", async () => {
      const found = await Promise.all(
        event.deliveries.map(async (d: { id: string; endpointId: string }) => {
          const delivery = await relay.json(`/v1/deliveries/${d.id}`);
          return { endpointId: d.endpointId, attempt: delivery.attempts[0] };
        }),
      );
      return found.every((f) => f.attempt) && found;
    });
    let refusedAtSend = 0;
    let redirectsNotFollowed = 0;
    for (const { endpointId, attempt } of firstAttempts) {
      if (named.includes(endpointId)) {
        if (attempt.error === "blocked_destination") refusedAtSend++;
        else accepted.push(`name endpoint ${endpointId}: ${attempt.error ?? attempt.statusCode}`);
      } else if (endpointId === redirecting.id && attempt.statusCode === 302) {
        redirectsNotFollowed++;
      }
    }
    return {
      spellings: literalSpellings.length + nameSpellings.length + 1,
      refusedAtCreation,
      refusedAtSend,
      redirectsNotFollowed,
      canaryConnections: canary.connections(),
      accepted,
    };
  } finally {
    await relay.stop();
    redirector.stop(true);
    canary.stop();
  }
}
