import type { Page } from '@playwright/test';
import type { RunningAgent } from './agent-process';

/**
 * Opens the agent's UI in `page` the way a person does (the launch address, token in its
 * fragment), then, if asked, goes to an in-app route (`/history/3`). The route is a second step:
 * the launch address's fragment holds the token, and the page keeps it in this tab's
 * sessionStorage, so the plain address with a route works from then on in the same tab.
 */
export async function openUi(page: Page, agent: RunningAgent, route?: string): Promise<void> {
  await page.goto(agent.launchUrl);
  await page.waitForFunction(() => !window.location.href.includes('token='));
  if (route) await page.goto(`${agent.url}#${route.replace(/^#/, '')}`);
}
