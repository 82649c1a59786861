/**
 * Chart.js driven imperatively from an attachment: the chart is created once per canvas; an effect inside the
 * attachment pushes new data (read through a getter, so only what the chart shows is tracked) and calls
 * `update('none')`. No deeply reactive config object: Chart.js mutates its config, Svelte must not proxy it.
 */
import {
  BarController, BarElement, CategoryScale, Chart, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import type { Attachment } from 'svelte/attachments';
import { PALETTE, type Series } from './series.js';
import { theme } from './theme.svelte.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, BarController, BarElement, Legend, Tooltip, Filler);

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

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
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        parsing: false,
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
