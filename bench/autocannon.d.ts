// autocannon 8 ships no types and @types/autocannon is not installed: the subset bench/ uses.
declare module 'autocannon' {
  interface RequestDef {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
    setupRequest?: (req: RequestDef, context: Record<string, unknown>) => RequestDef;
    onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
  }
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    overallRate?: number;
    pipelining?: number;
    timeout?: number;
    headers?: Record<string, string>;
    requests?: RequestDef[];
  }
  interface Histogram {
    p50: number;
    p90: number;
    p99: number;
    p99_9: number;
    max: number;
    mean: number;
  }
  interface Result {
    requests: { total: number; sent: number };
    latency: Histogram;
    errors: number;
    timeouts: number;
    non2xx: number;
    duration: number;
  }
  function autocannon(opts: Options): Promise<Result> & { stop(): void };
  export = autocannon;
}
