// VirtualMTA selection and the source address / EHLO name a VirtualMTA sends from (powermta.md §2.6).
// A message names a VirtualMTA or a pool; a pool's members take turns per message. With no
// selection the message uses PowerMTA's reserved `{default}` VirtualMTA.
import type { OutpostConfig, SourceHost } from '../config/index.js';

export const DEFAULT_VMTA = '{default}';

export class VmtaSelector {
  private readonly turns = new Map<string, number>();

  constructor(private readonly config: OutpostConfig) {}

  /** The VirtualMTA for one message, or undefined when its selection no longer exists (5.3.5). */
  pick(selected: string | undefined): { vmta: string; pool?: string } | undefined {
    if (!selected) return { vmta: DEFAULT_VMTA };
    if (this.config.virtualMtas.has(selected)) return { vmta: selected };
    const pool = this.config.pools.get(selected);
    const members = pool?.settings['virtual-mta'] ?? [];
    if (members.length === 0) return undefined;
    const turn = this.turns.get(selected) ?? 0;
    this.turns.set(selected, turn + 1);
    return { vmta: members[turn % members.length]!, pool: selected };
  }
}

export interface SourceBinding {
  /** Local address to bind, or undefined to let the OS choose. */
  ip?: string;
  heloName: string;
}

/**
 * Round-robin over the VirtualMTA's `smtp-source-host` entries, else the global ones; the EHLO name
 * is the entry's host name, else the VirtualMTA's or global `host-name`.
 */
export class SourceHosts {
  private readonly turns = new Map<string, number>();

  constructor(private readonly config: OutpostConfig) {}

  next(vmta: string): SourceBinding {
    const v = this.config.virtualMtas.get(vmta);
    const hosts: SourceHost[] = v?.settings['smtp-source-host'].length
      ? v.settings['smtp-source-host']
      : this.config.global['smtp-source-host'];
    const fallbackName = v?.settings['host-name'] ?? this.config.global['host-name'][0] ?? 'localhost';
    if (hosts.length === 0) return { heloName: fallbackName };
    const turn = this.turns.get(vmta) ?? 0;
    this.turns.set(vmta, turn + 1);
    const host = hosts[turn % hosts.length]!;
    return { ip: host.ip, heloName: host.hostname };
  }

  /** The address events report as `sending_ip` before a connection exists (the first source host). */
  primaryIp(vmta: string): string | undefined {
    const v = this.config.virtualMtas.get(vmta);
    return (v?.settings['smtp-source-host'][0] ?? this.config.global['smtp-source-host'][0])?.ip;
  }
}
