// Makes docs/images/split-brain-trace.png: the Perfetto/Chrome trace of
// scenarios/cap/split-brain.yaml as chrome://tracing's viewer (Catapult's
// Trace Viewer) draws it, the picture docs/exports.md shows.
//
//   CATAPULT=/path/to/catapult node scripts/trace-screenshot.mjs [--out FILE] [--window 4.9s..5.6s]
//
// What it does: runs the scenario with `--trace FILE --trace-format perfetto`,
// turns the trace into one self-contained HTML page with Catapult's own
// `tracing/bin/trace2html` (the viewer chrome://tracing served, with the trace
// inside it), opens that page in headless Chromium, shows the raft model's
// tracks with the message flows turned on ("Flow events": message, dropped),
// zooms to the window, selects the partition so the panel below names it, and
// takes a screenshot.
//
// Needs, none of them a dependency of raftsim or part of `npm test`:
// - Chromium (`apt-get install -y chromium`; another binary with CHROMIUM=);
// - python3, for trace2html;
// - a checkout of Catapult (https://github.com/catapult-project/catapult;
//   `git clone --depth 1` is enough) in CATAPULT. Debian's Chromium 156 does
//   not open chrome://tracing (even with its internal pages turned on), and
//   Perfetto's UI and trace processor are not packaged for npm or Debian:
//   trace2html is the way to chrome://tracing's viewer offline.
// Chromium is driven over the DevTools protocol on a pipe
// (--remote-debugging-pipe), so no npm package is needed either.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const out = resolve(opt('--out', join(root, 'docs/images/split-brain-trace.png')));
const windowArg = opt('--window', '4.9s..5.6s');
const win = /^(\d+(?:\.\d+)?)s\.\.(\d+(?:\.\d+)?)s$/.exec(windowArg);
if (!win || !(Number(win[1]) < Number(win[2]))) fail(`--window: "${windowArg}" is not a window; expected A..B in seconds (e.g. 4.9s..5.6s)`);
const [winMinMs, winMaxMs] = [Number(win[1]) * 1000, Number(win[2]) * 1000];
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';
const catapult = process.env.CATAPULT;
const trace2html = catapult && join(catapult, 'tracing/bin/trace2html');
if (!existsSync(chromium)) fail(`${chromium} is not there: apt-get install -y chromium, or name another with CHROMIUM=`);
if (!trace2html || !existsSync(trace2html)) fail('CATAPULT must name a checkout of Catapult (it has tracing/bin/trace2html): git clone --depth 1 https://github.com/catapult-project/catapult');

function fail(msg) {
  console.error(`trace-screenshot: ${msg}`);
  process.exit(2);
}

function run(cmd, argv, cwd) {
  const r = spawnSync(cmd, argv, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} exited ${r.status ?? r.signal}:\n${r.stderr}`);
}

const dir = mkdtempSync(join(tmpdir(), 'raftsim-trace-'));
try {
  // The trace, and the viewer page with it inside. trace2html titles the page
  // "Trace from NAME" with the name as given, hence the relative name.
  run(process.execPath, [join(root, 'bin/raftsim.js'), 'run', join(root, 'scenarios/cap/split-brain.yaml'), '--trace', join(dir, 'split-brain.json'), '--trace-format', 'perfetto'], root);
  run('python3', [trace2html, 'split-brain.json', '--output', 'split-brain.html'], dir);
  const png = await screenshot(`file://${join(dir, 'split-brain.html')}`, join(dir, 'profile'));
  writeFileSync(out, png);
  console.log(`${out}: ${png.length} bytes (window ${windowArg})`);
} catch (e) {
  rmSync(dir, { recursive: true, force: true });
  fail(e.message);
}
rmSync(dir, { recursive: true, force: true });

