/**
 * Reads a CPU profile written by Bun's `--cpu-prof` (Chrome .cpuprofile format) and prints
 * where the time went: the top functions by self time, the relay's own functions (src/) by
 * inclusive time (themselves plus what they call), and self time per source file.
 *
 * Run: `bun --no-install bench/profile-summary.ts <file.cpuprofile> [top=15]`
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileLine {
  name: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  topSelf: ProfileLine[];
  topSourceInclusive: ProfileLine[];
  selfByFile: ProfileLine[];
}

/** Profiles name files by URL (`file:///…`); compare plain paths. */
function pathOf(node: ProfileNode): string {
  return node.callFrame.url.replace(/^file:\/\//, "");
}

function frameName(node: ProfileNode, root: string): string {
  const { functionName, lineNumber } = node.callFrame;
  const url = pathOf(node);
  const file = url.startsWith(root)
    ? url.slice(root.length + 1)
    : url.split("/").slice(-2).join("/");
  return `${functionName || "(anonymous)"} ${file ? `${file}:${lineNumber + 1}` : "(native)"}`;
}

function fileOf(node: ProfileNode, root: string): string {
  const url = pathOf(node);
  if (!url) return node.callFrame.functionName || "(native)";
  if (url.startsWith(root)) return url.slice(root.length + 1);
  const modules = url.indexOf("node_modules/");
  return modules >= 0 ? url.slice(modules).split("/").slice(0, 2).join("/") : url;
}

function top(totals: Map<string, number>, totalMs: number, count: number): ProfileLine[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, ms]) => ({ name, ms, percent: (ms / totalMs) * 100 }));
}

/** Summarizes a profile; `root` is the checkout whose src/ counts as the relay's own code. */
export function summarizeProfile(profile: CpuProfile, root: string, count = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const perFile = new Map<string, number>();
  let totalMs = 0;
  profile.samples.forEach((id, index) => {
    const ms = (profile.timeDeltas[index] ?? 0) / 1000;
    const node = byId.get(id);
    if (!node) return;
    totalMs += ms;
    const name = frameName(node, root);
    self.set(name, (self.get(name) ?? 0) + ms);
    perFile.set(fileOf(node, root), (perFile.get(fileOf(node, root)) ?? 0) + ms);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const frame = byId.get(at);
      if (!frame || !pathOf(frame).startsWith(`${root}/src/`)) continue;
      const frameKey = frameName(frame, root);
      if (seen.has(frameKey)) continue;
      seen.add(frameKey);
      inclusive.set(frameKey, (inclusive.get(frameKey) ?? 0) + ms);
    }
  });
  return {
    totalMs,
    topSelf: top(self, totalMs, count),
    topSourceInclusive: top(inclusive, totalMs, count),
    selfByFile: top(perFile, totalMs, count),
  };
}

export function renderProfileSummary(summary: ProfileSummary): string {
  const line = (r: ProfileLine) =>
    `  ${r.percent.toFixed(1).padStart(5)}%  ${r.ms.toFixed(0).padStart(7)} ms  ${r.name}`;
  const lines = (title: string, rows: ProfileLine[]) => [title, ...rows.map(line)];
  return [
    `profile: ${(summary.totalMs / 1000).toFixed(1)} s sampled`,
    ...lines("self time, top functions:", summary.topSelf),
    ...lines("inclusive time, the relay's own functions (src/):", summary.topSourceInclusive),
    ...lines("self time by file or package:", summary.selfByFile),
  ].join("\n");
}

if (import.meta.main) {
  const file = process.argv[2];
  if (!file) {
    console.error("usage: bun --no-install bench/profile-summary.ts <file.cpuprofile> [top]");
    process.exit(2);
  }
  const { relayRoot } = await import("./processes.ts");
  const profile = (await Bun.file(file).json()) as CpuProfile;
  console.log(
    renderProfileSummary(summarizeProfile(profile, relayRoot, Number(process.argv[3] ?? 15))),
  );
}
