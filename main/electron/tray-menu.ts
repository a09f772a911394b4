import type { MenuItemConstructorOptions } from 'electron';
import type { TrayState } from './tray-state';

export interface TrayActions {
  open(): void;
  runAll(): void;
  pauseFor(minutes: number): void;
  pauseUntilResumed(): void;
  resume(): void;
  quit(): void;
}

/** The tray menu for a state. Quit is the only way out; closing the window keeps syncing. */
export function trayMenuTemplate(state: TrayState, actions: TrayActions): MenuItemConstructorOptions[] {
  return [
    { id: 'status', label: state.headline, enabled: false },
    { type: 'separator' },
    { id: 'open', label: 'Open ESG Sync Agent', click: () => actions.open() },
    { id: 'run-all', label: 'Run all jobs now', click: () => actions.runAll() },
    { type: 'separator' },
    ...(state.paused
      ? [{ id: 'resume', label: 'Resume syncs', click: () => actions.resume() } satisfies MenuItemConstructorOptions]
      : [
          { id: 'pause-1h', label: 'Pause syncs for 1 hour', click: () => actions.pauseFor(60) } satisfies MenuItemConstructorOptions,
          { id: 'pause', label: 'Pause syncs until resumed', click: () => actions.pauseUntilResumed() } satisfies MenuItemConstructorOptions,
        ]),
    { type: 'separator' },
    { id: 'quit', label: 'Quit ESG Sync Agent', click: () => actions.quit() },
  ];
}
