import { describe, expect, it } from 'vitest';
import { periodStartGrain, reportsDaysCoarser, rowsRepeatWithinMonth } from '../../../shared/mapping/period-grain';
import { grainChoices } from '../../../renderer/wizard/StepSites';

const rows = (...r: Array<[string, string, string]>) => r.map(([site, product, date]) => ({ cells: { Site: site, Product: product, Date: date } }));

describe('rows per transaction', () => {
  it('are told apart from one row per site and month', () => {
    const key = ['Site', 'Product'];
    expect(rowsRepeatWithinMonth(rows(['A', 'Diesel', '03/10/2025'], ['A', 'Diesel', '12/10/2025']), 'Date', 'DD/MM/YYYY', key)).toBe(true);
    // Other product, other site, other month, or the same day again: not a sign of per-transaction rows.
    expect(rowsRepeatWithinMonth(rows(['A', 'Diesel', '03/10/2025'], ['A', 'Petrol', '12/10/2025'], ['B', 'Diesel', '12/10/2025']), 'Date', 'DD/MM/YYYY', key)).toBe(false);
    expect(rowsRepeatWithinMonth(rows(['A', 'Diesel', '03/10/2025'], ['A', 'Diesel', '03/11/2025']), 'Date', 'DD/MM/YYYY', key)).toBe(false);
    expect(rowsRepeatWithinMonth(rows(['A', 'Diesel', '03/10/2025'], ['A', 'Diesel', '03/10/2025']), 'Date', 'DD/MM/YYYY', key)).toBe(false);
    // Unreadable dates are left out, not guessed.
    expect(rowsRepeatWithinMonth(rows(['A', 'Diesel', 'soon'], ['A', 'Diesel', '12/10/2025']), 'Date', 'DD/MM/YYYY', key)).toBe(false);
    // With no site or metric column, any two days of one month repeat.
    expect(rowsRepeatWithinMonth(rows(['A', 'Diesel', '03/10/2025'], ['B', 'Petrol', '12/10/2025']), 'Date', 'DD/MM/YYYY', [])).toBe(true);
  });

  it('collide only where a date column of days is reported by month, quarter or year', () => {
    const date = { kind: 'date' as const, column: 'Date', fiscalYearStartMonth: 1, fiscalYearLabel: 'end' as const };
    expect(reportsDaysCoarser({ ...date, format: 'DD/MM/YYYY', granularity: 'month' })).toBe(true);
    expect(reportsDaysCoarser({ ...date, format: 'iso', granularity: 'quarter' })).toBe(true);
    expect(reportsDaysCoarser({ ...date, format: 'DD/MM/YYYY', granularity: 'custom' })).toBe(false);
    expect(reportsDaysCoarser({ ...date, format: 'MMM YYYY', granularity: 'month' })).toBe(false);
    expect(reportsDaysCoarser({ kind: 'fixed', start: '2025-01-01', end: '2025-01-31', granularity: 'month', fiscalYearStartMonth: 1, fiscalYearLabel: 'end' })).toBe(false);
    expect(reportsDaysCoarser(undefined)).toBe(false);
  });

  it('the wizard offers a period no finer than the cells', () => {
    expect(grainChoices('date', 'DD/MM/YYYY').map((c) => c.id)).toEqual(['custom', 'month', 'quarter', 'year']);
    expect(grainChoices('date', 'MMM YYYY').map((c) => c.id)).toEqual(['month', 'quarter', 'year']);
    expect(grainChoices('date', 'YYYY-Qn').map((c) => c.id)).toEqual(['quarter', 'year']);
    expect(grainChoices('year-month', '').map((c) => c.id)).toEqual(['month', 'quarter', 'year']);
  });
});

describe('periodStartGrain: dates that each start a period', () => {
  it('reads first-of-month dates as months, quarter starts as quarters and 1 January as years (from two dates or more)', () => {
    expect(periodStartGrain(['2024-01-01', '2024-02-01', null, ''], 'iso')).toBe('month');
    expect(periodStartGrain(['2024-01-01', '2024-04-01', '2024-07-01'], 'iso')).toBe('quarter');
    expect(periodStartGrain(['2023-01-01', '2024-01-01'], 'iso')).toBe('year');
    expect(periodStartGrain(['2024-01-01'], 'iso')).toBe('month');
    expect(periodStartGrain(['01.03.2024', '01.04.2024'], 'DD.MM.YYYY')).toBe('month');
  });

  it('says nothing when a date falls inside a month, or the format has no days', () => {
    expect(periodStartGrain(['2024-01-01', '2024-01-17'], 'iso')).toBeNull();
    expect(periodStartGrain([], 'iso')).toBeNull();
    expect(periodStartGrain(['2024-01', '2024-02'], 'YYYY-MM')).toBeNull();
  });
});
