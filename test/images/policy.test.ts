import { describe, expect, it } from 'vitest';
import { PolicyError, expandTemplate, parsePolicyFile, selectTag, type ImagePolicySpec } from '../../src/images/index.ts';

const pick = (tags: readonly string[], spec: ImagePolicySpec) => selectTag(tags, spec, 'dev/app').tag;

describe('selectTag', () => {
  const tags = ['1.2.3', '1.3.0-rc.1', 'v1.10.0', 'main-42', 'sha-abc.sig', '1.2', 'V2.0.0', 'release-3.0.0'];

  it('semver: strict versions with at most a leading v, the tag string kept', () => {
    expect(pick(tags, { policy: { semver: { range: '*' } } })).toBe('v1.10.0');
    expect(pick(tags, { policy: { semver: { range: '<1.10.0' } } })).toBe('1.2.3');
    expect(pick(['v1.0.0', '1.0.0'], { policy: { semver: { range: '1.x' } } })).toBe('v1.0.0');
  });

  it('semver: pre-releases only when the range names one', () => {
    expect(pick(['1.2.3', '1.3.0-rc.1'], { policy: { semver: { range: '>=1.0.0' } } })).toBe('1.2.3');
    expect(pick(['1.2.3', '1.3.0-rc.1'], { policy: { semver: { range: '1.3.x' } } })).toBeUndefined();
    expect(pick(['1.2.3', '1.3.0-rc.1', '1.3.0-rc.2'], { policy: { semver: { range: '>=1.0.0-0' } } })).toBe('1.3.0-rc.2');
    expect(pick(['1.3.0-rc.1', '1.3.0'], { policy: { semver: { range: '>=1.0.0-0' } } })).toBe('1.3.0');
  });

  it('semver: an invalid range is a PolicyError naming the policy', () => {
    expect(() => pick(tags, { policy: { semver: { range: 'not a range' } } })).toThrow(PolicyError);
    expect(() => pick(tags, { policy: { semver: { range: 'not a range' } } })).toThrow(/^image policy dev\/app: semver.range/);
  });

  it('alphabetical: byte order, asc picks the last, desc the first', () => {
    expect(pick(['b', 'a', 'C', 'é'], { policy: { alphabetical: {} } })).toBe('é');
    expect(pick(['b', 'a', 'C'], { policy: { alphabetical: { order: 'desc' } } })).toBe('C');
    expect(pick(['2024-01-02', '2024-01-10', '2023-12-31'], { policy: { alphabetical: { order: 'asc' } } })).toBe('2024-01-10');
  });

  it('numerical: numbers compared as numbers; a tag that is not a number fails', () => {
    expect(pick(['9', '10', '1.5'], { policy: { numerical: {} } })).toBe('10');
    expect(pick(['9', '10', '1.5'], { policy: { numerical: { order: 'desc' } } })).toBe('1.5');
    expect(() => pick(['9', 'latest'], { policy: { numerical: {} } })).toThrow(/numerical: 1 tag\(s\) are not numbers: "latest"/);
  });

  it('filterTags with extract, Go-style named groups', () => {
    const ts = ['main-abc-1700000000', 'main-def-1700000100', 'feature-x-1800000000', 'main-zzz-99'];
    const spec: ImagePolicySpec = { filterTags: { pattern: '^main-[a-z]+-(?P<ts>\\d+)$', extract: '$ts' }, policy: { numerical: { order: 'asc' } } };
    expect(pick(ts, spec)).toBe('main-def-1700000100');
    expect(selectTag(ts, spec, 'x').candidates).toBe(3);
    expect(pick(['v1-rc', 'v2-rc', 'v10-rc'], { filterTags: { pattern: '^v(\\d+)-rc$', extract: '${1}' }, policy: { numerical: {} } })).toBe('v10-rc');
  });

  it('the exclusion list drops signatures by default, and can be replaced', () => {
    expect(pick(['a', 'z.sig'], { policy: { alphabetical: {} } })).toBe('a');
    expect(pick(['a', 'z.sig'], { policy: { alphabetical: {} }, exclusionList: [] })).toBe('z.sig');
    expect(pick(['a', 'b', 'z.sig'], { policy: { alphabetical: {} }, exclusionList: ['^b$'] })).toBe('z.sig');
  });

  it('expandTemplate follows Go Expand', () => {
    const match = /^(?<a>x)(y)$/.exec('xy')!;
    expect(expandTemplate('$a-${2}-$$-$missing', match)).toBe('x-y-$-');
  });
});

describe('parsePolicyFile', () => {
  it('accepts a valid file', () => {
    const policies = parsePolicyFile('p.json', JSON.stringify({ policies: { app: { policy: { semver: { range: '^1' } }, pinDigest: true } } }));
    expect(policies.get('app')?.pinDigest).toBe(true);
  });

  it('lists every problem at once, naming the file and field', () => {
    const text = JSON.stringify({
      policies: {
        a: { policy: { semver: { range: '><' } } },
        b: { policy: { numerical: { order: 'up' } }, filterTags: { pattern: '(' } },
        c: { policy: {}, exclusionList: 'x', colour: 1 },
      },
    });
    expect(() => parsePolicyFile('clusters/dev/image-policies.json', text)).toThrow(
      'clusters/dev/image-policies.json: policies.a.policy.semver.range: not a valid semver range: "><"; ' +
        'policies.b.policy.numerical.order: must be "asc" or "desc"; policies.b.filterTags.pattern: invalid regular expression "("; ' +
        'policies.c.colour: unknown field (expected policy, filterTags, exclusionList, pinDigest); ' +
        'policies.c.policy: must set exactly one of semver, alphabetical, numerical; policies.c.exclusionList: must be an array of regular expressions',
    );
  });
});
