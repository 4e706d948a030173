/**
 * The size report as one self-contained HTML page: a treemap (package -> directory -> file) drawn
 * as inline SVG, laid out here so that the page is the same bytes for the same report, and tables
 * of packages, directories, largest and unowned files. A few lines of inline script zoom into a
 * package on click and record on <body> how many rectangles the browser drew
 * (data-treemap-rects), which the tests read back from a headless browser. No network.
 */
import { NOT_FROM_A_PACKAGE, type FileSize, type OwnerSize, type SizeReport } from './size-report';
import { profilerNote, type BootUsage } from './boot-usage';
import { escapeHtml, formatBytes, percent, plural } from './text';
import { renderTimelineChart, type ChartedBoot } from './timeline-chart';
import { inset, squarify, type Rect } from './treemap';

export const TREEMAP_WIDTH = 1200;
export const TREEMAP_HEIGHT = 640;
/** File rectangles smaller than this (in square pixels) are left to their folder's colour. */
const MIN_FILE_AREA = 6;
const CHAR_WIDTH = 6.4;


function n(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/** A hue per owner: packages spread by the golden angle, the kernel violet, strata's own orange. */
function hueOf(owner: OwnerSize, index: number): number {
  if (owner.kind === 'kernel') return 275;
  if (owner.kind === 'strata') return 30;
  return Math.round((index * 137.508 + 200) % 360);
}

/** The label cut to the width, keeping its start, or for paths (`tail`) its end. */
function fit(label: string, width: number, tail = false): string | null {
  const chars = Math.floor((width - 6) / CHAR_WIDTH);
  if (chars < 3) return null;
  if (label.length <= chars) return label;
  return tail ? `…${label.slice(label.length - chars + 1)}` : `${label.slice(0, chars - 1)}…`;
}

/** The folder all of an owner's files share ("usr/lib/modules/6.1.0-1-amd64/"), to shorten labels. */
function commonFolder(files: readonly FileSize[]): string {
  if (files.length === 0) return '';
  let prefix = files[0].path.slice(0, files[0].path.lastIndexOf('/') + 1);
  for (const f of files) while (prefix && !f.path.startsWith(prefix)) prefix = prefix.slice(0, prefix.lastIndexOf('/', prefix.length - 2) + 1);
  return prefix;
}

interface Drawing {
  parts: string[];
  rects: number;
}

function rect(d: Drawing, r: Rect, cls: string, fill: string, title: string, extra = ''): void {
  d.rects += 1;
  d.parts.push(`<rect class="${cls}" x="${n(r.x)}" y="${n(r.y)}" width="${n(r.w)}" height="${n(r.h)}" fill="${fill}"${extra}><title>${escapeHtml(title)}</title></rect>`);
}

function label(d: Drawing, r: Rect, text: string, size: number, cls: string, tail = false): boolean {
  if (r.h < size + 4) return false;
  const fitted = fit(text, r.w, tail);
  if (fitted === null) return false;
  d.parts.push(`<text class="${cls}" x="${n(r.x + 3)}" y="${n(r.y + size)}" font-size="${size}">${escapeHtml(fitted)}</text>`);
  return true;
}

function directoriesOf(files: readonly FileSize[]): { path: string; bytes: number; files: FileSize[] }[] {
  const dirs = new Map<string, { path: string; bytes: number; files: FileSize[] }>();
  for (const f of files) {
    const slash = f.path.lastIndexOf('/');
    const path = slash < 0 ? '.' : f.path.slice(0, slash);
    const dir = dirs.get(path) ?? { path, bytes: 0, files: [] };
    dir.bytes += f.bytes;
    dir.files.push(f);
    dirs.set(path, dir);
  }
  return [...dirs.values()];
}

/** Folders of one owner in `area`, each with its files. */
function drawDirectories(d: Drawing, files: readonly FileSize[], area: Rect, hue: number, total: number): void {
  const common = commonFolder(files);
  for (const { item: dir, rect: r } of squarify(directoriesOf(files).map((dir) => ({ value: dir.bytes, item: dir })), area)) {
    rect(d, r, 'dir', `hsl(${hue} 35% 72%)`, `${dir.path}/ — ${formatBytes(dir.bytes)} in ${plural(dir.files.length, 'file')} (${percent(dir.bytes, total)})`);
    const short = `${dir.path}/`.length > common.length ? `${dir.path}/`.slice(common.length) : `${dir.path}/`;
    const labelled = r.w > 60 && r.h > 28 && label(d, r, short, 10, 'dir-label', true);
    const inner = inset(r, 1, labelled ? 12 : 0);
    for (const { item: file, rect: fr } of squarify(dir.files.map((f) => ({ value: f.bytes, item: f })), inner)) {
      if (fr.w * fr.h < MIN_FILE_AREA) continue;
      const shade = 52 + ((file.path.length * 7) % 14);
      rect(d, fr, 'file', `hsl(${hue} 45% ${shade}%)`, `${file.path} — ${formatBytes(file.bytes)} (${file.owner})`);
      if (fr.w > 70 && fr.h > 14) label(d, fr, file.path.slice(file.path.lastIndexOf('/') + 1), 9, 'file-label');
    }
  }
}

interface TreemapViews {
  svg: string;
  overviewRects: number;
}

function drawTreemap(r: SizeReport): TreemapViews {
  const canvas: Rect = { x: 0, y: 0, w: TREEMAP_WIDTH, h: TREEMAP_HEIGHT };
  const filesByOwner = new Map<string, FileSize[]>();
  for (const f of r.files) {
    const list = filesByOwner.get(f.owner);
    if (list) list.push(f);
    else filesByOwner.set(f.owner, [f]);
  }
  const hues = new Map(r.owners.map((o, i) => [o.owner, hueOf(o, i)]));
  const ids = new Map(r.owners.map((o, i) => [o.owner, `view-${i}`]));

  const overview: Drawing = { parts: [], rects: 0 };
  const details: string[] = [];
  for (const { item: owner, rect: pr } of squarify(r.owners.map((o) => ({ value: o.bytes, item: o })), canvas)) {
    const hue = hues.get(owner.owner) as number;
    const id = ids.get(owner.owner) as string;
    overview.parts.push(`<g class="owner" data-zoom="${id}">`);
    rect(overview, pr, 'pkg', `hsl(${hue} 40% 35%)`, `${owner.owner} — ${formatBytes(owner.bytes)} in ${plural(owner.files, 'file')} (${percent(owner.bytes, r.totals.bytes)}); click to zoom`);
    const labelled = pr.w > 40 && pr.h > 20 && label(overview, pr, `${owner.owner} ${formatBytes(owner.bytes)}`, 12, 'pkg-label');
    drawDirectories(overview, filesByOwner.get(owner.owner) ?? [], inset(pr, 2, labelled ? 15 : 0), hue, r.totals.bytes);
    overview.parts.push('</g>');

    const detail: Drawing = { parts: [], rects: 0 };
    rect(detail, canvas, 'pkg', `hsl(${hue} 40% 35%)`, `${owner.owner} — ${formatBytes(owner.bytes)}; click to go back`);
    label(detail, canvas, `${owner.owner} — ${formatBytes(owner.bytes)} in ${plural(owner.files, 'file')} (click to go back)`, 12, 'pkg-label');
    drawDirectories(detail, filesByOwner.get(owner.owner) ?? [], inset(canvas, 2, 15), hue, r.totals.bytes);
    details.push(`<g class="view" id="${id}" data-title="${escapeHtml(owner.owner)}" style="display:none">${detail.parts.join('')}</g>`);
  }
  const svg =
    `<svg id="treemap" viewBox="0 0 ${TREEMAP_WIDTH} ${TREEMAP_HEIGHT}" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="treemap of ${escapeHtml(r.image)}" data-rects="${overview.rects}">` +
    `<g class="view" id="view-all" data-title="all packages">${overview.parts.join('')}</g>${details.join('')}</svg>`;
  return { svg, overviewRects: overview.rects };
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1d2330; background: #f7f8fa; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; }
.sub { color: #5b6475; margin-bottom: 16px; }
.figures { display: flex; gap: 12px; flex-wrap: wrap; margin: 12px 0 20px; }
.figure { background: #fff; border: 1px solid #dde1e8; border-radius: 6px; padding: 8px 14px; }
.figure b { display: block; font-size: 18px; }
#crumb { margin: 6px 0; color: #5b6475; } #crumb a { color: #2457c5; cursor: pointer; text-decoration: underline; }
#treemap { width: 100%; height: auto; background: #fff; border: 1px solid #dde1e8; cursor: pointer; display: block; }
#treemap rect { stroke: #fff; stroke-width: 0.5; } #treemap rect.pkg { stroke-width: 1.5; }
#treemap g.owner:hover rect.pkg { fill-opacity: 0.85; }
#treemap text { pointer-events: none; font-family: system-ui, sans-serif; }
.pkg-label { fill: #fff; font-weight: 600; } .dir-label { fill: #1d2330; } .file-label { fill: #fff; }
table { border-collapse: collapse; background: #fff; border: 1px solid #dde1e8; min-width: 60%; }
th, td { padding: 3px 10px; text-align: left; border-bottom: 1px solid #eef0f4; }
th { background: #eef0f4; font-weight: 600; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: middle; }
.bar { background: #c9d3e6; height: 8px; border-radius: 2px; } code { font-size: 13px; }
.usage { display: flex; width: 160px; height: 8px; border-radius: 2px; overflow: hidden; background: #e7c9c9; } .usage .read { background: #5a9a6a; }
.caveat { background: #fff8e6; border: 1px solid #ecd9a6; border-radius: 6px; padding: 8px 14px; max-width: 900px; }
details { margin: 2px 0; } summary { cursor: pointer; } .untouched { color: #9a3d3d; } .read-file { color: #2f6b3f; }
`;

const SCRIPT = `
(function () {
  var svg = document.getElementById('treemap');
  var crumb = document.getElementById('crumb');
  var views = svg.querySelectorAll('g.view');
  function show(id) {
    for (var i = 0; i < views.length; i++) views[i].style.display = views[i].id === id ? '' : 'none';
    var view = document.getElementById(id);
    crumb.innerHTML = id === 'view-all' ? 'All packages: click one to zoom in.' : '<a id="back">All packages</a> › ' + view.getAttribute('data-title').replace(/[&<>]/g, '') ;
    var back = document.getElementById('back');
    if (back) back.onclick = function () { show('view-all'); };
    svg.setAttribute('data-view', id);
  }
  svg.addEventListener('click', function (event) {
    if (svg.getAttribute('data-view') !== 'view-all') return show('view-all');
    var owner = event.target.closest ? event.target.closest('[data-zoom]') : null;
    if (owner) show(owner.getAttribute('data-zoom'));
  });
  var links = document.querySelectorAll('[data-zoom-link]');
  for (var i = 0; i < links.length; i++) links[i].onclick = function () { show(this.getAttribute('data-zoom-link')); window.scrollTo(0, 0); };
  show('view-all');
  var drawn = 0;
  var rects = document.getElementById('view-all').querySelectorAll('rect');
  for (var j = 0; j < rects.length; j++) { var box = rects[j].getBBox(); if (box.width > 0 && box.height > 0) drawn++; }
  document.body.setAttribute('data-treemap-rects', String(drawn));
  document.body.setAttribute('data-treemap-ready', 'true');
  // A link to report.html#view-N opens that package zoomed in.
  var wanted = document.getElementById(location.hash.slice(1));
  if (wanted && wanted.getAttribute('class') === 'view') show(wanted.id);
})();
`;

function row(cells: string[]): string {
  return `<tr>${cells.join('')}</tr>`;
}

function td(text: string, numeric = false): string {
  return `<td${numeric ? ' class="num"' : ''}>${text}</td>`;
}

function figure(value: string, what: string): string {
  return `<div class="figure"><b>${value}</b>${what}</div>`;
}

/** The boot profile's section: per package, what the boot read and what it never touched, and per file. */
function bootUsageSection(u: BootUsage): string {
  const packages = u.packages
    .map((p) => {
      const share = p.bytes > 0 ? (100 * p.usedBytes) / p.bytes : 0;
      const file = (f: FileSize, read: boolean): string => `<div class="${read ? 'read-file' : 'untouched'}"><code>${escapeHtml(f.path)}</code> ${formatBytes(f.bytes)} ${read ? 'read' : 'never read'}</div>`;
      const files = `<details><summary>${p.files} file${p.files === 1 ? '' : 's'}</summary>${p.untouched.map((f) => file(f, false)).join('')}${p.read.map((f) => file(f, true)).join('')}</details>`;
      return row([
        td(escapeHtml(p.owner)),
        td(`${p.usedFiles}/${p.files}`, true),
        td(formatBytes(p.usedBytes), true),
        td(formatBytes(p.untouchedBytes), true),
        td(`<div class="usage" title="${n(share)}% of the bytes read"><div class="read" style="width:${n(share)}%"></div></div>`),
        td(files),
      ]);
    })
    .join('\n');
  return `<h2 id="boot-profile">Boot profile: what the boot read before switch-root (${escapeHtml(u.variants.join(', '))})</h2>
<div class="figures" data-boot-profile-files="${u.usedFiles}">
${figure(`${u.usedFiles} / ${u.files}`, 'files read')}
${figure(formatBytes(u.usedBytes), 'read')}
${figure(formatBytes(u.untouchedBytes), `never touched (about ${formatBytes(u.untouchedCompressedEstimate)} compressed)`)}
</div>
<p class="caveat">${escapeHtml(u.caveat)}${u.profilerOwn.length > 0 ? ` ${escapeHtml(profilerNote(u))}` : ''}</p>
<table><tr><th>package</th><th>files read</th><th>bytes read</th><th>never touched</th><th>read / untouched</th><th>files</th></tr>
${packages}
</table>`;
}

export function renderSizeReportHtml(r: SizeReport, options: { bootUsage?: BootUsage; timeline?: ChartedBoot[] } = {}): string {
  const { svg } = drawTreemap(r);
  const hues = new Map(r.owners.map((o, i) => [o.owner, hueOf(o, i)]));
  const largest = Math.max(1, ...r.owners.map((o) => o.bytes));
  const owners = r.owners
    .map((o, i) =>
      row([
        td(`<span class="swatch" style="background:hsl(${hues.get(o.owner)} 40% 35%)"></span>${o.bytes > 0 ? `<a data-zoom-link="view-${i}" href="#top">${escapeHtml(o.owner)}</a>` : escapeHtml(o.owner)}`),
        td(escapeHtml(o.layer ?? (o.kind === 'kernel' ? '(modules archive)' : '(strata)'))),
        td(String(o.files), true),
        td(formatBytes(o.bytes), true),
        td(percent(o.bytes, r.totals.bytes), true),
        td(`<div class="bar" style="width:${n((100 * o.bytes) / largest)}px"></div>`),
        td(o.installSize === null ? '' : formatBytes(o.installSize), true),
      ]),
    )
    .join('\n');
  const dirs = r.directories.slice(0, 40).map((d) => row([td(`<code>${escapeHtml(d.path)}/</code>`), td(String(d.files), true), td(formatBytes(d.bytes), true), td(percent(d.bytes, r.totals.bytes), true)])).join('\n');
  const files = r.largestFiles.map((f) => row([td(`<code>${escapeHtml(f.path)}</code>`), td(formatBytes(f.bytes), true), td(escapeHtml(f.owner))])).join('\n');
  const unowned = r.unowned.map((u) => row([td(`<code>${escapeHtml(u.path)}</code>`), td(u.type), td(formatBytes(u.bytes), true)])).join('\n');
  const gaps = r.modules;
  const undone = (gaps?.undoneExcludes ?? []).map((u) => row([td(`<code>${escapeHtml(u.rule)}</code>`), td(escapeHtml(u.modules.join(', '))), td(escapeHtml(u.pulledBackBy.join(', ')))])).join('\n');
  const firmware = (gaps?.missingFirmware ?? []).map((m) => row([td(escapeHtml(m.module)), td(String(m.files.length), true), td(`<code>${escapeHtml(m.files.join(' '))}</code>`)])).join('\n');
  const modulesSection = gaps
    ? `<h2>Kernel modules: asked for, not got</h2>
<table><tr><th>exclude rule undone by dependencies</th><th>modules in the image all the same</th><th>needed by</th></tr>
${undone || row([td('(none)'), td(''), td('')])}
</table>
<table><tr><th>module</th><th>firmware files not on the build host</th><th>files</th></tr>
${firmware || row([td('(none)'), td(''), td('')])}
</table>`
    : '';
  const removed = r.removeFiles.layers.map((l) => row([td(escapeHtml(l.layer)), td(String(l.paths), true), td(formatBytes(l.bytes), true)])).join('\n');
  const packageCount = r.owners.filter((o) => o.kind === 'package').length;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Size report: ${escapeHtml(r.recipe)}</title>
<style>${STYLE}</style>
</head>
<body id="top" data-recipe="${escapeHtml(r.recipe)}" data-treemap-expected="${svg.match(/data-rects="(\d+)"/)?.[1] ?? 0}">
<h1>Size report: ${escapeHtml(r.recipe)}</h1>
<div class="sub"><code>${escapeHtml(r.image)}</code> · sha256 <code>${r.sha256}</code></div>
<div class="figures">
${figure(formatBytes(r.compressedSize), 'image, compressed')}
${figure(formatBytes(r.totals.bytes), `in ${r.totals.files} files`)}
${figure(String(packageCount), 'packages')}
${figure(formatBytes(r.removeFiles.bytes), `saved by removeFiles (${r.removeFiles.paths} paths)`)}
${figure(String(r.unowned.length), `paths ${NOT_FROM_A_PACKAGE}`)}
</div>
${options.timeline ? `<h2 id="boot-timeline">Boot timeline</h2>\n${renderTimelineChart(options.timeline)}` : ''}
${options.bootUsage ? bootUsageSection(options.bootUsage) : ''}
<div id="crumb">All packages: click one to zoom in.</div>
${svg}
<h2>Packages</h2>
<table><tr><th>package</th><th>layer</th><th>files</th><th>in the image</th><th>share</th><th></th><th>rpm install size</th></tr>
${owners}
</table>
<h2>Directories</h2>
<table><tr><th>folder</th><th>files</th><th>bytes</th><th>share</th></tr>
${dirs}
</table>
<h2>Largest files</h2>
<table><tr><th>file</th><th>bytes</th><th>package</th></tr>
${files}
</table>
<h2>Not from any package</h2>
<table><tr><th>path</th><th>type</th><th>bytes</th></tr>
${unowned}
</table>
<h2>Removed by removeFiles</h2>
<table><tr><th>layer</th><th>paths</th><th>bytes</th></tr>
${removed}
</table>
${modulesSection}
<script>${SCRIPT}</script>
</body>
</html>
`;
}
