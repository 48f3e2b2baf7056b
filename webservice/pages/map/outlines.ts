/**
 * State outlines from us-atlas (Census Bureau cartographic boundaries, 1:10m), served by this service as
 * a file (/pages/us-states-10m.json) and turned into GeoJSON by topojson-client.
 */
import L from 'leaflet';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import type { Feature, Geometry } from 'geojson';

export interface Outlines {
  /** The bounds of a state's outline, by its name; undefined when unknown. */
  boundsOf(name: string): L.LatLngBounds | undefined;
}

export async function drawOutlines(map: L.Map): Promise<Outlines> {
  const res = await fetch('/pages/us-states-10m.json');
  if (!res.ok) throw new Error(`state outlines: ${res.status} ${res.statusText}`);
  const topology = (await res.json()) as Topology<{ states: GeometryCollection<{ name: string }> }>;
  const states = feature(topology, topology.objects.states);
  map.createPane('outlines');
  const pane = map.getPane('outlines');
  if (pane) pane.style.zIndex = '350'; // under the markers (overlayPane, 400)
  const layers = new Map<string, L.GeoJSON>();
  for (const state of states.features as Feature<Geometry, { name: string }>[]) {
    const layer = L.geoJSON(state, { pane: 'outlines', interactive: false, style: { color: '#7a8793', weight: 1, fillColor: '#f4f1ea', fillOpacity: 1 } }).addTo(map);
    layers.set(state.properties.name, layer);
  }
  return { boundsOf: (name) => layers.get(name)?.getBounds() };
}
