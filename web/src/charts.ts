// ECharts, with only the charts and components the console draws, so the
// bundle carries a fraction of the full library.
import * as echarts from 'echarts/core';
import { BarChart, GaugeChart, GraphChart, LineChart, PieChart } from 'echarts/charts';
import {
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  TooltipComponent,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([
  BarChart,
  GaugeChart,
  GraphChart,
  LineChart,
  PieChart,
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  TooltipComponent,
  CanvasRenderer,
]);

/** An ECharts option object. */
export type Option = echarts.EChartsCoreOption;

const live = new Set<echarts.ECharts>();
let dark = false;

/** Draws in the dark theme (the wall screen) from now on. */
export function setDark(on: boolean): void {
  dark = on;
}

/** Whether charts draw dark. */
export function isDark(): boolean {
  return dark;
}

function countPoints(option: Option): number {
  const series = (option as { series?: unknown }).series;
  const list = Array.isArray(series) ? series : series ? [series] : [];
  let n = 0;
  for (const s of list) {
    const data = (s as { data?: unknown }).data;
    if (Array.isArray(data)) n += data.length;
  }
  return n;
}

/**
 * Draws `option` into `el` (reusing its chart when there is one) and records
 * the number of data points on `el.dataset.points` (`points` when given,
 * else every series' data), which the end-to-end tests read to know a
 * chart has data.
 */
export function chart(el: HTMLElement, option: Option, points?: number): echarts.ECharts {
  let inst = echarts.getInstanceByDom(el);
  if (!inst) {
    inst = echarts.init(el, dark ? 'dark' : undefined, { renderer: 'canvas' });
    live.add(inst);
  }
  inst.setOption({ backgroundColor: 'transparent', ...option }, { notMerge: true });
  el.dataset.points = String(points ?? countPoints(option));
  return inst;
}

/** Removes the chart drawn in `el`, if any, so the element can show something else. */
export function clearChart(el: HTMLElement): void {
  const inst = echarts.getInstanceByDom(el);
  if (inst) {
    live.delete(inst);
    inst.dispose();
  }
  el.dataset.points = '0';
}

/** Disposes every chart (before a page is replaced). */
export function disposeAll(): void {
  for (const c of live) c.dispose();
  live.clear();
}

/** Resizes every chart to its container. */
export function resizeAll(): void {
  for (const c of live) {
    if (!c.isDisposed()) c.resize();
  }
}
