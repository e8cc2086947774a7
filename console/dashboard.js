// SPDX-License-Identifier: MIT
// The dashboard (#/dashboard): hub calls, errors and average latency per
// minute over the last hour(s), per element or for one instance, from
// GET /metrics/summary (the node's per-minute counts of the caller's
// organization). Charts by uPlot (pinned in console/renderer/package.json,
// embedded as /console/uPlot.iife.min.js and uPlot.min.css); without it
// the page shows the totals only.

import { request } from './api.js';
import { errorBox, field, fill, h, notice, progress } from './dom.js';

let chartsLoad = null;
const COLORS = ['#2563eb', '#d97706', '#059669', '#dc2626', '#7c3aed', '#0891b2'];

/** Load uPlot once; resolves false when this build has none. */
function loadCharts() {
  if (window.uPlot) return Promise.resolve(true);
  if (chartsLoad) return chartsLoad;
  chartsLoad = new Promise((resolve) => {
    const css = document.createElement('link');
    css.rel = 'stylesheet';
    css.href = '/console/uPlot.min.css';
    document.head.appendChild(css);
    const s = document.createElement('script');
    s.src = '/console/uPlot.iife.min.js';
    s.onload = () => resolve(Boolean(window.uPlot));
    s.onerror = () => { chartsLoad = null; resolve(false); };
    document.head.appendChild(s);
  });
  return chartsLoad;
}

function chart(box, title, unit, xs, series, points) {
  const width = Math.max(320, Math.min(900, box.clientWidth || 640));
  const opts = {
    title,
    width,
    height: 200,
    scales: { x: { time: true } },
    axes: [{}, { label: unit }],
    series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: false, points: { show: points } }))],
  };
  return new window.uPlot(opts, [xs, ...series.map((s) => s.values)], box);
}

function scopeSeries(summary, scope) {
  if (scope === 'elements') {
    return summary.elements.map((e) => ({ label: e.element, s: e }));
  }
  const inst = summary.instances.find((i) => String(i.instanceId) === scope);
  return inst ? [{ label: `instance ${inst.instanceId}`, s: inst }] : [];
}

export async function renderDashboard(main, alive, query) {
  const title = h('h1', { tabindex: '-1' }, 'Dashboard');
  fill(main, title, progress('Loading the numbers…'));
  const minutes = query && /^\d+$/.test(query.get('minutes') || '') ? query.get('minutes') : '60';
  let summary;
  let names = {};
  let haveCharts;
  try {
    [summary, haveCharts] = await Promise.all([
      request('GET', '/metrics/summary', { query: { minutes } }),
      loadCharts(),
    ]);
    const list = await request('GET', '/instances').catch(() => []);
    for (const i of Array.isArray(list) ? list : []) names[i.id] = i.name;
  } catch (err) {
    if (alive()) fill(main, title, errorBox(err, 'The dashboard could not be loaded.'));
    return;
  }
  if (!alive()) return;
  const select = h('select', { id: 'dash-scope' },
    h('option', { value: 'elements' }, 'All instances, per element'),
    ...summary.instances.map((i) => h('option', { value: String(i.instanceId) },
      `${names[i.instanceId] || 'Instance'} (${i.element}, id ${i.instanceId})`)));
  const scope = query && query.get('instance');
  if (scope && summary.instances.some((i) => String(i.instanceId) === scope)) select.value = scope;
  const charts = h('div', { class: 'dash-charts', id: 'dash-charts' });
  const totals = h('p', { id: 'dash-totals', 'aria-live': 'polite' });
  const xs = [];
  for (let k = 0; k < summary.minutes; k++) xs.push(summary.start + k * summary.step);
  let plots = [];
  function draw() {
    for (const p of plots) p.destroy();
    plots = [];
    fill(charts);
    const picked = scopeSeries(summary, select.value);
    const calls = picked.reduce((n, p) => n + p.s.totalCalls, 0);
    const errors = picked.reduce((n, p) => n + p.s.totalErrors, 0);
    totals.textContent = `${calls} calls, ${errors} errors in the last ${summary.minutes} minutes.`;
    if (!picked.length) {
      charts.append(notice('info', 'No hub calls yet.'));
      return;
    }
    if (!haveCharts) {
      charts.append(notice('info', 'This build has no chart library (run make deps): totals only.'));
      return;
    }
    for (const [key, name, unit] of [['calls', 'Calls per minute', 'calls'], ['errors', 'Errors per minute', 'errors'], ['latencyMs', 'Average latency', 'ms']]) {
      const box = h('figure', { class: 'card dash-chart', 'data-chart': key });
      charts.append(box);
      const plot = chart(box, name, unit, xs, picked.map((p) => ({ label: p.label, values: p.s[key] })), key === 'latencyMs');
      // what the chart holds, for a look from outside (tests, devtools)
      box.dataset.nonzero = String(plot.data.slice(1).flat().filter((v) => v > 0).length);
      plots.push(plot);
    }
  }
  select.addEventListener('change', draw);
  fill(main, title,
    h('p', {}, `Hub calls this node served for your organization, per minute (${summary.minutes} minutes).`),
    field({ label: 'Show', control: select }),
    totals, charts);
  draw();
}
