/** Checks on endpoint fields that a JSON schema cannot express. */
import { type DestinationPolicy, describeUrlBlockWithHint } from "../delivery/destination-guard.ts";
import { describeEndpointUrlProblem } from "../delivery/endpoint-url.ts";
import type { PluginRegistry } from "../plugins/plugin-registry.ts";
import { describeSecretProblem, generateEndpointSecret } from "../signing/endpoint-secret.ts";
import { isReservedHeader } from "../delivery/reserved-headers.ts";
import { type FieldError, validationError } from "../errors/hookrelay-error.ts";
import { eventTypePatternRule } from "../intake/event-type-filter.ts";
import { describeStoredTextProblem } from "./text-rules.ts";

const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export interface EndpointInput {
  url?: string | undefined;
  description?: string | undefined;
  eventTypes?: string[] | undefined;
  secret?: string | undefined;
  headers?: Record<string, string> | undefined;
  signing?: { scheme: string; options?: Record<string, unknown> | undefined } | undefined;
  transform?: { plugin: string; options?: Record<string, unknown> | undefined } | null | undefined;
}

/** Throws one validation error listing every problem with the input. */
export function checkEndpointInput(
  input: EndpointInput,
  plugins: PluginRegistry,
  policy: DestinationPolicy,
): void {
  const problems: FieldError[] = [];
  const scheme = input.signing?.scheme;
  if (input.signing) {
    problems.push(
      ...plugins.checkOptions(
        "signer",
        input.signing.scheme,
        input.signing.options,
        "/signing/options",
      ),
    );
  }
  if (input.transform) {
    problems.push(
      ...plugins.checkOptions(
        "transform",
        input.transform.plugin,
        input.transform.options,
        "/transform/options",
      ),
    );
  }
  if (input.url !== undefined) {
    // The URL parser percent-encodes a NUL in the path, but the text as given is what is stored.
    const problem =
      describeStoredTextProblem(input.url) ??
      describeEndpointUrlProblem(input.url) ??
      describeUrlBlockWithHint(new URL(input.url), policy);
    if (problem) problems.push({ field: "/url", message: problem });
  }
  const descriptionProblem =
    input.description === undefined ? undefined : describeStoredTextProblem(input.description);
  if (descriptionProblem) problems.push({ field: "/description", message: descriptionProblem });
  input.eventTypes?.forEach((pattern, i) => {
    if (!eventTypePatternRule.test(pattern)) {
      problems.push({
        field: `/eventTypes/${i}`,
        message: "must be dot-separated segments of A-Z a-z 0-9 _ - : or *",
      });
    }
  });
  if (input.secret !== undefined) {
    const problem = describeSchemeSecretProblem(
      plugins,
      scheme ?? defaultScheme,
      input.secret,
      input.signing?.options,
    );
    if (problem) problems.push({ field: "/secret", message: problem });
  }
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    const field = `/headers/${name.replaceAll("~", "~0").replaceAll("/", "~1")}`;
    if (!headerName.test(name)) problems.push({ field, message: "is not a valid header name" });
    else if (isReservedHeader(name)) {
      problems.push({ field, message: "is set by hookrelay and cannot be overridden" });
    } else if (/[\r\n\0]/.test(value)) {
      problems.push({ field, message: "must not contain CR, LF or NUL" });
    } else if (/[^\t\x20-\x7e\x80-\xff]/.test(value)) {
      // HTTP header values are bytes; fetch refuses characters outside Latin-1 at send time.
      problems.push({ field, message: "must be printable ASCII or Latin-1 text" });
    }
  }
  if (problems.length > 0) throw validationError(problems);
}

export const defaultScheme = "standard-webhooks";

/** Why a secret does not suit the signing scheme (each scheme may have its own format). */
export function describeSchemeSecretProblem(
  plugins: PluginRegistry,
  scheme: string,
  secret: string,
  options: Record<string, unknown> = {},
): string | undefined {
  // Stored as TEXT (sealed or not): a NUL would cut the key short and change every signature.
  const textProblem = describeStoredTextProblem(secret);
  if (textProblem) return textProblem;
  const signer = plugins.signer(scheme);
  return signer?.checkSecret ? signer.checkSecret(secret, options) : describeSecretProblem(secret);
}

export async function generateSchemeSecret(
  plugins: PluginRegistry,
  scheme: string,
  options: Record<string, unknown> = {},
): Promise<string> {
  const signer = plugins.signer(scheme);
  return signer?.generateSecret ? await signer.generateSecret(options) : generateEndpointSecret();
}

export function destinationPolicy(deps: {
  config: { allowedNetworks: string[]; httpsOnly: boolean };
}) {
  return { allowedNetworks: deps.config.allowedNetworks, httpsOnly: deps.config.httpsOnly };
}
