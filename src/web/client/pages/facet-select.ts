// A <select> of the facets, bound to a URL parameter.
import { h } from '../dom.js';
import { setParams } from '../url-state.js';
import { FACETS, type Facet } from './page.js';

export function facetSelect(current: Facet, name = 'facet', extra: Facet[] = []): HTMLElement {
  return h(
    'label',
    { class: 'control' },
    'Group by ',
    h(
      'select',
      {
        name,
        onchange: (e: Event) =>
          setParams({ [name]: (e.target as HTMLSelectElement).value, selected: undefined }),
      },
      ...[...FACETS, ...extra].map((f) =>
        h('option', { value: f.path, selected: f.path === current.path }, f.label),
      ),
    ),
  );
}
