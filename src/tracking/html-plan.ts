// Where tracking changes one HTML document, found with htmlparser2's tokenizer (never regular
// expressions over HTML): the initial_open pixel where the body starts, the open pixel where it ends,
// every http(s) link's href value, and the data-msys-* attributes to drop. The result is a list of
// non-overlapping edits by source offset; rewrite.ts turns them into per-recipient bytes.
//
// Body start follows the HTML tree builder's "in head" rules closely enough for mail: after <body>,
// or else before the first thing that would open the body (text that is not blank, or a tag that
// may not live in <head>). Body end is the last </body>, else the last </html>, else the end.
import { QuoteType, Tokenizer, type TokenizerCallbacks } from 'htmlparser2';

export type Slot = { kind: 'initial_open' | 'open' } | { kind: 'click'; url: string; linkName?: string };

export interface Edit {
  start: number;
  end: number;
  /** What goes in place of [start, end); none means the range is removed. */
  slot?: Slot;
}

export interface PlanOptions {
  openTracking: boolean;
  initialOpen: boolean;
  clickTracking: boolean;
  /** Turns raw attribute text into characters (the document's charset); identity for decoded text. */
  decodeText: (raw: string) => string;
  /** Links that already go through the tracking domain are not wrapped twice. */
  isTrackingUrl: (url: string) => boolean;
  /** Links longer than this stay as they are. */
  maxUrlBytes: number;
}

export interface HtmlPlan {
  edits: Edit[];
  links: number;
}

/** Elements that may appear before the body without starting it (HTML "in head" insertion mode). */
const HEAD_TAGS = new Set([
  'html', 'head', 'title', 'meta', 'link', 'style', 'script', 'base', 'noscript', 'template',
  'basefont', 'bgsound', 'noframes',
]); // biome-ignore format: a word list
/** Head elements whose text content is not body text. */
const HEAD_TEXT_TAGS = new Set(['title', 'style', 'script', 'noscript', 'template', 'noframes']);
const LINK_TAGS = new Set(['a', 'area']);
/** Elements whose content is raw text up to their end tag (the tokenizer's special tags). */
const RAW_TEXT_TAGS = new Set([
  'script', 'style', 'title', 'textarea', 'xmp', 'iframe', 'noembed', 'noframes', 'plaintext',
]); // biome-ignore format: a word list
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;
const HTTP = /^https?:/i;
/** Browsers strip leading and trailing C0 controls and spaces from URLs (WHATWG URL). */
function trimUrl(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && value.charCodeAt(start) <= 0x20) start++;
  while (end > start && value.charCodeAt(end - 1) <= 0x20) end--;
  return value.slice(start, end);
}
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 12 || c === 13;

interface Attribute {
  name: string;
  nameStart: number;
  valueStart: number;
  valueEnd: number;
  value: string;
  hasValue: boolean;
}

class PlanBuilder implements TokenizerCallbacks {
  readonly edits: Edit[] = [];
  links = 0;
  bodyStart: number | undefined;
  bodyClose: number | undefined;
  htmlClose: number | undefined;
  private base: string | undefined;
  private tagName = '';
  private tagStart = 0;
  private attributes: Attribute[] = [];
  private attribute: Attribute | undefined;
  /** Inside a head element's text (title, style, …) before the body started. */
  private headText: string | undefined;
  /** End of the last complete token, and where an unterminated raw-text element or comment starts:
   * a pixel put at the very end of such a document would be swallowed by it. */
  private complete = 0;
  private rawOpen: { name: string; start: number } | undefined;
  private unclosedComment: number | undefined;

  constructor(
    private readonly source: string,
    private readonly options: PlanOptions,
    /** Inside an Outlook conditional comment: only links are tracked, VML (v:*) ones too. */
    private readonly mso = false,
    private readonly offset = 0,
  ) {}

  private at(index: number): number {
    return index + this.offset;
  }

