import { describe, expect, it } from 'vitest';
import { clipSourceAt, clipWindow, personSearchBody, photoSearchFields, SEARCH_LIMIT, searchFilters } from './search-query.ts';

const empty = { personId: '', from: '', to: '', cameras: [], minScore: '' };

describe('search form', () => {
  it('needs a photo or a person', () => {
    expect(searchFilters(empty, false)).toEqual({ errors: { target: 'Choose a photo or a person to search for' } });
    expect(searchFilters(empty, true)).toEqual({ filters: { from: undefined, to: undefined, cameras: undefined, minScore: undefined } });
  });

  it('checks the range and the min score', () => {
    const bad = searchFilters({ ...empty, personId: 'p1', from: '2026-11-25T11:00', to: '2026-11-25T10:00', minScore: '2' }, false);
    expect(bad).toEqual({ errors: { range: '"From" must be before "To"', minScore: expect.stringMatching(/between -1 and 1/) } });
  });

  it('builds the JSON body of a person search and the fields of a photo search', () => {
    const from = new Date('2026-11-25T10:00').getTime();
    const checked = searchFilters({ ...empty, personId: 'p1', from: '2026-11-25T10:00', cameras: ['lobby', 'gate'], minScore: '0.3' }, false);
    if (!('filters' in checked)) throw new Error('expected filters');
    expect(personSearchBody('p1', checked.filters)).toEqual({ personId: 'p1', from, cameras: ['lobby', 'gate'], minScore: 0.3, limit: SEARCH_LIMIT });
    expect(photoSearchFields(checked.filters)).toEqual([
      ['from', String(from)],
      ['cameras', 'lobby,gate'],
      ['minScore', '0.3'],
      ['limit', String(SEARCH_LIMIT)],
    ]);
  });

  it('exports the window the clip plays, else the sighting span', () => {
    expect(clipWindow('/api/clips/lobby?from=1000&to=5000', 2000, 3000)).toEqual({ from: 1000, to: 5000 });
    expect(clipWindow('/api/clips/lobby', 2000.4, 2000.6)).toEqual({ from: 2000, to: 2001 });
  });
});

describe('clipSourceAt', () => {
  const url = '/api/clips/lobby?from=1000&to=5000';
  it('starts playback at the sighting, measured from where the cut clip really begins', () => {
    expect(clipSourceAt(url, 10_000, '6800')).toBe(`${url}#t=3.2`);
    expect(clipSourceAt(url, 10_000, '10000')).toBe(`${url}#t=0.0`);
    expect(clipSourceAt(url, 10_000, '12000')).toBe(`${url}#t=0.0`);
  });
  it('plays from the beginning when the clip start is unknown', () => {
    for (const header of [null, '', 'soon', '0']) expect(clipSourceAt(url, 10_000, header)).toBe(url);
  });
});
