/**
 * Why a boot did not reach its root, read from systemd's and the kernel's own console lines:
 * which device it waited for, which unit failed, which dependency gave up. Each reason once, in
 * the order the console showed them.
 */
const REASONS: { pattern: RegExp; say: (match: RegExpMatchArray) => string }[] = [
  { pattern: /A start job is running for (.+?) \(\d/, say: (m) => `waited for ${m[1]}` },
  { pattern: /Timed out waiting for device (.+?)\.?$/, say: (m) => `timed out waiting for device ${m[1]}` },
  { pattern: /Dependency failed for (.+?)\.?$/, say: (m) => `dependency failed for ${m[1]}` },
  { pattern: /Failed to start (.+?)\.?$/, say: (m) => `failed to start ${m[1]}` },
  { pattern: /Failed to mount (.+?)\.?$/, say: (m) => `failed to mount ${m[1]}` },
  { pattern: /(\S+\.(?:service|mount|device|target)): Failed with result '([^']+)'/, say: (m) => `${m[1]} failed (${m[2]})` },
  { pattern: /systemd-cryptsetup\[\d+\]: (Failed to activate.*?)\.?$/, say: (m) => `systemd-cryptsetup: ${m[1]}` },
  { pattern: /nbd-client\[\d+\]: Negotiation: .*?Error: (.+?)\.?$/, say: (m) => `nbd-client: ${m[1]}` },
  { pattern: /(strata-netroot-generator: .+)$/, say: (m) => m[1] },
  { pattern: /(VFS: Unable to mount root fs.*)$/, say: (m) => m[1] },
  { pattern: /(Cannot open access to console, the root account is locked.*)$/, say: (m) => m[1] },
];

/** Strip terminal colour and cursor sequences (systemd's status lines carry them). */
export function plainConsole(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '\n');
}

export function diagnoseConsole(text: string, limit = 4): string[] {
  const reasons: string[] = [];
  for (const line of plainConsole(text).split('\n')) {
    // Status lines are cut to the console's width; the journal's copy of the same line is whole.
    if (line.includes('…')) continue;
    for (const { pattern, say } of REASONS) {
      const match = line.match(pattern);
      if (!match) continue;
      const reason = say(match).trim();
      if (!reasons.includes(reason)) reasons.push(reason);
    }
  }
  for (const job of unfinishedJobs(text)) {
    const reason = `still waiting for ${job}`;
    if (!reasons.includes(reason)) reasons.push(reason);
  }
  return reasons.slice(0, limit);
}

/**
 * Units systemd logged as starting and never as done: what a boot that went quiet was waiting for.
 * Read from systemd's own log lines (kmsg, or journald's copy on the console), which are never cut.
 */
export function unfinishedJobs(text: string): string[] {
  const open = new Map<string, string>();
  for (const line of plainConsole(text).split('\n')) {
    const starting = line.match(/systemd\[1\]: Starting (\S+) - (.+?)\.\.\.$/);
    if (starting) {
      open.set(starting[1], `${starting[1]} (${starting[2]})`);
      continue;
    }
    const done = line.match(/systemd\[1\]: (?:Finished|Started|Stopped|Failed to start|Deactivated) (\S+?)(?: -|:|\.$)/) ?? line.match(/systemd\[1\]: (\S+): (?:Deactivated|Failed|Succeeded)/);
    if (done) open.delete(done[1]);
  }
  return [...open.values()];
}
