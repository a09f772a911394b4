import { describe, expect, it } from 'vitest';
import type { SourceRow } from '../../../shared/domain';
import { parseProfile } from '../../../shared/mapping/profile';
import { previewMapping } from '../../../main/engine/mapping/preview';
import { entities } from '../../fixtures/mapping/catalogue';

// A platform that takes files (Altruistiq) has no metric library: the mapping names its metrics.
const rows: SourceRow[] = [
  { line: 2, cells: { Site: 'LDN-1', Month: '2024-01', Activity: 'ElectricityPurchased', Amount: '1200' } },
  { line: 3, cells: { Site: 'LDN-1', Month: '2024-02', Activity: 'WaterUse', Amount: '35' } },
];
async function* stream(): AsyncGenerator<SourceRow> {
  yield* rows;
}
const base = {
  schemaVersion: 1,
  name: 'Activities',
  sourceId: 'src',
  connectionId: 'conn',
  shape: { kind: 'long', valueColumn: 'Amount' },
  entity: { kind: 'column', column: 'Site', valueMap: { 'LDN-1': 'e-ldn' }, unknownEntity: 'hold' },
  period: { kind: 'date', column: 'Month', format: 'YYYY-MM' },
};
const now = { now: new Date('2025-01-01T00:00:00Z') };

describe('platforms without a metric library', () => {
  it('accept the metric name the mapping gives, instead of rejecting it as not in the library', async () => {
    const profile = parseProfile({ ...base, metric: { kind: 'fixed', metricId: 'Electricity purchased' } });
    const free = await previewMapping(profile, stream(), { metrics: [], entities, freeMetrics: true }, now);
    expect(free.rejected).toEqual([]);
    expect(free.payload.map((p) => p.record.metricId)).toEqual(['Electricity purchased', 'Electricity purchased']);
    // A platform with a library (even an empty one) still checks every metric.
    const checked = await previewMapping(profile, stream(), { metrics: [], entities }, now);
    expect(checked.payload).toEqual([]);
    expect(checked.rejected[0]?.reason).toMatch(/not in the platform's metric library/);
  });

  it('take a metric column as written when its value has no mapping', async () => {
    const profile = parseProfile({ ...base, metric: { kind: 'column', column: 'Activity', valueMap: { WaterUse: 'Water use' } } });
    const free = await previewMapping(profile, stream(), { metrics: [], entities, freeMetrics: true }, now);
    expect(free.held).toEqual([]);
    expect(free.payload.map((p) => p.record.metricId)).toEqual(['ElectricityPurchased', 'Water use']);
  });
});

describe('which platforms take free metric names', () => {
  it('a file platform with no metric list does; a record platform never does', async () => {
    const { takesFreeMetrics } = await import('../../../main/engine/mapping/service');
    const { AltruistiqAdapter } = await import('../../../main/engine/platforms/altruistiq/adapter');
    const { PactAdapter } = await import('../../../main/engine/platforms/pact/adapter');
    expect(takesFreeMetrics(AltruistiqAdapter.prototype, [])).toBe(true);
    expect(takesFreeMetrics(PactAdapter.prototype as unknown as { ingestRecords?: undefined }, [])).toBe(false);
    expect(takesFreeMetrics({ ingestRecords: async () => [] }, [])).toBe(false);
    expect(takesFreeMetrics(AltruistiqAdapter.prototype, [{ id: 'm', code: 'M', name: 'M', unit: 'kWh', category: 'c', valueType: 'number', custom: false, writable: true }])).toBe(false);
  });
});