  onopentagname(start: number, end: number): void {
    this.tagName = this.source.slice(this.at(start), this.at(end)).toLowerCase();
    this.tagStart = this.at(start) - 1;
    this.attributes = [];
  }

  onattribname(start: number, end: number): void {
    const name = this.source.slice(this.at(start), this.at(end)).toLowerCase();
    this.attribute = {
      name,
      nameStart: this.at(start),
      valueStart: this.at(end),
      valueEnd: 0,
      value: '',
      hasValue: false,
    };
  }

  onattribdata(start: number, end: number): void {
    if (this.attribute)
      this.attribute.value += this.options.decodeText(this.source.slice(this.at(start), this.at(end)));
  }

  onattribentity(codepoint: number): void {
    if (this.attribute) this.attribute.value += String.fromCodePoint(codepoint);
  }

  onattribend(quote: QuoteType, end: number): void {
    const attribute = this.attribute;
    if (!attribute) return;
    this.attribute = undefined;
    attribute.valueEnd = this.at(end);
    if (quote !== QuoteType.NoValue) {
      // The value (with its quotes) starts after `=` and any blanks around it.
      let i = attribute.valueStart;
      while (i < attribute.valueEnd && this.source[i] !== '=') i++;
      for (i++; i < attribute.valueEnd && isSpace(this.source.charCodeAt(i)); i++);
      attribute.valueStart = i;
      attribute.hasValue = true;
    } else attribute.valueStart = attribute.valueEnd;
    this.attributes.push(attribute);
  }

  onopentagend(end: number): void {
    this.finishTag(this.at(end) + 1);
  }

  onselfclosingtag(end: number): void {
    this.finishTag(this.at(end) + 1);
  }

  private finishTag(end: number): void {
    const name = this.tagName;
    if (LINK_TAGS.has(name) || (this.mso && name.startsWith('v:'))) this.link();
    if (this.mso) return;
    this.complete = end;
    if (RAW_TEXT_TAGS.has(name)) this.rawOpen = { name, start: this.tagStart };
    if (name === 'base' && this.base === undefined) this.setBase();
    if (this.bodyStart !== undefined) return;
    if (name === 'body') this.bodyStart = end;
    else if (!HEAD_TAGS.has(name)) this.bodyStart = this.tagStart;
    else if (HEAD_TEXT_TAGS.has(name)) this.headText = name;
  }

  private attr(name: string): Attribute | undefined {
    return this.attributes.find((a) => a.name === name);
  }

  private setBase(): void {
    const href = this.attr('href');
    if (!href) return;
    const value = trimUrl(href.value);
    this.base = HTTP.test(value) && URL.canParse(value) ? value : '';
  }

  private link(): void {
    const href = this.attr('href');
    const clicktrack = this.attr('data-msys-clicktrack');
    const linkName = this.attr('data-msys-linkname');
    // The data-msys-* attributes are instructions to the sender; they are not sent on.
    for (const consumed of [clicktrack, linkName]) if (consumed) this.remove(consumed);
    if (!href?.hasValue || !this.options.clickTracking || clicktrack?.value.trim() === '0') return;
    const url = this.target(trimUrl(href.value));
    if (!url) return;
    const slot: Slot = { kind: 'click', url };
    if (linkName?.value) slot.linkName = linkName.value;
    this.edits.push({ start: href.valueStart, end: href.valueEnd, slot });
    this.links++;
  }

  /** The URL to track, or nothing: only http(s), absolute or made absolute by <base href>. */
  private target(value: string): string | undefined {
    let url = value;
    if (!HTTP.test(value)) {
      if (!this.base || !value || value.startsWith('#') || SCHEME.test(value)) return undefined;
      url = new URL(value, this.base).href;
    }
    if (!URL.canParse(url) || !HTTP.test(new URL(url).protocol)) return undefined;
    if (this.options.isTrackingUrl(url) || Buffer.byteLength(url) > this.options.maxUrlBytes)
      return undefined;
    return url;
  }

