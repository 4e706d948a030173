import { describe, expect, it } from 'vitest';
import { renderTimelineChart } from './timeline-chart';

describe('renderTimelineChart', () => {
  const svg = renderTimelineChart([
    { label: 'strata', phases: [{ phase: 'kernel started', took: 0.5 }, { phase: 'initrd unpacked', took: 2 }, { phase: 'root marker', took: 7.5 }] },
    { label: 'dracut <generic>', phases: [{ phase: 'kernel started', took: 0.5 }, { phase: 'initrd unpacked', took: 3 }, { phase: 'root marker', took: 16.5 }] },
  ]);
  const segments = [...svg.matchAll(/<rect x="([\d.]+)" y="(\d+)" width="([\d.]+)" height="26" fill="(#[0-9a-f]+)"><title>([^<]*)<\/title>/g)];

  it('draws one segment per phase and boot, each titled with its seconds, on one scale', () => {
    expect(svg).toContain('data-boots="2"');
    expect(segments.map((m) => m[5])).toEqual([
      'strata: kernel started +0.50 s',
      'strata: initrd unpacked +2.00 s',
      'strata: root marker +7.50 s',
      'dracut &lt;generic&gt;: kernel started +0.50 s',
      'dracut &lt;generic&gt;: initrd unpacked +3.00 s',
      'dracut &lt;generic&gt;: root marker +16.50 s',
    ]);
    // The same phase has the same colour in both bars; 10 s is half the length of 20 s.
    expect(segments[1][4]).toBe(segments[4][4]);
    const length = (row: RegExpMatchArray[]) => row.reduce((sum, m) => sum + Number(m[3]), 0);
    expect(length(segments.slice(0, 3)) / length(segments.slice(3))).toBeCloseTo(0.5, 2);
    expect(svg).toContain('>10.0 s</text>');
    expect(svg).toContain('>20.0 s</text>');
  });
});
