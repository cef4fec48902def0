export { EventBus, type EventListener } from './bus.js';
export { newMessageId } from './message-id.js';
export { EVENT_TYPES, type EventType, type OutpostEvent } from './record.js';
