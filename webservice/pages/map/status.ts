/** One sentence saying what the map shows. */
import type { PlantsQuery } from './api';
import { fuelName } from './fuel-style';
import { stateName } from './us-states';

export function describeSelection(query: PlantsQuery, listed: number, drawn: number): string {
  const what = query.fuel ? `${fuelName(query.fuel).toLowerCase()} plants` : 'plants';
  const where = query.state ? stateName(query.state) : 'the US';
  const count = query.topN === undefined ? `All ${listed.toLocaleString('en-US')} ${what}` : `Top ${listed.toLocaleString('en-US')} ${what}`;
  const unmapped = listed - drawn;
  return `${count} of ${where} in ${query.year}, by annual net generation${unmapped > 0 ? ` (${unmapped} without coordinates, listed only)` : ''}.`;
}
