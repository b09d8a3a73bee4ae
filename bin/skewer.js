#!/usr/bin/env node
// skewer runs from its TypeScript sources through tsx: no build step between a clone and a run.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/run.ts');
