// In-process fan-out of event records. Subscribers run synchronously in subscription order, so a
// consumer that stages to disk (accounting, Signals) sees events in the order they happened. A
// subscriber that throws is reported and does not stop the others.

import type { OutpostEvent } from './record.js';

export type EventListener = (event: OutpostEvent) => void;

export class EventBus {
  private readonly listeners: EventListener[] = [];

  constructor(private readonly onListenerError: (error: unknown, event: OutpostEvent) => void = () => {}) {}

  /** Returns a function that unsubscribes. */
  subscribe(listener: EventListener): () => void {
    this.listeners.push(listener);
    return () => {
      const index = this.listeners.indexOf(listener);
      if (index >= 0) this.listeners.splice(index, 1);
    };
  }

  emit(event: OutpostEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
  }
}
