#!/usr/bin/env node
// `npx cohesion …`: npx puts node_modules/.bin first on PATH, so this runs on the project's pinned Node 24,
// which strips the TypeScript types of the CLI at load time.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  console.error(
    `Cohesion needs Node.js 24 or later (this is ${process.version}). Run it through npx or npm run.`,
  );
  process.exit(1);
}
await import('../server/cli/main.ts');
