/** Numbers as people read them: grouped digits, units, shares in percent. */
const mwh = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const percent = new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

export const formatMwh = (value: number): string => `${mwh.format(value)} MWh`;
export const formatShare = (fraction: number): string => percent.format(fraction);
export const formatCompactMwh = (value: number): string => `${compact.format(value)} MWh`;
export const formatCount = (value: number): string => mwh.format(value);
