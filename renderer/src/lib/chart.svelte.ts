/**
 * Chart.js driven imperatively from an attachment: the chart is created once per canvas; an effect inside the
 * attachment pushes new data (read through a getter, so only what the chart shows is tracked) and calls
 * `update('none')`. No deeply reactive config object: Chart.js mutates its config, Svelte must not proxy it.
 */
import {
  BarController, BarElement, CategoryScale, Chart, Filler, Legend, LinearScale, LineController, LineElement, LogarithmicScale, PointElement,
  ScatterController, Tooltip, type ChartConfiguration,
} from 'chart.js';
import type { Attachment } from 'svelte/attachments';
import { PALETTE, type Series } from './series.js';
import type { ScatterData } from './sweepScatter.js';
import { theme } from './theme.svelte.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, CategoryScale, BarController, BarElement, ScatterController, Legend, Tooltip, Filler);

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

/** Options every chart here shares: no animation, sized by its container, data already in Chart.js's {x, y} form. */
const DRAWN_AS_GIVEN = { animation: false, responsive: true, maintainAspectRatio: false, parsing: false } as const;

export interface LineOptions {
  yLabel: string;
  xLabel?: string;
  /** Fix the y range to 0..1 (accuracy). */
  unit?: boolean;
  title?: string;
}

/** A line chart of `getSeries()` (x = epoch). */
export function lineChart(getSeries: () => Series[], o: LineOptions): Attachment<HTMLCanvasElement> {
  return (canvas) => {
    const cfg: ChartConfiguration<'line', Array<{ x: number; y: number | null }>> = {
      type: 'line',
      data: { datasets: [] },
      options: {
        ...DRAWN_AS_GIVEN,
        normalized: true,
        interaction: { mode: 'nearest', intersect: false },
        scales: {
          x: { type: 'linear', min: 1, title: { display: true, text: o.xLabel ?? 'epoch' }, ticks: { precision: 0 } },
          y: { title: { display: true, text: o.yLabel }, ...(o.unit ? { min: 0, max: 1 } : { beginAtZero: true }) },
        },
        plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } }, tooltip: { enabled: true } },
      },
    };
    const chart = new Chart(canvas, cfg);
    $effect(() => {
      const series = getSeries();
      void theme.current; // recolour axes when the theme changes
      const fg = cssVar('--fg-muted');
      const grid = cssVar('--border');
      for (const axis of ['x', 'y'] as const) {
        const sc = chart.options.scales![axis]!;
        sc.ticks = { ...sc.ticks, color: fg };
        sc.grid = { ...sc.grid, color: grid };
        (sc as { title: { color?: string } }).title.color = fg;
      }
      chart.options.plugins!.legend!.labels!.color = fg;
      chart.data.datasets = series.map((s) => ({
        label: s.label,
        data: s.data.map((p) => ({ x: p.x, y: p.y })),
        borderColor: s.color,
        backgroundColor: s.color,
        borderDash: s.dashed ? [6, 4] : [],
        pointRadius: s.data.length > 60 ? 0 : 2.5,
        borderWidth: 2,
        spanGaps: true,
        tension: 0.15,
      }));
      chart.update('none');
    });
    return () => chart.destroy();
  };
}

/** A bar chart (class balance, probabilities). */
export function barChart(getData: () => { labels: string[]; values: number[]; colors?: string[] }, o: { yLabel: string; max?: number }): Attachment<HTMLCanvasElement> {
  return (canvas) => {
    const chart: Chart<'bar', number[], string> = new Chart(canvas, {
      type: 'bar',
      data: { labels: [], datasets: [{ label: o.yLabel, data: [] }] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, ...(o.max !== undefined ? { max: o.max } : {}), title: { display: true, text: o.yLabel } } },
        plugins: { legend: { display: false } },
      },
    });
    $effect(() => {
      const d = getData();
      void theme.current;
      const fg = cssVar('--fg-muted');
      for (const axis of ['x', 'y'] as const) {
        const sc = chart.options.scales![axis]!;
        sc.ticks = { ...sc.ticks, color: fg };
        sc.grid = { ...sc.grid, color: cssVar('--border') };
      }
      chart.data.labels = [...d.labels];
      const ds = chart.data.datasets[0]!;
      ds.data = [...d.values];
      ds.backgroundColor = d.colors ? [...d.colors] : d.labels.map((_, i) => PALETTE[i % PALETTE.length]!);
      chart.update('none');
    });
    return () => chart.destroy();
  };
}

/**
 * A scatter of a sweep's trials (one parameter against UAR): every completed fold as a small point, every recipe's
 * mean as a larger one. The x axis follows the data (linear, log, or categories shown by name).
 */
export function scatterChart(getData: () => { data: ScatterData; xLabel: string }, o: { yLabel: string }): Attachment<HTMLCanvasElement> {
  return (canvas) => {
    type Point = { x: number; y: number; label: string };
    const chart = new Chart<'scatter', Point[]>(canvas, {
      type: 'scatter',
      data: { datasets: [] },
      options: {
        ...DRAWN_AS_GIVEN,
        scales: { x: { type: 'linear' }, y: { min: 0, max: 1, title: { display: true, text: o.yLabel } } },
        plugins: {
          legend: { position: 'bottom', labels: { boxWidth: 12 } },
          tooltip: { callbacks: { label: (item) => `${(item.raw as Point).label}: UAR ${(100 * (item.raw as Point).y).toFixed(1)} %` } },
        },
      },
    });
    $effect(() => {
      const { data, xLabel } = getData();
      void theme.current;
      const fg = cssVar('--fg-muted');
      const grid = cssVar('--border');
      // Categories sit on a linear axis at 0, 1, 2…, labelled by name (a scatter needs numbers on both axes).
      const x =
        data.axis === 'category'
          ? { type: 'linear', min: data.min, max: data.max, ticks: { stepSize: 1, color: fg, callback: (v: number | string) => data.categories[Number(v)] ?? '' } }
          : { type: data.axis === 'log' ? 'logarithmic' : 'linear', min: data.min, max: data.max, ticks: { color: fg, maxRotation: 0, autoSkipPadding: 12 } };
      // Replaced whole: Chart.js rebuilds a scale whose type changed (another parameter picked) on update.
      (chart.options.scales as Record<string, unknown>).x = { ...x, grid: { color: grid }, title: { display: true, text: xLabel, color: fg } };
      const y = chart.options.scales!.y!;
      y.ticks = { ...y.ticks, color: fg };
      y.grid = { ...y.grid, color: grid };
      (y as { title: { color?: string } }).title.color = fg;
      chart.options.plugins!.legend!.labels!.color = fg;
      chart.data.datasets = [
        { label: 'trial (one fold)', data: data.trials.map((p) => ({ ...p })), backgroundColor: PALETTE[0], borderColor: PALETTE[0], pointRadius: 4 },
        { label: 'recipe (mean over folds)', data: data.recipes.map((p) => ({ ...p })), backgroundColor: PALETTE[1], borderColor: PALETTE[1], pointRadius: 7, pointStyle: 'triangle' },
      ];
      chart.update('none');
    });
    return () => chart.destroy();
  };
}
