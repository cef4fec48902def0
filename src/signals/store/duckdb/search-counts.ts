// The Events API asks for a page and for the total count of the same condition at once. When the
// page turns out to hold every matching row (fewer rows than its limit, no cursor), that is the
// count: a count asked while such a search runs waits for it instead of reading the events again
// (a recipient's search on 10M events: the count was a second ~5 ms scan beside the page's).

export class SearchCounts {
  private readonly running = new Map<string, Promise<number | undefined>>();

  /** Registers a search of `where` (its rendered SQL) without a cursor, limited to `limit` rows. */
  track(where: string, limit: number, rows: Promise<readonly unknown[]>): void {
    const count = rows.then(
      (r) => (r.length < limit ? r.length : undefined),
      () => undefined,
    );
    this.running.set(where, count);
    void count.then(() => {
      if (this.running.get(where) === count) this.running.delete(where);
    });
  }

  /** The number of rows matching `where` if a running search will have them all, else undefined. */
  async known(where: string): Promise<number | undefined> {
    return this.running.get(where);
  }
}
