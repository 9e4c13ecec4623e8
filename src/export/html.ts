import { renderTimeline } from '../check/linearizability/timeline.ts';
import { eventLog, textReport } from '../cli/report.ts';
import { formatUs } from '../core/time.ts';
import { isBrokenPromise, PROMISE_NAMES, PROMISE_PREFIX } from '../run/promises.ts';
import type { ModelRun, RunResult } from '../run/types.ts';
import type { Scenario } from '../scenario/types.ts';
import type { Recording } from './recorder.ts';
import { OUTCOME_COLORS, ROLE_COLORS, svgDocument, type ModelPictures, type Picture } from './svg.ts';
import { xmlAttr, xmlText } from './xml.ts';

/**
 * `raftsim run --html FILE`: one self-contained page (no network, no
 * external script, style or font): the scenario and its narration, the
 * figures side by side, each model's promises, verdict and `expect` lines,
 * then per model its pictures (space-time diagram, client timeline, the
 * linearizability failure) and its event log, and at the end the text
 * report. Hovering a message, an operation or a role shows its fields; a
 * slider zooms the time axis; buttons show one model or all (and
 * `#model=NAME` opens the page on one). A pure function of the run.
 */
export function htmlReport(scenario: Scenario, result: RunResult, recordings: readonly Recording[], pictures: readonly ModelPictures[]): string {
  const h = xmlText;
  const runs = result.runs;
  let body = '';
  body += `<header><h1>${h(result.scenario)}</h1><p class="meta">seed ${result.seed} · duration ${h(formatUs(result.durationMs * 1000))}${result.untilMs !== undefined ? ` · stopped at ${h(formatUs(result.untilMs * 1000))}` : ''} · ${runs.length} model${runs.length === 1 ? '' : 's'}: ${runs.map((r) => `${h(r.name)} (${h(r.summary.kind)})`).join(', ')}</p>`;
  if (scenario.description.trim() !== '') body += `<p class="description">${h(scenario.description.trim())}</p>`;
  body += '</header>\n';

  body += `<nav id="models"><span>show:</span> <button type="button" data-model="" class="on">every model</button>${runs.map((r) => ` <button type="button" data-model="${xmlAttr(r.name)}">${h(r.name)}</button>`).join('')}`;
  body += ` <label>zoom the time axis <input id="zoom" type="range" min="1" max="8" step="0.5" value="1"></label> <span id="zoomed">×1</span></nav>\n`;
  body += `<div id="hover" role="status">hover a message, an operation or a role for its fields</div>\n`;

  body += `<section><h2>Figures</h2>${figuresTable(runs)}</section>\n`;
  body += `<section><h2>Promises and verdicts</h2>${runs.map((r) => promisesBlock(r)).join('\n')}</section>\n`;
  if (result.expectations.length > 0) {
    body += `<section><h2>Expectations</h2><table><tr><th>model</th><th>field</th><th>expected</th><th>got</th><th></th></tr>`;
    for (const e of result.expectations) {
      body += `<tr class="${e.ok ? 'ok' : 'bad'}" data-model="${xmlAttr(e.model)}"><td>${h(e.model)}</td><td>${h(e.field)}</td><td>${h(e.want)}</td><td>${h(JSON.stringify(e.got))}</td><td>${e.ok ? '✓' : '✗ failed'}</td></tr>`;
    }
    body += '</table></section>\n';
  }
  const notes = result.notes ?? [];
  if (notes.length > 0) {
    body += `<section><h2>Narration</h2><table class="log">${notes.map((n) => `<tr><td class="t">${h(formatUs(n.atUs))}</td><td>${h(n.text)}</td></tr>`).join('')}</table></section>\n`;
  }

  body += `<section><h2>Space-time diagrams</h2><p class="hint">A lane per node coloured by its role; an arrow per message (dashed and ending in × when lost); partition sides shaded.</p>`;
  body += pictures.map((p) => figure(p.model, p.spacetime, 'space-time diagram')).join('\n');
  body += '</section>\n';
  body += `<section><h2>Client timelines</h2><p class="hint">A row per client on the same time axis for every model: ${legendText()}.</p>`;
  body += pictures.map((p) => figure(p.model, p.clients, 'client timeline')).join('\n');
  body += '</section>\n';
  const failing = pictures.filter((p) => p.linearizability !== undefined);
  if (failing.length > 0) {
    body += `<section><h2>Linearizability failures</h2>`;
    for (const p of failing) {
      const run = runs.find((r) => r.name === p.model)!;
      body += figure(p.model, p.linearizability!, 'linearizability failure');
      body += `<pre data-model="${xmlAttr(p.model)}">${h(renderTimeline(run.linearizability.failure!))}</pre>`;
    }
    body += '</section>\n';
  }
  body += `<section><h2>Event logs</h2>`;
  for (const run of runs) {
    const rec = recordings.find((r) => r.model === run.name);
    const lines = [...eventLog(run), ...(rec?.violations ?? []).map((v) => ({ atUs: v.atUs, text: `VIOLATION ${v.invariant}: ${v.detail}` }))].sort((a, b) => a.atUs - b.atUs);
    body += `<details class="model" data-model="${xmlAttr(run.name)}" open><summary>${h(run.name)}: ${lines.length} lines</summary><table class="log">${lines.map((l) => `<tr${l.text.startsWith('VIOLATION') ? ' class="bad"' : ''}><td class="t">${h(formatUs(l.atUs))}</td><td>${h(l.text)}</td></tr>`).join('')}</table></details>`;
  }
  body += '</section>\n';
  body += `<section><h2>Text report</h2><details><summary>as <code>raftsim run --ui text</code> prints it</summary><pre>${h(textReport(result, scenario.description, scenario.seed))}</pre></details></section>\n`;

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(`raftsim: ${result.scenario} (seed ${result.seed})`)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}<script>${SCRIPT}</script>
</body>
</html>
`;
}

function figure(model: string, picture: Picture, what: string): string {
  const svg = svgDocument(picture, `${model}: ${what}`).replace('<svg ', '<svg class="pic" ');
  return `<figure class="model" data-model="${xmlAttr(model)}"><div class="scroll">${svg}</div></figure>`;
}

function legendText(): string {
  const box = (c: string) => `<span class="box" style="background:${c}"></span>`;
  return `${box(OUTCOME_COLORS['ok']!)} ok, ${box(OUTCOME_COLORS['fail']!)} fail, ${box(OUTCOME_COLORS['info']!)} info, ${box(OUTCOME_COLORS['pending']!)} no answer; roles ${box(ROLE_COLORS['leader']!)} leader/primary, ${box(ROLE_COLORS['candidate']!)} candidate, ${box(ROLE_COLORS['follower']!)} follower/replica, ${box(ROLE_COLORS['crashed']!)} crashed`;
}

function figuresTable(runs: readonly ModelRun[]): string {
  const h = xmlText;
  const rows: [string, (r: ModelRun) => string][] = [
    ['kind', (r) => r.summary.kind],
    ['availability', (r) => `${(r.summary.availability * 100).toFixed(1)}%`],
    ['ok / fail / info', (r) => `${r.summary.ops.ok} / ${r.summary.ops.fail} / ${r.summary.ops.info}`],
    ['lostWrites', (r) => String(r.summary.lostWrites)],
    ['staleReads', (r) => String(r.summary.staleReads)],
    ['dirtyReads', (r) => String(r.summary.dirtyReads)],
    ['linearizable', (r) => String(r.summary.linearizable)],
    ['rtoMs', (r) => String(r.summary.rtoMs)],
    ['leaderChanges', (r) => String(r.summary.leaderChanges)],
    ['violations', (r) => String(r.summary.violations.filter((v) => !isBrokenPromise(v)).length)],
    ['converged', (r) => String(r.summary.converged)],
    ['messages sent / delivered / dropped', (r) => `${r.summary.messages.sent} / ${r.summary.messages.delivered} / ${r.summary.messages.dropped}`],
    ['events', (r) => String(r.summary.events)],
    ['traceHash', (r) => r.summary.traceHash],
  ];
  // A figure whose promise the run broke is red, as in the terminal UI.
  const brokenBy: Readonly<Record<string, string>> = { lostWrites: 'no lost writes', staleReads: 'no stale reads', dirtyReads: 'no dirty reads', linearizable: 'linearizable history', converged: 'converges after settle' };
  const broken = (r: ModelRun, row: string) => {
    const promise = brokenBy[row];
    if (row === 'violations') return r.summary.violations.some((v) => !isBrokenPromise(v));
    return promise !== undefined && r.summary.violations.some((v) => v.invariant === PROMISE_PREFIX + promise);
  };
  let out = `<table class="figures"><tr><th></th>${runs.map((r) => `<th data-model="${xmlAttr(r.name)}">${h(r.name)}</th>`).join('')}</tr>`;
  for (const [name, cell] of rows) {
    out += `<tr><td>${h(name)}</td>${runs.map((r) => `<td data-model="${xmlAttr(r.name)}"${broken(r, name) ? ` class="bad" title="${name === 'violations' ? 'a broken safety invariant' : 'a broken promise'}"` : ''}>${h(cell(r))}</td>`).join('')}</tr>`;
  }
  return out + '</table>';
}

function promisesBlock(run: ModelRun): string {
  const h = xmlText;
  const broken = new Set(run.summary.violations.filter(isBrokenPromise).map((v) => v.invariant.slice(PROMISE_PREFIX.length)));
  const undecided = new Set(run.summary.promisesUndecided ?? []);
  const items = run.summary.promises.map((p) => {
    const mark = broken.has(p) ? ['bad', '✗ broken'] : undecided.has(p) ? ['unknown', '? undecided'] : ['ok', '✓ kept'];
    return `<li class="${mark[0]}">${h(p)}: ${mark[1]}</li>`;
  });
  for (const w of run.promises.withdrawn) items.push(`<li class="unknown">${h(PROMISE_NAMES[w.key])}: withdrawn for this run (${h(w.reason)})</li>`);
  const safety = run.summary.violations.filter((v) => !isBrokenPromise(v));
  if (safety.length > 0) items.push(`<li class="bad">${safety.length} safety violation${safety.length === 1 ? '' : 's'}, first: ${h(`${safety[0]!.invariant}: ${safety[0]!.detail}`)}</li>`);
  return `<div class="model promises" data-model="${xmlAttr(run.name)}"><h3>${h(run.name)}</h3><p class="verdict">${h(run.verdict)}</p><ul>${items.join('')}</ul></div>`;
}

const STYLE = `
body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:0 auto;max-width:1320px;padding:0 16px 48px;color:#202124;background:#fff}
h1{margin:16px 0 4px}h2{border-bottom:1px solid #dadce0;padding-bottom:4px;margin-top:28px}h3{margin:8px 0 2px}
.meta{color:#5f6368;margin:0}.description{max-width:72em;line-height:1.45}
nav{position:sticky;top:0;background:#fff;padding:8px 0;border-bottom:1px solid #dadce0;z-index:2}
nav button{font:inherit;padding:3px 10px;border:1px solid #dadce0;border-radius:12px;background:#fff;cursor:pointer}
nav button.on{background:#1a73e8;color:#fff;border-color:#1a73e8}nav label{margin-left:16px}
#hover{position:sticky;top:44px;background:#f8f9fa;border:1px solid #dadce0;padding:4px 8px;font-size:13px;min-height:1.3em;z-index:2}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #dadce0;padding:3px 8px;text-align:left;vertical-align:top}
table.figures td:not(:first-child){font-variant-numeric:tabular-nums}
table.log td{border:none;padding:1px 8px}table.log td.t{text-align:right;color:#5f6368;white-space:nowrap;font-variant-numeric:tabular-nums}
tr.bad td,li.bad,td.bad{color:#a50e0e}td.bad{font-weight:bold;background:#fce8e6}li.ok{color:#137333}li.unknown{color:#b06000}
.promises{display:inline-block;vertical-align:top;width:31%;min-width:300px;margin-right:2%}.verdict{margin:2px 0;font-style:italic}
figure{margin:10px 0}.scroll{overflow-x:auto;border:1px solid #f1f3f4}
svg.pic{display:block;width:calc(var(--zoom,1)*100%);min-width:calc(var(--zoom,1)*900px);height:auto}
pre{background:#f8f9fa;padding:8px;overflow-x:auto;font-size:12px}.hint{color:#5f6368}
.box{display:inline-block;width:12px;height:10px;margin:0 3px 0 6px;border-radius:2px}
.hidden{display:none!important}
`;

const SCRIPT = `
(function () {
  'use strict';
  var buttons = document.querySelectorAll('#models button');
  function show(model) {
    document.querySelectorAll('[data-model]').forEach(function (el) {
      if (el.tagName === 'BUTTON') return;
      el.classList.toggle('hidden', model !== '' && el.getAttribute('data-model') !== model);
    });
    buttons.forEach(function (b) { b.classList.toggle('on', b.getAttribute('data-model') === model); });
  }
  buttons.forEach(function (b) {
    b.addEventListener('click', function () {
      var model = b.getAttribute('data-model');
      show(model);
      history.replaceState(null, '', model === '' ? '#' : '#model=' + encodeURIComponent(model));
    });
  });
  // A link can name the model to show: report.html#model=raft
  var named = /^#model=(.*)$/.exec(location.hash);
  if (named) {
    var wanted = decodeURIComponent(named[1]);
    buttons.forEach(function (b) { if (b.getAttribute('data-model') === wanted) show(wanted); });
  }
  var zoom = document.getElementById('zoom');
  var zoomed = document.getElementById('zoomed');
  zoom.addEventListener('input', function () {
    document.documentElement.style.setProperty('--zoom', zoom.value);
    zoomed.textContent = '\\u00d7' + zoom.value;
  });
  var hover = document.getElementById('hover');
  document.querySelectorAll('svg.pic').forEach(function (svg) {
    svg.addEventListener('mouseover', function (e) {
      var t = e.target;
      var title = t && t.querySelector ? t.querySelector(':scope > title') : null;
      if (title) hover.textContent = title.textContent;
    });
  });
})();
`;