  private remove(attribute: Attribute): void {
    let start = attribute.nameStart;
    while (start > this.tagStart && isSpace(this.source.charCodeAt(start - 1))) start--;
    this.edits.push({ start, end: attribute.valueEnd });
  }

  onclosetag(start: number, end: number): void {
    if (this.mso) return;
    const tag = this.source.slice(this.at(start), this.at(end)).toLowerCase();
    this.complete = this.source.indexOf('>', this.at(end)) + 1;
    if (tag === this.rawOpen?.name) this.rawOpen = undefined;
    if (tag === this.headText) this.headText = undefined;
    if (tag === 'body') this.bodyClose = this.at(start) - 2;
    else if (tag === 'html') this.htmlClose = this.at(start) - 2;
  }

  ontext(start: number, end: number): void {
    this.complete = this.at(end);
    if (this.mso || this.bodyStart !== undefined || this.headText) return;
    for (let i = this.at(start); i < this.at(end); i++) {
      if (!isSpace(this.source.charCodeAt(i))) {
        this.bodyStart = i;
        return;
      }
    }
  }

  ontextentity(_codepoint: number, end: number): void {
    this.complete = this.at(end);
    if (this.mso || this.bodyStart !== undefined || this.headText) return;
    this.bodyStart = this.source.lastIndexOf('&', this.at(end) - 1);
  }

  oncomment(start: number, end: number, endOffset: number): void {
    if (this.mso) return;
    this.complete = this.at(end) + 1;
    // htmlparser2 reports a comment still open at the end of the input with no end offset.
    if (endOffset === 0 && this.at(end) === this.source.length)
      this.unclosedComment = this.source.lastIndexOf('<', this.at(start) - 1);
    const text = this.source.slice(this.at(start), this.at(end) - endOffset);
    // Outlook conditional comments (`<!--[if mso]> … <![endif]-->`) hold the buttons Outlook shows.
    const open = /^\[if [^\]]*\]>/i.exec(text);
    if (!open || !this.options.clickTracking) return;
    const innerStart = this.at(start) + open[0].length;
    const close = text.lastIndexOf('<![endif]');
    const innerEnd = this.at(start) + (close < 0 ? text.length : close);
    const nested = new PlanBuilder(this.source, this.options, true, innerStart);
    tokenize(this.source.slice(innerStart, innerEnd), nested);
    this.edits.push(...nested.edits);
    this.links += nested.links;
  }

  oncdata(_start: number, end: number): void {
    this.complete = this.at(end) + 1;
  }
  ondeclaration(_start: number, end: number): void {
    this.complete = this.at(end) + 1;
  }
  onprocessinginstruction(_start: number, end: number): void {
    this.complete = this.at(end) + 1;
  }
  onend(): void {}

  /** Where the open pixel goes when there is no </body> or </html>: after the last thing that renders. */
  get end(): number {
    return this.unclosedComment ?? this.rawOpen?.start ?? this.complete;
  }
}

function tokenize(text: string, callbacks: TokenizerCallbacks): void {
  const tokenizer = new Tokenizer({ decodeEntities: true }, callbacks);
  tokenizer.write(text);
  tokenizer.end();
}

export function planHtml(source: string, options: PlanOptions): HtmlPlan {
  const builder = new PlanBuilder(source, options);
  tokenize(source, builder);
  const edits = builder.edits;
  if (options.openTracking) {
    let bottom = builder.bodyClose ?? builder.htmlClose ?? builder.end;
    const top = builder.bodyStart ?? bottom;
    if (bottom < top) bottom = Math.max(top, builder.end);
    if (options.initialOpen) edits.push({ start: top, end: top, slot: { kind: 'initial_open' } });
    edits.push({ start: bottom, end: bottom, slot: { kind: 'open' } });
  }
  // Insertions sort before a removal or replacement starting at the same offset, top before bottom.
  edits.sort((a, b) => a.start - b.start || a.end - b.end);
  return { edits, links: builder.links };
}
