/**
 * The line the agent prints when it has to end itself after stopping (exitAfterStop): it names
 * what was still open, and reads as a sentence when Node could name nothing — a heavy run once
 * printed "Stopped, but  still held the process open".
 */
import { describe, expect, it } from 'vitest';
import { lingerMessage } from '../../../main/agent/commands/agent';

describe('lingerMessage', () => {
  it('names what held the process open', () => {
    expect(lingerMessage(['TCPSocketWrap', 'Timeout'])).toBe('Stopped, but TCPSocketWrap, Timeout still held the process open; exiting anyway.');
  });

  it('says something whole when nothing can be named', () => {
    const text = lingerMessage([]);
    expect(text).not.toMatch(/but\s+still|\s{2}/);
    expect(text).toBe('Stopped, but work still under way (none of it a handle Node can name) held the process open; exiting anyway.');
  });
});
