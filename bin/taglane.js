#!/usr/bin/env node
// The CLI is written in TypeScript; tsx loads it without a build step so `npx taglane` works
// right after `npm install`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./cli.ts');
await main(process.argv);
