// X-Job values may carry no whitespace and no non-printable characters (UG50 §3.3.7.45). The seed
// deployment's helper makes any campaign name safe by replacing every character outside this set
// with `_`, one underscore per character (code point), so the mapping is predictable.
const SAFE = /[A-Za-z0-9!#$%&'()*+,\-./:;<=>?@[\\\]^_{|}~]/;

export function safeJobId(text: string): string {
  let out = '';
  for (const char of text) out += SAFE.test(char) ? char : '_';
  return out;
}
