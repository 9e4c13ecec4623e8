import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.ts';
import { parseXml, type XmlElement } from './helpers/xml.ts';

/**
 * `raftsim run --svg DIR [--window A..B]` and `--html FILE`: pictures drawn
 * from the run, checked against what the run's own outputs say (the
 * history, the summary), rendered by a real browser where one is installed.
 */

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`export-pictures: ${CHROMIUM} is not installed, so the SVG and HTML are not rendered in a browser here (apt-get install -y chromium; .ci/run installs it)`);

const dir = mkdtempSync(join(tmpdir(), 'raftsim-pictures-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Summary {
  models: Record<string, { ops: { ok: number; fail: number; info: number }; linearizable: boolean | null }>;
}

let summary: Summary;
let history: { model: string; type: string; process: number }[];
const svgDir = join(dir, 'svg');
const htmlFile = join(dir, 'report.html');

beforeAll(async () => {
  const run = await cli('run', 'scenarios/cap/split-brain.yaml', '--json', '--svg', svgDir, '--html', htmlFile, '--history', join(dir, 'h.jsonl'));
  expect(run.err).toBe('');
  expect(run.code).toBe(0);
  summary = JSON.parse(run.out);
  history = readFileSync(join(dir, 'h.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}, 120_000);

function all(el: XmlElement, name: string): XmlElement[] {
  return [...(el.name === name ? [el] : []), ...el.children.flatMap((c) => all(c, name))];
}
const titleOf = (el: XmlElement) => el.children.find((c) => c.name === 'title')?.text ?? '';
const svg = (name: string) => parseXml(readFileSync(join(svgDir, name), 'utf8'));

/** A headless Chromium run of `url`: what it printed on its console (every level), and the DOM after the scripts ran. */
function chromium(url: string, extra: string[] = []): { console: string[]; dom: string } {
  const r = spawnSync(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu', '--enable-logging=stderr', '--v=0', ...extra, url], { encoding: 'utf8', timeout: 120_000 });
  const console = r.stderr.split('\n').filter((l) => /:CONSOLE[:(]/.test(l));
  return { console, dom: r.stdout };
}

describe('raftsim run --svg', () => {
  it('writes per model a space-time diagram and a client timeline, a linearizability failure where there is one, and every model stacked', () => {
    const models = Object.keys(summary.models);
    const expected = [
      ...models.flatMap((m) => [`${m}-spacetime.svg`, `${m}-clients.svg`, ...(summary.models[m]!.linearizable === false ? [`${m}-linearizability.svg`] : [])]),
      'all-spacetime.svg',
      'all-clients.svg',
    ];
    expect(readdirSync(svgDir).sort()).toEqual(expected.sort());
    for (const f of expected) expect(svg(f).name).toBe('svg');
  });

  it("draws one bar per client operation, coloured by its outcome, as many as the history and the summary count", () => {
    for (const [model, s] of Object.entries(summary.models)) {
      const bars = all(svg(`${model}-clients.svg`), 'rect').filter((r) => /^c\d+ (read|write|cas) /.test(titleOf(r)));
      const invokes = history.filter((e) => e.model === model && e.type === 'invoke');
      expect(bars.length).toBe(invokes.length);
      const by = (outcome: string) => bars.filter((b) => titleOf(b).includes(`: ${outcome}`)).length;
      expect([by('ok'), by('fail'), by('info')]).toEqual([s.ops.ok, s.ops.fail, s.ops.info]);
      // Each client's bars on its own row: client c at the same y every time.
      for (let c = 1; c <= 5; c++) {
        const ys = new Set(bars.filter((b) => titleOf(b).startsWith(`c${c} `)).map((b) => b.attrs['y']));
        expect(ys.size).toBe(1);
      }
    }
  });

  it('puts every model on one time axis: the same size, the same ticks', () => {
    const ticks = (name: string) => all(svg(name), 'text').map((t) => t.text).filter((t) => /^\d+(\.\d+)?(us|ms|s)$/.test(t));
    const sizes = (name: string) => [svg(name).attrs['width'], svg(name).attrs['height']];
    const models = Object.keys(summary.models);
    for (const kind of ['clients', 'spacetime']) {
      expect(new Set(models.map((m) => JSON.stringify(ticks(`${m}-${kind}.svg`)))).size).toBe(1);
      expect(new Set(models.map((m) => JSON.stringify(sizes(`${m}-${kind}.svg`)))).size).toBe(1);
    }
    expect(ticks('raft-clients.svg')).toEqual(['0us', '5s', '10s', '15s', '20s', '25s']);
  });

  it('shades the partition sides on the lanes and marks lost messages', () => {
    const doc = svg('raft-spacetime.svg');
    const sides = all(doc, 'rect').map(titleOf).filter((t) => t.startsWith('side '));
    expect(sides).toEqual(expect.arrayContaining(['side A: n1 n2 (5s on)', 'side B: n3 n4 n5 (5s on)']));
    const lost = all(doc, 'line').filter((l) => titleOf(l).includes('dropped'));
    expect(lost.length).toBeGreaterThan(0);
    for (const l of lost) expect(l.attrs['stroke-dasharray']).toBeDefined();
  });

  it('draws the window --window asks for', async () => {
    const out = join(dir, 'window');
    const run = await cli('run', 'scenarios/cap/split-brain.yaml', '--json', '--model', 'raft', '--svg', out, '--window', '11.9s..12.4s');
    expect(run.code).toBe(0);
    const doc = parseXml(readFileSync(join(out, 'raft-spacetime.svg'), 'utf8'));
    expect(all(doc, 'text').map((t) => t.text)).toEqual(expect.arrayContaining(['messages from 11.9s to 12.4s', 'heal']));
    const times = all(doc, 'line')
      .map(titleOf)
      .filter((t) => t.includes(': sent '))
      .map((t) => /sent ([\d.]+)(ms|s)/.exec(t)!)
      .map((m) => Number(m[1]) * (m[2] === 's' ? 1e6 : 1e3));
    expect(times.length).toBeGreaterThan(0);
    expect(Math.max(...times)).toBeLessThanOrEqual(12_400_000);
  });

  it.each([
    [['--window', '4s'], 'raftsim: --window: "4s" is not a window; expected A..B with times like 4s (e.g. 4s..6s)\n'],
    [['--window', '6s..4s'], 'raftsim: --window: "6s..4s" ends before it begins; expected A..B with A before B (e.g. 4s..6s)\n'],
    [['--window', 'x..4s', '--svg', 'DIR'], 'raftsim: --window: "x..4s" is not a window; expected A..B with times like 4s (e.g. 4s..6s)\n'],
    [['--window', '1s..2s'], 'raftsim: --window: chooses the space-time diagram of --svg or --html; expected one of them too\n'],
    [['--trace-format', 'perfetto'], 'raftsim: --trace-format perfetto: says how to write --trace FILE; expected --trace too\n'],
    [['--history', 'H', '--history-format', 'xml'], 'raftsim: --history-format: "xml" is not a format; expected jsonl or edn\n'],
    [['--svg', 'scenarios/leader-crash.yaml'], 'raftsim: --svg: scenarios/leader-crash.yaml is the scenario file; expected a directory (it is made when missing)\n'],
    [['--html', 'scenarios'], 'raftsim: --html: scenarios is a directory; expected a file name (e.g. scenarios/report.html)\n'],
    [['--window', '30s..31s', '--svg', 'DIR', '--until', '8s'], 'raftsim: --window: "30s..31s" begins at or after the end of the run (8s); expected a window that starts before it\n'],
  ])('refuses %j with a clear message and exit 2, writing nothing', async (flags, message) => {
    const args = flags.map((f) => (f === 'DIR' ? join(dir, 'never') : f === 'H' ? join(dir, 'never.jsonl') : f));
    const run = await cli('run', 'scenarios/leader-crash.yaml', ...args);
    expect([run.code, run.err]).toEqual([2, message]);
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });

  it('changes nothing in the run: the same summary, traceHash included, with every export as without', async () => {
    const plain = await cli('run', 'scenarios/cap/split-brain.yaml', '--json');
    const out = join(dir, 'same');
    const exported = await cli('run', 'scenarios/cap/split-brain.yaml', '--json', '--svg', out, '--html', `${out}.html`, '--junit', `${out}.xml`, '--trace', `${out}.json`, '--trace-format', 'perfetto');
    expect(exported.out).toBe(plain.out);
    expect(exported.out).toBe(JSON.stringify(summary) + '\n');
  });

  it('draws the same pictures when --follow streams the event log as the run goes', async () => {
    const a = join(dir, 'follow');
    const b = join(dir, 'batch');
    const followed = await cli('run', 'scenarios/leader-crash.yaml', '--ui', 'text', '--follow', '--svg', a, '--html', `${a}.html`);
    await cli('run', 'scenarios/leader-crash.yaml', '--ui', 'text', '--svg', b, '--html', `${b}.html`);
    expect(followed.out).toContain('n2 became leader of term 1');
    expect(readFileSync(`${a}.html`, 'utf8')).toBe(readFileSync(`${b}.html`, 'utf8'));
    for (const f of readdirSync(b)) expect(readFileSync(join(a, f), 'utf8')).toBe(readFileSync(join(b, f), 'utf8'));
  });

  it.skipIf(!haveChromium)('renders each picture in Chromium to a PNG of its size, with no console message', () => {
    for (const name of ['raft-spacetime.svg', 'async-failover-clients.svg', 'async-failover-linearizability.svg']) {
      const png = join(dir, name.replace('.svg', '.png'));
      const height = Math.ceil(Number(svg(name).attrs['height']));
      const r = chromium(`file://${join(svgDir, name)}`, ['--hide-scrollbars', `--screenshot=${png}`, `--window-size=1200,${height}`]);
      expect(r.console).toEqual([]);
      const bytes = readFileSync(png);
      expect(bytes.subarray(1, 4).toString()).toBe('PNG');
      expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([1200, height]);
    }
  });
});

describe('raftsim run --html', () => {
  it('is one self-contained file: no script, style, image or font from anywhere else', () => {
    const html = readFileSync(htmlFile, 'utf8');
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]*\s(src|href)=/i);
    expect(html).not.toMatch(/url\((?!#)/);
    expect(html).not.toMatch(/@import/);
    expect(html).toMatch(/^<!DOCTYPE html>/);
  });

  it.skipIf(!haveChromium)('opens in headless Chromium with no console error and shows every model', () => {
    const { console, dom } = chromium(`file://${htmlFile}`, ['--dump-dom']);
    expect(console).toEqual([]);
    for (const model of Object.keys(summary.models)) {
      expect(dom).toContain(`<button type="button" data-model="${model}"`);
      expect(dom).toContain(`<figure class="model" data-model="${model}"><div class="scroll"><svg class="pic"`);
      expect(dom).toContain(`<th data-model="${model}">${model}</th>`);
    }
    expect(dom).not.toContain('class="model hidden"');
  });

  it.skipIf(!haveChromium)('shows only the model a #model= link names (its script ran)', () => {
    const { console, dom } = chromium(`file://${htmlFile}#model=raft`, ['--dump-dom']);
    expect(console).toEqual([]);
    expect(dom).toContain('<figure class="model" data-model="raft"><div');
    expect(dom).toContain('<figure class="model hidden" data-model="async-failover">');
    expect(dom).toContain('<button type="button" data-model="raft" class="on">');
  });

  it.skipIf(!haveChromium)('would see a script error: the console check is not blind', () => {
    const bad = join(dir, 'bad.html');
    writeFileSync(bad, '<!DOCTYPE html><html><body><script>null.f();</script></body></html>');
    expect(chromium(`file://${bad}`, ['--dump-dom']).console.join('\n')).toContain('Uncaught TypeError');
  });
});
