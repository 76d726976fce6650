/**
 * GET /docs: the OpenAPI document as one self-contained HTML page (no script, no CDN), so it
 * works on a VM without internet access. Every operation with its scopes, parameters and
 * request body schema; /openapi.json is the machine-readable form of the same thing.
 */

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: { name: string; in: string; required?: boolean; schema?: unknown }[];
  requestBody?: { content?: Record<string, unknown> };
}

interface Document {
  info?: { title?: string; version?: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
}

export function renderApiPage(document: Document): string {
  const byTag = new Map<string, string[]>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const tag = operation.tags?.[0] ?? "other";
      const list = byTag.get(tag) ?? [];
      list.push(renderOperation(method, path, operation));
      byTag.set(tag, list);
    }
  }
  const sections = [...byTag]
    .map(([tag, operations]) => `<h2 id="${escape(tag)}">${escape(tag)}</h2>${operations.join("")}`)
    .join("\n");
  const title = `${document.info?.title ?? "API"} ${document.info?.version ?? ""}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
section{border-top:1px solid #ddd;padding:.5rem 0}code,pre{font:13px ui-monospace,monospace}
pre{background:#f6f6f6;padding:.5rem;overflow:auto}.m{font-weight:bold;text-transform:uppercase}
</style></head><body>
<h1>${escape(title)}</h1><p>${escape(document.info?.description ?? "")}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a></p>
${sections}
</body></html>`;
}

function renderOperation(method: string, path: string, operation: Operation): string {
  const parameters = (operation.parameters ?? [])
    .map(
      (p) =>
        `<li><code>${escape(p.name)}</code> (${escape(p.in)}${p.required ? ", required" : ""})` +
        ` <code>${escape(JSON.stringify(p.schema ?? {}))}</code></li>`,
    )
    .join("");
  const json = operation.requestBody?.content?.["application/json"] as { schema?: unknown };
  const body = json?.schema;
  return `<section><p><span class="m">${escape(method)}</span> <code>${escape(path)}</code>
 ${escape(operation.summary ?? "")}</p>
${operation.description ? `<p>${escape(operation.description)}</p>` : ""}
${parameters ? `<ul>${parameters}</ul>` : ""}
${body ? `<pre>${escape(JSON.stringify(body, null, 2))}</pre>` : ""}</section>`;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
