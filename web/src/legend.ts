// The legend dock: the box where the active view explains its colours sits
// in a column beside the map, not over it, so it never hides a label or a
// feature; it folds to a narrow strip and the map takes the room back.
import type { Map as MLMap } from 'maplibre-gl';
import { h } from './dom';
import { onLangChange, t } from './i18n';
import { roadsLegend } from './roads';

const KEY = 'bw.legend.collapsed';

/** dockLegend moves the legend element (the views' ctx.legend) into a
 * foldable column at the map's left edge and keeps the map beside it. */
export function dockLegend(map: MLMap, legend: HTMLElement): void {
  const mapEl = map.getContainer();
  const wrap = mapEl.parentElement!;
  let collapsed = localStorage.getItem(KEY) === 'true';
  const title = h('span', { class: 'legend-dock-title' });
  const toggle = h('button', {
    type: 'button', class: 'btn icon legend-toggle', id: 'legend-toggle', 'aria-controls': 'map-legend',
    onclick: () => { collapsed = !collapsed; localStorage.setItem(KEY, String(collapsed)); layout(); },
  });
  const dock = h('aside', { class: 'legend-dock', id: 'legend-dock', 'data-testid': 'legend-dock' }, h('div', { class: 'legend-dock-head' }, title, toggle));
  wrap.insertBefore(dock, legend);
  let roads = roadsLegend();
  dock.append(legend, roads);

  const layout = (): void => {
    const empty = legend.childElementCount === 0;
    dock.hidden = empty;
    dock.classList.toggle('collapsed', collapsed);
    legend.hidden = collapsed;
    roads.hidden = collapsed;
    title.textContent = t('legend.title');
    toggle.textContent = collapsed ? '»' : '«';
    toggle.title = t(collapsed ? 'legend.expand' : 'legend.collapse');
    toggle.setAttribute('aria-label', toggle.title);
    toggle.setAttribute('aria-expanded', String(!collapsed));
    // The map starts where the dock ends (MapLibre follows its container's size).
    const left = empty ? 0 : dock.offsetWidth;
    if (mapEl.style.left !== `${left}px`) mapEl.style.left = `${left}px`;
  };
  new MutationObserver(layout).observe(legend, { childList: true });
  new ResizeObserver(layout).observe(dock);
  onLangChange(() => {
    const fresh = roadsLegend();
    (fresh as HTMLDetailsElement).open = (roads as HTMLDetailsElement).open;
    roads.replaceWith(fresh);
    roads = fresh;
    layout();
  });
  layout();
}
