import { resolve } from 'node:path';

export interface Config {
  databaseUrl: string | undefined;
  dataDir: string;
  port: number;
  host: string;
  jwtSecret: string;
  jwksUrl: string | undefined;
  devSecret: boolean;
}

/** Development-only signing key, used when CUPOLA_JWT_SECRET is not set (the server says so at start). */
export const DEV_JWT_SECRET = 'cupola-dev-secret-change-me-0123456789';

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be an integer 0-65535, got ${env.PORT}`);
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: resolve(env.CUPOLA_DATA_DIR ?? './data'),
    port,
    host: env.HOST ?? '127.0.0.1',
    jwtSecret: env.CUPOLA_JWT_SECRET ?? DEV_JWT_SECRET,
    jwksUrl: env.CUPOLA_JWKS_URL || undefined,
    devSecret: !env.CUPOLA_JWT_SECRET,
  };
}
