/** The settings the service inlines into the page (webservice/pages/registry.ts, PageSettings). */
import { SETTINGS_ELEMENT_ID, type PageSettings } from '../registry';

export function readSettings(): PageSettings {
  const element = document.getElementById(SETTINGS_ELEMENT_ID);
  const parsed = element?.textContent ? (JSON.parse(element.textContent) as Partial<PageSettings>) : {};
  return { mapTilesUrl: typeof parsed.mapTilesUrl === 'string' ? parsed.mapTilesUrl : '' };
}
