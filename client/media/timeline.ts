/**
 * The timeline webview's script (bundled to dist/media/timeline.js). It draws the model
 * the extension posts: a table per run with one column (lane) per virtual CPU and one row
 * per step, IRQ-off cells shaded, locks as badges, IPIs as SVG arrows between lanes, the
 * deadlock row highlighted, and a text summary. Every string is set with textContent or
 * createTextNode: instruction text and names come from C source and are never parsed as HTML.
 */
import type { IpiArrow, LaneCell, StepRow, TimelineModel, TimelineRun } from '../src/timelineTypes';

interface VsCodeApi {
  postMessage(message: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const SVG_NS = 'http://www.w3.org/2000/svg';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

const VERDICT_TEXT: Readonly<Record<TimelineRun['verdictKind'], string>> = {
  deadlock: 'Deadlock',
  warn: 'Kernel warning',
  'no-deadlock': 'No deadlock',
};

function laneLabel(lane: LaneCell): string {
  if (lane.context === 'idle') return 'idle';
  return `${lane.context}${lane.function ? ` · ${lane.function}` : ''}${lane.irqsOff ? ' · IRQs off' : ''}`;
}

/** Context text for a lane, or null when it did not change since the previous step (keeps rows short). */
function contextText(lane: LaneCell, previous: LaneCell | undefined): string | null {
  const text = laneLabel(lane);
  return previous && laneLabel(previous) === text ? null : text;
}

function laneCell(run: TimelineRun, runIndex: number, row: StepRow, cpu: number): HTMLTableCellElement {
  const lane = row.lanes[cpu];
  const previous = run.steps[row.index - 1]?.lanes[cpu];
  const td = el('td', 'lane');
  if (!lane) return td;
  td.dataset.cpu = String(cpu);
  td.classList.add(`ctx-${lane.context}`);
  if (lane.irqsOff) td.classList.add('irqs-off');
  if (cpu === row.cpu) {
    td.classList.add('active');
    if (row.revealable) {
      const button = el('button', 'step', row.instruction);
      button.type = 'button';
      button.title = `Show ${row.where} in the editor`;
      button.addEventListener('click', () => vscode.postMessage({ type: 'reveal', run: runIndex, step: row.index }));
      td.append(button);
    } else {
      td.append(el('span', 'step synthetic', row.instruction));
    }
    if (row.where) td.append(el('span', 'where', row.where));
    if (row.event) td.append(el('div', 'event', `WARN: ${row.event}`));
  }
  const context = contextText(lane, previous);
  if (context) td.append(el('div', 'context', context));
  for (const lock of lane.locks) td.append(el('span', 'lock', `holds ${lock}`));
  if (run.highlightStep === row.index) td.classList.add('highlight');
  return td;
}

function runTable(run: TimelineRun, runIndex: number): HTMLTableElement {
  const table = el('table', 'timeline');
  const caption = el('caption', 'visually-hidden', `${run.label}: one column per virtual CPU, one row per step`);
  table.append(caption);
  const head = el('tr');
  head.append(el('th', 'stepno', 'Step'));
  for (let cpu = 0; cpu < run.cpus; cpu++) head.append(el('th', 'lane-head', `CPU ${cpu}`));
  const thead = el('thead');
  thead.append(head);
  table.append(thead);
  const body = el('tbody');
  for (const row of run.steps) {
    const tr = el('tr');
    tr.dataset.step = String(row.index);
    if (run.highlightStep === row.index) tr.classList.add('highlight-row');
    tr.append(el('th', 'stepno', `${row.preemption ? '⇢ ' : ''}${row.index + 1}`));
    for (let cpu = 0; cpu < run.cpus; cpu++) tr.append(laneCell(run, runIndex, row, cpu));
    body.append(tr);
  }
  if (run.stuck.length > 0) {
    const tr = el('tr', 'stuck-row');
    tr.append(el('th', 'stepno', 'stuck'));
    for (let cpu = 0; cpu < run.cpus; cpu++) {
      const stuck = run.stuck.find((s) => s.cpu === cpu);
      const td = el('td', stuck ? 'lane stuck' : 'lane');
      if (stuck) {
        td.append(el('div', 'stuck-what', `✖ ${stuck.instruction}`));
        td.append(el('div', 'stuck-why', `waits for ${stuck.waitingFor}`));
      }
      tr.append(td);
    }
    body.append(tr);
  }
  table.append(body);
  return table;
}

/** Draws each IPI as an arrow from the sender's cell to the target's cell in the same row. */
function drawIpis(wrap: HTMLElement, table: HTMLTableElement, ipis: IpiArrow[]): void {
  wrap.querySelector('svg.ipis')?.remove();
  if (ipis.length === 0) return;
  const box = wrap.getBoundingClientRect();
  const layer = svg('svg', { class: 'ipis', width: wrap.scrollWidth, height: wrap.scrollHeight, 'aria-hidden': 'true' });
  const defs = svg('defs', {});
  const marker = svg('marker', { id: 'arrowhead', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
  marker.append(svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead' }));
  defs.append(marker);
  layer.append(defs);
  for (const ipi of ipis) {
    const row = table.querySelector(`tr[data-step="${ipi.step}"]`);
    const from = row?.querySelector(`td[data-cpu="${ipi.fromCpu}"]`);
    const to = row?.querySelector(`td[data-cpu="${ipi.toCpu}"]`);
    if (!from || !to) continue;
    const a = from.getBoundingClientRect();
    const b = to.getBoundingClientRect();
    const rightward = b.left > a.left;
    const y = a.top - box.top + a.height - 8;
    const x1 = (rightward ? a.right - 8 : a.left + 8) - box.left;
    const x2 = b.left + b.width / 2 - box.left;
    layer.append(svg('line', { x1, y1: y, x2, y2: y, class: 'ipi', 'marker-end': 'url(#arrowhead)' }));
    const label = svg('text', { x: x2, y: y - 5, class: 'ipi-label', 'text-anchor': 'middle' });
    label.textContent = `IPI → CPU ${ipi.toCpu}`;
    layer.append(label);
  }
  wrap.append(layer);
}

function runSection(run: TimelineRun, runIndex: number): { section: HTMLElement; redraw: () => void } {
  const section = el('section', `run verdict-${run.verdictKind}${run.steps.length === 0 ? ' no-trace' : ''}`);
  const headingId = `run-${runIndex}`;
  section.setAttribute('aria-labelledby', headingId);
  const h2 = el('h2', undefined, run.label);
  h2.id = headingId;
  section.append(h2);
  const verdict = el('p', 'verdict');
  verdict.append(el('span', `badge badge-${run.verdictKind}`, VERDICT_TEXT[run.verdictKind]));
  verdict.append(document.createTextNode(` ${run.verdictSummary}`));
  section.append(verdict);
  section.append(el('p', 'search-note', `${run.cpus} virtual CPUs; ${run.searchNote}.`));
  const wrap = el('div', 'timeline-wrap');
  let redraw = (): void => undefined;
  if (run.steps.length > 0) {
    const table = runTable(run, runIndex);
    wrap.append(table);
    redraw = () => drawIpis(wrap, table, run.ipis);
  } else {
    wrap.append(el('p', 'empty', 'No interleaving reaches a deadlock or a kernel warning, so there is no trace to draw.'));
  }
  section.append(wrap);
  if (run.notes.length > 0) {
    const notes = el('ul', 'notes');
    for (const n of run.notes) notes.append(el('li', undefined, n));
    section.append(notes);
  }
  return { section, redraw };
}

function legend(): HTMLElement {
  const p = el('p', 'legend');
  const item = (cls: string, text: string): void => {
    const span = el('span', 'legend-item');
    span.append(el('span', `swatch ${cls}`), document.createTextNode(text));
    p.append(span);
  };
  item('irqs-off', 'IRQs off');
  item('ipi-swatch', 'IPI sent');
  item('highlight', 'deadlock / WARN point');
  item('stuck', 'stuck forever');
  p.append(el('span', 'legend-item', '⇢ preemption · click a step to show its line'));
  return p;
}

/** One observer for the page; a new model replaces what the old one watched. */
let resizeObserver: ResizeObserver | undefined;

function render(model: TimelineModel): void {
  const root = document.getElementById('root');
  if (!root) return;
  root.replaceChildren();
  root.append(el('h1', undefined, model.heading));
  root.append(legend());
  const runs = el('div', 'runs');
  const redraws: Array<() => void> = [];
  model.runs.forEach((run, i) => {
    const { section, redraw } = runSection(run, i);
    runs.append(section);
    redraws.push(redraw);
  });
  root.append(runs);
  const summary = el('section', 'summary');
  summary.setAttribute('aria-label', 'Text summary of the simulation');
  summary.append(el('h2', undefined, 'Summary'));
  for (const run of model.runs) {
    const list = el('ol');
    for (const line of run.summary) list.append(el('li', undefined, line));
    summary.append(list);
  }
  root.append(summary);
  const redrawAll = (): void => redraws.forEach((r) => r());
  requestAnimationFrame(redrawAll);
  resizeObserver?.disconnect();
  resizeObserver = new ResizeObserver(redrawAll);
  resizeObserver.observe(runs);
}

function isModelMessage(v: unknown): v is { type: 'model'; model: TimelineModel } {
  return typeof v === 'object' && v !== null && (v as Record<string, unknown>).type === 'model';
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (isModelMessage(event.data)) render(event.data.model);
});
vscode.postMessage({ type: 'ready' });
