import { describe, expect, it } from 'vitest';
import { droppedWarnings, trackFields } from '../../../../src/local/debugger/rule-fields.ts';

describe('trackFields', () => {
  it("names each track item's fields with the parameter they fill, dimensions and params included", () => {
    const tracks = trackFields([
      {
        event: {
          category: 'Shop',
          action: 'Bought',
          name: '{% n %}',
          referrer: '{% r %}',
          dimensions: { 3: '{% d %}' },
        },
      },
      { pageview: { url: '{% u %}', params: { ua: '{% ua %}' } } },
      { nonsense: {} },
    ]);
    expect(tracks).toEqual([
      [
        { field: 'category', param: 'e_c' },
        { field: 'action', param: 'e_a' },
        { field: 'name', param: 'e_n' },
        { field: 'referrer', param: 'urlref' },
        { field: 'dimensions.3', param: 'dimension3' },
      ],
      [
        { field: 'url', param: 'url' },
        { field: 'params.ua', param: 'ua' },
      ],
      [],
    ]);
  });

  it('warns about each named field that left no parameter', () => {
    const [fields = []] = trackFields([
      { pageview: { url: '{% u %}', title: '{% t %}', referrer: '{% r %}' } },
    ]);
    expect(droppedWarnings(fields, { url: 'https://x/', action_name: 'T' })).toEqual([
      'referrer (urlref) produced nothing for this event and was left out',
    ]);
  });
});
