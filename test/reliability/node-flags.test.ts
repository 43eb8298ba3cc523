/** `npm start` and the Docker image run Node with the same flags (the memory budget depends on them). */
import { expect, it } from 'vitest';
import { dockerNodeFlags, serveNodeFlags } from '../support/node-flags.js';

it('the Dockerfile entry point and npm start pass Node the same flags', () => {
  expect(serveNodeFlags()).toContain('--max-semi-space-size=4');
  expect(dockerNodeFlags()).toEqual(serveNodeFlags());
});
