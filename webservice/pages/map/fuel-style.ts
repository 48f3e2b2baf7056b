/** Colours of the fuel categories (colour-blind-aware Tableau 10 hues, grouped: fossil dark/warm, renewable cool/green). */
import { FUEL_CATEGORY_NAMES, isFuelCategory, type FuelCategory } from '../../../core/egrid/fuel';

const COLORS: Record<FuelCategory, string> = {
  COAL: '#3b3b3b',
  OIL: '#9c5a2e',
  GAS: '#f28e2b',
  OFSL: '#b07aa1',
  NUCLEAR: '#e15759',
  HYDRO: '#4e79a7',
  BIOMASS: '#59a14f',
  WIND: '#76b7b2',
  SOLAR: '#edc948',
  GEOTHERMAL: '#9c755f',
  OTHF: '#a0a0a0',
};

const UNKNOWN = '#d0d0d0';

export const fuelColor = (fuel: string | null): string => (fuel !== null && isFuelCategory(fuel) ? COLORS[fuel] : UNKNOWN);
export const fuelName = (fuel: string | null): string => (fuel === null ? 'Unknown' : isFuelCategory(fuel) ? FUEL_CATEGORY_NAMES[fuel] : fuel);
