import { escapeHtml } from './text';

/** One boot's phases, each the seconds since the milestone before (as @strata/boot's bootTimeline gives them). */
export interface ChartedBoot {
  label: string;
  phases: readonly { phase: string; took: number }[];
}

const PHASE_COLOURS = ['#8c96a8', '#5b7fc7', '#4aa3a2', '#6aa56a', '#c4a13a', '#d07a3c', '#b5566b', '#8a62b5', '#5c6b7d'];
const WIDTH = 960;
const LABEL = 150;
const BAR = 26;
const GAP = 14;

/**
 * The boots as horizontal bars on one time axis, a segment per phase (kernel started, initrd
 * unpacked, ..., root marker), so two images' boots compare phase by phase. A self-contained SVG:
 * no script, no network; each segment's title says the phase and its seconds.
 */
export function renderTimelineChart(boots: readonly ChartedBoot[]): string {
  const phases = [...new Set(boots.flatMap((b) => b.phases.map((p) => p.phase)))];
  const colour = (phase: string): string => PHASE_COLOURS[phases.indexOf(phase) % PHASE_COLOURS.length];
  const longest = Math.max(1, ...boots.map((b) => b.phases.reduce((sum, p) => sum + p.took, 0)));
  const scale = (WIDTH - LABEL - 60) / longest;
  const legendTop = boots.length * (BAR + GAP) + 30;
  const height = legendTop + Math.ceil(phases.length / 4) * 20 + 10;
  const parts: string[] = [];
  boots.forEach((boot, row) => {
    const y = row * (BAR + GAP) + 10;
    parts.push(`<text x="0" y="${y + BAR / 2 + 5}" font-size="13">${escapeHtml(boot.label)}</text>`);
    let x = LABEL;
    for (const p of boot.phases) {
      const w = Math.max(0, p.took * scale);
      parts.push(`<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${BAR}" fill="${colour(p.phase)}"><title>${escapeHtml(boot.label)}: ${escapeHtml(p.phase)} +${p.took.toFixed(2)} s</title></rect>`);
      if (w > 34) parts.push(`<text x="${(x + w / 2).toFixed(1)}" y="${y + BAR / 2 + 4}" font-size="11" fill="#fff" text-anchor="middle">${p.took.toFixed(1)}</text>`);
      x += w;
    }
    parts.push(`<text x="${(x + 6).toFixed(1)}" y="${y + BAR / 2 + 5}" font-size="12">${boot.phases.reduce((sum, p) => sum + p.took, 0).toFixed(1)} s</text>`);
  });
  phases.forEach((phase, i) => {
    const x = (i % 4) * 230;
    const y = legendTop + Math.floor(i / 4) * 20;
    parts.push(`<rect x="${x}" y="${y}" width="12" height="12" fill="${colour(phase)}"/><text x="${x + 18}" y="${y + 11}" font-size="12">${escapeHtml(phase)}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" data-boots="${boots.length}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" font-family="system-ui, sans-serif">\n${parts.join('\n')}\n</svg>`;
}
