/** Small helpers for benchmarks: these machines are noisy, so report medians and ratios. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export async function timeRuns(runs: number, fn: () => Promise<unknown>): Promise<number[]> {
  const seconds: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    seconds.push((performance.now() - start) / 1000);
  }
  return seconds;
}

export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(cells[0]), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...cells.slice(1).map(line)].join('\n');
}

/** Replace (or append) one benchmark's section of docs/benchmarks.md, between its own markers. */
export async function writeDocSection(file: string, name: string, body: string): Promise<void> {
  const { existsSync } = await import('node:fs');
  const { readFile, writeFile } = await import('node:fs/promises');
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const section = `${start}\n${body.trim()}\n${end}`;
  const text = existsSync(file) ? await readFile(file, 'utf8') : '# Benchmarks\n\nFigures from the last run of each benchmark script on a 2-core machine (QEMU under TCG). The machines are noisy: read the medians and ratios.\n';
  const next = text.includes(start) && text.includes(end) ? `${text.slice(0, text.indexOf(start))}${section}${text.slice(text.indexOf(end) + end.length)}` : `${text.trimEnd()}\n\n${section}\n`;
  await writeFile(file, next);
}
