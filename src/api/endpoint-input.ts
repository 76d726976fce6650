/** Checks on endpoint fields that a JSON schema cannot express. */
import { describeSecretProblem } from "../signing/endpoint-secret.ts";
import { isReservedHeader } from "../delivery/delivery-headers.ts";
import { type FieldError, validationError } from "../errors/hookrelay-error.ts";
import { eventTypePatternRule } from "../intake/event-type-filter.ts";

const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export interface EndpointInput {
  url?: string | undefined;
  eventTypes?: string[] | undefined;
  secret?: string | undefined;
  headers?: Record<string, string> | undefined;
}

export function checkEndpointInput(input: EndpointInput): void {
  const problems: FieldError[] = [];
  if (input.url !== undefined) {
    const problem = describeUrlProblem(input.url);
    if (problem) problems.push({ field: "/url", message: problem });
  }
  input.eventTypes?.forEach((pattern, i) => {
    if (!eventTypePatternRule.test(pattern)) {
      problems.push({
        field: `/eventTypes/${i}`,
        message: "must be dot-separated segments of A-Z a-z 0-9 _ - : or *",
      });
    }
  });
  if (input.secret !== undefined) {
    const problem = describeSecretProblem(input.secret);
    if (problem) problems.push({ field: "/secret", message: problem });
  }
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    const field = `/headers/${name.replaceAll("~", "~0").replaceAll("/", "~1")}`;
    if (!headerName.test(name)) problems.push({ field, message: "is not a valid header name" });
    else if (isReservedHeader(name)) {
      problems.push({ field, message: "is set by hookrelay and cannot be overridden" });
    } else if (/[\r\n\0]/.test(value)) {
      problems.push({ field, message: "must not contain CR, LF or NUL" });
    }
  }
  if (problems.length > 0) throw validationError(problems);
}

function describeUrlProblem(text: string): string | undefined {
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
  return undefined;
}
