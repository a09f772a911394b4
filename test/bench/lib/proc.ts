/**
 * What the benchmarks read about processes and the machine: peak and current RSS and CPU time
 * from /proc (Linux), with process.resourceUsage() as the fallback for the current process.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

const MB = 1024 * 1024;

/** VmHWM (peak resident set) and VmRSS of a process in MB, from /proc/<pid>/status; null where /proc is absent. */
export function readMemory(pid: number | 'self' = 'self'): { peakRssMb: number; rssMb: number } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    if (pid !== 'self' && pid !== process.pid) return null;
    const ru = process.resourceUsage();
    return { peakRssMb: ru.maxRSS / 1024, rssMb: process.memoryUsage().rss / MB };
  }
  return parseProcStatus(text);
}

export function parseProcStatus(text: string): { peakRssMb: number; rssMb: number } {
  const kb = (field: string): number => {
    const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
    if (!m) throw new Error(`/proc status has no ${field} line`);
    return Number(m[1]);
  };
  return { peakRssMb: kb('VmHWM') / 1024, rssMb: kb('VmRSS') / 1024 };
}

/** User + system CPU seconds a process has used so far, from /proc/<pid>/stat (clock ticks of 1/100 s). */
export function readCpuSeconds(pid: number): number {
  return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

export function parseProcStat(text: string, ticksPerSecond = 100): number {
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('/proc stat line has no utime/stime');
  return (utime + stime) / ticksPerSecond;
}

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  ramGb: number;
  node: string;
  platform: string;
  loadAverage1m: number;
}

export function machineInfo(): MachineInfo {
  const c = cpus();
  return {
    cores: c.length,
    cpuModel: c[0]?.model.trim() ?? 'unknown',
    ramGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
  };
}

export function gitCommit(cwd: string): { commit: string; dirty: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, encoding: 'utf8' }).trim();
    return { commit, dirty: status.length > 0 };
  } catch {
    return { commit: 'unknown', dirty: false };
  }
}
