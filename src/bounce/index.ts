export { BOUNCE_CLASSES, type BounceClass, bounceClass } from './bounce-class.js';
export {
  bounceCategory,
  type Classification,
  type ClassifyOptions,
  classify,
  type Outcome,
} from './classify.js';
export { parseReply, ReplyError, type SmtpReply } from './reply.js';
export { dsnStatus, normaliseStatus, statusText } from './status-text.js';
export { BOUNCE_CATEGORIES, STOCK_BOUNCE_CATEGORY_PATTERNS } from './stock-categories.js';
