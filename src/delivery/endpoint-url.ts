/**
 * The rules every destination URL meets, wherever it comes from: the endpoints API, a
 * declared endpoint, a source's inline destination, the operational webhook setting. Whether
 * its address may be reached is the SSRF guard's question (destination-guard.ts), asked again
 * at every send.
 */
export function describeEndpointUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "must be an absolute http or https URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return "must be an absolute http or https URL";
  }
  if (url.username || url.password) return "must not contain credentials; use headers";
  if (!url.hostname) return "must name a host";
  // The URL parser allows port 0, but nothing can listen there: every attempt would fail.
  if (url.port === "0") return "must not use port 0; give a port from 1 to 65535 or none";
  return undefined;
}
