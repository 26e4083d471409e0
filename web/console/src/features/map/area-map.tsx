import type { Feature, FeatureCollection, MultiPolygon, Polygon } from 'geojson';
import * as L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import { useEffect, useRef, useState } from 'react';
import type { AreaProperties } from '../../api/types.ts';

export type AreaFeatures = FeatureCollection<Polygon | MultiPolygon, AreaProperties>;

/** What the map shows for one area: its fill and the words for its tooltip and accessible name. */
export type AreaAppearance = { fill: string; title: string; lines: string[] };

type Props = {
  features: AreaFeatures;
  appearanceOf: (code: string) => AreaAppearance;
  selected: string | null;
  onSelect: (code: string) => void;
  dir: 'ltr' | 'rtl';
  labels: { region: string; zoomIn: string; zoomOut: string };
};

type AreaLayer = L.Polygon & { feature: Feature<Polygon | MultiPolygon, AreaProperties> };

function tooltipContent(a: AreaAppearance, dir: 'ltr' | 'rtl'): HTMLElement {
  // Built with textContent: area names come from imported files and must never be parsed as HTML.
  const root = document.createElement('div');
  root.dir = dir;
  root.className = 'area-tooltip';
  const title = document.createElement('strong');
  title.textContent = a.title;
  root.append(title);
  for (const line of a.lines) {
    const p = document.createElement('div');
    p.textContent = line;
    root.append(p);
  }
  return root;
}

/**
 * Areas drawn as SVG without any tile layer (no internet needed). Each area is a button: a roving tabindex lets the
 * keyboard step through areas with the arrow keys, Enter or Space selects, focus shows the same tooltip as hover.
 */
export function AreaMap({ features, appearanceOf, selected, onSelect, dir, labels }: Props) {
  const container = useRef<HTMLDivElement>(null);
  const [map, setMap] = useState<L.Map | null>(null);
  const [layers, setLayers] = useState<Map<string, AreaLayer> | null>(null);
  const onSelectRef = useRef(onSelect);
  onSelectRef.current = onSelect;
  const dirRef = useRef(dir);
  dirRef.current = dir;

  useEffect(() => {
    const m = L.map(container.current!, {
      attributionControl: false,
      zoomControl: false,
      keyboard: false,
      scrollWheelZoom: false,
      zoomSnap: 0.1,
      renderer: L.svg({ padding: 0.5 }),
    });
    // The map itself is not mirrored (geography has no reading direction); its controls move to the inline start.
    L.control
      .zoom({
        position: dir === 'rtl' ? 'topright' : 'topleft',
        zoomInTitle: labels.zoomIn,
        zoomOutTitle: labels.zoomOut,
      })
      .addTo(m);
    setMap(m);
    const resize = new ResizeObserver(() => m.invalidateSize());
    resize.observe(container.current!);
    return () => {
      resize.disconnect();
      m.remove();
      setMap(null);
    };
  }, [dir, labels.zoomIn, labels.zoomOut]);

  useEffect(() => {
    if (!map) return;
    const byCode = new Map<string, AreaLayer>();
    const group = L.geoJSON(features, {
      style: { weight: 0.7, color: '#4d4d4d', fillOpacity: 1, className: 'area-path' },
      onEachFeature: (feature, layer) => {
        const area = layer as AreaLayer;
        const code = (feature.properties as AreaProperties).code;
        byCode.set(code, area);
        area.bindTooltip(() => '', { sticky: true, direction: 'top', className: 'area-tooltip-box' });
        area.on('click', () => onSelectRef.current(code));
      },
    });
    group.addTo(map);
    const bounds = group.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [8, 8] });

    // Keyboard order: by name, so arrow keys walk the same list a reader sees in the table sorted by name.
    const order = [...byCode.entries()].sort((a, b) =>
      a[1].feature.properties.name.localeCompare(b[1].feature.properties.name),
    );
    order.forEach(([code, layer], i) => {
      const el = layer.getElement() as SVGPathElement | undefined;
      if (!el) return;
      el.setAttribute('role', 'button');
      el.setAttribute('data-code', code);
      el.setAttribute('tabindex', i === 0 ? '0' : '-1');
      el.addEventListener('focus', () => layer.openTooltip(layer.getBounds().getCenter()));
      el.addEventListener('blur', () => layer.closeTooltip());
      el.addEventListener('keydown', (e) => {
        const forward = dirRef.current === 'rtl' ? 'ArrowLeft' : 'ArrowRight';
        const backward = dirRef.current === 'rtl' ? 'ArrowRight' : 'ArrowLeft';
        let target: number | null = null;
        if (e.key === forward || e.key === 'ArrowDown') target = (i + 1) % order.length;
        else if (e.key === backward || e.key === 'ArrowUp') target = (i - 1 + order.length) % order.length;
        else if (e.key === 'Home') target = 0;
        else if (e.key === 'End') target = order.length - 1;
        else if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          onSelectRef.current(code);
          return;
        }
        if (target === null) return;
        e.preventDefault();
        const next = order[target]![1].getElement() as SVGPathElement | undefined;
        if (!next) return;
        el.setAttribute('tabindex', '-1');
        next.setAttribute('tabindex', '0');
        next.focus();
      });
    });
    setLayers(byCode);
    return () => {
      group.remove();
      setLayers(null);
    };
  }, [map, features]);

  useEffect(() => {
    if (!layers) return;
    for (const [code, layer] of layers) {
      const a = appearanceOf(code);
      const isSelected = code === selected;
      layer.setStyle({
        fillColor: a.fill,
        weight: isSelected ? 3 : 0.7,
        color: isSelected ? '#000000' : '#4d4d4d',
      });
      layer.setTooltipContent(tooltipContent(a, dir));
      const el = layer.getElement() as SVGPathElement | undefined;
      if (el) {
        el.setAttribute('aria-label', [a.title, ...a.lines].join(', '));
        el.setAttribute('aria-pressed', String(isSelected));
      }
    }
    const chosen = selected ? layers.get(selected) : undefined;
    if (chosen) {
      const el = chosen.getElement() as SVGPathElement | undefined;
      // bringToFront re-appends the path, which drops focus: give it back to a keyboard user who just pressed Enter.
      const hadFocus = el !== undefined && document.activeElement === el;
      chosen.bringToFront();
      if (hadFocus) el.focus();
      // The selected area takes the roving tab stop, so Tab returns to it.
      for (const layer of layers.values())
        (layer.getElement() as SVGPathElement | undefined)?.setAttribute('tabindex', '-1');
      el?.setAttribute('tabindex', '0');
    }
  }, [layers, appearanceOf, selected, dir]);

  return <div ref={container} className="area-map" dir="ltr" role="region" aria-label={labels.region} />;
}
