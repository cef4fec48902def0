// `queue-filter a.com/vmta1,![*.]b.com/*,*/vmta4`: keep or drop d/b/t/tq records by queue
// (powermta.md §3.1). The first matching entry decides; a bare `foo.com` means `foo.com/{default}`.
// When nothing matches, the record is kept only if every entry is a negation (a pure deny list) —
// the guide does not say, and this is what a list of exclusions is written to mean.
import { domainMatches, parseDomainPattern } from '../../config/index.js';

export function compileQueueFilter(entries: readonly string[]): (queue: string) => boolean {
  if (entries.length === 0) return () => true;
  const rules = entries.map((entry) => {
    const negate = entry.startsWith('!');
    const [domain = '*', vmta = '{default}'] = (negate ? entry.slice(1) : entry).split('/');
    return { negate, domain: parseDomainPattern(domain), vmta };
  });
  const fallback = rules.every((r) => r.negate);
  return (queue) => {
    const [domain = '', vmta = '{default}'] = queue.split('/');
    for (const rule of rules) {
      if (domainMatches(rule.domain, domain) && (rule.vmta === '*' || rule.vmta === vmta))
        return !rule.negate;
    }
    return fallback;
  };
}
