// Tables that sort by any column (click the header; again to reverse). The sort is kept in the URL
// (`<id>_sort=col` or `-col`), each cell carries its raw value in data-value, each row its key.
import { h } from './dom.js';
import { param, setParams } from './url-state.js';

export interface Column<R> {
  key: string;
  label: string;
  value: (row: R) => string | number | null;
  /** What the cell shows (default: the value). */
  show?: (row: R) => Node | string;
  numeric?: boolean;
  title?: string;
}

export interface TableOptions<R> {
  rowKey: (row: R) => string;
  onSelect?: (row: R) => void;
  selected?: string;
  empty?: string;
}

function compare(a: string | number | null, b: string | number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), 'en', { numeric: true });
}

export function sortableTable<R>(
  id: string,
  columns: Column<R>[],
  rows: R[],
  options: TableOptions<R>,
): HTMLElement {
  const sort = param(`${id}_sort`);
  const desc = sort.startsWith('-');
  const column = columns.find((c) => c.key === sort.replace(/^-/, ''));
  const sorted = [...rows];
  if (column) {
    sorted.sort((a, b) => {
      const [x, y] = [column.value(a), column.value(b)];
      // Empty values stay last either way.
      if (x === null || y === null) return compare(x, y);
      return desc ? compare(y, x) : compare(x, y);
    });
  }
  const head = h(
    'tr',
    {},
    ...columns.map((c) => {
      const state = c === column ? (desc ? 'descending' : 'ascending') : 'none';
      return h(
        'th',
        { 'aria-sort': state, class: c.numeric ? 'num' : undefined, title: c.title, 'data-col': c.key },
        h(
          'button',
          {
            type: 'button',
            onclick: () => setParams({ [`${id}_sort`]: c === column && !desc ? `-${c.key}` : c.key }, true),
          },
          c.label,
          state === 'ascending' ? ' ▲' : state === 'descending' ? ' ▼' : '',
        ),
      );
    }),
  );
  const body = sorted.map((row) => {
    const key = options.rowKey(row);
    return h(
      'tr',
      {
        'data-key': key,
        class:
          [options.onSelect ? 'selectable' : '', key === options.selected ? 'selected' : '']
            .join(' ')
            .trim() || undefined,
        onclick: options.onSelect ? () => options.onSelect!(row) : undefined,
      },
      ...columns.map((c) => {
        const value = c.value(row);
        return h(
          'td',
          {
            class: c.numeric ? 'num' : undefined,
            'data-col': c.key,
            'data-value': value === null ? '' : String(value),
          },
          c.show ? c.show(row) : value === null ? '–' : String(value),
        );
      }),
    );
  });
  const empty =
    rows.length === 0
      ? h('p', { class: 'empty' }, options.empty ?? 'No data for this range and these filters.')
      : null;
  return h(
    'div',
    { class: 'table-wrap' },
    h('table', { id, class: 'data' }, h('thead', {}, head), h('tbody', {}, ...body)),
    empty,
  );
}
