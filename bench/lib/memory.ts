import fs from 'node:fs';

/** Peak resident set size of this process in MiB (VmHWM), or null where /proc is not available. */
export function peakRssMiB(): number | null {
  try {
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return match ? Math.round((Number(match[1]) / 1024) * 10) / 10 : null;
  } catch {
    return null;
  }
}
