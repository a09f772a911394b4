import { EventEmitter } from 'node:events';
import type { EventName, EventPayload } from '../../shared/api';

type Listener = (event: EventName, payload: unknown) => void;

/** Typed fan-out of engine events to every bridge (IPC, WebSocket) and to in-process listeners. */
export class EngineEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    // Every open browser tab and window subscribes once; the default cap of 10 is too low for that.
    this.emitter.setMaxListeners(1000);
  }

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    this.emitter.emit('event', event, payload);
  }

  subscribe(listener: Listener): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