/** The viewer page set up as described above, as PNG bytes. */
async function screenshot(url, profile) {
  const browser = spawn(chromium, [
    '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--no-first-run', '--disable-extensions',
    '--force-color-profile=srgb', `--user-data-dir=${profile}`, '--remote-debugging-pipe', 'about:blank',
  ], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
  let stderr = '';
  browser.stderr.on('data', (d) => { stderr += d; });
  const cdp = pipeSession(browser.stdio[3], browser.stdio[4]);
  const exited = new Promise((res) => browser.on('exit', res));
  const timer = setTimeout(() => { browser.kill('SIGKILL'); }, 180_000);
  try {
    const { targetId } = await cdp.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: true });
    const page = (method, params) => cdp.send(method, params, sessionId);
    const evaluate = async (expression) => {
      const r = await page('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
      if (r.exceptionDetails) throw new Error(`in the page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
      return r.result.value;
    };
    await page('Emulation.setDeviceMetricsOverride', { width: 1200, height: 970, deviceScaleFactor: 1, mobile: false });
    await page('Page.enable');
    await page('Page.navigate', { url });
    // The page has imported the trace when its timeline view holds a model
    // with process tracks, and set its first view (the whole run) once its
    // poll for the track view being laid out has stopped.
    await evaluate(`new Promise((res, rej) => {
      const t0 = Date.now();
      const poll = () => {
        const tv = document.querySelector('tr-ui-timeline-view');
        if (tv && tv.model && tv.trackView && tv.trackView.processViews.length > 0 && tv.trackView.pollIfViewportAttachedInterval_ === undefined) return res(true);
        if (Date.now() - t0 > 120000) return rej(new Error('the trace viewer did not load the trace in 2 minutes'));
        setTimeout(poll, 250);
      };
      poll();
    })`);
    const shown = await evaluate(`(() => {
      const tv = document.querySelector('tr-ui-timeline-view');
      const track = tv.trackView;
      // raft's process open, the primary/replica models' folded to their headers.
      for (const v of track.processViews) v.expanded = v.processBase.pid === 1;
      const raft = tv.model.processes[1];
      if (!raft || !/^raft/.test(raft.userFriendlyName)) throw new Error('process 1 is not the raft model: ' + (raft && raft.userFriendlyName));
      // Every message's flow arrow (categories message and dropped).
      tv.selectedFlowEvents.add('message');
      tv.selectedFlowEvents.add('dropped');
      // The floating mouse-mode palette would hide part of a track.
      const palette = track.querySelector('tr-ui-b-mouse-mode-selector');
      if (palette) palette.style.display = 'none';
      const vp = track.viewport;
      const dt = new tr.ui.TimelineDisplayTransform();
      dt.set(vp.currentDisplayTransform);
      dt.xSetWorldBounds(${winMinMs}, ${winMaxMs}, track.modelTrackContainer_.canvas.width);
      vp.setDisplayTransformImmediately(dt);
      // The partition, selected: the panel below the tracks names it.
      const partition = raft.instantEvents.find((e) => /^partition/.test(e.title));
      if (!partition) throw new Error('no partition instant on the raft process');
      tv.brushingStateController.changeSelectionFromTimeline(new tr.model.EventSet([partition]));
      vp.dispatchChangeEvent();
      return raft.userFriendlyName + ': ' + partition.title + ' at ' + partition.start + ' ms';
    })()`);
    console.log(`shown: ${shown}`);
    await evaluate('new Promise((res) => setTimeout(res, 1500))');
    const [seenMin, seenMax] = await evaluate(`(() => {
      const track = document.querySelector('tr-ui-timeline-view').trackView;
      const dt = track.viewport.currentDisplayTransform;
      return [dt.xViewToWorld(0), dt.xViewToWorld(track.modelTrackContainer_.canvas.width)];
    })()`);
    if (Math.abs(seenMin - winMinMs) > 1 || Math.abs(seenMax - winMaxMs) > 1) throw new Error(`the viewer shows ${seenMin}..${seenMax} ms, not the window ${winMinMs}..${winMaxMs} ms`);
    // Cut the empty space under the selection's details: down to the lowest text on the page.
    const bottom = await evaluate(`(() => {
      let bottom = 0;
      for (const el of Array.from(document.querySelectorAll('*'))) {
        if (!Array.from(el.childNodes).some((c) => c.nodeType === 3 && c.textContent.trim())) continue;
        const r = el.getBoundingClientRect();
        if (r.width > 0 && r.height > 0 && r.bottom <= innerHeight) bottom = Math.max(bottom, r.bottom);
      }
      return Math.ceil(bottom);
    })()`);
    const height = Math.min(970, Math.max(400, bottom + 12));
    const { data } = await page('Page.captureScreenshot', { format: 'png', clip: { x: 0, y: 0, width: 1200, height, scale: 1 } });
    await cdp.send('Browser.close').catch(() => {});
    return Buffer.from(data, 'base64');
  } catch (e) {
    browser.kill('SIGKILL');
    throw new Error(`${e.message}\n${stderr.split('\n').filter((l) => !/dbus|^\s*$/i.test(l)).slice(-10).join('\n')}`);
  } finally {
    clearTimeout(timer);
    await exited;
  }
}

/** The DevTools protocol over Chromium's --remote-debugging-pipe: JSON messages ended by a NUL byte. */
function pipeSession(toBrowser, fromBrowser) {
  let nextId = 1;
  const waiting = new Map();
  let buf = Buffer.alloc(0);
  fromBrowser.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    for (let end = buf.indexOf(0); end >= 0; end = buf.indexOf(0)) {
      const msg = JSON.parse(buf.subarray(0, end).toString('utf8'));
      buf = buf.subarray(end + 1);
      const w = msg.id !== undefined && waiting.get(msg.id);
      if (!w) continue;
      waiting.delete(msg.id);
      if (msg.error) w.rej(new Error(`${w.method}: ${msg.error.message}`));
      else w.res(msg.result);
    }
  });
  fromBrowser.on('close', () => {
    for (const w of waiting.values()) w.rej(new Error(`${w.method}: Chromium closed the pipe`));
    waiting.clear();
  });
  return {
    send(method, params = {}, sessionId) {
      const id = nextId++;
      const p = new Promise((res, rej) => waiting.set(id, { res, rej, method }));
      toBrowser.write(JSON.stringify(sessionId ? { id, method, params, sessionId } : { id, method, params }) + '\0');
      return p;
    },
  };
}
