/**
 * The sample files of the sandbox tour: what a sustainability team really receives. A monthly
 * electricity report from the energy broker (one row per site), a fuel card export (one row per
 * fill-up) and a waste contractor's collection log (semicolons and decimal commas, as the
 * German contractor sends it). Sites are the sandbox platform's seeded facilities, so the
 * mapping wizard can match every site code. Values are deterministic: the same month always
 * gives the same file, which keeps the tour repeatable and the tests exact.
 */

export interface DemoSite {
  code: string;
  name: string;
  /** Typical monthly electricity use, kWh. */
  baseKwh: number;
  /** Share of electricity on a renewable tariff. */
  renewableShare: number;
  meter: string;
}

/** The sandbox seed's facilities (main/sandbox/seed.ts), with a plausible load profile each. */
export const DEMO_SITES: DemoSite[] = [
  { code: 'LON-01', name: 'London Head Office', baseKwh: 48_200, renewableShare: 1, meter: 'K19D04521' },
  { code: 'MAN-02', name: 'Manchester Plant', baseKwh: 212_500, renewableShare: 0.35, meter: 'E10Z88314' },
  { code: 'BER-01', name: 'Berlin Distribution Centre', baseKwh: 96_300, renewableShare: 0.6, meter: '1ESY1160552' },
  { code: 'LYO-01', name: 'Lyon Warehouse', baseKwh: 37_900, renewableShare: 0.2, meter: 'LY0423317' },
];

export interface SampleFile {
  /** Which demo feed (and so which demo source folder) the file belongs to. */
  feed: DemoFeed;
  name: string;
  content: string;
}

export type DemoFeed = 'electricity' | 'fuel' | 'waste';

/** A calendar month, 1-based. */
export interface Month {
  year: number;
  month: number;
}

export const monthOffset = (m: Month, delta: number): Month => {
  const index = m.year * 12 + (m.month - 1) + delta;
  return { year: Math.floor(index / 12), month: (index % 12) + 1 };
};

const pad = (n: number) => String(n).padStart(2, '0');
const daysIn = (m: Month) => new Date(Date.UTC(m.year, m.month, 0)).getUTCDate();
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
export const monthLabel = (m: Month) => `${m.year}-${pad(m.month)}`;

/** A small, repeatable wobble in [-1, 1] from a few integers (no randomness in sample files). */
function wobble(...seeds: number[]): number {
  let h = 2166136261;
  for (const s of seeds) h = Math.imul(h ^ s, 16777619);
  return ((h >>> 0) % 2001) / 1000 - 1;
}

/** Heating and cooling make winter and summer months heavier; spring and autumn lighter. */
const season = (month: number) => 1 + 0.12 * Math.cos(((month - 1) / 12) * 2 * Math.PI);

export function electricityReport(m: Month): SampleFile {
  const lines = ['Site code,Site name,Meter serial,Month,Electricity (kWh),Renewable electricity (kWh)'];
  DEMO_SITES.forEach((s, i) => {
    const kwh = Math.round(s.baseKwh * season(m.month) * (1 + 0.06 * wobble(m.year, m.month, i)));
    const renewable = Math.round(kwh * s.renewableShare);
    lines.push([s.code, s.name, s.meter, `${MONTHS[m.month - 1]} ${m.year}`, kwh, renewable].join(','));
  });
  return { feed: 'electricity', name: `electricity-report-${monthLabel(m)}.csv`, content: lines.join('\r\n') + '\r\n' };
}

const VEHICLES = [
  { reg: 'LK71 XRD', driver: 'S. Patel', site: 'LON-01', product: 'Unleaded' },
  { reg: 'MA70 HVB', driver: 'J. Okafor', site: 'MAN-02', product: 'Diesel' },
  { reg: 'MX22 TPL', driver: 'R. Hughes', site: 'MAN-02', product: 'Diesel' },
  { reg: 'B-AC 4471', driver: 'K. Weber', site: 'BER-01', product: 'Diesel' },
  { reg: 'GH-318-TZ', driver: 'C. Martin', site: 'LYO-01', product: 'Diesel' },
];

/** A fuel card provider's monthly transaction export, UK layout (DD/MM/YYYY, GBP). */
export function fuelCardExport(m: Month): SampleFile {
  const lines = ['Transaction date,Card number,Vehicle registration,Driver,Cost centre,Product,Quantity (litres),Net amount (GBP),Odometer (miles)'];
  const odometers = VEHICLES.map((_, i) => 18_000 + i * 7_350 + (m.year * 12 + m.month) * 900);
  VEHICLES.forEach((v, i) => {
    // Every vehicle fills up on different days, so no two rows share a site, product and date.
    for (let fill = 0; fill < 3; fill++) {
      const day = Math.min(daysIn(m), 3 + i * 2 + fill * 9);
      const litres = Math.round((42 + 14 * wobble(m.month, i, fill)) * 100) / 100;
      const price = v.product === 'Diesel' ? 1.28 : 1.21;
      odometers[i]! += Math.round(380 + 90 * wobble(i, fill, m.month));
      lines.push(
        [`${pad(day)}/${pad(m.month)}/${m.year}`, `7077 **** **** ${4821 + i * 113}`, v.reg, v.driver, v.site, v.product, litres.toFixed(2), (litres * price).toFixed(2), odometers[i]].join(','),
      );
    }
  });
  return { feed: 'fuel', name: `fuel-card-transactions-${monthLabel(m)}.csv`, content: lines.join('\r\n') + '\r\n' };
}

const STREAMS = [
  { stream: 'Mixed municipal waste', ewc: '20 03 01', container: '1100 l bin', treatment: 'Energy recovery', kg: 640 },
  { stream: 'Paper and cardboard', ewc: '15 01 01', container: 'Baler bale', treatment: 'Recycling', kg: 1_180 },
  { stream: 'Plastic packaging', ewc: '15 01 02', container: '1100 l bin', treatment: 'Recycling', kg: 310 },
  { stream: 'Fluorescent tubes', ewc: '20 01 21*', container: 'Coffin box', treatment: 'Hazardous treatment', kg: 18 },
];

/** A waste contractor's collection log as a German contractor sends it: ';' and decimal commas. */
export function wasteCollections(m: Month): SampleFile {
  const lines = ['Collection date;Site;Waste stream;EWC code;Container;Lifts;Weight (kg);Treatment'];
  ['BER-01', 'LYO-01', 'MAN-02'].forEach((site, i) => {
    STREAMS.forEach((s, j) => {
      if (s.ewc.endsWith('*') && site !== 'MAN-02') return;
      const day = Math.min(daysIn(m), 6 + i * 5 + j);
      const kg = (s.kg * (i === 2 ? 2.4 : 1) * (1 + 0.15 * wobble(m.month, i, j))).toFixed(1).replace('.', ',');
      lines.push([`${pad(day)}.${pad(m.month)}.${m.year}`, site, s.stream, s.ewc, s.container, 2 + ((i + j) % 3), kg, s.treatment].join(';'));
    });
  });
  return { feed: 'waste', name: `waste-collections-${monthLabel(m)}.csv`, content: lines.join('\r\n') + '\r\n' };
}

/**
 * What the tour puts in the folder now, and the one file it holds back for "drop the next sample
 * file": the electricity report of the month before last is in the folder, last month's waits.
 */
export function tourFiles(now: Date): { initial: SampleFile[]; heldBack: SampleFile } {
  const current: Month = { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1 };
  const first = monthOffset(current, -2);
  const next = monthOffset(current, -1);
  return {
    initial: [electricityReport(first), fuelCardExport(first), wasteCollections(first)],
    heldBack: electricityReport(next),
  };
}
