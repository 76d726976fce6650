/**
 * The reason an attempt without a usable answer records: it tells failures apart, and it
 * never repeats the path or query of the endpoint's URL, where a token may live.
 */
import { expect, test } from "bun:test";
import { startReceiver } from "../support/receiver.ts";
import { startRelay } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";
import { createEndpoint, getDelivery, publish } from "./api-fixtures.ts";

test("a broken answer's reason names the origin, never the URL's path or query", async () => {
  await using relay = await startRelay();
  // Claims gzip and sends plain text: Bun's fetch fails with the request URL in its message.
  using receiver = startReceiver(
    () => new Response("this is not gzip", { headers: { "content-encoding": "gzip" } }),
  );
  // An apostrophe stays as it is in a URL's path; it must not end what is cut away.
  const url = `${receiver.url}/hooks/it's/path-secret?api_key=query-secret`;
  await createEndpoint(relay, { url });
  const published = await publish(relay, { type: "broken.answer", payload: {} });
  const deliveryId = published.body.deliveries[0]!.id;
  const delivery = await waitFor("the first attempt to be recorded", async () => {
    const current = await getDelivery(relay, deliveryId);
    return current.attempts.length >= 1 && current;
  });
  const { error, responseBody } = delivery.attempts[0]!;
  expect(error).toBe("invalid_response");
  expect(responseBody).toContain(new URL(receiver.url).origin);
  const warning = await waitFor("the failed attempt's warning", () =>
    relay.logs.find((line) => line.msg === "attempt failed" && line.deliveryId === deliveryId),
  );
  for (const text of [responseBody, JSON.stringify(warning)]) {
    expect(text).not.toContain("path-secret");
    expect(text).not.toContain("query-secret");
  }
});
