/** Sign in with an API key: checked against the API before it is kept (in this tab's session only). */
import { useState } from 'preact/hooks';
import { ApiError, request, session } from '../api.js';
import { ErrorMessage } from '../components.js';
import { toApiError } from '../hooks.js';

export function SignIn({ notice, onSignedIn }: { notice: ApiError | undefined; onSignedIn: () => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<ApiError | undefined>(notice);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) {
      setError(new ApiError('Enter an API key.', 'BAD_USER_INPUT', 'key'));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await request('checkKey', {}, trimmed);
      session.signIn(trimmed);
      onSignedIn();
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="narrow">
      <h1>Sign in to Winnow</h1>
      <form onSubmit={(event) => void submit(event)}>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="off"
          spellcheck={false}
          value={key}
          onInput={(event) => setKey(event.currentTarget.value)}
          aria-describedby="api-key-help"
          required
        />
        <p id="api-key-help" class="muted">
          The key that <code>npm start</code> prints (also in <code>.winnow/api-key</code>), or one made with{' '}
          <code>winnow apikey create</code>. It is kept in this browser tab only, until the tab is closed or you sign out.
        </p>
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
      <ErrorMessage error={error} />
    </main>
  );
}
