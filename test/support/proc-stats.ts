import { readFileSync } from 'node:fs';

/** User and system CPU seconds a live process has used so far (from /proc); NaN once it is gone. */
export function cpuSplit(pid: number): { user: number; system: number } {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return { user: Number(f[11]) / 100, system: Number(f[12]) / 100 };
  } catch {
    return { user: NaN, system: NaN };
  }
}
