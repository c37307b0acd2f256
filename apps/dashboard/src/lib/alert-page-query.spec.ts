import { describe, expect, it } from 'vitest';
import { filtersError, noFilters, pageQuery } from './alert-page-query.ts';
import { photoOutcomes } from './photo-outcome.ts';

describe('pageQuery', () => {
  it('passes filters and the page cursor', () => {
    expect(pageQuery({ ...noFilters, camera: 'lobby', person: 'p1' }, '500-0')).toEqual({
      camera: 'lobby',
      person: 'p1',
      since: undefined,
      before: '500-0',
      limit: 50,
    });
  });

  it('turns From into since and To into an id bound, keeping the tighter bound', () => {
    const from = new Date('2026-11-25T10:00').getTime();
    const to = new Date('2026-11-25T11:00').getTime();
    const q = pageQuery({ ...noFilters, from: '2026-11-25T10:00', to: '2026-11-25T11:00' }, undefined);
    expect(q.since).toBe(from);
    expect(q.before).toBe(`${to + 60_000}-0`);
    expect(pageQuery({ ...noFilters, to: '2026-11-25T11:00' }, `${from}-0`).before).toBe(`${from}-0`);
  });

  it('rejects From after To', () => {
    expect(filtersError({ ...noFilters, from: '2026-11-25T12:00', to: '2026-11-25T11:00' })).toMatch(/after/);
    expect(filtersError({ ...noFilters, from: '2026-11-25T10:00' })).toBeUndefined();
  });
});

describe('photoOutcomes', () => {
  it('marks the files the api rejected, the others accepted', () => {
    const files = [{ name: 'a.jpg' }, { name: 'group.jpg' }, { name: 'b.png' }];
    expect(photoOutcomes(files, [{ file: 'group.jpg', reason: 'several faces' }])).toEqual([
      { file: 'a.jpg', outcome: 'accepted' },
      { file: 'group.jpg', outcome: 'rejected', reason: 'several faces' },
      { file: 'b.png', outcome: 'accepted' },
    ]);
  });

  it('tells apart two files of one name', () => {
    const files = [{ name: 'x.jpg' }, { name: 'x.jpg' }];
    expect(photoOutcomes(files, [{ file: 'x.jpg', reason: 'no face' }]).map((o) => o.outcome)).toEqual(['rejected', 'accepted']);
  });
});
