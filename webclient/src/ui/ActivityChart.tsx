// One analytics chart drawn by Chart.js (only the parts used are registered, so the rest is left
// out of the bundle), with its summary in words and its numbers as a table for those who cannot
// see the canvas.
import { useEffect, useId, useRef } from "react";
import {
  ArcElement, BarController, BarElement, CategoryScale, Chart, DoughnutController, Legend, LinearScale,
  LineController, LineElement, PointElement, Tooltip, type ChartConfiguration,
} from "chart.js";
import type { ChartSpec } from "../history/charts";

Chart.register(ArcElement, BarController, BarElement, CategoryScale, DoughnutController, Legend, LinearScale,
  LineController, LineElement, PointElement, Tooltip);
// For diagnosis from the console (and the browser tests, which read the charts with getChart).
(globalThis as { peershareChart?: typeof Chart }).peershareChart = Chart;

/** Told apart in both themes and by people with the common colour-vision deficiencies (Okabe–Ito). */
const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"];
const QUALITY_COLOURS = ["#009E73", "#E69F00", "#D55E00", "#8a8f98"];

function configOf(spec: ChartSpec): ChartConfiguration {
  const css = getComputedStyle(document.documentElement);
  const fg = css.getPropertyValue("--fg").trim() || "#888";
  const grid = css.getPropertyValue("--bg-3").trim() || "#444";
  const reduced = matchMedia("(prefers-reduced-motion: reduce)").matches;
  const legend = { labels: { color: fg } };
  if (spec.kind === "doughnut") {
    return {
      type: "doughnut",
      data: { labels: spec.labels, datasets: spec.series.map((s) => ({ label: s.label, data: s.data, backgroundColor: QUALITY_COLOURS })) },
      options: { animation: reduced ? false : undefined, maintainAspectRatio: false, plugins: { legend } },
    };
  }
  const axis = (title: string | undefined, position: "left" | "right", stacked: boolean) => ({
    position, stacked, beginAtZero: true, ticks: { color: fg, precision: 0 }, grid: { color: grid, drawOnChartArea: position === "left" },
    title: { display: !!title, text: title ?? "", color: fg },
  });
  const stacked = !!spec.stacked;
  return {
    type: "bar",
    data: {
      labels: spec.labels,
      datasets: spec.series.map((s, i) => ({
        type: s.kind ?? "bar", label: s.label, data: s.data, yAxisID: s.axis ?? "y",
        backgroundColor: PALETTE[i % PALETTE.length], borderColor: PALETTE[i % PALETTE.length],
        ...(s.kind === "line" ? { tension: 0.2, pointRadius: 2 } : {}),
      })),
    } as ChartConfiguration["data"],
    options: {
      animation: reduced ? false : undefined,
      maintainAspectRatio: false,
      plugins: { legend },
      scales: {
        x: { stacked, ticks: { color: fg }, grid: { color: grid } },
        y: axis(spec.axisTitles?.y, "left", stacked),
        ...(spec.series.some((s) => s.axis === "y2") ? { y2: axis(spec.axisTitles?.y2, "right", false) } : {}),
      },
    },
  };
}

export function ActivityChart({ spec }: { spec: ChartSpec }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const titleId = useId();
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, configOf(spec));
    return () => chart.destroy();
  }, [spec]);
  return (
    <figure className="chart card" aria-labelledby={titleId} data-chart={spec.id}>
      <h3 id={titleId}>{spec.title}</h3>
      <p className="chart-summary">{spec.summary}</p>
      <div className="chart-canvas">
        <canvas ref={canvas} role="img" aria-label={`${spec.title}: ${spec.summary}`} />
      </div>
      <details>
        <summary>Data table</summary>
        <table>
          <caption className="visually-hidden">{spec.title}</caption>
          <thead><tr>{spec.table.columns.map((c) => <th key={c} scope="col">{c}</th>)}</tr></thead>
          <tbody>
            {spec.table.rows.map((row) => (
              <tr key={String(row[0])}>{row.map((cell, i) => (i === 0 ? <th key={i} scope="row">{cell}</th> : <td key={i}>{cell}</td>))}</tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
