import WebSocket from 'ws';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

/**
 * The V8 CPU profiler of a process started with `--inspect=127.0.0.1:<port>` (the same profiler as --cpu-prof,
 * but started and stopped around one load point without restarting the process).
 */
export class InspectorProfiler {
  private nextId = 1;
  private pending = new Map<number, (result: unknown) => void>();
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as { id?: number; result?: unknown };
      if (msg.id !== undefined) this.pending.get(msg.id)?.(msg.result);
    });
  }

  static async connect(inspectPort: number): Promise<InspectorProfiler> {
    const list = (await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
    const ws = new WebSocket(list[0].webSocketDebuggerUrl);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return new InspectorProfiler(ws);
  }

  send<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, (r) => resolve(r as T));
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  async start(): Promise<void> {
    await this.send('Profiler.enable');
    await this.send('Profiler.setSamplingInterval', { interval: 1000 });
    await this.send('Profiler.start');
  }

  async stop(): Promise<CpuProfile> {
    const { profile } = await this.send<{ profile: CpuProfile }>('Profiler.stop');
    this.ws.close();
    return profile;
  }
}

/** Self time per function (ms and share of samples), top `n`. */
export function topSelfTime(profile: CpuProfile, n = 15): { fn: string; where: string; ms: number; pct: number }[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const total = profile.samples.length || 1;
  const perSampleMs = (profile.endTime - profile.startTime) / 1000 / total;
  const self = new Map<string, { fn: string; where: string; hits: number }>();
  for (const id of profile.samples) {
    const frame = byId.get(id)!.callFrame;
    const where = frame.url ? `${frame.url.replace(/^.*\/(node_modules|src)\//, '$1/')}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName}@${where}`;
    const entry = self.get(key) ?? { fn: frame.functionName || '(anonymous)', where, hits: 0 };
    entry.hits++;
    self.set(key, entry);
  }
  return [...self.values()]
    .sort((a, b) => b.hits - a.hits)
    .slice(0, n)
    .map((e) => ({ fn: e.fn, where: e.where, ms: e.hits * perSampleMs, pct: (100 * e.hits) / total }));
}

/** Self-time share grouped by package / source folder (node_modules/<pkg>, src/<dir>, node internals, GC...). */
export function selfTimeByArea(profile: CpuProfile): { area: string; pct: number }[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const total = profile.samples.length || 1;
  const areas = new Map<string, number>();
  for (const id of profile.samples) {
    const { url, functionName } = byId.get(id)!.callFrame;
    let area: string;
    const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    const src = /\/src\/([^/]+(?:\/[^/.]+(?=\/))?)/.exec(url);
    if (nm) area = nm[1];
    else if (src) area = `src/${src[1]}`;
    else if (url.startsWith('node:')) area = 'node internals';
    else area = functionName ? `(${functionName})` : '(native)';
    areas.set(area, (areas.get(area) ?? 0) + 1);
  }
  return [...areas.entries()].map(([area, hits]) => ({ area, pct: (100 * hits) / total })).sort((a, b) => b.pct - a.pct);
}

/** Who calls `functionName` (by self samples of it), top `n` parents as `function (where)`. */
export function callersOf(profile: CpuProfile, functionName: string, n = 5): { caller: string; pct: number }[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes as (ProfileNode & { children?: number[] })[])
    for (const c of node.children ?? []) parent.set(c, node.id);
  const hits = new Map<string, number>();
  let total = 0;
  for (const id of profile.samples) {
    if (byId.get(id)!.callFrame.functionName !== functionName) continue;
    total++;
    // Walk up to the first frame with a script url (skipping native / node-internal frames).
    let p = parent.get(id);
    let label = '(root)';
    while (p !== undefined) {
      const f = byId.get(p)!.callFrame;
      if (f.url && !f.url.startsWith('node:')) {
        label = `${f.functionName || '(anonymous)'} (${f.url.replace(/^.*\/(node_modules|src)\//, '$1/')}:${f.lineNumber + 1})`;
        break;
      }
      p = parent.get(p);
    }
    hits.set(label, (hits.get(label) ?? 0) + 1);
  }
  return [...hits.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([caller, h]) => ({ caller, pct: (100 * h) / (total || 1) }));
}
