import { useEffect, useState } from 'react';
import { HashRouter, NavLink, Route, Routes } from 'react-router-dom';
import type { TransportStatus } from '../shared/rpc';
import { agentToken } from './bridge/agent-token';
import { client } from './bridge/client';
import { RunAlerts } from './components/RunAlerts';
import { Connections } from './pages/Connections';
import { Dashboard } from './pages/Dashboard';
import { History } from './pages/History';
import { Jobs } from './pages/Jobs';
import { MappingWizard } from './pages/MappingWizard';
import { Mappings } from './pages/Mappings';
import { RunDetail } from './pages/RunDetail';
import { Settings } from './pages/Settings';
import { Sources } from './pages/Sources';
import { SandboxTour } from './firstrun/SandboxTour';

const NAV = [
  { to: '/', label: 'Dashboard', end: true },
  { to: '/connections', label: 'Connections' },
  { to: '/sources', label: 'Sources' },
  { to: '/mappings', label: 'Mappings' },
  { to: '/jobs', label: 'Jobs' },
  { to: '/history', label: 'History' },
  { to: '/settings', label: 'Settings' },
];

function ConnectionBanner() {
  const [status, setStatus] = useState<TransportStatus>('open');
  // Refused after the page had been let in: the agent restarted. Refused from the start: the token
  // in the address was never the agent's (cut off when copied, or from before a restart).
  const [wasLetIn, setWasLetIn] = useState(false);
  useEffect(
    () =>
      client.onStatus((s) => {
        if (s === 'open') setWasLetIn(true);
        setStatus(s);
      }),
    [],
  );
  if (status === 'open') return null;
  if (status === 'unauthorized' && agentToken() === null) {
    return (
      <div className="banner banner-bad" role="alert">
        <span>
          This page has no access to the agent: its address must carry the access token, and a new tab, a bookmark or a typed address does not. Run{' '}
          <code>esg-sync ui</code> on the computer the agent runs on for the current address (<code>esg-sync ui --open</code> opens it).
        </span>
      </div>
    );
  }
  if (status === 'unauthorized' && !wasLetIn) {
    return (
      <div className="banner banner-bad" role="alert">
        <span>
          The access token in this page’s address is not the agent’s current one: it may have been cut off when it was copied, or be from before the agent last
          started. Run <code>esg-sync ui</code> on the computer the agent runs on and open the whole address it prints (<code>esg-sync ui --open</code> opens it).
        </span>
      </div>
    );
  }
  if (status === 'unauthorized') {
    return (
      <div className="banner banner-bad" role="alert">
        <span>
          The agent was restarted, and this page’s access ended with the old run (its access token changes at every start). To get the new address, run{' '}
          <code>esg-sync ui</code> on the computer it runs on, and open it here.
        </span>
      </div>
    );
  }
  return (
    <div className="banner banner-warn" role="status">
      {status === 'connecting' ? 'Connecting to the agent…' : 'Lost the connection to the agent. Reconnecting…'}
    </div>
  );
}

export function App() {
  return (
    <HashRouter>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <div className="layout">
        <nav className="sidebar" aria-label="Main">
          <div className="brand">
            <img src="./icon.svg" alt="" width={28} height={28} />
            <span>ESG Sync Agent</span>
          </div>
          <ul>
            {NAV.map((n) => (
              <li key={n.to}>
                <NavLink to={n.to} end={n.end}>
                  {n.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" tabIndex={-1}>
          <ConnectionBanner />
          <RunAlerts />
          <SandboxTour />
          <Routes>
            <Route path="/" element={<Dashboard />} />
            <Route path="/connections" element={<Connections />} />
            <Route path="/sources" element={<Sources />} />
            <Route path="/mappings" element={<Mappings />} />
            <Route path="/mappings/new" element={<MappingWizard />} /><Route path="/mappings/:mappingId/edit" element={<MappingWizard />} />
            <Route path="/jobs/*" element={<Jobs />} />
            <Route path="/history" element={<History />} />
            <Route path="/history/:runId" element={<RunDetail />} />
            <Route path="/settings" element={<Settings />} />
            <Route path="*" element={<p>That page does not exist.</p>} />
          </Routes>
        </main>
      </div>
    </HashRouter>
  );
}
