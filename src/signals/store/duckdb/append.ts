// Events into DuckDB as typed data chunks through the appender: each column of up to 2048 events
// is written straight into DuckDB's vectors (numbers as one typed-array copy, strings one call
// each), so nothing is serialized to JSON and parsed again. Measured against the loader this
// replaced (NDJSON through read_ndjson, DuckDB 1.5): DuckDB parses those rows for ~2.4 CPU µs per
// event, but writing them with JSON.stringify costs ~4.7 µs on the main thread, as much as this
// fill and flush, so neither way is cheaper (docs/signals-store.md, Speed).
// The node-api vector classes are bypassed on purpose: their validity masks are BigInt arithmetic
// per value, which cost more than the copy itself across the table's columns.

import { type DuckDBAppender, type DuckDBConnection, DuckDBDataChunk } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import { COLUMNS, type ColumnName, type StoredEvent } from '../columns.js';
import { packedExtra, STORED_COLUMNS } from './packed.js';

/** DuckDB's vector size: the most rows one data chunk holds. */
const CHUNK_ROWS = duckdb.vector_size();

type Writer = (events: readonly StoredEvent[], from: number, rows: number, vector: duckdb.Vector) => void;

/** A column's values as a validity mask (bit set = present) beside the data; a byte mask, no BigInt. */
class Validity {
  readonly bytes = new Uint8Array(CHUNK_ROWS / 8);
  private nulls = false;

  reset(): void {
    this.bytes.fill(0xff);
    this.nulls = false;
  }

  clear(row: number): void {
    this.bytes[row >> 3]! &= ~(1 << (row & 7));
    this.nulls = true;
  }

  flush(vector: duckdb.Vector, rows: number): void {
    if (!this.nulls) return;
    duckdb.vector_ensure_validity_writable(vector);
    const length = Math.ceil(rows / 64) * 8;
    duckdb.copy_data_to_vector_validity(vector, 0, this.bytes.buffer, 0, length);
  }
}

function numberWriter(name: string, array: Uint8Array | Uint16Array | Uint32Array): Writer {
  const validity = new Validity();
  return (events, from, rows, vector) => {
    validity.reset();
    for (let i = 0; i < rows; i++) {
      const value = (events[from + i] as Record<string, unknown>)[name];
      if (typeof value === 'number') array[i] = value;
      else if (typeof value === 'boolean') array[i] = value ? 1 : 0;
      else {
        array[i] = 0;
        validity.clear(i);
      }
    }
    duckdb.copy_data_to_vector(vector, 0, array.buffer as ArrayBuffer, 0, rows * array.BYTES_PER_ELEMENT);
    validity.flush(vector, rows);
  };
}

/** Strings, or for `extra` the event's extra fields and packed columns as JSON (packed.ts). */
function stringWriter(name: ColumnName): Writer {
  const validity = new Validity();
  const read =
    name === 'extra'
      ? packedExtra
      : (event: StoredEvent) => (event as Record<string, unknown>)[name] as string | undefined | null;
  return (events, from, rows, vector) => {
    validity.reset();
    for (let i = 0; i < rows; i++) {
      const value = read(events[from + i]!);
      if (value === undefined || value === null) validity.clear(i);
      else duckdb.vector_assign_string_element(vector, i, value);
    }
    validity.flush(vector, rows);
  };
}

function writerFor(name: ColumnName): Writer {
  switch (COLUMNS[name]) {
    case 'string':
    case 'type':
    case 'json':
      return stringWriter(name);
    case 'bool':
      return numberWriter(name, new Uint8Array(CHUNK_ROWS));
    case 'u16':
      return numberWriter(name, new Uint16Array(CHUNK_ROWS));
    default:
      return numberWriter(name, new Uint32Array(CHUNK_ROWS));
  }
}

/**
 * Writes events through a table's appender: `catalog`.main.`table`, whose columns are STORED_COLUMNS
 * in order with their loader types (schema.ts loaderType: `type` as VARCHAR, cast to the enum when
 * the rows move on). Rows are the appender's until flushed: clear() drops what was appended since.
 */
export class EventAppender {
  private readonly chunk: DuckDBDataChunk;
  private readonly writers = STORED_COLUMNS.map(writerFor);

  private constructor(private readonly appender: DuckDBAppender) {
    this.chunk = DuckDBDataChunk.create(STORED_COLUMNS.map((_, i) => appender.columnType(i)));
  }

  static async open(connection: DuckDBConnection, catalog: string, table: string): Promise<EventAppender> {
    return new EventAppender(await connection.createAppender(table, 'main', catalog));
  }

  append(events: readonly StoredEvent[]): void {
    const chunk = this.chunk.chunk;
    for (let from = 0; from < events.length; from += CHUNK_ROWS) {
      const rows = Math.min(CHUNK_ROWS, events.length - from);
      duckdb.data_chunk_reset(chunk);
      duckdb.data_chunk_set_size(chunk, rows);
      for (let c = 0; c < this.writers.length; c++) {
        this.writers[c]!(events, from, rows, duckdb.data_chunk_get_vector(chunk, c));
      }
      this.appender.appendDataChunk(this.chunk);
    }
  }

  /** Moves the rows appended so far into the table. */
  flush(): void {
    this.appender.flushSync();
  }

  /** Drops the rows appended since the last flush (DuckDB may have flushed a big batch on its own). */
  clear(): void {
    this.appender.clear();
  }

  close(): void {
    this.appender.closeSync();
  }
}
