import { loadConfig } from '../config.ts';
import { mintToken, ROLES, type Role } from '../http/auth.ts';
import type { Command } from './args.ts';

export const tokenCommand: Command = {
  name: 'token',
  summary: 'mint a development bearer token (HS256, signed with CUPOLA_JWT_SECRET)',
  usage: '--role <role> [--ats ID] [--provider ID] [--clinic ID] [--cf CF] [--ttl SECONDS]',
  options: {
    role: { type: 'string', description: ROLES.join(' | ') },
    sub: { type: 'string', description: 'subject (default dev-<role>)' },
    ats: { type: 'string', description: 'ATS id (ats-planner)' },
    provider: { type: 'string', description: 'provider id (provider-admin)' },
    clinic: { type: 'string', description: 'clinic id (clinic-operator)' },
    cf: { type: 'string', description: 'codice fiscale (citizen)' },
    ttl: { type: 'string', description: 'lifetime in seconds (default 28800)' },
  },
  async run(v) {
    const role = v.role as Role | undefined;
    if (!role || !ROLES.includes(role)) {
      console.error(`--role must be one of ${ROLES.join(', ')}`);
      return 2;
    }
    const cfg = loadConfig();
    const claims = Object.fromEntries(['ats', 'provider', 'clinic', 'cf'].filter((k) => typeof v[k] === 'string').map((k) => [k, v[k] as string]));
    try {
      console.log(await mintToken(cfg.jwtSecret, { sub: (v.sub as string) ?? `dev-${role}`, role, ...claims }, Number(v.ttl ?? 28800)));
    } catch (e) {
      console.error((e as { problem?: { message: string } }).problem?.message ?? (e as Error).message);
      return 2;
    }
  },
};
