import { describe, expect, test } from "bun:test";
import Stripe from "stripe";
import { stripeSigner, stripeVerifier } from "../../src/plugins/builtin/stripe.ts";

// Under Bun the stripe package loads its worker build, whose Web Crypto provider supports only
// the async helpers; they run the same verification as constructEvent.
const stripe = new Stripe("sk_test_x");
const body =
  '{"id":"evt_1NG8Du2eZvKYlo2CUI79vXWy","object":"event","type":"invoice.paid","data":{"note":"🎉 Zoë"}}';
const bytes = new TextEncoder().encode(body);
const timestampSeconds = 1_700_000_000;
const receivedAtMs = timestampSeconds * 1000 + 1500;
const secrets = ["whsec_kH3ysXq9LZsT3B5ik3KpJ2oQvR8a1cEd", "whsec_0ldS3cretStillInRotation00000"];

async function sign(withSecrets: string[]) {
  return stripeSigner.sign({
    eventId: "evt_x",
    timestampSeconds,
    body: bytes,
    secrets: withSecrets,
    options: {},
  });
}

describe("stripe signer", () => {
  test("produces a header stripe.webhooks.constructEvent accepts, with either secret", async () => {
    const header = (await sign(secrets))["stripe-signature"] ?? "";
    expect(header).toMatch(/^t=1700000000,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    for (const secret of secrets) {
      const event = await stripe.webhooks.constructEventAsync(
        bytes,
        header,
        secret,
        300,
        undefined,
        receivedAtMs,
      );
      expect(event.type).toBe("invoice.paid");
    }
  });

  test("is refused by stripe for another secret", async () => {
    const header = (await sign([secrets[0] as string]))["stripe-signature"] ?? "";
    const other = secrets[1] as string;
    const check = stripe.webhooks.constructEventAsync(
      bytes,
      header,
      other,
      300,
      undefined,
      receivedAtMs,
    );
    await expect(check).rejects.toThrow("No signatures found matching the expected signature");
  });

  test("asks for secrets of at least 16 characters", () => {
    expect(stripeSigner.checkSecret(secrets[0] as string)).toBeUndefined();
    expect(stripeSigner.checkSecret("whsec_short")).toContain("16");
  });
});

describe("stripe verifier", () => {
  function verify(header: string, now = receivedAtMs) {
    return stripeVerifier.verify({
      body: bytes,
      headers: { "stripe-signature": header },
      secrets,
      url: "",
      options: {},
      now,
    });
  }

  test("accepts what stripe.webhooks.generateTestHeaderString produces", async () => {
    for (const secret of secrets) {
      const header = await stripe.webhooks.generateTestHeaderStringAsync({
        payload: body,
        secret,
        timestamp: timestampSeconds,
      });
      expect(await verify(header)).toEqual({ ok: true });
    }
  });

  test("ignores v0 and unknown entries, as Stripe does", async () => {
    const header = await stripe.webhooks.generateTestHeaderStringAsync({
      payload: body,
      secret: secrets[0] as string,
      timestamp: timestampSeconds,
    });
    expect(await verify(`${header},v0=${"ab".repeat(32)},foo=bar`)).toEqual({ ok: true });
  });

  test("refuses a header with two timestamps", async () => {
    const header = await stripe.webhooks.generateTestHeaderStringAsync({
      payload: body,
      secret: secrets[0] as string,
      timestamp: timestampSeconds,
    });
    expect(await verify(`t=1,${header}`)).toMatchObject({
      ok: false,
      reason: "malformed_signature",
    });
  });

  test("enforces the tolerance option", async () => {
    const header = await stripe.webhooks.generateTestHeaderStringAsync({
      payload: body,
      secret: secrets[0] as string,
      timestamp: timestampSeconds,
    });
    const later = (timestampSeconds + 120) * 1000;
    const input = {
      body: bytes,
      headers: { "stripe-signature": header },
      secrets,
      url: "",
      now: later,
    };
    expect(
      await stripeVerifier.verify({ ...input, options: { toleranceSeconds: 60 } }),
    ).toMatchObject({ reason: "stale_timestamp" });
    expect(await stripeVerifier.verify({ ...input, options: { toleranceSeconds: 180 } })).toEqual({
      ok: true,
    });
  });

  test("describes the event type and id from the body", () => {
    const input = { body: bytes, headers: {}, url: "", options: {}, now: 0 };
    expect(stripeVerifier.describe(input)).toEqual({
      eventType: "invoice.paid",
      deliveryId: "evt_1NG8Du2eZvKYlo2CUI79vXWy",
    });
    expect(stripeVerifier.describe({ ...input, body: new Uint8Array([0xff]) })).toEqual({
      eventType: undefined,
      deliveryId: undefined,
    });
  });
});
