import { Link, useNavigate } from 'react-router-dom';
import { client } from '../bridge/client';
import { ErrorState } from '../components/ui';
import { useAction } from '../hooks';
import { wizardPathFor } from './sandbox';

/**
 * The empty dashboard: the two ways to begin. The real thing (a platform service account), or a
 * practice run on the built-in sandbox platform with sample files, which takes two minutes.
 */
export function FirstRunChoices() {
  const navigate = useNavigate();
  const start = useAction();
  const tryIt = async () => {
    const status = await start.run(() => client.call('demo.start', {}));
    if (status) navigate(wizardPathFor(status));
  };
  return (
    <section className="first-run" aria-labelledby="first-run-title">
      <h2 id="first-run-title" className="first-run-title">
        Get your sustainability data flowing
      </h2>
      <p className="muted first-run-lead">
        The agent picks up the files and tables your sites already produce — utility reports, fuel card exports, waste contractor logs — and keeps your ESG
        platform up to date with them.
      </p>
      <div className="first-run-choices">
        <div className="choice">
          <h3>Connect to your platform</h3>
          <p className="muted">
            Add the service account your ESG platform gave you (a client ID and secret). The agent checks it works before saving it, and keeps the secret in
            this computer's keychain.
          </p>
          <Link className="button primary" to="/connections?add=1">
            Connect to your platform
          </Link>
        </div>
        <div className="choice">
          <h3>Try it with the sandbox platform</h3>
          <p className="muted">
            A practice platform on this computer with four sites (London, Manchester, Berlin, Lyon) and a folder of sample files. Map a monthly electricity report,
            then drop next month's file in and watch it sync. Nothing leaves this computer, and you can remove it all in one click.
          </p>
          <button type="button" className="button primary" onClick={() => void tryIt()} disabled={start.busy}>
            {start.busy ? 'Starting the sandbox…' : 'Try it with the sandbox platform'}
          </button>
          {start.busy && (
            <p className="muted small" role="status">
              Starting the sandbox platform and writing the sample files…
            </p>
          )}
        </div>
      </div>
      {start.error && <ErrorState message={`The sandbox could not be started. ${start.error}`} />}
    </section>
  );
}
