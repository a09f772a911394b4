/** The Units step's “metric's own unit” choice names only metrics the mapping sends to. */
import { describe, expect, it } from 'vitest';
import { ownUnitLabel } from '../../../renderer/wizard/labels';
import { seedMetrics } from '../../fixtures/mapping/meter-readings';

describe('ownUnitLabel', () => {
  it('names the fixed metric', () => {
    expect(ownUnitLabel(seedMetrics, { fixedMetricId: 'met_fuel_diesel' })).toBe('the metric’s own unit (Diesel consumption: L)');
    expect(ownUnitLabel(seedMetrics, { fixedMetricId: '' })).toBe('the metric’s own unit');
  });

  it('with a metric column, names the metrics its rows go to, never one left over from a suggestion', () => {
    expect(ownUnitLabel(seedMetrics, { each: 'row', metricIds: ['met_fuel_diesel', 'met_fuel_petrol', 'met_fuel_diesel'] })).toBe(
      'the metric’s own unit, for each row the unit of its metric: Diesel consumption in L, Petrol consumption in L',
    );
    const many = ['met_elec_cons', 'met_ngas_kwh', 'met_water_withdrawal', 'met_fuel_diesel'];
    expect(ownUnitLabel(seedMetrics, { each: 'row', metricIds: many })).toBe('the metric’s own unit, for each row the unit of its metric');
    expect(ownUnitLabel(seedMetrics, { each: 'column', metricIds: ['met_elec_cons'] })).toBe('the metric’s own unit, for each column the unit of its metric: Electricity consumption in kWh');
  });
});
