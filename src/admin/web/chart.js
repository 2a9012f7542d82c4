// Cluster throughput over time with uPlot: publications received and deliveries queued per second.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { html } from './html.js';

const HEIGHT = 220;
/** The time axis spans at least this many seconds, so the first readings do not fill it. */
const MIN_SPAN_S = 60;

function options(width) {
  return {
    width,
    height: HEIGHT,
    cursor: { drag: { x: false, y: false } },
    legend: { live: false },
    scales: {
      x: {
        time: true,
        range: (_u, min, max) => (max === null ? [min, max] : [Math.min(min, max - MIN_SPAN_S), max]),
      },
      y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
    },
    axes: [{}, { label: 'per second', size: 60 }],
    series: [
      {},
      {
        label: 'in (publications)',
        stroke: '#2563eb',
        width: 2,
        fill: 'rgba(37, 99, 235, 0.08)',
        points: { show: false },
      },
      {
        label: 'out (deliveries)',
        stroke: '#16a34a',
        width: 2,
        fill: 'rgba(22, 163, 74, 0.08)',
        points: { show: false },
      },
    ],
  };
}

/** `series`: [times (Unix seconds), in per second, out per second]. */
export function ThroughputChart({ series }) {
  const box = useRef(null);
  const plot = useRef(null);

  useEffect(() => {
    const element = box.current;
    plot.current = new uPlot(options(element.clientWidth), series, element);
    const resize = new ResizeObserver(() =>
      plot.current?.setSize({ width: element.clientWidth, height: HEIGHT }),
    );
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.current.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    plot.current?.setData(series);
  }, [series]);

  return html`<div class="chart" ref=${box} data-points=${series[0].length}></div>`;
}
