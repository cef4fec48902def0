// The control headers a source can ask Outpost to act on (powermta.md §5.1–5.3, §2.12): X-Job,
// jobid-header, X-Virtual-MTA, X-Envid, X-SP-Subaccount-ID, the custom message id header, and
// remove-header. Each returns what it found and which fields to drop from the stored message.
import type { SourceSettings } from '../config/index.js';
import { virtualMtaKind } from '../config/index.js';
import type { HeaderField, HeaderSection } from './headers.js';
import type { Policy } from './policy.js';
import { type Reply, replies } from './replies.js';

export interface ControlValues {
  jobId?: string;
  virtualMta?: string;
  virtualMtaKind?: 'vmta' | 'pool';
  headerEnvId?: string;
  subaccountId?: number;
  customMessageId?: string;
}

export interface ControlResult {
  values: ControlValues;
  remove: Set<HeaderField>;
}

/** White space and control characters are not allowed in a job id (UG50 §3.3.7.45). */
const JOB_ID = /^[^\s\p{Cc}]+$/u;

export function readControlHeaders(
  section: HeaderSection,
  settings: SourceSettings,
  policy: Policy,
  context: { user?: string; localIp: string },
): ControlResult | Reply {
  const values: ControlValues = {};
  const remove = new Set<HeaderField>();
  const fields = (key: string) => section.fields.filter((f) => f.key === key);

  if (settings['process-x-job']) {
    const jobs = fields('x-job');
    if (jobs.length > 1) return replies.badHeader('more than one X-Job header');
    const value = jobs[0]?.value;
    if (value && !JOB_ID.test(value))
      return replies.badHeader('X-Job contains white space or control characters');
    if (value) values.jobId = value;
    if (!settings['retain-x-job']) for (const f of jobs) remove.add(f);
  }
  const jobHeader = settings['jobid-header']?.toLowerCase();
  if (values.jobId === undefined && jobHeader) {
    const value = fields(jobHeader)[0]?.value;
    if (value && JOB_ID.test(value)) values.jobId = value;
  }
  const prefix = settings['jobid-prefix'];
  if (values.jobId !== undefined && prefix) {
    values.jobId = (prefix === '{auth}' ? (context.user ?? '') : prefix) + values.jobId;
  }

  const vmta = selectVirtualMta(fields('x-virtual-mta'), settings, policy, context.localIp, remove);
  if ('code' in vmta) return vmta;
  Object.assign(values, vmta);

  if (settings['process-x-envid']) {
    const envIds = fields('x-envid');
    if (envIds[0]?.value) values.headerEnvId = envIds[0].value;
    for (const f of envIds) remove.add(f);
  }

  if (policy.signals.processSubaccount) {
    const subaccounts = fields('x-sp-subaccount-id');
    const text = subaccounts[0]?.value ?? '';
    // An unsigned integer > 0 (UG50 §10.1.4.2.5); anything else is ignored, as if absent.
    if (/^\d{1,10}$/.test(text) && Number(text) > 0 && Number(text) <= 0xffffffff) {
      values.subaccountId = Number(text);
    }
    if (!policy.signals.retainSubaccount) for (const f of subaccounts) remove.add(f);
  }
  const customHeader = policy.signals.customMessageIdHeader;
  if (customHeader) {
    const value = fields(customHeader)[0]?.value;
    if (value && value.length <= 512 && /^[\x20-\x7e]+$/.test(value)) values.customMessageId = value;
  }

  const removeNames = new Set(settings['remove-header'].map((name) => name.toLowerCase()));
  for (const f of section.fields) if (removeNames.has(f.key)) remove.add(f);
  return { values, remove };
}

/**
 * X-Virtual-MTA when processed (an empty value means `{default}` only with
 * allow-empty-x-virtual-mta), else `default-virtual-mta`, whose `by-smtp-source-ip` picks the
 * VirtualMTA whose smtp-source-host is the address the client connected to.
 */
function selectVirtualMta(
  headers: HeaderField[],
  settings: SourceSettings,
  policy: Policy,
  localIp: string,
  remove: Set<HeaderField>,
): Pick<ControlValues, 'virtualMta' | 'virtualMtaKind'> | Reply {
  const config = policy.config;
  if (settings['process-x-virtual-mta'] && headers.length > 0) {
    if (!settings['retain-x-virtual-mta']) for (const f of headers) remove.add(f);
    const name = headers[0]!.value;
    if (name === '' && settings['allow-empty-x-virtual-mta']) return {};
    const kind = name === '' ? undefined : virtualMtaKind(config, name);
    if (kind) return { virtualMta: name, virtualMtaKind: kind };
    if (settings['reject-invalid-virtual-mta']) return replies.unknownVirtualMta(name);
    const fallback = config.global['invalid-virtual-mta-fallback'];
    const fallbackKind = fallback ? virtualMtaKind(config, fallback) : undefined;
    return fallback && fallbackKind ? { virtualMta: fallback, virtualMtaKind: fallbackKind } : {};
  }
  const name = settings['default-virtual-mta'];
  if (!name) return {};
  if (name === 'by-smtp-source-ip') {
    const local = localIp.replace(/^::ffff:/, '');
    for (const vmta of config.virtualMtas.values()) {
      if (vmta.settings['smtp-source-host'].some((h) => h.ip === local)) {
        return { virtualMta: vmta.name, virtualMtaKind: 'vmta' };
      }
    }
    return {};
  }
  const kind = virtualMtaKind(config, name);
  return kind ? { virtualMta: name, virtualMtaKind: kind } : {};
}
