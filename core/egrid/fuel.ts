/**
 * Fuel categories (eGRID's PLFUELCT) and EPA's table from primary fuel codes (PLPRMFL, EIA-923 energy
 * source codes) to them, as the eGRID technical guide defines it. eGRID 2018's workbook carries both
 * columns; EPA's 2020 and 2021 files have only PLPRMFL, so the category is derived from the code.
 */

export const FUEL_CATEGORIES = ['COAL', 'OIL', 'GAS', 'OFSL', 'NUCLEAR', 'HYDRO', 'BIOMASS', 'WIND', 'SOLAR', 'GEOTHERMAL', 'OTHF'] as const;
export type FuelCategory = (typeof FUEL_CATEGORIES)[number];

/** What each category means, for legends and documentation. */
export const FUEL_CATEGORY_NAMES: Record<FuelCategory, string> = {
  COAL: 'Coal',
  OIL: 'Oil',
  GAS: 'Gas',
  OFSL: 'Other fossil',
  NUCLEAR: 'Nuclear',
  HYDRO: 'Hydro',
  BIOMASS: 'Biomass',
  WIND: 'Wind',
  SOLAR: 'Solar',
  GEOTHERMAL: 'Geothermal',
  OTHF: 'Other (storage, waste heat…)',
};

const CODES_BY_CATEGORY: Record<FuelCategory, readonly string[]> = {
  // anthracite, bituminous, lignite, subbituminous, refined, waste coal, coal synfuel, coal-derived syngas, coke oven gas
  COAL: ['ANT', 'BIT', 'LIG', 'SUB', 'RC', 'WC', 'SC', 'SGC', 'COG'],
  // distillate, residual, jet fuel, kerosene, waste oil, petroleum coke, petroleum coke syngas
  OIL: ['DFO', 'RFO', 'JF', 'KER', 'WO', 'PC', 'SGP'],
  // natural gas, gaseous propane
  GAS: ['NG', 'PG'],
  // blast furnace gas, other gas, tire-derived fuel, non-biogenic municipal solid waste
  OFSL: ['BFG', 'OG', 'TDF', 'MSN'],
  NUCLEAR: ['NUC'],
  HYDRO: ['WAT'],
  // agricultural byproducts, black liquor, landfill gas, municipal solid waste (biogenic), other biomass gas/liquids/solids, sludge, wood
  BIOMASS: ['AB', 'BLQ', 'LFG', 'MSW', 'MSB', 'OBG', 'OBL', 'OBS', 'SLW', 'WDL', 'WDS'],
  WIND: ['WND'],
  SOLAR: ['SUN'],
  GEOTHERMAL: ['GEO'],
  // other, process gas, purchased steam, waste heat, stored electricity (batteries and other storage), hydrogen
  OTHF: ['OTH', 'PRG', 'PUR', 'WH', 'MWH', 'H2'],
};

const CATEGORY_OF_CODE = new Map<string, FuelCategory>(Object.entries(CODES_BY_CATEGORY).flatMap(([category, codes]) => codes.map((code) => [code, category as FuelCategory])));

/** The category of a PLPRMFL code (any case); undefined for a code EPA's table does not list. */
export function fuelCategoryOfCode(code: string): FuelCategory | undefined {
  return CATEGORY_OF_CODE.get(code.trim().toUpperCase());
}

/** The codes of a category, for the synthetic sample and the tests. */
export function fuelCodesOf(category: FuelCategory): readonly string[] {
  return CODES_BY_CATEGORY[category];
}

export function isFuelCategory(value: string): value is FuelCategory {
  return (FUEL_CATEGORIES as readonly string[]).includes(value);
}
