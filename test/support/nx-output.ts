/** Tasks Nx actually ran in a run-many/affected run (static output style), and those it replayed from cache. */
export function taskRuns(output: string): { executed: string[]; cached: string[] } {
  const executed: string[] = [];
  const cached: string[] = [];
  for (const match of output.matchAll(/^> nx run (\S+)(.*)$/gm)) {
    const fromCache = /\[(local cache|existing outputs match the cache, left as is|remote cache)\]/.test(match[2]);
    (fromCache ? cached : executed).push(match[1]);
  }
  return { executed: [...new Set(executed)].sort(), cached: [...new Set(cached)].sort() };
}
