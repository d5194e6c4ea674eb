import { describe, expect, it } from 'vitest';
import { BootprotoError } from '../../src/core/index.js';
import {
  applyOverlay,
  applyOverlayBlob,
  cellsValue,
  decodeFdt,
  findNode,
  setProperty,
  stringListValue,
  stringValue,
  validateOverlay,
  encodeFdt,
  deleteNode,
} from '../../src/fdt/index.js';
import { fixture } from './fixtures.js';

const base = decodeFdt(fixture('overlay-base.dtb'));
const ov1 = decodeFdt(fixture('overlay.dtb'));
const ov2 = decodeFdt(fixture('overlay2.dtb'));

describe('overlays, as fdtoverlay applies them', () => {
  it('gives the tree fdtoverlay wrote (committed fixtures)', () => {
    expect(applyOverlay(base, ov1).root).toEqual(decodeFdt(fixture('overlay-result.dtb')).root);
    expect(applyOverlay(base, ov2).root).toEqual(decodeFdt(fixture('overlay2-result.dtb')).root);
    expect(applyOverlay(applyOverlay(base, ov1), ov2).root).toEqual(decodeFdt(fixture('overlay12-result.dtb')).root);
  });

  it('leaves its inputs alone', () => {
    const before = encodeFdt(base);
    const ovBefore = encodeFdt(ov1);
    applyOverlay(base, ov1);
    expect(encodeFdt(base)).toEqual(before);
    expect(encodeFdt(ov1)).toEqual(ovBefore);
    expect(decodeFdt(applyOverlayBlob(fixture('overlay-base.dtb'), fixture('overlay.dtb'))).root).toEqual(
      decodeFdt(fixture('overlay-result.dtb')).root,
    );
  });

  it('reports every way an overlay can be wrong', () => {
    const noSymbols = structuredClone(base);
    deleteNode(noSymbols, '/__symbols__');
    const cases: [string, () => unknown, RegExp][] = [
      ['a base without __symbols__', () => applyOverlay(noSymbols, ov1), /no \/__symbols__/],
      [
        'an unknown symbol',
        () => {
          const b = structuredClone(base);
          deleteNode(b, '/__symbols__');
          b.root.children.push({ name: '__symbols__', properties: [{ name: 'other', value: stringValue('/') }], children: [] });
          return applyOverlay(b, ov1);
        },
        /no symbol "bus"/,
      ],
      [
        'a fixup past its property',
        () => {
          const o = structuredClone(ov1);
          setProperty(findNode(o, '/__fixups__')!, 'intc', stringValue('/fragment@0/__overlay__/newdev@2200:interrupt-parent:4'));
          return applyOverlay(base, o);
        },
        /past "interrupt-parent"/,
      ],
      [
        'a malformed fixup',
        () => {
          const o = structuredClone(ov1);
          setProperty(findNode(o, '/__fixups__')!, 'intc', stringValue('/fragment@0/__overlay__/newdev@2200:interrupt-parent'));
          return applyOverlay(base, o);
        },
        /path:property:offset/,
      ],
      [
        'an unresolved target',
        () => {
          const o = structuredClone(ov1);
          deleteNode(o, '/__fixups__');
          return applyOverlay(base, o);
        },
        /unresolved or malformed target/,
      ],
      [
        'a target path that leads nowhere',
        () => {
          const o = structuredClone(ov2);
          setProperty(findNode(o, '/fragment@2')!, 'target-path', stringValue('/nowhere'));
          return applyOverlay(base, o);
        },
        /no node at "\/nowhere"/,
      ],
      [
        'a fragment without target',
        () => {
          const o = structuredClone(ov2);
          const f = findNode(o, '/fragment@2')!;
          f.properties = [];
          return applyOverlay(base, o);
        },
        /neither target nor target-path/,
      ],
      [
        'a local fixup naming a missing property',
        () => {
          const o = structuredClone(ov1);
          setProperty(findNode(o, '/__local_fixups__/fragment@0/__overlay__/newdev@2200')!, 'nope', cellsValue([0]));
          return applyOverlay(base, o);
        },
        /no property "nope"/,
      ],
      [
        'a phandle that is not 4 bytes',
        () => {
          const o = structuredClone(ov1);
          setProperty(findNode(o, '/fragment@0/__overlay__/newdev@2200')!, 'phandle', cellsValue([1, 2]));
          return applyOverlay(base, o);
        },
        /not 4/,
      ],
      [
        'a symbol in an unknown fragment',
        () => {
          const o = structuredClone(ov1);
          setProperty(findNode(o, '/__symbols__')!, 'new', stringValue('/fragment@9/__overlay__/x'));
          return applyOverlay(base, o);
        },
        /no fragment "fragment@9"/,
      ],
    ];
    for (const [what, fn, message] of cases) {
      expect(fn, what).toThrow(BootprotoError);
      expect(fn, what).toThrow(message);
    }
    expect(validateOverlay(fixture('overlay.dtb'), encodeFdt(noSymbols))).toMatchObject([{ severity: 'error', structure: 'overlay' }]);
    expect(validateOverlay(fixture('overlay.dtb'), fixture('overlay-base.dtb'))).toEqual([]);
    expect(validateOverlay(fixture('overlay2.dtb'), fixture('overlay-base.dtb')).map((p) => p.severity)).toEqual(['info']);
  });

  it('lists every problem of a broken overlay at once', () => {
    const o = structuredClone(ov1);
    setProperty(findNode(o, '/__fixups__')!, 'intc', stringListValue(['/fragment@0/__overlay__/newdev@2200:interrupt-parent:4', '/nowhere:x:0', 'junk']));
    setProperty(findNode(o, '/__local_fixups__/fragment@0/__overlay__/newdev@2200')!, 'nope', cellsValue([0]));
    setProperty(findNode(o, '/__symbols__')!, 'bad', stringValue('relative'));
    findNode(o, '/fragment@0')!.properties = [];
    const messages = validateOverlay(encodeFdt(o), fixture('overlay-base.dtb')).map((p) => p.message);
    expect(messages).toEqual([
      '"fragment@0" has neither target nor target-path',
      '"bus": "/fragment@0" has no property "target"',
      '"intc": offset 4 is past "interrupt-parent" of "/fragment@0/__overlay__/newdev@2200"',
      '"intc": no node "/nowhere" in the overlay',
      '"intc": "junk" is not path:property:offset',
      '/fragment@0/__overlay__/newdev@2200 has no property "nope"',
      'symbol "bad" is not an absolute path',
    ]);
    expect(validateOverlay(new Uint8Array(10))[0]).toMatchObject({ severity: 'error', code: 'TRUNCATED' });
  });
});
