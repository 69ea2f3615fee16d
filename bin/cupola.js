#!/usr/bin/env node
// Entry point of the `cupola` CLI: runs the TypeScript sources directly through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../engine/src/cli/main.ts');
